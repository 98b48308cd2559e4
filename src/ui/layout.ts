import pc from 'picocolors';
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';
import { inCi } from './environment.js';

// How a command's human output is laid out: the width it must fit and whether it may colour.
// Renders take a Layout as an input (pure functions), main builds it once from the process.

export interface Layout {
  /** Columns the output must fit; undefined: no limit (a pipe, a file, a log keeps everything). */
  width?: number;
  /** Every table column, whatever the width (--wide). */
  wide?: boolean;
  /** Colour (bold headings): only when stdout is a terminal that takes it. */
  color?: boolean;
}

/**
 * Below this width nothing useful fits (a 0- or 1-column terminal, a mis-sized pty): the output is
 * printed whole and the terminal wraps it, rather than squeezed into one character per cell.
 */
export const MIN_FIT_COLUMNS = 40;

/** The width a render must fit, or undefined for none. */
export function fitWidth(layout: Layout = {}): number | undefined {
  const w = layout.width;
  return w !== undefined && Number.isFinite(w) && w >= MIN_FIT_COLUMNS ? Math.floor(w) : undefined;
}

/** Columns a string takes on a terminal: escape codes count none, East Asian wide characters two. */
export function displayWidth(s: string): number {
  return stringWidth(s);
}

export type Paint = ReturnType<typeof pc.createColors>;

/** picocolors' functions, on or off as the layout says. */
export function paintOf(layout: Layout = {}): Paint {
  return pc.createColors(layout.color === true);
}

/**
 * Colour on stdout only for a terminal that takes it (Node's hasColors reads NO_COLOR, FORCE_COLOR
 * and TERM) and outside CI, or when FORCE_COLOR asks. Not picocolors' own default, which also
 * colours any output when CI is set, so a CI log or a file written under CI got escape codes.
 */
export function stdoutColours(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  return stream.isTTY === true && !inCi(env) && (stream.hasColors?.(env) ?? false);
}

/**
 * The layout of output written to `stream`: a terminal's width; for a pipe or a file no limit,
 * unless COLUMNS asks for one (`COLUMNS=80 router eval ... | less`), as ls and git do.
 */
export function streamLayout(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv, flags: { color?: boolean; wide?: boolean } = {}): Layout {
  const columns = Number(env.COLUMNS);
  const width = stream.isTTY === true ? stream.columns : env.COLUMNS !== undefined && Number.isInteger(columns) && columns > 0 ? columns : undefined;
  return {
    ...(width !== undefined ? { width } : {}),
    ...(flags.wide ? { wide: true } : {}),
    color: flags.color !== false && stdoutColours(stream, env),
  };
}

/**
 * One line of prose wrapped at word boundaries to `width`; continuation lines are indented two
 * more than the first, so a wrapped note still reads as one item. A word longer than the line is
 * broken (a path, a hash): the line must fit.
 */
export function wrapLine(line: string, width: number | undefined): string {
  if (width === undefined || displayWidth(line) <= width) return line;
  const indent = /^ */.exec(line)![0].length;
  const hang = ' '.repeat(Math.min(indent + 2, Math.floor(width / 2)));
  const first = wrapAnsi(line.slice(indent), width - indent, { hard: true, trim: true }).split('\n');
  const head = ' '.repeat(indent) + first[0]!;
  const rest = first.slice(1).join(' ');
  if (rest === '') return head;
  return [head, ...wrapAnsi(rest, width - hang.length, { hard: true, trim: true }).split('\n').map((l) => hang + l)].join('\n');
}

/**
 * A command's output from its parts: each one-line part is prose and is wrapped to the layout's
 * width; a part with line breaks (a table, a chart) is already laid out and is kept as it is.
 */
export function layOut(parts: readonly string[], layout: Layout = {}): string {
  // --wide is the output as a pipe gets it: lines as long as they are.
  const width = layout.wide ? undefined : fitWidth(layout);
  return parts.map((p) => (p.includes('\n') ? p : wrapLine(p, width))).join('\n');
}
