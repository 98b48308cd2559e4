import { pointAtThreshold, prepareScores, resampledCurve, type Outcomes, type PreparedScores } from '../metrics/curve.js';
import { apgr, cpt } from '../metrics/summary.js';
import { percentilesInPlace } from '../metrics/latency.js';
import { mulberry32 } from '../random.js';

// Seeded percentile bootstrap over queries. Each resample draws n queries with replacement and
// rebuilds every strategy's exact curve from the same draw (so intervals of two routers are paired),
// reusing each strategy's sorted order: a resample costs O(n), not a sort.

export interface BootstrapOptions {
  resamples: number;
  seed: number;
  /** Central coverage of the interval, e.g. 0.95. */
  level: number;
}

export interface BootstrapInput {
  scores: ArrayLike<number>;
  outcomes: Outcomes;
  /** Per-query cost of the strong model alone, when cost reduction has another baseline than outcomes.cStrong (cascades). */
  strongCostRows?: ArrayLike<number>;
  /** Score threshold of the operating point, held fixed across resamples. */
  operatingScore: number;
}

/** [lower, upper]; an upper CPT bound is null when that share of resamples never reaches the PGR. */
export type Interval = [number, number];

export interface StrategyIntervals {
  apgr: Interval | null;
  cpt50: [number, number | null] | null;
  operating: { qualityGap: Interval | null; strongShare: Interval; quality: Interval; costReduction: Interval | null };
}

export { mulberry32 } from '../random.js';

/** Percentile interval of the values that are not NaN; +Infinity (a CPT never reached) stays at the top. */
export function interval(values: Float64Array, level: number): [number, number] | null {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) values[m++] = v;
  }
  if (m === 0) return null;
  const tail = (1 - level) / 2;
  const [lo, hi] = percentilesInPlace(values.subarray(0, m), [tail, 1 - tail]);
  return [lo!, hi!];
}

/** One resample: n draws of the n queries with replacement, as how many times each query was drawn. */
export function drawCounts(counts: Int32Array, rand: () => number): void {
  const n = counts.length;
  counts.fill(0);
  for (let j = 0; j < n; j++) counts[Math.floor(rand() * n)]!++;
}

export function bootstrap(inputs: BootstrapInput[], options: BootstrapOptions): StrategyIntervals[] {
  const B = options.resamples;
  if (!(Number.isInteger(B) && B > 0)) throw new RangeError(`resamples must be a positive integer, got ${B}`);
  if (inputs.length === 0) return [];
  const n = inputs[0]!.scores.length;
  const prepared: PreparedScores[] = inputs.map((s) => prepareScores(s.scores, s.outcomes));
  const series = inputs.map(() => ({
    apgr: new Float64Array(B),
    cpt50: new Float64Array(B),
    gap: new Float64Array(B),
    share: new Float64Array(B),
    quality: new Float64Array(B),
    reduction: new Float64Array(B),
  }));
  const counts = new Int32Array(n);
  const rand = mulberry32(options.seed);
  for (let b = 0; b < B; b++) {
    drawCounts(counts, rand);
    inputs.forEach((s, si) => {
      const curve = resampledCurve(prepared[si]!, s.outcomes, counts);
      const out = series[si]!;
      out.apgr[b] = apgr(curve) ?? NaN;
      out.cpt50[b] = cpt(curve, 0.5) ?? Number.POSITIVE_INFINITY;
      const p = pointAtThreshold(curve, s.operatingScore);
      out.gap[b] = p.qualityGap ?? NaN;
      out.share[b] = p.strongShare;
      out.quality[b] = p.quality;
      let reduction = p.costReduction;
      if (s.strongCostRows) {
        let cs = 0;
        for (let i = 0; i < n; i++) {
          const c = counts[i]!;
          if (c !== 0) cs += c * s.strongCostRows[i]!;
        }
        reduction = p.cost === 0 ? null : cs / n / p.cost;
      }
      out.reduction[b] = reduction ?? NaN;
    });
  }
  return series.map((s) => {
    const c = interval(s.cpt50, options.level);
    return {
      apgr: interval(s.apgr, options.level),
      cpt50: c && Number.isFinite(c[0]) ? [c[0], Number.isFinite(c[1]) ? c[1] : null] : null,
      operating: {
        qualityGap: interval(s.gap, options.level),
        strongShare: interval(s.share, options.level)!,
        quality: interval(s.quality, options.level)!,
        costReduction: interval(s.reduction, options.level),
      },
    };
  });
}
