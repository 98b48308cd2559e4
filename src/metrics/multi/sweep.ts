// The exact N-model cost-quality curve of a router: every query's envelope breakpoints
// (envelope.ts), merged in sweep order, and one walk that applies each group of equal breakpoints
// at once, accumulating the realized mean quality and cost (actual q and c of the chosen models).
// The curve is exact: between two consecutive points no query changes its model.
//
// The walk is kept apart from the merge so a bootstrap resample re-walks the same sorted changes
// with per-query weights (O(changes)), never sorting again.

import { sortDescending } from '../sort.js';
import { trafficShares, choicesAt, type RuleKind } from './choice.js';
import { EnvelopeWorkspace, lambdaVertices, tauVertices } from './envelope.js';
import { checkWeights, queryCount, type MultiOutcomes, type MultiPredictions } from './inputs.js';

interface CurveColumns {
  n: number;
  models: number;
  /** Mean actual cost per query at each point, dollars. */
  cost: Float64Array;
  /** Mean actual quality at each point. */
  quality: Float64Array;
}

/**
 * Point 0 is every query at its cheapest predicted model (lambda = +Infinity); `lambda[k]` is the
 * breakpoint where the sweep, lambda descending, enters point k. Point k is what lambda in
 * [lambda[k+1], lambda[k]) routes to (a tie at a breakpoint goes to the cheaper model, the side
 * above it); the last point, each query at its best predicted model, holds down to lambda = 0.
 */
export interface LambdaCurve extends CurveColumns {
  rule: 'lambda';
  lambda: Float64Array;
}

/**
 * Point 0 is every query at its cheapest predicted model (tau = -Infinity); `tau[k]` is the
 * breakpoint (a q̂ value) past which the sweep, tau ascending, enters point k: point k is what tau
 * in (tau[k], tau[k+1]] routes to, and the last point (each query at its best predicted model)
 * everything above.
 */
export interface TauCurve extends CurveColumns {
  rule: 'tau';
  tau: Float64Array;
}

export type MultiCurve = LambdaCurve | TauCurve;
type CurveOf<R extends RuleKind> = R extends 'lambda' ? LambdaCurve : TauCurve;

/** The sweep's changes, sorted and grouped: what every walk (the curve, each bootstrap resample) reads. */
export interface PreparedSweep<R extends RuleKind = RuleKind> {
  rule: R;
  n: number;
  models: number;
  /** Actual quality and cost of each query's model at point 0. */
  q0: Float64Array;
  c0: Float64Array;
  /** Each group's breakpoint, in sweep order (lambda descending, tau ascending): the curve's points 1.. */
  breakpoint: Float64Array;
  /** Where each group ends (exclusive) in the change arrays. */
  groupEnd: Int32Array;
  /** Per change in sweep order: its query, and the change in actual quality and cost it brings. */
  row: Int32Array;
  dq: Float64Array;
  dc: Float64Array;
}

/** A growable list of changes in query order, before the merge. */
class Changes {
  size = 0;
  key: Float64Array;
  row: Int32Array;
  /** dq and dc side by side: the merge gathers both with one cache miss per change. */
  dqc: Float64Array;

  constructor(capacity: number) {
    this.key = new Float64Array(capacity);
    this.row = new Int32Array(capacity);
    this.dqc = new Float64Array(2 * capacity);
  }

  push(key: number, row: number, dq: number, dc: number): void {
    if (this.size === this.key.length) this.grow();
    const s = this.size++;
    this.key[s] = key;
    this.row[s] = row;
    this.dqc[2 * s] = dq;
    this.dqc[2 * s + 1] = dc;
  }

  private grow(): void {
    const cap = Math.max(16, Math.ceil(this.key.length * 1.5));
    const key = new Float64Array(cap);
    const row = new Int32Array(cap);
    const dqc = new Float64Array(2 * cap);
    key.set(this.key);
    row.set(this.row);
    dqc.set(this.dqc);
    this.key = key;
    this.row = row;
    this.dqc = dqc;
  }
}

