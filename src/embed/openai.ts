import { UserError } from '../errors.js';
import { redact } from '../providers/api-error.js';
import { resolveConnection } from '../providers/resolve.js';
import { denseZeros, type DenseMatrix } from './dense.js';
import type { Embedder } from './embedder-types.js';

// `openai:<model>`: any OpenAI-compatible embeddings endpoint (OpenAI, Ollama, vLLM, TEI, LM Studio).
// Key and base URL are resolved as for `router label` (OPENAI_API_KEY, OPENAI_BASE_URL); the key is
// never part of the cache key, the artifact or an error message. The SDK is imported on the first batch.

// OpenAI accepts up to 2,048 inputs per call; local servers are happier with fewer, and a failed
// batch costs less to redo.
const BATCH = 128;

interface RawItem {
  index?: unknown;
  embedding?: unknown;
}

/** Vectors arrive as base64 float32 (what we ask for) or as JSON numbers (servers that ignore encoding_format). */
function decode(v: unknown): Float32Array | null {
  if (typeof v === 'string') {
    const buf = Buffer.from(v, 'base64');
    if (buf.byteLength % 4 !== 0) return null;
    const out = new Float32Array(buf.byteLength / 4);
    for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(4 * i);
    return out;
  }
  if (Array.isArray(v)) return Float32Array.from(v, (x) => (typeof x === 'number' ? x : NaN));
  return null;
}

export function openaiEmbedder(spec: string, model: string, env: NodeJS.ProcessEnv): Embedder {
  const { baseURL, endpoint, key } = resolveConnection({ id: `openai:${model}`, provider: 'openai', option: 'embedder', config: null, env });
  const cacheKey = `openai-${endpoint}-${model}`;

  type Client = { embeddings: { create(body: { model: string; input: string[]; encoding_format: 'base64' }): Promise<{ data?: RawItem[] }> } };
  let client: Promise<Client> | undefined;
  const connect = async (): Promise<Client> => {
    const { default: OpenAI } = await import('openai');
    // Local servers usually take no key, but the SDK insists on one; a server that checks answers 401.
    return new OpenAI({ apiKey: key ?? 'none', baseURL, maxRetries: 2 }) as unknown as Client;
  };

  return {
    kind: 'openai',
    spec,
    key: cacheKey,
    batchSize: BATCH,
    async embedBatch(texts: string[]): Promise<DenseMatrix> {
      client ??= connect();
      const c = await client;
      let res: { data?: RawItem[] };
      try {
        res = await c.embeddings.create({ model, input: texts, encoding_format: 'base64' });
      } catch (err) {
        const e = err as Error & { status?: number };
        const what = e.status !== undefined ? `answered ${e.status}: ${e.message}` : `failed: ${e.message}`;
        throw new UserError(redact(`embedder ${spec}: ${endpoint} ${what}`));
      }
      const items = Array.isArray(res.data) ? [...res.data] : null;
      if (!items || items.length !== texts.length) {
        throw new UserError(`embedder ${spec}: ${endpoint} returned ${items?.length ?? 'no'} embeddings for ${texts.length} texts`);
      }
      items.sort((a, b) => Number(a.index ?? 0) - Number(b.index ?? 0));
      const vectors = items.map((it) => decode(it.embedding));
      const dim = vectors[0]?.length ?? 0;
      if (vectors.some((v) => v === null || v.length !== dim) || dim === 0) {
        throw new UserError(`embedder ${spec}: ${endpoint} returned malformed or unequal-length embeddings`);
      }
      const m = denseZeros(texts.length, dim);
      vectors.forEach((v, i) => m.data.set(v!, i * dim));
      return m;
    },
    info(dimension) {
      return { kind: 'openai', spec, key: cacheKey, dimension, config: { endpoint, model } };
    },
  };
}
