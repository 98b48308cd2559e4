import { msg, option, UserError } from '../errors.js';
import type { FeatureLayout, FeaturePart, FittedPart, PartState } from './feature-types.js';
import { Tfidf, TfidfVocabularyError } from './tfidf.js';
import { packTfidf, unpackTfidf, type PackedTfidf } from './tfidf-pack.js';

// `tfidf`: the one part fitted on the training texts rather than opened, and stored whole in the router.

// Dense routers cannot take 10^5 TF-IDF columns (11,000 x 100,000 float32 is 4.4 GB), so in a dense
// layout TF-IDF keeps its most frequent terms only.
export const DENSE_TFIDF_FEATURES = 1024;

function tfidfPart(model: Tfidf): FeaturePart {
  return {
    state: (): PartState => ({ kind: 'tfidf', ...packTfidf(model) }),
    block: () => ({ kind: 'sparse', spec: 'tfidf', cols: model.dimension }),
    describe: () => `tfidf (${model.dimension.toLocaleString('en-US')} terms)`,
    transform: async (texts) => ({ kind: 'sparse', x: model.transform(texts) }),
  };
}

export function fitTfidfPart(texts: string[], layout: FeatureLayout): FittedPart {
  let fitted: ReturnType<typeof Tfidf.fitTransform>;
  try {
    fitted = Tfidf.fitTransform(texts, layout === 'dense' ? { maxFeatures: DENSE_TFIDF_FEATURES } : {});
  } catch (err) {
    if (err instanceof TfidfVocabularyError) throw new UserError(msg`${option('embedder')} tfidf: ${err.message}`);
    throw err;
  }
  // Score with the stored (float32 idf) form from the start, so training, eval and route agree exactly.
  return { part: tfidfPart(unpackTfidf(packTfidf(fitted.model))), x: { kind: 'sparse', x: fitted.x } };
}

/** `where` names the part in the artifact, for the error when the stored form does not unpack. */
export function restoreTfidfPart(state: PackedTfidf, where: string): FeaturePart {
  try {
    return tfidfPart(unpackTfidf(state));
  } catch (err) {
    if (err instanceof Error) throw new UserError(`invalid router artifact: ${where}: ${err.message}`);
    throw err;
  }
}
