// The exact cost-quality curve of a weak/strong router, as GUIDE.md "Definitions" sets it out, and
// reading points off it. Every curve is built the same way: the rows' sums per tie group of scores
// (got in one of three ways: few distinct scores, sorted rows, weighted rows of a bootstrap
// resample), then one walk from those sums to the curve's columns (and the AUC, in the same pass).
// Pure arithmetic: no I/O, and nothing from eval/ or routers/, which both build on it.

import { FEW_DISTINCT, RADIX_MIN, sortDescending } from './sort.js';

export interface Outcomes {
  qWeak: ArrayLike<number>;
  qStrong: ArrayLike<number>;
  cWeak: ArrayLike<number>;
  cStrong: ArrayLike<number>;
}

export interface CurvePoint {
  /** Route to strong iff score >= threshold; +Infinity for the all-weak point. */
  threshold: number;
  /** f(t): fraction of queries sent to the strong model. */
  strongShare: number;
  /** Q(t): mean quality of the chosen model. */
  quality: number;
  /** C(t): mean cost per query of the chosen model. */
  cost: number;
  /** (Q(t) - Q_w) / (Q_s - Q_w); null when Q_s == Q_w. Can exceed 1. */
  pgr: number | null;
  /** (Q_s - Q(t)) / Q_s; null when Q_s == 0. */
  qualityGap: number | null;
  /** C_s / C(t); null when C(t) == 0. */
  costReduction: number | null;
}

/** A curve point as stored in a report: JSON has no Infinity, so an unbounded threshold is null. */
export interface StoredPoint extends Omit<CurvePoint, 'threshold'> {
  threshold: number | null;
}

/**
 * The quality gained over always-weak, as unnormalised sums (sum of q_s - q_w over the rows sent
 * to strong). PGR and the quality gap are compared in these terms, never through Q(t) - Q_w: with
 * 0/1 outcomes the sums are whole numbers, so PGR = p is seen exactly where p x total is a whole
 * number, while (Q(t) - Q_w) / (Q_s - Q_w) can come out as 0.4999999999999997 and move a CPT
 * crossing to the next gaining row.
 */
export interface Gains {
  /** Cumulative gain at each point: 0 at the all-weak point, `total` at the all-strong one. */
  cum: Float64Array;
  total: number;
  /** Sum of q_s over the rows (the quality-gap denominator, in the same units). */
  strongSum: number;
  /** Sum of |q_s - q_w|: the scale of the rounding in `cum`, which sets the tolerance. */
  scale: number;
}

/**
 * A curve as parallel typed arrays, one entry per point. A million distinct scores make a million
 * points; as objects they weigh ~190 MB and took 0.4-0.6 s to allocate, more than the rest of the
 * curve together, so every metric reads these columns.
 */
export interface CurveColumns {
  threshold: Float64Array;
  share: Float64Array;
  quality: Float64Array;
  cost: Float64Array;
  gains: Gains;
}

export interface Curve {
  n: number;
  /** Q_w: always-weak mean quality. */
  qWeak: number;
  /** Q_s: always-strong mean quality. */
  qStrong: number;
  /** C_w: always-weak mean cost. */
  cWeak: number;
  /** C_s: always-strong mean cost. */
  cStrong: number;
  /** What the metrics read. Curves are values: nothing here is edited after the curve is built. */
  readonly columns: CurveColumns;
  /**
   * All-weak point first, then one point per distinct score, descending; the last is all-strong.
   * Built from `columns` on first read; editing it changes no metric.
   */
  readonly points: CurvePoint[];
}

interface Totals {
  n: number;
  qWeak: number;
  qStrong: number;
  cWeak: number;
  cStrong: number;
}

/** Sums of the outcome columns over the rows, and the total weight (the row count, unweighted). */
interface Sums {
  weight: number;
  qw: number;
  qs: number;
  cw: number;
  cs: number;
}

function checkColumn(name: string, values: ArrayLike<number>, n: number): void {
  if (values.length !== n) {
    throw new RangeError(`${name} has ${values.length} values, expected ${n}`);
  }
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(values[i])) throw new RangeError(`${name} at index ${i} is NaN`);
  }
}

