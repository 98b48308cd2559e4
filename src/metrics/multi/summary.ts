// The headline figures of one N-model router curve, read, as RouterBench reads them, off the
// curve's non-decreasing convex hull (metrics/hull.ts), against the single models.
//
// The hull of a router's curve is taken with the cheapest single model added to its points: a
// deployment can always send a random share of queries to the cheapest model instead of the
// router, so every point between that model and the curve is reached, and the hull is defined
// from the cheapest model's cost on, where the common cost range starts. RouterBench adds nothing
// and integrates from the curve's own first point; for a router whose lambda = +Infinity point is
// the cheapest model (a router predicting one cost per model, as RouterBench's do) the two agree.
// The zero router's points include that model already, so the same rule changes nothing for it.
// Below a hull's first vertex (only a range starting under every model's cost reaches there) the
// quality counts as 0; beyond its last vertex it is held flat.

import { aiqOver, costToReach, monotoneHull, qualityAt, withPoint, type Hull } from '../hull.js';
import { bestSingle, cheapestSingle, zeroRouter, type ModelPoints } from './single-models.js';

export interface CostRange {
  from: number;
  to: number;
}

/** Cost and quality columns: a sweep's curve, or any points a router reaches. */
export interface CurvePoints {
  cost: ArrayLike<number>;
  quality: ArrayLike<number>;
}

export interface Reach {
  /** The share of the best single model's quality to reach, e.g. 0.95. */
  share: number;
  /** share x Q_best. */
  quality: number;
  /** The least cost at which the hull reaches it (first crossing); null when it never does. */
  cost: number | null;
  /** C_best / cost; null when never reached or free. */
  costReduction: number | null;
}

export interface MultiSummary {
  range: CostRange;
  /** Mean quality of the hull over the range; null when the range is empty. */
  aiq: number | null;
  zeroRouterAiq: number | null;
  /** aiq - zeroRouterAiq: what the router adds over mixing single models. */
  aiqGain: number | null;
  /** Index of the best single model. */
  best: number;
  /** The hull's quality at the best single model's cost. */
  qualityAtBestCost: number;
  reach: Reach[];
}

export interface MultiSummaryOptions {
  /** The common cost range of AIQ; default from the cheapest to the most expensive single model. */
  range?: CostRange;
  /** Shares of the best single model's quality to find the cost of; default 95%, 99%, 100%. */
  reach?: readonly number[];
}

/** From the cheapest to the most expensive single model: the range every router is compared on. */
export function defaultRange(points: ModelPoints): CostRange {
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const c of points.cost) {
    from = Math.min(from, c);
    to = Math.max(to, c);
  }
  return { from, to };
}

/** The hull a router's figures are read on: its curve's, with the cheapest single model as the fallback. */
export function routerHull(curve: CurvePoints, points: ModelPoints): Hull {
  const cheapest = cheapestSingle(points);
  return withPoint(monotoneHull(curve.cost, curve.quality), { cost: points.cost[cheapest]!, quality: points.quality[cheapest]! });
}

/**
 * The summary of a router's curve against the single models. summarizeMulti(points, points) is
 * the zero router's own summary.
 */
export function summarizeMulti(curve: CurvePoints, points: ModelPoints, options: MultiSummaryOptions = {}): MultiSummary {
  const range = options.range ?? defaultRange(points);
  if (!(range.to >= range.from)) throw new RangeError(`cost range [${range.from}, ${range.to}] is not a range`);
  const hull = routerHull(curve, points);
  const aiq = aiqOver(hull, range.from, range.to);
  const zeroRouterAiq = aiqOver(zeroRouter(points), range.from, range.to);
  const best = bestSingle(points);
  const bestCost = points.cost[best]!;
  const bestQuality = points.quality[best]!;
  const reach = (options.reach ?? [0.95, 0.99, 1]).map((share): Reach => {
    const quality = share * bestQuality;
    const cost = costToReach(hull, quality);
    return { share, quality, cost, costReduction: cost === null || cost === 0 ? null : bestCost / cost };
  });
  return {
    range,
    aiq,
    zeroRouterAiq,
    aiqGain: aiq === null || zeroRouterAiq === null ? null : aiq - zeroRouterAiq,
    best,
    // The hull starts at or below the cheapest model's cost, so it is defined at any model's cost.
    qualityAtBestCost: qualityAt(hull, bestCost)!,
    reach,
  };
}
