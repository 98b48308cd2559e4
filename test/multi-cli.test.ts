import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from './cli.ts';
import { DEMO, tempDir, writeFile } from './helpers.ts';
import { COST, ladderCsv } from './ladder.ts';

// train, eval and route over three models, through the CLI's own parsing, in this process. The data
// is a ladder whose right model depends on the query's topic: `tiny` answers greetings, `mid` also
// answers billing, only `big` solves integrals; costs are recorded per call in RouterBench's layout.

test('over three models: train predicts each model, eval sweeps lambda against the zero router, route picks by topic', async () => {
  const dir = tempDir('router-multi-');
  writeFile(dir, 'ladder.csv', ladderCsv());
  const trained = await cli(['train', 'ladder.csv', '--name', 'ladder'], dir);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stdout, /^Trained logistic router on tfidf \([\d,]+ terms\) over 3 models, target: each model's quality$/m);
  assert.match(trained.stdout, /reference model big \(best mean quality; name another with --reference\)/);
  const body = JSON.parse(readFileSync(join(dir, 'artifacts/routers/ladder/v1.json'), 'utf8')).body;
  assert.equal(body.target, 'quality');
  assert.deepEqual(body.models, ['tiny', 'mid', 'big']);
  assert.deepEqual(body.costs.map((c: { perQuery: number; basis: string }) => [+c.perQuery.toPrecision(12), c.basis]), COST.map((c) => [c, 'recorded']));
  assert.equal(body.rule.kind, 'lambda');

  const evaluated = await cli(['eval', 'ladder.csv', '--router', 'ladder', '--bootstrap', '50', '--json'], dir);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const report = JSON.parse(evaluated.stdout).body;
  assert.equal(report.kind, 'multi');
  assert.equal(report.split, 'holdout');
  assert.equal(report.best, 'big');
  assert.equal(report.singles.length, 3);
  const r = report.routers[0];
  const shares = r.operatingPoint.shares as number[];
  assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'every query goes to one model');
  // Topic decides the right model, so a text router must beat any random mix of the single models.
  assert.ok(r.summary.aiqGain > 0.05, `AIQ gain over the zero router ${r.summary.aiqGain}`);
  assert.ok(r.ci.aiq[0] <= r.summary.aiq && r.summary.aiq <= r.ci.aiq[1]);
  assert.ok(report.oracle.quality >= Math.max(...report.singles.map((s: { quality: number }) => s.quality)));

  const table = await cli(['eval', 'ladder.csv', '--router', 'ladder', '--bootstrap', '0', '--by', 'topic', '--target-budget', '5'], dir);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^ladder \(logistic\) at lambda [\d.]+, the best point within \$5\.00 per 1,000 queries:$/m);
  assert.match(table.stdout, /^ {2}traffic: /m);
  assert.match(table.stdout, /│ zero router +│/);
  assert.match(table.stdout, /│ math +│/);

  const routed = await cli(['route', '--router', 'ladder', '--json', 'hello there, thanks for the quick reply', 'solve the integral of x squared times sine x over zero to pi'], dir);
  assert.equal(routed.code, 0, routed.stderr);
  const decisions = JSON.parse(routed.stdout).decisions;
  assert.deepEqual(decisions.map((d: { model: string }) => d.model), ['tiny', 'big']);
  assert.equal(decisions[0].predicted.length, 3);
  const shown = await cli(['route', '--router', 'ladder', 'my invoice was charged twice'], dir);
  assert.match(shown.stdout, /│ my invoice was charged twice +│ mid +│/);
  assert.match(shown.stderr + shown.stdout, /1 query by lambda [\d.]+: 1 to mid \(100\.0%\)/);
});

