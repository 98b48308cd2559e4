import { ApiError } from './api-error.js';
import type { Clock } from './clock.js';

// Retries with exponential backoff that honour the server's Retry-After. Both SDKs can retry
// by themselves, but their retry happens out of sight of the rate limiter: a 429 must also pause
// every other call to that endpoint (see caller.ts), a wait of an hour must not silently hold
// a worker, and the attempts must show in the journal. So the SDKs run with maxRetries 0 and
// this one loop serves both providers.

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff; doubles on every retry. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this gives up (a daily quota, say) instead of holding a worker. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };

/** Backoff before retry number `retry` (0 = first retry): base x 2^retry, capped, minus up to 25% jitter. */
export function backoffMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const plain = Math.min(policy.baseDelayMs * 2 ** retry, policy.maxDelayMs);
  return plain * (1 - 0.25 * random());
}

/** How long to wait before the next attempt, or undefined to give up. */
export function nextDelay(err: ApiError, retry: number, policy: RetryPolicy, random?: () => number): number | undefined {
  if (!err.info.retryable || retry >= policy.retries) return undefined;
  const asked = err.info.retryAfterMs;
  if (asked !== undefined) return asked <= policy.maxRetryAfterMs ? asked : undefined;
  return backoffMs(retry, policy, random);
}

export interface RetryHooks {
  clock: Clock;
  random?: () => number;
  /** Called before each wait, e.g. to pause the endpoint on a 429. */
  onRetry?: (err: ApiError, delayMs: number, attempt: number) => void;
}

export class GaveUp extends Error {
  constructor(
    readonly error: ApiError,
    readonly attempts: number,
  ) {
    super(error.message);
  }
}

/** Runs `attempt` until it succeeds or a failure is final; throws GaveUp with the last error and attempt count. */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const delay = nextDelay(err, n, policy, hooks.random);
      if (delay === undefined) {
        if (err.info.retryable && err.info.retryAfterMs !== undefined && err.info.retryAfterMs > policy.maxRetryAfterMs) {
          // Waiting would hold a worker for hours and asking again only hammers the quota: the caller stops using the endpoint.
          throw new GaveUp(new ApiError(`${err.message} (the server asks to wait ${Math.round(err.info.retryAfterMs / 1000)} s)`, { ...err.info, kind: 'rate-limit-wait' }), n + 1);
        }
        throw new GaveUp(err, n + 1);
      }
      hooks.onRetry?.(err, delay, n + 1);
      await hooks.clock.sleep(delay);
    }
  }
}
