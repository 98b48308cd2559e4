import { z } from 'zod';
import { packedFloatsSchema as packed, packFloats, unpackFloats } from '../artifacts/arrays.js';
import type { DenseMatrix } from '../embed/dense.js';
import type { Features } from '../embed/features.js';
import { nnz, type Csr } from '../embed/sparse.js';
import { invalidState } from './options.js';

// The nearest-neighbour search behind the knn routers (two-model knn.ts, N-model multi-knn.ts):
// training rows as neighbours, and similarity-weighted votes of the k most similar ones, for
// several k from one similarity pass. Rows are unit-norm (TF-IDF and every embedder), so the dot
// product is the cosine similarity.
//
// The similarity loops are hand-written: tfjs's matMul measured 0.54 GFLOP/s on the 2-core dev VM
// (3,000 x 512 x 11,000 in 63 s) against 1.26 GFLOP/s for the 4-way unrolled dot below, and tfjs has
// no sparse product for TF-IDF rows; importing tfjs would also cost ~0.5 s per `router route`.
// Sparse neighbours are searched through per-term postings: a query visits only the neighbours that
// share a term with it (on MMLU a full pass over every stored value was ~20x more work).

/** The k a knn router tunes over; the default first (used when there are no rows to tune on). */
export const K_GRID = [30, 10, 100];

export type Neighbours = { kind: 'sparse'; x: Csr } | { kind: 'dense'; x: DenseMatrix };


/** The neighbours' fields of a knn router's state. */
export const neighboursShape = {
  rows: z.number().int().nonnegative(),
  cols: z.number().int().nonnegative(),
  // Sparse neighbours keep CSR; integers are stored in float32, exact below 2^24 (checked on write).
  sparse: z.object({ indptr: packed, indices: packed, values: packed }).nullable(),
  dense: packed.nullable(),
};
type NeighboursState = z.infer<z.ZodObject<typeof neighboursShape>>;

/** The training rows as neighbours; sparse values rounded to float32 as the state stores them, so a loaded router scores as the fitted one. */
export function neighboursOf(x: Features): Neighbours {
  return x.kind === 'sparse' ? { kind: 'sparse', x: { ...x.x, values: Float64Array.from(Float32Array.from(x.x.values)) } } : { kind: 'dense', x: x.x };
}

function exactInts(a: Int32Array, router: string): Float32Array {
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]!) >= 2 ** 24) throw new RangeError(`${router} state: index too large for float32 storage`);
  return Float32Array.from(a);
}

export function packNeighbours(nb: Neighbours, router: string): NeighboursState {
  return {
    rows: nb.x.rows,
    cols: nb.x.cols,
    sparse: nb.kind === 'sparse' ? { indptr: packFloats(exactInts(nb.x.indptr, router)), indices: packFloats(exactInts(nb.x.indices, router)), values: packFloats(nb.x.values) } : null,
    dense: nb.kind === 'dense' ? packFloats(nb.x.data) : null,
  };
}

/** Reverses packNeighbours on a parsed state; inconsistent arrays are an invalid artifact. */
export function unpackNeighbours(s: NeighboursState): Neighbours {
  if (s.sparse) {
    const indptr = Int32Array.from(unpackFloats(s.sparse.indptr));
    const indices = Int32Array.from(unpackFloats(s.sparse.indices));
    const values = Float64Array.from(unpackFloats(s.sparse.values));
    if (indptr.length !== s.rows + 1 || indices.length !== values.length || indptr[s.rows] !== values.length) throw invalidState({ path: 'sparse', message: 'inconsistent CSR arrays' });
    return { kind: 'sparse', x: { rows: s.rows, cols: s.cols, indptr, indices, values } };
  }
  if (s.dense) {
    const data = unpackFloats(s.dense);
    if (data.length !== s.rows * s.cols) throw invalidState({ path: 'dense', message: 'wrong length' });
    return { kind: 'dense', x: { rows: s.rows, cols: s.cols, data } };
  }
  throw invalidState({ path: 'dense', message: 'no neighbours stored' });
}

/** CSC form of the sparse neighbours (postings per term), built once: a query only visits neighbours sharing a term. */
interface Postings {
  colPtr: Int32Array;
  rows: Int32Array;
  values: Float64Array;
}

function postings(x: Csr): Postings {
  const colPtr = new Int32Array(x.cols + 1);
  const total = nnz(x);
  for (let k = 0; k < total; k++) colPtr[x.indices[k]! + 1]!++;
  for (let c = 0; c < x.cols; c++) colPtr[c + 1]! += colPtr[c]!;
  const at = colPtr.slice(0, x.cols);
  const rows = new Int32Array(total);
  const values = new Float64Array(total);
  for (let r = 0; r < x.rows; r++) {
    for (let k = x.indptr[r]!; k < x.indptr[r + 1]!; k++) {
      const p = at[x.indices[k]!]!++;
      rows[p] = r;
      values[p] = x.values[k]!;
    }
  }
  return { colPtr, rows, values };
}

