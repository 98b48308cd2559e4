import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadCatalog } from '../cost/catalog.js';
import { ApiError } from '../providers/api-error.js';
import { realClock, type Clock } from '../providers/clock.js';
import type { LabelConfig } from '../providers/config.js';
import { GaveUp, withRetries, type RetryPolicy } from '../providers/retry.js';
import type { ChatParams } from '../providers/types.js';
import { relayStream } from './sse.js';
import { finishReason, parseChatRequest, RequestError, routedText, toChatParams, type ChatCompletionRequest, type RouteOn } from './chat-api.js';
import { LOG_RECORD_VERSION, type LogRecord } from './log-record.js';
import { ServeMetrics } from './metrics.js';
import { openRequestLog, type RequestLog, type RequestLogOptions } from './request-log.js';
import { openDeployment, type ServeDecision, type ServedDeployment } from './routing.js';
import { callCost, connectUpstreams, type Upstream } from './upstream.js';

// The routing server as a request handler for node:http (and so for Express, Fastify or any
// server that hands over Node's req and res): OpenAI's chat-completions API in front of the
// deployment's models. Each request is routed (or passed through when it names a served model),
// answered by the chosen model's provider, escalated to the next stronger model when that one
// fails after its retries, logged (one JSON line, src/serve/log-record.ts) and counted for
// /metrics. `reload` swaps the deployment atomically: a request keeps the one it started with.

export interface RouterHandlerOptions {
  /** The deployment: a file, NAME (its latest version, also on reload) or NAME@VERSION. */
  deployment: string;
  /** The artifact store that NAME refers to (default `artifacts`). */
  artifacts?: string;
  /** NAME=provider:model for model names that are not provider ids, and extra names to pass through to. */
  upstream?: Record<string, string>;
  /** NAME=URL: the base URL of a served model (an OpenAI-compatible server, say). */
  baseUrl?: Record<string, string>;
  /** Keys, base URLs and limits per provider and model, as `router label --config` reads them. */
  config?: LabelConfig;
  /** Which text is routed (default: the last user message). */
  routeOn?: RouteOn;
  /** The request log; null for none. */
  log?: RequestLogOptions | null;
  /** Write the routed text into the log (off by default: queries may hold personal data). */
  logQueries?: boolean;
  /** Per upstream attempt (default 60 s). */
  timeoutMs?: number;
  /** Retries per model before falling back (default SERVE_RETRY). */
  retry?: RetryPolicy;
  /** When set, every request but /healthz needs `Authorization: Bearer <token>`. */
  token?: string;
  embedder?: string;
  /** A price file adding to the built-in catalog, for dollars in the log. */
  prices?: string;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
}

/** Shorter than label's: a client is waiting, and a fallback is there to answer instead. */
export const SERVE_RETRY: RetryPolicy = { retries: 2, baseDelayMs: 200, maxDelayMs: 2000, maxRetryAfterMs: 5000 };

export const DEFAULT_TIMEOUT_MS = 60_000;

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface RouterHandler {
  /** For node:http; with Express's `next`, paths it does not serve are handed on. */
  (req: IncomingMessage, res: ServerResponse, next?: () => void): void;
  /** The deployment serving now. */
  readonly deployment: ServedDeployment;
  readonly upstreams: ReadonlyMap<string, Upstream>;
  readonly metrics: ServeMetrics;
  /** Requests being answered now. */
  inFlight(): number;
  /** Resolves once no request is in flight. */
  idle(): Promise<void>;
  /** Loads the deployment again (the latest version when it was named by NAME) and swaps it in; on failure throws and the old one keeps serving. */
  reload(): Promise<ServedDeployment>;
  /** Closes the request log; call once no request is in flight. */
  close(): void;
}

