import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { UserError } from '../src/errors.ts';
import { drawCounts } from '../src/eval/bootstrap.ts';
import { multiBootstrap } from '../src/eval/multi-bootstrap.ts';
import { exactCurve } from '../src/metrics/curve.ts';
import { aiqOver, costToReach, monotoneHull, qualityAt } from '../src/metrics/hull.ts';
import { chooseByLambda, chooseByTau, choicesAt, realizedAt, trafficShares } from '../src/metrics/multi/choice.ts';
import { lambdaEnvelope, tauEnvelope } from '../src/metrics/multi/envelope.ts';
import type { MultiOutcomes, MultiPredictions } from '../src/metrics/multi/inputs.ts';
import { pickMultiPoint } from '../src/metrics/multi/operating-point.ts';
import { bestSingle, modelPoints, oraclePoint, zeroRouter, type ModelPoints } from '../src/metrics/multi/single-models.ts';
import { summarizeMulti } from '../src/metrics/multi/summary.ts';
import { breakpointsOf, lambdaSweep, prepareLambdaSweep, prepareTauSweep, ruleValueAt, sharesAt, sweepCurve, tauSweep, type MultiCurve } from '../src/metrics/multi/sweep.ts';
import { mulberry32 } from '../src/random.ts';
import { ROOT } from './helpers.ts';

const EPS = 1e-12;

function near(actual: number | null | undefined, expected: number, what = ''): void {
  assert.ok(actual !== null && actual !== undefined, `${what}: expected ${expected}, got ${actual}`);
  if (actual === expected) return;
  assert.ok(Math.abs(actual - expected) <= EPS * Math.max(1, Math.abs(expected)), `${what}: expected ${expected}, got ${actual}`);
}

function nearAll(actual: ArrayLike<number>, expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  expected.forEach((e, k) => near(actual[k], e, `${what}[${k}]`));
}

/** Matrices from rows of M values each. */
function matrices(qHat: number[][], cHat: number[][], q: number[][], c: number[][]): { p: MultiPredictions; o: MultiOutcomes } {
  const models = qHat[0]!.length;
  const flat = (rows: number[][]) => Float64Array.from(rows.flat());
  return { p: { models, qHat: flat(qHat), cHat: flat(cHat) }, o: { models, q: flat(q), c: flat(c) } };
}

// The hand-worked case: 4 queries, models A, B, C (indices 0, 1, 2). Predictions are dyadic and
// costs whole numbers, so every breakpoint below is exact in floating point.
//
// Lines q̂ - lambda ĉ, and the upper envelope from lambda = +Infinity down to 0:
//   Q0  q̂ (.25, .5, .75)  ĉ (1, 2, 4): A until the A/B crossing at (.5-.25)/(2-1) = .25, then B
//       until the B/C crossing at (.75-.5)/(4-2) = .125, then C.
//   Q1  q̂ (.5, .625, .875) ĉ (1, 2, 4): A/B cross at .125, B/C at .125, A/C at .375/3 = .125:
//       three lines through one point; the tie goes to the cheapest (A), below it C: A -> C at .125.
//   Q2  q̂ (.75, .5, .25)  ĉ (1, 2, 4): A is cheapest and best: A throughout.
//   Q3  q̂ (.5, .5, 1)     ĉ (2, 1, 9): B is cheaper than A at the same q̂ (A never wins):
//       B until B/C cross at (1-.5)/(9-1) = .0625, then C.
// Breakpoints merged, descending: .25 (Q0), .125 (Q0 and Q1 at once), .0625 (Q3).
const HAND = matrices(
  [[0.25, 0.5, 0.75], [0.5, 0.625, 0.875], [0.75, 0.5, 0.25], [0.5, 0.5, 1]],
  [[1, 2, 4], [1, 2, 4], [1, 2, 4], [2, 1, 9]],
  [[0, 1, 1], [0, 0, 1], [1, 0, 0], [1, 0, 1]],
  [[1, 2, 4], [1, 2, 4], [1, 2, 4], [2, 1, 10]],
);
// Realized along the sweep (actual q and c of the chosen models, mean of 4):
//   +Inf   A A A B   quality (0+0+1+0)/4 = .25  cost (1+1+1+1)/4 = 1
//   .25    B A A B   quality .5                 cost (2+1+1+1)/4 = 1.25
//   .125   C C A B   quality .75                cost (4+4+1+1)/4 = 2.5
//   .0625  C C A C   quality 1                  cost (4+4+1+10)/4 = 4.75
const HAND_LAMBDA = { lambda: [Infinity, 0.25, 0.125, 0.0625], cost: [1, 1.25, 2.5, 4.75], quality: [0.25, 0.5, 0.75, 1] };
// Single models: A (cost 1.25, quality .5), B (1.75, .25), C (5.5, .75).

