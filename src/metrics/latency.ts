// Latency of the routed mix: each query takes the latency of the model(s) that answer it, and we
// report the median and 95th percentile over queries. Percentiles interpolate linearly between
// order statistics (numpy's default), so p50 of an even count is the mean of the middle two.

/**
 * The k-th smallest value (0-based) of `a`, which it partially reorders. Quickselect, because a
 * sweep asks for two percentiles at each table row and sorting a million latencies each time
 * took ~90 ms a row, against a few ms for this.
 */
function select(a: Float64Array, k: number, from = 0, to = a.length - 1): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    // Median of three as the pivot keeps sorted and constant inputs linear.
    const mid = (lo + hi) >>> 1;
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      // The pivot is a value of a[lo..hi], so both scans stop inside it.
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** Smallest value in a[from..to]. */
function minOf(a: Float64Array, from: number, to: number): number {
  let m = a[from]!;
  for (let i = from + 1; i <= to; i++) if (a[i]! < m) m = a[i]!;
  return m;
}

/** Percentiles p in [0,1] (ascending) of `values`, which is reordered in place. */
export function percentilesInPlace(values: Float64Array, ps: number[]): number[] {
  const n = values.length;
  if (n === 0) throw new RangeError('percentile of no values');
  const out = new Array<number>(ps.length);
  // Descending p: each selection leaves every smaller value to the left, so the next one searches less.
  let to = n - 1;
  for (let j = ps.length - 1; j >= 0; j--) {
    const p = ps[j]!;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile ${p} is outside [0,1]`);
    const pos = p * (n - 1);
    const k = Math.floor(pos);
    const frac = pos - k;
    const lower = select(values, k, 0, to);
    out[j] = frac === 0 || k + 1 >= n ? lower : lower + frac * (minOf(values, k + 1, n - 1) - lower);
    to = k;
  }
  return out;
}

/** Per-query latencies of both models, and how a routed query combines them. */
export interface LatencyColumns {
  weak: Float64Array;
  strong: Float64Array;
  /** Cascade: an escalated query waits for the weak answer, then the strong one. */
  sequential: boolean;
}

// Offset of the high 32-bit word of a float64 inside a Uint32Array view.
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
// Buckets keyed by the top 16 bits of a non-negative double (exponent and 4 mantissa bits):
// bucket order is value order. 65,536 counters (256 KB) stay in cache while a million rows are
// counted; 2^20 of them (4 MB) made each count a cache miss and the pass 3x slower.
const KEY_SHIFT = 16;
const BUCKETS = 1 << (32 - KEY_SHIFT);

/**
 * A query's latency when it stays weak and when it goes strong, with the bucket key of each,
 * computed once per sweep so each table row's percentiles cost two sequential passes.
 */
export interface PreparedLatency {
  weak: Float64Array;
  strong: Float64Array;
  /** 16-bit keys: half the memory traffic of 32-bit ones in the two passes per table row. */
  weakKey: Uint16Array;
  strongKey: Uint16Array;
  /** False when some latency is negative or not finite: then percentiles use quickselect. */
  bucketed: boolean;
  hist: Uint32Array;
  /** Rows grouped by the bucket of their weak (strong) latency: bucket b holds rows[start[b]..start[b+1]). */
  weakRows: Int32Array;
  weakStart: Int32Array;
  strongRows: Int32Array;
  strongStart: Int32Array;
  /** Scratch: 1 where the current percentile query sends the row to strong. */
  strongRow: Uint8Array;
  mix: Float64Array;
}

/** Rows grouped by key (a counting sort), so one bucket's rows are read without a pass over all rows. */
function groupByKey(keys: Uint16Array): { rows: Int32Array; start: Int32Array } {
  const start = new Int32Array(BUCKETS + 1);
  for (let i = 0; i < keys.length; i++) start[keys[i]! + 1]!++;
  for (let b = 0; b < BUCKETS; b++) start[b + 1]! += start[b]!;
  const at = start.slice(0, BUCKETS);
  const rows = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) rows[at[keys[i]!]!++] = i;
  return { rows, start };
}

/**
 * The latency columns of a set of test rows, prepared for mixLatency. Every strategy of one eval
 * shares them: the caller prepares them once and passes them along (Strategy.latency).
 */
export function prepareLatency(l: LatencyColumns): PreparedLatency {
  const n = l.weak.length;
  const weak = Float64Array.from(l.weak);
  const strong = l.sequential ? Float64Array.from(l.weak, (w, i) => w + l.strong[i]!) : Float64Array.from(l.strong);
  const weakKey = new Uint16Array(n);
  const strongKey = new Uint16Array(n);
  const wb = new Uint32Array(weak.buffer);
  const sb = new Uint32Array(strong.buffer);
  let bucketed = true;
  for (let i = 0; i < n; i++) {
    const wi = weak[i]!;
    const si = strong[i]!;
    if (!(wi >= 0 && si >= 0 && wi < Infinity && si < Infinity)) bucketed = false;
    weakKey[i] = wb[2 * i + HI]! >>> KEY_SHIFT;
    strongKey[i] = sb[2 * i + HI]! >>> KEY_SHIFT;
  }
  const w = bucketed ? groupByKey(weakKey) : { rows: new Int32Array(0), start: new Int32Array(0) };
  const st = bucketed ? groupByKey(strongKey) : { rows: new Int32Array(0), start: new Int32Array(0) };
  return {
    weak,
    strong,
    weakKey,
    strongKey,
    bucketed,
    hist: new Uint32Array(bucketed ? BUCKETS : 0),
    weakRows: w.rows,
    weakStart: w.start,
    strongRows: st.rows,
    strongStart: st.start,
    strongRow: new Uint8Array(bucketed ? n : 0),
    mix: new Float64Array(bucketed ? 0 : n),
  };
}

/**
 * Percentiles of the mix by radix selection: one pass counts the mix's values per bucket, the
 * counts locate each wanted order statistic's bucket, the rows of those few buckets (grouped in
 * advance) are gathered, and quickselect finishes inside them. Exact, like percentilesInPlace; at
 * 1,000,000 queries quickselect took ~30 ms a table row, 12 rows a sweep, against one sequential
 * pass here.
 */
function bucketPercentiles(scores: Float64Array, threshold: number, p: PreparedLatency, ps: number[]): number[] {
  const n = scores.length;
  const { hist, weakKey, strongKey } = p;
  hist.fill(0);
  // Which rows go strong, one byte each: the gathers below test it per row of a bucket, and 1 MB
  // stays in cache where re-reading the 8 MB of scores did not.
  const strongRow = p.strongRow;
  for (let i = 0; i < n; i++) {
    const s = scores[i]! >= threshold;
    strongRow[i] = s ? 1 : 0;
    hist[s ? strongKey[i]! : weakKey[i]!]!++;
  }
  const ranks: number[] = [];
  for (const q of ps) {
    const pos = q * (n - 1);
    const k = Math.floor(pos);
    ranks.push(k);
    if (pos > k && k + 1 < n) ranks.push(k + 1);
  }
  const wanted = [...new Set(ranks)].sort((a, b) => a - b);
  const where = new Map<number, { bucket: number; within: number }>();
  let before = 0;
  let w = 0;
  for (let b = 0; b < BUCKETS && w < wanted.length; b++) {
    const c = hist[b]!;
    while (w < wanted.length && wanted[w]! < before + c) {
      where.set(wanted[w]!, { bucket: b, within: wanted[w]! - before });
      w++;
    }
    before += c;
  }
  // The mix's values in bucket b: rows staying weak whose weak latency falls there, and rows going
  // strong whose strong latency does.
  const gathered = new Map<number, Float64Array>();
  const bucketValues = (b: number): Float64Array => {
    const known = gathered.get(b);
    if (known) return known;
    const out = new Float64Array(hist[b]!);
    let m = 0;
    for (let j = p.weakStart[b]!; j < p.weakStart[b + 1]!; j++) {
      const r = p.weakRows[j]!;
      if (strongRow[r] === 0) out[m++] = p.weak[r]!;
    }
    for (let j = p.strongStart[b]!; j < p.strongStart[b + 1]!; j++) {
      const r = p.strongRows[j]!;
      if (strongRow[r] === 1) out[m++] = p.strong[r]!;
    }
    gathered.set(b, out);
    return out;
  };
  const valueAt = (rank: number) => {
    const at = where.get(rank)!;
    return select(bucketValues(at.bucket), at.within);
  };
  return ps.map((q) => {
    const pos = q * (n - 1);
    const k = Math.floor(pos);
    const lower = valueAt(k);
    return pos === k || k + 1 >= n ? lower : lower + (pos - k) * (valueAt(k + 1) - lower);
  });
}

/** Median and 95th-percentile latency of a routed mix, in ms. */
export interface MixLatency {
  p50: number;
  p95: number;
}

/** p50 and p95 latency of the mix where query i goes to strong iff scores[i] >= threshold. */
export function mixLatency(scores: Float64Array, threshold: number, l: LatencyColumns | PreparedLatency): MixLatency {
  const p = 'bucketed' in l ? l : prepareLatency(l);
  const n = scores.length;
  if (n === 0) throw new RangeError('percentile of no values');
  let p50: number;
  let p95: number;
  if (p.bucketed) [p50, p95] = bucketPercentiles(scores, threshold, p, [0.5, 0.95]) as [number, number];
  else {
    for (let i = 0; i < n; i++) p.mix[i] = scores[i]! >= threshold ? p.strong[i]! : p.weak[i]!;
    [p50, p95] = percentilesInPlace(p.mix, [0.5, 0.95]) as [number, number];
  }
  return { p50, p95 };
}
