// The exact cost-quality curve of a weak/strong router, and the metrics read off it
// (PGR, APGR, CPT, quality gap, cost reduction, AUC, AIQ), as defined in GUIDE.md "Definitions".
// Pure arithmetic: no I/O, no dependencies, so every report and CI gate can share one definition.

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
  /** All-weak point first, then one point per distinct score, descending; the last is all-strong. */
  points: CurvePoint[];
}

interface Totals {
  n: number;
  qWeak: number;
  qStrong: number;
  cWeak: number;
  cStrong: number;
}

function checkColumn(name: string, values: ArrayLike<number>, n: number): void {
  if (values.length !== n) {
    throw new RangeError(`${name} has ${values.length} values, expected ${n}`);
  }
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(values[i])) throw new RangeError(`${name} at index ${i} is NaN`);
  }
}

function totals(o: Outcomes, n: number): Totals & { sumQw: number; sumQs: number; sumCw: number } {
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
    qw += o.qWeak[i];
    qs += o.qStrong[i];
    cw += o.cWeak[i];
    cs += o.cStrong[i];
  }
  return { n, qWeak: qw / n, qStrong: qs / n, cWeak: cw / n, cStrong: cs / n, sumQw: qw, sumQs: qs, sumCw: cw };
}

function makePoint(t: Totals, threshold: number, strongShare: number, quality: number, cost: number): CurvePoint {
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

// Offsets of the high and low 32-bit words of a float64 inside a Uint32Array view.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = 1 - HI;

// Below this size the 64K-bucket histograms of the radix sort cost more than a comparator sort.
const RADIX_MIN = 4096;

/**
 * `values` (no NaN) sorted largest first, with the index each sorted value came from.
 *
 * Hand-written because the obvious versions were too slow for a 1,000,000-row eval (2-core VM):
 * an Int32Array of indices sorted with a comparator took ~570 ms, and a native Float64Array sort
 * plus a binary search per row to find its tie group 400-650 ms, against ~130 ms for this LSD
 * radix sort (16-bit digits, passes whose digit is constant skipped) on the IEEE-754 bits mapped
 * to order-preserving unsigned keys. Small inputs keep the comparator sort.
 */
export function sortDescending(values: Float64Array): { order: Int32Array; sorted: Float64Array } {
  const n = values.length;
  let idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const sorted = new Float64Array(n);
  if (n < RADIX_MIN) {
    idx.sort((a, b) => values[b] - values[a]);
    for (let k = 0; k < n; k++) sorted[k] = values[idx[k]];
    return { order: idx, sorted };
  }

  const few = countingSortDescending(values, idx, sorted);
  if (few) return few;

  // Ascending unsigned order of the bits is: negative floats with all bits flipped, then
  // non-negative floats with the sign bit flipped. Complementing that gives descending order.
  const bits = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = bits[2 * i + HI];
    const l = bits[2 * i + LO];
    if (h >>> 31) {
      hi[i] = h;
      lo[i] = l;
    } else {
      hi[i] = (h ^ 0x7fffffff) >>> 0;
      lo[i] = ~l >>> 0;
    }
  }

  const hist = new Uint32Array(4 * 65536);
  for (let i = 0; i < n; i++) {
    hist[lo[i] & 0xffff]++;
    hist[65536 + (lo[i] >>> 16)]++;
    hist[131072 + (hi[i] & 0xffff)]++;
    hist[196608 + (hi[i] >>> 16)]++;
  }

  let idx2 = new Int32Array(n);
  let hi2 = new Uint32Array(n);
  let lo2 = new Uint32Array(n);
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * 65536;
    const shift = pass & 1 ? 16 : 0;
    const key = pass >= 2 ? hi : lo;
    if (hist[base + ((key[0] >>> shift) & 0xffff)] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = hist[base + d];
      hist[base + d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const at = hist[base + ((key[i] >>> shift) & 0xffff)]++;
      idx2[at] = idx[i];
      hi2[at] = hi[i];
      lo2[at] = lo[i];
    }
    [idx, idx2] = [idx2, idx];
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
  }

  // Decoding the sorted keys reads sequentially, where values[idx[k]] would miss the cache per row.
  const out = new Uint32Array(sorted.buffer);
  for (let k = 0; k < n; k++) {
    const h = hi[k];
    if (h >>> 31) {
      out[2 * k + HI] = h;
      out[2 * k + LO] = lo[k];
    } else {
      out[2 * k + HI] = h ^ 0x7fffffff;
      out[2 * k + LO] = ~lo[k];
    }
  }
  return { order: idx, sorted };
}