test('chooseByLambda: argmax of q̂ - lambda ĉ; ties to the cheaper, then the lower index', () => {
  assert.equal(chooseByLambda([0.25, 0.5, 0.75], [1, 2, 4], 0.3), 0);
  assert.equal(chooseByLambda([0.25, 0.5, 0.75], [1, 2, 4], 0.2), 1);
  assert.equal(chooseByLambda([0.25, 0.5, 0.75], [1, 2, 4], 0.1), 2);
  // At a crossing the two lines tie: the cheaper model, the side above the breakpoint.
  assert.equal(chooseByLambda([0.25, 0.5, 0.75], [1, 2, 4], 0.25), 0);
  assert.equal(chooseByLambda([0.25, 0.5, 0.75], [1, 2, 4], 0.125), 1);
  // Equal lines: the lower index.
  assert.equal(chooseByLambda([0.5, 0.5, 0.25], [2, 2, 1], 0.1), 0);
  assert.equal(chooseByLambda([0.25, 0.5, 0.5], [1, 2, 2], 0.1), 1);
  // lambda = 0: the best q̂, ties to the cheaper; +Infinity: the cheapest, ties to the better q̂.
  assert.equal(chooseByLambda([0.5, 0.9, 0.9], [1, 3, 2], 0), 2);
  assert.equal(chooseByLambda([0.5, 0.9, 0.7], [1, 3, 1], Infinity), 2);
  assert.equal(chooseByLambda([0.5, 0.9, 0.5], [1, 3, 1], Infinity), 0);
  // Zero costs do not make Infinity x 0 a NaN.
  assert.equal(chooseByLambda([0.5, 0.9], [0, 0], Infinity), 1);
  // A row of a row-major matrix.
  assert.equal(chooseByLambda(HAND.p.qHat, HAND.p.cHat, 0.1, 3 * 3, 3), 1);
  assert.throws(() => chooseByLambda([0.5], [1], -1), /lambda must be >= 0/);
  assert.throws(() => chooseByLambda([0.5], [1], NaN), /lambda must be >= 0/);
  assert.throws(() => chooseByLambda([], [], 1), /at least one model/);
});

test('chooseByTau: the cheapest with q̂ >= tau, else the best q̂; ties as in chooseByLambda', () => {
  assert.equal(chooseByTau([0.25, 0.5, 0.75], [1, 2, 4], 0.25), 0);
  assert.equal(chooseByTau([0.25, 0.5, 0.75], [1, 2, 4], 0.3), 1);
  assert.equal(chooseByTau([0.25, 0.5, 0.75], [1, 2, 4], 0.75), 2);
  // None reaches tau: the best q̂, ties to the cheaper, then the lower index.
  assert.equal(chooseByTau([0.25, 0.75, 0.75], [1, 4, 2], 0.9), 2);
  assert.equal(chooseByTau([0.75, 0.25, 0.75], [2, 1, 2], 0.9), 0);
  // Equal cost among those that reach: the better q̂, then the lower index.
  assert.equal(chooseByTau([0.5, 0.6, 0.6], [1, 1, 1], 0.4), 1);
  assert.equal(chooseByTau([0.5, 0.5, 0.9], [2, 1, 1], -Infinity), 2);
  assert.equal(chooseByTau([0.5, 0.9], [1, 2], Infinity), 1);
  assert.throws(() => chooseByTau([0.5], [1], NaN), /tau is NaN/);
});

test('envelopes by hand: breakpoints and the model after each', () => {
  const row = (i: number) => [Array.from(HAND.p.qHat.subarray(3 * i, 3 * i + 3)), Array.from(HAND.p.cHat.subarray(3 * i, 3 * i + 3))] as const;
  assert.deepEqual(lambdaEnvelope(...row(0)), { models: [0, 1, 2], breakpoints: [0.25, 0.125] });
  assert.deepEqual(lambdaEnvelope(...row(1)), { models: [0, 2], breakpoints: [0.125] });
  assert.deepEqual(lambdaEnvelope(...row(2)), { models: [0], breakpoints: [] });
  assert.deepEqual(lambdaEnvelope(...row(3)), { models: [1, 2], breakpoints: [0.0625] });
  // tau: the records by predicted cost; the next one is chosen just above each record's q̂.
  assert.deepEqual(tauEnvelope(...row(0)), { models: [0, 1, 2], breakpoints: [0.25, 0.5] });
  assert.deepEqual(tauEnvelope(...row(1)), { models: [0, 1, 2], breakpoints: [0.5, 0.625] });
  assert.deepEqual(tauEnvelope(...row(2)), { models: [0], breakpoints: [] });
  assert.deepEqual(tauEnvelope(...row(3)), { models: [1, 2], breakpoints: [0.5] });
  // Equal lines: one of them (the lower index) stands for both.
  assert.deepEqual(lambdaEnvelope([0.5, 0.5, 0.75], [1, 1, 2]), { models: [0, 2], breakpoints: [0.25] });
  assert.deepEqual(lambdaEnvelope([0.5, 0.75, 0.75], [1, 2, 2]), { models: [0, 1], breakpoints: [0.25] });
});

