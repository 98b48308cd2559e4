// Compressed sparse row matrices. TF-IDF over 1-2 grams has ~10^5 columns and a few hundred
// non-zeros per row, so everything that touches it (featurizer, solver, routers) shares this
// layout instead of densifying.

import { denseZeros, type DenseMatrix } from './dense.js';

export interface Csr {
  rows: number;
  cols: number;
  /** Length rows + 1; row r occupies [indptr[r], indptr[r + 1]) of indices/values. */
  indptr: Int32Array;
  /** Column of each stored value, strictly increasing within a row. */
  indices: Int32Array;
  values: Float64Array;
}

export function nnz(x: Csr): number {
  return x.indptr[x.rows]!;
}

/** Builds a CSR matrix from a dense row-major array of rows; zeros are not stored. Meant for tests and small inputs. */
export function csrFromDense(rows: ArrayLike<number>[], cols?: number): Csr {
  const width = cols ?? (rows[0]?.length ?? 0);
  const indptr = new Int32Array(rows.length + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (const [r, row] of rows.entries()) {
    if (row.length !== width) throw new RangeError(`row ${r} has ${row.length} columns, expected ${width}`);
    for (let c = 0; c < width; c++) {
      const v = row[c]!;
      if (v !== 0) {
        idx.push(c);
        val.push(v);
      }
    }
    indptr[r + 1] = idx.length;
  }
  return { rows: rows.length, cols: width, indptr, indices: Int32Array.from(idx), values: Float64Array.from(val) };
}

export function csrToDense(x: Csr): Float64Array[] {
  const out: Float64Array[] = [];
  for (let r = 0; r < x.rows; r++) {
    const row = new Float64Array(x.cols);
    for (let k = x.indptr[r]!; k < x.indptr[r + 1]!; k++) row[x.indices[k]!] = x.values[k]!;
    out.push(row);
  }
  return out;
}

/** x as a dense float32 matrix (for a dense block that was carried in a sparse layout). */
export function csrToDenseMatrix(x: Csr): DenseMatrix {
  const m = denseZeros(x.rows, x.cols);
  for (let r = 0; r < x.rows; r++) for (let k = x.indptr[r]!; k < x.indptr[r + 1]!; k++) m.data[r * x.cols + x.indices[k]!] = x.values[k]!;
  return m;
}

/** The sub-matrix made of the given rows, in the given order (used for cross-validation folds). */
export function selectRows(x: Csr, rowIds: ArrayLike<number>): Csr {
  let total = 0;
  for (let i = 0; i < rowIds.length; i++) {
    const r = rowIds[i]!;
    if (!(r >= 0 && r < x.rows)) throw new RangeError(`row ${r} out of range 0..${x.rows - 1}`);
    total += x.indptr[r + 1]! - x.indptr[r]!;
  }
  const indptr = new Int32Array(rowIds.length + 1);
  const indices = new Int32Array(total);
  const values = new Float64Array(total);
  let at = 0;
  for (let i = 0; i < rowIds.length; i++) {
    const r = rowIds[i]!;
    const start = x.indptr[r]!;
    const end = x.indptr[r + 1]!;
    indices.set(x.indices.subarray(start, end), at);
    values.set(x.values.subarray(start, end), at);
    at += end - start;
    indptr[i + 1] = at;
  }
  return { rows: rowIds.length, cols: x.cols, indptr, indices, values };
}

/** out[r] = x[r, :] . w + bias */
export function multiplyVector(x: Csr, w: ArrayLike<number>, bias = 0, out?: Float64Array): Float64Array {
  if (w.length !== x.cols) throw new RangeError(`vector has length ${w.length}, matrix has ${x.cols} columns`);
  const res = out ?? new Float64Array(x.rows);
  const { indptr, indices, values } = x;
  for (let r = 0; r < x.rows; r++) {
    let s = bias;
    for (let k = indptr[r]!; k < indptr[r + 1]!; k++) s += values[k]! * w[indices[k]!]!;
    res[r] = s;
  }
  return res;
}

/** out = x^T v (out is overwritten). */
export function multiplyTransposeVector(x: Csr, v: ArrayLike<number>, out?: Float64Array): Float64Array {
  if (v.length !== x.rows) throw new RangeError(`vector has length ${v.length}, matrix has ${x.rows} rows`);
  const res = out ?? new Float64Array(x.cols);
  res.fill(0);
  const { indptr, indices, values } = x;
  for (let r = 0; r < x.rows; r++) {
    const vr = v[r]!;
    if (vr === 0) continue;
    for (let k = indptr[r]!; k < indptr[r + 1]!; k++) res[indices[k]!]! += values[k]! * vr;
  }
  return res;
}

/** A dense row-major matrix as CSR (zeros are not stored), so dense embeddings can use the sparse solver. */
export function csrFromDenseMatrix(m: { rows: number; cols: number; data: ArrayLike<number> }): Csr {
  let total = 0;
  for (let i = 0; i < m.rows * m.cols; i++) if (m.data[i] !== 0) total++;
  const indptr = new Int32Array(m.rows + 1);
  const indices = new Int32Array(total);
  const values = new Float64Array(total);
  let at = 0;
  for (let r = 0; r < m.rows; r++) {
    const base = r * m.cols;
    for (let c = 0; c < m.cols; c++) {
      const v = m.data[base + c]!;
      if (v !== 0) {
        indices[at] = c;
        values[at++] = v;
      }
    }
    indptr[r + 1] = at;
  }
  return { rows: m.rows, cols: m.cols, indptr, indices, values };
}

/** Columns of `parts` side by side (every part has the same rows), still CSR. */
export function hstackCsr(parts: Csr[]): Csr {
  const rows = parts[0]?.rows ?? 0;
  let cols = 0;
  let total = 0;
  for (const p of parts) {
    if (p.rows !== rows) throw new RangeError(`cannot stack ${p.rows} rows beside ${rows}`);
    cols += p.cols;
    total += nnz(p);
  }
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(total);
  const values = new Float64Array(total);
  let at = 0;
  for (let r = 0; r < rows; r++) {
    let offset = 0;
    for (const p of parts) {
      for (let k = p.indptr[r]!; k < p.indptr[r + 1]!; k++) {
        indices[at] = p.indices[k]! + offset;
        values[at++] = p.values[k]!;
      }
      offset += p.cols;
    }
    indptr[r + 1] = at;
  }
  return { rows, cols, indptr, indices, values };
}

/** Columns [from, to) of x, renumbered from 0 (a block of side-by-side features). */
export function sliceColumns(x: Csr, from: number, to: number): Csr {
  if (!(from >= 0 && from <= to && to <= x.cols)) throw new RangeError(`columns ${from}..${to} out of range 0..${x.cols}`);
  const indptr = new Int32Array(x.rows + 1);
  let total = 0;
  for (let r = 0; r < x.rows; r++) {
    for (let k = x.indptr[r]!; k < x.indptr[r + 1]!; k++) {
      const c = x.indices[k]!;
      if (c >= from && c < to) total++;
    }
    indptr[r + 1] = total;
  }
  const indices = new Int32Array(total);
  const values = new Float64Array(total);
  let at = 0;
  for (let r = 0; r < x.rows; r++) {
    for (let k = x.indptr[r]!; k < x.indptr[r + 1]!; k++) {
      const c = x.indices[k]!;
      if (c >= from && c < to) {
        indices[at] = c - from;
        values[at++] = x.values[k]!;
      }
    }
  }
  return { rows: x.rows, cols: to - from, indptr, indices, values };
}
