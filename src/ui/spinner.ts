import type { Ora } from 'ora';
import pc from 'picocolors';
import { inCi } from './environment.js';

// The one live status line of every command (ora, on stderr). Everything that can make a
// terminal spinner hang or flood is decided here rather than left to ora's defaults:
// - Width. ora divides the text's width by `stream.columns` to know how many lines to clear; a
//   0-column terminal gives Infinity and a synchronous loop of escape codes that no signal can
//   interrupt (hundreds of MB in minutes). The text is cut to one line of the current width, and
//   below MIN_COLUMNS the spinner does not draw at all, also after a resize.
// - Signals. ora's hideCursor loads signal-exit, whose SIGTERM/SIGINT handlers run JavaScript:
//   during synchronous work (a knn fit, a TF-IDF pass) they wait for it to finish, and SIGTERM
//   was ignored for as long as training ran. The cursor stays visible instead, so no handler is
//   needed and a signal ends the process at once, the kernel's way.
// - Colour: the frame is coloured here, only when stderr's colour depth allows it (NO_COLOR,
//   FORCE_COLOR, TERM=dumb); chalk inside ora ignores NO_COLOR.
// - Ticks. ora redraws on a timer, which synchronous work starves; a new text is drawn at once.

/** Below this width a status line has no room for its text; the spinner stays off. */
export const MIN_COLUMNS = 20;
const DOTS = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
// The Linux console has no braille glyphs.
const LINE = ['-', '\\', '|', '/'];

/** Time per frame, which is also the least time between two redraws that a text change causes. */
const FRAME_MS = 80;

export interface Spinner {
  /** Shows `text` beside the spinner, starting it on first use. */
  show(text: string): void;
  /** Clears the line and ends the spinner; calling it again does nothing. */
  stop(): void;
}

export interface SpinnerOptions {
  stream?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
  /** false: no colour whatever the terminal takes (--no-color). */
  color?: boolean;
}

const SILENT: Spinner = { show() {}, stop() {} };


/** A spinner needs a terminal that can move the cursor, and no CI log to litter. */
export function spinnerWanted(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !inCi(env) && env.TERM !== 'dumb';
}

// Conservative: every non-ASCII character counts two columns, so a cut line never wraps.
function width(ch: string): number {
  return ch.charCodeAt(0) < 0x7f ? 1 : 2;
}

/** One line of at most `max` columns: control characters and line breaks become spaces. */
export function fitLine(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/[\s\x00-\x1f\x7f]+/g, ' ');
  let used = 0;
  let cut = '';
  for (const ch of flat) {
    const w = width(ch);
    if (used + w > max) {
      // Room for the ellipsis is made by dropping characters from the end.
      while (cut && used + width('…') > max) {
        const last = [...cut].pop()!;
        cut = cut.slice(0, cut.length - last.length);
        used -= width(last);
      }
      return cut + '…';
    }
    cut += ch;
    used += w;
  }
  return cut;
}

const live = new Set<Spinner>();

/** Ends every spinner still running: the CLI's last word on any path, error or exit. */
export function stopSpinners(): void {
  for (const s of [...live]) s.stop();
}

let exitHookInstalled = false;

export async function openSpinner(options: SpinnerOptions = {}): Promise<Spinner> {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  if (!spinnerWanted(stream, env)) return SILENT;
  const { default: ora } = await import('ora');
  const paint = pc.createColors(options.color !== false && (stream.hasColors?.(env) ?? false)).cyan;
  const frames = (env.TERM === 'linux' ? LINE : DOTS).map(paint);
  const line: Ora = ora({ stream, isEnabled: true, discardStdin: false, hideCursor: false, color: false, spinner: { interval: FRAME_MS, frames } });
  let text: string | null = null;
  let stopped = false;
  let drawn = 0;

  // Frame, a space, the text, and the last column left empty so the cursor never wraps.
  const room = () => (stream.columns ?? 0) - 3;
  const refresh = () => {
    if (stopped || text === null) return;
    if ((stream.columns ?? 0) < MIN_COLUMNS) {
      if (line.isSpinning) line.stop();
      return;
    }
    line.text = fitLine(text, room());
    if (!line.isSpinning) line.start();
    else if (performance.now() - drawn >= FRAME_MS) line.render();
    else return;
    drawn = performance.now();
  };
  stream.on('resize', refresh);

  const spinner: Spinner = {
    show(t) {
      text = t;
      refresh();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      live.delete(spinner);
      stream.off('resize', refresh);
      if (line.isSpinning) line.stop();
    },
  };
  live.add(spinner);
  if (!exitHookInstalled) {
    // process.exit() (a second Ctrl-C in label, say) skips every finally; the line is still cleared.
    exitHookInstalled = true;
    process.on('exit', stopSpinners);
  }
  return spinner;
}
