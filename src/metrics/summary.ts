// The metrics read off an exact curve (GUIDE.md "Definitions"): APGR, CPT, AUC, AIQ, the summary
// of one router, and the two reference routers, random and the oracle.

import { buildCurve, gainTolerance, makePoint, outcomeTotals, pointAt, type Curve, type CurvePoint, type Gains, type Outcomes } from './curve.js';
import { aiqOver, monotoneHull } from './hull.js';

/**
 * Area under PGR(f) over [0,1]. Linear between exact points, because inside a tie group the
 * router is indifferent and the expected PGR over random orders of that group is that line.
 */
export function apgr(curve: Curve): number | null {
  if (curve.qStrong === curve.qWeak) return null;
  const c = curve.columns;
  const g = c.gains;
  let area = 0;
  let prev = g.cum[0]! / g.total;
  for (let k = 1; k < c.share.length; k++) {
    const cur = g.cum[k]! / g.total;
    area += ((c.share[k]! - c.share[k - 1]!) * (prev + cur)) / 2;
    prev = cur;
  }
  return area;
}

/** Whether the cumulative gain `cum` reaches share p of the total gain (PGR >= p), with rounding forgiven. */
function reachesPgr(g: Gains, cum: number, p: number): boolean {
  // Dividing by a negative total gain (strong worse than weak) flips the inequality.
  return Math.sign(g.total) * (cum - p * g.total) >= -gainTolerance(g);
}

/** Smallest strong share whose PGR >= p, on the piecewise-linear exact curve; null when never reached. */
export function cpt(curve: Curve, p: number): number | null {
  if (curve.qStrong === curve.qWeak) return null;
  const c = curve.columns;
  const g = c.gains;
  const goal = p * g.total;
  for (let k = 0; k < c.share.length; k++) {
    const cur = g.cum[k]!;
    if (!reachesPgr(g, cur, p)) continue;
    const share = c.share[k]!;
    // A crossing at the point itself (within rounding) is that point's share, not a sliver past it.
    if (k === 0 || Math.abs(cur - goal) <= gainTolerance(g)) return share;
    const prev = g.cum[k - 1]!;
    const prevShare = c.share[k - 1]!;
    // prev falls short of the goal and cur passes it by more than the tolerance, so cur != prev.
    return prevShare + ((goal - prev) / (cur - prev)) * (share - prevShare);
  }
  return null;
}

/**
 * Random routing, computed analytically: sending a random share f of queries to strong has
 * expected quality Q_w + f(Q_s - Q_w), so PGR(f) = f and APGR is exactly 1/2.
 * Its points carry threshold 1 - f, the cut-off that gives share f when scores are uniform on [0,1].
 */
export function randomBaseline(o: Outcomes): {
  apgr: 0.5;
  cpt: (p: number) => number | null;
  pointAtShare: (f: number) => CurvePoint;
} {
  const t = outcomeTotals(o);
  const defined = t.qStrong !== t.qWeak;
  return {
    apgr: 0.5,
    cpt: (p: number) => (defined && p >= 0 && p <= 1 ? p : null),
    pointAtShare: (f: number) => {
      if (!(f >= 0 && f <= 1)) throw new RangeError(`strong share ${f} is outside [0,1]`);
      return makePoint(t, 1 - f, f, t.qWeak + f * (t.qStrong - t.qWeak), t.cWeak + f * (t.cStrong - t.cWeak));
    },
  };
}

/** The router that knows the answers: score q_s - q_w. It bounds every router's APGR. */
export function oracle(o: Outcomes): { curve: Curve; apgr: number | null; point: CurvePoint; summary: Summary } {
  const n = o.qWeak.length;
  if (o.qStrong.length !== n) throw new RangeError(`qStrong has ${o.qStrong.length} values, expected ${n}`);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = o.qStrong[i]! - o.qWeak[i]!;
  const { curve, ...summary } = summarize(d, o);
  // Strong exactly where it is strictly better: the last point whose threshold is still > 0
  // (the all-weak point, threshold +Infinity, when strong never wins).
  const { threshold } = curve.columns;
  let k = 0;
  while (k + 1 < threshold.length && threshold[k + 1]! > 0) k++;
  return { curve, apgr: summary.apgr, point: pointAt(curve, k), summary };
}

function isPositive(v: boolean | number): boolean {
  return typeof v === 'boolean' ? v : v > 0;
}

/**
 * ROC AUC of scores against labels (true, or a number > 0, is positive), ties counted 1/2:
 * the Mann-Whitney U with average ranks, divided by n+ * n-. Null when a class is empty.
 * Read off the curve walk, with the label as the gain of the strong model: the same count
 * `summarize` makes against "strong wins".
 */
export function auc(scores: ArrayLike<number>, positive: ArrayLike<boolean | number>): number | null {
  const n = scores.length;
  if (positive.length !== n) throw new RangeError(`positive has ${positive.length} values, expected ${n}`);
  if (n === 0) return null;
  const wins = new Float64Array(n);
  for (let i = 0; i < n; i++) wins[i] = isPositive(positive[i]!) ? 1 : 0;
  const zero = new Float64Array(n);
  return buildCurve(scores, { qWeak: zero, qStrong: wins, cWeak: zero, cStrong: zero }).auc;
}

/**
 * RouterBench AIQ: area under the non-decreasing upper convex hull of (cost, quality) points,
 * from the cheapest to the dearest point, divided by that cost range. Past the hull's peak the
 * curve is held flat, since spending more never has to buy less quality. Null when the cost range is 0.
 */
export function aiq(points: { cost: number; quality: number }[]): number | null {
  const cost = new Float64Array(points.length);
  const quality = new Float64Array(points.length);
  for (const [i, p] of points.entries()) {
    cost[i] = p.cost;
    quality[i] = p.quality;
  }
  return aiqOf(cost, quality);
}

function aiqOf(cost: Float64Array, quality: Float64Array): number | null {
  const hull = monotoneHull(cost, quality);
  let minCost = Number.POSITIVE_INFINITY;
  let maxCost = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < cost.length; i++) {
    const c = cost[i]!;
    if (c < minCost) minCost = c;
    if (c > maxCost) maxCost = c;
  }
  return aiqOver(hull, minCost, maxCost);
}

/** The headline metrics of one router's curve. */
export interface Summary {
  apgr: number | null;
  cpt20: number | null;
  cpt50: number | null;
  cpt80: number | null;
  auc: number | null;
  aiq: number | null;
}

export function summarize(scores: ArrayLike<number>, o: Outcomes): Summary & { curve: Curve } {
  const { curve, auc: rocAuc } = buildCurve(scores, o);
  return {
    curve,
    apgr: apgr(curve),
    cpt20: cpt(curve, 0.2),
    cpt50: cpt(curve, 0.5),
    cpt80: cpt(curve, 0.8),
    auc: rocAuc,
    aiq: aiqOf(curve.columns.cost, curve.columns.quality),
  };
}

