import { z } from 'zod';
import { packFloats, unpackFloats } from '../artifacts/arrays.js';
import type { DenseMatrix } from '../embed/dense.js';
import type { Features } from '../embed/features.js';
import { nnz, type Csr } from '../embed/sparse.js';
import { invalidState, objectiveSchema, optionsOf, targetOf, type Objective } from './options.js';
import type { Head, HeadData, RouterType } from './router.js';

// Similarity-weighted nearest neighbours: a query's score is the similarity-weighted share of its
// k most similar training queries on which the strong model was better, shrunk toward the base
// rate by one pseudo-neighbour (so a query with no similar neighbour gets the base rate).
// Rows are unit-norm (TF-IDF and every embedder), so the dot product is the cosine similarity.
//
// The similarity loops are hand-written: tfjs's matMul measured 0.54 GFLOP/s on the 2-core dev VM
// (3,000 x 512 x 11,000 in 63 s) against 1.26 GFLOP/s for the 4-way unrolled dot below, and tfjs has
// no sparse product for TF-IDF rows; importing tfjs would also cost ~0.5 s per `router route`.
// Sparse neighbours are searched through per-term postings: a query visits only the neighbours that
// share a term with it (on MMLU a full pass over every stored value was ~20x more work).
// k is tuned by the engine like any option; `tune` scores every k of the grid from one similarity
// pass (every k reads the same sorted top list).

// The default first (used when there are no rows to tune on).
const K_GRID = [30, 10, 100];

const optionsSchema = z.object({ k: z.union([z.number().int().positive(), z.literal('auto')]).default('auto'), objective: objectiveSchema });

/** `--k` and `--objective`, validated. */
export type KnnOptions = z.infer<typeof optionsSchema>;
/** One fit's options: a k of the grid. */
export type KnnCandidate = { k: number; objective: Objective };

const packed = z.object({ dtype: z.literal('float32'), length: z.number().int().nonnegative(), base64: z.string() });
const stateSchema = z.object({
  k: z.number().int().positive(),
  prior: z.number().min(0).max(1),
  labels: packed,
  rows: z.number().int().nonnegative(),
  cols: z.number().int().nonnegative(),
  // Sparse neighbours keep CSR; integers are stored in float32, exact below 2^24 (checked on write).
  sparse: z.object({ indptr: packed, indices: packed, values: packed }).nullable(),
  dense: packed.nullable(),
});

type Neighbours = { kind: 'sparse'; x: Csr } | { kind: 'dense'; x: DenseMatrix };

