import type { Dataset, ModelOutcome } from '../data/dataset.js';
import type { CostProvenance, PriceQuote } from './cost-basis.js';
import { countTokens, encodingFor } from './query-tokens.js';

// Gives data without recorded costs a dollar cost per call: the prices given for its models, with
// the tokens its rows record, else counted from its own text (prompts; responses when recorded),
// else, for output tokens only, an assumption that the cost basis states.

export const DEFAULT_OUTPUT_TOKENS = 300;

export interface PricingRequest {
  /** Prices per model of the data. */
  prices: Record<string, PriceQuote>;
  /** Output tokens per answer where a row has neither tokens nor the response (default DEFAULT_OUTPUT_TOKENS). */
  outputTokens?: number;
}

/** A copy of the dataset whose priced models carry the prices and, where rows lack them, token counts; and what was done. */
export async function priceDataset(dataset: Dataset, req: PricingRequest): Promise<{ dataset: Dataset; provenance: CostProvenance }> {
  const provenance: CostProvenance = { prices: { ...req.prices }, counted: {}, assumedOutputTokens: null };
  const assumed = req.outputTokens ?? DEFAULT_OUTPUT_TOKENS;
  let assumedCalls = 0;
  const rows = dataset.rows.map((r) => ({ ...r, models: { ...r.models } }));
  for (const model of Object.keys(req.prices)) {
    const needs = rows.filter((r) => r.models[model] && r.models[model]!.cost === undefined);
    if (!needs.length) continue;
    const { encoding, exact } = await encodingFor(model);
    const inputRows = needs.filter((r) => r.models[model]!.inputTokens === undefined);
    const responseRows = needs.filter((r) => r.models[model]!.outputTokens === undefined && r.models[model]!.response !== undefined);
    const inputs = await countTokens(inputRows.map((r) => r.query), encoding);
    const outputs = await countTokens(responseRows.map((r) => r.models[model]!.response!), encoding);
    const filled = new Map<object, Partial<ModelOutcome>>();
    inputRows.forEach((r, i) => filled.set(r, { inputTokens: inputs[i]! }));
    responseRows.forEach((r, i) => filled.set(r, { ...filled.get(r), outputTokens: outputs[i]! }));
    for (const r of needs) {
      const o = { ...r.models[model]!, ...filled.get(r) };
      if (o.outputTokens === undefined) {
        o.outputTokens = assumed;
        assumedCalls++;
      }
      r.models[model] = o;
    }
    if (inputRows.length || responseRows.length) provenance.counted[model] = { encoding, exact, inputCalls: inputRows.length, outputFromResponses: responseRows.length };
  }
  if (assumedCalls) provenance.assumedOutputTokens = { tokens: assumed, calls: assumedCalls };
  const models = dataset.models.map((m) => {
    const q = req.prices[m.id];
    return q ? { ...m, price: { inputPerMTok: q.inputPerMTok, outputPerMTok: q.outputPerMTok } } : m;
  });
  return { dataset: { ...dataset, rows, models }, provenance };
}
