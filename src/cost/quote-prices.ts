import { msg, option, UserError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { loadCatalog, resolvePrice, unresolvedText, type Catalog } from './catalog.js';
import type { PriceQuote } from './cost-basis.js';

// The prices a user gave `eval` for the models of its data: per-role flags as `estimate` takes
// them, a --prices FILE, or the price database by the data's own model names.

export interface PriceFlags {
  /** A price file looked up before the database; the data's models are priced by their names. */
  prices?: string;
  /** Price the data's models from the price database by their names. */
  catalogPrices?: boolean;
  weakModel?: string;
  strongModel?: string;
  weakInputPrice?: number;
  weakOutputPrice?: number;
  strongInputPrice?: number;
  strongOutputPrice?: number;
}

type Role = 'weak' | 'strong';
const ROLE_FLAGS = ['weakModel', 'strongModel', 'weakInputPrice', 'weakOutputPrice', 'strongInputPrice', 'strongOutputPrice'] as const;

export function pricingRequested(f: PriceFlags): boolean {
  return f.prices !== undefined || f.catalogPrices === true || ROLE_FLAGS.some((k) => f[k] !== undefined);
}

function fromCatalog(catalog: Catalog, name: string): PriceQuote | string {
  const r = resolvePrice(catalog, name);
  if (r.id === undefined) return unresolvedText(r);
  return { id: r.id, inputPerMTok: r.entry.inputPerMTok, outputPerMTok: r.entry.outputPerMTok, ...(r.entry.cachedInputPerMTok !== undefined ? { cachedInputPerMTok: r.entry.cachedInputPerMTok } : {}), source: r.entry.source ?? r.id, asOf: r.entry.asOf ?? null };
}

/** Whether every row with an outcome for `model` already has a dollar cost (recorded, or from a price the data declares). */
function alreadyPriced(dataset: Dataset, model: string): boolean {
  const p = dataset.models.find((m) => m.id === model)?.price;
  if (p?.perCall !== undefined) return true;
  const byTokens = p?.inputPerMTok !== undefined && p.outputPerMTok !== undefined;
  return dataset.rows.every((r) => {
    const o = r.models[model];
    return !o || o.cost !== undefined || (byTokens && o.inputTokens !== undefined && o.outputTokens !== undefined);
  });
}

/**
 * The price of each model to price, by the flags; a model the flags leave unpriced while the
 * data has no cost for it is an error, since a report would otherwise count it as free.
 * `roles` names the pair (weak/strong flags apply to it); null over more than two models.
 */
export async function quotePrices(f: PriceFlags, dataset: Dataset, models: string[], roles: Record<Role, string> | null): Promise<Record<string, PriceQuote>> {
  if (!pricingRequested(f)) return {};
  if (!roles) {
    const given = ROLE_FLAGS.find((k) => f[k] !== undefined);
    if (given) throw new UserError(msg`${option(given)} prices a weak/strong pair; over more than two models price them with ${option('prices')} FILE or ${option('catalogPrices')}`);
  }
  const catalog = f.prices !== undefined || f.catalogPrices || f.weakModel !== undefined || f.strongModel !== undefined ? await loadCatalog(f.prices) : null;
  const quotes: Record<string, PriceQuote> = {};
  const file = dataset.source.path;
  for (const model of models) {
    const role = roles ? (Object.keys(roles) as Role[]).find((r) => roles[r] === model) : undefined;
    if (role) {
      const [inName, outName] = [`${role}InputPrice`, `${role}OutputPrice`] as const;
      const input = f[inName];
      const output = f[outName];
      if ((input === undefined) !== (output === undefined)) throw new UserError(msg`give both ${option(inName)} and ${option(outName)} (dollars per million tokens), or neither`);
      if (input !== undefined && output !== undefined) {
        quotes[model] = { id: `--${role}-input-price/--${role}-output-price`, inputPerMTok: input, outputPerMTok: output, source: `--${role}-input-price/--${role}-output-price`, asOf: null };
        continue;
      }
      const named = f[`${role}Model`];
      if (named !== undefined) {
        const q = fromCatalog(catalog!, named);
        if (typeof q === 'string') throw new UserError(msg`no price for "${named}" (${option(`${role}Model`)}): ${q}; name one of those, or add it with ${option('prices')} FILE`);
        quotes[model] = q;
        continue;
      }
    }
    if (alreadyPriced(dataset, model)) continue;
    const hint = role ? msg`${option(`${role}Model`)} NAME, ${option(`${role}InputPrice`)}/${option(`${role}OutputPrice`)},` : msg``;
    if (!catalog || (f.prices === undefined && !f.catalogPrices)) {
      throw new UserError(msg`no price for ${model}, which has no recorded cost in the data: price it with ${hint} ${option('catalogPrices')} or ${option('prices')} FILE (else it would count as free)`, { file });
    }
    const q = fromCatalog(catalog, model);
    if (typeof q === 'string') throw new UserError(msg`no price for ${model}, which has no recorded cost in the data: ${q}; name its price with ${hint} or add it to ${option('prices')} FILE`, { file });
    quotes[model] = q;
  }
  return quotes;
}
