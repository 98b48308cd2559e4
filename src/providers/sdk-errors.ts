import { ApiError, httpError } from './api-error.js';

// Both SDKs (openai, @anthropic-ai/sdk) come from the same generator and throw the same error
// family; this maps either family to an ApiError, given the classes of the SDK that threw.

type Ctor = abstract new (...args: never[]) => Error;

export interface SdkErrorClasses {
  APIError: Ctor;
  APIConnectionError: Ctor;
  APIConnectionTimeoutError: Ctor;
  APIUserAbortError: Ctor;
}

interface WithStatus {
  status?: number;
  headers?: { get(name: string): string | null };
  cause?: unknown;
}

export function toApiError(err: unknown, sdk: SdkErrorClasses, timeoutMs: number): unknown {
  if (err instanceof ApiError) return err;
  if (err instanceof sdk.APIUserAbortError) return err;
  if (err instanceof sdk.APIConnectionTimeoutError) {
    return new ApiError(`timed out after ${timeoutMs} ms`, { kind: 'timeout', retryable: true });
  }
  if (err instanceof sdk.APIConnectionError) {
    const cause = (err as WithStatus).cause;
    // Our own fetch (plain-http-fetch.ts) rejects with an ApiError for an answer it cannot represent.
    if (cause instanceof ApiError) return cause;
    const code = cause instanceof Error ? causeCode(cause) : undefined;
    const detail = cause instanceof Error ? causeText(cause) : '';
    // An answer the HTTP parser rejects (status 0, 199, garbage) came from a live server: a failed call like a 5xx.
    if (code?.startsWith('HPE_')) return new ApiError(`invalid HTTP response: ${detail}`, { kind: 'http', retryable: true });
    // Nobody listens there (or the name does not resolve): retrying every row would only wait.
    const kind = code !== undefined && UNREACHABLE.has(code) ? 'unreachable' : 'connection';
    return new ApiError(`connection failed${detail ? `: ${detail}` : ''}`, { kind, retryable: true });
  }
  if (err instanceof sdk.APIError) {
    const e = err as Error & WithStatus;
    if (e.status !== undefined) return httpError(e.status, messageOf(e, e.status), e.headers);
  }
  // The SDKs parse JSON bodies with JSON.parse; a truncated or non-JSON body surfaces as this.
  // A body cut short is a transient fault of the server or the network: retried like a 5xx.
  if (err instanceof SyntaxError) return new ApiError(`malformed response body: ${err.message}`, { kind: 'malformed', retryable: true });
  return err;
}

/**
 * The server's own message. OpenAI-style bodies are { error: { message } } and the SDK keeps the
 * inner object; Anthropic-style bodies are { type, error: { type, message } } and the SDK keeps
 * the whole body, stringified into its message. Either way: "STATUS message".
 */
function messageOf(err: Error & { error?: unknown }, status: number): string {
  const body = err.error;
  if (body && typeof body === 'object') {
    const direct = (body as { message?: unknown }).message;
    if (typeof direct === 'string') return `${status} ${direct}`;
    const inner = (body as { error?: { message?: unknown } }).error?.message;
    if (typeof inner === 'string') return `${status} ${inner}`;
  }
  return err.message;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_FAIL']);

function causeCode(cause: Error): string | undefined {
  const code = (cause as { code?: unknown }).code;
  const inner = (cause as { cause?: unknown }).cause;
  const innerCode = inner && typeof inner === 'object' ? (inner as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : typeof innerCode === 'string' ? innerCode : undefined;
}

function causeText(cause: Error): string {
  return [causeCode(cause) ?? '', cause.message].filter(Boolean).join(' ');
}

export function malformed(what: string): ApiError {
  return new ApiError(`malformed response: ${what}`, { kind: 'malformed', retryable: true });
}
