import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { makeFolder } from '../artifacts/atomic-write.js';
import { fileSystemError, msg, option, UserError } from '../errors.js';
import { denseZeros, firstNonFinite, row, type DenseMatrix } from './dense.js';

// On-disk embedding cache: one append-only file per embedder identity (its `key`), holding fixed-size
// records [sha256(text): 32 bytes][dim x float32 LE]. Pretrained embedders are slow here (the USE
// model runs ~12 MMLU prompts/s), so a second run over the same texts must not embed them again.
// Why binary records, not a JSON file per text: 14,000 MMLU vectors are 29 MB read in one call,
// where 14,000 small JSON files took seconds to open. A crash can leave a partial last record,
// which the reader ignores; each batch is one write() on an O_APPEND descriptor, so two processes
// appending at once interleave whole batches, never bytes (at worst a text is stored twice).

const HASH_BYTES = 32;
const FILE_PATTERN = /^(.+)\.d(\d+)\.f32$/;

export function textHash(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** File-name-safe form of an embedder key. */
function safeName(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export class EmbeddingCache {
  private entries: Map<string, Float32Array> | null = null;
  private dim: number | null = null;

  constructor(
    /** Folder of the cache files (e.g. .router-cache/embeddings). */
    readonly dir: string,
    readonly key: string,
  ) {}

  private fileFor(dim: number): string {
    return join(this.dir, `${safeName(this.key)}.d${dim}.f32`);
  }

  private load(): Map<string, Float32Array> {
    if (this.entries) return this.entries;
    this.entries = new Map();
    if (!existsSync(this.dir)) return this.entries;
    const stem = safeName(this.key);
    let files: string[];
    try {
      files = readdirSync(this.dir);
    } catch (err) {
      const e = fileSystemError(err, this.dir, 'read');
      throw e instanceof UserError ? new UserError(msg`embedding cache: ${e.text}; fix it or run with ${option('noCache')}`, e.where) : e;
    }
    for (const f of files) {
      const m = FILE_PATTERN.exec(f);
      if (!m || m[1] !== stem) continue;
      const dim = Number(m[2]);
      this.dim = dim;
      const buf = readFileSync(join(this.dir, f));
      const size = HASH_BYTES + 4 * dim;
      const records = Math.floor(buf.byteLength / size);
      // One aligned copy of the whole file, so each vector is a view rather than its own allocation.
      const floats = new Float32Array(records * dim);
      for (let r = 0; r < records; r++) {
        const at = r * size;
        const key = buf.toString('hex', at, at + HASH_BYTES);
        const vec = floats.subarray(r * dim, (r + 1) * dim);
        for (let k = 0; k < dim; k++) vec[k] = buf.readFloatLE(at + HASH_BYTES + 4 * k);
        this.entries.set(key, vec);
      }
    }
    return this.entries;
  }

  get size(): number {
    return this.load().size;
  }

  get(hash: Buffer): Float32Array | undefined {
    return this.load().get(hash.toString('hex'));
  }

  /** Stores rows of `vectors` under the given text hashes, in one appended write. */
  put(hashes: Buffer[], vectors: DenseMatrix): void {
    if (hashes.length === 0) return;
    const entries = this.load();
    const dim = vectors.cols;
    if (this.dim !== null && this.dim !== dim) {
      throw new Error(`embedding cache ${this.key} holds ${this.dim}-dimensional vectors, got ${dim}`);
    }
    this.dim = dim;
    const size = HASH_BYTES + 4 * dim;
    const buf = Buffer.alloc(size * hashes.length);
    hashes.forEach((h, i) => {
      h.copy(buf, i * size);
      const v = row(vectors, i);
      for (let k = 0; k < dim; k++) buf.writeFloatLE(v[k]!, i * size + HASH_BYTES + 4 * k);
      entries.set(h.toString('hex'), Float32Array.from(v));
    });
    const file = this.fileFor(dim);
    try {
      makeFolder(this.dir);
      const fd = openSync(file, 'a');
      try {
        // A write cut short (a kill, a full disk) leaves a partial record; pad it to a whole one, or
        // every record appended after it would be read out of step and lost. The padded record's
        // hash is partly zeros and never matches a text.
        const tail = fstatSync(fd).size % size;
        const out = tail === 0 ? buf : Buffer.concat([Buffer.alloc(size - tail), buf]);
        for (let off = 0; off < out.length; ) off += writeSync(fd, out, off, out.length - off);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      const e = fileSystemError(err, file);
      if (e instanceof UserError) throw new UserError(msg`embedding cache: ${e.text}; fix it or run with ${option('noCache')}`, e.where);
      throw e;
    }
  }
}

export interface EmbedSource {
  /** Largest number of texts per call. */
  readonly batchSize: number;
  embedBatch(texts: string[]): Promise<DenseMatrix>;
}

export interface EmbedStats {
  texts: number;
  /** Distinct texts found in the cache. */
  cached: number;
  /** Distinct texts embedded by this call. */
  embedded: number;
  seconds: number;
}

/**
 * Embeds `texts` in batches through `cache` (null: no cache): each distinct text is looked up by
 * hash, the missing ones are embedded and stored batch by batch, so an interrupted run keeps its work.
 */
export async function embedCached(
  source: EmbedSource,
  texts: string[],
  cache: EmbeddingCache | null,
  onProgress?: (done: number, total: number) => void,
  /** Names the embedder in errors. */
  label = 'embedder',
): Promise<{ matrix: DenseMatrix; stats: EmbedStats }> {
  const started = performance.now();
  const hashes = texts.map(textHash);
  const distinct = new Map<string, number>(); // hex -> index of its first text
  const vectors: (Float32Array | undefined)[] = new Array(texts.length);
  let cached = 0;
  const missing: number[] = [];
  hashes.forEach((h, i) => {
    const hex = h.toString('hex');
    if (distinct.has(hex)) return;
    distinct.set(hex, i);
    const hit = cache?.get(h);
    if (hit) {
      vectors[i] = hit;
      cached++;
    } else missing.push(i);
  });
  let done = 0;
  onProgress?.(0, missing.length);
  for (let b = 0; b < missing.length; b += source.batchSize) {
    const ids = missing.slice(b, b + source.batchSize);
    const m = await source.embedBatch(ids.map((i) => texts[i]!));
    if (m.rows !== ids.length) throw new UserError(`embedder ${label} returned ${m.rows} vectors for ${ids.length} texts`);
    const bad = firstNonFinite(m.data);
    if (bad >= 0) {
      // Checked before caching, so a model that once produced NaN does not poison later runs.
      const text = texts[ids[Math.floor(bad / m.cols)]!]!;
      throw new UserError(`embedder ${label} returned ${m.data[bad]} in the features of text ${ids[Math.floor(bad / m.cols)]! + 1} ("${snippet(text)}")`);
    }
    ids.forEach((id, j) => (vectors[id] = Float32Array.from(row(m, j))));
    cache?.put(
      ids.map((i) => hashes[i]!),
      m,
    );
    done += ids.length;
    onProgress?.(done, missing.length);
    // A local model (USE on tfjs, ONNX) resolves its promise without leaving the microtask queue,
    // so without this the spinner's timer, a Ctrl-C handler and a resize never run until every
    // batch is done (the display once sat at 0/1,821 for 12 minutes).
    await new Promise((resolve) => setImmediate(resolve));
  }
  const dim = vectors.find((v) => v !== undefined)?.length ?? 0;
  const matrix = denseZeros(texts.length, dim);
  hashes.forEach((h, i) => {
    const v = vectors[i] ?? vectors[distinct.get(h.toString('hex'))!]!;
    if (v.length !== dim) throw new Error(`embedding cache ${cache?.key} mixes ${v.length}- and ${dim}-dimensional vectors`);
    matrix.data.set(v, i * dim);
  });
  return { matrix, stats: { texts: texts.length, cached, embedded: missing.length, seconds: (performance.now() - started) / 1000 } };
}

function snippet(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 40 ? one.slice(0, 37) + '...' : one;
}
