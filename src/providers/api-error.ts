// A failed LLM call as a value the pipeline can record: what happened, the HTTP status when
// there was one, whether trying again can help, and how long the server asked us to wait.
// Messages pass through `redact` so a key echoed by a server ("Incorrect API key provided:
// sk-...") never reaches a journal, a log line or an error message.

/**
 * `unreachable`: nothing listens at the endpoint (connection refused, unknown host);
 * `rate-limit-wait`: the server asked for a wait beyond the cap (a daily quota);
 * `stopped`: never sent, the run was stopping.
 */
export type ApiErrorKind = 'http' | 'timeout' | 'connection' | 'unreachable' | 'malformed' | 'rate-limit-wait' | 'stopped';

export interface ApiErrorInfo {
  kind: ApiErrorKind;
  status?: number;
  /** True for 408, 409, 429, 5xx, timeouts and dropped connections. */
  retryable: boolean;
  /** From Retry-After / retry-after-ms, when the server sent one. */
  retryAfterMs?: number;
}

export class ApiError extends Error {
  readonly info: ApiErrorInfo;
  constructor(message: string, info: ApiErrorInfo) {
    super(redact(message));
    this.name = 'ApiError';
    this.info = info;
  }
}

/** The serialisable form stored in journals and shown to the user. */
export interface CallError {
  message: string;
  status?: number;
  kind: ApiErrorKind;
  retryable: boolean;
  attempts: number;
  /**
   * The run cannot go on (bad key, no access, unknown model, endpoint unreachable or out of
   * quota, or the call was never sent because the run was stopping): stop the run, and do not
   * record the row as done, so the next run does it again.
   */
  fatal?: boolean;
}

const secrets = new Set<string>();

/**
 * The text a key becomes in base64 (and base64url) wherever it sits in a longer encoded string:
 * one form per alignment, keeping only the characters that depend on the key's bytes alone.
 */
function base64Forms(value: string): string[] {
  const key = Buffer.from(value, 'utf8');
  const forms: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), key]).toString('base64').replace(/=+$/, '');
    const start = shift === 0 ? 0 : Math.ceil((shift * 4) / 3);
    const end = Math.floor(((shift + key.length) * 4) / 3);
    const core = b64.slice(start, end);
    if (core.length >= 8) forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/** Remembers a key so `redact` removes it from any text, wherever the text came from, plain or base64-encoded. */
export function registerSecret(value: string): void {
  if (value.length < 4) return;
  secrets.add(value);
  for (const form of base64Forms(value)) secrets.add(form);
}

// Shapes of API keys in the wild, for keys we were never told about (a server echoing another one).
const KEY_PATTERNS = [/\bsk-[A-Za-z0-9_-]{6,}/g, /\b(?:key|token)-[A-Za-z0-9_-]{16,}/gi, /\bBearer\s+[A-Za-z0-9._~+/-]{8,}=*/g];

/** Removes the keys this process holds, in any of their forms; for model answers, which are data. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
  return out;
}

/** For messages: the keys this process holds, anything shaped like a key, and credentials in URLs. */
export function redact(text: string): string {
  let out = redactSecrets(text);
  for (const p of KEY_PATTERNS) out = out.replace(p, '[redacted]');
  // Credentials inside URLs (https://user:pass@host/).
  return out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi, '$1[redacted]@');
}

/** Also any status outside 200-599: a broken server or proxy, as transient as a 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500 || status < 200;
}

/** 401, 403 and 404 mean the key, the account or the model name is wrong: every later call fails too. */
export function isFatalStatus(status: number): boolean {
  return status === 401 || status === 403 || status === 404;
}

interface HeaderSource {
  get(name: string): string | null;
}

/**
 * The wait a server asked for, in ms: `retry-after-ms` (OpenAI, Anthropic) first, else
 * `Retry-After` as seconds or as an HTTP date.
 */
export function retryAfterMs(headers: HeaderSource | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const ra = headers.get('retry-after');
  if (ra === null || ra.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Number(ra) * 1000;
  const at = Date.parse(ra);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export function httpError(status: number, message: string, headers: HeaderSource | undefined): ApiError {
  return new ApiError(message, { kind: 'http', status, retryable: isRetryableStatus(status), retryAfterMs: retryAfterMs(headers) });
}

export function toCallError(err: unknown, attempts: number): CallError {
  if (err instanceof ApiError) {
    const { kind, status, retryable } = err.info;
    return {
      message: err.message,
      kind,
      retryable,
      attempts,
      ...(status !== undefined ? { status } : {}),
      ...((status !== undefined && isFatalStatus(status)) || kind === 'rate-limit-wait' || kind === 'unreachable' ? { fatal: true } : {}),
    };
  }
  // Anything else thrown inside a client is a bug in this tool, not a property of the row.
  throw err;
}

export function describeCallError(e: CallError): string {
  const tries = e.attempts > 1 ? ` (after ${e.attempts} attempts)` : '';
  return `${e.message}${tries}`;
}