function sumsOf(o: Outcomes, n: number): Sums {
  if (n === 0) throw new RangeError('cannot build a curve from zero queries');
  checkColumn('qWeak', o.qWeak, n);
  checkColumn('qStrong', o.qStrong, n);
  checkColumn('cWeak', o.cWeak, n);
  checkColumn('cStrong', o.cStrong, n);
  let qw = 0;
  let qs = 0;
  let cw = 0;
  let cs = 0;
  for (let i = 0; i < n; i++) {
    qw += o.qWeak[i]!;
    qs += o.qStrong[i]!;
    cw += o.cWeak[i]!;
    cs += o.cStrong[i]!;
  }
  return { weight: n, qw, qs, cw, cs };
}

function totalsOf(n: number, s: Sums): Totals {
  return { n, qWeak: s.qw / s.weight, qStrong: s.qs / s.weight, cWeak: s.cw / s.weight, cStrong: s.cs / s.weight };
}

/** The all-weak and all-strong means of the outcomes (checked: equal lengths, no NaN, not empty). */
export function outcomeTotals(o: Outcomes): Totals {
  const n = o.qWeak.length;
  return totalsOf(n, sumsOf(o, n));
}

export function makePoint(t: Totals, threshold: number, strongShare: number, quality: number, cost: number): CurvePoint {
  // Exact equality is deliberate: Q_s == Q_w arises when every row has q_s == q_w, and then the
  // two sums are computed by the same additions and compare equal; a tolerance would hide real, tiny gaps.
  const spread = t.qStrong - t.qWeak;
  return {
    threshold,
    strongShare,
    quality,
    cost,
    pgr: spread === 0 ? null : (quality - t.qWeak) / spread,
    qualityGap: t.qStrong === 0 ? null : (t.qStrong - quality) / t.qStrong,
    costReduction: cost === 0 ? null : t.cStrong / cost,
  };
}

// Summing many terms in another order moves the result by a few ulps of the terms' absolute sum;
// two gains closer than this share of it are the same gain.
const GAIN_TOLERANCE = 1e-9;

/** How far apart two cumulative gains of this curve may be and still be the same gain. */
export function gainTolerance(g: Gains): number {
  return GAIN_TOLERANCE * g.scale;
}

function pointOf(curve: Curve, k: number): CurvePoint {
  const c = curve.columns;
  const p = makePoint(curve, c.threshold[k]!, c.share[k]!, c.quality[k]!, c.cost[k]!);
  const g = c.gains;
  const cum = g.cum[k]!;
  // From the sums, so an exact point reads as exact (PGR 1 at all-strong, a gap of exactly 5%).
  if (p.pgr !== null) p.pgr = cum / g.total;
  if (p.qualityGap !== null) p.qualityGap = (g.total - cum) / g.strongSum;
  return p;
}

function curveFrom(t: Totals, columns: CurveColumns): Curve {
  let points: CurvePoint[] | undefined;
  const curve: Curve = {
    n: t.n,
    qWeak: t.qWeak,
    qStrong: t.qStrong,
    cWeak: t.cWeak,
    cStrong: t.cStrong,
    columns,
    // An enumerable accessor, so JSON.stringify, spread and deepEqual see an ordinary array.
    get points(): CurvePoint[] {
      if (points === undefined) {
        points = new Array<CurvePoint>(columns.share.length);
        for (let k = 0; k < points.length; k++) points[k] = pointOf(curve, k);
      }
      return points;
    },
  };
  return curve;
}

/**
 * Columns for `groups` tie groups, to be filled with each group's sums at slots 1..groups:
 * threshold its score, share its rows (or weight), gains.cum its sum of q_s - q_w, cost its sum of
 * c_s - c_w. `walk` turns them into the curve in place.
 */
function groupColumns(groups: number): CurveColumns {
  return {
    threshold: new Float64Array(groups + 1),
    share: new Float64Array(groups + 1),
    quality: new Float64Array(groups + 1),
    cost: new Float64Array(groups + 1),
    gains: { cum: new Float64Array(groups + 1), total: 0, strongSum: 0, scale: 0 },
  };
}

