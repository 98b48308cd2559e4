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

async function encodingFor(model: string | null): Promise<{ encoding: string; exact: boolean }> {
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

export async function measureQueryTokens(path: string, queryCol: string | undefined, models: { weak: string | null; strong: string | null }, encoding?: Encoding): Promise<MeasuredTokens> {
  const file = readQueries(path, { queryCol, encoding });
  const queries = file.rows.map((r) => r.query);
  const column = file.queryColumn;
  const means = new Map<string, number>();
  const count = async (model: string | null): Promise<TokenCount> => {
    const { encoding, exact } = await encodingFor(model);
    let mean = means.get(encoding);
    if (mean === undefined) {
      const enc = await encoder(encoding);
      // Special-token text in a user's query is ordinary text to the API, so count it as such.
      const opts = { disallowedSpecial: new Set<string>() };
      let total = 0;
      for (const q of queries) total += enc.countTokens(q, opts);
      mean = total / queries.length;
      means.set(encoding, mean);
    }
    return { model, meanInputTokens: mean, encoding, exact };
  };
  const weak = await count(models.weak);
  const strong = await count(models.strong);
  return { file: path, hash: file.hash, column, queries: queries.length, weak, strong };
}
