import Table from 'cli-table3';
import { displayWidth, fitWidth, paintOf, wrapLine, type Layout } from './layout.js';
import wrapAnsi from 'wrap-ansi';
import { fitLine } from './spinner.js';

export interface TableOptions {
  /** Left-aligned columns (default: the first); the others hold numbers and are right-aligned. */
  alignLeft?: number[];
  layout?: Layout;
  /** Shorter headers by column, used when the table does not fit the width. */
  short?: Record<number, string>;
  /** Columns that may be left out when the table does not fit, the first listed first; a list goes together. */
  optional?: (number | number[])[];
  /** Columns whose cells are cut with an ellipsis rather than wrapped when narrowed (a query). */
  truncate?: number[];
}

/** Which columns a table shows, under which headers, at which widths (cli-table3's, padding included). */
export interface TablePlan {
  keep: number[];
  head: string[];
  /** Set when columns were narrowed: their cells wrap at word boundaries (or are cut, for `truncate`). */
  widths?: number[];
  /** Headers of the columns left out. */
  dropped: string[];
}

/** `short` and `optional` by header text rather than index, for tables whose columns vary; unknown headers are skipped. */
export function fitByName(head: string[], fit: { short?: Record<string, string>; optional?: (string | string[])[] }): Pick<TableOptions, 'short' | 'optional'> {
  const at = (h: string) => head.indexOf(h);
  const short: Record<number, string> = {};
  head.forEach((h, i) => {
    const s = fit.short?.[h];
    if (s !== undefined) short[i] = s;
  });
  const optional = (fit.optional ?? []).map((g) => [g].flat().map(at).filter((i) => i >= 0)).filter((g) => g.length > 0);
  return { short, optional };
}

const PAD = 2;
/** A cut column keeps at least this much of its text. */
const MIN_CUT = 16;
/** The last resort, words broken inside: no column narrower than this. */
const MIN_BROKEN = 4 + 2;

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
/** A table's width: its columns and one border between each and at both ends. */
const tableWidth = (widths: number[]) => sum(widths) + widths.length + 1;
const longestWord = (s: string) => Math.max(0, ...s.split(/\s+/).map(displayWidth));

/**
 * Fits a table to `width`, least loss first: shorter headers, headers on two lines, then the
 * optional columns left out in their order, then cells wrapped at word boundaries (or cut). What
 * cannot fit even so (a long word) is left for the terminal to wrap. No width, or `wide`: all of it.
 */
export function fitColumns(head: string[], rows: string[][], width: number | undefined, options: TableOptions & { wide?: boolean } = {}): TablePlan {
  const all = head.map((_, i) => i);
  const whole: TablePlan = { keep: all, head, dropped: [] };
  if (width === undefined || options.wide) return whole;
  const cellWidth = all.map((i) => Math.max(0, ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const natural = (i: number, h: string) => Math.max(displayWidth(h), cellWidth[i]!) + PAD;
  if (tableWidth(all.map((i) => natural(i, head[i]!))) <= width) return whole;

  const h = head.map((x, i) => options.short?.[i] ?? x);
  const cut = new Set(options.truncate ?? []);
  const cutMin = (i: number) => Math.max(longestWord(h[i]!), Math.min(cellWidth[i]!, MIN_CUT)) + PAD;
  const headMin = (i: number) => (cut.has(i) ? cutMin(i) : Math.max(cellWidth[i]!, longestWord(h[i]!)) + PAD);
  const cellMin = (i: number) => (cut.has(i) ? cutMin(i) : Math.max(longestWord(h[i]!), ...rows.map((r) => longestWord(r[i] ?? ''))) + PAD);
  const fits = (cols: number[], min: (i: number) => number) => tableWidth(cols.map(min)) <= width;

  let keep = all;
  for (const group of options.optional ?? []) {
    if (fits(keep, headMin)) break;
    const out = new Set([group].flat());
    keep = keep.filter((i) => !out.has(i));
  }
  const min = fits(keep, headMin) ? headMin : fits(keep, cellMin) ? cellMin : (i: number) => Math.min(cellMin(i), MIN_BROKEN);
  const widths = keep.map((i) => natural(i, h[i]!));
  const floor = keep.map(min);
  while (tableWidth(widths) > width) {
    // Take a column from the widest that can still give: wide columns wrap least badly.
    let j = -1;
    for (let k = 0; k < widths.length; k++) if (widths[k]! > floor[k]! && (j < 0 || widths[k]! > widths[j]!)) j = k;
    if (j < 0) break;
    widths[j]!--;
  }
  return { keep, head: keep.map((i) => h[i]!), widths, dropped: all.filter((i) => !keep.includes(i)).map((i) => head[i]!) };
}

/**
 * A cli-table3 table with right-aligned numeric columns, fitted to the layout's width (see
 * fitColumns); a note under it names the columns left out. The header is bold only where colour is on.
 */
export function renderTable(head: string[], rows: (string | number)[][], options: TableOptions = {}): string {
  const layout = options.layout ?? {};
  const cells = rows.map((r) => r.map(String));
  const width = fitWidth(layout);
  const plan = fitColumns(head, cells, width, { ...options, wide: layout.wide });
  const left = new Set(options.alignLeft ?? [0]);
  const cut = new Set(options.truncate ?? []);
  const bold = paintOf(layout).bold;
  // Narrowed cells are wrapped here, not by cli-table3, which cuts a word longer than its column
  // where wrap-ansi breaks it: a slice's name or a model id stays whole on two lines.
  const fit = (text: string, k: number, i: number) => {
    const room = plan.widths ? plan.widths[k]! - PAD : undefined;
    if (room === undefined || displayWidth(text) <= room) return text;
    return cut.has(i) ? fitLine(text, room) : wrapAnsi(text, room, { hard: true, trim: true });
  };
  const table = new Table({
    head: plan.head.map((h, k) => bold(fit(h, k, -1))),
    style: { head: [], border: [] },
    // No rule between body rows: the tables are read down a column, and half the height fits a screen.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    colAligns: plan.keep.map((i) => (left.has(i) ? 'left' : 'right')),
    ...(plan.widths ? { colWidths: plan.widths } : {}),
  });
  for (const r of cells) table.push(plan.keep.map((i, k) => fit(r[i] ?? '', k, i)));
  const text = table.toString();
  if (!plan.dropped.length) return text;
  return `${text}\n${wrapLine(`(hidden to fit ${width} columns: ${plan.dropped.join(', ')}; --wide shows them)`, width)}`;
}
