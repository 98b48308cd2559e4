#!/usr/bin/env bash
# The README's demo: train, evaluate and cost a router on the bundled synthetic dataset, offline.
# Artifacts go to ./artifacts (or $ROUTER_DEMO_ARTIFACTS); a re-run finds its identical artifacts and adds no version.
set -euo pipefail
cd "$(dirname "$0")/.."
router() { node bin/router.js "$@" --artifacts "${ROUTER_DEMO_ARTIFACTS:-artifacts}"; }

echo "== router train: logistic regression on TF-IDF, 20% of queries held out"
router train datasets/demo-support.jsonl --name demo
echo
echo "== router eval: exact threshold sweep on the held-out queries; the cheapest threshold within a"
echo "   5% quality gap, with 5% of queries monitored, is written as deployment demo"
router eval datasets/demo-support.jsonl --router demo --target-gap 0.05 --monitoring 0.05
echo
echo "== router estimate: 50,000 queries a day with deployment demo (its threshold and 5% monitoring)"
router estimate --deployment demo --volume 50k/day --name demo
echo
echo "== router route: two new queries with deployment demo, the threshold estimate just costed"
echo "   (not the router's own default, which train chose on its validation split)"
router route --deployment demo "How do I reset my password?" \
  "Our webhook endpoint started returning 502 after we rotated the signing secret, and invoices INV-2231 and INV-2240 were both charged twice. Can you reconcile and refund?"
echo
echo "== router train over three models: the simulated ladder sim-small < sim-medium < sim-large"
router train datasets/demo-support.jsonl --name demo-ladder --models sim-small,sim-medium,sim-large
echo
echo "== router eval over three models: the exact lambda sweep against the zero router (a random mix of two models)"
router eval datasets/demo-support.jsonl --router demo-ladder --bootstrap 200
echo
echo "== router route over three models"
router route --router demo-ladder "How do I reset my password?" \
  "Our webhook endpoint started returning 502 after we rotated the signing secret, and invoices INV-2231 and INV-2240 were both charged twice. Can you reconcile and refund?"