// Up to this many distinct values, a counting sort beats the radix sort.
const FEW_DISTINCT = 256;

/**
 * A stable counting sort, when `values` holds few distinct values (the oracle's q_s - q_w, binary
 * or graded labels): two passes instead of the radix sort's key transforms and digit passes
 * (~190 ms at 1,000,000 rows). Returns null as soon as it sees too many distinct values, which for
 * real router scores is within the first few hundred rows.
 */
function countingSortDescending(values: Float64Array, idx: Int32Array, sorted: Float64Array): { order: Int32Array; sorted: Float64Array } | null {
  const n = values.length;
  // Map keys compare by SameValueZero: -0 and +0 share a count, as they share a tie group.
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const c = counts.get(v);
    if (c !== undefined) counts.set(v, c + 1);
    else {
      if (counts.size === FEW_DISTINCT) return null;
      counts.set(v, 1);
    }
  }
  const keys = [...counts.keys()].sort((a, b) => b - a);
  const start = new Map<number, number>();
  let at = 0;
  for (const k of keys) {
    start.set(k, at);
    at += counts.get(k)!;
  }
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const k = start.get(v)!;
    start.set(v, k + 1);
    idx[k] = i;
    sorted[k] = v;
  }
  return { order: idx, sorted };
}

/**
 * A curve as parallel typed arrays. A million distinct scores make a million points; as objects
 * they weigh ~190 MB and took 0.4-0.6 s to allocate, more than the rest of exactCurve together.
 * The metrics only need these four columns, so `points` is built from them on first read.
 */
interface Columns {
  totals: Totals;
  threshold: Float64Array;
  share: Float64Array;
  quality: Float64Array;
  cost: Float64Array;
  gains: Gains;
}

/**
 * The quality gained over always-weak, as unnormalised sums (sum of q_s - q_w over the rows sent
 * to strong). PGR and the quality gap are compared in these terms, never through Q(t) - Q_w: with
 * 0/1 outcomes the sums are whole numbers, so PGR = p is seen exactly where p x total is a whole
 * number, while (Q(t) - Q_w) / (Q_s - Q_w) can come out as 0.4999999999999997 and move a CPT
 * crossing to the next gaining row.
 */
interface Gains {
  /** Cumulative gain at each point: 0 at the all-weak point, `total` at the all-strong one. */
  cum: Float64Array;
  total: number;
  /** Sum of q_s over the rows (the quality-gap denominator, in the same units). */
  strongSum: number;
  /** Sum of |q_s - q_w|: the scale of the rounding in `cum`, which sets the tolerance. */
  scale: number;
}

// Summing many terms in another order moves the result by a few ulps of the terms' absolute sum;
// two gains closer than this share of it are the same gain.
const GAIN_TOLERANCE = 1e-9;

function tolerance(g: Gains): number {
  return GAIN_TOLERANCE * g.scale;
}

/** Whether the cumulative gain `cum` reaches share p of the total gain (PGR >= p), with rounding forgiven. */
function reachesPgr(g: Gains, cum: number, p: number): boolean {
  // Dividing by a negative total gain (strong worse than weak) flips the inequality.
  return Math.sign(g.total) * (cum - p * g.total) >= -tolerance(g);
}

// Curves built here, mapped to their columns. Curves are values: editing `points` in place is not
// seen by the metrics (assigning a new `points` array is, and drops the columns).
const columnsByCurve = new WeakMap<Curve, Columns>();

function columnsOf(curve: Curve): Columns {
  const known = columnsByCurve.get(curve);
  if (known !== undefined) return known;
  // A curve from elsewhere (a structured clone, a hand-built one): read its points each time,
  // since nothing stops its owner from editing them between calls.
  const pts = curve.points;
  const len = pts.length;
  const n = curve.n;
  const total = (curve.qStrong - curve.qWeak) * n;
  const c: Columns = {
    totals: { n, qWeak: curve.qWeak, qStrong: curve.qStrong, cWeak: curve.cWeak, cStrong: curve.cStrong },
    threshold: new Float64Array(len),
    share: new Float64Array(len),
    quality: new Float64Array(len),
    cost: new Float64Array(len),
    // Only means are known here; gains are rebuilt from them, with the rounding that implies.
    gains: { cum: new Float64Array(len), total, strongSum: curve.qStrong * n, scale: Math.max(Math.abs(total), curve.qStrong * n, curve.qWeak * n) },
  };
  for (let k = 0; k < len; k++) {
    c.threshold[k] = pts[k].threshold;
    c.share[k] = pts[k].strongShare;
    c.quality[k] = pts[k].quality;
    c.cost[k] = pts[k].cost;
    c.gains.cum[k] = (pts[k].quality - curve.qWeak) * n;
  }
  return c;
}

