import { z } from 'zod';
import { readLabelConfig } from '../../providers/config.js';
import { ROUTE_ON } from '../../serve/chat-api.js';
import { createRouterHandler, DEFAULT_TIMEOUT_MS, SERVE_RETRY, type RouterHandler } from '../../serve/handler.js';
import { DEFAULT_LOG_KEEP, DEFAULT_LOG_MAX_BYTES } from '../../serve/request-log.js';
import { checkBind, listen } from '../../serve/server.js';
import { namedValues } from '../../serve/upstream.js';
import type { DeploymentRef } from '../../serve/routing.js';
import { nameSchema, nonNegativeIntegerSchema, nonNegativeSchema, oneOf, positiveIntegerSchema, positiveSchema, validateOptions } from '../options.js';
import type { Rendered, RunDeps } from '../rendered.js';

// `router serve`: the OpenAI-compatible routing server (src/serve/). runServe validates every
// option, mapping, key and the deployment, then listens, and returns a handle; main prints the
// start line and keeps the process up until SIGTERM or SIGINT, reloading on SIGHUP.

export const serveOptionsSchema = z.strictObject({
  deployment: nameSchema,
  host: nameSchema.default('127.0.0.1'),
  port: nonNegativeIntegerSchema.max(65535, 'expected a port in 0..65535').default(8080),
  /** NAME=provider:model, repeatable. */
  upstream: z.array(z.string(), { message: 'expected a list of NAME=provider:model' }).default([]),
  /** NAME=URL, repeatable. */
  baseUrl: z.array(z.string(), { message: 'expected a list of NAME=URL' }).default([]),
  config: nameSchema.optional(),
  routeOn: oneOf(ROUTE_ON as [string, ...string[]]).default('last-user'),
  /** The request log; false for none. */
  log: z.union([nameSchema, z.literal(false)]).default('router-requests.jsonl'),
  logMaxBytes: positiveIntegerSchema.default(DEFAULT_LOG_MAX_BYTES),
  logKeep: nonNegativeIntegerSchema.default(DEFAULT_LOG_KEEP),
  logQueries: z.boolean().default(false),
  /** Seconds per upstream attempt (as label's --timeout). */
  timeout: positiveSchema.default(DEFAULT_TIMEOUT_MS / 1000),
  retries: nonNegativeIntegerSchema.default(SERVE_RETRY.retries),
  /** Seconds to wait for requests in flight on shutdown. */
  drainTimeout: nonNegativeSchema.default(10),
  embedder: nameSchema.optional(),
  prices: nameSchema.optional(),
  artifacts: nameSchema.default('artifacts'),
});

/** Options of `router serve`, as a script passes them. */
export type ServeOptions = z.input<typeof serveOptionsSchema>;

export interface ServeResult {
  url: string;
  host: string;
  port: number;
  deployment: { ref: DeploymentRef; path: string; description: string };
  models: string[];
  log: string | null;
  auth: boolean;
  handler: RouterHandler;
  /** Stops accepting, drains (up to --drain-timeout), closes the log; true when every request finished. */
  stop(): Promise<boolean>;
}

export async function runServe(options: ServeOptions, deps: RunDeps = {}): Promise<ServeResult> {
  const o = validateOptions(serveOptionsSchema, options);
  const env = deps.env ?? process.env;
  const token = env.ROUTER_SERVER_TOKEN?.trim() || undefined;
  checkBind(o.host, token);
  const handler = await createRouterHandler({
    deployment: o.deployment,
    artifacts: o.artifacts,
    upstream: namedValues(o.upstream, 'upstream'),
    baseUrl: namedValues(o.baseUrl, 'baseUrl'),
    ...(o.config !== undefined ? { config: readLabelConfig(o.config) } : {}),
    routeOn: o.routeOn as (typeof ROUTE_ON)[number],
    log: o.log === false ? null : { path: o.log, maxBytes: o.logMaxBytes, keep: o.logKeep },
    logQueries: o.logQueries,
    timeoutMs: o.timeout * 1000,
    retry: { ...SERVE_RETRY, retries: o.retries },
    ...(token ? { token } : {}),
    ...(o.embedder !== undefined ? { embedder: o.embedder } : {}),
    ...(o.prices !== undefined ? { prices: o.prices } : {}),
    env,
  });
  let running;
  try {
    running = await listen(handler, o.host, o.port);
  } catch (err) {
    handler.close();
    throw err;
  }
  const d = handler.deployment;
  return {
    url: running.url,
    host: running.host,
    port: running.port,
    deployment: { ref: d.ref, path: d.path, description: d.describe() },
    models: [...handler.upstreams.keys()],
    log: o.log === false ? null : o.log,
    auth: token !== undefined,
    handler,
    stop: () => running.close(o.drainTimeout * 1000),
  };
}

function refText(ref: DeploymentRef): string {
  return ref.version !== null ? `${ref.name}@${ref.version}` : ref.name;
}

/** The start line: which deployment, over which models, where. */
export function renderServe(r: ServeResult, view: { json?: boolean } = {}): Rendered {
  if (view.json) {
    const line = JSON.stringify({ event: 'listening', url: r.url, host: r.host, port: r.port, deployment: r.deployment.ref, path: r.deployment.path, models: r.models, log: r.log, auth: r.auth });
    return { before: [], stdout: line, after: [] };
  }
  const extra = [r.log ? `log ${r.log}` : 'no log', r.auth ? 'bearer token required' : ''].filter(Boolean).join(', ');
  return { before: [`router serve: deployment ${refText(r.deployment.ref)} (${r.deployment.description}) on ${r.url}; ${extra}`], stdout: '', after: [] };
}

/** After SIGHUP: which deployment serves now, or why the old one still does. */
export function renderReload(outcome: { ok: true; ref: DeploymentRef; description: string } | { ok: false; error: string }): string {
  return outcome.ok ? `router serve: reloaded: deployment ${refText(outcome.ref)} (${outcome.description})` : `router serve: reload refused, the old deployment keeps serving: ${outcome.error}`;
}

export function renderStop(drained: boolean, inFlight: number): string {
  return drained ? 'router serve: stopped; every request in flight was answered' : `router serve: stopped at the drain deadline with ${inFlight} request(s) still in flight`;
}