/**
 * The one walk down the tie groups: per-group sums (see groupColumns) to cumulative points, and,
 * when `pos` counts each group's rows with q_s > q_w, AUC against "strong wins": the Mann-Whitney U
 * with ties counted 1/2, one tie group at a time (a positive beats every negative not yet reached
 * and ties those in its group). `absDq` is the sum of |q_s - q_w| (the gains' rounding scale).
 */
function walk(n: number, s: Sums, c: CurveColumns, absDq: number, pos: Float64Array | null): { curve: Curve; auc: number | null } {
  const groups = c.share.length - 1;
  const t = totalsOf(n, s);
  const w = s.weight;
  const { threshold, share, quality, cost } = c;
  const cum = c.gains.cum;
  threshold[0] = Number.POSITIVE_INFINITY;
  share[0] = 0;
  quality[0] = t.qWeak;
  cost[0] = t.cWeak;
  cum[0] = 0;
  let nPos = 0;
  if (pos) for (let g = 1; g <= groups; g++) nPos += pos[g]!;
  const nNeg = w - nPos;
  let negSeen = 0;
  let u = 0;
  let cumW = 0;
  let cumDq = 0;
  let cumDc = 0;
  for (let g = 1; g <= groups; g++) {
    const rows = share[g]!;
    cumW += rows;
    cumDq += cum[g]!;
    cumDc += cost[g]!;
    if (pos) {
      const p = pos[g]!;
      const neg = rows - p;
      u += p * (nNeg - negSeen - neg) + (p * neg) / 2;
      negSeen += neg;
    }
    share[g] = cumW / w;
    quality[g] = (s.qw + cumDq) / w;
    cost[g] = (s.cw + cumDc) / w;
    cum[g] = cumDq;
  }
  c.gains.total = cumDq;
  c.gains.strongSum = s.qs;
  c.gains.scale = Math.max(absDq, s.qs);
  // Pin the all-strong point to Q_s and C_s themselves, so PGR there is exactly 1 rather than
  // 1 plus the rounding of summing differences in another order.
  share[groups] = 1;
  quality[groups] = t.qStrong;
  cost[groups] = t.cStrong;
  return { curve: curveFrom(t, c), auc: pos && nPos > 0 && nNeg > 0 ? u / (nPos * nNeg) : null };
}

function scoresOf(scores: ArrayLike<number>): Float64Array {
  const n = scores.length;
  if (n === 0) throw new RangeError('cannot build a curve from zero queries');
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = scores[i]!;
    if (Number.isNaN(v)) throw new RangeError(`score at index ${i} is NaN`);
    values[i] = v;
  }
  return values;
}

export function exactCurve(scores: ArrayLike<number>, o: Outcomes): Curve {
  return buildCurve(scores, o).curve;
}

/** The exact curve, and AUC against "strong wins" (q_s - q_w > 0) read off the same walk. */
export function buildCurve(scores: ArrayLike<number>, o: Outcomes): { curve: Curve; auc: number | null } {
  const values = scoresOf(scores);
  const n = values.length;
  const s = sumsOf(o, n);
  return (n >= RADIX_MIN ? fewScoreGroups(values, o, s) : null) ?? sortedGroups(values, o, s);
}

/**
 * Group sums by sorting the rows: the general case. Differences are formed in row order first,
 * side by side, so the pass below reads one cache line per row in score order rather than four
 * scattered columns (those cache misses were most of its time at a million rows).
 */
function sortedGroups(values: Float64Array, o: Outcomes, s: Sums): { curve: Curve; auc: number | null } {
  const n = values.length;
  const { order, sorted } = sortDescending(values);
  const dqc = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    dqc[2 * i] = o.qStrong[i]! - o.qWeak[i]!;
    dqc[2 * i + 1] = o.cStrong[i]! - o.cWeak[i]!;
  }
  let groups = 1;
  for (let k = 1; k < n; k++) if (sorted[k] !== sorted[k - 1]) groups++;
  const c = groupColumns(groups);
  const pos = new Float64Array(groups + 1);
  let g = 1;
  let absDq = 0;
  let groupDq = 0;
  let groupDc = 0;
  let groupPos = 0;
  let groupStart = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const d = dqc[2 * i]!;
    groupDq += d;
    absDq += Math.abs(d);
    groupDc += dqc[2 * i + 1]!;
    if (d > 0) groupPos++;
    const score = sorted[k]!;
    // A tie group ends where the next score differs; `===` keeps -0 and +0 together, as
    // `score >= t` does.
    if (k + 1 < n && sorted[k + 1] === score) continue;
    c.threshold[g] = score;
    c.share[g] = k + 1 - groupStart;
    c.gains.cum[g] = groupDq;
    c.cost[g] = groupDc;
    pos[g] = groupPos;
    g++;
    groupStart = k + 1;
    groupDq = 0;
    groupDc = 0;
    groupPos = 0;
  }
  return walk(n, s, c, absDq, pos);
}

