import type { EvalReportBody } from '../eval/evaluate.js';
import type { MultiEvalReportBody } from '../eval/evaluate-multi.js';
import { monotoneHull } from '../metrics/hull.js';

// Quality against cost as a standalone SVG: every router's curve, the cascade, random routing (the
// straight line from always-weak to always-strong), the oracle, the two fixed baselines and each
// operating point. Hand-written SVG: a few dozen elements do not justify a charting dependency.

const W = 820;
const H = 480;
const M = { left: 70, right: 210, top: 44, bottom: 56 };
// Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function tickLabel(v: number, step: number): string {
  // As many decimals as the step needs (0.25 needs 2), so every label reads exactly.
  let digits = 0;
  while (digits < 6 && Math.abs(step * 10 ** digits - Math.round(step * 10 ** digits)) > 1e-9) digits++;
  return v.toFixed(digits);
}

interface XY {
  cost: number;
  quality: number;
}

interface Series {
  name: string;
  color: string;
  dash?: string;
  points: XY[];
  operating?: XY;
  /** Written beside the operating point (its threshold or rule, and its quality gap). */
  operatingLabel?: string;
}

/** What a chart shows: the router curves, one dashed baseline line, marked points, labelled. */
interface ChartSpec {
  title: string;
  subtitle: string;
  /** Dollars per query are drawn per 1,000 queries. */
  costUnit: 'usd' | 'units';
  series: Series[];
  /** Random routing for a pair, the zero router over N models. */
  baseline: { name: string; points: XY[] };
  oracle: XY;
  /** Single models: open squares, filled for the last (the strong, or the reference), each labelled when `label`. */
  models: (XY & { name: string; filled?: boolean; label?: boolean })[];
  /** Legend text of the square markers, when they are not each labelled. */
  modelLegend?: { open: string; filled: string };
  /** The line the operating points were chosen against: a quality floor or a cost ceiling. */
  target?: { axis: 'quality' | 'cost'; value: number; label: string };
}

/** Rough text width at the chart's 11 px labels; enough to keep labels apart. */
const charWidth = 6.2;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

