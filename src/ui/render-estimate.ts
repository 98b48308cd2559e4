import type { Envelope } from '../artifacts/envelope.js';
import type { EstimateBody, ModelCost } from '../cost/estimate.js';
import { count, fixed, pct, times, usd, writtenLine } from './format.js';
import { layOut, paintOf, type Layout } from './layout.js';
import { renderTable } from './table.js';

// `router estimate` for people: a terminal summary with cli-table3 tables, and the same content as
// a Markdown document (`-o report.md`) to paste into a planning document.

/** Dollars in a grid cell: $1.23M, $149.1k, $950. */
function usdShort(x: number): string {
  const a = Math.abs(x);
  const sign = x < 0 ? '-' : '';
  if (a >= 1e9) return `${sign}$${(a / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${sign}$${(a / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${sign}$${(a / 1e3).toFixed(1)}k`;
  return usd(x, a >= 100 ? 0 : 2);
}

function ratio(x: number): string {
  return `${+x.toFixed(2)}x`;
}

function perQuery(x: number): string {
  return `${usd(x, x !== 0 && Math.abs(x) < 0.01 ? 6 : 4)} per query`;
}

function volumeLine(b: EstimateBody): string {
  const i = b.inputs;
  return `${count(i.queriesPerMonth)} queries a month${i.volume.per === 'day' ? ` (${count(i.volume.count)} a day x ${i.daysPerMonth} days)` : ''}`;
}

function modelLine(role: string, m: ModelCost): string {
  return `${role}${m.model ? ` ${m.model}` : ''}: ${perQuery(m.costPerQuery)}, ${m.source}`;
}

function modeLine(b: EstimateBody): string {
  const i = b.inputs;
  return `weak share ${pct(i.weakShare)} (${i.weakShareSource}); monitoring ${pct(i.monitoring)} of queries forced to strong (${i.monitoringSource}); ${
    i.cascade ? 'cascade: the weak model runs on every query and escalations also pay for the strong one' : 'routing: each query goes to one model'
  }`;
}

function overheadLine(b: EstimateBody): string | null {
  const i = b.inputs;
  if (i.overheadPerQuery === 0 && i.fixedMonthly === 0 && i.overheadMs === 0 && !i.cascade) return null;
  const parts = [`${usd(i.overheadPerQuery, 6)} per query`, `${usd(i.fixedMonthly)} a month fixed`, `+${fixed(i.overheadMs, 0)} ms latency per query`];
  const cascade = i.cascade ? `; in the cascade the ${pct(b.projection.strongShare)} escalated queries also wait for the weak model's answer` : '';
  return `router overhead: ${parts.join(', ')}${cascade}`;
}

function breakEvenLine(b: EstimateBody): string {
  const be = b.breakEven;
  const i = b.inputs;
  if (be.queriesPerMonth === null) {
    return `never: the router's overhead of ${perQuery(i.overheadPerQuery)} is at least what routing saves (${perQuery(be.grossSavingPerQuery)}), so no volume pays for it`;
  }
  if (be.queriesPerMonth === 0) {
    return `at any volume: there is no fixed monthly cost and each query saves ${usd(be.netSavingPerQuery, 6)} after overhead (pass --fixed-monthly USD for hosting the router)`;
  }
  return `${count(be.queriesPerMonth)} queries a month (${count(be.queriesPerDay!)} a day): the ${usd(i.fixedMonthly)} fixed monthly cost over a net saving of ${usd(be.netSavingPerQuery, 6)} per query`;
}

function headroomLine(b: EstimateBody): string | null {
  const m = b.breakEven.maxOverheadPerQuery;
  if (m === null) return null;
  return m > 0 ? `the router may cost up to ${perQuery(m)} (all in) at this volume before routing stops paying` : 'at this volume routing does not pay for the router at any per-query overhead';
}

function interval(ci: [number, number] | null | undefined, level: number | undefined): string {
  return ci ? ` (${Math.round((level ?? 0.95) * 100)}% CI ${pct(ci[0])} to ${pct(ci[1])})` : '';
}

function qualityLine(b: EstimateBody): string | null {
  const q = b.quality;
  if (!q) return null;
  const where = q.at === 'threshold'
    ? `at ${q.threshold === null ? 'the all-weak point' : `threshold ${fixed(q.threshold, 4)}`} of ${q.from === 'eval-report' ? 'eval report' : 'deployment'} ${q.name}`
    : `on the eval curve of ${q.name} at ${pct(q.strongShare)} strong share`;
  if (q.qualityGap === null) return `quality gap unknown for this weak share (${q.from} ${q.name} has no curve to read it from)`;
  const withMon = b.inputs.monitoring > 0 && q.qualityGapWithMonitoring !== null
    ? `; ${pct(q.qualityGapWithMonitoring)}${interval(q.ciWithMonitoring, q.ci?.level)} expected with ${pct(b.inputs.monitoring)} monitoring`
    : '';
  return `quality gap ${pct(q.qualityGap)}${interval(q.ci?.qualityGap, q.ci?.level)} against always-strong ${where}${withMon}`;
}