test('over three models: every mistake is one line naming the option, before any work', async () => {
  const dir = tempDir('router-multi-');
  writeFile(dir, 'ladder.csv', ladderCsv(60));
  writeFile(dir, 'nocost.csv', ladderCsv(60, false));
  const fails = async (args: string[], message: string) => {
    const r = await cli(args, dir);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
    assert.equal(r.stderr, `router: ${message}\n`);
  };
  await fails(['train', 'ladder.csv', '--reference', 'huge'], 'ladder.csv: --reference "huge" is not one of the models routed over (tiny, mid, big)');
  await fails(['train', 'ladder.csv', '--models', 'big'], '--models: a router needs at least two models, got 1');
  await fails(['train', 'ladder.csv', '--router', 'semantic'], 'the semantic router routes between two models only; over several models: logistic, knn, mlp, mf');
  await fails(['train', 'ladder.csv', '--weak', 'tiny', '--strong', 'big', '--reference', 'big'], '--reference applies to routing over more than two models; this router is for a pair');
  // Without per-model columns a text column is not told from a mistyped model column: --meta says it.
  await fails(
    ['train', 'nocost.csv', '--meta', 'topic'],
    'nocost.csv: no dollar cost for tiny on 60 of 60 rows: routing over several models weighs quality against cost, so every call needs one (a recorded cost, tokens with a price, or --unit-cost tiny=USD)',
  );
  const priced = await cli(['train', 'nocost.csv', '--meta', 'topic', '--unit-cost', 'tiny=0.0001,mid=0.001', '--unit-cost', 'big=0.01'], dir);
  assert.equal(priced.code, 0, priced.stderr + priced.stdout);
  assert.match(priced.stdout, /│ tiny +│ +\$0\.100 │ unit cost │/);

  assert.equal((await cli(['train', 'ladder.csv', '--name', 'l'], dir)).code, 0);
  // Evaluated on data without costs, the models are priced by name from a price file, tokens counted from the prompts.
  writeFile(dir, 'prices.json', JSON.stringify({ models: { tiny: { inputPerMTok: 0.1, outputPerMTok: 0.2 }, mid: { inputPerMTok: 1, outputPerMTok: 2 }, big: { inputPerMTok: 10, outputPerMTok: 20 } } }));
  const byPrices = await cli(['eval', 'nocost.csv', '--meta', 'topic', '--router', 'l', '--bootstrap', '0', '--prices', 'prices.json', '--output-tokens', '10', '--json'], dir);
  assert.equal(byPrices.code, 0, byPrices.stderr);
  assert.match(JSON.parse(byPrices.stdout).body.cost.line, /^cost: tokens x price \(input tokens counted with o200k_base from the prompts, .*; output tokens assumed 10 per answer; prices: prices\.json, tiny \$0\.10\/\$0\.20, mid \$1\.00\/\$2\.00, big \$10\.00\/\$20\.00 per MTok\)$/);
  await fails(['eval', 'nocost.csv', '--meta', 'topic', '--router', 'l', '--weak-model', 'gpt-4o'], '--weak-model prices a weak/strong pair; over more than two models price them with --prices FILE or --catalog-prices');
  await fails(['eval', 'ladder.csv', '--router', 'l', '--target-share', '0.3'], '--target-share applies to a router over a pair; l routes over 3 models');
  await fails(['eval', 'ladder.csv', '--router', 'l', '--target-gap', '0.1', '--target-quality', '0.9'], '--target-gap and --target-quality each choose the operating point; give one');
  await fails(['route', '--router', 'l', '--threshold', '0.5', 'hi'], '--threshold applies to a router over a pair; l routes over 3 models by its rule (lambda ' + JSON.parse(readFileSync(join(dir, 'artifacts/routers/l/v1.json'), 'utf8')).body.rule.value + ')');
});

test('a pair stays a pair: the demo data names its pair, and --models with three routes over them', async () => {
  const dir = tempDir('router-multi-');
  const pair = await cli(['train', DEMO, '--name', 'p'], dir);
  assert.equal(pair.code, 0, pair.stderr);
  assert.match(pair.stdout, /for sim-small \(weak\) -> sim-large \(strong\)/);
  const ladder = await cli(['train', DEMO, '--name', 'l', '--models', 'sim-small,sim-medium,sim-large'], dir);
  assert.equal(ladder.code, 0, ladder.stderr);
  assert.match(ladder.stdout, /over 3 models/);
  const mixed = await cli(['eval', DEMO, '--router', 'p', '--router', 'l'], dir);
  assert.equal(mixed.code, 2);
  assert.equal(mixed.stderr, 'router: routers over a pair and routers over more models cannot be compared in one report; evaluate them separately\n');
});

