import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { msg, option, UserError } from '../errors.js';
import { importOptional } from '../optional-package.js';
import { denseZeros, normalizeRows, type DenseMatrix } from './dense.js';
import type { Embedder } from './embedder-types.js';

// `onnx:<folder>`: a sentence-transformers model exported to ONNX (BERT, MiniLM, MPNet, E5...), run
// with onnxruntime-node and tokenized with @huggingface/tokenizers from the folder's tokenizer.json.
// The sentence embedding is the attention-masked mean of the token embeddings, L2-normalised, as
// sentence-transformers computes it; a model whose output is already pooled (2-D) is used as is.
// `token_type_ids` is fed only when the model declares that input (DistilBERT-style models do not).

const BATCH = 32;
const DEFAULT_MAX_TOKENS = 512;
const INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'];

interface Encoding {
  ids: number[];
  token_type_ids?: number[];
}

interface TokenizerLike {
  encode(text: string, options?: { add_special_tokens?: boolean; return_token_type_ids?: boolean }): Encoding;
  token_to_id(token: string): number | undefined;
}

interface OrtTensor {
  readonly dims: readonly number[];
  readonly data: unknown;
}

interface Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, unknown>, options?: { logSeverityLevel?: number }): Promise<Record<string, OrtTensor>>;
}

interface Loaded {
  session: Session;
  tokenizer: TokenizerLike;
  output: string;
  useTypeIds: boolean;
  Tensor: new (type: 'int64', data: BigInt64Array, dims: number[]) => unknown;
}

function readJson(path: string): Record<string, unknown> | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`malformed JSON (${(err as Error).message})`, { file: path });
  }
}

/**
 * Longest token sequence the model takes: tokenizer.json's truncation, else sentence-transformers' or
 * the tokenizer config's limit, else 512; never more than the model's position embeddings (config.json).
 */
function maxTokens(tokenizer: Record<string, unknown>, folder: string): number {
  const positions = readJson(join(folder, 'config.json'))?.max_position_embeddings;
  const limit = declaredLimit(tokenizer, folder);
  return typeof positions === 'number' && positions > 0 ? Math.min(limit, positions) : limit;
}

function declaredLimit(tokenizer: Record<string, unknown>, folder: string): number {
  const truncation = tokenizer.truncation as { max_length?: unknown } | null | undefined;
  if (truncation && typeof truncation.max_length === 'number') return truncation.max_length;
  const sbert = readJson(join(folder, 'sentence_bert_config.json'));
  if (sbert && typeof sbert.max_seq_length === 'number') return sbert.max_seq_length;
  const config = readJson(join(folder, 'tokenizer_config.json'));
  const declared = config?.model_max_length;
  // Tokenizer configs without a limit say 1e30; that is "unknown", not a limit.
  if (typeof declared === 'number' && declared > 0 && declared < 1e6) return declared;
  return DEFAULT_MAX_TOKENS;
}

export function onnxEmbedder(spec: string, folder: string): Embedder {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UserError(msg`no such folder (${option('embedder')} ${spec})`, { file: folder });
  const modelPath = [join(folder, 'model.onnx'), join(folder, 'onnx', 'model.onnx')].find((p) => existsSync(p));
  if (!modelPath) throw new UserError(msg`no model.onnx in this folder or its onnx/ subfolder (${option('embedder')} ${spec})`, { file: folder });
  const tokenizerPath = join(folder, 'tokenizer.json');
  const tokenizerJson = readJson(tokenizerPath);
  if (!tokenizerJson) throw new UserError(msg`no tokenizer.json in this folder (${option('embedder')} ${spec})`, { file: folder });
  const limit = maxTokens(tokenizerJson, folder);
  const modelBytes = readFileSync(modelPath);
  // The vectors depend on the weights, the tokenizer and the truncation length, and on nothing else here.
  const key = `onnx-${createHash('sha256').update(modelBytes).update('\0').update(readFileSync(tokenizerPath)).update(`\0${limit}`).digest('hex').slice(0, 32)}`;

  let loaded: Promise<Loaded> | undefined;
  const load = async (): Promise<Loaded> => {
    const [ort, { Tokenizer }] = await importOptional({ packages: ['onnxruntime-node', '@huggingface/tokenizers'], neededFor: 'embedder "onnx"' }, () =>
      Promise.all([import('onnxruntime-node'), import('@huggingface/tokenizers')]),
    );
    let session: Session;
    try {
      // Severity 4 (fatal only): ORT's own log lines would add to the one-line error this tool prints.
      session = (await ort.InferenceSession.create(modelBytes, { logSeverityLevel: 4 })) as unknown as Session;
    } catch (err) {
      throw new UserError(`cannot load the ONNX model: ${(err as Error).message.split('\n')[0]}`, { file: modelPath });
    }
    const unknown = session.inputNames.filter((n) => !INPUTS.includes(n));
    if (unknown.length || !session.inputNames.includes('input_ids') || !session.inputNames.includes('attention_mask')) {
      throw new UserError(
        `model inputs are (${session.inputNames.join(', ')}); a text embedding model takes input_ids and attention_mask, and optionally token_type_ids`,
        { file: modelPath },
      );
    }
    const output = ['last_hidden_state', 'token_embeddings', 'sentence_embedding'].find((n) => session.outputNames.includes(n)) ?? session.outputNames[0]!;
    let tokenizer: TokenizerLike;
    try {
      tokenizer = new Tokenizer(tokenizerJson, readJson(join(folder, 'tokenizer_config.json')) ?? {}) as unknown as TokenizerLike;
    } catch (err) {
      throw new UserError(`cannot read the tokenizer: ${(err as Error).message}`, { file: tokenizerPath });
    }
    return { session, tokenizer, output, useTypeIds: session.inputNames.includes('token_type_ids'), Tensor: ort.Tensor as unknown as Loaded['Tensor'] };
  };

  return {
    kind: 'onnx',
    spec,
    key,
    batchSize: BATCH,
    async embedBatch(texts: string[]): Promise<DenseMatrix> {
      loaded ??= load();
      const m = await loaded;
      return embed(m, texts, limit, modelPath);
    },
    info(dimension) {
      return { kind: 'onnx', spec, key, dimension, config: { folder, maxTokens: limit, pooling: 'mean', normalize: true } };
    },
  };
}

