// The provider-neutral shape of one chat call, shared by the OpenAI and Anthropic clients, the
// cache and the labelling pipeline. Everything here is plain data: no SDK type leaks past a client.

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** What a client sends: `router serve` passes on a request that names no token limit as such. */
export interface ChatParams {
  system?: string;
  messages: ChatMessage[];
  /** Omitted: the server's default (Anthropic, which needs one, gets DEFAULT_MAX_TOKENS). */
  maxTokens?: number;
  /** Omitted: the server's default (some reasoning models accept no other value). */
  temperature?: number;
  topP?: number;
  stop?: string[];
}

/** A call of the labelling pipeline, which always bounds the answer (its cost estimates rely on it). */
export interface ChatRequest extends ChatParams {
  maxTokens: number;
}

/** What Anthropic is sent when a request (a pass-through from `router serve`) names no limit: it requires one. */
export const DEFAULT_MAX_TOKENS = 4096;

/** One event of a streamed answer: text as it comes, then the totals once the server is done. */
export type StreamEvent =
  | { type: 'delta'; text: string }
  | { type: 'done'; inputTokens?: number; outputTokens?: number; finishReason?: string };

export interface Completion {
  text: string;
  /** Token counts as the server reported them; absent when a compatible server sends no usage. */
  inputTokens?: number;
  outputTokens?: number;
  /** Wall time of the attempt that succeeded (retry waits excluded). */
  latencyMs: number;
  finishReason?: string;
}

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** One connected model. `complete` throws an ApiError (src/providers/api-error.ts) on failure. */
export interface ChatClient {
  complete(request: ChatParams, options: CallOptions): Promise<Completion>;
  /**
   * The answer as it is generated (`router serve` with stream: true). Opening the stream throws
   * an ApiError like `complete`; an error after the first event surfaces from the iterator.
   */
  stream(request: ChatParams, options: CallOptions): Promise<AsyncIterable<StreamEvent>>;
}