function latencyLine(b: EstimateBody): string | null {
  const l = b.quality?.latency;
  if (!l) return null;
  const extra = b.inputs.overheadMs > 0 ? `, plus ${fixed(b.inputs.overheadMs, 0)} ms of router overhead` : '';
  return `latency of the routed mix on the eval data: p50 ${count(l.p50)} ms, p95 ${count(l.p95)} ms${extra}`;
}

function savingsRangeLine(b: EstimateBody): string | null {
  const r = b.quality?.savingsRange;
  if (!r || !b.quality?.ci) return null;
  return `savings over the ${Math.round(b.quality.ci.level * 100)}% interval of the strong share: ${usd(r[0])} to ${usd(r[1])} a month`;
}

function resultRows(b: EstimateBody): { head: string[]; rows: string[][] } {
  const p = b.projection;
  const n = b.inputs.queriesPerMonth;
  const per1k = (x: number) => (n > 0 ? usd((x / n) * 1000, 2) : '—');
  const split = p.overhead > 0;
  const head = split ? ['', 'strong share', 'models', 'router', 'monthly cost', '$/1k queries'] : ['', 'strong share', 'monthly cost', '$/1k queries'];
  const rows = [
    ['always strong', pct(1), ...(split ? [usd(p.alwaysStrong), '—'] : []), usd(p.alwaysStrong), per1k(p.alwaysStrong)],
    [b.inputs.cascade ? 'cascade' : 'routed', pct(p.strongShare), ...(split ? [usd(p.modelCost), usd(p.overhead)] : []), usd(p.routed), per1k(p.routed)],
  ];
  return { head, rows };
}

function savingsLine(b: EstimateBody): string {
  const p = b.projection;
  return `${usd(p.savings)} a month (${pct(p.savingsShare)}), cost reduction ${times(p.costReduction)}`;
}

function gridRows(b: EstimateBody): { head: string[]; rows: string[][] } {
  const s = b.sensitivity;
  const isActualShare = (w: number) => Math.abs(w - s.actual.weakShare) < 1e-9;
  const isActualRatio = (r: number) => s.actual.priceRatio !== null && Math.abs(r - s.actual.priceRatio) < 1e-9;
  const head = ['weak share', ...s.priceRatios.map((r) => `${ratio(r)}${isActualRatio(r) ? '*' : ''}`), ...(s.qualityGap ? ['quality gap (eval)'] : [])];
  const rows = s.cells.map((row, k) => [
    `${pct(s.weakShares[k]!)}${isActualShare(s.weakShares[k]!) ? '*' : ''}`,
    ...row.map((c) => `${usdShort(c.savings)} ${pct(c.savingsShare, 0)}`),
    ...(s.qualityGap ? [pct(s.qualityGap[k])] : []),
  ]);
  return { head, rows };
}

const GRID_CAPTION = 'monthly savings (and share of the always-strong bill) by weak share (rows) and strong/weak cost-per-query ratio (columns); * marks this estimate';