test('lambda sweep by hand: ties across queries applied as one point', () => {
  const curve = lambdaSweep(HAND.p, HAND.o);
  nearAll(curve.lambda, HAND_LAMBDA.lambda, 'lambda');
  nearAll(curve.cost, HAND_LAMBDA.cost, 'cost');
  nearAll(curve.quality, HAND_LAMBDA.quality, 'quality');
  // Shares at each point (A, B, C): the choices in the comment above.
  const shares = [[0.75, 0.25, 0], [0.5, 0.5, 0], [0.25, 0.25, 0.5], [0.25, 0, 0.75]];
  shares.forEach((s, k) => nearAll(sharesAt(HAND.p, curve, k), s, `shares at ${k}`));
  // The lambdas that reach each point: +Infinity, the middles of the intervals, 0.
  nearAll([0, 1, 2, 3].map((k) => ruleValueAt(curve, k)), [Infinity, 0.1875, 0.09375, 0], 'values');
});

test('tau sweep by hand: breakpoints are the distinct q̂ where a choice moves', () => {
  // Q0 A -> B past .25, -> C past .5; Q1 A -> B past .5, -> C past .625; Q3 B -> C past .5.
  //   -Inf  A A A B  quality .25  cost 1
  //   .25   B A A B  quality .5   cost 1.25
  //   .5    C B A C  quality .75  cost (4+2+1+10)/4 = 4.25
  //   .625  C C A C  quality 1    cost 4.75
  const curve = tauSweep(HAND.p, HAND.o);
  nearAll(curve.tau, [-Infinity, 0.25, 0.5, 0.625], 'tau');
  nearAll(curve.cost, [1, 1.25, 4.25, 4.75], 'cost');
  nearAll(curve.quality, [0.25, 0.5, 0.75, 1], 'quality');
  nearAll([0, 1, 2, 3].map((k) => ruleValueAt(curve, k)), [0.25, 0.5, 0.625, Infinity], 'values');
  nearAll(sharesAt(HAND.p, curve, 2), [0.25, 0.25, 0.5], 'shares at 2');
});

test('single models, the zero router, the best single model and the oracle, by hand', () => {
  const points = modelPoints(HAND.o);
  nearAll(points.cost, [1.25, 1.75, 5.5], 'cost');
  nearAll(points.quality, [0.5, 0.25, 0.75], 'quality');
  assert.equal(bestSingle(points), 2);
  // B (1.75, .25) is dominated by A (cheaper and better): off the hull.
  const zero = zeroRouter(points);
  nearAll(zero.cost, [1.25, 5.5], 'hull cost');
  nearAll(zero.quality, [0.5, 0.75], 'hull quality');
  near(qualityAt(zero, 3.375), 0.625, 'halfway');
  assert.equal(qualityAt(zero, 1), null);
  near(qualityAt(zero, 9), 0.75, 'flat beyond');
  // Oracle: Q0 B or C right, B cheaper (2); Q1 C (4); Q2 A (1); Q3 A or C right, A cheaper (2).
  const oracle = oraclePoint(HAND.o);
  near(oracle.quality, 1, 'oracle quality');
  near(oracle.cost, 2.25, 'oracle cost');
  // All wrong on a query: the cheapest of all.
  near(oraclePoint({ models: 2, q: Float64Array.of(0, 0), c: Float64Array.of(3, 2) }).cost, 2, 'all wrong');
  // Best single: equal qualities go to the cheaper.
  assert.equal(bestSingle({ cost: Float64Array.of(3, 1, 2), quality: Float64Array.of(0.8, 0.8, 0.5) }), 1);
});

