import { choicesAt, realizedAt, type RuleKind } from '../metrics/multi/choice.js';
import { queryCount, type MultiOutcomes, type MultiPredictions } from '../metrics/multi/inputs.js';
import { modelPoints, zeroRouter } from '../metrics/multi/single-models.js';
import { defaultRange, summarizeMulti, type CostRange } from '../metrics/multi/summary.js';
import { prepareLambdaSweep, prepareTauSweep, sweepCurve, type PreparedSweep } from '../metrics/multi/sweep.js';
import { aiqOver } from '../metrics/hull.js';
import { mulberry32 } from '../random.js';
import { drawCounts, interval, type BootstrapOptions, type Interval } from './bootstrap.js';

// The seeded percentile bootstrap of the N-model summary, as bootstrap.ts does for two models:
// each resample draws n queries with replacement, and every router's curve is re-walked from its
// sweep's sorted breakpoints with the draw's multiplicities as weights (O(breakpoints), no sort),
// on the same draw for every router and for the single models, so intervals are paired.

export interface MultiBootstrapInput {
  predictions: MultiPredictions;
  rule: RuleKind;
  /** The lambda (or tau) of the operating point, held fixed across resamples as a deployment holds it. */
  operatingValue: number;
}

export interface MultiIntervals {
  aiq: Interval | null;
  /** AIQ minus the zero router's, on the same resample. */
  aiqGain: Interval | null;
  operating: { quality: Interval; cost: Interval; qualityGap: Interval | null; costReduction: Interval | null };
}

export interface MultiBootstrapOptions extends BootstrapOptions {
  /**
   * The AIQ cost range, held fixed; by default each resample's own cheapest to most expensive
   * single model, the same definition the point estimate uses.
   */
  range?: CostRange;
  /** The model quality gaps and cost reductions are measured against; with it, their intervals too, paired on each resample. */
  reference?: number;
}

export function multiBootstrap(outcomes: MultiOutcomes, inputs: MultiBootstrapInput[], options: MultiBootstrapOptions): { zeroRouterAiq: Interval | null; routers: MultiIntervals[] } {
  const B = options.resamples;
  if (!(Number.isInteger(B) && B > 0)) throw new RangeError(`resamples must be a positive integer, got ${B}`);
  const n = queryCount(outcomes);
  const prepared: PreparedSweep[] = inputs.map((s) => (s.rule === 'lambda' ? prepareLambdaSweep(s.predictions, outcomes) : prepareTauSweep(s.predictions, outcomes)));
  const operating = inputs.map((s) => choicesAt(s.predictions, s.rule, s.operatingValue));
  const zero = new Float64Array(B);
  const series = inputs.map(() => ({ aiq: new Float64Array(B), gain: new Float64Array(B), quality: new Float64Array(B), cost: new Float64Array(B), gap: new Float64Array(B), reduction: new Float64Array(B) }));
  const ref = options.reference;
  const counts = new Int32Array(n);
  const rand = mulberry32(options.seed);
  for (let b = 0; b < B; b++) {
    drawCounts(counts, rand);
    const points = modelPoints(outcomes, counts);
    const range = options.range ?? defaultRange(points);
    zero[b] = aiqOver(zeroRouter(points), range.from, range.to) ?? NaN;
    prepared.forEach((p, r) => {
      const s = summarizeMulti(sweepCurve(p, counts), points, { range, reach: [] });
      const out = series[r]!;
      out.aiq[b] = s.aiq ?? NaN;
      out.gain[b] = s.aiqGain ?? NaN;
      const at = realizedAt(outcomes, operating[r]!, counts);
      out.quality[b] = at.quality;
      out.cost[b] = at.cost;
      if (ref !== undefined) {
        const refQ = points.quality[ref]!;
        const refC = points.cost[ref]!;
        out.gap[b] = refQ > 0 ? (refQ - at.quality) / refQ : NaN;
        out.reduction[b] = at.cost > 0 ? refC / at.cost : NaN;
      }
    });
  }
  return {
    zeroRouterAiq: interval(zero, options.level),
    routers: series.map((s) => ({
      aiq: interval(s.aiq, options.level),
      aiqGain: interval(s.gain, options.level),
      operating: {
        quality: interval(s.quality, options.level)!,
        cost: interval(s.cost, options.level)!,
        qualityGap: ref === undefined ? null : interval(s.gap, options.level),
        costReduction: ref === undefined ? null : interval(s.reduction, options.level),
      },
    })),
  };
}