function exactInts(a: Int32Array): Float32Array {
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]!) >= 2 ** 24) throw new RangeError('knn state: index too large for float32 storage');
  return Float32Array.from(a);
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
function similarities(nb: Neighbours, index: Postings | null, query: Features, r: number, out: Float64Array): void {
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
  throw new RangeError('knn: query features and stored neighbours differ in layout');
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

export class KnnHead implements Head {
  private index: Postings | null = null;
  constructor(
    private readonly nb: Neighbours,
    private readonly labels: Float32Array,
    readonly k: number,
    private readonly prior: number,
  ) {}

  /** The same neighbours with another k. */
  withK(k: number): KnnHead {
    return new KnnHead(this.nb, this.labels, k, this.prior);
  }

  /**
   * Scores for several k at once: one similarity pass and one top-k selection per query.
   * `exclude(r)` names a neighbour query r may not use (itself, for leave-one-out scores of training rows).
   */
  scoreFor(x: Features, ks: number[], exclude?: (r: number) => number): Float64Array[] {
    const n = this.labels.length;
    if (x.x.cols !== this.nb.x.cols) throw new RangeError(`knn router has ${this.nb.x.cols}-column neighbours, features have ${x.x.cols}`);
    if (this.nb.kind === 'sparse') this.index ??= postings(this.nb.x);
    const m = Math.min(Math.max(...ks), n);
    const sims = new Float64Array(n);
    const heap = new Int32Array(m);
    const outs = ks.map(() => new Float64Array(x.x.rows));
    for (let r = 0; r < x.x.rows; r++) {
      similarities(this.nb, this.index, x, r, sims);
      if (exclude) sims[exclude(r)] = -Infinity;
      const top = topIndices(sims, m, heap);
      let num = this.prior;
      let den = 1;
      let taken = 0;
      const order = ks.map((k, i) => ({ k: Math.min(k, n), i })).sort((a, b) => a.k - b.k);
      for (const { k, i } of order) {
        for (; taken < k; taken++) {
          const j = top[taken]!;
          const w = Math.max(sims[j]!, 0);
          num += w * this.labels[j]!;
          den += w;
        }
        outs[i]![r] = num / den;
      }
    }
    return outs;
  }

  score(x: Features): Float64Array {
    return this.scoreFor(x, [this.k])[0]!;
  }

  state(): z.infer<typeof stateSchema> {
    const nb = this.nb;
    return {
      k: this.k,
      prior: this.prior,
      labels: packFloats(this.labels),
      rows: nb.x.rows,
      cols: nb.x.cols,
      sparse: nb.kind === 'sparse' ? { indptr: packFloats(exactInts(nb.x.indptr)), indices: packFloats(exactInts(nb.x.indices)), values: packFloats(nb.x.values) } : null,
      dense: nb.kind === 'dense' ? packFloats(nb.x.data) : null,
    };
  }
}

/** The neighbours of the training rows, their votes (0/1 labels, or the pair's soft outcome under pairwise) and the base rate. */
function fitNeighbours(train: HeadData, objective: Objective, k: number): KnnHead {
  const labels = Float32Array.from(targetOf(train, objective));
  let pos = 0;
  for (const l of labels) pos += l;
  const nb: Neighbours =
    train.x.kind === 'sparse'
      ? { kind: 'sparse', x: { ...train.x.x, values: Float64Array.from(Float32Array.from(train.x.x.values)) } }
      : { kind: 'dense', x: train.x.x };
  return new KnnHead(nb, labels, k, Math.fround(pos / Math.max(1, labels.length)));
}

/** One head per candidate, sharing the neighbours (candidates differ in k only; one objective per grid). */
export function knnHeads(train: HeadData, grid: KnnCandidate[]): KnnHead[] {
  const objectives = new Set(grid.map((c) => c.objective));
  if (objectives.size !== 1) throw new RangeError('knn: a grid has one objective');
  const first = fitNeighbours(train, grid[0]!.objective, grid[0]!.k);
  return grid.map((c, i) => (i === 0 ? first : first.withK(c.k)));
}

export const knnRouter: RouterType<KnnOptions, KnnCandidate> = {
  description: 'similarity-weighted k nearest training queries; k chosen on validation data (--k to fix it)',
  layout: 'sparse',
  needsLabels: true,
  options: (raw) => optionsOf(optionsSchema, raw, 'knn'),
  grid({ k, objective }) {
    return (k === 'auto' ? K_GRID : [k]).map((v) => ({ k: v, objective }));
  },
  tune({ train, validation }, grid) {
    // One similarity pass over the validation rows scores every k.
    const heads = knnHeads(train, grid);
    return heads[0]!.scoreFor(validation.x, grid.map((c) => c.k)).map((scores) => ({ scores }));
  },
  train({ train }, candidate): Head {
    return knnHeads(train, [candidate])[0]!;
  },
  load(raw) {
    const p = stateSchema.safeParse(raw);
    if (!p.success) throw invalidState(p.error);
    const s = p.data;
    const labels = unpackFloats(s.labels);
    let nb: Neighbours;
    if (s.sparse) {
      const indptr = Int32Array.from(unpackFloats(s.sparse.indptr));
      const indices = Int32Array.from(unpackFloats(s.sparse.indices));
      const values = Float64Array.from(unpackFloats(s.sparse.values));
      if (indptr.length !== s.rows + 1 || indices.length !== values.length || indptr[s.rows] !== values.length) throw invalidState({ path: 'sparse', message: 'inconsistent CSR arrays' });
      nb = { kind: 'sparse', x: { rows: s.rows, cols: s.cols, indptr, indices, values } };
    } else if (s.dense) {
      const data = unpackFloats(s.dense);
      if (data.length !== s.rows * s.cols) throw invalidState({ path: 'dense', message: 'wrong length' });
      nb = { kind: 'dense', x: { rows: s.rows, cols: s.cols, data } };
    } else throw invalidState({ path: 'dense', message: 'no neighbours stored' });
    if (labels.length !== s.rows) throw invalidState({ path: 'labels', message: 'wrong length' });
    return new KnnHead(nb, labels, s.k, s.prior);
  },
};