test('over three models: a target writes a deployment that route applies and eval measures; the gate can fail', async () => {
  const dir = tempDir('router-multi-');
  writeFile(dir, 'ladder.csv', ladderCsv());
  assert.equal((await cli(['train', 'ladder.csv', '--name', 'l'], dir)).code, 0);
  const chosen = await cli(['eval', 'ladder.csv', '--router', 'l', '--target-budget', '5', '--bootstrap', '50', '--monitoring', '0.1'], dir);
  assert.equal(chosen.code, 0, chosen.stderr);
  assert.match(chosen.stdout, /^Deployment written to artifacts\/deployments\/l\/v1\.json$/m);
  const dep = JSON.parse(readFileSync(join(dir, 'artifacts/deployments/l/v1.json'), 'utf8')).body;
  assert.equal(dep.kind, 'multi');
  assert.equal(dep.monitoring, 0.1);
  assert.equal(dep.target.kind, 'budget-per-1k');
  assert.ok(dep.expected.cost * 1000 <= 5 + 1e-9, `expected ${dep.expected.cost * 1000} per 1,000 within the $5 budget`);

  const routed = await cli(['route', '--deployment', 'l', '--json', 'hello there, thanks for the quick reply'], dir);
  assert.equal(routed.code, 0, routed.stderr);
  const r = JSON.parse(routed.stdout);
  assert.deepEqual(r.rule, dep.rule, 'the deployment\'s rule, not the router\'s default');
  assert.equal(r.monitoring, 0.1);

  const measured = await cli(['eval', 'ladder.csv', '--deployment', 'l', '--bootstrap', '0', '--min-aiq-gain', '0'], dir);
  assert.equal(measured.code, 0, measured.stderr);
  assert.match(measured.stdout, /^Deployment artifacts\/deployments\/l\/v1\.json: expected quality [\d.]+ \[[\d., ]+\] at \$[\d.]+ per 1,000 queries; measured here [\d.]+ at \$[\d.]+$/m);
  assert.match(measured.stdout, /pass: l: AIQ gain \(point estimate\) [\d.]+ >= 0\.000/);

  const failed = await cli(['eval', 'ladder.csv', '--router', 'l', '--bootstrap', '0', '--min-aiq-gain', '0.9'], dir);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /^read router l@1 \(artifacts\/routers\/l\/v1\.json\)\nrouter: gate failed: l: AIQ gain \(point estimate\) [\d.]+ is below the minimum 0\.900 by [\d.]+\n$/);
  const both = await cli(['eval', 'ladder.csv', '--deployment', 'l', '--target-gap', '0.1'], dir);
  assert.equal(both.stderr, 'router: --target-gap chooses an operating point, but --deployment fixes it; use one or the other\n');
  assert.equal((await cli(['train', DEMO, '--name', 'p'], dir)).code, 0);
  const pairGate = await cli(['eval', DEMO, '--router', 'p', '--min-aiq-gain', '0'], dir);
  assert.equal(pairGate.stderr, 'router: --min-aiq-gain applies to routers over more than two models\n');
});

