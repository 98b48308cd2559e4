import { msg, option, UserError } from '../errors.js';
import type { ModelOutcome } from './dataset.js';

// Columns that belong to one model of a correctness or grades CSV, named `<model>|<suffix>` the way
// RouterBench names its wide table (`gpt-4-1106-preview|total_cost`). RouterBench's two suffixes come
// first; the other three are this tool's, for the ModelOutcome fields a CSV export usually has.

interface Suffix {
  field: 'cost' | 'response' | 'inputTokens' | 'outputTokens' | 'latencyMs';
  /** What a numeric cell holds, for "expected ..."; undefined for free text. */
  expected?: string;
  /** The value's name in "... is negative". */
  noun?: string;
  integer?: boolean;
}

const SUFFIXES: Readonly<Record<string, Suffix>> = {
  total_cost: { field: 'cost', expected: 'a cost in dollars', noun: 'cost' },
  model_response: { field: 'response' },
  input_tokens: { field: 'inputTokens', expected: 'a token count', noun: 'token count', integer: true },
  output_tokens: { field: 'outputTokens', expected: 'a token count', noun: 'token count', integer: true },
  latency_ms: { field: 'latencyMs', expected: 'a latency in milliseconds', noun: 'latency' },
};

export const PER_MODEL_SUFFIXES: readonly string[] = Object.keys(SUFFIXES);

export interface PerModelColumn {
  column: string;
  model: string;
  suffix: Suffix;
}

const BAR = '|';

export function isPerModelColumn(column: string): boolean {
  return column.includes(BAR);
}

/** `<model>|<suffix>`, split at the last bar: model ids hold slashes and dots, not bars. */
export function perModelColumn(column: string, file: string): PerModelColumn {
  const at = column.lastIndexOf(BAR);
  const name = column.slice(at + 1);
  const suffix = Object.hasOwn(SUFFIXES, name) ? SUFFIXES[name] : undefined;
  if (!suffix) {
    const known = PER_MODEL_SUFFIXES.map((s) => BAR + s).join(', ');
    throw new UserError(msg`unknown per-model column suffix "${BAR}${name}"; the known ones are ${known} (keep other columns with ${option('meta')})`, { file, line: 1, column });
  }
  return { column, model: column.slice(0, at), suffix };
}

/** One cell into its outcome field; an empty cell is "not recorded", so the field stays out. */
export function setPerModelCell(outcome: ModelOutcome, col: PerModelColumn, v: string, file: string, line: number): void {
  if (v.trim() === '') return;
  const { field, expected, noun, integer } = col.suffix;
  if (field === 'response') {
    outcome.response = v;
    return;
  }
  const x = Number(v);
  const where = { file, line, column: col.column };
  if (!Number.isFinite(x)) throw new UserError(`expected ${expected}, got "${v}"`, where);
  if (x < 0) throw new UserError(`${noun} ${v.trim()} is negative`, where);
  if (integer && !Number.isInteger(x)) throw new UserError(`${noun} ${v.trim()} is not a whole number`, where);
  outcome[field] = x;
}