/**
 * Group sums for scores with few distinct values (the oracle's q_s - q_w, a coarse router): sums
 * per score in one pass, with no sort and no per-row gather. At 1,000,000 rows sorting and
 * gathering took ~150 ms for a curve of a few points. Null when the scores have more than
 * FEW_DISTINCT values.
 */
function fewScoreGroups(values: Float64Array, o: Outcomes, s: Sums): { curve: Curve; auc: number | null } | null {
  const n = values.length;
  // Map keys compare by SameValueZero, so -0 and +0 share a group, as `score >= t` treats them.
  const slot = new Map<number, number>();
  const rows = new Float64Array(FEW_DISTINCT);
  const sumDq = new Float64Array(FEW_DISTINCT);
  const sumDc = new Float64Array(FEW_DISTINCT);
  const posOf = new Float64Array(FEW_DISTINCT);
  let absDq = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    let g = slot.get(v);
    if (g === undefined) {
      if (slot.size === FEW_DISTINCT) return null;
      g = slot.size;
      slot.set(v, g);
    }
    const d = o.qStrong[i]! - o.qWeak[i]!;
    rows[g]!++;
    sumDq[g]! += d;
    absDq += Math.abs(d);
    sumDc[g]! += o.cStrong[i]! - o.cWeak[i]!;
    if (d > 0) posOf[g]!++;
  }
  const keys = [...slot.keys()].sort((a, b) => b - a);
  const c = groupColumns(keys.length);
  const pos = new Float64Array(keys.length + 1);
  keys.forEach((key, j) => {
    const g = slot.get(key)!;
    c.threshold[j + 1] = key;
    c.share[j + 1] = rows[g]!;
    c.gains.cum[j + 1] = sumDq[g]!;
    c.cost[j + 1] = sumDc[g]!;
    pos[j + 1] = posOf[g]!;
  });
  return walk(n, s, c, absDq, pos);
}

/**
 * Scores sorted once, so a bootstrap can rebuild the curve of each resample without sorting again.
 * `dq`/`dc` are q_s - q_w and c_s - c_w in sorted order (read sequentially per resample).
 */
export interface PreparedScores {
  n: number;
  order: Int32Array;
  /** 1 at the sorted position where a tie group ends. */
  groupEnd: Uint8Array;
  groups: number;
  /** Score of each tie group, descending. */
  groupScore: Float64Array;
  dq: Float64Array;
  dc: Float64Array;
}

export function prepareScores(scores: ArrayLike<number>, o: Outcomes): PreparedScores {
  const values = scoresOf(scores);
  const n = values.length;
  sumsOf(o, n);
  const { order, sorted } = sortDescending(values);
  const groupEnd = new Uint8Array(n);
  let groups = 0;
  for (let k = 0; k < n; k++) {
    if (k + 1 === n || sorted[k + 1] !== sorted[k]) {
      groupEnd[k] = 1;
      groups++;
    }
  }
  const groupScore = new Float64Array(groups);
  const dq = new Float64Array(n);
  const dc = new Float64Array(n);
  for (let k = 0, g = 0; k < n; k++) {
    const i = order[k]!;
    dq[k] = o.qStrong[i]! - o.qWeak[i]!;
    dc[k] = o.cStrong[i]! - o.cWeak[i]!;
    if (groupEnd[k]) groupScore[g++] = sorted[k]!;
  }
  return { n, order, groupEnd, groups, groupScore, dq, dc };
}

/**
 * The exact curve of a weighted sample of the prepared rows: row i counts `weights[i]` times
 * (a bootstrap resample's multiplicities). Same points and rules as exactCurve; a tie group whose
 * rows all have weight 0 adds a point equal to the previous one, which changes no metric.
 */