test('summary by hand: AIQ on the hull over the single models range, reach, quality at the best cost', () => {
  const curve = lambdaSweep(HAND.p, HAND.o);
  const s = summarizeMulti(curve, modelPoints(HAND.o));
  // Hull of (1,.25) (1.25,.5) (2.5,.75) (4.75,1), slopes 1, .2, 1/9: every point is a vertex.
  // Over [1.25, 5.5]: 1.25 x (.5+.75)/2 + 2.25 x (.75+1)/2 + .75 x 1 (flat) = 3.5; / 4.25.
  near(s.aiq, 3.5 / 4.25, 'aiq');
  // Zero router: A to C, a line: mean (.5+.75)/2 over the whole range.
  near(s.zeroRouterAiq, 0.625, 'zero aiq');
  near(s.aiqGain, 3.5 / 4.25 - 0.625, 'gain');
  assert.deepEqual(s.range, { from: 1.25, to: 5.5 });
  assert.equal(s.best, 2);
  near(s.qualityAtBestCost, 1, 'quality at 5.5');
  // 95% of .75 = .7125: on the segment (1.25,.5)-(2.5,.75), at 1.25 + (.2125/.25) x 1.25.
  assert.deepEqual(s.reach.map((r) => r.share), [0.95, 0.99, 1]);
  near(s.reach[0]!.cost, 2.3125, 'cost to 95%');
  near(s.reach[0]!.costReduction, 5.5 / 2.3125, 'reduction at 95%');
  near(s.reach[1]!.cost, 1.25 + (0.2425 / 0.25) * 1.25, 'cost to 99%');
  // 100% is the vertex itself, not a sliver before it.
  assert.equal(s.reach[2]!.cost, 2.5);
  near(s.reach[2]!.costReduction, 2.2, 'reduction at 100%');
  // Never (above every point) and always (the hull's first point already reaches it).
  const extra = summarizeMulti(curve, modelPoints(HAND.o), { reach: [1.5, 1 / 3] });
  assert.deepEqual(extra.reach[0], { share: 1.5, quality: 1.125, cost: null, costReduction: null });
  assert.equal(extra.reach[1]!.cost, 1);
  // The zero router's own summary is the same function on the single models' points.
  const z = summarizeMulti(modelPoints(HAND.o), modelPoints(HAND.o));
  near(z.aiq, 0.625, 'zero via summarizeMulti');
  near(z.aiqGain, 0, 'zero gain');
  assert.equal(z.reach[2]!.cost, 5.5);
});

test('summary: a curve that starts above the cheapest model falls back to mixing with it', () => {
  const models: ModelPoints = { cost: Float64Array.of(1, 4), quality: Float64Array.of(0.5, 0.7) };
  // Curve (2,.6) (3,.8) with the cheapest model (1,.5): (2,.6) is under the chord (1,.5)-(3,.8),
  // so the hull is that chord, then flat .8 to 4: area 2 x .65 + 1 x .8 = 2.1 over a range of 3.
  const s = summarizeMulti({ cost: [2, 3], quality: [0.6, 0.8] }, models);
  near(s.aiq, 0.7, 'aiq');
  near(s.zeroRouterAiq, 0.6, 'zero');
  near(s.qualityAtBestCost, 0.8, 'quality at 4');
  near(s.reach[0]!.cost, 1 + ((0.665 - 0.5) / 0.3) * 2, 'cost to 95% of .7');
  // A range starting under every point counts 0 there: [0, 4] adds nothing to the area.
  near(summarizeMulti({ cost: [2, 3], quality: [0.6, 0.8] }, models, { range: { from: 0, to: 4 } }).aiq, 2.1 / 4, 'wider range');
  // All models at one cost: an empty range has no AIQ and no gain.
  const flat: ModelPoints = { cost: Float64Array.of(2, 2), quality: Float64Array.of(0.5, 0.7) };
  const f = summarizeMulti({ cost: [2], quality: [0.6] }, flat);
  assert.equal(f.aiq, null);
  assert.equal(f.zeroRouterAiq, null);
  assert.equal(f.aiqGain, null);
  assert.throws(() => summarizeMulti({ cost: [2], quality: [0.6] }, flat, { range: { from: 3, to: 1 } }), /not a range/);
});

test('hull: AIQ of a known shape, the same with points in any order', () => {
  // A quarter-disc-like concave shape sampled at 5 points plus dominated ones.
  const cost = [0, 1, 2, 3, 4, 1.5, 3.5, 2];
  const quality = [0, 0.5, 0.75, 0.875, 0.9, 0.2, 0.1, 0.6];
  const h = monotoneHull(cost, quality);
  nearAll(h.cost, [0, 1, 2, 3, 4], 'vertices');
  // Trapezoids: .25 + .625 + .8125 + .8875 = 2.575 over 4.
  near(aiqOver(h, 0, 4), 2.575 / 4, 'aiq');
  const order = [7, 3, 0, 6, 1, 5, 4, 2];
  near(aiqOver(monotoneHull(order.map((i) => cost[i]!), order.map((i) => quality[i]!)), 0, 4), 2.575 / 4, 'shuffled');
  // Falling after the peak: held flat.
  const peak = monotoneHull([0, 1, 2], [0.5, 1, 0.5]);
  nearAll(peak.cost, [0, 1], 'peak');
  near(aiqOver(peak, 0, 2), 0.875, 'flat after the peak');
  assert.equal(costToReach(peak, 1.01), null);
  assert.equal(costToReach(peak, 0.4), 0);
  assert.equal(aiqOver(peak, 1, 1), null);
});

