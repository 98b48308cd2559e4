import type { EvalReportBody, OperatingPoint, StrategyResult, TablePoint } from '../eval/evaluate.js';
import type { StoredPoint } from '../metrics/curve.js';
import { describeCheck } from '../eval/gate.js';
import { terminalChart } from './chart-terminal.js';
import { costLabel, costValue, count, fixed, pct, times, writtenLine } from './format.js';
import { layOut, paintOf, type Layout } from './layout.js';
import { fitByName, renderTable, type TableOptions } from './table.js';

// The eval report as sections (text and tables), rendered three ways from the same content:
// cli-table3 for the terminal, Markdown and HTML for files. One builder, so the three never disagree.

export type Section =
  | { kind: 'heading'; text: string }
  | { kind: 'text'; lines: string[] }
  | ({ kind: 'table'; head: string[]; rows: string[][] } & Pick<TableOptions, 'alignLeft' | 'short' | 'optional'>)
  | { kind: 'chart' };

function ms(x: number | undefined): string {
  return x === undefined ? '—' : `${count(x)}`;
}

function interval(ci: [number, number | null] | null | undefined, show: (x: number) => string): string {
  if (!ci) return '—';
  return `${show(ci[0])}–${ci[1] === null ? 'not reached' : show(ci[1])}`;
}

function thresholdText(t: number | null, s: { rule: string }): string {
  if (t !== null) return fixed(t, 3);
  return s.rule.startsWith('escalate') ? 'always' : 'never';
}

function pointRow(p: TablePoint | StoredPoint, unit: 'usd' | 'units', latency: boolean, threshold: string): string[] {
  const l = 'latency' in p ? p.latency : null;
  return [
    threshold,
    pct(p.strongShare),
    fixed(p.quality, 3),
    pct(p.qualityGap),
    costValue(p.cost, unit),
    times(p.costReduction),
    fixed(p.pgr, 3),
    ...(latency ? [ms(l?.p50), ms(l?.p95)] : []),
  ];
}

function pointHead(unit: 'usd' | 'units', latency: boolean, first = 'threshold'): string[] {
  return [first, 'strong share', 'quality', 'quality gap', costLabel(unit), 'cost reduction', 'PGR', ...(latency ? ['p50 ms', 'p95 ms'] : [])];
}

const SHORT: Record<string, string> = { 'strong share': 'strong', 'quality gap': 'gap', '$/1k queries': '$/1k', 'strong calls/query': 'strong/query', 'cost reduction': 'cheaper' };

/** How a table of points narrows: shorter headers, then the latency columns go (the operating points still name them), then PGR. */
function pointFit(head: string[]): Pick<TableOptions, 'short' | 'optional'> {
  return fitByName(head, { short: SHORT, optional: [['p50 ms', 'p95 ms'], 'PGR'] });
}

function criterionText(op: OperatingPoint, unit: 'usd' | 'units'): string {
  switch (op.criterion) {
    case 'max-quality-gap':
      return `cheapest with quality gap <= ${pct(op.target)}`;
    case 'strong-share':
      return `largest strong share <= ${pct(op.target)}`;
    case 'budget-per-1k':
      return `best quality within ${unit === 'usd' ? `$${op.target}` : op.target} per 1,000 queries`;
    case 'deployment':
      return `the deployment's threshold ${fixed(op.target)}`;
  }
}

function operatingLine(s: StrategyResult, body: EvalReportBody): string {
  const unit = body.costUnit;
  const op = s.operatingPoint;
  const p = op.point;
  const ci = op.ci;
  const level = ci ? `${Math.round(ci.level * 100)}% CI ` : '';
  const gapCi = ci?.qualityGap ? ` [${level}${interval(ci.qualityGap, (x) => pct(x))}]` : '';
  const redCi = ci?.costReduction ? ` [${level}${interval(ci.costReduction, times)}]` : '';
  const what = s.rule.startsWith('escalate') ? `escalates ${pct(p.strongShare)} to ${body.pair.strong}` : `sends ${pct(p.strongShare)} to ${body.pair.strong}`;
  const lat = p.latency ? `; latency p50 ${ms(p.latency.p50)} ms, p95 ${ms(p.latency.p95)} ms` : '';
  return (
    `${s.name} (${criterionText(op, unit)}): threshold ${thresholdText(p.threshold, s)} ${what}; ` +
    `quality ${fixed(p.quality)}, gap ${pct(p.qualityGap)}${gapCi}; ${costValue(p.cost, unit)} ${unit === 'usd' ? 'per 1k queries' : 'strong calls per query'}, ` +
    `${times(p.costReduction)} cheaper than always-strong${unit === 'units' ? ' counting strong calls only' : ''}${redCi}${lat}`
  );
}

