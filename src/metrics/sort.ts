// Sorting scores largest first, for the exact curve (metrics/curve.ts) and AIQ's hull (metrics/summary.ts).

// Offsets of the high and low 32-bit words of a float64 inside a Uint32Array view.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = 1 - HI;

// Below this size the 64K-bucket histograms of the radix sort cost more than a comparator sort.
export const RADIX_MIN = 4096;

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
    idx.sort((a, b) => values[b]! - values[a]!);
    for (let k = 0; k < n; k++) sorted[k] = values[idx[k]!]!;
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
    const h = bits[2 * i + HI]!;
    const l = bits[2 * i + LO]!;
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
    const l = lo[i]!;
    const h = hi[i]!;
    hist[l & 0xffff]!++;
    hist[65536 + (l >>> 16)]!++;
    hist[131072 + (h & 0xffff)]!++;
    hist[196608 + (h >>> 16)]!++;
  }

  let idx2 = new Int32Array(n);
  let hi2 = new Uint32Array(n);
  let lo2 = new Uint32Array(n);
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * 65536;
    const shift = pass & 1 ? 16 : 0;
    const key = pass >= 2 ? hi : lo;
    if (hist[base + ((key[0]! >>> shift) & 0xffff)] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = hist[base + d]!;
      hist[base + d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const at = hist[base + ((key[i]! >>> shift) & 0xffff)]!++;
      idx2[at] = idx[i]!;
      hi2[at] = hi[i]!;
      lo2[at] = lo[i]!;
    }
    [idx, idx2] = [idx2, idx];
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
  }

  // Decoding the sorted keys reads sequentially, where values[idx[k]] would miss the cache per row.
  const out = new Uint32Array(sorted.buffer);
  for (let k = 0; k < n; k++) {
    const h = hi[k]!;
    const l = lo[k]!;
    if (h >>> 31) {
      out[2 * k + HI] = h;
      out[2 * k + LO] = l;
    } else {
      out[2 * k + HI] = h ^ 0x7fffffff;
      out[2 * k + LO] = ~l;
    }
  }
  return { order: idx, sorted };
}

// Up to this many distinct values, a counting sort beats the radix sort.
export const FEW_DISTINCT = 256;

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
    const v = values[i]!;
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
    const v = values[i]!;
    const k = start.get(v)!;
    start.set(v, k + 1);
    idx[k] = i;
    sorted[k] = v;
  }
  return { order: idx, sorted };
}
