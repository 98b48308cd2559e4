import { z } from 'zod';
import type { ChatMessage, ChatParams } from '../providers/types.js';

// The part of OpenAI's chat-completions request that `router serve` accepts, and its translation
// to the provider-neutral ChatParams that both clients take. Fields outside this subset (user,
// seed, logprobs, response_format, metadata, ...) are ignored rather than refused, so an existing
// OpenAI client works unchanged; tools and n > 1 are refused, since an answer without them would
// be silently wrong.

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const content = z.union([z.string(), z.array(textPart, { message: 'only text content parts are supported' }), z.null()]);

const message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant'], { message: 'expected role system, developer, user or assistant (tool messages are not supported)' }),
  content: content.optional(),
});

const positiveInt = z.number().int().positive().nullish();

export const chatRequestSchema = z.object({
  model: z.string({ message: 'expected a string' }).min(1, 'expected a model name'),
  messages: z.array(message, { message: 'expected an array of messages' }).min(1, 'expected at least one message'),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: positiveInt,
  max_completion_tokens: positiveInt,
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  n: z.literal(1, { message: 'only n = 1 is supported' }).nullish(),
  tools: z.array(z.unknown()).max(0, 'tools are not supported').nullish(),
});

export type ChatCompletionRequest = z.infer<typeof chatRequestSchema>;

/** Which text of a request the router scores: the last user message (default), every user message, or the whole conversation. */
export type RouteOn = 'last-user' | 'user' | 'all';
export const ROUTE_ON: readonly RouteOn[] = ['last-user', 'user', 'all'];

/** An OpenAI-style error, as the SDKs parse it: `{ error: { message, type, param, code } }`. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }

  body(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

function textOf(c: z.infer<typeof content> | undefined): string {
  if (c === null || c === undefined) return '';
  return typeof c === 'string' ? c : c.map((p) => p.text).join('');
}

/** Validates a parsed JSON body; a bad one is a 400 naming the field, as OpenAI's API does. */
export function parseChatRequest(raw: unknown): ChatCompletionRequest {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new RequestError(400, 'the request body must be a JSON object');
  const parsed = chatRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || null;
    throw new RequestError(400, `${param ?? 'body'}: ${issue.message}`, 'invalid_request_error', param, 'invalid_value');
  }
  return parsed.data;
}

/** System and developer messages become the system prompt; the rest the conversation. */
export function toChatParams(r: ChatCompletionRequest): ChatParams {
  const system = r.messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => textOf(m.content));
  const messages: ChatMessage[] = r.messages.filter((m) => m.role === 'user' || m.role === 'assistant').map((m) => ({ role: m.role as ChatMessage['role'], content: textOf(m.content) }));
  if (messages.length === 0) throw new RequestError(400, 'messages: expected at least one user message', 'invalid_request_error', 'messages');
  const maxTokens = r.max_completion_tokens ?? r.max_tokens;
  return {
    ...(system.length ? { system: system.join('\n\n') } : {}),
    messages,
    ...(maxTokens != null ? { maxTokens } : {}),
    ...(r.temperature != null ? { temperature: r.temperature } : {}),
    ...(r.top_p != null ? { topP: r.top_p } : {}),
    ...(r.stop != null ? { stop: typeof r.stop === 'string' ? [r.stop] : r.stop } : {}),
  };
}

/** The text the router scores and the monitoring hash is taken of. */
export function routedText(r: ChatCompletionRequest, on: RouteOn): string {
  const user = r.messages.filter((m) => m.role === 'user').map((m) => textOf(m.content));
  const text = on === 'last-user' ? (user.at(-1) ?? '') : on === 'user' ? user.join('\n') : r.messages.map((m) => textOf(m.content)).join('\n');
  if (text.trim() === '') throw new RequestError(400, 'messages: no user text to route on', 'invalid_request_error', 'messages');
  return text;
}

/** Anthropic's stop reasons in OpenAI's words, so every answer reads the same to the client. */
export function finishReason(reason: string | undefined): string {
  if (reason === undefined || reason === 'end_turn' || reason === 'stop_sequence') return 'stop';
  if (reason === 'max_tokens') return 'length';
  return reason;
}
