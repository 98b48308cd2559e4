import { curveLength, indexAtThreshold, pointAt, pointAtShare, pointAtThreshold, type Curve, type CurvePoint, type Outcomes, type StoredPoint } from '../metrics/curve.js';
import { pickIndex, tenthIndices, type Target } from '../metrics/operating-point.js';
import { aiq, oracle, summarize, type Summary } from '../metrics/summary.js';
import { mixLatency, type MixLatency, type PreparedLatency } from '../metrics/latency.js';

// The sweep of one routing strategy (a router's scores, or a cascade's confidences) over the
// exact curve: summary metrics, the table rows, the operating point and a 1%-step curve for charts.
// Works on typed columns only, so the 1,000,000-query benchmark runs exactly this code.

/** A table row or operating point: a stored point plus the routed mix's latency where the data has it. */
export interface TablePoint extends StoredPoint {
  /** Median and 95th-percentile latency of the routed mix, in ms; null when the data records none. */
  latency: MixLatency | null;
}

export type { Summary } from '../metrics/summary.js';

export interface Strategy {
  /** Higher means "send to strong"; the strategy routes to strong iff score >= its score threshold. */
  scores: ArrayLike<number>;
  outcomes: Outcomes;
  /**
   * Mean cost of always-strong, the baseline of cost reduction, when it differs from the
   * outcomes' own all-strong cost (a cascade that escalates everything also paid the weak model).
   */
  strongCost?: number;
  /** The test rows' latencies, prepared once and shared by every strategy over those rows; null when not recorded. */
  latency: PreparedLatency | null;
  /** The threshold a person reads for the exact point whose score threshold is `s` (routers: s itself). */
  display(curve: Curve, s: number): number | null;
  /** A person's threshold (from --thresholds) as a score threshold. */
  toScore(t: number): number;
}

export interface SweepResult {
  curve: Curve;
  summary: Summary;
  table: TablePoint[];
  /** The operating point, with its score threshold for slices and the bootstrap. */
  operating: { index: number; score: number; point: TablePoint };
  /** The exact curve read at every 1% of strong share. */
  resampled: StoredPoint[];
}

/** Routers: the threshold is the score itself; +Infinity (the all-weak point) is stored as null. */
export function scoreDisplay(_curve: Curve, s: number): number | null {
  return Number.isFinite(s) ? s : null;
}

export function restate(p: CurvePoint, threshold: number | null, strongCost: number | undefined): StoredPoint {
  return {
    ...p,
    threshold,
    costReduction: strongCost === undefined ? p.costReduction : p.cost === 0 ? null : strongCost / p.cost,
  };
}

export function sweep(s: Strategy, options: { thresholds?: number[]; target: Target }): SweepResult {
  const { curve, ...summary } = summarize(s.scores, s.outcomes);
  const latency = s.latency;
  // One concrete array type at the percentile loops keeps them monomorphic.
  const scores = s.scores instanceof Float64Array ? s.scores : Float64Array.from(s.scores);
  const row = (p: CurvePoint, shown: number | null, score: number): TablePoint => ({
    ...restate(p, shown, s.strongCost),
    latency: latency ? mixLatency(scores, score, latency) : null,
  });
  const exactRow = (p: CurvePoint) => row(p, s.display(curve, p.threshold), p.threshold);

  const table = options.thresholds?.length
    ? options.thresholds.map((t) => {
        const score = s.toScore(t);
        return row(pointAtThreshold(curve, score), t, score);
      })
    : tenthIndices(curve).map((k) => exactRow(pointAt(curve, k)));
  const index = pickIndex(curve, options.target);
  const operating = pointAt(curve, index);
  const resampled: StoredPoint[] = [];
  for (let k = 0; k <= 100; k++) {
    const p = pointAtShare(curve, k / 100);
    resampled.push(restate(p, s.display(curve, p.threshold), s.strongCost));
  }
  return { curve, summary, table, operating: { index, score: operating.threshold, point: exactRow(operating) }, resampled };
}

/** Score threshold of the exact point a stored/requested score threshold reaches. */
export function exactScore(curve: Curve, t: number): number {
  return curve.columns.threshold[indexAtThreshold(curve, t)]!;
}

export interface Baselines {
  alwaysWeak: TablePoint;
  alwaysStrong: TablePoint;
  random: { apgr: 0.5; cpt20: number | null; cpt50: number | null; cpt80: number | null; aiq: number | null };
  oracle: { apgr: number | null; cpt20: number | null; cpt50: number | null; cpt80: number | null; auc: number | null; aiq: number | null; point: TablePoint };
}

/** Always-weak, always-strong, random (analytic) and the oracle on the same outcomes, with latency where recorded. */
export function baselines(o: Outcomes, latency: PreparedLatency | null): Baselines {
  const best = oracle(o);
  const c = best.curve;
  const weak = pointAt(c, 0);
  const strong = pointAt(c, curveLength(c) - 1);
  const defined = c.qStrong !== c.qWeak;
  const n = o.qWeak.length;
  const wins = new Float64Array(n);
  for (let i = 0; i < n; i++) wins[i] = o.qStrong[i]! > o.qWeak[i]! ? 1 : 0;
  const l = latency;
  return {
    alwaysWeak: { ...restate(weak, null, undefined), latency: l && mixLatency(wins, 2, l) },
    alwaysStrong: { ...restate(strong, null, undefined), latency: l && mixLatency(wins, 0, l) },
    random: {
      apgr: 0.5,
      cpt20: defined ? 0.2 : null,
      cpt50: defined ? 0.5 : null,
      cpt80: defined ? 0.8 : null,
      // Random routing at share f is the straight line from always-weak to always-strong.
      aiq: aiq([{ cost: weak.cost, quality: weak.quality }, { cost: strong.cost, quality: strong.quality }]),
    },
    oracle: {
      apgr: best.apgr,
      cpt20: best.summary.cpt20,
      cpt50: best.summary.cpt50,
      cpt80: best.summary.cpt80,
      // The oracle's scores are q_s - q_w, so its AUC against "strong wins" is 1 whenever both
      // classes occur: computed rather than asserted, so a report never claims more than the data shows.
      auc: best.summary.auc,
      aiq: best.summary.aiq,
      point: { ...restate(best.point, null, undefined), latency: l && mixLatency(wins, 1, l) },
    },
  };
}
