import pLimit, { type LimitFunction } from 'p-limit';
import type { PriceEntry } from '../cost/catalog.js';
import { ApiError, describeCallError, isFatalStatus, redactSecrets, toCallError, type CallError } from './api-error.js';
import { callKey, type DiskCache } from './cache.js';
import { realClock, type Clock } from './clock.js';
import { RateLimiter } from './rate-limiter.js';
import type { ResolvedModel } from './resolve.js';
import { DEFAULT_RETRY, GaveUp, withRetries, type RetryPolicy } from './retry.js';
import type { ChatRequest, Completion } from './types.js';

// The one seam every LLM call goes through, in this order:
//   run journal (paid for earlier in this run) -> disk cache -> identical call already in flight
//   -> concurrency slot (-j) -> rate limits -> the provider, with retries.
// It never throws for a failed call: the result is a value ({ ok: false, error }), so one bad
// row never aborts a run. A call is announced (`beforeSend`, the journal) before it is sent, so a
// crash leaves a record of what may have been billed; successes are recorded durably before they
// are used and then cached. A budget reserves each call's maximum cost while it is in flight, so
// concurrency cannot overshoot it. Once halted (interrupt, journal failure, budget) no further
// call is sent; the calls in flight finish.

export type CallSource = 'api' | 'cache' | 'journal';

export type CallResult =
  | { ok: true; key: string; completion: Completion; source: CallSource; costUsd?: number }
  | { ok: false; key: string; error: CallError };

export interface CallContext {
  rowId: string;
  /** What the call is for: "weak", "strong", "judge", "confidence". */
  purpose: string;
}

export interface CallerStats {
  api: number;
  cache: number;
  journal: number;
  errors: number;
  retries: number;
  /** Dollars of calls made in this run (priced calls only). */
  spentUsd: number;
  /** API calls whose model has no price, so `spentUsd` misses them. */
  unpriced: number;
}

export type CallEvent =
  | { type: 'retry'; model: string; error: string; delayMs: number; attempt: number }
  | { type: 'done'; model: string; purpose: string; source: CallSource; inputTokens?: number; outputTokens?: number; costUsd?: number }
  | { type: 'error'; model: string; purpose: string; error: CallError }
  | { type: 'cache-write-failed'; message: string };

export interface CallerOptions {
  concurrency: number;
  timeoutMs: number;
  retry?: RetryPolicy;
  clock?: Clock;
  random?: () => number;
  cache?: DiskCache;
  /** Completions this run already paid for, by key (read back from the journal on resume). */
  memo?: Map<string, Completion>;
  /** Makes a paid completion durable before it is used (the journal). A rejection halts the caller. */
  record?: (key: string, completion: Completion, ctx: CallContext) => Promise<void>;
  /** Makes the intent durable before the request leaves; `maxUsd` is the call's reserved maximum. A rejection halts the caller and the call is not sent. */
  beforeSend?: (key: string, ctx: CallContext, maxUsd: number) => Promise<void>;
  /** The call announced by `beforeSend` failed: not billed (as far as anyone can tell). */
  afterFail?: (key: string, ctx: CallContext) => void;
  /** A hard cap: a call is sent only when `spentBefore` + spent + every reserved maximum stays within `maxUsd`. */
  budget?: { maxUsd: number; spentBefore: () => number };
  priceOf?: (modelId: string) => PriceEntry | undefined;
  /** Input tokens of a request, for tokens-per-minute limits. */
  countTokens?: (request: ChatRequest) => number;
  onEvent?: (event: CallEvent) => void;
}

class Broken extends Error {
  constructor(readonly error: CallError) {
    super(error.message);
  }
}

export function completionCost(c: Pick<Completion, 'inputTokens' | 'outputTokens'>, price: PriceEntry | undefined): number | undefined {
  if (!price || c.inputTokens === undefined || c.outputTokens === undefined) return undefined;
  return (c.inputTokens * price.inputPerMTok + c.outputTokens * price.outputPerMTok) / 1e6;
}

export type HaltReason = 'interrupted' | 'journal' | 'budget';