function pointOf(c: Columns, k: number): CurvePoint {
  const p = makePoint(c.totals, c.threshold[k], c.share[k], c.quality[k], c.cost[k]);
  const g = c.gains;
  // From the sums, so an exact point reads as exact (PGR 1 at all-strong, a gap of exactly 5%).
  if (p.pgr !== null) p.pgr = g.cum[k] / g.total;
  if (p.qualityGap !== null) p.qualityGap = (g.total - g.cum[k]) / g.strongSum;
  return p;
}

/** Whether point k's quality gap is at most `maxGap`, compared in gains so a gap of exactly maxGap qualifies. */
export function gapAtMost(curve: Curve, k: number, maxGap: number): boolean {
  const g = columnsOf(curve).gains;
  return g.total - g.cum[k] <= maxGap * g.strongSum + tolerance(g);
}

function curveFrom(c: Columns): Curve {
  const t = c.totals;
  let points: CurvePoint[] | undefined;
  const curve: Curve = {
    n: t.n,
    qWeak: t.qWeak,
    qStrong: t.qStrong,
    cWeak: t.cWeak,
    cStrong: t.cStrong,
    // An enumerable accessor, so JSON.stringify, spread and deepEqual see an ordinary array.
    get points(): CurvePoint[] {
      if (points === undefined) {
        points = new Array<CurvePoint>(c.share.length);
        for (let k = 0; k < points.length; k++) points[k] = pointOf(c, k);
      }
      return points;
    },
    set points(replacement: CurvePoint[]) {
      columnsByCurve.delete(curve);
      points = replacement;
    },
  };
  columnsByCurve.set(curve, c);
  return curve;
}

export function exactCurve(scores: ArrayLike<number>, o: Outcomes): Curve {
  return buildCurve(scores, o).curve;
}

/** Curve columns for `groups` tie groups, with point 0 (threshold +Infinity: every query to the weak model) filled in. */
function startColumns(n: number, t: { qWeak: number; qStrong: number; cWeak: number; cStrong: number }, groups: number, strongSum: number): Columns {
  const c: Columns = {
    totals: { n, qWeak: t.qWeak, qStrong: t.qStrong, cWeak: t.cWeak, cStrong: t.cStrong },
    threshold: new Float64Array(groups + 1),
    share: new Float64Array(groups + 1),
    quality: new Float64Array(groups + 1),
    cost: new Float64Array(groups + 1),
    gains: { cum: new Float64Array(groups + 1), total: 0, strongSum, scale: 0 },
  };
  c.threshold[0] = Number.POSITIVE_INFINITY;
  c.quality[0] = t.qWeak;
  c.cost[0] = t.cWeak;
  return c;
}

/**
 * The exact curve, and AUC against "strong wins" (q_s - q_w > 0) read off the same walk: the
 * Mann-Whitney U with ties counted 1/2, one tie group at a time, as `auc` computes it. Sorting the
 * two classes again in `auc` took ~200 ms of a 1,000,000-query eval.
 */