function prepare<R extends RuleKind>(rule: R, predictions: MultiPredictions, outcomes: MultiOutcomes): PreparedSweep<R> {
  const n = queryCount(outcomes, predictions);
  const m = outcomes.models;
  const { qHat, cHat } = predictions;
  const { q, c } = outcomes;
  const ws = new EnvelopeWorkspace(m);
  const vertices = rule === 'lambda' ? lambdaVertices : tauVertices;
  // Sorting largest first serves both sweeps: lambda descends, and tau ascends as -tau descends.
  const sign = rule === 'lambda' ? 1 : -1;
  const q0 = new Float64Array(n);
  const c0 = new Float64Array(n);
  // A few changes per query is typical (3-4 of 11 models on the envelope); growing covers the rest.
  const changes = new Changes(Math.min(n * (m - 1), 4 * n) || 16);
  const { verts, breakpoints } = ws;
  for (let i = 0; i < n; i++) {
    const at = i * m;
    const h = vertices(qHat, cHat, at, ws);
    let prev = at + verts[0]!;
    q0[i] = q[prev]!;
    c0[i] = c[prev]!;
    for (let j = 1; j < h; j++) {
      const next = at + verts[j]!;
      changes.push(sign * breakpoints[j - 1]!, i, q[next]! - q[prev]!, c[next]! - c[prev]!);
      prev = next;
    }
  }

  const e = changes.size;
  const { order, sorted } = sortDescending(changes.key.subarray(0, e));
  let groups = 0;
  for (let k = 0; k < e; k++) if (k + 1 === e || sorted[k + 1] !== sorted[k]) groups++;
  const breakpoint = new Float64Array(groups);
  const groupEnd = new Int32Array(groups);
  const row = new Int32Array(e);
  const dq = new Float64Array(e);
  const dc = new Float64Array(e);
  const { row: rawRow, dqc } = changes;
  for (let k = 0, g = 0; k < e; k++) {
    const s = order[k]!;
    row[k] = rawRow[s]!;
    dq[k] = dqc[2 * s]!;
    dc[k] = dqc[2 * s + 1]!;
    // `!==` keeps -0 and +0 in one group, as the rules' comparisons treat them alike.
    if (k + 1 === e || sorted[k + 1] !== sorted[k]) {
      // 0 - x rather than -x, so a tau of 0 is never stored as -0.
      breakpoint[g] = sign === 1 ? sorted[k]! : 0 - sorted[k]!;
      groupEnd[g++] = k + 1;
    }
  }
  return { rule, n, models: m, q0, c0, breakpoint, groupEnd, row, dq, dc };
}

/** The lambda sweep's changes, for sweepCurve (once, or per bootstrap resample). */
export function prepareLambdaSweep(predictions: MultiPredictions, outcomes: MultiOutcomes): PreparedSweep<'lambda'> {
  return prepare('lambda', predictions, outcomes);
}

/** The tau sweep's changes; its breakpoints are the distinct q̂ values where some query's choice moves. */
export function prepareTauSweep(predictions: MultiPredictions, outcomes: MultiOutcomes): PreparedSweep<'tau'> {
  return prepare('tau', predictions, outcomes);
}

/**
 * The curve of the prepared sweep, query i counted weights[i] times (a bootstrap resample's
 * multiplicities; every query once without weights). A group whose queries all have weight 0
 * repeats the previous point, which moves no hull.
 */
