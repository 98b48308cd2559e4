import { msg, option, UserError, type OptionRef } from '../errors.js';
import { registerSecret } from './api-error.js';
import type { LabelConfig } from './config.js';
import { parseModelId, PROVIDERS, type ProviderName } from './registry.js';
import type { ChatClient } from './types.js';

// Turns `--weak openai:gpt-4o-mini` (plus flags, config file and environment) into a model
// spec that is safe to record (no key in it) and a `connect` function that holds the key in a
// closure and imports the provider's SDK only when the first call is made.
//
// Where a key may go: a key from the environment (OPENAI_API_KEY) only to its provider's own API
// or to the base URL set beside it in the environment (OPENAI_BASE_URL); a key the config file
// names (apiKey, apiKeyEnv) to the model it is configured for, wherever its base URL points.
// Any other base URL (a flag, the config) gets no key: a typo in a URL must not hand the key to
// a stranger.

/** `answer`: one of the models of `router label --models`, over more than two. */
export type Role = 'weak' | 'strong' | 'judge' | 'answer';

export interface RateLimits {
  rpm?: number;
  tpm?: number;
}

export interface ModelSpec {
  id: string;
  provider: ProviderName;
  model: string;
  role: Role;
  /** The base URL calls go to (never holds credentials: those are refused). */
  baseURL: string;
  /** Host and path of the base URL: part of every cache key, since two servers answer differently. */
  endpoint: string;
  /** The provider's own API rather than a compatible server. */
  official: boolean;
  maxTokens?: number;
  /** null: send none. */
  temperature?: number | null;
  /** Shared by every model of this provider at this endpoint, and this model's own. */
  limits: { endpoint: RateLimits; model: RateLimits };
}

export interface ResolvedModel {
  spec: ModelSpec;
  connect(): Promise<ChatClient>;
}

export interface ResolveInput {
  id: string;
  role: Role;
  /** `--weak-base-url` and the like. */
  baseURL?: string;
  /** The option the id came from, for messages (default: the role). */
  option?: string;
  /** The option `baseURL` came from (default: the role's, `weakBaseUrl`). */
  baseURLOption?: string;
  config?: LabelConfig;
  env: NodeJS.ProcessEnv;
  /** `--rpm`/`--tpm`: per endpoint unless the config says otherwise. */
  defaults: RateLimits;
  /** False for a dry run, which sends nothing and so needs no key. */
  requireKey?: boolean;
}

