import { extname } from 'node:path';
import { z } from 'zod';
import { WriteSet } from '../../artifacts/atomic-write.js';
import { loadCatalog } from '../../cost/catalog.js';
import { msg, option, UserError } from '../../errors.js';
import { csvField } from '../../eval/per-query.js';
import { defaultCacheDir } from '../../routers/load.js';
import { loadAnyDeployment } from '../../routers/open.js';
import { expectationOf } from '../../serve/monitor-expectation.js';
import { LogTally, monitorReport, type MonitorReport, type SampleRow } from '../../serve/monitor.js';
import { readLog, type LogSummary } from '../../serve/read-log.js';
import { driftLines, renderMonitorText, sharesCsv } from '../../ui/render-monitor.js';
import { checkCommonOptions, checkOutputs, type OutputRequest } from '../../user-paths.js';
import { nameSchema, nonNegativeSchema, validateOptions } from '../options.js';
import { jsonText, NO_PROGRESS, readLines, warningLine, type ReadRef, type Rendered, type RenderView, type RunDeps } from '../rendered.js';

// `router monitor LOG... --deployment REF`: reads the request log `router serve` writes and checks
// live routing against what the deployment expects (traffic shares, the score distribution, spend,
// the router's overhead), and writes the monitoring sample as a query CSV for `router label`, so
// that `label` then `eval --deployment` measures the live quality gap.

const timeSchema = z
  .string({ message: 'expected a time' })
  .refine((v) => !Number.isNaN(Date.parse(v)), 'expected an ISO 8601 time, e.g. 2026-12-01 or 2026-12-01T12:00:00Z');

export const monitorOptionsSchema = z.strictObject({
  /** Log files: the live one and its rotated predecessors (LOG, LOG.1, ...), in any order. */
  logs: z.array(nameSchema, { message: 'expected a list of log files' }).min(1, 'name at least one log file'),
  deployment: nameSchema,
  artifacts: nameSchema.default('artifacts'),
  since: timeSchema.optional(),
  until: timeSchema.optional(),
  /** Also write the result as .json, .md or .csv (the per-model table). */
  output: z.array(nameSchema, { message: 'expected a list of files' }).default([]),
  /** The monitored requests as a query CSV for `router label`. */
  sampleOut: nameSchema.optional(),
  /** Score drift flagged above this population-stability index (0.2: the conventional "significant shift"). */
  maxPsi: nonNegativeSchema.default(0.2),
  /** Exit 1 (a failed check) when drift is flagged; false reports it and exits 0. */
  failOnDrift: z.boolean().default(true),
  /** Eval data to score instead of the deployment's own. */
  evalData: nameSchema.optional(),
  skipBadLines: z.boolean().default(false),
  /** Price catalog adding to the built-in one (prices a paid embedder). */
  prices: nameSchema.optional(),
  cacheDir: nameSchema.optional(),
  cache: z.boolean().default(true),
});

export type MonitorOptions = z.input<typeof monitorOptionsSchema>;

const FORMATS = ['json', 'md', 'csv'] as const;
type Format = (typeof FORMATS)[number];

export interface MonitorResult {
  deployment: { path: string; hash: string };
  log: LogSummary;
  window: { since: string | null; until: string | null };
  /** The eval data the expected score distribution comes from. */
  evalData: { path: string; rows: number; split: 'holdout' | 'all' };
  report: MonitorReport;
  /** The sample written (`sampleOut`): its path, the queries in it, monitored queries left out for want of their text. */
  sample: { path: string; rows: number; withoutText: number } | null;
  outputs: string[];
  warnings: string[];
  reads: ReadRef[];
  /** Why the check failed, when drift is flagged and `failOnDrift` holds; main exits 1. */
  driftFailure?: string;
}

function outputFormat(file: string): Format {
  const ext = extname(file).slice(1).toLowerCase();
  if (!(FORMATS as readonly string[]).includes(ext)) throw new UserError(`cannot tell the output format from the extension; use one of ${FORMATS.map((f) => '.' + f).join(', ')}`, { file });
  return ext as Format;
}

/** The sample as a query CSV (`router label` reads `id` and `query`; the other columns become metadata). */
export function sampleCsv(rows: readonly SampleRow[]): string {
  const head = ['id', 'query', 'time', 'chosen', 'answered_by', 'requests'];
  const lines = rows.map((r) => [r.requestId, r.query!, r.time, r.chosen, r.answeredBy ?? '', r.requests].map(csvField).join(','));
  return [head.join(','), ...lines].join('\n') + '\n';
}

