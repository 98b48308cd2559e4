import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatClient, ChatParams, CallOptions, Completion, StreamEvent } from './types.js';
import { plainHttpFetch } from './plain-http-fetch.js';
import { malformed, toApiError } from './sdk-errors.js';

// OpenAI and every OpenAI-compatible server (vLLM, Ollama, LM Studio, llama.cpp's server, hosted
// APIs). Loaded only when a run needs it. The SDK's own retries are off: retries, Retry-After and
// rate limits are handled once, for every provider, in src/providers/caller.ts.

export interface OpenAIClientOptions {
  apiKey: string;
  baseURL: string;
  model: string;
  /**
   * OpenAI's own API wants `max_completion_tokens` (its reasoning models reject `max_tokens`);
   * compatible servers widely accept only `max_tokens`.
   */
  official: boolean;
  /** Use the node:http fetch (src/providers/plain-http-fetch.ts); set for http: base URLs. */
  plainHttp?: boolean;
}

const SDK = { APIError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError };

export function createOpenAIClient(opts: OpenAIClientOptions): ChatClient {
  const client = new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 0, ...(opts.plainHttp ? { fetch: plainHttpFetch } : {}) });
  // plainHttpFetch reads whole bodies; a stream needs the SDK's own fetch, which hands chunks on as they come.
  let streaming: OpenAI | undefined;
  const params = (request: ChatParams) => ({
    model: opts.model,
    messages: [
      ...(request.system !== undefined ? [{ role: 'system' as const, content: request.system }] : []),
      ...request.messages.map((m) => ({ role: m.role, content: m.content })),
    ] as OpenAI.Chat.ChatCompletionMessageParam[],
    ...(request.maxTokens === undefined ? {} : opts.official ? { max_completion_tokens: request.maxTokens } : { max_tokens: request.maxTokens }),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { top_p: request.topP } : {}),
    ...(request.stop !== undefined ? { stop: request.stop } : {}),
  });
  return {
    async complete(request: ChatParams, options: CallOptions): Promise<Completion> {
      const started = performance.now();
      let raw: unknown;
      try {
        raw = await client.chat.completions.create(params(request), { timeout: options.timeoutMs, signal: options.signal, maxRetries: 0 });
      } catch (err) {
        throw toApiError(err, SDK, options.timeoutMs);
      }
      const latencyMs = performance.now() - started;
      return parse(raw, latencyMs);
    },
    async stream(request: ChatParams, options: CallOptions): Promise<AsyncIterable<StreamEvent>> {
      streaming ??= new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 0 });
      let chunks: AsyncIterable<OpenAI.Chat.ChatCompletionChunk>;
      try {
        chunks = await streaming.chat.completions.create(
          { ...params(request), stream: true, stream_options: { include_usage: true } },
          { timeout: options.timeoutMs, signal: options.signal, maxRetries: 0 },
        );
      } catch (err) {
        throw toApiError(err, SDK, options.timeoutMs);
      }
      return streamEvents(chunks, options.timeoutMs);
    },
  };
}

async function* streamEvents(chunks: AsyncIterable<OpenAI.Chat.ChatCompletionChunk>, timeoutMs: number): AsyncGenerator<StreamEvent> {
  const done: Extract<StreamEvent, { type: 'done' }> = { type: 'done' };
  try {
    for await (const chunk of chunks) {
      const choice = chunk.choices?.[0];
      const text = choice?.delta?.content;
      if (typeof text === 'string' && text !== '') yield { type: 'delta', text };
      if (typeof choice?.finish_reason === 'string') done.finishReason = choice.finish_reason;
      if (chunk.usage) {
        done.inputTokens = chunk.usage.prompt_tokens;
        done.outputTokens = chunk.usage.completion_tokens;
      }
    }
  } catch (err) {
    throw toApiError(err, SDK, timeoutMs);
  }
  yield done;
}

interface RawCompletion {
  choices?: { message?: { content?: unknown }; finish_reason?: unknown }[];
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
}

function parse(raw: unknown, latencyMs: number): Completion {
  if (!raw || typeof raw !== 'object') throw malformed('expected a JSON object');
  const r = raw as RawCompletion;
  const choice = Array.isArray(r.choices) ? r.choices[0] : undefined;
  if (!choice || typeof choice !== 'object' || !choice.message || typeof choice.message !== 'object') throw malformed('no choices[0].message');
  const content = choice.message.content;
  if (content !== null && content !== undefined && typeof content !== 'string') throw malformed('choices[0].message.content is not a string');
  const count = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : undefined);
  const inputTokens = count(r.usage?.prompt_tokens);
  const outputTokens = count(r.usage?.completion_tokens);
  return {
    text: content ?? '',
    latencyMs,
    ...(inputTokens !== undefined ? { inputTokens } : {}),
    ...(outputTokens !== undefined ? { outputTokens } : {}),
    ...(typeof choice.finish_reason === 'string' ? { finishReason: choice.finish_reason } : {}),
  };
}