function checkURL(value: string, where: string | OptionRef): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(msg`${where}: expected an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UserError(msg`${where}: expected an http(s) URL, got "${value}"`);
  if (url.username || url.password) throw new UserError(msg`${where}: the URL holds credentials; put the key in the environment or the config file`);
  return url;
}

export function endpointOf(url: URL): string {
  return `${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** Where calls to one model go and with which key: the rules at the top of this file. */
export interface Connection {
  url: URL;
  /** The base URL without a trailing slash (never holds credentials: those are refused). */
  baseURL: string;
  endpoint: string;
  official: boolean;
  /** Undefined: no key may go there, or none is set (local servers usually take none). */
  key: string | undefined;
}

export interface ConnectionInput {
  /** `provider:model`, as the config file's `models` keys name it. */
  id: string;
  provider: ProviderName;
  /** The option the model came from (`weak`, `embedder`), for messages. */
  option: string;
  /** A base URL given by an option, and the option's name. */
  baseURL?: { value: string; option: string };
  /** Null: the command takes no config file (train's embedder), so advice names none. */
  config: LabelConfig | undefined | null;
  env: NodeJS.ProcessEnv;
  /** False for a dry run, which sends nothing and so needs no key. */
  requireKey?: boolean;
}

/** The base URL and key for one model, by the rules above; the key is registered for redaction. */
export function resolveConnection(input: ConnectionInput): Connection {
  const { id, provider } = input;
  const info = PROVIDERS[provider];
  const perModel = input.config?.models?.[id];
  const perProvider = input.config?.providers?.[provider];
  const envBase = input.env[info.baseURLEnv]?.trim() || undefined;

  const [rawBase, baseFrom]: [string, string | OptionRef] = input.baseURL
    ? [input.baseURL.value, option(input.baseURL.option)]
    : perModel?.baseURL
      ? [perModel.baseURL, `config models."${id}".baseURL`]
      : perProvider?.baseURL
        ? [perProvider.baseURL, `config providers.${provider}.baseURL`]
        : envBase
          ? [envBase, info.baseURLEnv]
          : [info.defaultBaseURL, 'default'];
  const url = checkURL(rawBase, baseFrom);
  const official = url.origin === new URL(info.defaultBaseURL).origin;

  const envKeyAllowed = official || baseFrom === info.baseURLEnv;
  const key = pickKey(input, envKeyAllowed);
  if (key === undefined && official && input.requireKey !== false) {
    const named = perModel?.apiKeyEnv ?? perProvider?.apiKeyEnv;
    const where = named
      ? msg`set ${named} (named by apiKeyEnv in the config file, ${option('config')})`
      : input.config === null
        ? `set ${info.keyEnv}, or ${info.baseURLEnv} for a local OpenAI-compatible server`
        : msg`set ${info.keyEnv} or "providers.${provider}.apiKey" in the config file (${option('config')})`;
    throw new UserError(msg`${option(input.option)}: no API key for ${id}; ${where}`);
  }
  if (key !== undefined) registerSecret(key);
  return { url, baseURL: url.href.replace(/\/+$/, ''), endpoint: endpointOf(url), official, key };
}

export function resolveModel(input: ResolveInput): ResolvedModel {
  const from = input.option ?? input.role;
  const { id, provider, model } = parseModelId(input.id, from);
  const perModel = input.config?.models?.[id];
  const perProvider = input.config?.providers?.[provider];
  const { url, baseURL: base, endpoint, official, key } = resolveConnection({
    id,
    provider,
    option: from,
    ...(input.baseURL ? { baseURL: { value: input.baseURL, option: input.baseURLOption ?? `${input.role}BaseUrl` } } : {}),
    config: input.config,
    env: input.env,
    ...(input.requireKey !== undefined ? { requireKey: input.requireKey } : {}),
  });
  // Local OpenAI-compatible servers usually take no key, but the SDKs insist on one; a server
  // that does check answers 401, which stops the run with the same advice as above.
  const apiKey = key ?? 'none';

  const spec: ModelSpec = {
    id,
    provider,
    model,
    role: input.role,
    baseURL: base,
    endpoint,
    official,
    ...(perModel?.maxTokens !== undefined ? { maxTokens: perModel.maxTokens } : {}),
    ...(perModel?.temperature !== undefined ? { temperature: perModel.temperature } : {}),
    limits: {
      endpoint: { rpm: perProvider?.rpm ?? input.defaults.rpm, tpm: perProvider?.tpm ?? input.defaults.tpm },
      model: { rpm: perModel?.rpm, tpm: perModel?.tpm },
    },
  };
  const baseURL = spec.baseURL;
  let client: Promise<ChatClient> | undefined;
  return {
    spec,
    connect() {
      const plainHttp = url.protocol === 'http:';
      client ??= provider === 'openai'
        ? import('./openai-client.js').then((m) => m.createOpenAIClient({ apiKey, baseURL, model, official, plainHttp }))
        : import('./anthropic-client.js').then((m) => m.createAnthropicClient({ apiKey, baseURL, model, plainHttp }));
      return client;
    },
  };
}

function pickKey(input: ConnectionInput, envKeyAllowed: boolean): string | undefined {
  const perModel = input.config?.models?.[input.id];
  const perProvider = input.config?.providers?.[input.provider];
  const fromEnv = (name: string | undefined) => (name ? input.env[name]?.trim() || undefined : undefined);
  const configured = perModel?.apiKey ?? fromEnv(perModel?.apiKeyEnv) ?? perProvider?.apiKey ?? fromEnv(perProvider?.apiKeyEnv);
  return configured ?? (envKeyAllowed ? fromEnv(PROVIDERS[input.provider].keyEnv) : undefined);
}
