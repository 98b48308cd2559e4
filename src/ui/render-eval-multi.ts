import type { MultiEvalReportBody, MultiRouterResult } from '../eval/evaluate-multi.js';
import type { Interval } from '../eval/bootstrap.js';
import { count, fixed, pct, times, usd, writtenLine } from './format.js';
import { layOut, paintOf, type Layout } from './layout.js';
import { fitByName, renderTable } from './table.js';
import { describeCheck } from '../eval/gate.js';

// The N-model eval report as a person reads it: the answer first (each router's operating point:
// its quality, cost and traffic mix against the reference), then the comparison every router must
// survive (AIQ against the zero router, the cost to reach the best single model), then the single
// models and the oracle.

function per1k(usdPerQuery: number | null): string {
  return usdPerQuery === null ? 'never' : usd(usdPerQuery * 1000, 3);
}

function ci(i: Interval | null | undefined, digits = 3): string {
  return i ? ` [${fixed(i[0], digits)}, ${fixed(i[1], digits)}]` : '';
}

function signed(x: number | null): string {
  return x === null ? '—' : `${x >= 0 ? '+' : ''}${fixed(x)}`;
}

function ruleText(r: MultiRouterResult): string {
  const { rule, criterion, target } = r.operatingPoint;
  const value = rule.kind === 'lambda' ? `lambda ${fixed(rule.value, 4)}` : `tau ${fixed(rule.value)}`;
  const why =
    criterion === 'budget-per-1k'
      ? `, the best point within ${usd(target ?? 0, 2)} per 1,000 queries`
      : criterion === 'max-quality-gap'
        ? `, the cheapest point within a ${pct(target ?? 0, 1)} quality gap of the reference`
        : criterion === 'quality-floor'
          ? `, the cheapest point of quality at least ${fixed(target ?? 0)}`
          : ", the router's own rule";
  return value + why;
}