test('degenerate: one model, all costs equal, a model never chosen', () => {
  const one = matrices([[0.3], [0.9]], [[1], [2]], [[1], [0]], [[1], [3]]);
  const c1 = lambdaSweep(one.p, one.o);
  nearAll(c1.lambda, [Infinity], 'one model lambda');
  nearAll(c1.cost, [2], 'one model cost');
  nearAll(c1.quality, [0.5], 'one model quality');
  assert.equal(ruleValueAt(c1, 0), 0);
  nearAll(sharesAt(one.p, c1, 0), [1], 'one model share');
  assert.equal(tauSweep(one.p, one.o).cost.length, 1);
  const s1 = summarizeMulti(c1, modelPoints(one.o));
  assert.equal(s1.aiq, null);
  near(s1.qualityAtBestCost, 0.5, 'one model quality at its cost');

  // Equal predicted costs: the best q̂ at every lambda, so one point, and the tau sweep agrees.
  const same = matrices([[0.2, 0.7, 0.4], [0.9, 0.1, 0.9]], [[1, 1, 1], [1, 1, 1]], [[0, 1, 1], [1, 0, 0]], [[1, 2, 3], [1, 2, 3]]);
  const cs = lambdaSweep(same.p, same.o);
  nearAll(cs.cost, [1.5], 'equal costs: Q0 to B (2), Q1 to A (1)');
  nearAll(cs.quality, [1], 'equal costs quality');
  nearAll(tauSweep(same.p, same.o).cost, [1.5], 'tau, equal costs');

  // A model predicted worse and dearer than another on every query is never chosen.
  const never = matrices([[0.5, 0.4, 0.9], [0.2, 0.1, 0.6]], [[1, 2, 3], [1, 2, 3]], [[1, 1, 1], [0, 1, 1]], [[1, 2, 3], [1, 2, 3]]);
  const cn = lambdaSweep(never.p, never.o);
  for (let k = 0; k < cn.cost.length; k++) assert.equal(sharesAt(never.p, cn, k)[1], 0, `model 1 at point ${k}`);

  // Malformed inputs are refused before any work.
  assert.throws(() => lambdaSweep({ models: 2, qHat: Float64Array.of(0.5, NaN), cHat: Float64Array.of(1, 2) }, { models: 2, q: Float64Array.of(1, 0), c: Float64Array.of(1, 2) }), /qHat at query 0, model 1 is NaN/);
  assert.throws(() => lambdaSweep({ models: 2, qHat: Float64Array.of(0.5), cHat: Float64Array.of(1) }, { models: 2, q: Float64Array.of(1, 0), c: Float64Array.of(1, 2) }), /qHat has 1 values/);
  assert.throws(() => modelPoints({ models: 2, q: new Float64Array(0), c: new Float64Array(0) }), /positive multiple/);
});

/** Random small inputs, on a coarse grid when `coarse` so that lines, crossings and lambdas tie. */
function randomInputs(rnd: () => number, n: number, m: number, coarse: boolean): { p: MultiPredictions; o: MultiOutcomes } {
  const qHat = new Float64Array(n * m);
  const cHat = new Float64Array(n * m);
  const q = new Float64Array(n * m);
  const c = new Float64Array(n * m);
  for (let k = 0; k < n * m; k++) {
    qHat[k] = coarse ? Math.floor(rnd() * 9) / 8 : rnd();
    cHat[k] = coarse ? 1 + Math.floor(rnd() * 4) : 0.001 + rnd();
    q[k] = rnd() < 0.5 ? 1 : rnd() < 0.5 ? 0.5 : 0;
    c[k] = coarse ? cHat[k]! : cHat[k]! * (0.5 + rnd());
  }
  return { p: { models: m, qHat, cHat }, o: { models: m, q, c } };
}

/** The definition itself: route every query with the rule at `value`, and average. */
function bruteForce(p: MultiPredictions, o: MultiOutcomes, rule: 'lambda' | 'tau', value: number): { cost: number; quality: number } {
  const choose = rule === 'lambda' ? chooseByLambda : chooseByTau;
  const m = p.models;
  const n = p.qHat.length / m;
  let cost = 0;
  let quality = 0;
  for (let i = 0; i < n; i++) {
    const k = i * m + choose(p.qHat, p.cHat, value, i * m, m);
    cost += o.c[k]!;
    quality += o.q[k]!;
  }
  return { cost: cost / n, quality: quality / n };
}

/** Values of the rule strictly inside each point's interval of the sweep, from the breakpoints alone. */
function probes(curve: MultiCurve): number[] {
  const b = breakpointsOf(curve);
  const len = b.length;
  const out: number[] = [];
  for (let k = 0; k < len; k++) {
    if (curve.rule === 'lambda') {
      // Point k holds on [b[k+1], b[k]); b[0] = +Infinity, and the last down to 0.
      const lo = k + 1 < len ? b[k + 1]! : 0;
      out.push(k === 0 ? (len > 1 ? 2 * b[1]! + 1 : 1) : (lo + b[k]!) / 2);
    } else {
      // Point k holds on (b[k], b[k+1]]; b[0] = -Infinity, and the last on to +Infinity.
      const hi = k + 1 < len ? b[k + 1]! : b[k]! + 1;
      out.push(k === 0 ? (len > 1 ? b[1]! - 1 : 0) : (b[k]! + hi) / 2);
    }
  }
  return out;
}

