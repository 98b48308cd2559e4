// Benchmark (not a test): the exact N-model sweep (issue 13) on 1,000,000 queries x 11 models must
// take under 5 s whole: the checks, every query's envelope, the merge of all breakpoints, the walk,
// the summary against the single models, an operating point and its traffic shares. Also: the
// tau sweep, one decision (chooseByLambda among 11 models), and the default 1,000-resample
// bootstrap at RouterBench's size (3,150 queries x 11 models).
// Run: npm run bench:multi [-- ROWS [RUNS]], e.g. `-- 100000 3`.
import { multiBootstrap } from '../src/eval/multi-bootstrap.ts';
import { chooseByLambda } from '../src/metrics/multi/choice.ts';
import type { MultiOutcomes, MultiPredictions } from '../src/metrics/multi/inputs.ts';
import { pickMultiPoint } from '../src/metrics/multi/operating-point.ts';
import { modelPoints, oraclePoint } from '../src/metrics/multi/single-models.ts';
import { summarizeMulti } from '../src/metrics/multi/summary.ts';
import { lambdaSweep, prepareLambdaSweep, sharesAt, tauSweep } from '../src/metrics/multi/sweep.ts';
import { mulberry32 } from '../src/random.ts';
import { median, saveResult } from './lib.ts';

const M = 11;
// Shaped like RouterBench's 11 models: dollars per 1,000 queries of ~500 tokens, and a skill on
// the logit scale (the cheap strong model, the dear weak one, one model far above the rest).
const PRICE_PER_1K = [0.123, 0.365, 3.575, 3.795, 0.419, 5.015, 0.311, 0.376, 0.081, 0.248, 0.329];
const SKILL = [0.1, 0.6, 0.9, 0.0, 0.9, 2.0, 0.4, 0.4, 0.2, 1.0, 1.2];