function buildCurve(scores: ArrayLike<number>, o: Outcomes): { curve: Curve; auc: number | null } {
  const n = scores.length;
  if (n === 0) throw new RangeError('cannot build a curve from zero queries');
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = scores[i];
    if (Number.isNaN(v)) throw new RangeError(`score at index ${i} is NaN`);
    values[i] = v;
  }
  const t = totals(o, n);
  const few = n >= RADIX_MIN ? fewScoreCurve(values, o, t) : null;
  if (few) return few;
  const { order, sorted } = sortDescending(values);

  // Differences are formed in row order first, side by side, so the walk below reads one cache
  // line per row in score order rather than four scattered columns (the walk's cache misses were
  // most of its time at a million rows).
  const dqc = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    dqc[2 * i] = o.qStrong[i] - o.qWeak[i];
    dqc[2 * i + 1] = o.cStrong[i] - o.cWeak[i];
  }

  let groups = 1;
  for (let k = 1; k < n; k++) if (sorted[k] !== sorted[k - 1]) groups++;
  const c = startColumns(n, t, groups, t.sumQs);
  let at = 1;
  let absDq = 0;
  let cumDq = 0;
  let cumDc = 0;
  let nPos = 0;
  for (let i = 0; i < n; i++) if (dqc[2 * i] > 0) nPos++;
  const nNeg = n - nPos;
  // Walking down the scores, a positive beats every negative not yet reached and ties those in its group.
  let negSeen = 0;
  let groupPos = 0;
  let groupNeg = 0;
  let u = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    const d = dqc[2 * i];
    cumDq += d;
    absDq += Math.abs(d);
    cumDc += dqc[2 * i + 1];
    if (d > 0) groupPos++;
    else groupNeg++;
    const score = sorted[k];
    // A tie group ends where the next score differs; `===` keeps -0 and +0 together, as
    // `score >= t` does.
    if (k + 1 < n && sorted[k + 1] === score) continue;
    u += groupPos * (nNeg - negSeen - groupNeg) + (groupPos * groupNeg) / 2;
    negSeen += groupNeg;
    groupPos = 0;
    groupNeg = 0;
    c.threshold[at] = score;
    c.share[at] = (k + 1) / n;
    c.quality[at] = (t.sumQw + cumDq) / n;
    c.cost[at] = (t.sumCw + cumDc) / n;
    c.gains.cum[at] = cumDq;
    at++;
  }
  c.gains.total = cumDq;
  c.gains.scale = Math.max(absDq, t.sumQs);
  // Pin the all-strong point to Q_s and C_s themselves, so PGR there is exactly 1 rather than
  // 1 plus the rounding of summing differences in another order.
  c.share[groups] = 1;
  c.quality[groups] = t.qStrong;
  c.cost[groups] = t.cStrong;
  return { curve: curveFrom(c), auc: nPos === 0 || nNeg === 0 ? null : u / (nPos * nNeg) };
}

/**
 * buildCurve for scores with few distinct values (the oracle's q_s - q_w, a coarse router): sums
 * per score in one pass, then a walk over the scores, with no sort and no per-row gather. At
 * 1,000,000 rows the general path spent ~150 ms sorting and gathering for a curve of a few points.
 * Null when the scores have more than FEW_DISTINCT values.
 */
function fewScoreCurve(values: Float64Array, o: Outcomes, t: Totals & { sumQw: number; sumQs: number; sumCw: number }): { curve: Curve; auc: number | null } | null {
  const n = values.length;
  // Map keys compare by SameValueZero, so -0 and +0 share a group, as `score >= t` treats them.
  const slot = new Map<number, number>();
  const rows = new Float64Array(FEW_DISTINCT);
  const sumDq = new Float64Array(FEW_DISTINCT);
  const sumDc = new Float64Array(FEW_DISTINCT);
  let absDq = 0;
  const pos = new Float64Array(FEW_DISTINCT);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    let g = slot.get(v);
    if (g === undefined) {
      if (slot.size === FEW_DISTINCT) return null;
      g = slot.size;
      slot.set(v, g);
    }
    const d = o.qStrong[i] - o.qWeak[i];
    rows[g]++;
    sumDq[g] += d;
    absDq += Math.abs(d);
    sumDc[g] += o.cStrong[i] - o.cWeak[i];
    if (d > 0) pos[g]++;
  }
  let nPos = 0;
  for (let g = 0; g < slot.size; g++) nPos += pos[g];
  const nNeg = n - nPos;
  const keys = [...slot.keys()].sort((a, b) => b - a);
  const groups = keys.length;
  const c = startColumns(n, t, groups, t.sumQs);
  let seen = 0;
  let cumDq = 0;
  let cumDc = 0;
  let negSeen = 0;
  let u = 0;
  keys.forEach((key, j) => {
    const g = slot.get(key)!;
    seen += rows[g];
    cumDq += sumDq[g];
    cumDc += sumDc[g];
    const groupNeg = rows[g] - pos[g];
    u += pos[g] * (nNeg - negSeen - groupNeg) + (pos[g] * groupNeg) / 2;
    negSeen += groupNeg;
    c.threshold[j + 1] = key;
    c.share[j + 1] = seen / n;
    c.quality[j + 1] = (t.sumQw + cumDq) / n;
    c.cost[j + 1] = (t.sumCw + cumDc) / n;
    c.gains.cum[j + 1] = cumDq;
  });
  c.gains.total = cumDq;
  c.gains.scale = Math.max(absDq, t.sumQs);
  c.share[groups] = 1;
  c.quality[groups] = t.qStrong;
  c.cost[groups] = t.cStrong;
  return { curve: curveFrom(c), auc: nPos === 0 || nNeg === 0 ? null : u / (nPos * nNeg) };
}

