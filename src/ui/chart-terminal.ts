import type { EvalReportBody } from '../eval/evaluate.js';
import { fixed } from './format.js';
import { fitWidth, wrapLine, type Layout } from './layout.js';

// A small text chart of PGR against strong share: each router's curve, the cascade, random (the
// diagonal) and the oracle's point, so the shape of the trade-off is visible without opening a file.

/** Plot columns without a width to fit (a pipe, a file); a terminal gets what it has room for, within these. */
const DEFAULT_WIDTH = 50;
const MIN_WIDTH = 30;
const MAX_WIDTH = 100;
const HEIGHT = 12;
/** The row labels and the axis before the plot: "  1.00 |". */
const MARGIN = 8;
const MARKS = ['*', '+', 'x', '#', '%', '&'];

export function terminalChart(body: EvalReportBody, layout: Layout = {}): string {
  const room = layout.wide ? undefined : fitWidth(layout);
  const width = room === undefined ? DEFAULT_WIDTH : Math.max(MIN_WIDTH, Math.min(MAX_WIDTH, room - MARGIN - 1));
  const series = [
    ...body.routers.map((r, i) => ({ name: r.name, mark: MARKS[i % MARKS.length]!, curve: r.curve })),
    ...(body.cascade ? [{ name: 'cascade', mark: 'c', curve: body.cascade.curve }] : []),
  ];
  const oracle = body.baselines.oracle.point;
  const values = [0, 1, ...(oracle.pgr !== null ? [oracle.pgr] : []), ...series.flatMap((s) => s.curve.map((p) => p.pgr ?? 0))];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const grid = Array.from({ length: HEIGHT }, () => new Array<string>(width).fill(' '));
  const rowOf = (pgr: number) => HEIGHT - 1 - Math.round(((pgr - lo) / span) * (HEIGHT - 1));
  const put = (col: number, pgr: number, ch: string) => {
    const r = rowOf(pgr);
    if (r >= 0 && r < HEIGHT && col >= 0 && col < width) grid[r]![col] = ch;
  };
  for (let c = 0; c < width; c++) put(c, c / (width - 1), '.');
  for (const s of series) {
    for (let c = 0; c < width; c++) {
      // The stored curve has one point per 1% of share; read the nearest one.
      const p = s.curve[Math.round((c / (width - 1)) * (s.curve.length - 1))];
      if (p?.pgr !== null && p?.pgr !== undefined) put(c, p.pgr, s.mark);
    }
  }
  if (oracle.pgr !== null) put(Math.round(oracle.strongShare * (width - 1)), oracle.pgr, 'O');
  // Label the rows holding PGR 1 (always-strong quality) and 0 (always-weak), and the extremes.
  const label = (r: number) => {
    const v = r === rowOf(1) ? 1 : r === rowOf(0) ? 0 : r === 0 ? hi : r === HEIGHT - 1 ? lo : null;
    return (v === null ? '' : fixed(v, 2)).padStart(6);
  };
  const lines = grid.map((row, r) => `${label(r)} |${row.join('')}`);
  lines.push(`${''.padStart(6)} +${'-'.repeat(width)}`);
  const mid = Math.floor(width / 2) - 6;
  lines.push(`${''.padStart(MARGIN)}0%${'strong share'.padStart(mid + 10)}${'100%'.padStart(width - mid - 12)}`);
  const legend = [...series.map((s) => `${s.mark} ${s.name}`), '. random', 'O oracle'].join('   ');
  return [wrapLine(`PGR against strong share   ${legend}`, room), ...lines].join('\n');
}
