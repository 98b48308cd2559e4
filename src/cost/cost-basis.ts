import type { Dataset, DatasetRow, ModelInfo } from '../data/dataset.js';

// Where a report's dollars come from, for the pair and the N-model path alike, so no cost figure
// is shown without its basis: recorded per call, tokens x price (whose tokens and whose prices),
// a price per call, or, when nothing is known, one unit per strong call with the weak model free.

/** How one model's cost per call was found. */
export type CostKind = 'recorded' | 'tokens x price' | 'per-call price' | 'unit cost';

/** A price applied to a model of the data, and where it came from. */
export interface PriceQuote {
  /** The catalog id that priced it (`openai:gpt-4o`), or the flags that gave it. */
  id: string;
  inputPerMTok: number;
  outputPerMTok: number;
  cachedInputPerMTok?: number;
  source: string;
  asOf: string | null;
}

/** What pricing the command applied to the data before the costs were read. */
export interface CostProvenance {
  /** Prices given for models of the data (flags, --prices FILE, the price database). */
  prices: Record<string, PriceQuote>;
  /** Token counts made from the data's text where its rows have none, per model: the encoding, and how many calls. */
  counted: Record<string, { encoding: string; exact: boolean; inputCalls: number; outputFromResponses: number }>;
  /** Output tokens assumed per answer where a row records neither tokens nor the response. */
  assumedOutputTokens: { tokens: number; calls: number } | null;
}

export const NO_PROVENANCE: CostProvenance = { prices: {}, counted: {}, assumedOutputTokens: null };

export interface CostBasis {
  /** `units` when no dollars are known: 1 per strong call, the weak model free. */
  unit: 'usd' | 'units';
  /** Each model's cost kind; absent in units. */
  models: Record<string, CostKind>;
  prices: Record<string, PriceQuote>;
  /** One line for every report: "cost: tokens x price (...)". */
  line: string;
}

const money = (x: number) => (x >= 0.01 || x === 0 ? `$${x.toFixed(2)}` : `$${+x.toPrecision(2)}`);

function quoteText(model: string, q: PriceQuote): string {
  const named = q.id === model || q.id.startsWith('--') ? model : `${model} as ${q.id}`;
  return `${named} ${money(q.inputPerMTok)}/${money(q.outputPerMTok)}`;
}

function sourceText(quotes: PriceQuote[]): string {
  const sources = [...new Set(quotes.map((q) => (q.source.startsWith('genai-prices') ? q.source.slice(0, q.source.indexOf(':')) + (q.asOf ? ` of ${q.asOf}` : '') : q.source)))];
  return sources.join('; ');
}

/** The kind of one model's cost, as the first row that has an outcome for it shows (rows of one model share it in practice). */
export function costKindOf(o: DatasetRow['models'][string], info: ModelInfo | undefined): CostKind | undefined {
  if (o.cost !== undefined) return 'recorded';
  const p = info?.price;
  if (p && o.inputTokens !== undefined && o.outputTokens !== undefined && p.inputPerMTok !== undefined && p.outputPerMTok !== undefined) return 'tokens x price';
  return p?.perCall !== undefined ? 'per-call price' : undefined;
}

function tokensText(models: string[], p: CostProvenance): string[] {
  const parts: string[] = [];
  const counted = models.filter((m) => p.counted[m]?.inputCalls);
  if (counted.length) {
    const encodings = [...new Set(counted.map((m) => p.counted[m]!.encoding))];
    const approx = counted.filter((m) => !p.counted[m]!.exact);
    const which = encodings.length === 1 ? encodings[0]! : encodings.map((e) => `${e} (${counted.filter((m) => p.counted[m]!.encoding === e).join(', ')})`).join(' and ');
    parts.push(`input tokens counted with ${which} from the prompts${approx.length ? `, approximate for ${approx.join(', ')} whose tokenizer gpt-tokenizer lacks` : ''}`);
  }
  if (models.some((m) => p.counted[m]?.outputFromResponses)) parts.push('output tokens counted from the recorded responses');
  if (p.assumedOutputTokens?.calls) parts.push(`output tokens assumed ${p.assumedOutputTokens.tokens} per answer`);
  if (!parts.length) parts.push('tokens from the data');
  return parts;
}

/**
 * The basis of the costs of `models` (the pair: weak first) as read from the data after pricing.
 * `kinds` is undefined for a model with no dollar cost, which puts the pair in units.
 */
export function costBasis(models: string[], kinds: Record<string, CostKind | undefined>, provenance: CostProvenance = NO_PROVENANCE, dataset?: Pick<Dataset, 'models'>): CostBasis {
  const unpriced = models.filter((m) => kinds[m] === undefined);
  const prices = Object.fromEntries(models.filter((m) => provenance.prices[m]).map((m) => [m, provenance.prices[m]!]));
  if (unpriced.length) {
    const weak = models[0]!;
    return { unit: 'units', models: {}, prices, line: `cost: strong calls only (no prices: ${weak} counted as free and every strong call as 1 unit)` };
  }
  const done = kinds as Record<string, CostKind>;
  const byKind = new Map<CostKind, string[]>();
  for (const m of models) byKind.set(done[m]!, [...(byKind.get(done[m]!) ?? []), m]);
  const describe = (kind: CostKind, ms: string[]): string => {
    if (kind === 'recorded') return 'recorded per call';
    if (kind === 'unit cost') return `--unit-cost per call (${ms.join(', ')})`;
    if (kind === 'per-call price') return 'price per call declared in the data';
    const quoted = ms.filter((m) => prices[m]);
    const declared = ms.filter((m) => !prices[m]);
    const priceParts = [
      ...(quoted.length ? [`prices: ${sourceText(quoted.map((m) => prices[m]!))}, ${quoted.map((m) => quoteText(m, prices[m]!)).join(', ')} per MTok`] : []),
      ...(declared.length ? [`prices declared in the data for ${declared.map((m) => {
        const p = dataset?.models.find((x) => x.id === m)?.price;
        return p?.inputPerMTok !== undefined && p.outputPerMTok !== undefined ? `${m} ${money(p.inputPerMTok)}/${money(p.outputPerMTok)}` : m;
      }).join(', ')} per MTok`] : []),
    ];
    return `tokens x price (${[...tokensText(ms, provenance), ...priceParts].join('; ')})`;
  };
  const line =
    byKind.size === 1
      ? `cost: ${describe(done[models[0]!]!, models)}`
      : `cost: ${[...byKind].map(([k, ms]) => `${ms.join(', ')}: ${describe(k, ms)}`).join(' | ')}`;
  return { unit: 'usd', models: done, prices, line };
}
