import { checkCommonOptions } from '../../user-paths.js';
import { z } from 'zod';
import { readQueries } from '../../data/read-queries.js';
import { msg, option, UserError } from '../../errors.js';
import type { Pair } from '../../data/pair.js';
import { defaultCacheDir, loadAnyRouter, type LoadedMultiRouter } from '../../routers/load.js';
import { routeOverModels, type MultiDecision } from '../../routers/multi-route.js';
import { loadAnyDeployment, openRouter, type RouteDecision } from '../../routers/open.js';
import type { DecisionRule } from '../../routers/multi-router.js';
import { renderTable } from '../../ui/table.js';
import { count, fixed, pct, usd } from '../../ui/format.js';
import { encodingSchema, nameSchema, shareSchema, validateOptions } from '../options.js';
import { jsonText, NO_PROGRESS, readLines, type ReadRef, type Rendered, type RenderView, type RunDeps } from '../rendered.js';

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

/** Queries routed over more than two models. */
export interface MultiRouteResult {
  kind: 'multi';
  router: string;
  routerHash: string;
  models: string[];
  reference: string;
  rule: { kind: 'lambda' | 'tau'; value: number };
  deployment?: string;
  monitoring: number;
  decisions: (MultiDecision & { line?: number })[];
  fromFile: boolean;
  reads: ReadRef[];
}

export type AnyRouteResult = RouteResult | MultiRouteResult;

export interface RouteResult {
  kind: 'pair';
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

export async function runRoute(options: RouteOptions, deps: RunDeps = {}): Promise<AnyRouteResult> {
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
  const load = { embedder: o.embedder, cacheDir, ...(deps.env ? { env: deps.env } : {}), onProgress: (what: string, done: number, total: number) => progress.embed(what, done, total) };
  const dep = o.deployment !== undefined ? loadAnyDeployment(o.deployment, o.artifacts, load) : null;
  if (dep?.kind === 'multi') return routeMany(dep.router, queries, { ...o, monitoring: o.monitoring ?? dep.body.monitoring }, { rule: dep.body.rule, path: dep.path });
  const any = o.router !== undefined ? loadAnyRouter(o.router, o.artifacts, { embedder: o.embedder, cacheDir, ...(deps.env ? { env: deps.env } : {}), onProgress: (what, done, total) => progress.embed(what, done, total) }) : null;
  if (any?.kind === 'multi') return routeMany(any, queries, o);
  const opened = openRouter(dep?.kind === 'pair' ? { deployment: dep } : { loaded: any! }, {
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
    kind: 'pair',
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

async function routeMany(r: LoadedMultiRouter, queries: { query: string; line?: number }[], o: { threshold?: number; monitoring?: number; file?: string }, deployment?: { rule: DecisionRule; path: string }): Promise<MultiRouteResult> {
  const rule = deployment?.rule ?? r.body.rule;
  if (o.threshold !== undefined) throw new UserError(msg`${option('threshold')} applies to a router over a pair; ${r.name} routes over ${r.body.models.length} models by its rule (${rule.kind} ${rule.value})`);
  const monitoring = o.monitoring ?? 0;
  const decisions = await routeOverModels(r.router, queries.map((q) => q.query), { rule, monitoring, reference: r.body.reference });
  return {
    kind: 'multi',
    router: r.path,
    routerHash: r.hash,
    models: r.body.models,
    reference: r.body.reference,
    rule,
    monitoring,
    ...(deployment ? { deployment: deployment.path } : {}),
    decisions: decisions.map((d, i) => ({ ...(queries[i]!.line !== undefined ? { line: queries[i]!.line } : {}), ...d })),
    fromFile: o.file !== undefined,
    reads: [...(deployment ? [{ kind: 'deployment', path: deployment.path }] : []), { kind: 'router', path: r.path }],
  };
}

function renderRouteMany(r: MultiRouteResult, view: RenderView): Rendered {
  const before = readLines(r.reads);
  if (view.json) {
    const { kind: _k, reads: _r, fromFile: _f, ...rest } = r;
    return { before, stdout: jsonText(rest), after: [] };
  }
  const lead = r.fromFile ? 1 : 0;
  // One row per query: the chosen model, then its predicted quality and cost beside the best predicted alternative.
  const head = [...(r.fromFile ? ['line'] : []), 'query', 'model', 'predicted quality', '$ / 1k', 'best predicted', ...(r.monitoring > 0 ? ['note'] : [])];
  const rows = r.decisions.map((d) => {
    const chosen = d.predicted.find((p) => p.model === d.model)!;
    const top = d.predicted.reduce((a, b) => (b.quality > a.quality ? b : a));
    return [
      ...(d.line !== undefined ? [String(d.line)] : []),
      shorten(d.query),
      d.model,
      fixed(chosen.quality),
      usd(chosen.cost * 1000, 3),
      top.model === d.model ? '' : `${top.model} (${fixed(top.quality)})`,
      ...(r.monitoring > 0 ? [d.monitored ? 'monitoring' : ''] : []),
    ];
  });
  const stdout = renderTable(head, rows, { alignLeft: [lead, lead + 1, lead + 4], layout: view, truncate: [lead], short: { [lead + 2]: 'quality' }, optional: [lead + 4] });
  const counts = new Map<string, number>();
  for (const d of r.decisions) counts.set(d.model, (counts.get(d.model) ?? 0) + 1);
  const n = r.decisions.length;
  const after = [
    `${count(n)} ${n === 1 ? 'query' : 'queries'} by ${r.rule.kind} ${fixed(r.rule.value, 4)}: ${[...counts].sort((a, b) => b[1] - a[1]).map(([m, k]) => `${count(k)} to ${m} (${pct(k / n)})`).join(', ')}` +
      (r.monitoring > 0 ? `; ${count(r.decisions.filter((d) => d.monitored).length)} forced to ${r.reference} by the ${pct(r.monitoring)} monitoring sample` : ''),
  ];
  return { before, stdout, after };
}

function shorten(q: string): string {
  const one = q.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? one.slice(0, 57) + '...' : one;
}

export function renderRoute(r: AnyRouteResult, view: RenderView = {}): Rendered {
  if (r.kind === 'multi') return renderRouteMany(r, view);
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
    { alignLeft: [lead, lead + 1, lead + 4], layout: view, truncate: [lead] },
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