/**
 * Area under PGR(f) over [0,1]. Linear between exact points, because inside a tie group the
 * router is indifferent and the expected PGR over random orders of that group is that line.
 */
export function apgr(curve: Curve): number | null {
  const c = columnsOf(curve);
  const t = c.totals;
  if (t.qStrong === t.qWeak) return null;
  const g = c.gains;
  let area = 0;
  let prev = g.cum[0] / g.total;
  for (let k = 1; k < c.share.length; k++) {
    const cur = g.cum[k] / g.total;
    area += ((c.share[k] - c.share[k - 1]) * (prev + cur)) / 2;
    prev = cur;
  }
  return area;
}

/** Smallest strong share whose PGR >= p, on the piecewise-linear exact curve; null when never reached. */
export function cpt(curve: Curve, p: number): number | null {
  const c = columnsOf(curve);
  if (c.totals.qStrong === c.totals.qWeak) return null;
  const g = c.gains;
  const goal = p * g.total;
  for (let k = 0; k < c.share.length; k++) {
    const cur = g.cum[k];
    if (!reachesPgr(g, cur, p)) continue;
    // A crossing at the point itself (within rounding) is that point's share, not a sliver past it.
    if (k === 0 || Math.abs(cur - goal) <= tolerance(g)) return c.share[k];
    const prev = g.cum[k - 1];
    // prev falls short of the goal and cur passes it by more than the tolerance, so cur != prev.
    return c.share[k - 1] + ((goal - prev) / (cur - prev)) * (c.share[k] - c.share[k - 1]);
  }
  return null;
}

/** The point reached by routing "score >= t": the last point whose threshold >= t. */
export function pointAtThreshold(curve: Curve, t: number): CurvePoint {
  if (Number.isNaN(t)) throw new RangeError('threshold is NaN');
  const c = columnsOf(curve);
  // Thresholds descend along the curve, so "threshold >= t" holds on a prefix; find its end.
  // The first point's threshold is +Infinity, so the prefix is never empty.
  let lo = 0;
  let hi = c.threshold.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (c.threshold[mid] >= t) lo = mid;
    else hi = mid - 1;
  }
  return pointOf(c, lo);
}

/**
 * The expected outcome at strong share f, interpolated linearly between exact points. Its
 * threshold is that of the upper (larger-share) point: the score cut-off that reaches share f,
 * with only part of that point's tie group sent to strong.
 */
export function pointAtShare(curve: Curve, f: number): CurvePoint {
  if (!(f >= 0 && f <= 1)) throw new RangeError(`strong share ${f} is outside [0,1]`);
  const c = columnsOf(curve);
  // First point whose share >= f; the last point has share 1, so one exists.
  let lo = 0;
  let hi = c.share.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (c.share[mid] >= f) hi = mid;
    else lo = mid + 1;
  }
  if (lo === 0 || c.share[lo] === f) return pointOf(c, lo);
  const a = lo - 1;
  const w = (f - c.share[a]) / (c.share[lo] - c.share[a]);
  const point = makePoint(
    c.totals,
    c.threshold[lo],
    f,
    c.quality[a] + w * (c.quality[lo] - c.quality[a]),
    c.cost[a] + w * (c.cost[lo] - c.cost[a]),
  );
  const g = c.gains;
  const cum = g.cum[a] + w * (g.cum[lo] - g.cum[a]);
  if (point.pgr !== null) point.pgr = cum / g.total;
  if (point.qualityGap !== null) point.qualityGap = (g.total - cum) / g.strongSum;
  return point;
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
  const t = totals(o, o.qWeak.length);
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
export function oracle(o: Outcomes): { curve: Curve; apgr: number | null; point: CurvePoint; summary: Omit<ReturnType<typeof summarize>, 'curve'> } {
  const n = o.qWeak.length;
  if (o.qStrong.length !== n) throw new RangeError(`qStrong has ${o.qStrong.length} values, expected ${n}`);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = o.qStrong[i] - o.qWeak[i];
  const { curve, ...summary } = summarize(d, o);
  // Strong exactly where it is strictly better: the last point whose threshold is still > 0
  // (the all-weak point, threshold +Infinity, when strong never wins).
  const c = columnsOf(curve);
  let k = 0;
  while (k + 1 < c.threshold.length && c.threshold[k + 1] > 0) k++;
  return { curve, apgr: summary.apgr, point: pointOf(c, k), summary };
}

