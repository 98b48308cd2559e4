import type { Hash } from '../artifacts/hash.js';
import { readQueries } from '../data/read-queries.js';
import type { Encoding } from '../text-file.js';
import { bareModel } from './catalog.js';

// Input tokens per query measured on a CSV of real queries, with the tokenizer of each model where
// gpt-tokenizer has it (OpenAI models). Other providers do not publish theirs, so their counts use
// o200k_base and are marked approximate. The tokenizer tables are megabytes, so they are imported
// only when a CSV is measured.


export interface TokenCount {
  model: string | null;
  meanInputTokens: number;
  encoding: string;
  /** False when the model's own tokenizer is not available and o200k_base stands in for it. */
  exact: boolean;
}

export interface MeasuredTokens {
  file: string;
  hash: Hash;
  column: string;
  queries: number;
  weak: TokenCount;
  strong: TokenCount;
}

interface Encoder {
  countTokens(text: string, options?: { disallowedSpecial?: Set<string> }): number;
}

export async function encodingFor(model: string | null): Promise<{ encoding: string; exact: boolean }> {
  if (model === null) return { encoding: 'o200k_base', exact: false };
  const { modelToEncodingMap } = await import('gpt-tokenizer/mapping');
  const bare = bareModel(model);
  const known = (modelToEncodingMap as Record<string, string | undefined>)[bare];
  if (known) return { encoding: known, exact: true };
  // Models newer than the map's explicit entries (gpt-4o, gpt-4.1, o3, ...) use o200k_base.
  const openai = model.startsWith('openai:') || /^(gpt-|o\d|chatgpt-)/.test(bare);
  return { encoding: 'o200k_base', exact: openai };
}

async function encoder(encoding: string): Promise<Encoder> {
  return (await import(`gpt-tokenizer/encoding/${encoding}`)) as Encoder;
}

/** Tokens of each text under `encoding`; special-token text in a user's query is ordinary text to the API, so it is counted as such. */
export async function countTokens(texts: string[], encoding: string): Promise<number[]> {
  const enc = await encoder(encoding);
  const opts = { disallowedSpecial: new Set<string>() };
  return texts.map((t) => enc.countTokens(t, opts));
}

/** Mean input tokens of `queries` for each model, counted once per encoding. */
export async function meanTokens(queries: string[], models: { weak: string | null; strong: string | null }): Promise<{ weak: TokenCount; strong: TokenCount }> {
  const means = new Map<string, number>();
  const count = async (model: string | null): Promise<TokenCount> => {
    const { encoding, exact } = await encodingFor(model);
    let mean = means.get(encoding);
    if (mean === undefined) {
      mean = (await countTokens(queries, encoding)).reduce((a, b) => a + b, 0) / queries.length;
      means.set(encoding, mean);
    }
    return { model, meanInputTokens: mean, encoding, exact };
  };
  return { weak: await count(models.weak), strong: await count(models.strong) };
}

export async function measureQueryTokens(path: string, queryCol: string | undefined, models: { weak: string | null; strong: string | null }, encoding?: Encoding): Promise<MeasuredTokens> {
  const file = readQueries(path, { queryCol, encoding });
  const queries = file.rows.map((r) => r.query);
  return { file: path, hash: file.hash, column: file.queryColumn, queries: queries.length, ...(await meanTokens(queries, models)) };
}
