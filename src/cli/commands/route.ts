import { readJsonArtifact, resolveArtifact } from '../../artifacts/store.js';
import { readQueries } from '../../data/read-queries.js';
import type { DeploymentBody } from '../../eval/deployment.js';
import { UserError } from '../../errors.js';
import type { Encoding } from '../../text-file.js';
import { decide } from '../../routers/monitoring.js';
import { defaultCacheDir, loadRouter } from '../load-router.js';
import { note, out, printJson, readNote } from '../output.js';
import { renderTable } from '../../ui/table.js';
import { count, fixed, pct } from '../../ui/format.js';
import { withProgress } from '../../ui/progress.js';

interface RouteFlags {
  router?: string;
  deployment?: string;
  file?: string;
  queryCol?: string;
  encoding?: Encoding;
  threshold?: number;
  monitoring?: number;
  embedder?: string;
  cacheDir?: string;
  cache: boolean;
  artifacts: string;
  json?: boolean;
}

function shorten(q: string): string {
  const one = q.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? one.slice(0, 57) + '...' : one;
}

export async function route(args: string[], flags: RouteFlags): Promise<void> {
  if (flags.router && flags.deployment) throw new UserError('give --router or --deployment, not both (a deployment names its router)');
  if (!flags.router && !flags.deployment) throw new UserError('name the router with --router, or a deployment with --deployment');
  if (flags.file && args.length) throw new UserError('give queries as arguments or with --file, not both');
  if (!flags.file && args.length === 0) throw new UserError('no query: give one or more as arguments, or a CSV with --file');
  const queries: { query: string; line?: number }[] = flags.file ? readQueries(flags.file, { queryCol: flags.queryCol, encoding: flags.encoding }).rows : args.map((query) => ({ query }));
  if (!flags.file && queries.some((q) => q.query.trim() === '')) throw new UserError('empty query');

  let deployment: { path: string; body: DeploymentBody } | null = null;
  if (flags.deployment) {
    const path = resolveArtifact(flags.deployment, 'deployment', flags.artifacts);
    const env = readJsonArtifact<DeploymentBody>(path, 'deployment');
    deployment = { path, body: env.body };
  }
  const cacheDir = flags.cache ? (flags.cacheDir ?? defaultCacheDir()) : null;
  const { loaded, scores } = await withProgress(`routing ${count(queries.length)} ${queries.length === 1 ? 'query' : 'queries'}`, async (progress) => {
    const loaded = loadRouter(deployment?.body.router.path ?? flags.router!, flags.artifacts, {
      embedder: flags.embedder,
      cacheDir,
      onProgress: (what, done, total) => progress.embed(what, done, total),
    });
    if (deployment && loaded.hash !== deployment.body.router.hash) {
      throw new UserError(`deployment names router ${deployment.body.router.name} with hash ${deployment.body.router.hash.slice(0, 19)}…, but ${loaded.path} has hash ${loaded.hash.slice(0, 19)}…`, { file: deployment.path });
    }
    return { loaded, scores: await loaded.router.score(queries.map((q) => q.query)) };
  });
  if (deployment) readNote('deployment', deployment.path);
  readNote('router', loaded.path);
  const threshold = flags.threshold ?? deployment?.body.threshold ?? loaded.body.threshold;
  const monitoring = flags.monitoring ?? deployment?.body.monitoring ?? 0;
  const pair = loaded.body.pair;
  const decisions = queries.map((q, i) => ({ ...(q.line !== undefined ? { line: q.line } : {}), query: q.query, ...decide(q.query, scores[i]!, threshold, monitoring, pair) }));

  if (flags.json) {
    printJson({ router: loaded.path, routerHash: loaded.hash, ...(deployment ? { deployment: deployment.path } : {}), pair, threshold, monitoring, decisions });
    return;
  }
  const lead = flags.file ? 1 : 0;
  const head = [...(flags.file ? ['line'] : []), 'query', 'model', 'score', 'threshold', ...(monitoring > 0 ? ['note'] : [])];
  out(
    renderTable(
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
    ),
  );
  const strong = decisions.filter((d) => d.tier === 'strong').length;
  const monitored = decisions.filter((d) => d.monitored).length;
  if (decisions.length > 1 || monitoring > 0) {
    note(
      `${count(decisions.length)} queries: ${count(strong)} to ${pair.strong} (${pct(strong / decisions.length)})` +
        (monitoring > 0 ? `, ${count(monitored)} of them forced by the ${pct(monitoring)} monitoring sample` : '') +
        `, ${count(decisions.length - strong)} to ${pair.weak}`,
    );
  }
}