export function sweepCurve<R extends RuleKind>(p: PreparedSweep<R>, weights?: ArrayLike<number>): CurveOf<R> {
  const w = checkWeights(weights, p.n);
  const { n, q0, c0, groupEnd, row, dq, dc } = p;
  const groups = groupEnd.length;
  let total = 0;
  let sq = 0;
  let sc = 0;
  for (let i = 0; i < n; i++) {
    const x = w ? w[i]! : 1;
    total += x;
    sq += x * q0[i]!;
    sc += x * c0[i]!;
  }
  const cost = new Float64Array(groups + 1);
  const quality = new Float64Array(groups + 1);
  cost[0] = sc / total;
  quality[0] = sq / total;
  let k = 0;
  for (let g = 0; g < groups; g++) {
    const end = groupEnd[g]!;
    if (w) {
      for (; k < end; k++) {
        const x = w[row[k]!]!;
        sq += x * dq[k]!;
        sc += x * dc[k]!;
      }
    } else {
      for (; k < end; k++) {
        sq += dq[k]!;
        sc += dc[k]!;
      }
    }
    cost[g + 1] = sc / total;
    quality[g + 1] = sq / total;
  }
  const at = new Float64Array(groups + 1);
  at[0] = p.rule === 'lambda' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  at.set(p.breakpoint, 1);
  const columns = { n, models: p.models, cost, quality };
  const curve: MultiCurve = p.rule === 'lambda' ? { rule: 'lambda', lambda: at, ...columns } : { rule: 'tau', tau: at, ...columns };
  return curve as CurveOf<R>;
}

/** The exact curve of routing by chooseByLambda, lambda from +Infinity down to 0. */
export function lambdaSweep(predictions: MultiPredictions, outcomes: MultiOutcomes): LambdaCurve {
  return sweepCurve(prepareLambdaSweep(predictions, outcomes));
}

/** The exact curve of routing by chooseByTau, tau from -Infinity up. */
export function tauSweep(predictions: MultiPredictions, outcomes: MultiOutcomes): TauCurve {
  return sweepCurve(prepareTauSweep(predictions, outcomes));
}

/** The breakpoint column of either kind of curve. */
export function breakpointsOf(curve: MultiCurve): Float64Array {
  return curve.rule === 'lambda' ? curve.lambda : curve.tau;
}

/**
 * A lambda (or tau) that routes exactly to point k, to deploy: for lambda the middle of the
 * point's interval, away from the breakpoints where a tie is decided by rounding (0 for the last
 * point, where the rule compares q̂ alone; +Infinity for the first, cheapest predicted cost);
 * for tau the interval's upper end tau[k+1], which chooseByTau compares with the q̂ values
 * themselves, no arithmetic (+Infinity for the last point: no model qualifies, the best predicted
 * one is chosen).
 */
export function ruleValueAt(curve: MultiCurve, k: number): number {
  const len = curve.cost.length;
  if (!(Number.isInteger(k) && k >= 0 && k < len)) throw new RangeError(`point ${k} is outside the curve (0..${len - 1})`);
  if (curve.rule === 'tau') return k === len - 1 ? Number.POSITIVE_INFINITY : curve.tau[k + 1]!;
  if (k === len - 1) return 0;
  if (k === 0) return Number.POSITIVE_INFINITY;
  const hi = curve.lambda[k]!;
  const lo = curve.lambda[k + 1]!;
  const mid = lo + (hi - lo) / 2;
  // Adjacent doubles have no double between them; the lower end is the interval's own.
  return mid < hi ? mid : lo;
}

/** The share of queries each model receives at point k of the curve made from these predictions. */
export function sharesAt(predictions: MultiPredictions, curve: MultiCurve, k: number): Float64Array {
  return trafficShares(choicesAt(predictions, curve.rule, ruleValueAt(curve, k)), predictions.models);
}

/**
 * The rule value of curve point k as a deployment stores it: finite, since JSON holds no Infinity.
 * lambda = +Infinity routes as any lambda above the first breakpoint does; tau = +Infinity (no
 * model reaches it, so each query goes to its best predicted model) as tau = 1 does, since
 * predicted qualities are probabilities below 1.
 */
export function finiteRuleValue(curve: MultiCurve, k: number): number {
  const v = ruleValueAt(curve, k);
  if (Number.isFinite(v)) return v;
  if (curve.rule === 'tau') return 1;
  const first = curve.lambda.length > 1 ? curve.lambda[1]! : 0;
  return first > 0 ? first * 2 : 1;
}
