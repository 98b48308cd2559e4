import { test } from 'node:test';
import assert from 'node:assert/strict';
import { breakEven, gapWithMonitoring, project, sensitivityGrid, tokenCost } from '../src/cost/projection.ts';
import { estimate, MissingInput, type EstimateRequest } from '../src/cost/estimate.ts';
import { fromDeployment, fromEvalReport, gapAtShare } from '../src/cost/operating-source.ts';
import { catalogOf, type Catalog } from '../src/cost/catalog.ts';
import { UserError } from '../src/errors.ts';

// Worked example from the estimate issue: 1,000,000 queries a day, 500 tokens each at a blended
// price, strong $15 and weak $0.80 per million tokens, 70% to weak, 30-day month.
const base = {
  queriesPerMonth: 1_000_000 * 30,
  strongCostPerQuery: tokenCost(500, 0, 15, 0), // $0.0075
  weakCostPerQuery: tokenCost(500, 0, 0.8, 0), // $0.0004
  weakShare: 0.7,
  monitoring: 0,
  cascade: false,
  overheadPerQuery: 0,
};

const close = (actual: number | null | undefined, expected: number, tol = 1e-6) =>
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) < tol, `${actual} != ${expected}`);

test('worked example without monitoring: $225,000 always-strong, $75,900 routed, 2.96x', () => {
  const p = project(base);
  close(p.alwaysStrong, 225_000); // 30M x $0.0075
  close(p.routed, 75_900); // 30M x (0.3 x 0.0075 + 0.7 x 0.0004) = 67,500 + 8,400
  close(p.savings, 149_100);
  assert.equal(p.costReduction!.toFixed(2), '2.96');
  close(p.strongShare, 0.3);
});

test('5% monitoring raises the strong share to 0.335 and the routed cost to $83,355', () => {
  const p = project({ ...base, monitoring: 0.05 });
  close(p.strongShare, 0.335); // 0.3 + 0.05 x 0.7
  close(p.routed, 83_355); // 30M x (0.335 x 0.0075 + 0.665 x 0.0004) = 75,375 + 7,980
});

test('cascade: the weak model is paid on every query, escalations pay the strong one too', () => {
  const p = project({ ...base, cascade: true });
  close(p.routed, 79_500); // 30M x (0.0004 + 0.3 x 0.0075) = 12,000 + 67,500
  close(p.savings, 145_500);
  assert.equal(p.costReduction!.toFixed(2), '2.83');
  // Monitored queries are escalated too: 30M x (0.0004 + 0.335 x 0.0075) = 12,000 + 75,375.
  close(project({ ...base, cascade: true, monitoring: 0.05 }).routed, 87_375);
});

test('overhead: per query and fixed monthly are added to the routed bill', () => {
  const p = project({ ...base, overheadPerQuery: 0.0001, fixedMonthly: 4_870 });
  close(p.modelCost, 75_900);
  close(p.overhead, 7_870); // 30M x $0.0001 + $4,870
  close(p.routed, 83_770);
  close(p.savings, 141_230);
  assert.equal(p.costReduction!.toFixed(2), '2.69'); // 225,000 / 83,770
});

test('break-even: fixed monthly cost over the net saving per query', () => {
  // Saving per query before overhead: 0.0075 - (0.3 x 0.0075 + 0.7 x 0.0004) = $0.00497; net of
  // $0.0001 overhead $0.00487; $4,870 a month / $0.00487 = 1,000,000 queries a month.
  const be = breakEven({ ...base, overheadPerQuery: 0.0001, fixedMonthly: 4_870 }, 30);
  close(be.grossSavingPerQuery, 0.00497, 1e-12);
  close(be.netSavingPerQuery, 0.00487, 1e-12);
  close(be.queriesPerMonth, 1_000_000, 1e-3);
  close(be.queriesPerDay, 33_333.333, 1e-3);
  // At 30M queries the fixed cost is $0.000162 a query, so the router may cost up to $0.00497 - $0.000162.
  close(be.maxOverheadPerQuery, 0.00497 - 4_870 / 30_000_000, 1e-12);
  // Below the break-even volume routing costs more than always-strong, above it less.
  assert.ok(project({ ...base, queriesPerMonth: 900_000, overheadPerQuery: 0.0001, fixedMonthly: 4_870 }).savings < 0);
  assert.ok(project({ ...base, queriesPerMonth: 1_100_000, overheadPerQuery: 0.0001, fixedMonthly: 4_870 }).savings > 0);
  close(project({ ...base, queriesPerMonth: 1_000_000, overheadPerQuery: 0.0001, fixedMonthly: 4_870 }).savings, 0, 1e-6);

  assert.equal(breakEven(base, 30).queriesPerMonth, 0, 'no fixed cost: pays from the first query');
  const never = breakEven({ ...base, overheadPerQuery: 0.005, fixedMonthly: 100 }, 30);
  assert.equal(never.queriesPerMonth, null, 'overhead above the saving: never');
  assert.equal(never.queriesPerDay, null);
});