/** Realistic, seeded: 0/1 correctness from a per-query difficulty, a router's noisy float32 estimate of it, costs by tokens. */
function generate(n: number, seed: number): { predictions: MultiPredictions; outcomes: MultiOutcomes } {
  const rand = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
  const q = new Float64Array(n * M);
  const c = new Float64Array(n * M);
  const qHat = new Float64Array(n * M);
  const cHat = new Float64Array(n * M);
  for (let i = 0; i < n; i++) {
    const difficulty = 1.5 * normal();
    const tokens = Math.round(500 * Math.exp(0.6 * normal()));
    for (let m = 0; m < M; m++) {
      const k = i * M + m;
      const logit = SKILL[m]! - difficulty + 0.7 * normal();
      q[k] = rand() < sigmoid(logit) ? 1 : 0;
      // Output lengths differ by model and query; the router predicts cost from the prompt alone.
      c[k] = (PRICE_PER_1K[m]! / 1000) * (tokens / 500) * (0.7 + 0.6 * rand());
      cHat[k] = (PRICE_PER_1K[m]! / 1000) * (tokens / 500);
      qHat[k] = Math.fround(sigmoid(logit + 0.8 * normal()));
    }
  }
  return { predictions: { models: M, qHat, cHat }, outcomes: { models: M, q, c } };
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const n = Number(process.argv[2] ?? 1_000_000);
const runs = Number(process.argv[3] ?? 5);

const t0 = performance.now();
const { predictions, outcomes } = generate(n, 13);
console.log(`${n.toLocaleString('en-US')} queries x ${M} models generated in ${(performance.now() - t0).toFixed(0)} ms; RSS ${mb(process.memoryUsage().rss)}`);

const whole: number[] = [];
const sweepMs: number[] = [];
const tauMs: number[] = [];
let points = 0;
let changes = 0;
for (let r = 0; r < runs; r++) {
  const a = performance.now();
  const curve = lambdaSweep(predictions, outcomes);
  const b = performance.now();
  const models = modelPoints(outcomes);
  const summary = summarizeMulti(curve, models);
  oraclePoint(outcomes);
  const op = pickMultiPoint(curve, { kind: 'max-quality-gap', value: 0.05 }, models);
  const shares = sharesAt(predictions, curve, op.index);
  whole.push(performance.now() - a);
  sweepMs.push(b - a);
  points = curve.cost.length;
  if (r === 0) {
    console.log(`  curve points ${points.toLocaleString('en-US')}; AIQ ${summary.aiq?.toFixed(4)} (zero router ${summary.zeroRouterAiq?.toFixed(4)}); 95% of best at $${((summary.reach[0]!.cost ?? NaN) * 1000).toFixed(3)} per 1,000`);
    console.log(`  operating point (5% gap): lambda ${op.value.toPrecision(4)}, $${(op.cost * 1000).toFixed(3)} per 1,000, quality ${op.quality.toFixed(4)}; shares ${Array.from(shares, (s) => (100 * s).toFixed(1)).join(' ')} %`);
  }
  const t = performance.now();
  tauSweep(predictions, outcomes);
  tauMs.push(performance.now() - t);
}
changes = prepareLambdaSweep(predictions, outcomes).dq.length;
const peak = process.resourceUsage().maxRSS * 1024;
console.log(`  breakpoints ${changes.toLocaleString('en-US')} (${(changes / n).toFixed(2)} per query)`);
console.log(`lambda sweep: median ${median(sweepMs).toFixed(0)} ms (runs ${sweepMs.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`whole (sweep + single models + summary + oracle + operating point + shares): median ${median(whole).toFixed(0)} ms (runs ${whole.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`tau sweep: median ${median(tauMs).toFixed(0)} ms (runs ${tauMs.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`peak RSS ${mb(peak)} (the inputs alone: 4 x ${mb(8 * n * M)})`);

// The worst shape for the merge: every model on every query's envelope (predicted quality concave
// in predicted cost), 10 breakpoints per query where the realistic data above has about 2.
function dense(rows: number): { predictions: MultiPredictions; outcomes: MultiOutcomes } {
  const rand = mulberry32(17);
  const q = new Float64Array(rows * M);
  const c = new Float64Array(rows * M);
  const qHat = new Float64Array(rows * M);
  const cHat = new Float64Array(rows * M);
  for (let i = 0; i < rows; i++) {
    const scale = 0.5 + rand();
    for (let m = 0; m < M; m++) {
      const k = i * M + m;
      cHat[k] = (m + 1) * scale * 1e-4;
      c[k] = cHat[k]! * (0.7 + 0.6 * rand());
      qHat[k] = Math.sqrt((m + 1) / M) * (0.9 + 0.01 * rand());
      q[k] = rand() < qHat[k]! ? 1 : 0;
    }
  }
  return { predictions: { models: M, qHat, cHat }, outcomes: { models: M, q, c } };
}
const worst = dense(n);
const worstMs: number[] = [];
let worstPoints = 0;
for (let r = 0; r < Math.min(runs, 3); r++) {
  const s = performance.now();
  worstPoints = lambdaSweep(worst.predictions, worst.outcomes).cost.length;
  worstMs.push(performance.now() - s);
}
console.log(`worst case (every model on every envelope): ${worstPoints.toLocaleString('en-US')} points; lambda sweep median ${median(worstMs).toFixed(0)} ms (runs ${worstMs.map((x) => x.toFixed(0)).join(', ')}); peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}, with both data sets in memory`);

// One decision, as a deployment makes it: the rows' own predictions, a lambda inside the curve.
const calls = Math.min(n, 200_000);
const { qHat, cHat } = predictions;
let sink = 0;
const decide = (): number => {
  const s = performance.now();
  for (let i = 0; i < calls; i++) sink += chooseByLambda(qHat, cHat, 0.5 / (PRICE_PER_1K[5]! / 1000), i * M, M);
  return ((performance.now() - s) * 1e6) / calls;
};
decide();
const ns = median([decide(), decide(), decide()]);
console.log(`chooseByLambda among ${M} models: ${ns.toFixed(0)} ns per query (median of 3 x ${calls.toLocaleString('en-US')}; checksum ${sink % 7})`);

// The bootstrap at RouterBench's size: the default 1,000 resamples of one router's lambda sweep.
const small = generate(3150, 7);
const smallCurve = lambdaSweep(small.predictions, small.outcomes);
const smallOp = pickMultiPoint(smallCurve, { kind: 'max-quality-gap', value: 0.05 }, modelPoints(small.outcomes));
const bootRuns: number[] = [];
for (let r = 0; r < 3; r++) {
  const s = performance.now();
  const ci = multiBootstrap(small.outcomes, [{ predictions: small.predictions, rule: 'lambda', operatingValue: smallOp.value }], { resamples: 1000, seed: 1, level: 0.95 });
  if (r === 0) console.log(`  AIQ 95% interval ${ci.routers[0]!.aiq?.map((x) => x.toFixed(4)).join('-')}; zero router ${ci.zeroRouterAiq?.map((x) => x.toFixed(4)).join('-')}`);
  bootRuns.push(performance.now() - s);
}
console.log(`bootstrap: 1,000 resamples of 3,150 x ${M} in ${median(bootRuns).toFixed(0)} ms (median of 3: ${bootRuns.map((x) => x.toFixed(0)).join(', ')})`);

const ok = n < 1_000_000 || median(whole) < 5000;
console.log(ok ? 'PASS: 1M x 11 exact sweep, whole, under 5 s' : 'FAIL: 1M x 11 exact sweep over 5 s');
saveResult('multi-sweep', { rows: n, models: M, runs, points, changes, lambdaSweepMedianMs: median(sweepMs), wholeMedianMs: median(whole), tauSweepMedianMs: median(tauMs), peakRssMiB: peak / 2 ** 20, worstPoints, worstSweepMedianMs: median(worstMs), chooseNs: ns, bootstrap3150x11Ms: median(bootRuns) });
process.exitCode = ok ? 0 : 1;
