import type { MonitorReport } from '../serve/monitor.js';
import type { LogSummary } from '../serve/read-log.js';
import { csvField } from '../eval/per-query.js';
import { count, fixed, pct, times, usd } from './format.js';
import { layOut, paintOf, type Layout } from './layout.js';
import { fitByName, renderTable } from './table.js';

// The text `router monitor` prints: who was read, one table of traffic shares, then one line each
// for the monitoring sample, the score distribution, spend, the router's overhead and errors, and
// the verdict. The same text goes into a .md output, without colour.

/** What the text shows of a monitor run (the command's result has these fields). */
export interface MonitorView {
  deployment: { path: string };
  log: LogSummary;
  window: { since: string | null; until: string | null };
  evalData: { path: string; rows: number; split: 'holdout' | 'all' };
  report: MonitorReport;
}

function interval(iv: [number, number] | null): string {
  return iv ? `[${pct(iv[0])}, ${pct(iv[1])}]` : '—';
}

/** One phrase per drift flagged, for the verdict line and the exit-1 message. */
export function driftLines(r: MonitorReport): string[] {
  const lines = r.shares
    .filter((s) => s.drift)
    .map((s) => `${s.model} share ${pct(s.live)} ${interval(s.interval)}, expected ${pct(s.expected)}${s.expectedInterval ? ` ${interval(s.expectedInterval)}` : ''}`);
  if (r.scores.drift && r.scores.psi) lines.push(`score PSI ${fixed(r.scores.psi.value)} above ${r.scores.maxPsi}`);
  return lines;
}

function basisText(r: MonitorReport): string {
  const bases = new Set(r.shares.filter((s) => s.tested).map((s) => s.expectedBasis));
  const text = { bootstrap: "the deployment's bootstrap interval", 'eval rows': `Wilson on the deployment's ${count(r.evalRows ?? 0)} eval rows`, none: 'none (the expected share is a point)' };
  return [...bases].map((b) => text[b]).join(', ');
}

function excludedText(r: MonitorReport): string {
  const parts = [
    ...Object.entries(r.excluded.otherDeployments).map(([k, n]) => `${count(n)} of ${k}`),
    ...(r.excluded.passThrough ? [`${count(r.excluded.passThrough)} pass-through`] : []),
    ...(r.excluded.outsideWindow ? [`${count(r.excluded.outsideWindow)} outside the time window`] : []),
  ];
  return parts.length ? `; left out: ${parts.join(', ')}` : '';
}

export function renderMonitorText(v: MonitorView, layout: Layout = {}): string {
  const r = v.report;
  const paint = paintOf(layout);
  const files = v.log.files.length === 1 ? v.log.files[0]! : `${v.log.files.length} files`;
  const head = [
    `Deployment ${v.deployment.path}: ${count(r.requests)} requests routed, ${r.first} to ${r.last} (log ${files}: ${count(v.log.records)} records${excludedText(r)}${v.log.badLines ? `, ${count(v.log.badLines)} bad lines skipped` : ''})`,
    ...(v.window.since || v.window.until ? [`Window: ${v.window.since ?? 'start'} to ${v.window.until ?? 'end'}`] : []),
    '',
    `Traffic share by the rule's choice (before any fallback), monitoring included; live interval: Wilson at ${pct(r.level.perTest)} per model (${pct(r.level.overall)} overall); expected interval: ${basisText(r)}`,
  ];
  const columns = ['model', 'requests', 'live', 'live interval', 'expected', 'expected interval', 'errors', 'fallbacks', 'check'];
  const table = renderTable(
    columns,
    r.shares.map((s) => [
      s.model,
      count(s.requests),
      pct(s.live),
      interval(s.interval),
      pct(s.expected),
      interval(s.expectedInterval),
      s.errors ? `${count(s.errors)} (${pct(s.requests ? s.errors / s.requests : 0)})` : '0',
      count(s.fallbacks),
      !s.tested ? '(1 - the other)' : s.drift ? paint.red('DRIFT') : 'ok',
    ]),
    { alignLeft: [0, 8], layout, ...fitByName(columns, { short: { requests: 'reqs', 'live interval': 'live CI', 'expected interval': 'expected CI', fallbacks: 'fallb.' }, optional: ['fallbacks', 'errors', 'expected interval'] }) },
  );
  const p = r.scores.psi;
  const sp = r.spend;
  const o = r.overhead;
  const lines = [
    `Monitored: ${count(r.monitored.requests)} requests (${pct(r.monitored.share)}; the deployment's share ${pct(r.monitored.expected)}), ${count(r.monitored.distinctQueries)} distinct queries, ${count(r.monitored.withQuery)} with their text`,
    p
      ? `Scores (${r.scores.name}): PSI ${fixed(p.value)} over ${p.expected.length} bins, ${count(r.scores.live)} live against ${count(r.scores.expected)} on the eval data (${v.evalData.path}, ${v.evalData.split === 'holdout' ? 'held-out rows' : 'all rows'}); limit ${r.scores.maxPsi}, noise floor about ${fixed(r.scores.noiseFloor)}: ${r.scores.drift ? paint.red('DRIFT') : 'ok'}`
      : `Scores: no live score in the log to compare`,
    sp.total === null
      ? `Spend: unpriced (no request has a cost in the log)`
      : `Spend: ${usd(sp.total)} over ${count(sp.priced)} priced requests${sp.unpriced ? ` (${count(sp.unpriced)} unpriced)` : ''}; always-${sp.reference} ${sp.alwaysReference === null ? 'unpriced' : usd(sp.alwaysReference)}: cost reduction ${times(sp.costReduction)} live, ${times(sp.expectedCostReduction)} expected`,
    ...(sp.total !== null ? [`  always-${sp.reference} basis: ${sp.basis}`] : []),
    `Router overhead: p50 ${fixed(o.p50, 2)} ms, p95 ${fixed(o.p95, 2)} ms, p99 ${fixed(o.p99, 2)} ms, ${pct(o.shareOfLatency, 2)} of total latency; ${o.dollars === null ? 'unpriced' : o.dollars === 0 ? '$0' : usd(o.dollars)} (${o.dollarsNote})`,
    `Errors: ${count(r.errors.requests)} (${pct(r.errors.rate)}); fallbacks: ${count(r.fallbacks.requests)}${r.fallbacks.paths.length ? ` (${r.fallbacks.paths.map((f) => `${f.from} -> ${f.to}: ${count(f.requests)}`).join(', ')})` : ''}`,
    '',
    r.drifted ? paint.red(`Drift: ${driftLines(r).join('; ')}`) : paint.green('No drift: every share within its interval, scores within the PSI limit'),
  ];
  return [layOut(head, layout), table, layOut(lines, layout)].join('\n');
}

/** The per-model table as CSV (`-o FILE.csv`). */
export function sharesCsv(r: MonitorReport): string {
  const head = ['model', 'requests', 'live_share', 'live_low', 'live_high', 'expected_share', 'expected_low', 'expected_high', 'tested', 'drift', 'errors', 'fallbacks'];
  const rows = r.shares.map((s) =>
    [s.model, s.requests, s.live, s.interval[0], s.interval[1], s.expected, s.expectedInterval?.[0] ?? '', s.expectedInterval?.[1] ?? '', s.tested ? 1 : 0, s.drift ? 1 : 0, s.errors, s.fallbacks].map(csvField).join(','),
  );
  return [head.join(','), ...rows].join('\n') + '\n';
}