test('sensitivity grid: weak share x price ratio with the strong cost fixed', () => {
  const grid = sensitivityGrid(base, [0.5, 0.7], [10, 18.75]);
  // 50% weak, ratio 10: weak $0.00075; 30M x (0.5 x 0.0075 + 0.5 x 0.00075) = $123,750.
  close(grid[0]![0]!.routed, 123_750);
  close(grid[0]![0]!.savings, 101_250);
  close(grid[0]![0]!.savingsShare, 0.45);
  // 70% weak at the example's own ratio 15 / 0.8 = 18.75 is the example itself.
  close(grid[1]![1]!.routed, 75_900);
  close(grid[1]![1]!.savings, 149_100);
  assert.equal(grid[1]![1]!.costReduction!.toFixed(2), '2.96');
  // Monitoring applies inside the grid as well.
  close(sensitivityGrid({ ...base, monitoring: 0.05 }, [0.7], [18.75])[0]![0]!.routed, 83_355);
});

test('monitoring narrows the quality gap by (1 - m)', () => {
  close(gapWithMonitoring(0.04, 0.05), 0.038, 1e-15);
  close(gapWithMonitoring(0.04, 0), 0.04, 1e-15);
});

const catalog: Catalog = catalogOf({
    'openai:gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6, source: 'test', asOf: '2025-08-01' },
    'openai:gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10, source: 'test', asOf: '2025-08-01' },
    'together:mixtral': { inputPerMTok: 0.6, outputPerMTok: 0.6 },
});

function request(over: Partial<EstimateRequest>): EstimateRequest {
  return {
    volume: { count: 1_000_000, per: 'day' },
    days: 30,
    weak: {},
    strong: {},
    catalog,
    monitoring: 0,
    cascade: false,
    overheadPerQuery: 0,
    overheadMs: 0,
    fixedMonthly: 0,
    ...over,
  };
}

test('input and output tokens priced separately from the catalog', () => {
  // Strong: 400 x $2.5/M + 200 x $10/M = $0.003; weak: 400 x $0.15/M + 200 x $0.6/M = $0.00018.
  const { body } = estimate(request({ weak: { model: 'gpt-4o-mini' }, strong: { model: 'openai:gpt-4o' }, inputTokens: 400, outputTokens: 200, weakShare: 0.7 }));
  close(body.inputs.strongCostPerQuery, 0.003, 1e-15);
  close(body.inputs.weakCostPerQuery, 0.00018, 1e-15);
  close(body.projection.alwaysStrong, 90_000); // 30M x $0.003
  close(body.projection.routed, 30_780); // 30M x (0.3 x 0.003 + 0.7 x 0.00018) = 27,000 + 3,780
  close(body.projection.savings, 59_220);
  assert.equal(body.projection.costReduction!.toFixed(2), '2.92');
  assert.equal(body.inputs.models.weak.price?.catalogId, 'openai:gpt-4o-mini', 'the bare name finds the catalog entry');
  assert.equal(body.inputs.models.weak.price?.asOf, '2025-08-01');
  assert.deepEqual(body.inputs.pair, { weak: 'gpt-4o-mini', strong: 'openai:gpt-4o' });

  // Output tokens per model: the weak model writes 300 -> 400 x 0.15 + 300 x 0.6 = $0.00024 a query.
  const perModel = estimate(request({ weak: { model: 'gpt-4o-mini', outputTokens: 300 }, strong: { model: 'openai:gpt-4o' }, inputTokens: 400, outputTokens: 200, weakShare: 0.7 }));
  close(perModel.body.inputs.weakCostPerQuery, 0.00024, 1e-15);
  close(perModel.body.projection.routed, 32_040); // 30M x (0.0009 + 0.7 x 0.00024)

  // Flags override the catalog: --weak-output-price 1.2 doubles the output part.
  const over = estimate(request({ weak: { model: 'gpt-4o-mini', outputPrice: 1.2 }, strong: { model: 'openai:gpt-4o' }, inputTokens: 400, outputTokens: 200, weakShare: 0.7 }));
  close(over.body.inputs.weakCostPerQuery, (400 * 0.15 + 200 * 1.2) / 1e6, 1e-15);
});

