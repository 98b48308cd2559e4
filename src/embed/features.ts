import { z } from 'zod';
import { UserError } from '../errors.js';
import { EmbeddingCache, embedCached } from './cache.js';
import { denseZeros, hstackDense, normalizeRows, type DenseMatrix } from './dense.js';
import { EMBEDDER_HELP, openEmbedder, type Embedder, type EmbedderInfo } from './embedder.js';
import { csrFromDenseMatrix, csrToDenseMatrix, hstackCsr, type Csr } from './sparse.js';
import { Tfidf, TfidfVocabularyError } from './tfidf.js';
import { packedTfidfSchema, packTfidf, unpackTfidf, type PackedTfidf } from './tfidf-pack.js';

// What a router sees of a query: the features of `--embedder`, one block per part of the spec
// (`tfidf`, `use`, `onnx:<folder>`, `openai:<model>`, or several joined by `+`, side by side).
// The TF-IDF part is fitted on the training texts and stored in the router; pretrained parts are
// recorded by identity (key) and re-opened to embed new queries, through the on-disk cache.
// Each block has unit-L2 rows, so no block dominates a combination by scale alone.

export type Features = { kind: 'sparse'; x: Csr } | { kind: 'dense'; x: DenseMatrix };

/** Sparse keeps TF-IDF's ~10^5 columns as CSR (logistic, knn) and dense embeddings dense; dense is for routers that need a matrix (mlp, mf, semantic). */
export type FeatureLayout = 'sparse' | 'dense';

// Dense routers cannot take 10^5 TF-IDF columns (11,000 x 100,000 float32 is 4.4 GB), so in a dense
// layout TF-IDF keeps its most frequent terms only.
export const DENSE_TFIDF_FEATURES = 1024;

export interface FeatureBlock {
  kind: 'sparse' | 'dense';
  spec: string;
  cols: number;
}

type PartState = ({ kind: 'tfidf' } & PackedTfidf) | EmbedderInfo;

export interface FeaturizerState {
  /** The `--embedder` spec, e.g. `tfidf+use`; `none` for routers that look at no features (random). */
  spec: string;
  layout: FeatureLayout;
  parts: PartState[];
}