export class LlmCaller {
  readonly stats: CallerStats = { api: 0, cache: 0, journal: 0, errors: 0, retries: 0, spentUsd: 0, unpriced: 0 };
  /** Why no further call is sent, once one of them happened. */
  halted: HaltReason | undefined;
  /** Dollars held by calls in flight (their maximum), and what finished calls count against the budget. */
  private reservedUsd = 0;
  private inFlight = 0;
  private committedUsd = 0;
  private settled: (() => void)[] = [];
  /** Endpoints (out of quota: a wait beyond the cap) and hosts (unreachable) not used again in this run. */
  private readonly down = new Map<string, CallError>();
  private readonly limit: LimitFunction;
  private readonly inflight = new Map<string, Promise<CallResult>>();
  private readonly limiters = new Map<string, RateLimiter>();
  /** Models that answered 401/403/404: every later call would fail the same way, so none is made. */
  private readonly broken = new Map<string, CallError>();
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: CallerOptions) {
    this.limit = pLimit(Math.max(1, options.concurrency));
    this.clock = options.clock ?? realClock;
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  /** No further call is sent (each returns a `stopped` failure); calls in flight finish. */
  halt(reason: HaltReason): void {
    this.halted ??= reason;
  }

  keyOf(model: ResolvedModel, request: ChatRequest): string {
    return callKey(model.spec, request);
  }

  /** The stored answer to this call (earlier in this run, or in the cache), without making or counting a call. */
  async peek(model: ResolvedModel, request: ChatRequest): Promise<Completion | undefined> {
    const key = this.keyOf(model, request);
    return this.options.memo?.get(key) ?? (await this.options.cache?.get(key));
  }

  call(model: ResolvedModel, request: ChatRequest, ctx: CallContext): Promise<CallResult> {
    const key = this.keyOf(model, request);
    const memo = this.options.memo?.get(key);
    if (memo) {
      this.stats.journal++;
      return Promise.resolve(this.done(model, ctx, { ok: true, key, completion: memo, source: 'journal', costUsd: this.cost(model, memo) }));
    }
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.fetch(model, request, key, ctx).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private cost(model: ResolvedModel, c: Completion): number | undefined {
    return completionCost(c, this.options.priceOf?.(model.spec.id));
  }

  private done(model: ResolvedModel, ctx: CallContext, r: CallResult): CallResult {
    if (r.ok) {
      const { inputTokens, outputTokens } = r.completion;
      this.options.onEvent?.({
        type: 'done',
        model: model.spec.id,
        purpose: ctx.purpose,
        source: r.source,
        ...(inputTokens !== undefined ? { inputTokens } : {}),
        ...(outputTokens !== undefined ? { outputTokens } : {}),
        ...(r.costUsd !== undefined ? { costUsd: r.costUsd } : {}),
      });
    }
    return r;
  }

  private async fetch(model: ResolvedModel, request: ChatRequest, key: string, ctx: CallContext): Promise<CallResult> {
    const cached = await this.options.cache?.get(key);
    if (cached) {
      this.stats.cache++;
      return this.done(model, ctx, { ok: true, key, completion: cached, source: 'cache', costUsd: this.cost(model, cached) });
    }
    const brokenKey = model.spec.role + model.spec.id;
    const endpointKey = `${model.spec.provider} ${model.spec.endpoint}`;
    // Nobody answering is a property of the host, whichever API path or provider is asked there.
    const hostKey = new URL(model.spec.baseURL).host;
    let completion: Completion;
    let hold = 0;
    try {
      completion = await this.limit(async () => {
        // Checked when the slot is granted, and marked before it is released: calls queued
        // behind one that found a bad key, model or endpoint are never sent.
        const blocked = this.blocked(brokenKey, endpointKey, hostKey);
        if (blocked) throw new Broken(blocked);
        hold = this.maxCost(model, request);
        if (!(await this.reserve(hold))) throw new Broken(this.stoppedError());
        let sent = false;
        try {
          await this.announce(key, ctx, hold);
          sent = true;
          // Halted while the announcement was being synced: settle it unsent.
          if (this.halted) throw new Broken(this.stoppedError());
          return await this.attempts(model, request, endpointKey, hostKey);
        } catch (err) {
          if (err instanceof GaveUp) {
            const status = err.error.info.status;
            if (status !== undefined && isFatalStatus(status)) this.broken.set(brokenKey, toCallError(err.error, err.attempts));
            else if (err.error.info.kind === 'rate-limit-wait') this.down.set(endpointKey, toCallError(err.error, err.attempts));
            else if (err.error.info.kind === 'unreachable') this.down.set(hostKey, toCallError(err.error, err.attempts));
          }
          if (sent) this.options.afterFail?.(key, ctx);
          this.release(hold, 0);
          throw err;
        }
      });
    } catch (err) {
      if (err instanceof Broken) return this.fail(model, ctx, key, { ...err.error, attempts: 0 });
      if (!(err instanceof GaveUp)) throw err;
      return this.fail(model, ctx, key, toCallError(err.error, err.attempts));
    }
    completion = { ...completion, text: redactSecrets(completion.text) };
    this.stats.api++;
    const costUsd = this.cost(model, completion);
    if (costUsd !== undefined) this.stats.spentUsd += costUsd;
    else this.stats.unpriced++;
    // A priced call whose server reported no usage counts at its maximum: the budget cannot know less.
    this.release(hold, costUsd ?? hold);
    try {
      await this.options.record?.(key, completion, ctx);
    } catch {
      // Paid but not durable: the run must stop before paying for anything else.
      this.halt('journal');
      return this.fail(model, ctx, key, { ...this.stoppedError(), attempts: 1 });
    }
    // Paid once per run: a later identical call (another row with the same query) is answered
    // from memory even without the disk cache.
    this.options.memo?.set(key, completion);
    if (this.options.cache) {
      try {
        await this.options.cache.put(key, model.spec, completion);
      } catch (err) {
        this.options.onEvent?.({ type: 'cache-write-failed', message: (err as Error).message });
      }
    }
    return this.done(model, ctx, { ok: true, key, completion, source: 'api', ...(costUsd !== undefined ? { costUsd } : {}) });
  }

  private blocked(brokenKey: string, endpointKey: string, hostKey: string): CallError | undefined {
    if (this.halted) return this.stoppedError();
    return this.broken.get(brokenKey) ?? this.down.get(endpointKey) ?? this.down.get(hostKey);
  }

  private stoppedError(): CallError {
    const why = { interrupted: 'the run was interrupted', journal: 'the run journal cannot be written', budget: 'the budget (--max-cost) is reached' }[this.halted ?? 'interrupted'];
    return { message: `not sent: ${why}`, kind: 'stopped', retryable: false, attempts: 0, fatal: true };
  }

  /**
   * The most this call can cost: its input tokens and every output token it may use. Input is
   * counted with OpenAI's tokenizer; other providers count up to a fifth more, hence the margin.
   */
  private maxCost(model: ResolvedModel, request: ChatRequest): number {
    const price = this.options.priceOf?.(model.spec.id);
    if (!price) return 0;
    const counted = this.options.countTokens?.(request) ?? Math.ceil(Buffer.byteLength(JSON.stringify(request)) / 2);
    const input = Math.ceil(counted * 1.2);
    return (input * price.inputPerMTok + request.maxTokens * price.outputPerMTok) / 1e6;
  }

  /** Holds `usd` of the budget, waiting while calls in flight may free some; false when the budget is reached. */
  private async reserve(usd: number): Promise<boolean> {
    const b = this.options.budget;
    if (b) {
      while (b.spentBefore() + this.committedUsd + this.reservedUsd + usd > b.maxUsd + 1e-12) {
        if (this.halted) return false;
        if (this.inFlight === 0) {
          this.halt('budget');
          return false;
        }
        await new Promise<void>((resolve) => this.settled.push(resolve));
      }
    }
    if (this.halted) return false;
    this.reservedUsd += usd;
    this.inFlight++;
    return true;
  }

  private release(held: number, charged: number): void {
    this.reservedUsd -= held;
    this.committedUsd += charged;
    this.inFlight--;
    const wake = this.settled;
    this.settled = [];
    for (const w of wake) w();
  }

  private async announce(key: string, ctx: CallContext, maxUsd: number): Promise<void> {
    if (!this.options.beforeSend) return;
    try {
      await this.options.beforeSend(key, ctx, maxUsd);
    } catch {
      this.halt('journal');
      throw new Broken(this.stoppedError());
    }
  }

  private fail(model: ResolvedModel, ctx: CallContext, key: string, error: CallError): CallResult {
    this.stats.errors++;
    this.options.onEvent?.({ type: 'error', model: model.spec.id, purpose: ctx.purpose, error });
    return { ok: false, key, error };
  }

  private limiter(name: string, limits: { rpm?: number; tpm?: number }): RateLimiter {
    let l = this.limiters.get(name);
    if (!l) {
      l = new RateLimiter(limits, this.clock);
      this.limiters.set(name, l);
    }
    return l;
  }

  private async attempts(model: ResolvedModel, request: ChatRequest, endpointKey: string, hostKey: string): Promise<Completion> {
    const { spec } = model;
    const endpoint = this.limiter(`${spec.provider} ${spec.endpoint}`, spec.limits.endpoint);
    const own = this.limiter(`${spec.provider} ${spec.endpoint} ${spec.model}`, spec.limits.model);
    const client = await model.connect();
    const needTokens = !endpoint.unlimited || !own.unlimited;
    const estimate = needTokens ? (this.options.countTokens?.(request) ?? 0) + request.maxTokens : 0;
    return withRetries(
      async () => {
        // Another call found the endpoint unreachable or out of quota while this one waited to retry.
        const down = this.down.get(endpointKey) ?? this.down.get(hostKey);
        if (down) throw new ApiError(down.message, { kind: down.kind, retryable: false, ...(down.status !== undefined ? { status: down.status } : {}) });
        await endpoint.acquire(estimate);
        await own.acquire(estimate);
        const c = await client.complete(request, { timeoutMs: this.options.timeoutMs });
        if (needTokens && c.inputTokens !== undefined && c.outputTokens !== undefined) {
          const unused = estimate - c.inputTokens - c.outputTokens;
          endpoint.refund(unused);
          own.refund(unused);
        }
        return c;
      },
      this.retry,
      {
        clock: this.clock,
        random: this.options.random,
        onRetry: (err: ApiError, delayMs, attempt) => {
          this.stats.retries++;
          // A rate limit is the endpoint's, not this call's: everyone waits it out.
          if (err.info.status === 429) endpoint.pause(delayMs);
          this.options.onEvent?.({ type: 'retry', model: spec.id, error: describeCallError(toCallError(err, attempt)), delayMs, attempt });
        },
      },
    );
  }
}