test('estimate over N models: the operating point\'s spend per model, monitoring on the reference, against always-reference', async () => {
  const { estimateMulti } = await import('../src/cost/estimate-multi.ts');
  const e = estimateMulti({
    models: ['a', 'b', 'c'],
    reference: 'c',
    shares: [0.5, 0.3, 0.2],
    spend: [0.0005, 0.0009, 0.002],
    referenceCost: 0.01,
    quality: 0.8,
    qualityGap: 0.1,
    monitoring: 0.1,
    queriesPerMonth: 1000,
    overheadPerQuery: 0,
    fixedMonthly: 0,
    priceRatios: [2],
    source: { kind: 'eval-report', name: 'r', router: 'r' },
  });
  // 1,000 x 0.9 x spend, plus 1,000 x 0.1 x 0.01 on the reference for the monitoring sample.
  const near = (x: number, y: number) => assert.ok(Math.abs(x - y) < 1e-9, `${x} != ${y}`);
  near(e.projection.monthly, 0.45 + 0.81 + 1.8 + 1);
  near(e.projection.alwaysReference, 10);
  near(e.projection.savings, 10 - 4.06);
  assert.deepEqual(e.projection.shares.map((x) => +x.toFixed(12)), [0.45, 0.27, 0.28]);
  near(e.sensitivity.priceRatios[0]!.monthly, 8.12);
  near(e.sensitivity.modelPriceDoubled[2]!.savings, 20 - (0.45 + 0.81 + 2 * 2.8));

  const dir = tempDir('router-multi-');
  writeFile(dir, 'ladder.csv', ladderCsv());
  assert.equal((await cli(['train', 'ladder.csv', '--name', 'l'], dir)).code, 0);
  assert.equal((await cli(['eval', 'ladder.csv', '--router', 'l', '--target-budget', '5', '--bootstrap', '0'], dir)).code, 0);
  const shown = await cli(['estimate', '--deployment', 'l', '--volume', '10k/day', '--monitoring', '0.05'], dir);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^Monthly \$[\d,.]+ routing 300,000 queries over 3 models, against \$[\d,.]+ always big: saves \$[\d,.]+ \([\d.]+%\)$/m);
  const json = JSON.parse((await cli(['estimate', '--deployment', 'l', '--volume', '10k/day', '--json'], dir)).stdout).body;
  const dep = JSON.parse(readFileSync(join(dir, 'artifacts/deployments/l/v1.json'), 'utf8')).body;
  near(json.projection.monthly, 300_000 * dep.expected.cost);
  const pairOnly = await cli(['estimate', '--deployment', 'l', '--volume', '10k/day', '--weak-share', '0.5'], dir);
  assert.equal(pairOnly.stderr, 'router: --weak-share applies to a pair; l is over more than two models, priced by each model\'s cost on its eval data\n');
});

