// The N-model references every router is compared with (GUIDE.md "Definitions"): each single model
// as a point, the zero router (their hull), the best single model and the oracle.

import { monotoneHull, type Hull } from '../hull.js';
import { checkWeights, queryCount, type MultiOutcomes } from './inputs.js';

/** Each model's point (C_m, Q_m): mean actual cost and quality over the queries. */
export interface ModelPoints {
  cost: Float64Array;
  quality: Float64Array;
}

/** Means per model, query i counted weights[i] times when weights are given (a bootstrap resample). */
export function modelPoints(outcomes: MultiOutcomes, weights?: ArrayLike<number>): ModelPoints {
  const n = queryCount(outcomes);
  const w = checkWeights(weights, n);
  const m = outcomes.models;
  const cost = new Float64Array(m);
  const quality = new Float64Array(m);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const x = w ? w[i]! : 1;
    if (x === 0) continue;
    total += x;
    for (let j = 0, k = i * m; j < m; j++, k++) {
      cost[j]! += x * outcomes.c[k]!;
      quality[j]! += x * outcomes.q[k]!;
    }
  }
  for (let j = 0; j < m; j++) {
    cost[j]! /= total;
    quality[j]! /= total;
  }
  return { cost, quality };
}

/** The highest Q_m; ties: the cheaper, then the lower index. The default reference for quality gaps. */
export function bestSingle(points: ModelPoints): number {
  const { cost, quality } = points;
  let best = 0;
  for (let m = 1; m < quality.length; m++) {
    const q = quality[m]!;
    if (q > quality[best]! || (q === quality[best] && cost[m]! < cost[best]!)) best = m;
  }
  return best;
}

/** The cheapest single model (ties: the better, then the lower index): where every curve may fall back to. */
export function cheapestSingle(points: ModelPoints): number {
  const { cost, quality } = points;
  let best = 0;
  for (let m = 1; m < cost.length; m++) {
    const c = cost[m]!;
    if (c < cost[best]! || (c === cost[best] && quality[m]! > quality[best]!)) best = m;
  }
  return best;
}

/**
 * The zero router: the non-decreasing convex hull of the single models' points. A random mix of
 * two models adjacent on it reaches any point between them with no router at all.
 */
export function zeroRouter(points: ModelPoints): Hull {
  return monotoneHull(points.cost, points.quality);
}

/**
 * The oracle as a point: per query the cheapest model (by actual cost) among those with the best
 * actual quality. It bounds every router's quality, and at that quality no router is cheaper.
 */
export function oraclePoint(outcomes: MultiOutcomes, weights?: ArrayLike<number>): { cost: number; quality: number } {
  const n = queryCount(outcomes);
  const w = checkWeights(weights, n);
  const m = outcomes.models;
  const { q, c } = outcomes;
  let total = 0;
  let sq = 0;
  let sc = 0;
  for (let i = 0; i < n; i++) {
    const x = w ? w[i]! : 1;
    if (x === 0) continue;
    const at = i * m;
    let bq = q[at]!;
    let bc = c[at]!;
    for (let j = 1; j < m; j++) {
      const qj = q[at + j]!;
      const cj = c[at + j]!;
      if (qj > bq || (qj === bq && cj < bc)) {
        bq = qj;
        bc = cj;
      }
    }
    total += x;
    sq += x * bq;
    sc += x * bc;
  }
  return { cost: sc / total, quality: sq / total };
}