export function renderEvalMulti(body: MultiEvalReportBody, written: { report: string; reused?: string[]; deployments?: string[] }, layout: Layout = {}): string {
  const colors = paintOf(layout);
  const lines: string[] = [];
  const where = body.split === 'holdout' ? (body.splitNote ?? 'held-out rows') : 'all rows';
  const bases = [...new Set(Object.values(body.costBasis))].join(', ');
  lines.push(`${colors.bold('Routing over')} ${body.models.length} models on ${count(body.rows)} rows (${where}); dollar costs: ${bases}`);
  // Reports written before the cost basis was recorded have only the per-model kinds above.
  if (body.cost) lines.push(`  ${body.cost.line}`);
  lines.push(`  reference ${body.reference}; best single model ${body.best}`);

  for (const r of body.routers) {
    const op = r.operatingPoint;
    lines.push('', `${colors.bold(r.name)} (${r.router}) at ${ruleText(r)}:`);
    lines.push(
      `  quality ${fixed(op.quality)}${ci(r.ci?.quality)}, ${per1k(op.cost)} per 1,000 queries${r.ci ? ` [${per1k(r.ci.cost[0])}, ${per1k(r.ci.cost[1])}]` : ''}; ` +
        `quality gap ${pct(op.qualityGap)} against ${body.reference}, ${times(op.costReduction)} cheaper`,
    );
    const mix = body.models.map((m, j) => [m, op.shares[j] ?? 0] as const).filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1]);
    lines.push(`  traffic: ${mix.map(([m, s]) => `${m} ${pct(s)}`).join(', ')}`);
  }

  const level = body.routers[0]?.ci?.level;
  lines.push(
    '',
    `AIQ over ${per1k(body.range.from)} to ${per1k(body.range.to)} per 1,000 queries (the cheapest to the dearest single model)${level ? `, ${pct(level, 0)} bootstrap intervals` : ''}:`,
  );
  const reachHead = (body.routers[0]?.summary.reach ?? []).map((x) => `to ${pct(x.share, 0)}`);
  const rows: string[][] = body.routers.map((r) => [
    r.name,
    `${fixed(r.summary.aiq)}${ci(r.ci?.aiq)}`,
    `${signed(r.summary.aiqGain)}${ci(r.ci?.aiqGain)}`,
    fixed(r.summary.qualityAtBestCost),
    ...r.summary.reach.map((x) => (x.cost === null ? 'never' : `${per1k(x.cost)} (${times(x.costReduction)})`)),
  ]);
  rows.push(['zero router', `${fixed(body.zeroRouter.aiq)}${ci(body.zeroRouter.ci)}`, '', '', ...reachHead.map(() => '')]);
  const aiqHead = ['', 'AIQ', 'vs zero', 'Q at best $', ...reachHead];
  // The highest reaches go first ("never" is their usual cell); the lowest, the one a budget is planned on, last.
  const optional = [...reachHead.slice(1).reverse(), 'Q at best $', ...reachHead.slice(0, 1)];
  lines.push(renderTable(aiqHead, rows, { layout, ...fitByName(aiqHead, { short: { 'Q at best $': 'Q at best' }, optional }) }));
  lines.push(`  Q at best $: quality at ${body.best}'s cost; to N%: the cost per 1,000 queries to reach N% of its quality (how many times cheaper)`);
  const beaten = body.routers.filter((r) => r.summary.aiqGain !== null && r.summary.aiqGain <= 0);
  if (beaten.length) {
    lines.push(`  ${beaten.map((r) => r.name).join(', ')}: no better than mixing single models at random (the zero router); deploying ${beaten.length > 1 ? 'them' : 'it'} buys nothing`);
  }

  lines.push('', 'Single models and the oracle on these rows:');
  const singleRows = body.singles
    .map((s) => [s.model, per1k(s.cost), fixed(s.quality), ...body.routers.map((r) => pct(r.operatingPoint.shares[body.models.indexOf(s.model)] ?? 0))])
    .sort((a, b) => Number(a[2]) - Number(b[2]));
  singleRows.push(['oracle (cheapest best model per query)', per1k(body.oracle.cost), fixed(body.oracle.quality), ...body.routers.map(() => '')]);
  lines.push(renderTable(['model', '$ / 1k queries', 'quality', ...body.routers.map((r) => `${r.name} share`)], singleRows, { layout, short: { 1: '$ / 1k' } }));

  if (body.slices) {
    lines.push('', `By ${body.slices.by}:`);
    const sliceRows = body.slices.values.map((v) => [v.value, count(v.rows), fixed(v.zeroRouterAiq), ...v.routers.flatMap((r) => [fixed(r.aiq), signed(r.aiqGain), fixed(r.quality), per1k(r.cost)])]);
    const head = [body.slices.by, 'rows', 'zero AIQ', ...body.routers.flatMap((r) => [`${r.name} AIQ`, 'vs zero', 'quality', '$ / 1k'])];
    lines.push(renderTable(head, sliceRows, { layout }));
  }
  if (body.deployment) {
    const e = body.deployment.expected;
    const r = body.routers[0]!;
    lines.push('', `Deployment ${body.deployment.path}: expected quality ${fixed(e.quality)}${ci(e.ci?.quality)} at ${per1k(e.cost)} per 1,000 queries; measured here ${fixed(r.operatingPoint.quality)} at ${per1k(r.operatingPoint.cost)}`);
  }
  if (body.gate) {
    lines.push('', `${colors.bold('Gate:')} ${body.gate.passed ? 'passed' : 'FAILED'} (${body.gate.on === 'point' ? 'point estimates' : 'bootstrap bounds'})`);
    for (const c of body.gate.checks) lines.push(`  ${c.passed ? 'pass' : 'FAIL'}: ${describeCheck(c)}`);
  }
  lines.push('', writtenLine('Report', written.report, (written.reused ?? []).includes(written.report)));
  for (const d of written.deployments ?? []) lines.push(writtenLine('Deployment', d, (written.reused ?? []).includes(d)));
  return layOut(lines, layout);
}