test('brute force: the exact sweeps equal the rules evaluated between consecutive breakpoints', () => {
  const rnd = mulberry32(13);
  for (let trial = 0; trial < 300; trial++) {
    const n = 1 + Math.floor(rnd() * 7);
    const m = 1 + Math.floor(rnd() * 5);
    const coarse = trial % 2 === 0;
    const { p, o } = randomInputs(rnd, n, m, coarse);
    for (const curve of [lambdaSweep(p, o), tauSweep(p, o)] as MultiCurve[]) {
      const b = breakpointsOf(curve);
      for (let k = 2; k < b.length; k++) {
        if (curve.rule === 'lambda') assert.ok(b[k]! < b[k - 1]! && b[k]! > 0, `lambdas descend, positive (trial ${trial})`);
        else assert.ok(b[k]! > b[k - 1]!, `taus ascend (trial ${trial})`);
      }
      probes(curve).forEach((v, k) => {
        const want = bruteForce(p, o, curve.rule, v);
        const what = `trial ${trial} (${coarse ? 'coarse' : 'fine'}, n ${n}, M ${m}) ${curve.rule} point ${k} at ${v}`;
        assert.ok(Math.abs(curve.cost[k]! - want.cost) <= 1e-9, `${what}: cost ${curve.cost[k]} vs ${want.cost}`);
        assert.ok(Math.abs(curve.quality[k]! - want.quality) <= 1e-9, `${what}: quality ${curve.quality[k]} vs ${want.quality}`);
        // The value to deploy reaches the same point, and the shares add up to its outcome.
        const at = realizedAt(o, choicesAt(p, curve.rule, ruleValueAt(curve, k)));
        assert.ok(Math.abs(at.cost - want.cost) <= 1e-9 && Math.abs(at.quality - want.quality) <= 1e-9, `${what}: ruleValueAt`);
      });
      // Both ends, as the definitions set them.
      const last = curve.cost.length - 1;
      const ends = curve.rule === 'lambda' ? [Infinity, 0] : [-Infinity, Infinity];
      near(curve.cost[0], bruteForce(p, o, curve.rule, ends[0]!).cost, 'first point');
      near(curve.cost[last], bruteForce(p, o, curve.rule, ends[1]!).cost, 'last point');
    }
  }
});

test('two models at fixed costs: the lambda sweep is the two-model threshold curve', () => {
  // q̂ = (0, r), ĉ = (0, 1): strong iff r - lambda > 0, so lambda plays the threshold; scores
  // in (0,1] keep every breakpoint positive. Ties among the scores make tie groups on both sides.
  const rnd = mulberry32(5);
  for (const n of [1, 7, 300, 5000]) {
    const scores = new Float64Array(n);
    const qWeak = new Float64Array(n);
    const qStrong = new Float64Array(n);
    const cWeak = new Float64Array(n);
    const cStrong = new Float64Array(n);
    const qHat = new Float64Array(2 * n);
    const cHat = new Float64Array(2 * n);
    const q = new Float64Array(2 * n);
    const c = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      scores[i] = n > 300 ? 0.001 + rnd() : Math.ceil(rnd() * 20) / 20;
      qWeak[i] = rnd() < 0.6 ? 1 : 0;
      qStrong[i] = rnd() < 0.8 ? 1 : 0;
      cWeak[i] = 0.001 * rnd();
      cStrong[i] = 0.01 + 0.02 * rnd();
      qHat[2 * i + 1] = scores[i]!;
      cHat[2 * i + 1] = 1;
      [q[2 * i], q[2 * i + 1], c[2 * i], c[2 * i + 1]] = [qWeak[i]!, qStrong[i]!, cWeak[i]!, cStrong[i]!];
    }
    const two = exactCurve(scores, { qWeak, qStrong, cWeak, cStrong }).columns;
    const p = { models: 2, qHat, cHat };
    const multi = lambdaSweep(p, { models: 2, q, c });
    assert.deepEqual(Array.from(multi.lambda), Array.from(two.threshold), `n=${n}: lambdas are the thresholds`);
    for (let k = 0; k < two.share.length; k++) {
      assert.ok(Math.abs(multi.quality[k]! - two.quality[k]!) <= 1e-12, `n=${n} quality at ${k}`);
      assert.ok(Math.abs(multi.cost[k]! - two.cost[k]!) <= 1e-12, `n=${n} cost at ${k}`);
      if (n <= 300) assert.ok(Math.abs(sharesAt(p, multi, k)[1]! - two.share[k]!) <= 1e-12, `n=${n} strong share at ${k}`);
    }
  }
});