/** Similarities of one query row to every neighbour, into `out`. */
function similarities(nb: Neighbours, index: Postings | null, query: Features, r: number, out: Float64Array, router: string): void {
  if (nb.kind === 'dense' && query.kind === 'dense') {
    const { rows, cols, data } = nb.x;
    const q = query.x.data;
    const qa = r * cols;
    for (let j = 0; j < rows; j++) {
      const b = j * cols;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k + 4 <= cols; k += 4) {
        s0 += q[qa + k]! * data[b + k]!;
        s1 += q[qa + k + 1]! * data[b + k + 1]!;
        s2 += q[qa + k + 2]! * data[b + k + 2]!;
        s3 += q[qa + k + 3]! * data[b + k + 3]!;
      }
      for (; k < cols; k++) s0 += q[qa + k]! * data[b + k]!;
      out[j] = s0 + s1 + s2 + s3;
    }
    return;
  }
  if (nb.kind === 'sparse' && query.kind === 'sparse' && index) {
    out.fill(0);
    const qx = query.x;
    for (let k = qx.indptr[r]!; k < qx.indptr[r + 1]!; k++) {
      const c = qx.indices[k]!;
      const w = qx.values[k]!;
      for (let p = index.colPtr[c]!; p < index.colPtr[c + 1]!; p++) out[index.rows[p]!]! += w * index.values[p]!;
    }
    return;
  }
  throw new RangeError(`${router}: query features and stored neighbours differ in layout`);
}

/** Indices of the m largest values of `sims`, largest first (ties: lower index first). */
function topIndices(sims: Float64Array, m: number, heap: Int32Array): Int32Array {
  const n = sims.length;
  let size = 0;
  // A min-heap on (similarity, then higher index): its root is the weakest of the current top m.
  const less = (a: number, b: number) => sims[a]! < sims[b]! || (sims[a] === sims[b] && a > b);
  for (let j = 0; j < n; j++) {
    if (size < m) {
      let i = size++;
      heap[i] = j;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!less(heap[i]!, heap[p]!)) break;
        [heap[i], heap[p]] = [heap[p]!, heap[i]!];
        i = p;
      }
    } else if (less(heap[0]!, j)) {
      heap[0] = j;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const rr = l + 1;
        let t = i;
        if (l < size && less(heap[l]!, heap[t]!)) t = l;
        if (rr < size && less(heap[rr]!, heap[t]!)) t = rr;
        if (t === i) break;
        [heap[i], heap[t]] = [heap[t]!, heap[i]!];
        i = t;
      }
    }
  }
  return heap.slice(0, size).sort((a, b) => (less(a, b) ? 1 : less(b, a) ? -1 : 0));
}

/** Training rows to search, with their postings built on the first sparse search. */
export class NeighbourSearch {
  private index: Postings | null = null;
  constructor(
    readonly nb: Neighbours,
    private readonly router: string,
  ) {}

  /**
   * Similarity-weighted votes of the k nearest neighbours for several k and several label sets at
   * once: one similarity pass and one top-k selection per query. Each label set `labels[l]` (one
   * value per neighbour) is shrunk toward `priors[l]` by one pseudo-neighbour of weight 1, so a
   * query with no similar neighbour gets the prior. Negative similarities weigh nothing.
   * `exclude(r)` names a neighbour query r may not use (itself, for leave-one-out scores of training rows).
   * Returns out[i][l][r]: the vote of label set l on query row r with k = ks[i].
   */
  votes(x: Features, ks: number[], labels: ArrayLike<number>[], priors: number[], exclude?: (r: number) => number): Float64Array[][] {
    const n = this.nb.x.rows;
    if (x.x.cols !== this.nb.x.cols) throw new RangeError(`${this.router} router has ${this.nb.x.cols}-column neighbours, features have ${x.x.cols}`);
    if (this.nb.kind === 'sparse') this.index ??= postings(this.nb.x);
    const m = Math.min(Math.max(...ks), n);
    const sims = new Float64Array(n);
    const heap = new Int32Array(m);
    const outs = ks.map(() => labels.map(() => new Float64Array(x.x.rows)));
    const order = ks.map((k, i) => ({ k: Math.min(k, n), i })).sort((a, b) => a.k - b.k);
    const num = new Float64Array(labels.length);
    for (let r = 0; r < x.x.rows; r++) {
      similarities(this.nb, this.index, x, r, sims, this.router);
      if (exclude) sims[exclude(r)] = -Infinity;
      const top = topIndices(sims, m, heap);
      num.set(priors);
      let den = 1;
      let taken = 0;
      for (const { k, i } of order) {
        for (; taken < k; taken++) {
          const j = top[taken]!;
          const w = Math.max(sims[j]!, 0);
          for (let l = 0; l < labels.length; l++) num[l]! += w * labels[l]![j]!;
          den += w;
        }
        for (let l = 0; l < labels.length; l++) outs[i]![l]![r] = num[l]! / den;
      }
    }
    return outs;
  }
}
