import type { MultiEstimateBody } from '../cost/estimate-multi.js';
import { count, fixed, pct, usd, writtenLine } from './format.js';
import { layOut, paintOf, type Layout } from './layout.js';
import { renderTable } from './table.js';

// The monthly bill over N models, answer first: what routing costs against always-reference and
// what it saves, then where the money goes by model, then how the answer moves with prices and
// with the operating point.

function money(x: number): string {
  return usd(x, Math.abs(x) >= 100 ? 0 : 2);
}

export function renderEstimateMultiText(body: MultiEstimateBody, path: string, reused: boolean, layout: Layout = {}): string {
  const colors = paintOf(layout);
  const i = body.inputs;
  const p = body.projection;
  const lines = [
    `${colors.bold('Monthly')} ${money(p.monthly)} routing ${count(i.queriesPerMonth)} queries over ${i.models.length} models, against ${money(p.alwaysReference)} always ${i.reference}: saves ${money(p.savings)} (${pct(p.savingsShare)})`,
    `  at ${i.source.kind === 'deployment' ? 'deployment' : 'eval report'} ${i.source.name} (router ${i.source.router}): quality ${fixed(i.quality)}, gap ${pct(i.qualityGap)} against ${i.reference}; ${pct(i.monitoring)} of queries forced to ${i.reference} for monitoring`,
    `  each model priced by its mean cost per query on the eval data${i.overheadPerQuery ? `, plus ${usd(i.overheadPerQuery, 6)} routing overhead per query` : ''}${i.fixedMonthly ? `, plus ${money(i.fixedMonthly)} a month fixed` : ''}`,
    '',
    renderTable(
      ['model', 'share', '$ / month'],
      p.perModel.filter((m) => m.share > 0).sort((a, b) => b.monthly - a.monthly).map((m) => [m.model, pct(m.share), money(m.monthly)]),
      { layout },
    ),
    '',
    'Sensitivity to prices (the same mix):',
    renderTable(
      ['prices', '$ / month', 'saves'],
      [
        ...body.sensitivity.priceRatios.map((r) => [`x${r.ratio}`, money(r.monthly), money(r.savings)]),
        ...body.sensitivity.modelPriceDoubled.filter((_, m) => p.shares[m]! > 0).map((r) => [`${r.model} x2`, money(r.monthly), money(r.savings)]),
      ],
      { layout },
    ),
  ];
  if (body.sensitivity.operatingPoints.length) {
    lines.push(
      '',
      "Other operating points of the router's hull (other lambdas or budgets):",
      renderTable(
        ['$ / 1k queries', 'quality', '$ / month', 'saves'],
        body.sensitivity.operatingPoints.map((o) => [usd(o.costPerQuery * 1000, 3), fixed(o.quality), money(o.monthly), money(o.savings)]),
        { layout },
      ),
    );
  }
  lines.push('', writtenLine('Estimate', path, reused));
  return layOut(lines, layout);
}
