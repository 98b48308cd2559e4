import { msg, option, UserError } from '../errors.js';
import { curveLength, gainTolerance, indexAtThreshold, type Curve } from './curve.js';

// The operating point: choosing the threshold for a target. Every pick is an exact point of the curve (a
// whole tie group on one side), because that is what a deployed "score >= t" rule can do; a share
// between two exact points would need a coin flip per query, which no deployment does.

export type Target =
  /** The cheapest point whose quality gap is at most `value`. */
  | { kind: 'max-quality-gap'; value: number }
  /** The point with the largest strong share that does not exceed `value`. */
  | { kind: 'strong-share'; value: number }
  /** The best-quality point whose cost per 1,000 queries is at most `value` (dollars, or strong calls for unit costs). */
  | { kind: 'budget-per-1k'; value: number }
  /** A given score threshold (a deployment's): the point "score >= value" reaches. */
  | { kind: 'threshold'; value: number };

// Shares and costs are sums of many terms; a target typed as 0.3 should still admit a point at 0.30000000000000004.
const EPS = 1e-12;

/** First exact point whose strong share is at least f. */
export function indexAtShare(curve: Curve, f: number): number {
  const { share } = curve.columns;
  let lo = 0;
  let hi = share.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (share[mid]! >= f - EPS) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Whether point k's quality gap is at most `maxGap`, compared in gains so a gap of exactly maxGap qualifies. */
export function gapAtMost(curve: Curve, k: number, maxGap: number): boolean {
  const g = curve.columns.gains;
  return g.total - g.cum[k]! <= maxGap * g.strongSum + gainTolerance(g);
}

export function pickIndex(curve: Curve, target: Target): number {
  const { share, quality, cost } = curve.columns;
  const len = curveLength(curve);
  switch (target.kind) {
    case 'threshold':
      return indexAtThreshold(curve, target.value);
    case 'strong-share': {
      // Shares rise along the curve: the last point at or under the target.
      let k = 0;
      while (k + 1 < len && share[k + 1]! <= target.value + EPS) k++;
      return k;
    }
    case 'max-quality-gap': {
      // gap <= G  <=>  Q(t) >= Q_s (1 - G) when Q_s > 0; with Q_s = 0 every point has gap "undefined", and
      // always-strong (the last point) is the only safe pick.
      if (!(curve.qStrong > 0)) return len - 1;
      let best = len - 1;
      for (let k = 0; k < len; k++) {
        if (cost[k]! < cost[best]! && gapAtMost(curve, k, target.value)) best = k;
      }
      return best;
    }
    case 'budget-per-1k':
      return bestWithinBudget(cost, quality, target.value);
  }
}

/**
 * The best-quality point (ties: the cheaper, then the first) whose cost per 1,000 queries is at
 * most `budgetPer1k`: on any curve's columns, the two-model one's or an N-model sweep's.
 */
export function bestWithinBudget(cost: Float64Array, quality: Float64Array, budgetPer1k: number): number {
  // Relative slack: per-query dollar costs can be 1e-7, where an absolute 1e-12 would be a real amount.
  const limit = (budgetPer1k / 1000) * (1 + 1e-12) + Number.MIN_VALUE;
  const len = cost.length;
  let best = -1;
  for (let k = 0; k < len; k++) {
    const c = cost[k]!;
    if (c > limit) continue;
    const q = quality[k]!;
    if (best < 0 || q > quality[best]! || (q === quality[best] && c < cost[best]!)) best = k;
  }
  if (best < 0) {
    let cheapest = 0;
    for (let k = 1; k < len; k++) if (cost[k]! < cost[cheapest]!) cheapest = k;
    throw new UserError(msg`${option('targetBudget')} $${budgetPer1k} per 1,000 queries is below the cheapest point of the curve ($${(cost[cheapest]! * 1000).toPrecision(4)} per 1,000 queries)`);
  }
  return best;
}

/** One exact point per tenth of strong share (the first at or past it), without repeats. */
export function tenthIndices(curve: Curve): number[] {
  const out: number[] = [];
  for (let k = 0; k <= 10; k++) {
    const at = indexAtShare(curve, k / 10);
    if (out.at(-1) !== at) out.push(at);
  }
  return out;
}
