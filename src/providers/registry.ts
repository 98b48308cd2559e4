import { msg, option, UserError } from '../errors.js';

// The providers `router label` can call, as data: where their key and base URL come from and
// which module builds a client. Model ids are `provider:model`; the model part is passed through
// untouched, so any model an OpenAI-compatible server serves (vLLM, Ollama, LM Studio, llama.cpp)
// works under `openai:` with a base URL.

export interface ProviderInfo {
  /** Environment variable holding the API key. */
  keyEnv: string;
  /** Environment variable holding a base URL that replaces the default. */
  baseURLEnv: string;
  defaultBaseURL: string;
}

export const PROVIDERS = {
  openai: { keyEnv: 'OPENAI_API_KEY', baseURLEnv: 'OPENAI_BASE_URL', defaultBaseURL: 'https://api.openai.com/v1' },
  anthropic: { keyEnv: 'ANTHROPIC_API_KEY', baseURLEnv: 'ANTHROPIC_BASE_URL', defaultBaseURL: 'https://api.anthropic.com' },
} as const satisfies Record<string, ProviderInfo>;

export type ProviderName = keyof typeof PROVIDERS;

export const PROVIDER_NAMES = Object.keys(PROVIDERS) as ProviderName[];

export function isProviderName(name: string): name is ProviderName {
  return Object.hasOwn(PROVIDERS, name);
}

export interface ModelId {
  /** As written: `openai:gpt-4o-mini`. Used as the model's name in datasets. */
  id: string;
  provider: ProviderName;
  /** What the API is asked for: `gpt-4o-mini`, `llama3.1:8b` (everything after the first colon). */
  model: string;
}

/** Parses `provider:model`; `optionName` names where the id came from, for the error line. */
export function parseModelId(id: string, optionName: string): ModelId {
  const colon = id.indexOf(':');
  const provider = colon > 0 ? id.slice(0, colon).trim() : '';
  const model = colon > 0 ? id.slice(colon + 1).trim() : '';
  if (!provider || !model) {
    throw new UserError(msg`${option(optionName)}: expected provider:model (for example openai:gpt-4o-mini), got "${id}"`);
  }
  if (!isProviderName(provider)) {
    throw new UserError(msg`${option(optionName)}: unknown provider "${provider}" in "${id}"; known providers: ${PROVIDER_NAMES.join(', ')}`);
  }
  return { id: `${provider}:${model}`, provider, model };
}