/**
 * Token ids with the special tokens the tokenizer's post-processor adds, cut to `limit` by dropping
 * content tokens from the end (the special tokens around them stay, as the Rust tokenizers truncate).
 * The JS tokenizer has no truncation, so the content is located by encoding once without specials.
 */
export function encodeTruncated(tokenizer: TokenizerLike, text: string, limit: number): { ids: number[]; typeIds: number[] } {
  const full = tokenizer.encode(text, { return_token_type_ids: true });
  const typeIds = full.token_type_ids ?? full.ids.map(() => 0);
  if (full.ids.length <= limit) return { ids: full.ids, typeIds };
  const content = tokenizer.encode(text, { add_special_tokens: false }).ids;
  const added = full.ids.length - content.length;
  let start = 0;
  while (start + content.length <= full.ids.length && !content.every((id, i) => full.ids[start + i] === id)) start++;
  if (start + content.length > full.ids.length || added >= limit) {
    return { ids: full.ids.slice(0, limit), typeIds: typeIds.slice(0, limit) };
  }
  const keep = limit - added;
  const pick = (xs: number[]) => [...xs.slice(0, start + keep), ...xs.slice(start + content.length)];
  return { ids: pick(full.ids), typeIds: pick(typeIds) };
}

async function embed(m: Loaded, texts: string[], limit: number, modelPath: string): Promise<DenseMatrix> {
  const encoded = texts.map((t) => encodeTruncated(m.tokenizer, t, limit));
  const b = texts.length;
  const len = Math.max(1, ...encoded.map((e) => e.ids.length));
  const ids = new BigInt64Array(b * len);
  const mask = new BigInt64Array(b * len);
  const types = new BigInt64Array(b * len);
  encoded.forEach((e, i) => {
    for (let j = 0; j < e.ids.length; j++) {
      ids[i * len + j] = BigInt(e.ids[j]!);
      mask[i * len + j] = 1n;
      types[i * len + j] = BigInt(e.typeIds[j] ?? 0);
    }
  });
  const feeds: Record<string, unknown> = {
    input_ids: new m.Tensor('int64', ids, [b, len]),
    attention_mask: new m.Tensor('int64', mask, [b, len]),
  };
  if (m.useTypeIds) feeds.token_type_ids = new m.Tensor('int64', types, [b, len]);
  let out: OrtTensor;
  try {
    out = (await m.session.run(feeds, { logSeverityLevel: 4 }))[m.output]!;
  } catch (err) {
    throw new UserError(`the ONNX model failed to run: ${(err as Error).message.split('\n')[0]}`, { file: modelPath });
  }
  const data = out.data as Float32Array;
  if (out.dims.length === 2 && out.dims[0] === b) {
    const pooled = { rows: b, cols: out.dims[1]!, data: Float32Array.from(data) };
    return normalizeRows(pooled);
  }
  if (out.dims.length !== 3 || out.dims[0] !== b || out.dims[1] !== len) {
    throw new UserError(`output "${m.output}" has shape [${out.dims.join(', ')}]; expected [batch, tokens, hidden] or [batch, hidden]`, { file: modelPath });
  }
  const hidden = out.dims[2]!;
  const res = denseZeros(b, hidden);
  for (let i = 0; i < b; i++) {
    const n = encoded[i]!.ids.length;
    const acc = new Float64Array(hidden);
    for (let j = 0; j < n; j++) {
      const base = (i * len + j) * hidden;
      for (let h = 0; h < hidden; h++) acc[h]! += data[base + h]!;
    }
    for (let h = 0; h < hidden; h++) res.data[i * hidden + h] = acc[h]! / Math.max(n, 1);
  }
  return normalizeRows(res);
}