const PRICING_HINT = '  price the calls with --catalog-prices (the models by their names), --weak-model/--strong-model NAME, --weak-input-price/--weak-output-price USD or --prices FILE';
// Values of a column that name levels: shown low to high, not in the alphabet's order (easy, hard, medium).
const LEVELS = ['very easy', 'easy', 'very low', 'low', 'small', 'short', 'medium', 'normal', 'moderate', 'long', 'large', 'high', 'very high', 'hard', 'very hard', 'expert'];

/**
 * Slices as a reader looks for them: levels (easy, medium, hard) in their order, numbers as
 * numbers, anything else the largest first so the slices that weigh most lead; "(missing)" last.
 */
export function sliceOrder<T extends { value: string; rows: number }>(slices: readonly T[]): T[] {
  const missing = (v: string) => v === '(missing)';
  const known = slices.filter((s) => !missing(s.value));
  const level = (v: string) => LEVELS.indexOf(v.trim().toLowerCase());
  const numeric = known.every((s) => s.value.trim() !== '' && Number.isFinite(Number(s.value)));
  const levels = known.every((s) => level(s.value) >= 0);
  const by = numeric
    ? (a: T, b: T) => Number(a.value) - Number(b.value)
    : levels
      ? (a: T, b: T) => level(a.value) - level(b.value)
      : (a: T, b: T) => b.rows - a.rows || a.value.localeCompare(b.value, 'en', { numeric: true });
  return [...known.sort(by), ...slices.filter((s) => missing(s.value))];
}

