import type { EmbedSource } from './cache.js';

// The interface every pretrained embedder implements (use, onnx:<folder>, openai:<model>). Apart
// from the factory in embedder.ts, so the implementations depend on this file only, not on the
// factory that imports them.

export type EmbedderKind = 'use' | 'onnx' | 'openai';

/** What a router artifact records about its pretrained embedder. */
export interface EmbedderInfo {
  kind: EmbedderKind;
  /** As the user wrote it: `use`, `onnx:models/minilm`, `openai:text-embedding-3-small`. */
  spec: string;
  /** Identity of the vectors (model bytes hash, model name and endpoint); the same key gives the same vectors. */
  key: string;
  /** Vector length, known once something was embedded. */
  dimension: number | null;
  /** Kind-specific settings worth recording (max tokens, pooling, endpoint host). */
  config: Record<string, string | number | boolean | null>;
}

export interface Embedder extends EmbedSource {
  readonly kind: EmbedderKind;
  readonly spec: string;
  readonly key: string;
  info(dimension: number | null): EmbedderInfo;
}

export interface EmbedderOptions {
  env: NodeJS.ProcessEnv;
}