interface State {
  deployment: ServedDeployment;
  upstreams: Map<string, Upstream>;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function sameSecret(a: string, b: string): boolean {
  // Digests have equal length whatever the inputs, which timingSafeEqual requires.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new RequestError(413, `the request body is over ${MAX_BODY_BYTES / 1024 / 1024} MiB`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** 5xx, timeouts, dropped connections, nothing listening and a 429 past its wait: another model may answer. */
function fallsBack(err: ApiError): boolean {
  return err.info.retryable || err.info.kind === 'unreachable' || err.info.kind === 'rate-limit-wait';
}

export async function createRouterHandler(options: RouterHandlerOptions): Promise<RouterHandler> {
  const artifacts = options.artifacts ?? 'artifacts';
  const env = options.env ?? process.env;
  const routeOn = options.routeOn ?? 'last-user';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const policy = options.retry ?? SERVE_RETRY;
  const clock = options.clock ?? realClock;
  const catalog = await loadCatalog(options.prices);
  const metrics = new ServeMetrics();

  const load = async (): Promise<State> => {
    const deployment = openDeployment(options.deployment, artifacts, env, options.embedder);
    const usage = deployment.loaded.kind === 'pair' ? deployment.loaded.body.usage : undefined;
    const upstreams = await connectUpstreams({ models: deployment.models, upstream: options.upstream ?? {}, baseUrl: options.baseUrl ?? {}, config: options.config, env, catalog, ...(usage ? { usage } : {}) });
    // The first decision compiles the featurizer's hot paths (about 20 ms): pay it here, not on a client's request.
    await deployment.decide('warm-up');
    return { deployment, upstreams };
  };
  let state = await load();
  const log: RequestLog | null = options.log ? openRequestLog(options.log) : null;

  let inFlight = 0;
  let waiters: (() => void)[] = [];
  const settle = () => {
    if (--inFlight === 0) {
      for (const w of waiters) w();
      waiters = [];
    }
  };

  /** One model's answer after its retries, or the error it gave up with. */
  async function attempt<T>(run: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: ApiError }> {
    try {
      const value = await withRetries(
        async () => {
          try {
            return await run();
          } catch (err) {
            // Nothing listens there: retrying only delays the fallback.
            if (err instanceof ApiError && err.info.kind === 'unreachable') throw new ApiError(err.message, { ...err.info, retryable: false });
            throw err;
          }
        },
        policy,
        { clock },
      );
      return { ok: true, value };
    } catch (err) {
      if (err instanceof GaveUp) return { ok: false, error: err.error };
      throw err;
    }
  }

  async function chat(req: IncomingMessage, res: ServerResponse, raw: unknown, record: LogRecord): Promise<void> {
    const s = state;
    const request: ChatCompletionRequest = parseChatRequest(raw);
    const params: ChatParams = toChatParams(request);
    record.requested = request.model;
    record.stream = request.stream === true;
    const routed = request.model === 'router' || request.model === s.deployment.ref.name;
    if (!routed && !s.upstreams.has(request.model)) {
      throw new RequestError(404, `The model \`${request.model}\` is not served here; served: router, ${s.deployment.ref.name}, ${[...s.upstreams.keys()].join(', ')}`, 'invalid_request_error', 'model', 'model_not_found');
    }
    let text: string;
    try {
      text = routedText(request, routeOn);
    } catch (err) {
      if (routed) throw err;
      text = '';
    }
    record.queryHash = sha256(text);
    if (options.logQueries) record.query = text;
    let decision: ServeDecision;
    if (routed) {
      const t0 = performance.now();
      decision = await s.deployment.decide(text);
      record.routerMs = performance.now() - t0;
      record.deployment = s.deployment.ref;
    } else decision = { chosen: request.model, score: null, monitored: false, chain: [request.model] };
    Object.assign(record, { routed, chosen: decision.chosen, score: decision.score, monitored: decision.monitored, ...(decision.predicted ? { predicted: decision.predicted } : {}) });

    const aborter = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborter.abort();
    });
    const call = { timeoutMs, signal: aborter.signal };
    const deploymentName = routed ? (s.deployment.ref.version !== null ? `${s.deployment.ref.name}@${s.deployment.ref.version}` : s.deployment.ref.name) : null;
    const routerInfo = (answeredBy: string) => ({ model: answeredBy, chosen: decision.chosen, routed, score: decision.score, monitored: decision.monitored, fallback: record.fallback, deployment: deploymentName });
    const headers = (answeredBy: string): Record<string, string> => ({
      'x-router-model': answeredBy,
      'x-router-chosen': decision.chosen,
      'x-router-routed': String(routed),
      'x-router-monitored': String(decision.monitored),
      ...(decision.score !== null ? { 'x-router-score': decision.score.toFixed(6) } : {}),
      ...(record.fallback.length ? { 'x-router-fallback': record.fallback.map((f) => f.model).join(',') } : {}),
      ...(deploymentName ? { 'x-router-deployment': deploymentName } : {}),
    });
    const id = `chatcmpl-${record.requestId}`;
    const created = Math.floor(Date.now() / 1000);
    const upstreamStart = performance.now();
    let lastError: ApiError | undefined;

    for (const name of decision.chain) {
      const up = s.upstreams.get(name)!;
      if (!record.stream) {
        const got = await attempt(() => up.client.complete(params, call));
        if (!got.ok) {
          lastError = got.error;
          if (!fallsBack(got.error)) break;
          record.fallback.push({ model: name, reason: got.error.message });
          continue;
        }
        const c = got.value;
        record.upstreamMs = performance.now() - upstreamStart;
        record.answeredBy = name;
        record.inputTokens = c.inputTokens ?? null;
        record.outputTokens = c.outputTokens ?? null;
        record.costUsd = callCost(up.price, record.inputTokens, record.outputTokens);
        record.status = 200;
        sendJson(
          res,
          200,
          {
            id,
            object: 'chat.completion',
            created,
            model: name,
            choices: [{ index: 0, message: { role: 'assistant', content: c.text }, finish_reason: finishReason(c.finishReason), logprobs: null }],
            ...(c.inputTokens !== undefined || c.outputTokens !== undefined
              ? { usage: { prompt_tokens: c.inputTokens ?? 0, completion_tokens: c.outputTokens ?? 0, total_tokens: (c.inputTokens ?? 0) + (c.outputTokens ?? 0) } }
              : {}),
            router: routerInfo(name),
          },
          headers(name),
        );
        return;
      }
      // A stream can fall back only until its first byte reaches the client: the first event is
      // awaited inside the retries, and once headers are out the answer is this model's.
      const got = await attempt(async () => {
        const events = (await up.client.stream(params, call))[Symbol.asyncIterator]();
        return { events, first: await events.next() };
      });
      if (!got.ok) {
        lastError = got.error;
        if (!fallsBack(got.error)) break;
        record.fallback.push({ model: name, reason: got.error.message });
        continue;
      }
      record.answeredBy = name;
      record.status = 200;
      const broke = await relayStream(res, got.value.events, got.value.first, { id, created, model: name, router: routerInfo(name), headers: headers(name), includeUsage: request.stream_options?.include_usage === true }, (e) => {
        record.inputTokens = e.inputTokens ?? null;
        record.outputTokens = e.outputTokens ?? null;
        record.costUsd = callCost(up.price, record.inputTokens, record.outputTokens);
      });
      if (broke !== undefined) record.error = broke;
      record.upstreamMs = performance.now() - upstreamStart;
      return;
    }
    record.upstreamMs = performance.now() - upstreamStart;
    const err = lastError!;
    // The last model tried is in `fallback` when its failure was one another model could have answered past.
    const failed = fallsBack(err) ? record.fallback.at(-1)!.model : decision.chain[record.fallback.length]!;
    const earlier = record.fallback.filter((f) => f.model !== failed).map((f) => f.model);
    const tried = earlier.length ? ` (after ${earlier.join(', ')} failed)` : '';
    // A 400 from upstream is about the request (too long, say); anything else is the upstream's failure.
    const status = err.info.status === 400 || err.info.status === 422 ? 400 : 502;
    throw new RequestError(status, `upstream ${failed} failed: ${err.message}${tried}`, status === 400 ? 'invalid_request_error' : 'upstream_error', null, err.info.kind);
  }