export function evalSections(body: EvalReportBody): Section[] {
  const unit = body.costUnit;
  const d = body.dataset;
  const b = body.baselines;
  const lat = body.latencyRecorded;
  const strategies: StrategyResult[] = [...body.routers, ...(body.cascade ? [body.cascade] : [])];
  const level = body.bootstrap ? `${Math.round(body.bootstrap.level * 100)}%` : '';
  const out: Section[] = [
    {
      kind: 'text',
      lines: [
        `Evaluated on ${d.path}: ${count(d.rows)} rows${d.note ? ` (${d.note})` : ''}`,
        `pair: ${body.pair.weak} (weak) -> ${body.pair.strong} (strong)`,
        // Reports written before the cost basis was recorded say only the unit.
        body.cost?.line ?? `cost in ${unit === 'usd' ? 'dollars from the data' : 'strong calls (no prices in the data)'}`,
        ...(unit === 'units' ? [PRICING_HINT] : []),
        body.bootstrap
          ? `intervals: ${level} percentile bootstrap, ${count(body.bootstrap.resamples)} resamples of the test rows (seed ${body.bootstrap.seed})`
          : 'intervals: none (--bootstrap 0)',
      ],
    },
  ];
  for (const s of strategies) {
    const title = 'router' in s ? `Threshold sweep: ${s.name} (${(s as { router: string }).router})` : `Cascade: ${s.rule}`;
    out.push({ kind: 'heading', text: title });
    const head = pointHead(unit, lat);
    out.push({ kind: 'table', head, rows: s.table.map((p) => pointRow(p, unit, lat, thresholdText(p.threshold, s))), ...pointFit(head) });
  }

  const ci = (s: StrategyResult) => s.summary.ci;
  const summaryRows: string[][] = strategies.map((s) => [
    s.name,
    fixed(s.summary.apgr),
    ...(body.bootstrap ? [interval(ci(s)?.apgr, (x) => fixed(x))] : []),
    pct(s.summary.cpt20),
    pct(s.summary.cpt50),
    ...(body.bootstrap ? [interval(ci(s)?.cpt50, (x) => pct(x))] : []),
    pct(s.summary.cpt80),
    fixed(s.summary.auc),
    fixed(s.summary.aiq),
  ]);
  const blank = body.bootstrap ? [''] : [];
  summaryRows.push(
    ['random (analytic)', fixed(b.random.apgr), ...blank, pct(b.random.cpt20), pct(b.random.cpt50), ...blank, pct(b.random.cpt80), '0.500', fixed(b.random.aiq)],
    ['oracle', fixed(b.oracle.apgr), ...blank, pct(b.oracle.cpt20), pct(b.oracle.cpt50), ...blank, pct(b.oracle.cpt80), fixed(b.oracle.auc), fixed(b.oracle.aiq)],
  );
  const summaryHead = ['strategy', 'APGR', ...(body.bootstrap ? [`APGR ${level} CI`] : []), 'CPT(20%)', 'CPT(50%)', ...(body.bootstrap ? [`CPT(50%) ${level} CI`] : []), 'CPT(80%)', 'AUC', 'AIQ'];
  const baselineHead = pointHead(unit, lat, 'baseline').filter((h) => h !== 'PGR');
  out.push(
    { kind: 'heading', text: 'Summary' },
    {
      kind: 'table',
      head: summaryHead,
      rows: summaryRows,
      // The CPT columns read as CPT at 20/50/80%; AUC and AIQ go first, the intervals last.
      ...fitByName(summaryHead, {
        short: { 'CPT(20%)': 'CPT20', 'CPT(50%)': 'CPT50', 'CPT(80%)': 'CPT80', [`APGR ${level} CI`]: `APGR CI`, [`CPT(50%) ${level} CI`]: 'CPT50 CI' },
        optional: ['AUC', 'AIQ', 'CPT(20%)', `CPT(50%) ${level} CI`, `APGR ${level} CI`],
      }),
    },
    { kind: 'chart' },
    { kind: 'heading', text: 'Baselines' },
    {
      kind: 'table',
      head: baselineHead,
      ...pointFit(baselineHead),
      rows: [
        ['always weak', b.alwaysWeak],
        ['always strong', b.alwaysStrong],
        ['oracle', b.oracle.point],
      ].map(([name, p]) => {
        const row = pointRow(p as TablePoint, unit, lat, name as string);
        row.splice(6, 1);
        return row;
      }),
    },
    { kind: 'heading', text: 'Operating points' },
    { kind: 'text', lines: strategies.map((s) => operatingLine(s, body)) },
  );

  if (body.slices) {
    const rows: string[][] = [];
    for (const sl of sliceOrder(body.slices.slices)) {
      sl.strategies.forEach((m, i) => {
        rows.push([
          i === 0 ? sl.value : '',
          i === 0 ? count(sl.rows) : '',
          i === 0 ? fixed(sl.qWeak) : '',
          i === 0 ? fixed(sl.qStrong) : '',
          m.name,
          fixed(m.apgr),
          pct(m.strongShare),
          pct(m.qualityGap),
          times(m.costReduction),
        ]);
      });
    }
    out.push(
      { kind: 'heading', text: `Slices by ${body.slices.column} (each strategy at its operating threshold)` },
      {
        kind: 'table',
        head: [body.slices.column, 'rows', 'Q weak', 'Q strong', 'strategy', 'APGR', 'strong share', 'quality gap', 'cost reduction'],
        rows,
        alignLeft: [0, 4],
        short: { 6: 'strong', 7: 'gap', 8: 'cheaper' },
        optional: [[2, 3], 5],
      },
    );
  }
  if (body.gate) {
    out.push(
      { kind: 'heading', text: `Gate: ${body.gate.passed ? 'passed' : 'FAILED'}` },
      {
        kind: 'table',
        head: ['router', 'check', 'compared', 'result'],
        rows: body.gate.checks.map((c) => [c.router, `${c.metric} ${c.kind === 'max' ? '<=' : '>='} ${c.metric === 'quality gap' ? pct(c.limit) : c.metric === 'cost reduction' ? times(c.limit) : fixed(c.limit)}`, c.basis, c.passed ? 'pass' : describeCheck(c).replace(/^.*?\) /, 'FAIL: ')]),
        alignLeft: [0, 1, 2, 3],
      },
    );
  }
  if (body.notes.length) out.push({ kind: 'text', lines: body.notes.map((n) => `Note: ${n}`) });
  return out;
}

export interface Written {
  report: string;
  deployments: string[];
  files: string[];
  /** Artifacts that were already the latest version with this content: nothing new was written. */
  reused?: string[];
}

function writtenLines(w: Written): string[] {
  const artifact = (what: string, path: string) => writtenLine(what, path, w.reused?.includes(path) === true);
  return [artifact('Report', w.report), ...w.deployments.map((p) => artifact('Deployment', p)), ...w.files.map((p) => `Wrote ${p}`)];
}