export function renderEstimate(body: EstimateBody, path: string, reused = false, layout: Layout = {}): string {
  const colors = paintOf(layout);
  const i = body.inputs;
  const result = resultRows(body);
  const grid = gridRows(body);
  const lines = [
    `${colors.bold('Monthly projection')} for ${volumeLine(body)}${i.pair ? `, ${i.pair.weak} (weak) / ${i.pair.strong} (strong)` : ''}`,
    `  ${modelLine('weak', i.models.weak)}`,
    `  ${modelLine('strong', i.models.strong)}`,
    `  ${modeLine(body)}`,
    ...[overheadLine(body)].filter((l): l is string => l !== null).map((l) => `  ${l}`),
    '',
    renderTable(result.head, result.rows, { layout }),
    '',
    `${colors.bold('Savings')}: ${savingsLine(body)}`,
    `${colors.bold('Break-even')}: ${breakEvenLine(body)}`,
    ...[headroomLine(body)].filter((l): l is string => l !== null).map((l) => `  ${l}`),
  ];
  const quality = qualityLine(body);
  if (quality) lines.push(`${colors.bold('Quality')}: ${quality}`);
  for (const l of [savingsRangeLine(body), latencyLine(body)]) if (l) lines.push(`  ${l}`);
  // The ratios furthest from this estimate's go first; the eval's quality gap stays.
  const ratios = grid.head.map((_, k) => k).slice(1, 1 + body.sensitivity.priceRatios.length);
  const mine = grid.head.findIndex((h) => h.endsWith('*'));
  const optional = ratios.filter((k) => k !== mine).sort((a, b) => Math.abs(b - mine) - Math.abs(a - mine) || b - a);
  lines.push('', `${colors.bold('Sensitivity')}: ${GRID_CAPTION}`, renderTable(grid.head, grid.rows, { layout, optional, short: body.sensitivity.qualityGap ? { [grid.head.length - 1]: 'gap (eval)' } : {} }), '', writtenLine('Estimate', path, reused));
  return layOut(lines, layout);
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function mdTable(head: string[], rows: string[][], alignLeft = 1): string {
  const line = (cells: string[]) => `| ${cells.map(mdCell).join(' | ')} |`;
  return [line(head), `|${head.map((_, k) => (k < alignLeft ? ' --- ' : ' ---: ')).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The estimate as a Markdown document: result first, then inputs with their sources, sensitivity, definitions and lineage. */
export function renderEstimateMarkdown(env: Envelope<EstimateBody>, path: string): string {
  const b = env.body;
  const i = b.inputs;
  const result = resultRows(b);
  const grid = gridRows(b);
  const bullets = [
    `**Savings:** ${savingsLine(b)}.`,
    `**Break-even:** ${breakEvenLine(b)}.`,
    ...[headroomLine(b)].filter((l): l is string => l !== null).map((l) => `**Overhead headroom:** ${l}.`),
    ...[qualityLine(b)].filter((l): l is string => l !== null).map((l) => `**Quality:** ${l}.`),
    ...[savingsRangeLine(b)].filter((l): l is string => l !== null).map((l) => `**Uncertainty:** ${l}.`),
    ...[latencyLine(b)].filter((l): l is string => l !== null).map((l) => `**Latency:** ${l}.`),
  ];
  const modelRow = (role: 'weak' | 'strong') => {
    const m = i.models[role];
    return [`${role} model`, `${m.model ? `${m.model}: ` : ''}${perQuery(m.costPerQuery)}`, m.source];
  };
  const inputs = [
    ['volume', volumeLine(b), '--volume'],
    modelRow('weak'),
    modelRow('strong'),
    ['weak share', pct(i.weakShare), i.weakShareSource],
    ['monitoring', `${pct(i.monitoring)} of queries forced to strong`, i.monitoringSource],
    ['mode', i.cascade ? 'cascade' : 'routing', i.cascade ? '--cascade' : 'default'],
    ['router overhead', `${usd(i.overheadPerQuery, 6)} per query, ${usd(i.fixedMonthly)} a month fixed, +${fixed(i.overheadMs, 0)} ms per query`, '--overhead, --fixed-monthly, --overhead-ms'],
  ];
  const lineage = env.lineage.length
    ? env.lineage.map((l) => `- ${l.kind}${l.role ? ` (${l.role})` : ''}: \`${l.path ?? ''}\` ${l.hash}`)
    : ['- none: every input was given on the command line'];
  return [
    `# Routing cost estimate${i.pair ? `: ${i.pair.weak} / ${i.pair.strong}` : ''}`,
    '',
    `${volumeLine(b)}. Written by router ${env.toolVersion} on ${env.createdAt.slice(0, 10)} as \`${path}\` (${env.contentHash}).`,
    '',
    '## Result',
    '',
    mdTable(result.head, result.rows),
    '',
    ...bullets.map((l) => `- ${l}`),
    '',
    '## Inputs',
    '',
    mdTable(['input', 'value', 'source'], inputs, 3),
    '',
    '## Sensitivity',
    '',
    `${GRID_CAPTION[0]!.toUpperCase()}${GRID_CAPTION.slice(1)}. Monitoring, cascade and overhead as above; the strong model's cost stays fixed and the weak model's is divided by the ratio.`,
    '',
    mdTable(grid.head, grid.rows),
    '',
    '## Definitions',
    '',
    '- Strong share after monitoring = 1 - w + m x w, for weak share w and monitoring share m (monitored queries are drawn independently of the router).',
    '- Routed cost per query = s x C_strong + (1 - s) x C_weak; in a cascade, C_weak + s x C_strong. Monthly routed cost adds the router overhead per query x volume and the fixed monthly cost.',
    '- Cost reduction = always-strong cost / routed cost.',
    '- Break-even volume = fixed monthly cost / (saving per query - overhead per query): the monthly volume above which routing costs less than always-strong.',
    '- Quality gap = (Q_strong - Q) / Q_strong on the eval data; with monitoring m it becomes (1 - m) x gap.',
    '',
    '## Lineage',
    '',
    ...lineage,
    '',
  ].join('\n');
}