function isPositive(v: boolean | number): boolean {
  return typeof v === 'boolean' ? v : v > 0;
}

/**
 * ROC AUC of scores against labels (true, or a number > 0, is positive), ties counted 1/2:
 * the Mann-Whitney U with average ranks, divided by n+ * n-. Null when a class is empty.
 */
export function auc(scores: ArrayLike<number>, positive: ArrayLike<boolean | number>): number | null {
  const n = scores.length;
  if (positive.length !== n) throw new RangeError(`positive has ${positive.length} values, expected ${n}`);
  let nPos = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`score at index ${i} is NaN`);
    if (isPositive(positive[i])) nPos++;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(nNeg);
  let ip = 0;
  let ineg = 0;
  for (let i = 0; i < n; i++) {
    if (isPositive(positive[i])) pos[ip++] = scores[i];
    else neg[ineg++] = scores[i];
  }
  pos.sort();
  neg.sort();
  // Two sorted lists and a merge give, for each positive, the negatives strictly below and tied,
  // which is U without materialising ranks.
  let below = 0;
  let upTo = 0;
  let u = 0;
  for (let i = 0; i < nPos; i++) {
    const s = pos[i];
    while (below < nNeg && neg[below] < s) below++;
    if (upTo < below) upTo = below;
    while (upTo < nNeg && neg[upTo] <= s) upTo++;
    u += below + (upTo - below) / 2;
  }
  return u / (nPos * nNeg);
}

/**
 * RouterBench AIQ: area under the non-decreasing upper convex hull of (cost, quality) points,
 * from the cheapest to the dearest point, divided by that cost range. Past the hull's peak the
 * curve is held flat, since spending more never has to buy less quality. Null when the cost range is 0.
 */
export function aiq(points: { cost: number; quality: number }[]): number | null {
  const cost = new Float64Array(points.length);
  const quality = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) {
    cost[i] = points[i].cost;
    quality[i] = points[i].quality;
  }
  return aiqOf(cost, quality);
}

function aiqOf(cost: Float64Array, quality: Float64Array): number | null {
  const n = cost.length;
  if (n === 0) return null;
  let minCost = Number.POSITIVE_INFINITY;
  let maxCost = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(cost[i]) || Number.isNaN(quality[i])) {
      throw new RangeError(`point at index ${i} has NaN cost or quality`);
    }
    if (cost[i] < minCost) minCost = cost[i];
    if (cost[i] > maxCost) maxCost = cost[i];
  }
  const range = maxCost - minCost;
  if (!(range > 0) || !Number.isFinite(range)) return null;

  // Walk by increasing cost (the radix sort, read backwards: a curve has up to one point per query).
  // A router's curve is usually ascending in cost already (c_s >= c_w on every query); then the sort,
  // ~130 ms at a million points, is skipped.
  let ascending = true;
  for (let i = 1; i < n && ascending; i++) if (cost[i] < cost[i - 1]) ascending = false;
  let order: Int32Array;
  if (ascending) {
    order = new Int32Array(n);
    for (let r = 0; r < n; r++) order[r] = n - 1 - r;
  } else {
    order = sortDescending(cost).order;
  }
  const hull = new Int32Array(n);
  let h = 0;
  for (let r = n - 1; r >= 0; r--) {
    const p = order[r];
    if (h > 0 && cost[hull[h - 1]] === cost[p]) {
      // At equal cost only the best quality can be on the hull.
      if (quality[p] <= quality[hull[h - 1]]) continue;
      h--;
    }
    // Drop the last vertex while it lies on or below the chord from its predecessor to p.
    while (h >= 2) {
      const a = hull[h - 2];
      const b = hull[h - 1];
      const cross = (cost[b] - cost[a]) * (quality[p] - quality[a]) - (quality[b] - quality[a]) * (cost[p] - cost[a]);
      if (cross >= 0) h--;
      else break;
    }
    hull[h++] = p;
  }

  let area = 0;
  let k = 1;
  // The upper hull is concave: it rises, then falls; integrate the rising part only.
  for (; k < h && quality[hull[k]] >= quality[hull[k - 1]]; k++) {
    const a = hull[k - 1];
    const b = hull[k];
    area += ((cost[b] - cost[a]) * (quality[b] + quality[a])) / 2;
  }
  const peak = hull[k - 1];
  area += (maxCost - cost[peak]) * quality[peak];
  return area / range;
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
  const c = columnsOf(curve);
  return {
    curve,
    apgr: apgr(curve),
    cpt20: cpt(curve, 0.2),
    cpt50: cpt(curve, 0.5),
    cpt80: cpt(curve, 0.8),
    auc: rocAuc,
    aiq: aiqOf(c.cost, c.quality),
  };
}