test('over three models: -o writes the chart, the per-query CSV, Markdown, HTML and JSON, all or nothing', async () => {
  const dir = tempDir('router-multi-');
  writeFile(dir, 'ladder.csv', ladderCsv());
  assert.equal((await cli(['train', 'ladder.csv', '--name', 'l'], dir)).code, 0);
  const r = await cli(['eval', 'ladder.csv', '--router', 'l', '--bootstrap', '0', '-o', 'r.svg', '-o', 'r.csv', '-o', 'r.md', '-o', 'r.html', '-o', 'r.json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const svg = readFileSync(join(dir, 'r.svg'), 'utf8');
  for (const m of ['tiny', 'mid', 'big', 'zero router (mix of two…', 'oracle']) assert.ok(svg.includes(`>${m}<`), `the chart labels ${m}`);
  const csv = readFileSync(join(dir, 'r.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'id,query,l:model,l:quality,l:cost');
  assert.equal(csv.length - 1, JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).body.rows);
  assert.match(readFileSync(join(dir, 'r.md'), 'utf8'), /^# Routing over 3 models\n\n!\[quality against cost\]\(r\.svg\)/);
  // The page leads with the answer: the operating point before the chart.
  assert.match(readFileSync(join(dir, 'r.html'), 'utf8'), /<pre>Routing over 3 models[^<]*at lambda [^<]*<\/pre>\n<svg /);
});

test('over three models: --rule tau sweeps the quality bar instead, and its deployment routes by it', async () => {
  const dir = tempDir('router-multi-');
  writeFile(dir, 'ladder.csv', ladderCsv());
  assert.equal((await cli(['train', 'ladder.csv', '--name', 'l'], dir)).code, 0);
  const r = await cli(['eval', 'ladder.csv', '--router', 'l', '--rule', 'tau', '--target-quality', '0.8', '--bootstrap', '0', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const op = JSON.parse(r.stdout).body.routers[0].operatingPoint;
  assert.equal(op.rule.kind, 'tau');
  assert.ok(op.quality >= 0.8 - 1e-12 && op.rule.value >= 0 && op.rule.value <= 1, JSON.stringify(op));
  const routed = JSON.parse((await cli(['route', '--deployment', 'l', '--json', 'hello there, thanks for the quick reply', 'solve the integral of x squared'], dir)).stdout);
  assert.deepEqual(routed.rule, op.rule);
  // The rule itself: the cheapest model (the routers' model order is by cost here) predicted at least tau, else the best predicted.
  for (const d of routed.decisions) {
    const reaching = d.predicted.filter((p: { quality: number }) => p.quality >= op.rule.value);
    const expected = reaching.length ? reaching.reduce((a: { cost: number }, b: { cost: number }) => (b.cost < a.cost ? b : a)) : d.predicted.reduce((a: { quality: number }, b: { quality: number }) => (b.quality > a.quality ? b : a));
    assert.equal(d.model, expected.model);
  }
  const both = await cli(['eval', 'ladder.csv', '--deployment', 'l', '--rule', 'lambda'], dir);
  assert.equal(both.stderr, 'router: --rule chooses the rule, but --deployment fixes it; use one or the other\n');
});

test('over three models: knn and mf train and route through the same commands', async () => {
  const dir = tempDir('router-multi-');
  writeFile(dir, 'ladder.csv', ladderCsv());
  for (const type of ['knn', 'mf']) {
    const t = await cli(['train', 'ladder.csv', '--name', type, '--router', type, ...(type === 'mf' ? ['--epochs', '20'] : [])], dir);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, new RegExp(`^Trained ${type} router on tfidf .* over 3 models`, 'm'));
    const routed = JSON.parse((await cli(['route', '--router', type, '--json', 'solve the integral of x squared times sine x over zero to pi'], dir)).stdout);
    assert.equal(routed.decisions[0].model, 'big', `${type} sends the integral to the only model that solves it`);
  }
});

test('cost of a query: a least-squares line in its length per model, never below zero; flat where lengths do not vary', async () => {
  const { fitCostLine, predictCosts } = await import('../src/routers/cost-model.ts');
  assert.deepEqual(fitCostLine([1, 2, 3], [2, 4, 6]), { intercept: 0, perChar: 2 });
  // x = 0, 2, 4 and y = 1, 1, 4: slope 3/4, intercept 2 - 3/4 x 2 = 0.5.
  assert.deepEqual(fitCostLine([0, 2, 4], [1, 1, 4]), { intercept: 0.5, perChar: 0.75 });
  assert.deepEqual(fitCostLine([5, 5], [1, 3]), { intercept: 2, perChar: 0 });
  assert.deepEqual(Array.from(predictCosts({ intercept: -1, perChar: 0.5 }, [0, 4])), [0, 1]);
});

test('the N-model view of a pair: --multi over two models trains the N-model router, and eval reports it against the zero router and the oracle', async () => {
  const dir = tempDir('router-multi-pair-');
  writeFile(dir, 'ladder.csv', ladderCsv());
  const trained = await cli(['train', 'ladder.csv', '--name', 'two', '--models', 'tiny,big', '--multi'], dir);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stdout, /^Trained logistic router on tfidf \([\d,]+ terms\) over 2 models, target: each model's quality$/m);
  const body = JSON.parse(readFileSync(join(dir, 'artifacts/routers/two/v1.json'), 'utf8')).body;
  assert.deepEqual(body.models, ['tiny', 'big']);
  assert.equal(body.rule.kind, 'lambda');
  const evaluated = await cli(['eval', 'ladder.csv', '--router', 'two', '--bootstrap', '0', '--json'], dir);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const report = JSON.parse(evaluated.stdout).body;
  assert.equal(report.kind, 'multi');
  assert.deepEqual(report.singles.map((s: { model: string }) => s.model), ['tiny', 'big']);
  assert.ok(report.routers[0].summary.aiqGain > 0, 'greetings go to tiny, the rest to big: better than a random mix of the two');

  // Without --multi the same two models are the pair, as always.
  const pair = await cli(['train', 'ladder.csv', '--name', 'pair', '--models', 'tiny,big'], dir);
  assert.equal(pair.code, 0, pair.stderr);
  assert.match(pair.stdout, /for tiny \(weak\) -> big \(strong\)/);
  const refused = await cli(['train', 'ladder.csv', '--multi', '--weak', 'tiny', '--strong', 'big'], dir);
  assert.equal(refused.code, 2);
  assert.equal(refused.stderr, 'router: --multi routes over --models (default: every model of the data), not a --weak/--strong pair\n');
});