test('the blended example through the resolver matches the pure projection, with the default grid', () => {
  const { body } = estimate(request({ weak: { price: 0.8 }, strong: { price: 15 }, tokens: 500, weakShare: 0.7 }));
  close(body.projection.routed, 75_900);
  close(body.sensitivity.actual.priceRatio, 18.75, 1e-12);
  assert.deepEqual(body.sensitivity.weakShares, [0.5, 0.6, 0.7, 0.8, 0.9]);
  assert.deepEqual(body.sensitivity.priceRatios.map((r) => +r.toFixed(4)), [2, 5, 10, 18.75, 20, 50]);
  close(body.sensitivity.cells[2]![3]!.savings, 149_100);
  assert.equal(body.sensitivity.qualityGap, null, 'no eval curve, no quality column');
  assert.equal(body.quality, null);
});

test('default monitoring is 5%', () => {
  const { body } = estimate(request({ weak: { price: 0.8 }, strong: { price: 15 }, tokens: 500, weakShare: 0.7, monitoring: undefined }));
  close(body.inputs.monitoring, 0.05);
  assert.equal(body.inputs.monitoringSource, 'default');
  close(body.projection.routed, 83_355);
});

test('missing inputs name what to pass, in the order a person would answer them', () => {
  const missing = (over: Partial<EstimateRequest>) => {
    try {
      estimate(request(over));
    } catch (err) {
      assert.ok(err instanceof MissingInput, String(err));
      return [err.need.kind, err.message];
    }
    assert.fail('expected a MissingInput');
  };
  assert.deepEqual(missing({ volume: undefined }), ['volume', 'missing options.volume: the query volume, e.g. options.volume 50k/day or options.volume 30M/month']);
  assert.deepEqual(missing({}), ['weak-share', 'missing the weak share: pass options.weakShare SHARE, options.eval REPORT or options.deployment NAME']);
  assert.deepEqual(missing({ weakShare: 0.5 }), ['price', "missing the weak model's price: pass options.weakModel MODEL (priced from the catalog) or options.weakPrice USD_PER_MTOK"]);
  assert.deepEqual(missing({ weakShare: 0.5, weak: { model: 'gpt-4o-mini' } }), ['price', "missing the strong model's price: pass options.strongModel MODEL (priced from the catalog) or options.strongPrice USD_PER_MTOK"]);
  assert.deepEqual(missing({ weakShare: 0.5, weak: { model: 'gpt-4o-mini' }, strong: { model: 'gpt-4o' } }), [
    'input-tokens',
    'missing the input tokens per query: pass options.inputTokens N, or options.queries FILE.csv to measure them',
  ]);
  assert.deepEqual(missing({ weakShare: 0.5, weak: { model: 'gpt-4o-mini' }, strong: { model: 'gpt-4o' }, inputTokens: 100 }), [
    'output-tokens',
    'missing the output tokens per query of the weak model gpt-4o-mini: pass options.outputTokens N (or options.weakOutputTokens N)',
  ]);
  assert.deepEqual(missing({ weakShare: 0.5, weak: { price: 1 }, strong: { price: 15 } }), [
    'tokens',
    'missing the tokens per query: options.weakPrice is a blended price, so pass options.tokens N (or options.inputTokens and options.outputTokens)',
  ]);
  assert.deepEqual(missing({ weakShare: 0.5, weak: { inputPrice: 1 }, strong: { price: 15 } }), ['price', "missing options.weakOutputPrice: the weak model's output price in dollars per million tokens"]);
});