/** Number of points on a curve, without materialising `points` (a million-query curve has a million). */
export function curveLength(curve: Curve): number {
  return columnsOf(curve).share.length;
}

/** Point k of a curve (0: all weak, last: all strong), built alone rather than through `points`. */
export function pointAt(curve: Curve, k: number): CurvePoint {
  const c = columnsOf(curve);
  if (!(k >= 0 && k < c.share.length)) throw new RangeError(`point ${k} is outside the curve (0..${c.share.length - 1})`);
  return pointOf(c, k);
}

/** The curve's columns, read-only, for scans that would otherwise build one object per point. */
export function curveColumns(curve: Curve): Readonly<{ threshold: Float64Array; share: Float64Array; quality: Float64Array; cost: Float64Array }> {
  const c = columnsOf(curve);
  return { threshold: c.threshold, share: c.share, quality: c.quality, cost: c.cost };
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
  const n = scores.length;
  if (n === 0) throw new RangeError('cannot build a curve from zero queries');
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`score at index ${i} is NaN`);
    values[i] = scores[i];
  }
  totals(o, n);
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
    const i = order[k];
    dq[k] = o.qStrong[i] - o.qWeak[i];
    dc[k] = o.cStrong[i] - o.cWeak[i];
    if (groupEnd[k]) groupScore[g++] = sorted[k];
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
  let w = 0;
  let qw = 0;
  let qs = 0;
  let cw = 0;
  let cs = 0;
  for (let i = 0; i < n; i++) {
    const x = weights[i];
    if (x === 0) continue;
    w += x;
    qw += x * o.qWeak[i];
    qs += x * o.qStrong[i];
    cw += x * o.cWeak[i];
    cs += x * o.cStrong[i];
  }
  if (!(w > 0)) throw new RangeError('weights sum to zero');
  const t: Totals = { n, qWeak: qw / w, qStrong: qs / w, cWeak: cw / w, cStrong: cs / w };
  const c: Columns = {
    totals: t,
    threshold: new Float64Array(p.groups + 1),
    share: new Float64Array(p.groups + 1),
    quality: new Float64Array(p.groups + 1),
    cost: new Float64Array(p.groups + 1),
    gains: { cum: new Float64Array(p.groups + 1), total: 0, strongSum: qs, scale: 0 },
  };
  c.threshold[0] = Number.POSITIVE_INFINITY;
  c.quality[0] = t.qWeak;
  c.cost[0] = t.cWeak;
  let at = 1;
  let cumW = 0;
  let cumDq = 0;
  let cumDc = 0;
  let absDq = 0;
  const { order, groupEnd, dq, dc, groupScore } = p;
  for (let k = 0; k < n; k++) {
    const x = weights[order[k]];
    if (x !== 0) {
      cumW += x;
      cumDq += x * dq[k];
      absDq += x * Math.abs(dq[k]);
      cumDc += x * dc[k];
    }
    if (!groupEnd[k]) continue;
    c.threshold[at] = groupScore[at - 1];
    c.share[at] = cumW / w;
    c.quality[at] = (qw + cumDq) / w;
    c.cost[at] = (cw + cumDc) / w;
    c.gains.cum[at] = cumDq;
    at++;
  }
  c.gains.total = cumDq;
  c.gains.scale = Math.max(absDq, qs);
  c.share[p.groups] = 1;
  c.quality[p.groups] = t.qStrong;
  c.cost[p.groups] = t.cStrong;
  return curveFrom(c);
}
