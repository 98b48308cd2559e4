import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO, MMLU, runCli, tempDir } from './helpers.ts';
import { cli } from './cli.ts';

// The first test runs the built binary as a user would (the demo path); the others run the same CLI in-process.

function json(path: string): Record<string, any> {
  return JSON.parse(readFileSync(path, 'utf8'));
}

test('demo: train, eval, estimate and route through the built binary, with lineage linking report to dataset', () => {
  const dir = tempDir();
  const train = runCli(['train', DEMO, '--name', 'demo', '--json'], dir);
  assert.equal(train.code, 0, train.stderr);
  const trained = JSON.parse(train.stdout);
  assert.equal(trained.path, 'artifacts/routers/demo/v1.json');
  assert.ok(trained.body.training.validation.apgr > 0.6, `validation APGR ${trained.body.training.validation.apgr}`);

  const evaluated = runCli(['eval', DEMO, '--router', 'demo'], dir);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.match(evaluated.stdout, /held-out 20% of the training dataset \(seed 1\)/);
  assert.match(evaluated.stdout, /│ threshold │ strong share │ quality │ quality gap │ \$\/1k queries │ cost reduction │\s+PGR │/);
  assert.match(evaluated.stdout, /│ random \(analytic\) │ 0\.500 │\s+│\s+20\.0% │\s+50\.0% │\s+│\s+80\.0% │ 0\.500 │/);
  assert.match(evaluated.stdout, /│ always weak\s+│\s+0\.0% │/);
  assert.match(evaluated.stdout, /Report written to artifacts\/reports\/demo\/v1\.json/);

  const estimated = runCli(['estimate', '--eval', 'demo', '--volume', '50k/day', '--json'], dir);
  assert.equal(estimated.code, 0, estimated.stderr);

  // Lineage: estimate -> report -> (router, dataset) -> router -> dataset, all by content hash.
  const dataset = readFileSync(DEMO, 'utf8').split('\n', 1)[0]!;
  const datasetHash = JSON.parse(dataset).contentHash;
  const router = json(join(dir, 'artifacts/routers/demo/v1.json'));
  const report = json(join(dir, 'artifacts/reports/demo/v1.json'));
  const estimate = JSON.parse(estimated.stdout);
  assert.deepEqual(router.lineage.map((l: any) => [l.kind, l.hash, l.role]), [['dataset', datasetHash, 'train']]);
  assert.deepEqual(report.lineage.map((l: any) => [l.kind, l.hash]), [['dataset', datasetHash], ['router', router.contentHash]]);
  assert.deepEqual(estimate.lineage.map((l: any) => [l.kind, l.hash]), [['eval-report', report.contentHash]]);
  assert.equal(report.body.dataset.hash, datasetHash);

  // The estimate uses the report's operating point and per-query costs.
  const op = report.body.routers[0].operatingPoint.point;
  assert.ok(Math.abs(estimate.body.inputs.weakShare - (1 - op.strongShare)) < 1e-12);
  assert.equal(estimate.body.inputs.strongCostPerQuery, report.body.usage['sim-large'].meanCost);

  const routed = runCli(['route', '--router', 'demo', '--json', 'How do I reset my password?'], dir);
  assert.equal(routed.code, 0, routed.stderr);
  const decision = JSON.parse(routed.stdout).decisions[0];
  assert.ok(['sim-small', 'sim-large'].includes(decision.model));

  // A second run with other options adds a version instead of overwriting.
  const again = runCli(['train', DEMO, '--name', 'demo', '--seed', '2'], dir);
  assert.equal(again.code, 0, again.stderr);
  assert.ok(existsSync(join(dir, 'artifacts/routers/demo/v2.json')));
  assert.equal(json(join(dir, 'artifacts/routers/demo/v1.json')).contentHash, router.contentHash);
});

test('--split all on the training dataset warns that the numbers include training rows', async () => {
  const dir = tempDir();
  assert.equal((await cli(['train', DEMO, '--name', 'd'], dir)).code, 0);
  const r = await cli(['eval', DEMO, '--router', 'd', '--split', 'all', '--thresholds', '0.3,0.5'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: router d was trained on this dataset: these numbers include its training rows/);
  assert.match(r.stdout, /│ threshold │[^\n]+\n│ 0\.300\s+│[^\n]+\n│ 0\.500\s+│/, 'one row per requested threshold, in order');
});

test('MMLU: train and eval run directly on the benchmark folder; held-out APGR well above random', { skip: !existsSync(MMLU) && 'shared MMLU data absent' }, async () => {
  const dir = tempDir();
  const train = await cli(['train', MMLU, '--name', 'mmlu'], dir);
  assert.equal(train.code, 0, train.stderr);
  const r = await cli(['eval', MMLU, '--router', 'mmlu', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.body.dataset.split, 'holdout');
  assert.ok(report.body.dataset.rows > 2500 && report.body.dataset.rows < 3100, `held-out rows ${report.body.dataset.rows}`);
  assert.equal(report.body.pair.weak, 'mistralai/Mixtral-8x7B-Instruct-v0.1');
  assert.equal(report.body.pair.strong, 'gpt-4-1106-preview');
  const apgr = report.body.routers[0].summary.apgr;
  assert.ok(apgr > 0.62, `held-out APGR ${apgr}`);
});
