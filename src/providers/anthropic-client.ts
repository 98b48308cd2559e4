import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { DEFAULT_MAX_TOKENS, type ChatClient, type ChatParams, type CallOptions, type Completion, type StreamEvent } from './types.js';
import { plainHttpFetch } from './plain-http-fetch.js';
import { malformed, toApiError } from './sdk-errors.js';

// Anthropic's Messages API. Loaded only when a run needs it; SDK retries off for the same reason
// as in openai-client.ts.

export interface AnthropicClientOptions {
  apiKey: string;
  baseURL: string;
  model: string;
  /** Use the node:http fetch (src/providers/plain-http-fetch.ts); set for http: base URLs. */
  plainHttp?: boolean;
}

const SDK = { APIError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError };

export function createAnthropicClient(opts: AnthropicClientOptions): ChatClient {
  const client = new Anthropic({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 0, ...(opts.plainHttp ? { fetch: plainHttpFetch } : {}) });
  // plainHttpFetch reads whole bodies; a stream needs the SDK's own fetch, which hands chunks on as they come.
  let streaming: Anthropic | undefined;
  const params = (request: ChatParams) => ({
    model: opts.model,
    max_tokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    ...(request.system !== undefined ? { system: request.system } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { top_p: request.topP } : {}),
    ...(request.stop !== undefined ? { stop_sequences: request.stop } : {}),
  });
  return {
    async complete(request: ChatParams, options: CallOptions): Promise<Completion> {
      const started = performance.now();
      let raw: unknown;
      try {
        raw = await client.messages.create(params(request), { timeout: options.timeoutMs, signal: options.signal, maxRetries: 0 });
      } catch (err) {
        throw toApiError(err, SDK, options.timeoutMs);
      }
      return parse(raw, performance.now() - started);
    },
    async stream(request: ChatParams, options: CallOptions): Promise<AsyncIterable<StreamEvent>> {
      streaming ??= new Anthropic({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 0 });
      let events: AsyncIterable<Anthropic.Messages.RawMessageStreamEvent>;
      try {
        events = await streaming.messages.create({ ...params(request), stream: true }, { timeout: options.timeoutMs, signal: options.signal, maxRetries: 0 });
      } catch (err) {
        throw toApiError(err, SDK, options.timeoutMs);
      }
      return streamEvents(events, options.timeoutMs);
    },
  };
}

async function* streamEvents(events: AsyncIterable<Anthropic.Messages.RawMessageStreamEvent>, timeoutMs: number): AsyncGenerator<StreamEvent> {
  const done: Extract<StreamEvent, { type: 'done' }> = { type: 'done' };
  try {
    for await (const e of events) {
      if (e.type === 'message_start') done.inputTokens = e.message.usage.input_tokens;
      else if (e.type === 'content_block_delta' && e.delta.type === 'text_delta' && e.delta.text !== '') yield { type: 'delta', text: e.delta.text };
      else if (e.type === 'message_delta') {
        done.outputTokens = e.usage.output_tokens;
        if (typeof e.delta.stop_reason === 'string') done.finishReason = e.delta.stop_reason;
      }
    }
  } catch (err) {
    throw toApiError(err, SDK, timeoutMs);
  }
  yield done;
}

interface RawMessage {
  content?: { type?: unknown; text?: unknown }[];
  stop_reason?: unknown;
  usage?: { input_tokens?: unknown; output_tokens?: unknown };
}

function parse(raw: unknown, latencyMs: number): Completion {
  if (!raw || typeof raw !== 'object') throw malformed('expected a JSON object');
  const r = raw as RawMessage;
  if (!Array.isArray(r.content)) throw malformed('no content array');
  const text = r.content
    .filter((b) => b && typeof b === 'object' && b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('');
  const count = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : undefined);
  const inputTokens = count(r.usage?.input_tokens);
  const outputTokens = count(r.usage?.output_tokens);
  return {
    text,
    latencyMs,
    ...(inputTokens !== undefined ? { inputTokens } : {}),
    ...(outputTokens !== undefined ? { outputTokens } : {}),
    ...(typeof r.stop_reason === 'string' ? { finishReason: r.stop_reason } : {}),
  };
}
