import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { msg, option, UserError } from '../errors.js';
import { readTextFile } from '../text-file.js';
import type { calcPrice, findProvider, ModelInfo as DbModel, ModelPrice as DbPrice, Provider } from '@pydantic/genai-prices';

// "What does this model cost": prices from @pydantic/genai-prices (a maintained database of
// hundreds of models and providers), with the models of a user's --prices FILE taking precedence.
// One place answers it, for `label --dry-run`, `--max-cost`, `eval` and `estimate`.

const entrySchema = z.object({
  inputPerMTok: z.number().nonnegative(),
  outputPerMTok: z.number().nonnegative(),
  /** Dollars per million input tokens read from the provider's prompt cache, when it has one. */
  cachedInputPerMTok: z.number().nonnegative().optional(),
  source: z.string().optional(),
  asOf: z.string().optional(),
});

const fileSchema = z.object({ description: z.string().optional(), models: z.record(z.string(), entrySchema) });

export type PriceEntry = z.infer<typeof entrySchema>;

export interface PriceDatabase {
  name: string;
  version: string;
  /** The day the bundled data was published (the package release), when known. */
  asOf: string | null;
  providers: Provider[];
  calcPrice: typeof calcPrice;
  findProvider: typeof findProvider;
}

export interface Catalog {
  description?: string;
  /** The --prices FILE's models, looked up before the database. */
  models: Record<string, PriceEntry>;
  file?: string;
  database: PriceDatabase | null;
}

// The package carries no date of its data; the release date of each version we ship with is
// recorded here (`npm view @pydantic/genai-prices time`). A test fails when the installed version
// has none, so a dependency bump cannot silently drop the date from every report.
export const DATABASE_RELEASES: Record<string, string> = { '0.1.8': '2026-09-23' };

const require = createRequire(import.meta.url);

let database: Promise<PriceDatabase> | undefined;

/** The bundled price database, imported on first use: it is ~800 kB of JavaScript that only pricing needs. */
export function loadPriceDatabase(): Promise<PriceDatabase> {
  database ??= (async () => {
    const lib = await import('@pydantic/genai-prices');
    // The package exports no package.json; its entry point sits in dist/, one level below it.
    const manifest = join(dirname(require.resolve('@pydantic/genai-prices')), '..', 'package.json');
    const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
    // waitForUpdate resolves to the data calcPrice uses: the bundled data, as we never ask for updates.
    const providers = (await lib.waitForUpdate()) ?? [];
    return { name: 'genai-prices', version, asOf: DATABASE_RELEASES[version] ?? null, providers, calcPrice: lib.calcPrice, findProvider: lib.findProvider };
  })();
  return database;
}

function parseFile(text: string, file: string): z.infer<typeof fileSchema> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserError(`malformed price file: ${(err as Error).message}`, { file });
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`malformed price file: ${issue.message}`, { file, field: issue.path.join('.') });
  }
  return parsed.data;
}

/** The price database, with the models of `overridePath` ({ models: { id: { inputPerMTok, outputPerMTok, ... } } }) looked up first. */
export async function loadCatalog(overridePath?: string): Promise<Catalog> {
  const db = await loadPriceDatabase();
  if (!overridePath) return { models: {}, database: db };
  const extra = parseFile(readTextFile(overridePath).text, overridePath);
  for (const entry of Object.values(extra.models)) entry.source ??= overridePath;
  return { ...(extra.description ? { description: extra.description } : {}), models: extra.models, file: overridePath, database: db };
}

/** A catalog of the given entries only, without the database: for tests and callers that bring their own prices. */
export function catalogOf(models: Record<string, PriceEntry>): Catalog {
  return { models, database: null };
}

/** The model name without its `provider:` prefix. */
export function bareModel(model: string): string {
  return model.includes(':') ? model.slice(model.indexOf(':') + 1) : model;
}

/** Whether two ids name the same model under the catalog's rule (`openai:gpt-4o` is `gpt-4o`). */
export function sameModel(a: string, b: string): boolean {
  return a === b || bareModel(a) === bareModel(b);
}

export type Resolution = { id: string; entry: PriceEntry } | { id?: undefined; ambiguous: string[] } | { id?: undefined; closest: string[] };

const number = (v: DbPrice[string]): number | undefined => (typeof v === 'number' ? v : v && typeof v === 'object' && 'base' in v ? v.base : undefined);

function entryOf(db: PriceDatabase, provider: Provider, model: DbModel, price: DbPrice): PriceEntry | undefined {
  const input = number(price.input_mtok);
  const output = number(price.output_mtok);
  if (input === undefined || output === undefined) return undefined;
  const cached = number(price.cache_read_mtok);
  const url = provider.pricing_urls?.[0];
  return {
    inputPerMTok: input,
    outputPerMTok: output,
    ...(cached !== undefined ? { cachedInputPerMTok: cached } : {}),
    source: `${db.name} ${db.version}: ${provider.name} ${model.id}${url ? ` (${url})` : ''}`,
    ...(db.asOf ? { asOf: db.asOf } : {}),
  };
}

// Names as datasets and people write them: `mistralai/Mixtral-8x7B-Instruct-v0.1`, `Mixtral-8x7B`.
function withoutOrg(name: string): string {
  return name.includes('/') ? name.slice(name.lastIndexOf('/') + 1) : name;
}

