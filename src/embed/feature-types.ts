import type { DenseMatrix } from './dense.js';
import type { EmbedderInfo } from './embedder-types.js';
import type { Csr } from './sparse.js';
import type { PackedTfidf } from './tfidf-pack.js';

// What every part of an `--embedder` spec (`tfidf`, `use`, `onnx:<folder>`, `openai:<model>`)
// is to the featurizer that joins them: fitted or opened from the registry (embedder.ts), stored
// in the router artifact, restored from it, and asked for the features of new texts.

export type Features = { kind: 'sparse'; x: Csr } | { kind: 'dense'; x: DenseMatrix };

/** Sparse keeps TF-IDF's ~10^5 columns as CSR (logistic, knn) and dense embeddings dense; dense is for routers that need a matrix (mlp, mf, semantic). */
export type FeatureLayout = 'sparse' | 'dense';

export interface FeatureBlock {
  kind: 'sparse' | 'dense';
  spec: string;
  cols: number;
}

export interface FeatureContext {
  /** Folder of the embedding cache; null embeds every text afresh. */
  cacheDir: string | null;
  env: NodeJS.ProcessEnv;
  onProgress?: (what: string, done: number, total: number) => void;
}

/** A part as a router artifact stores it: a fitted TF-IDF whole, a pretrained embedder by identity. */
export type PartState = ({ kind: 'tfidf' } & PackedTfidf) | EmbedderInfo;

export interface FeaturePart {
  state(): PartState;
  block(): FeatureBlock;
  /** For reports: `tfidf (101,234 terms)`, `use (512-d)`. */
  describe(): string;
  transform(texts: string[]): Promise<Features>;
}

export interface FittedPart {
  part: FeaturePart;
  /** The training texts' features, from the same stored form that later scores new texts. */
  x: Features;
}