export async function runMonitor(options: MonitorOptions, deps: RunDeps = {}): Promise<MonitorResult> {
  const o = validateOptions(monitorOptionsSchema, options);
  checkCommonOptions(o, 'read', deps.env ?? process.env);
  const progress = deps.progress ?? NO_PROGRESS;
  const since = o.since !== undefined ? Date.parse(o.since) : undefined;
  const until = o.until !== undefined ? Date.parse(o.until) : undefined;
  if (since !== undefined && until !== undefined && !(since < until)) throw new UserError(msg`${option('since')} ${o.since} is not before ${option('until')} ${o.until}`);
  const formats = o.output.map((file) => ({ file, format: outputFormat(file) }));
  const requests: OutputRequest[] = [...o.output.map((path) => ({ path, option: 'output' })), ...(o.sampleOut !== undefined ? [{ path: o.sampleOut, option: 'sampleOut' }] : [])];
  if (o.sampleOut !== undefined && extname(o.sampleOut).toLowerCase() !== '.csv') throw new UserError(msg`${option('sampleOut')}: the sample is a query CSV for router label; name a .csv file`, { file: o.sampleOut });
  checkOutputs(requests, { inputs: [...o.logs, o.deployment, ...(o.evalData ? [o.evalData] : []), ...(o.prices ? [o.prices] : [])], artifacts: o.artifacts });

  const env = deps.env ?? process.env;
  const cacheDir = o.cache ? (o.cacheDir ?? defaultCacheDir(env)) : null;
  const deployment = loadAnyDeployment(o.deployment, o.artifacts, { cacheDir, env, onProgress: (what, done, total) => progress.embed(what, done, total) });
  const catalog = await loadCatalog(o.prices);
  progress.stage('scoring the eval data the deployment was chosen on');
  const { expectation, data, warnings } = await expectationOf(deployment, { catalog, ...(o.evalData !== undefined ? { evalData: o.evalData } : {}) });

  progress.stage(`reading ${o.logs.length === 1 ? o.logs[0] : `${o.logs.length} log files`}`);
  const tally = new LogTally(expectation, { since, until });
  const log = await readLog(o.logs, (r) => tally.add(r), { skipBadLines: o.skipBadLines });
  if (tally.requests === 0) {
    const others = [...tally.excluded.otherDeployments].map(([k, n]) => `${n} of ${k}`);
    const left = [...others, ...(tally.excluded.passThrough ? [`${tally.excluded.passThrough} pass-through`] : []), ...(tally.excluded.outsideWindow ? [`${tally.excluded.outsideWindow} outside the time window`] : [])];
    throw new UserError(`no request routed by this deployment in the log (${log.records} records${left.length ? `: ${left.join(', ')}` : ''})`, { file: deployment.path });
  }
  const report = monitorReport(tally, expectation, { maxPsi: o.maxPsi });

  const rows = [...tally.sample.values()].filter((r) => r.query !== undefined).sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  if (o.sampleOut !== undefined) {
    if (tally.sample.size === 0) throw new UserError(msg`${option('sampleOut')}: no monitored request in the log (the deployment's monitoring share is ${expectation.monitoring}); deploy with a monitoring share (eval ${option('monitoring')}) to get a sample`);
    if (rows.length === 0) throw new UserError(msg`${option('sampleOut')}: the log holds no query text (the server ran without --log-queries), so there is no sample to label`);
  }
  if (rows.length === 0 && tally.sample.size > 0) warnings.push('the log holds no query text (the server ran without --log-queries): the monitored requests cannot be sampled for router label');
  else if (o.sampleOut !== undefined && rows.length < tally.sample.size) warnings.push(`${tally.sample.size - rows.length} of ${tally.sample.size} monitored queries have no text in the log (logged without --log-queries) and are not in the sample`);
  for (const file of log.partialLast) warnings.push(`the last line of ${file} is cut short (still being written?) and was left out`);
  if (log.badLines) warnings.push(`${log.badLines} bad lines skipped, the first at ${log.firstBad[0]!.file}:${log.firstBad[0]!.line} (${log.firstBad[0]!.problem})`);

  const drift = report.drifted ? driftLines(report) : [];
  const result: MonitorResult = {
    deployment: { path: deployment.path, hash: deployment.hash },
    log,
    window: { since: o.since ?? null, until: o.until ?? null },
    evalData: data,
    report,
    sample: o.sampleOut !== undefined ? { path: o.sampleOut, rows: rows.length, withoutText: tally.sample.size - rows.length } : null,
    outputs: o.output,
    warnings,
    reads: [{ kind: 'deployment', path: deployment.path }],
    ...(drift.length && o.failOnDrift ? { driftFailure: drift.join('; ') } : {}),
  };

  // All outputs or none: a failure on a later one removes those staged before it.
  const files = new WriteSet();
  try {
    if (o.sampleOut !== undefined) files.stage(o.sampleOut, sampleCsv(rows));
    for (const f of formats) files.stage(f.file, f.format === 'json' ? monitorJson(result) + '\n' : f.format === 'csv' ? sharesCsv(report) : `# router monitor\n\n\`\`\`\n${renderMonitorText(result)}\n\`\`\`\n`);
    files.commit();
  } catch (err) {
    files.abort();
    throw err;
  }
  return result;
}

/** The result as JSON: the PSI's bins included, the bookkeeping main uses left out. */
function monitorJson(r: MonitorResult): string {
  const { reads: _reads, driftFailure: _d, ...rest } = r;
  return jsonText(rest);
}

export function renderMonitor(r: MonitorResult, view: RenderView = {}): Rendered {
  const before = [...r.warnings.map(warningLine), ...readLines(r.reads)];
  const after = [...(r.sample ? [`Sample of ${r.sample.rows} monitored ${r.sample.rows === 1 ? 'query' : 'queries'} written to ${r.sample.path}`] : []), ...r.outputs.map((f) => `Written to ${f}`)];
  return { before, stdout: view.json ? monitorJson(r) : renderMonitorText(r), after };
}