function lookupDatabase(db: PriceDatabase, model: string, now: Date): Resolution {
  const providerId = model.includes(':') ? model.slice(0, model.indexOf(':')).toLowerCase() : undefined;
  const bare = bareModel(model).toLowerCase().trim();
  const providers = providerId ? db.providers.filter((p) => p.id === providerId) : db.providers;
  if (providerId && providers.length === 0) {
    return { closest: closestOf(db.providers.map((p) => p.id), providerId).map((p) => `${p}:${bare}`) };
  }
  // The database's own matching first: each model's match rules know its dated and aliased ids,
  // and each provider's rules which names it serves (`gpt-` is OpenAI's).
  const priced = (name: string, pid?: string): Resolution | undefined => {
    const r = db.calcPrice({}, name, { timestamp: now, ...(pid ? { providerId: pid } : {}) });
    const entry = r && entryOf(db, r.provider, r.model, r.model_price);
    return r && entry ? { id: `${r.provider.id}:${r.model.id}`, entry } : undefined;
  };
  const found = priced(bare, providerId) ?? priced(withoutOrg(bare), providerId);
  if (found) return found;
  // A short name (`mixtral`, `haiku-4-5`): the models whose id starts or ends with it, as a whole part,
  // at the provider that serves such names when one does.
  const short = withoutOrg(bare);
  const all = providers.flatMap((p) => p.models.map((m) => ({ p, m })));
  const partial = all.filter(({ m }) => {
    const tail = withoutOrg(m.id.toLowerCase());
    return tail.startsWith(short + '-') || tail.endsWith('-' + short) || tail.includes('-' + short + '-');
  });
  const home = providerId ?? db.findProvider({ modelId: short })?.id;
  const inHome = partial.filter((c) => c.p.id === home);
  const candidates = inHome.length ? inHome : partial;
  const ids = [...new Set(candidates.map((c) => c.m.id))];
  if (ids.length === 1) {
    const r = priced(ids[0]!, candidates[0]!.p.id);
    if (r) return r;
  }
  const named = (c: { p: Provider; m: DbModel }) => `${c.p.id}:${c.m.id}`;
  if (ids.length > 1) return { ambiguous: closestOf(candidates.map(named), short, (s) => withoutOrg(bareModel(s))) };
  return { closest: closestOf(all.map(named), short, (s) => withoutOrg(bareModel(s))) };
}

/** Up to five names nearest to `wanted` by edit distance, deduplicated, nearest first. */
function closestOf(names: string[], wanted: string, key: (s: string) => string = (s) => s): string[] {
  const scored = [...new Set(names)].map((n) => ({ n, d: distance(key(n).toLowerCase(), wanted) }));
  scored.sort((a, b) => a.d - b.d || a.n.localeCompare(b.n));
  return scored.slice(0, 5).map((s) => s.n);
}

/**
 * Resolves a model name to a price: the --prices FILE's entries by full id, else by bare name when
 * unambiguous (datasets often name models without their provider), else the price database by
 * `provider:model`, a bare id or a usual short name. Otherwise the closest names.
 */
export function resolvePrice(catalog: Catalog, model: string, now: Date = new Date()): Resolution {
  const exact = catalog.models[model];
  if (exact) return { id: model, entry: exact };
  const bare = bareModel(model);
  const matches = Object.entries(catalog.models).filter(([id]) => id === bare || id.endsWith(':' + bare));
  if (matches.length === 1) return { id: matches[0]![0], entry: matches[0]![1] };
  if (matches.length > 1) return { ambiguous: matches.map(([id]) => id) };
  if (catalog.database) return lookupDatabase(catalog.database, model, now);
  return { closest: closestOf(Object.keys(catalog.models), bare) };
}

/** The price of a model when its name resolves to exactly one, with the id that matched, so a report can cite it. */
export function lookupPrice(catalog: Catalog, model: string): { id: string; entry: PriceEntry } | undefined {
  const r = resolvePrice(catalog, model);
  return r.id !== undefined ? r : undefined;
}

export function findPrice(catalog: Catalog, model: string): PriceEntry | undefined {
  return lookupPrice(catalog, model)?.entry;
}

/** Why a name has no price, as the end of a message: the closest names, and how to add one. */
export function unresolvedText(r: Exclude<Resolution, { id: string }>): string {
  if ('ambiguous' in r) return `it matches several models: ${r.ambiguous.join(', ')}`;
  return r.closest.length ? `closest: ${r.closest.join(', ')}` : 'the price catalog is empty';
}

export function priceOf(catalog: Catalog, model: string, pricesOption = 'prices'): PriceEntry {
  const r = resolvePrice(catalog, model);
  if (r.id !== undefined) return r.entry;
  throw new UserError(msg`no price for model "${model}": ${unresolvedText(r)}; name one of those, or add it with ${option(pricesOption)} FILE`);
}

// Names only: their prices come from the database, so this list cannot go stale on a price.
const FEATURED = ['gpt-4.1-nano', 'gpt-4o-mini', 'gpt-4.1-mini', 'gpt-5-mini', 'gpt-4o', 'gpt-4.1', 'gpt-5', 'claude-haiku-4-5', 'claude-sonnet-4-5', 'claude-opus-4-1', 'gemini-2.5-flash', 'gemini-2.5-pro', 'mixtral-8x7b', 'mistral-large-latest'];

/** The --prices FILE's models, then a short list of widely used models priced by the database, for a person to choose from. */
export function featuredModels(catalog: Catalog, now: Date = new Date()): { id: string; entry: PriceEntry }[] {
  const out = Object.entries(catalog.models).map(([id, entry]) => ({ id, entry }));
  if (!catalog.database) return out;
  for (const name of FEATURED) {
    const r = lookupDatabase(catalog.database, name, now);
    if (r.id !== undefined && !out.some((x) => x.id === r.id)) out.push(r);
  }
  return out;
}
