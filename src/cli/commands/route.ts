import { readQueries } from '../../data/read-queries.js';
import { UserError } from '../../errors.js';
import type { Encoding } from '../../text-file.js';
import { defaultCacheDir } from '../../routers/load.js';
import { openRouter } from '../../routers/open.js';
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

  const cacheDir = flags.cache ? (flags.cacheDir ?? defaultCacheDir()) : null;
  const { opened, routed } = await withProgress(`routing ${count(queries.length)} ${queries.length === 1 ? 'query' : 'queries'}`, async (progress) => {
    const opened = openRouter(flags.deployment !== undefined ? { deployment: flags.deployment } : { router: flags.router! }, {
      artifacts: flags.artifacts,
      threshold: flags.threshold,
      monitoring: flags.monitoring,
      embedder: flags.embedder,
      cacheDir,
      onProgress: (what, done, total) => progress.embed(what, done, total),
    });
    return { opened, routed: await opened.routeMany(queries.map((q) => q.query)) };
  });
  if (opened.deployment) readNote('deployment', opened.deployment.path);
  readNote('router', opened.path);
  const { pair, threshold, monitoring } = opened;
  const decisions = routed.map((d, i) => ({ ...(queries[i]!.line !== undefined ? { line: queries[i]!.line } : {}), ...d }));

  if (flags.json) {
    printJson({ router: opened.path, routerHash: opened.hash, ...(opened.deployment ? { deployment: opened.deployment.path } : {}), pair, threshold, monitoring, decisions });
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