test('operating points: budget, quality gap against a reference, quality floor', () => {
  const curve = lambdaSweep(HAND.p, HAND.o);
  const points = modelPoints(HAND.o);
  // A budget of 2 per query (2,000 per 1,000): the best point at cost <= 2 is (1.25, .5).
  assert.deepEqual(pickMultiPoint(curve, { kind: 'budget-per-1k', value: 2000 }, points), { index: 1, value: 0.1875, cost: 1.25, quality: 0.5 });
  // Exactly at a point's cost, it qualifies.
  assert.equal(pickMultiPoint(curve, { kind: 'budget-per-1k', value: 2500 }, points).index, 2);
  // 5% gap against the best single model (C, .75): the cheapest point with quality >= .7125.
  assert.deepEqual(pickMultiPoint(curve, { kind: 'max-quality-gap', value: 0.05 }, points), { index: 2, value: 0.09375, cost: 2.5, quality: 0.75 });
  // Against A (.5), no gap: the first point reaching .5.
  assert.equal(pickMultiPoint(curve, { kind: 'max-quality-gap', value: 0, reference: 0 }, points).index, 1);
  assert.deepEqual(pickMultiPoint(curve, { kind: 'quality-floor', value: 0.9 }, points), { index: 3, value: 0, cost: 4.75, quality: 1 });
  // On a tau curve the value is a tau.
  assert.equal(pickMultiPoint(tauSweep(HAND.p, HAND.o), { kind: 'quality-floor', value: 0.7 }, points).value, 0.625);

  const userError = (re: RegExp) => (err: unknown) => err instanceof UserError && re.test(err.message);
  assert.throws(() => pickMultiPoint(curve, { kind: 'budget-per-1k', value: 0.5 }, points), userError(/^options\.targetBudget \$0\.5 per 1,000 queries is below the cheapest point of the curve \(\$1000 per 1,000 queries\)$/));
  assert.throws(() => pickMultiPoint(curve, { kind: 'quality-floor', value: 1.01 }, points), userError(/^options\.targetQuality 1\.01 is above every point of the curve \(its best quality is 1\.0000\)$/));
  const capped = { ...curve, quality: Float64Array.of(0.25, 0.5, 0.6, 0.7) };
  assert.throws(() => pickMultiPoint(capped, { kind: 'max-quality-gap', value: 0.05 }, points), userError(/^options\.targetGap 0\.05 cannot be met: the curve's best quality 0\.7000 is below 0\.7125 = \(1 - 0\.05\) x the reference model's 0\.7500$/));
  assert.throws(() => pickMultiPoint(curve, { kind: 'max-quality-gap', value: 0.05, reference: 3 }, points), /reference model 3/);
});

test('weighted re-walk: weights are repeated queries; the bootstrap is seeded and paired', () => {
  const rnd = mulberry32(21);
  const { p, o } = randomInputs(rnd, 40, 4, false);
  const weights = new Int32Array(40);
  for (let i = 0; i < 40; i++) weights[i] = Math.floor(rnd() * 3);
  weights[0] = 1;
  // The same curve from the rows repeated weights[i] times.
  const rows = Array.from(weights, (w, i) => Array<number>(w).fill(i)).flat();
  const pick = (a: Float64Array) => Float64Array.from(rows.flatMap((i) => Array.from(a.subarray(4 * i, 4 * i + 4))));
  for (const prepare of [prepareLambdaSweep, prepareTauSweep]) {
    const weighted = sweepCurve(prepare(p, o), weights);
    const repeated = sweepCurve(prepare({ models: 4, qHat: pick(p.qHat), cHat: pick(p.cHat) }, { models: 4, q: pick(o.q), c: pick(o.c) }));
    // Groups whose rows all weigh 0 repeat a point; the distinct points are the repeated rows' curve.
    const distinct = (cv: MultiCurve) => Array.from(cv.cost, (x, k) => `${x.toFixed(12)}/${cv.quality[k]!.toFixed(12)}`).filter((s, k, a) => k === 0 || s !== a[k - 1]);
    assert.deepEqual(distinct(weighted), distinct(repeated), prepare.name);
    assert.deepEqual(Array.from(sweepCurve(prepare(p, o), new Int32Array(40).fill(1)).quality), Array.from(sweepCurve(prepare(p, o)).quality));
  }
  near(trafficShares(Int32Array.of(0, 1, 1), 2, [2, 1, 1])[0], 0.5, 'weighted share');
  assert.throws(() => sweepCurve(prepareLambdaSweep(p, o), new Int32Array(40)), /weights sum to zero/);

  const big = randomInputs(mulberry32(8), 400, 5, false);
  const curve = lambdaSweep(big.p, big.o);
  const op = pickMultiPoint(curve, { kind: 'max-quality-gap', value: 0.1 }, modelPoints(big.o));
  const input = { predictions: big.p, rule: 'lambda' as const, operatingValue: op.value };
  const options = { resamples: 200, seed: 3, level: 0.9 };
  const a = multiBootstrap(big.o, [input, input], options);
  assert.deepEqual(multiBootstrap(big.o, [input], options).routers[0], a.routers[0], 'same seed, same intervals');
  assert.deepEqual(a.routers[0], a.routers[1], 'one draw for every router');
  const s = summarizeMulti(curve, modelPoints(big.o));
  const r = a.routers[0]!;
  const inside = (iv: [number, number] | null, v: number | null) => iv !== null && v !== null && iv[0] < v && v < iv[1];
  assert.ok(inside(r.aiq, s.aiq), `AIQ ${s.aiq} in ${r.aiq}`);
  assert.ok(inside(r.aiqGain, s.aiqGain), `gain ${s.aiqGain} in ${r.aiqGain}`);
  assert.ok(inside(a.zeroRouterAiq, s.zeroRouterAiq), `zero ${s.zeroRouterAiq} in ${a.zeroRouterAiq}`);
  assert.ok(inside(r.operating.quality, op.quality) && inside(r.operating.cost, op.cost), 'operating point');
  // A resample is a weighted sweep: its first draw, walked by hand, gives its AIQ.
  const counts = new Int32Array(400);
  drawCounts(counts, mulberry32(3));
  const first = summarizeMulti(sweepCurve(prepareLambdaSweep(big.p, big.o), counts), modelPoints(big.o, counts), { reach: [] });
  const one = multiBootstrap(big.o, [input], { resamples: 1, seed: 3, level: 0.9 }).routers[0]!;
  assert.deepEqual(one.aiq, [first.aiq, first.aiq]);
});