test('an unknown model is an error listing the known ones; --tokens needs a blended price', () => {
  assert.throws(
    () => estimate(request({ weakShare: 0.5, weak: { model: 'gpt-9' }, strong: { model: 'gpt-4o' }, tokens: 100 })),
    (err: unknown) =>
      err instanceof UserError &&
      !(err instanceof MissingInput) &&
      err.message ===
        'unknown model "gpt-9" for options.weakModel: no price in the catalog (closest: openai:gpt-4o, openai:gpt-4o-mini, together:mixtral); add it with options.prices FILE or give options.weakInputPrice and options.weakOutputPrice',
  );
  // An unknown model with both prices given is just a name.
  const named = estimate(request({ weakShare: 0.5, weak: { model: 'my-llama', inputPrice: 0.1, outputPrice: 0.2 }, strong: { model: 'gpt-4o' }, inputTokens: 100, outputTokens: 10 }));
  close(named.body.inputs.weakCostPerQuery, (100 * 0.1 + 10 * 0.2) / 1e6, 1e-15);
  assert.throws(
    () => estimate(request({ weakShare: 0.5, weak: { model: 'gpt-4o-mini' }, strong: { model: 'gpt-4o' }, tokens: 100 })),
    /options.tokens counts input and output tokens together at one blended price, but the weak model gpt-4o-mini costs \$0\.15\/M in and \$0\.6\/M out/,
  );
  // A catalog model with one price for both (Mixtral on Together) may be priced by total tokens.
  const mixtral = estimate(request({ weakShare: 0.5, weak: { model: 'mixtral' }, strong: { price: 6 }, tokens: 1000 }));
  close(mixtral.body.inputs.weakCostPerQuery, 0.0006, 1e-15);
});

// An eval report as `router eval` writes it, reduced to what estimate reads (plus a field it ignores).
function evalBody(over: Record<string, unknown> = {}) {
  const curve = Array.from({ length: 101 }, (_, k) => ({ threshold: 1 - k / 100, strongShare: k / 100, quality: 0, qualityGap: 0.2 * (1 - k / 100) }));
  return {
    pair: { weak: 'small', strong: 'big' },
    costUnit: 'usd',
    usage: {
      small: { meanCost: 0.0004, meanInputTokens: 300, meanOutputTokens: 200, price: null },
      big: { meanCost: 0.0075, meanInputTokens: 300, meanOutputTokens: 220, price: null },
    },
    routers: [
      {
        name: 'lr',
        operatingPoint: {
          criterion: 'max-quality-gap',
          target: 0.05,
          point: { threshold: 0.42, strongShare: 0.3, quality: 0.8, qualityGap: 0.04, latency: { p50: 800, p95: 2400 } },
          ci: { level: 0.95, resamples: 1000, seed: 1, qualityGap: [0.03, 0.05], strongShare: [0.25, 0.35] },
        },
        curve,
      },
    ],
    notes: ['ignored'],
    ...over,
  };
}

test('an eval report gives the weak share, costs, quality gap and its interval', () => {
  const source = fromEvalReport(evalBody(), 'rep', 'rep.json');
  const { body } = estimate(request({ source, monitoring: 0.05 }));
  close(body.inputs.weakShare, 0.7);
  close(body.projection.routed, 83_355); // the worked example's costs, as the report's mean costs
  assert.equal(body.inputs.models.weak.source, 'mean cost per query on the eval data (eval report rep)');
  assert.equal(body.inputs.weakShareSource, 'threshold 0.42 of router lr in eval report rep');
  const q = body.quality!;
  assert.equal(q.at, 'threshold');
  close(q.qualityGap, 0.04);
  assert.deepEqual(q.ci?.qualityGap, [0.03, 0.05]);
  close(q.qualityGapWithMonitoring, 0.038, 1e-12);
  close(q.ciWithMonitoring![0], 0.0285, 1e-12);
  close(q.ciWithMonitoring![1], 0.0475, 1e-12);
  // Savings at strong share 0.35 and 0.25: 30M x (0.0075 - ((1 - 0.65 x 0.95) x 0.0075 + 0.65 x 0.95 x 0.0004)) and likewise.
  const at = (s: number) => {
    const w = 1 - s;
    const strong = 1 - w + 0.05 * w;
    return 30e6 * (0.0075 - (strong * 0.0075 + (1 - strong) * 0.0004));
  };
  close(q.savingsRange![0], at(0.35));
  close(q.savingsRange![1], at(0.25));
  assert.deepEqual(q.latency, { p50: 800, p95: 2400 });
  // The grid's quality column: the report's own gap on this estimate's row, the curve (0.2 x weak share) elsewhere.
  assert.deepEqual(body.sensitivity.qualityGap!.map((g) => +g!.toFixed(4)), [0.1, 0.12, 0.04, 0.16, 0.18]);

  // Token flags switch from the report's mean costs to tokens x prices, tokens from the report.
  const priced = estimate(request({ source, weak: { price: 1 }, strong: { price: 10 } }));
  close(priced.body.inputs.weakCostPerQuery, (300 + 200) / 1e6, 1e-15);
  close(priced.body.inputs.strongCostPerQuery, (300 + 220) * 10 / 1e6, 1e-15);
});