export function resampledCurve(p: PreparedScores, o: Outcomes, weights: ArrayLike<number>): Curve {
  const n = p.n;
  if (weights.length !== n) throw new RangeError(`weights has ${weights.length} values, expected ${n}`);
  const s: Sums = { weight: 0, qw: 0, qs: 0, cw: 0, cs: 0 };
  for (let i = 0; i < n; i++) {
    const x = weights[i]!;
    if (x === 0) continue;
    s.weight += x;
    s.qw += x * o.qWeak[i]!;
    s.qs += x * o.qStrong[i]!;
    s.cw += x * o.cWeak[i]!;
    s.cs += x * o.cStrong[i]!;
  }
  if (!(s.weight > 0)) throw new RangeError('weights sum to zero');
  const c = groupColumns(p.groups);
  c.threshold.set(p.groupScore, 1);
  const { order, groupEnd, dq, dc } = p;
  let g = 1;
  let groupW = 0;
  let groupDq = 0;
  let groupDc = 0;
  let absDq = 0;
  for (let k = 0; k < n; k++) {
    const x = weights[order[k]!]!;
    if (x !== 0) {
      const d = dq[k]!;
      groupW += x;
      groupDq += x * d;
      absDq += x * Math.abs(d);
      groupDc += x * dc[k]!;
    }
    if (!groupEnd[k]) continue;
    c.share[g] = groupW;
    c.gains.cum[g] = groupDq;
    c.cost[g] = groupDc;
    g++;
    groupW = 0;
    groupDq = 0;
    groupDc = 0;
  }
  return walk(n, s, c, absDq, null).curve;
}

/** Number of points on a curve. */
export function curveLength(curve: Curve): number {
  return curve.columns.share.length;
}

/** Point k of a curve (0: all weak, last: all strong), built alone rather than through `points`. */
export function pointAt(curve: Curve, k: number): CurvePoint {
  const len = curveLength(curve);
  if (!(k >= 0 && k < len)) throw new RangeError(`point ${k} is outside the curve (0..${len - 1})`);
  return pointOf(curve, k);
}

/** Index of the point "score >= t" reaches: the last point whose threshold is >= t. */
export function indexAtThreshold(curve: Curve, t: number): number {
  const { threshold } = curve.columns;
  // Thresholds descend along the curve, so "threshold >= t" holds on a prefix; find its end.
  // The first point's threshold is +Infinity, so the prefix is never empty.
  let lo = 0;
  let hi = threshold.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (threshold[mid]! >= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The point reached by routing "score >= t": the last point whose threshold >= t. */
export function pointAtThreshold(curve: Curve, t: number): CurvePoint {
  if (Number.isNaN(t)) throw new RangeError('threshold is NaN');
  return pointOf(curve, indexAtThreshold(curve, t));
}

/**
 * The expected outcome at strong share f, interpolated linearly between exact points. Its
 * threshold is that of the upper (larger-share) point: the score cut-off that reaches share f,
 * with only part of that point's tie group sent to strong.
 */
export function pointAtShare(curve: Curve, f: number): CurvePoint {
  if (!(f >= 0 && f <= 1)) throw new RangeError(`strong share ${f} is outside [0,1]`);
  const c = curve.columns;
  // First point whose share >= f; the last point has share 1, so one exists.
  let lo = 0;
  let hi = c.share.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (c.share[mid]! >= f) hi = mid;
    else lo = mid + 1;
  }
  if (lo === 0 || c.share[lo] === f) return pointOf(curve, lo);
  const a = lo - 1;
  const w = (f - c.share[a]!) / (c.share[lo]! - c.share[a]!);
  // Between point a and point lo = a + 1, both on the curve.
  const lerp = (col: Float64Array): number => col[a]! + w * (col[lo]! - col[a]!);
  const point = makePoint(curve, c.threshold[lo]!, f, lerp(c.quality), lerp(c.cost));
  const g = c.gains;
  const cum = lerp(g.cum);
  if (point.pgr !== null) point.pgr = cum / g.total;
  if (point.qualityGap !== null) point.qualityGap = (g.total - cum) / g.strongSum;
  return point;
}
