// The non-decreasing upper convex hull of (cost, quality) points, and what is read off it: AIQ
// (RouterBench), the quality at a cost, the cost to reach a quality. Both the two-model summary and
// the N-model one read their curves through it, so a hull and its area mean one thing everywhere.
//
// Why the hull rather than the points: any point on a segment between two operating points is
// reached by sending each query to one or the other at random, and spending more never has to buy
// less quality (run the cheaper point and waste the difference), so past the peak the hull is flat.

import { sortDescending } from './sort.js';

/**
 * Vertices of the hull, cost ascending and quality strictly ascending; the hull is linear between
 * them and flat after the last. It says nothing below the first vertex's cost: no mix of the points
 * runs that cheaply.
 */
export interface Hull {
  cost: Float64Array;
  quality: Float64Array;
}

/**
 * Two qualities this close (relative) are the same quality: means of many graded values summed in
 * another order differ by a few ulps of their sum, and "reaches 100% of the best single model"
 * must not fail on that. Shares the two-model curve's tolerance for gains.
 */
export const QUALITY_TOLERANCE = 1e-9;

/** Whether `quality` reaches `target`, with rounding forgiven. */
export function reaches(quality: number, target: number): boolean {
  return quality >= target - QUALITY_TOLERANCE * Math.abs(target);
}

/**
 * Indices of the points by ascending cost. A curve is nearly ascending in cost already (a
 * two-model curve exactly so when c_s >= c_w on every row; a sweep's points move one query at a
 * time to a model predicted dearer, which its actual cost mostly confirms), so an insertion sort
 * is O(points + moves): 0.04 ms for a 4,879-point bootstrap curve with 90 moves, against 0.87 ms
 * for the radix sort, and most of a 1,000-resample bootstrap was that sort. Past a budget of
 * moves the input is not nearly sorted, and the radix sort (read backwards) takes over.
 */
function ascendingOrder(costs: Float64Array): Int32Array {
  const n = costs.length;
  const order = new Int32Array(n);
  let budget = 8 * n + 64;
  for (let i = 0; i < n; i++) {
    const x = costs[i]!;
    let j = i;
    while (j > 0 && costs[order[j - 1]!]! > x) {
      if (--budget < 0) {
        const descending = sortDescending(costs).order;
        for (let r = 0; r < n; r++) order[r] = descending[n - 1 - r]!;
        return order;
      }
      order[j] = order[j - 1]!;
      j--;
    }
    order[j] = i;
  }
  return order;
}

export function monotoneHull(cost: ArrayLike<number>, quality: ArrayLike<number>): Hull {
  const n = cost.length;
  if (quality.length !== n) throw new RangeError(`quality has ${quality.length} values, expected ${n}`);
  const costs = Float64Array.from(cost);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(costs[i]) || Number.isNaN(quality[i])) {
      throw new RangeError(`point at index ${i} has NaN cost or quality`);
    }
  }

  const order = ascendingOrder(costs);
  const hull = new Int32Array(n);
  let h = 0;
  for (let r = 0; r < n; r++) {
    const p = order[r]!;
    const cp = costs[p]!;
    const qp = quality[p]!;
    if (h > 0) {
      const last = hull[h - 1]!;
      if (costs[last] === cp) {
        // At equal cost only the best quality can be on the hull.
        if (qp <= quality[last]!) continue;
        h--;
      }
    }
    // Drop the last vertex while it lies on or below the chord from its predecessor to p.
    while (h >= 2) {
      const a = hull[h - 2]!;
      const b = hull[h - 1]!;
      const ca = costs[a]!;
      const qa = quality[a]!;
      const cross = (costs[b]! - ca) * (qp - qa) - (quality[b]! - qa) * (cp - ca);
      if (cross >= 0) h--;
      else break;
    }
    hull[h++] = p;
  }

  // The upper hull is concave: it rises, then falls; only the rising part is the monotone hull.
  let rising = h > 0 ? 1 : 0;
  while (rising < h && quality[hull[rising]!]! > quality[hull[rising - 1]!]!) rising++;
  const out: Hull = { cost: new Float64Array(rising), quality: new Float64Array(rising) };
  for (let k = 0; k < rising; k++) {
    out.cost[k] = costs[hull[k]!]!;
    out.quality[k] = quality[hull[k]!]!;
  }
  return out;
}

/** The hull of `h` with one more point: a fallback that is always available (a single model). */
export function withPoint(h: Hull, point: { cost: number; quality: number }): Hull {
  const k = h.cost.length;
  const cost = new Float64Array(k + 1);
  const quality = new Float64Array(k + 1);
  cost.set(h.cost);
  quality.set(h.quality);
  cost[k] = point.cost;
  quality[k] = point.quality;
  return monotoneHull(cost, quality);
}

/** The hull's quality at cost c; null below its first vertex (and for an empty hull). */
export function qualityAt(h: Hull, c: number): number | null {
  const { cost, quality } = h;
  const k = cost.length;
  if (k === 0 || !(c >= cost[0]!)) return null;
  if (c >= cost[k - 1]!) return quality[k - 1]!;
  // First vertex with cost > c; it exists and is not the first, by the checks above.
  let lo = 1;
  let hi = k - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cost[mid]! > c) hi = mid;
    else lo = mid + 1;
  }
  const a = lo - 1;
  return quality[a]! + ((c - cost[a]!) / (cost[lo]! - cost[a]!)) * (quality[lo]! - quality[a]!);
}

/**
 * Area under the hull over [from, to], counting quality 0 below its first vertex (a cost no mix
 * of the points can run at buys nothing) and the last vertex's quality beyond its end.
 */
export function hullArea(h: Hull, from: number, to: number): number {
  const { cost, quality } = h;
  const k = cost.length;
  if (k === 0 || !(to > from)) return 0;
  let area = 0;
  for (let v = 1; v < k; v++) {
    const c0 = cost[v - 1]!;
    const c1 = cost[v]!;
    const q0 = quality[v - 1]!;
    const q1 = quality[v]!;
    const a = Math.max(from, c0);
    const b = Math.min(to, c1);
    if (!(b > a)) continue;
    // A whole segment's ends are its vertices themselves, not re-interpolated, so an area over
    // the points' own range is the plain trapezoid sum.
    const at = (x: number): number => (x === c0 ? q0 : x === c1 ? q1 : q0 + ((x - c0) / (c1 - c0)) * (q1 - q0));
    area += ((b - a) * (at(a) + at(b))) / 2;
  }
  const flatFrom = Math.max(from, cost[k - 1]!);
  if (to > flatFrom) area += (to - flatFrom) * quality[k - 1]!;
  return area;
}

/**
 * AIQ: the hull's mean quality over the cost range [from, to] (area / range). Null when the range
 * is empty or not finite.
 */
export function aiqOver(h: Hull, from: number, to: number): number | null {
  const range = to - from;
  if (!(range > 0) || !Number.isFinite(range)) return null;
  return hullArea(h, from, to) / range;
}

/** The least cost at which the hull reaches `target` (first crossing); null when it never does. */
export function costToReach(h: Hull, target: number): number | null {
  const { cost, quality } = h;
  for (let v = 0; v < cost.length; v++) {
    const q = quality[v]!;
    if (!reaches(q, target)) continue;
    // A crossing at the vertex itself (within rounding) is that vertex, not a sliver before it.
    if (v === 0 || Math.abs(q - target) <= QUALITY_TOLERANCE * Math.abs(target)) return cost[v]!;
    const qa = quality[v - 1]!;
    const ca = cost[v - 1]!;
    return ca + ((target - qa) / (q - qa)) * (cost[v]! - ca);
  }
  return null;
}