  function authorized(req: IncomingMessage): boolean {
    if (options.token === undefined) return true;
    const h = req.headers.authorization;
    const given = typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7).trim() : '';
    return sameSecret(given, options.token);
  }

  function newRecord(): LogRecord {
    return {
      v: LOG_RECORD_VERSION,
      time: new Date().toISOString(),
      requestId: randomUUID(),
      deployment: null,
      queryHash: '',
      requested: '',
      routed: false,
      chosen: '',
      answeredBy: null,
      score: null,
      monitored: false,
      fallback: [],
      stream: false,
      status: 0,
      inputTokens: null,
      outputTokens: null,
      costUsd: null,
      upstreamMs: 0,
      routerMs: 0,
    };
  }

  async function serveChat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const record = newRecord();
    try {
      const pre = (req as { body?: unknown }).body;
      let raw: unknown = pre;
      // Express's json() (or Fastify) may have parsed the body already.
      if (pre === undefined) {
        const text = await readBody(req);
        try {
          raw = JSON.parse(text);
        } catch {
          throw new RequestError(400, 'the request body is not valid JSON', 'invalid_request_error', null, 'invalid_json');
        }
      }
      await chat(req, res, raw, record);
    } catch (err) {
      if (!(err instanceof RequestError)) {
        if (err instanceof Error && err.name === 'APIUserAbortError') {
          record.status = 499;
          record.error = 'the client went away';
        } else {
          record.status = 500;
          record.error = `internal error: ${err instanceof Error ? err.message : String(err)}`;
          sendJson(res, 500, new RequestError(500, record.error, 'server_error').body());
        }
      } else {
        record.status = err.status;
        record.error = err.message;
        sendJson(res, err.status, err.body());
      }
    }
    if (record.chosen === '') {
      // Refused before any model was chosen (malformed, unknown model): counted, not logged.
      metrics.reject(record.status);
      return;
    }
    metrics.record({
      model: record.answeredBy ?? record.chosen,
      routed: record.routed,
      status: record.status,
      monitored: record.monitored,
      fallbacks: record.fallback,
      inputTokens: record.inputTokens,
      outputTokens: record.outputTokens,
      costUsd: record.costUsd,
      upstreamMs: record.upstreamMs,
      routerMs: record.routerMs,
    });
    log?.write(record);
  }

  const handler = ((req: IncomingMessage, res: ServerResponse, next?: () => void) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const known = path === '/v1/chat/completions' || path === '/v1/models' || path === '/metrics' || path === '/healthz';
    if (!known && next) return next();
    inFlight++;
    res.on('close', settle);
    if (path === '/healthz') return sendJson(res, 200, { ok: true, deployment: state.deployment.ref });
    if (!authorized(req)) return sendJson(res, 401, new RequestError(401, 'missing or wrong bearer token (Authorization: Bearer <ROUTER_SERVER_TOKEN>)', 'authentication_error', null, 'invalid_api_key').body(), { 'www-authenticate': 'Bearer' });
    if (path === '/v1/chat/completions') {
      if (req.method !== 'POST') return sendJson(res, 405, new RequestError(405, 'use POST').body(), { allow: 'POST' });
      void serveChat(req, res);
      return;
    }
    if (req.method !== 'GET') return sendJson(res, 405, new RequestError(405, 'use GET').body(), { allow: 'GET' });
    if (path === '/v1/models') {
      const s = state;
      const ids = ['router', s.deployment.ref.name, ...s.upstreams.keys()];
      return sendJson(res, 200, { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: id === 'router' || id === s.deployment.ref.name ? 'router' : s.upstreams.get(id)!.spec.provider })) });
    }
    if (path === '/metrics') {
      const text = metrics.render();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
      return void res.end(text);
    }
    sendJson(res, 404, new RequestError(404, `no route ${req.method} ${path}; this server answers POST /v1/chat/completions, GET /v1/models, /metrics and /healthz`, 'invalid_request_error', null, 'not_found').body());
  }) as RouterHandler;

  Object.defineProperties(handler, {
    deployment: { get: () => state.deployment },
    upstreams: { get: () => state.upstreams },
    metrics: { value: metrics },
  });
  handler.inFlight = () => inFlight;
  handler.idle = () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)));
  handler.reload = async () => {
    const next = await load();
    state = next;
    return next.deployment;
  };
  handler.close = () => log?.close();
  return handler;
}