const embedderInfoSchema = z.object({
  kind: z.enum(['use', 'onnx', 'openai']),
  spec: z.string(),
  key: z.string(),
  dimension: z.number().int().positive().nullable(),
  config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

export const featurizerStateSchema = z.object({
  spec: z.string(),
  layout: z.enum(['sparse', 'dense']),
  parts: z.array(z.union([packedTfidfSchema.extend({ kind: z.literal('tfidf') }), embedderInfoSchema])),
});

export interface FeatureContext {
  /** Folder of the embedding cache; null embeds every text afresh. */
  cacheDir: string | null;
  env: NodeJS.ProcessEnv;
  onProgress?: (what: string, done: number, total: number) => void;
}

type Part = { kind: 'tfidf'; model: Tfidf } | { kind: 'pretrained'; info: EmbedderInfo; embedder: Embedder | null };

export function parseSpec(spec: string): string[] {
  const parts = spec.split('+').map((s) => s.trim());
  if (spec === 'none') return [];
  if (parts.some((p) => p === '')) throw new UserError(`--embedder "${spec}": empty part (known: ${EMBEDDER_HELP})`);
  if (new Set(parts).size !== parts.length) throw new UserError(`--embedder "${spec}" names the same embedder twice`);
  if (parts.includes('none')) throw new UserError(`--embedder "${spec}": "none" cannot be combined`);
  return parts;
}

function sameKind(a: string, b: string): boolean {
  const kind = (s: string) => (s.includes(':') ? s.slice(0, s.indexOf(':')) : s);
  return kind(a) === kind(b);
}

export class Featurizer {
  private constructor(
    readonly spec: string,
    readonly layout: FeatureLayout,
    private readonly parts: Part[],
    private readonly ctx: FeatureContext,
  ) {}

  /** Fits the TF-IDF part (if any) on `texts` and returns their features. */
  static async fit(spec: string, texts: string[], layout: FeatureLayout, ctx: FeatureContext): Promise<{ featurizer: Featurizer; x: Features }> {
    const names = parseSpec(spec);
    const parts: Part[] = [];
    const blocks: Features[] = [];
    for (const name of names) {
      if (name === 'tfidf') {
        let fitted: ReturnType<typeof Tfidf.fitTransform>;
        try {
          fitted = Tfidf.fitTransform(texts, layout === 'dense' ? { maxFeatures: DENSE_TFIDF_FEATURES } : {});
        } catch (err) {
          if (err instanceof TfidfVocabularyError) throw new UserError(`--embedder tfidf: ${err.message}`);
          throw err;
        }
        // Score with the stored (float32 idf) form from the start, so training, eval and route agree exactly.
        parts.push({ kind: 'tfidf', model: unpackTfidf(packTfidf(fitted.model)) });
        blocks.push({ kind: 'sparse', x: fitted.x });
      } else {
        const embedder = await openEmbedder(name, { env: ctx.env });
        const x = await embedWith(embedder, texts, ctx);
        parts.push({ kind: 'pretrained', info: embedder.info(x.cols), embedder });
        blocks.push({ kind: 'dense', x });
      }
    }
    return { featurizer: new Featurizer(spec, layout, parts, ctx), x: combine(blocks, layout, texts.length) };
  }

  /**
   * Rebuilds a stored featurizer. `requested` is an `--embedder` the user named at routing time: it
   * must be the kind the router was trained with; a pretrained part may point elsewhere (a moved
   * ONNX folder) as long as it gives the same vectors (same key).
   */
  static load(raw: unknown, ctx: FeatureContext, requested?: string): Featurizer {
    const parsed = featurizerStateSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UserError(`invalid router artifact: embedder.${issue.path.join('.')}: ${issue.message}`);
    }
    const s = parsed.data;
    const wanted = requested === undefined ? null : parseSpec(requested);
    const stored = parseSpec(s.spec);
    if (wanted && (wanted.length !== stored.length || wanted.some((w, i) => !sameKind(w, stored[i]!)))) {
      throw new UserError(`the router was trained with embedder ${s.spec}, not ${requested}; route with --embedder ${s.spec} or retrain`);
    }
    const parts: Part[] = s.parts.map((p, i): Part => {
      if (p.kind === 'tfidf') {
        try {
          return { kind: 'tfidf', model: unpackTfidf(p) };
        } catch (err) {
          if (err instanceof RangeError || err instanceof Error) throw new UserError(`invalid router artifact: embedder.parts.${i}: ${err.message}`);
          throw err;
        }
      }
      const spec = wanted?.[i] ?? p.spec;
      return { kind: 'pretrained', info: { ...p, spec }, embedder: null };
    });
    return new Featurizer(s.spec, s.layout, parts, ctx);
  }

  state(): FeaturizerState {
    return {
      spec: this.spec,
      layout: this.layout,
      parts: this.parts.map((p) => (p.kind === 'tfidf' ? { kind: 'tfidf' as const, ...packTfidf(p.model) } : p.info)),
    };
  }

  /** Each part's columns in the combined features, in order: what an ensemble splits them back into. */
  blocks(): FeatureBlock[] {
    return this.parts.map((p) =>
      p.kind === 'tfidf' ? { kind: 'sparse' as const, spec: 'tfidf', cols: p.model.dimension } : { kind: 'dense' as const, spec: p.info.spec, cols: p.info.dimension ?? 0 },
    );
  }

  /** One line for reports: `tfidf (101,234 terms) + use (512-d)`. */
  describe(): string {
    if (this.parts.length === 0) return 'none';
    return this.parts
      .map((p) => (p.kind === 'tfidf' ? `tfidf (${p.model.dimension.toLocaleString('en-US')} terms)` : `${p.info.spec} (${p.info.dimension ?? '?'}-d)`))
      .join(' + ');
  }

  async transform(texts: string[]): Promise<Features> {
    const blocks: Features[] = [];
    for (const p of this.parts) {
      if (p.kind === 'tfidf') {
        blocks.push({ kind: 'sparse', x: p.model.transform(texts) });
        continue;
      }
      if (!p.embedder) {
        const embedder = await openEmbedder(p.info.spec, { env: this.ctx.env });
        if (embedder.key !== p.info.key) {
          throw new UserError(
            `embedder ${p.info.spec} gives different vectors from the one the router was trained with (model identity ${embedder.key}, trained with ${p.info.key}); retrain the router or point --embedder at the original model`,
          );
        }
        p.embedder = embedder;
      }
      const x = await embedWith(p.embedder, texts, this.ctx);
      if (p.info.dimension !== null && x.cols !== p.info.dimension) {
        throw new UserError(`embedder ${p.info.spec} returned ${x.cols}-dimensional vectors; the router was trained on ${p.info.dimension}`);
      }
      blocks.push({ kind: 'dense', x });
    }
    return combine(blocks, this.layout, texts.length);
  }
}

async function embedWith(embedder: Embedder, texts: string[], ctx: FeatureContext): Promise<DenseMatrix> {
  const cache = ctx.cacheDir === null ? null : new EmbeddingCache(ctx.cacheDir, embedder.key);
  const { matrix } = await embedCached(embedder, texts, cache, ctx.onProgress && ((d, t) => ctx.onProgress!(embedder.spec, d, t)), embedder.spec);
  return normalizeRows(matrix);
}

function toDense(f: Features): DenseMatrix {
  return f.kind === 'dense' ? f.x : csrToDenseMatrix(f.x);
}

function combine(blocks: Features[], layout: FeatureLayout, rows: number): Features {
  if (blocks.length === 0) return { kind: 'dense', x: denseZeros(rows, 0) };
  if (layout === 'dense') return { kind: 'dense', x: blocks.length === 1 ? toDense(blocks[0]!) : hstackDense(blocks.map(toDense)) };
  // A sparse layout keeps dense blocks dense unless they sit beside TF-IDF: CSR of a dense matrix only costs.
  if (blocks.every((b) => b.kind === 'dense')) return { kind: 'dense', x: blocks.length === 1 ? blocks[0]!.x as DenseMatrix : hstackDense(blocks.map(toDense)) };
  const sparse = blocks.map((b) => (b.kind === 'sparse' ? b.x : csrFromDenseMatrix(b.x)));
  return { kind: 'sparse', x: sparse.length === 1 ? sparse[0]! : hstackCsr(sparse) };
}
