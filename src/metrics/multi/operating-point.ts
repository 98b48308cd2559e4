// Picking an N-model router's operating point: the lambda (or tau) for a target. Every pick is an
// exact point of the sweep, not a point on its hull: a hull point between two sweep points would
// need a coin flip per query between two lambdas, which a deployment of one rule does not do.

import { msg, option, UserError } from '../../errors.js';
import { reaches } from '../hull.js';
import { bestWithinBudget } from '../operating-point.js';
import { bestSingle, type ModelPoints } from './single-models.js';
import { ruleValueAt, type MultiCurve } from './sweep.js';

export type MultiTarget =
  /** The best-quality point whose cost per 1,000 queries is at most `value` dollars. */
  | { kind: 'budget-per-1k'; value: number }
  /** The cheapest point whose quality is at least (1 - value) x Q_ref; ref: a model index, default the best single model. */
  | { kind: 'max-quality-gap'; value: number; reference?: number }
  /** The cheapest point whose quality is at least `value`. */
  | { kind: 'quality-floor'; value: number };

export interface MultiOperatingPoint {
  /** Index of the point on the curve. */
  index: number;
  /** The lambda (or tau) to deploy: it routes these queries exactly to this point (ruleValueAt). */
  value: number;
  cost: number;
  quality: number;
}

/** The cheapest point (ties: the better, then the first) whose quality reaches `floor`; -1 when none does. */
function cheapestReaching(curve: MultiCurve, floor: number): number {
  const { cost, quality } = curve;
  let best = -1;
  for (let k = 0; k < cost.length; k++) {
    const q = quality[k]!;
    if (!reaches(q, floor)) continue;
    const c = cost[k]!;
    if (best < 0 || c < cost[best]! || (c === cost[best] && q > quality[best]!)) best = k;
  }
  return best;
}

function bestQuality(curve: MultiCurve): number {
  let top = Number.NEGATIVE_INFINITY;
  for (const q of curve.quality) top = Math.max(top, q);
  return top;
}

export function pickMultiPoint(curve: MultiCurve, target: MultiTarget, points: ModelPoints): MultiOperatingPoint {
  let index: number;
  switch (target.kind) {
    case 'budget-per-1k':
      index = bestWithinBudget(curve.cost, curve.quality, target.value);
      break;
    case 'max-quality-gap': {
      const ref = target.reference ?? bestSingle(points);
      const refQuality = points.quality[ref];
      if (refQuality === undefined) throw new RangeError(`reference model ${ref} is not one of the ${points.quality.length} models`);
      const floor = (1 - target.value) * refQuality;
      index = cheapestReaching(curve, floor);
      if (index < 0) {
        throw new UserError(msg`${option('targetGap')} ${target.value} cannot be met: the curve's best quality ${bestQuality(curve).toFixed(4)} is below ${floor.toFixed(4)} = (1 - ${target.value}) x the reference model's ${refQuality.toFixed(4)}`);
      }
      break;
    }
    case 'quality-floor':
      index = cheapestReaching(curve, target.value);
      if (index < 0) {
        throw new UserError(msg`${option('targetQuality')} ${target.value} is above every point of the curve (its best quality is ${bestQuality(curve).toFixed(4)})`);
      }
      break;
  }
  return { index, value: ruleValueAt(curve, index), cost: curve.cost[index]!, quality: curve.quality[index]! };
}
