import { checkCommonOptions } from '../../user-paths.js';
import { z } from 'zod';
import { readQueries } from '../../data/read-queries.js';
import { msg, option, UserError } from '../../errors.js';
import type { Pair } from '../../data/pair.js';
import { defaultCacheDir } from '../../routers/load.js';
import { openRouter, type RouteDecision } from '../../routers/open.js';
import { renderTable } from '../../ui/table.js';
import { count, fixed, pct } from '../../ui/format.js';
import { encodingSchema, nameSchema, shareSchema, validateOptions } from '../options.js';
import { jsonText, NO_PROGRESS, readLines, type ReadRef, type Rendered, type RunDeps } from '../rendered.js';

export const routeOptionsSchema = z.strictObject({
  /** Queries to route (or `file`). */
  queries: z.array(z.string(), { message: 'expected a list of queries' }).default([]),
  router: nameSchema.optional(),
  deployment: nameSchema.optional(),
  file: nameSchema.optional(),
  queryCol: nameSchema.optional(),
  encoding: encodingSchema.default('utf8'),
  threshold: shareSchema.optional(),
  monitoring: shareSchema.optional(),
  embedder: nameSchema.optional(),
  cacheDir: nameSchema.optional(),
  cache: z.boolean().default(true),
  artifacts: nameSchema.default('artifacts'),
});

/** Options of `router route`, as a script passes them. */
export type RouteOptions = z.input<typeof routeOptionsSchema>;

export interface RouteResult {
  /** The router artifact's path and content hash. */
  router: string;
  routerHash: string;
  deployment?: string;
  pair: Pair;
  threshold: number;
  monitoring: number;
  /** One per query, in order; `line` is the query's line in `file`. */
  decisions: (RouteDecision & { line?: number })[];
  /** Whether the queries came from a file (the table then has a line column). */
  fromFile: boolean;
  reads: ReadRef[];
}

export async function runRoute(options: RouteOptions, deps: RunDeps = {}): Promise<RouteResult> {
  const o = validateOptions(routeOptionsSchema, options);
  checkCommonOptions(o, 'read', deps.env ?? process.env);
  const progress = deps.progress ?? NO_PROGRESS;
  if (o.router && o.deployment) throw new UserError(msg`give ${option('router')} or ${option('deployment')}, not both (a deployment names its router)`);
  if (!o.router && !o.deployment) throw new UserError(msg`name the router with ${option('router')}, or a deployment with ${option('deployment')}`);
  if (o.file && o.queries.length) throw new UserError(msg`give queries as arguments or with ${option('file')}, not both`);
  if (!o.file && o.queries.length === 0) throw new UserError(msg`no query: give one or more as arguments, or a CSV with ${option('file')}`);
  const queries: { query: string; line?: number }[] = o.file ? readQueries(o.file, { queryCol: o.queryCol, encoding: o.encoding }).rows : o.queries.map((query) => ({ query }));
  if (!o.file && queries.some((q) => q.query.trim() === '')) throw new UserError('empty query');

  const cacheDir = o.cache ? (o.cacheDir ?? defaultCacheDir(deps.env)) : null;
  progress.stage(`routing ${count(queries.length)} ${queries.length === 1 ? 'query' : 'queries'}`);
  const opened = openRouter(o.deployment !== undefined ? { deployment: o.deployment } : { router: o.router! }, {
    artifacts: o.artifacts,
    threshold: o.threshold,
    monitoring: o.monitoring,
    embedder: o.embedder,
    cacheDir,
    ...(deps.env ? { env: deps.env } : {}),
    onProgress: (what, done, total) => progress.embed(what, done, total),
  });
  const routed = await opened.routeMany(queries.map((q) => q.query));
  const reads: ReadRef[] = [...(opened.deployment ? [{ kind: 'deployment', path: opened.deployment.path }] : []), { kind: 'router', path: opened.path }];
  return {
    router: opened.path,
    routerHash: opened.hash,
    ...(opened.deployment ? { deployment: opened.deployment.path } : {}),
    pair: opened.pair,
    threshold: opened.threshold,
    monitoring: opened.monitoring,
    decisions: routed.map((d, i) => ({ ...(queries[i]!.line !== undefined ? { line: queries[i]!.line } : {}), ...d })),
    fromFile: o.file !== undefined,
    reads,
  };
}

function shorten(q: string): string {
  const one = q.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? one.slice(0, 57) + '...' : one;
}

export function renderRoute(r: RouteResult, view: { json?: boolean } = {}): Rendered {
  const before = readLines(r.reads);
  const { pair, monitoring, decisions } = r;
  if (view.json) {
    const { router, routerHash, deployment, threshold } = r;
    return { before, stdout: jsonText({ router, routerHash, ...(deployment !== undefined ? { deployment } : {}), pair, threshold, monitoring, decisions }), after: [] };
  }
  const lead = r.fromFile ? 1 : 0;
  const head = [...(r.fromFile ? ['line'] : []), 'query', 'model', 'score', 'threshold', ...(monitoring > 0 ? ['note'] : [])];
  const stdout = renderTable(
    head,
    decisions.map((d) => [
      ...(d.line !== undefined ? [String(d.line)] : []),
      shorten(d.query),
      d.model,
      fixed(d.score),
      fixed(d.threshold),
      ...(monitoring > 0 ? [d.monitored ? 'monitoring' : ''] : []),
    ]),
    { alignLeft: [lead, lead + 1, lead + 4] },
  );
  const strong = decisions.filter((d) => d.tier === 'strong').length;
  const monitored = decisions.filter((d) => d.monitored).length;
  const after =
    decisions.length > 1 || monitoring > 0
      ? [
          `${count(decisions.length)} queries: ${count(strong)} to ${pair.strong} (${pct(strong / decisions.length)})` +
            (monitoring > 0 ? `, ${count(monitored)} of them forced by the ${pct(monitoring)} monitoring sample` : '') +
            `, ${count(decisions.length - strong)} to ${pair.weak}`,
        ]
      : [];
  return { before, stdout, after };
}
