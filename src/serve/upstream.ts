import { msg, option, UserError } from '../errors.js';
import { findPrice, type Catalog } from '../cost/catalog.js';
import type { LabelConfig } from '../providers/config.js';
import { parseModelId } from '../providers/registry.js';
import { resolveModel, type ModelSpec } from '../providers/resolve.js';
import type { ChatClient } from '../providers/types.js';
import type { ModelUsage } from '../routers/deployment.js';

// From the model names a deployment routes between (dataset names) to connected clients. A name
// shaped `provider:model` (as `router label` writes them) is called as it says; any other name
// needs `--upstream NAME=provider:model`. Base URLs and keys follow label's rules
// (src/providers/resolve.ts): a key from the environment goes only to its provider's own API or
// to the base URL set beside it, so a mistyped --base-url never receives one.

export interface Upstream {
  /** The name clients and the log use: the deployment's model name, or the --upstream NAME. */
  name: string;
  spec: ModelSpec;
  client: ChatClient;
  /** Per million tokens and per call, when known. */
  price: { inputPerMTok?: number; outputPerMTok?: number; perCall?: number } | null;
}

export interface UpstreamInput {
  /** The deployment's models; each must be reachable. */
  models: readonly string[];
  /** --upstream NAME=provider:model. Names beyond the deployment's are served for pass-through. */
  upstream: Record<string, string>;
  /** --base-url NAME=URL, NAME being a served name. */
  baseUrl: Record<string, string>;
  config: LabelConfig | undefined;
  env: NodeJS.ProcessEnv;
  /** The deployment's measured usage, whose prices win over the catalog's. */
  usage?: Record<string, ModelUsage>;
  catalog: Catalog;
}

const PROVIDER_ID = /^(openai|anthropic):./;

/** Resolves and connects every served model; a name with no provider, a bad URL or a missing key is a UserError before anything listens. */
export async function connectUpstreams(input: UpstreamInput): Promise<Map<string, Upstream>> {
  for (const name of Object.keys(input.baseUrl)) {
    if (!input.models.includes(name) && !Object.hasOwn(input.upstream, name)) {
      throw new UserError(msg`${option('baseUrl')} names "${name}", which is neither a model of the deployment (${input.models.join(', ')}) nor an ${option('upstream')} name`);
    }
  }
  const names = [...new Set([...input.models, ...Object.keys(input.upstream)])];
  // Every mapping is read before any key is looked for, so a typo is named before a missing key.
  const ids = names.map((name) => {
    const id = input.upstream[name] ?? (PROVIDER_ID.test(name) ? name : undefined);
    if (id === undefined) {
      throw new UserError(msg`the deployment's model "${name}" names no provider; map it with ${option('upstream')} ${name}=openai:MODEL (or anthropic:MODEL)`);
    }
    return parseModelId(id, 'upstream').id;
  });
  const out = new Map<string, Upstream>();
  for (const [i, name] of names.entries()) {
    const id = ids[i]!;
    const baseURL = input.baseUrl[name];
    const resolved = resolveModel({
      id,
      role: 'answer',
      option: 'upstream',
      ...(baseURL !== undefined ? { baseURL, baseURLOption: 'baseUrl' } : {}),
      config: input.config,
      env: input.env,
      defaults: {},
    });
    const price = input.usage?.[name]?.price ?? findPrice(input.catalog, resolved.spec.id) ?? findPrice(input.catalog, name) ?? null;
    out.set(name, { name, spec: resolved.spec, client: await resolved.connect(), price });
  }
  return out;
}

/** Dollars of one call, or null when the model has no price or the server reported no tokens. */
export function callCost(price: Upstream['price'], inputTokens: number | null, outputTokens: number | null): number | null {
  if (!price) return null;
  const perToken = price.inputPerMTok !== undefined || price.outputPerMTok !== undefined;
  if (perToken && (inputTokens === null || outputTokens === null)) return null;
  return (perToken ? ((inputTokens ?? 0) * (price.inputPerMTok ?? 0) + (outputTokens ?? 0) * (price.outputPerMTok ?? 0)) / 1e6 : 0) + (price.perCall ?? 0);
}

/** `NAME=VALUE` pairs of a repeatable flag, each NAME once. */
export function namedValues(values: readonly string[], optionName: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const name = eq > 0 ? v.slice(0, eq).trim() : '';
    const value = eq > 0 ? v.slice(eq + 1).trim() : '';
    if (!name || !value) throw new UserError(msg`${option(optionName)}: expected NAME=VALUE, got "${v}"`);
    if (Object.hasOwn(out, name)) throw new UserError(msg`${option(optionName)}: "${name}" is given twice`);
    out[name] = value;
  }
  return out;
}
