import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { msg, option, UserError } from '../errors.js';
import { readTextFile } from '../text-file.js';

// The dated price catalog shipped with the tool, and user overrides in the same format.
// One place answers "what does this model cost", for `label --dry-run`, `--max-cost` and `estimate`.

const entrySchema = z.object({
  inputPerMTok: z.number().nonnegative(),
  outputPerMTok: z.number().nonnegative(),
  source: z.string().optional(),
  asOf: z.string().optional(),
});

const catalogSchema = z.object({ description: z.string().optional(), models: z.record(z.string(), entrySchema) });

export type PriceEntry = z.infer<typeof entrySchema>;
export type Catalog = z.infer<typeof catalogSchema>;

const BUILT_IN = new URL('../../src/cost/prices.json', import.meta.url);

function parseCatalog(text: string, file: string): Catalog {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserError(`malformed price file: ${(err as Error).message}`, { file });
  }
  const parsed = catalogSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`malformed price file: ${issue.message}`, { file, field: issue.path.join('.') });
  }
  return parsed.data;
}

/** The built-in catalog, with the models of `overridePath` (same format) replacing or adding entries. */
export function loadCatalog(overridePath?: string): Catalog {
  const builtIn = parseCatalog(readFileSync(BUILT_IN, 'utf8'), 'src/cost/prices.json');
  if (!overridePath) return builtIn;
  const extra = parseCatalog(readTextFile(overridePath).text, overridePath);
  return { description: builtIn.description, models: { ...builtIn.models, ...extra.models } };
}

/**
 * Looks a model up by its full id (`openai:gpt-4o`) or, when unambiguous, by the bare model name
 * (`gpt-4o`), since datasets often name models without their provider.
 */
export function findPrice(catalog: Catalog, model: string): PriceEntry | undefined {
  return lookupPrice(catalog, model)?.entry;
}

/** Like findPrice, but also says which catalog id matched, so a report can cite it. */
export function lookupPrice(catalog: Catalog, model: string): { id: string; entry: PriceEntry } | undefined {
  const exact = catalog.models[model];
  if (exact) return { id: model, entry: exact };
  const bare = bareModel(model);
  const matches = Object.entries(catalog.models).filter(([id]) => id === bare || id.endsWith(':' + bare));
  return matches.length === 1 ? { id: matches[0]![0], entry: matches[0]![1] } : undefined;
}

/** The model name without its `provider:` prefix. */
export function bareModel(model: string): string {
  return model.includes(':') ? model.slice(model.indexOf(':') + 1) : model;
}

/** Whether two ids name the same model under the catalog's rule (`openai:gpt-4o` is `gpt-4o`). */
export function sameModel(a: string, b: string): boolean {
  return a === b || bareModel(a) === bareModel(b);
}

export function priceOf(catalog: Catalog, model: string, pricesOption = 'prices'): PriceEntry {
  const found = findPrice(catalog, model);
  if (!found) {
    throw new UserError(msg`no price for model "${model}"; known: ${Object.keys(catalog.models).join(', ')}; add it with ${option(pricesOption)} FILE`);
  }
  return found;
}