export function renderEval(body: EvalReportBody, written: Written, layout: Layout = {}): string {
  const bold = paintOf(layout).bold;
  const out: string[] = [];
  for (const s of evalSections(body)) {
    if (s.kind === 'heading') out.push('', bold(s.text));
    else if (s.kind === 'text') out.push(...(out.length ? [''] : []), ...s.lines);
    else if (s.kind === 'table') out.push(...(out.at(-1)?.length ? [''] : []), renderTable(s.head, s.rows, { alignLeft: s.alignLeft, short: s.short, optional: s.optional, layout }));
    else out.push('', terminalChart(body, layout));
  }
  out.push('', ...writtenLines(written));
  return layOut(out, layout);
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

export function renderEvalMarkdown(body: EvalReportBody, written: Written, chartFile?: string, meta?: ReportMeta): string {
  const out: string[] = ['# Router eval report', '', ...(meta ? [metaLine(meta, written.report), ''] : []), '## Answer', '', ...answerLines(body).map((l) => `- ${l}`), ''];
  for (const s of evalSections(body)) {
    if (s.kind === 'heading') out.push(`## ${s.text}`, '');
    else if (s.kind === 'text') out.push(...s.lines.map((l) => `${l}  `), '');
    else if (s.kind === 'table') {
      const left = new Set(s.alignLeft ?? [0]);
      out.push(`| ${s.head.map(mdCell).join(' | ')} |`, `|${s.head.map((_, i) => (left.has(i) ? ' --- ' : ' ---: ')).join('|')}|`);
      for (const r of s.rows) out.push(`| ${r.map(mdCell).join(' | ')} |`);
      out.push('');
    } else if (chartFile) out.push(`![quality against cost](${chartFile})`, '');
  }
  out.push(...writtenLines(written).map((l) => `${l}  `), '');
  return out.join('\n');
}

function html(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The answer of the report in a sentence per strategy: what its operating point saves, and at what quality. */
export function answerLines(body: EvalReportBody): string[] {
  const strategies: StrategyResult[] = [...body.routers, ...(body.cascade ? [body.cascade] : [])];
  return strategies.map((s) => {
    const op = s.operatingPoint;
    const p = op.point;
    const saves = p.costReduction !== null && p.costReduction > 0 ? `saves ${pct(1 - 1 / p.costReduction)} of the always-strong cost (${times(p.costReduction)} cheaper)` : 'saves nothing';
    const gapCi = op.ci?.qualityGap ? ` (${Math.round(op.ci.level * 100)}% CI ${interval(op.ci.qualityGap, (x) => pct(x))})` : '';
    const what = s.rule.startsWith('escalate') ? 'escalating' : 'sending';
    return `${s.name} ${saves} at a quality gap of ${pct(p.qualityGap)}${gapCi}, ${what} ${pct(p.strongShare)} of queries to ${body.pair.strong}: threshold ${thresholdText(p.threshold, s)}, ${criterionText(op, body.costUnit)}.`;
  });
}

/** Which report this is, for the reader of a file passed around: tool version, artifact version, hash, date. */
export interface ReportMeta {
  toolVersion: string;
  createdAt: string;
  contentHash: string;
  name?: string;
  version?: number;
}

export function metaLine(meta: ReportMeta, path: string): string {
  const which = meta.name !== undefined && meta.version !== undefined ? `${meta.name}@${meta.version}` : path;
  const when = meta.createdAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
  return `Eval report ${which}, ${meta.contentHash}, written ${when} by router ${meta.toolVersion}`;
}

export function renderEvalHtml(body: EvalReportBody, written: Written, svg: string, meta?: ReportMeta): string {
  const parts: string[] = [];
  parts.push(`<section class="answer">\n<h2>Answer</h2>\n${answerLines(body).map((l) => `<p>${html(l)}</p>`).join('\n')}\n</section>`);
  for (const s of evalSections(body)) {
    if (s.kind === 'heading') parts.push(`<h2>${html(s.text)}</h2>`);
    else if (s.kind === 'text') parts.push(`<p>${s.lines.map(html).join('<br>\n')}</p>`);
    else if (s.kind === 'table') {
      const left = new Set(s.alignLeft ?? [0]);
      const cell = (tag: string, v: string, i: number) => `<${tag}${left.has(i) ? '' : ' class="num"'}>${html(v)}</${tag}>`;
      parts.push(
        `<table>\n<thead><tr>${s.head.map((h, i) => cell('th', h, i)).join('')}</tr></thead>\n<tbody>\n` +
          s.rows.map((r) => `<tr>${r.map((v, i) => cell('td', v, i)).join('')}</tr>`).join('\n') +
          '\n</tbody>\n</table>',
      );
    } else parts.push(`<figure>${svg}</figure>`);
  }
  parts.push(`<p>${writtenLines(written).map(html).join('<br>\n')}</p>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Router eval: ${html(body.routers.map((r) => r.name).join(', '))}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; padding: 0 1em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.7em; text-align: left; }
th { border-bottom: 2px solid #888; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; }
.answer { background: #f3f7fb; border-left: 4px solid #0072B2; padding: 0.3em 1em; margin: 1em 0 1.5em; }
.answer p { font-size: 1.15em; margin: 0.5em 0; }
.meta { color: #555; font-size: 0.9em; }
</style>
</head>
<body>
<h1>Router eval report</h1>
${meta ? `<p class="meta">${html(metaLine(meta, written.report))}</p>\n` : ''}${parts.join('\n')}
</body>
</html>
`;
}
