import { msg, option, UserError } from '../errors.js';
import { EmbeddingCache, embedCached } from './cache.js';
import { normalizeRows, type DenseMatrix } from './dense.js';
import type { Embedder, EmbedderInfo } from './embedder-types.js';
import type { FeatureContext, FeaturePart, FittedPart } from './feature-types.js';

// A pretrained embedder as a feature part: recorded in the router by identity (key), re-opened on
// the first texts to embed after a load, and always read through the on-disk embedding cache.

async function embedWith(embedder: Embedder, texts: string[], ctx: FeatureContext): Promise<DenseMatrix> {
  const cache = ctx.cacheDir === null ? null : new EmbeddingCache(ctx.cacheDir, embedder.key);
  const progress = ctx.onProgress;
  const { matrix } = await embedCached(embedder, texts, cache, progress && ((d, t) => progress(embedder.spec, d, t)), embedder.spec);
  return normalizeRows(matrix);
}

function pretrainedPart(info: EmbedderInfo, open: () => Promise<Embedder>, ctx: FeatureContext, opened: Embedder | null): FeaturePart {
  let embedder = opened;
  return {
    state: () => info,
    block: () => ({ kind: 'dense', spec: info.spec, cols: info.dimension ?? 0 }),
    describe: () => `${info.spec} (${info.dimension ?? '?'}-d)`,
    async transform(texts) {
      if (!embedder) {
        const e = await open();
        if (e.key !== info.key) {
          throw new UserError(
            msg`embedder ${info.spec} gives different vectors from the one the router was trained with (model identity ${e.key}, trained with ${info.key}); retrain the router or point ${option('embedder')} at the original model`,
          );
        }
        embedder = e;
      }
      const x = await embedWith(embedder, texts, ctx);
      if (info.dimension !== null && x.cols !== info.dimension) {
        throw new UserError(`embedder ${info.spec} returned ${x.cols}-dimensional vectors; the router was trained on ${info.dimension}`);
      }
      return { kind: 'dense', x };
    },
  };
}

export async function fitPretrainedPart(embedder: Embedder, texts: string[], ctx: FeatureContext, open: () => Promise<Embedder>): Promise<FittedPart> {
  const x = await embedWith(embedder, texts, ctx);
  return { part: pretrainedPart(embedder.info(x.cols), open, ctx, embedder), x: { kind: 'dense', x } };
}

/** `spec` may differ from the stored one (a moved ONNX folder); the key proves the vectors are the same. */
export function restorePretrainedPart(info: EmbedderInfo, spec: string, open: () => Promise<Embedder>, ctx: FeatureContext): FeaturePart {
  return pretrainedPart({ ...info, spec }, open, ctx, null);
}
