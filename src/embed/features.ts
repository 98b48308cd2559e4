import { z } from 'zod';
import { msg, option, UserError } from '../errors.js';
import { denseZeros, hstackDense, type DenseMatrix } from './dense.js';
import { EMBEDDER_HELP, fitPart, restorePart } from './embedder.js';
import type { FeatureBlock, FeatureContext, FeatureLayout, FeaturePart, Features, PartState } from './feature-types.js';
import { csrFromDenseMatrix, csrToDenseMatrix, hstackCsr } from './sparse.js';
import { packedTfidfSchema } from './tfidf-pack.js';

export type { FeatureBlock, FeatureContext, FeatureLayout, Features } from './feature-types.js';
export { DENSE_TFIDF_FEATURES } from './tfidf-part.js';

// What a router sees of a query: the features of `--embedder`, one block per part of the spec
// (`tfidf`, `use`, `onnx:<folder>`, `openai:<model>`, or several joined by `+`, side by side), each
// part from the registry in embedder.ts. Each block has unit-L2 rows, so no block dominates a
// combination by scale alone.

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

export function parseSpec(spec: string): string[] {
  const parts = spec.split('+').map((s) => s.trim());
  if (spec === 'none') return [];
  if (parts.some((p) => p === '')) throw new UserError(msg`${option('embedder')} "${spec}": empty part (known: ${EMBEDDER_HELP})`);
  if (new Set(parts).size !== parts.length) throw new UserError(msg`${option('embedder')} "${spec}" names the same embedder twice`);
  if (parts.includes('none')) throw new UserError(msg`${option('embedder')} "${spec}": "none" cannot be combined`);
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
    private readonly parts: FeaturePart[],
  ) {}

  /** Fits or opens each part on `texts` and returns their features. */
  static async fit(spec: string, texts: string[], layout: FeatureLayout, ctx: FeatureContext): Promise<{ featurizer: Featurizer; x: Features }> {
    const parts: FeaturePart[] = [];
    const blocks: Features[] = [];
    for (const name of parseSpec(spec)) {
      const fitted = await fitPart(name, texts, layout, ctx);
      parts.push(fitted.part);
      blocks.push(fitted.x);
    }
    return { featurizer: new Featurizer(spec, layout, parts), x: combine(blocks, layout, texts.length) };
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
      throw new UserError(msg`the router was trained with embedder ${s.spec}, not ${requested}; route with ${option('embedder')} ${s.spec} or retrain`);
    }
    const parts = s.parts.map((p, i) => restorePart(p, wanted?.[i] ?? ('spec' in p ? p.spec : 'tfidf'), ctx, `embedder.parts.${i}`));
    return new Featurizer(s.spec, s.layout, parts);
  }

  state(): FeaturizerState {
    return { spec: this.spec, layout: this.layout, parts: this.parts.map((p) => p.state()) };
  }

  /** Each part's columns in the combined features, in order: what an ensemble splits them back into. */
  blocks(): FeatureBlock[] {
    return this.parts.map((p) => p.block());
  }

  /** One line for reports: `tfidf (101,234 terms) + use (512-d)`. */
  describe(): string {
    return this.parts.length === 0 ? 'none' : this.parts.map((p) => p.describe()).join(' + ');
  }

  async transform(texts: string[]): Promise<Features> {
    const blocks: Features[] = [];
    for (const p of this.parts) blocks.push(await p.transform(texts));
    return combine(blocks, this.layout, texts.length);
  }
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