test('--weak-share with an eval report reads the gap off its curve, without an interval', () => {
  const source = fromEvalReport(evalBody(), 'rep', 'rep.json');
  const { body, warnings } = estimate(request({ source, weakShare: 0.805 }));
  assert.equal(body.quality!.at, 'weak-share');
  close(body.quality!.qualityGap, 0.2 * 0.805, 1e-12); // linear between the 19% and 20% points
  assert.equal(body.quality!.ci, null);
  assert.match(warnings[0]!, /--weak-share overrides the operating point of eval report rep/);
  close(gapAtShare([{ strongShare: 0, qualityGap: 0.3 }, { strongShare: 0.5, qualityGap: 0.1 }, { strongShare: 1, qualityGap: 0 }], 0.25)!, 0.2, 1e-15);
});

test('an eval report without the requested pair, or without the named router, is refused', () => {
  const source = fromEvalReport(evalBody(), 'rep', 'rep.json');
  assert.throws(
    () => estimate(request({ source, weak: { model: 'openai:gpt-4o-mini' } })),
    (err: unknown) => err instanceof UserError && err.describe() === 'rep.json: eval report rep has no pair openai:gpt-4o-mini -> big (it evaluated small -> big)',
  );
  // The provider prefix does not matter: openai:small is small.
  assert.doesNotThrow(() => estimate(request({ source, weak: { model: 'x:small', price: 1 }, strong: { price: 1 } })));
  assert.throws(
    () => fromEvalReport(evalBody(), 'rep', 'rep.json', 'knn'),
    (err: unknown) => err instanceof UserError && err.describe() === 'rep.json: eval report rep has no router "knn" (it has: lr)',
  );
  assert.throws(
    () => fromEvalReport(evalBody({ routers: [] }), 'rep', 'rep.json'),
    (err: unknown) => err instanceof UserError && err.describe() === 'rep.json: field "body.routers": not a usable eval report: Too small: expected array to have >=1 items',
  );
});

test('a deployment gives its threshold, monitoring share and interval', () => {
  const source = fromDeployment(
    {
      router: { name: 'lr', path: 'r.json', hash: 'sha256:00' },
      pair: { weak: 'small', strong: 'big' },
      threshold: 0.42,
      monitoring: 0.1,
      target: { kind: 'max-quality-gap', value: 0.05 },
      expected: { threshold: 0.42, strongShare: 0.3, quality: 0.8, pgr: 0.7, qualityGap: 0.04, cost: 0.0025, costReduction: 3, ci: { level: 0.9, qualityGap: [0.02, 0.06] } },
      costUnit: 'usd',
      usage: evalBody().usage,
      evaluatedOn: { path: 'd.jsonl', hash: 'sha256:00', rows: 100 },
    },
    'prod',
    'dep.json',
  );
  const { body } = estimate(request({ source, monitoring: undefined }));
  close(body.inputs.monitoring, 0.1);
  assert.equal(body.inputs.monitoringSource, 'deployment prod');
  close(body.projection.strongShare, 0.37); // 0.3 + 0.1 x 0.7
  close(body.projection.routed, 30e6 * (0.37 * 0.0075 + 0.63 * 0.0004));
  assert.equal(body.quality!.from, 'deployment');
  close(body.quality!.qualityGapWithMonitoring, 0.036, 1e-12);
  assert.equal(body.quality!.savingsRange, null, 'no strong-share interval, no savings range');
  assert.equal(body.sensitivity.qualityGap, null, 'a deployment has no curve');
});

test('--router cascade takes the report\'s confidence cascade and costs it as a cascade', () => {
  const body = evalBody({
    cascade: { name: 'cascade', operatingPoint: { target: 0.05, point: { threshold: 0.6, strongShare: 0.3, qualityGap: 0.03 } }, curve: [] },
  });
  const source = fromEvalReport(body, 'rep', 'rep.json', 'cascade');
  assert.equal(source.cascade, true);
  const { body: est, warnings } = estimate(request({ source }));
  assert.equal(est.inputs.cascade, true);
  close(est.projection.routed, 79_500); // 30M x (0.0004 + 0.3 x 0.0075)
  assert.equal(warnings[0], 'eval report rep: the cascade runs the weak model on every query, so it is costed as a cascade');
  assert.equal(fromEvalReport(body, 'rep', 'rep.json').cascade, false, 'the first router is not the cascade');
});