function chart(spec: ChartSpec): string {
  const scale = spec.costUnit === 'usd' ? 1000 : 1;
  const xLabel = spec.costUnit === 'usd' ? 'cost, $ per 1,000 queries' : 'cost, strong calls per query';
  const series = spec.series;
  const target = spec.target;
  const targetXY = target ? [{ cost: target.axis === 'cost' ? target.value : 0, quality: target.axis === 'quality' ? target.value : spec.oracle.quality }] : [];
  const all = [...series.flatMap((s) => s.points), ...spec.baseline.points, ...spec.models, spec.oracle, ...targetXY];
  const xs = all.map((p) => p.cost * scale);
  const ys = all.map((p) => p.quality);
  let [x0, x1] = [Math.min(0, ...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (!(x1 > x0)) x1 = x0 + 1;
  const ypad = (y1 - y0 || 0.1) * 0.08;
  [y0, y1] = [Math.max(0, y0 - ypad), Math.min(1, y1 + ypad)];
  if (!(y1 > y0)) [y0, y1] = [0, 1];
  x1 += (x1 - x0) * 0.03;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const px = (x: number) => M.left + ((x - x0) / (x1 - x0)) * pw;
  const py = (y: number) => M.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const at = (p: XY) => `${px(p.cost * scale).toFixed(1)},${py(p.quality).toFixed(1)}`;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${M.left}" y="24" font-size="15" font-weight="bold">${esc(spec.title)}</text>`,
    `<text x="${M.left}" y="38" font-size="11" fill="#555">${esc(spec.subtitle)}</text>`,
  ];
  const xt = niceTicks(x0, x1);
  const yt = niceTicks(y0, y1);
  const xStep = xt.length > 1 ? xt[1]! - xt[0]! : 1;
  const yStep = yt.length > 1 ? yt[1]! - yt[0]! : 1;
  for (const v of xt) {
    out.push(`<line x1="${px(v).toFixed(1)}" y1="${M.top}" x2="${px(v).toFixed(1)}" y2="${M.top + ph}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${px(v).toFixed(1)}" y="${M.top + ph + 18}" text-anchor="middle" fill="#333">${tickLabel(v, xStep)}</text>`);
  }
  for (const v of yt) {
    out.push(`<line x1="${M.left}" y1="${py(v).toFixed(1)}" x2="${M.left + pw}" y2="${py(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 8}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end" fill="#333">${tickLabel(v, yStep)}</text>`);
  }
  out.push(
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`,
    `<text x="${M.left + pw / 2}" y="${H - 14}" text-anchor="middle" fill="#222">${esc(xLabel)}</text>`,
    `<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#222">quality (mean of the chosen model)</text>`,
  );

  const taken: Box[] = [];
  if (target) {
    // The target the operating points were chosen against, labelled at the plot's edge.
    if (target.axis === 'quality') {
      const y = py(target.value);
      out.push(`<line x1="${M.left}" y1="${y.toFixed(1)}" x2="${M.left + pw}" y2="${y.toFixed(1)}" stroke="#B22222" stroke-width="1" stroke-dasharray="6 3"/>`);
      out.push(`<text x="${M.left + 6}" y="${(y - 5).toFixed(1)}" font-size="11" fill="#B22222">${esc(target.label)}</text>`);
      taken.push({ x: M.left + 6, y: y - 16, w: target.label.length * charWidth, h: 14 });
    } else {
      const x = px(target.value * scale);
      out.push(`<line x1="${x.toFixed(1)}" y1="${M.top}" x2="${x.toFixed(1)}" y2="${M.top + ph}" stroke="#B22222" stroke-width="1" stroke-dasharray="6 3"/>`);
      out.push(`<text x="${(x + 5).toFixed(1)}" y="${M.top + ph - 6}" font-size="11" fill="#B22222">${esc(target.label)}</text>`);
      taken.push({ x: x + 5, y: M.top + ph - 17, w: target.label.length * charWidth, h: 14 });
    }
  }
  out.push(`<polyline points="${spec.baseline.points.map(at).join(' ')}" fill="none" stroke="#999" stroke-width="1.5" stroke-dasharray="2 4"/>`);
  for (const s of series) {
    out.push(`<polyline points="${s.points.map(at).join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} stroke-linejoin="round"/>`);
  }
  // Operating points over the curves, each labelled where no other label is: below and right of
  // the point first (the curves rise to the right, so that corner is mostly empty), then around it.
  for (const s of series) {
    if (!s.operating) continue;
    const [cx, cy] = [px(s.operating.cost * scale), py(s.operating.quality)];
    out.push(`<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="5.5" fill="${s.color}" stroke="#fff" stroke-width="1.5"/>`);
    if (!s.operatingLabel) continue;
    const w = s.operatingLabel.length * charWidth;
    const spots = [[9, 16], [9, -8], [9, 32], [9, -24], [-9 - w, 16], [-9 - w, -8], [9, 48], [-9 - w, 32]] as const;
    const fits = (b: Box) => b.x >= M.left && b.x + b.w <= M.left + pw && b.y >= M.top && b.y + b.h <= M.top + ph;
    const boxes = spots.map(([dx, dy]) => ({ x: cx + dx, y: cy + dy - 11, w, h: 14 }));
    const box = boxes.find((b) => fits(b) && !taken.some((t) => overlaps(b, t))) ?? boxes.find(fits) ?? boxes[0]!;
    taken.push(box);
    out.push(`<text x="${box.x.toFixed(1)}" y="${(box.y + 11).toFixed(1)}" font-size="11" fill="${s.color}">${esc(s.operatingLabel)}</text>`);
  }
  const o = spec.oracle;
  const star = (cx: number, cy: number, r: number) =>
    Array.from({ length: 10 }, (_, k) => {
      const a = (Math.PI / 5) * k - Math.PI / 2;
      const rr = k % 2 ? r * 0.45 : r;
      return `${(cx + rr * Math.cos(a)).toFixed(1)},${(cy + rr * Math.sin(a)).toFixed(1)}`;
    }).join(' ');
  out.push(`<polygon points="${star(px(o.cost * scale), py(o.quality), 8)}" fill="#000"/>`);
  for (const m of spec.models) {
    const [cx, cy] = [px(m.cost * scale), py(m.quality)];
    out.push(`<rect x="${(cx - 5).toFixed(1)}" y="${(cy - 5).toFixed(1)}" width="10" height="10" fill="${m.filled ? '#000' : '#fff'}" stroke="#000" stroke-width="1.5"/>`);
    // Labels near the right edge go to the point's left, clear of the legend.
    const left = cx > M.left + pw * 0.75;
    if (m.label) out.push(`<text x="${(left ? cx - 8 : cx + 8).toFixed(1)}" y="${(cy - 7).toFixed(1)}" font-size="10" fill="#333"${left ? ' text-anchor="end"' : ''}>${esc(m.name.length > 22 ? `${m.name.slice(0, 21)}…` : m.name)}</text>`);
  }

  // Legend, right of the plot.
  const lx = M.left + pw + 18;
  let ly = M.top + 8;
  const entry = (glyph: string, text: string) => {
    // The legend column is ~180 px wide: long router names are cut rather than run off the image.
    const shown = text.length > 24 ? `${text.slice(0, 23)}…` : text;
    out.push(glyph.replaceAll('LX', String(lx)).replaceAll('LY', String(ly)), `<text x="${lx + 30}" y="${ly + 4}" fill="#222">${esc(shown)}</text>`);
    ly += 22;
  };
  for (const s of series) entry(`<line x1="LX" y1="LY" x2="${lx + 22}" y2="LY" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`, s.name);
  entry(`<line x1="LX" y1="LY" x2="${lx + 22}" y2="LY" stroke="#999" stroke-width="1.5" stroke-dasharray="2 4"/>`, spec.baseline.name);
  entry(`<circle cx="${lx + 11}" cy="LY" r="5.5" fill="#666"/>`, 'operating point');
  entry(`<polygon points="${star(lx + 11, ly, 8)}" fill="#000"/>`, 'oracle');
  if (spec.modelLegend) {
    entry(`<rect x="${lx + 6}" y="${ly - 5}" width="10" height="10" fill="#fff" stroke="#000" stroke-width="1.5"/>`, spec.modelLegend.open);
    entry(`<rect x="${lx + 6}" y="${ly - 5}" width="10" height="10" fill="#000"/>`, spec.modelLegend.filled);
  }
  out.push('</svg>', '');
  return out.join('\n');
}

export function qualityCostSvg(body: EvalReportBody): string {
  const b = body.baselines;
  const label = (name: string, p: { threshold: number | null; qualityGap: number | null }) => `${name}: threshold ${p.threshold === null ? '—' : p.threshold.toFixed(3)}, gap ${p.qualityGap === null ? '—' : `${(p.qualityGap * 100).toFixed(1)}%`}`;
  const series: Series[] = body.routers.map((r, i) => ({ name: r.name, color: COLORS[i % COLORS.length]!, points: r.curve, operating: r.operatingPoint.point, operatingLabel: label(r.name, r.operatingPoint.point) }));
  if (body.cascade) series.push({ name: 'cascade (confidence)', color: '#555555', dash: '7 4', points: body.cascade.curve, operating: body.cascade.operatingPoint.point, operatingLabel: label('cascade', body.cascade.operatingPoint.point) });
  const op = body.routers[0]?.operatingPoint;
  return chart({
    title: `Quality against cost: ${body.pair.weak} -> ${body.pair.strong}`,
    subtitle: `${body.dataset.rows} test rows of ${body.dataset.path}`,
    costUnit: body.costUnit,
    series,
    // Random routing: the chord from always-weak to always-strong.
    baseline: { name: 'random routing', points: [b.alwaysWeak, b.alwaysStrong] },
    oracle: b.oracle.point,
    models: [{ ...b.alwaysWeak, name: body.pair.weak }, { ...b.alwaysStrong, name: body.pair.strong, filled: true }],
    modelLegend: { open: 'always weak', filled: 'always strong' },
    ...(op?.criterion === 'max-quality-gap'
      ? { target: { axis: 'quality' as const, value: b.alwaysStrong.quality * (1 - op.target), label: `target: quality gap ${(op.target * 100).toFixed(1)}% (quality ${(b.alwaysStrong.quality * (1 - op.target)).toFixed(3)})` } }
      : op?.criterion === 'budget-per-1k'
        ? { target: { axis: 'cost' as const, value: op.target / 1000, label: `target: budget ${op.target} per 1,000 queries` } }
        : {}),
  });
}

/** Over N models: every single model (labelled), the zero router's hull, each router's hull and operating point, the oracle. */
export function multiQualityCostSvg(body: MultiEvalReportBody): string {
  const zero = monotoneHull(Float64Array.from(body.singles, (x) => x.cost), Float64Array.from(body.singles, (x) => x.quality));
  return chart({
    title: `Quality against cost over ${body.models.length} models`,
    subtitle: `${body.rows} test rows; reference ${body.reference}`,
    costUnit: 'usd',
    series: body.routers.map((r, i) => ({
      name: r.name,
      color: COLORS[i % COLORS.length]!,
      points: r.hull.cost.map((c, k) => ({ cost: c, quality: r.hull.quality[k]! })),
      operating: r.operatingPoint,
      operatingLabel: `${r.name}: ${r.operatingPoint.rule.kind} ${r.operatingPoint.rule.value.toFixed(r.operatingPoint.rule.kind === 'lambda' ? 2 : 3)}, gap ${r.operatingPoint.qualityGap === null ? "—" : `${(r.operatingPoint.qualityGap * 100).toFixed(1)}%`}`,
    })),
    ...multiTarget(body),
    baseline: { name: 'zero router (mix of two models)', points: Array.from(zero.cost, (c, k) => ({ cost: c, quality: zero.quality[k]! })) },
    oracle: body.oracle,
    models: body.singles.map((x) => ({ ...x, name: x.model, filled: x.model === body.reference, label: true })),
    modelLegend: { open: 'single model', filled: `${body.reference} (reference)` },
  });
}

/** The line an N-model operating point was chosen against, when an explicit target chose it. */
function multiTarget(body: MultiEvalReportBody): Pick<ChartSpec, 'target'> {
  const op = body.routers[0]?.operatingPoint;
  if (!op || op.target === undefined || op.target === null) return {};
  const ref = body.singles.find((x) => x.model === body.reference)?.quality;
  if (op.criterion === 'max-quality-gap' && ref !== undefined) {
    const q = ref * (1 - op.target);
    return { target: { axis: 'quality', value: q, label: `target: quality gap ${(op.target * 100).toFixed(1)}% of ${body.reference} (quality ${q.toFixed(3)})` } };
  }
  if (op.criterion === 'quality-floor') return { target: { axis: 'quality', value: op.target, label: `target: quality at least ${op.target.toFixed(3)}` } };
  if (op.criterion === 'budget-per-1k') return { target: { axis: 'cost', value: op.target / 1000, label: `target: $${op.target} per 1,000 queries` } };
  return {};
}