// RouterBench in its own wide layout (../shared/data/README.md): 11 models x 3,150 queries.
const ROUTERBENCH = join(ROOT, '..', 'shared', 'data', 'routerbench');
const TASKS = ['arc-challenge.csv', 'winogrande.csv', 'mbpp.csv'];

test('RouterBench: single models, the oracle and the zero router as the data README gives them', { skip: !TASKS.every((f) => existsSync(join(ROUTERBENCH, f))) && 'no RouterBench data in ../shared/data/routerbench' }, () => {
  let models: string[] = [];
  const q: number[] = [];
  const c: number[] = [];
  for (const file of TASKS) {
    const rows = parse(readFileSync(join(ROUTERBENCH, file)), { columns: true }) as Record<string, string>[];
    if (models.length === 0) models = Object.keys(rows[0]!).filter((k) => !k.includes('|') && !['sample_id', 'prompt', 'eval_name'].includes(k));
    for (const row of rows) {
      for (const m of models) {
        q.push(Number(row[m]));
        c.push(Number(row[`${m}|total_cost`]));
      }
    }
  }
  assert.equal(models.length, 11);
  assert.equal(q.length, 3150 * 11);
  const o = { models: 11, q: Float64Array.from(q), c: Float64Array.from(c) };
  const points = modelPoints(o);
  const gpt4 = models.indexOf('gpt-4-1106-preview');
  assert.equal(bestSingle(points), gpt4);
  assert.equal(points.quality[gpt4]!.toFixed(3), '0.879');
  assert.equal((points.cost[gpt4]! * 1000).toFixed(3), '5.015');
  assert.equal((points.cost[models.indexOf('mistralai/mistral-7b-chat')]! * 1000).toFixed(3), '0.081');
  const oracle = oraclePoint(o);
  assert.equal(oracle.quality.toFixed(3), '0.976');
  assert.equal((oracle.cost * 1000).toFixed(3), '0.208');
  // The README's range is "the cheapest model to gpt-4", which is also the most expensive, so it
  // is this summary's default range; its hull is the same (mistral-7b, mixtral, Yi-34B, gpt-4).
  const zero = summarizeMulti(points, points);
  assert.equal(zero.aiq!.toFixed(3), '0.820');
  const hull = zeroRouter(points);
  assert.deepEqual(Array.from(hull.cost, (x) => (x * 1000).toFixed(3)), ['0.081', '0.248', '0.329', '5.015']);
  // Its reference costs: 0.835 accuracy (95% of gpt-4's, rounded as the README rounds it) at
  // $3.06 per 1,000, and 0.788 at $1 per 1,000. The unrounded 95% (0.8354) costs $3.078.
  assert.equal((costToReach(hull, 0.835)! * 1000).toFixed(2), '3.06');
  assert.equal(qualityAt(hull, 0.001)!.toFixed(3), '0.788');
  assert.equal((zero.reach[0]!.cost! * 1000).toFixed(3), '3.078');
  console.log(`RouterBench zero router: AIQ ${zero.aiq!.toFixed(4)} over $${(zero.range.from * 1000).toFixed(3)}-$${(zero.range.to * 1000).toFixed(3)} per 1,000; oracle ${oracle.quality.toFixed(3)} at $${(oracle.cost * 1000).toFixed(3)}`);
});
