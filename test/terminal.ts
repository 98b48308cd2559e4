import { spawn, spawnSync } from 'node:child_process';
import { BIN } from './helpers.ts';

// Runs the built `router` on a real pseudo-terminal (util-linux `script`), at a chosen width, as a
// person at a terminal would see it. Every run has a deadline, so a hang fails the test instead
// of the suite; the process is killed with SIGKILL then.

export const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

export interface TerminalRun {
  /** script's exit status: the command's, or 128 + the signal that ended it. */
  code: number;
  /** Everything written to the terminal, escape sequences included. */
  raw: string;
  /** Bytes the terminal received. */
  bytes: number;
  /** From spawn to exit. */
  ms: number;
  /** From `kill` to exit, when `kill` was asked for. */
  killToExitMs?: number;
  /** The deadline passed and the process was killed. */
  timedOut: boolean;
}

export interface TerminalOptions {
  cwd: string;
  /** Terminal width (`stty cols`); 0 is a terminal that reports no width. */
  cols: number;
  env?: Record<string, string | undefined>;
  /** Kills the process when it has been running this long (default 60 s). */
  deadlineMs?: number;
  /** Sends `signal` to the node process once the screen matches `when` (plain text), after `afterMs`. */
  kill?: { when: RegExp; signal?: NodeJS.Signals; afterMs?: number };
  /** Bytes typed into the terminal once the screen matches `when`. */
  type?: { when: RegExp; keys: string };
}

/** The screen without escape sequences and carriage returns. */
export function plain(raw: string): string {
  // eslint-disable-next-line no-control-regex
  return raw.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/\r/g, '');
}

/**
 * The lines a person sees once the output has been drawn: carriage returns, cursor moves to a
 * column or up, and line clears applied (no wrapping: lines are as long as they were written).
 */
export function screen(raw: string): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  // eslint-disable-next-line no-control-regex
  const token = /\x1b\[([0-9;?]*)([ -/]*[@-~])|\r|\n|[^\x1b\r\n]/gu;
  for (const m of raw.matchAll(token)) {
    const t = m[0];
    if (t === '\r') col = 0;
    else if (t === '\n') {
      row++;
      col = 0;
      lines[row] ??= [];
    } else if (m[2] !== undefined) {
      const n = Number(m[1]?.replace('?', '') || 0);
      if (m[2] === 'G') col = Math.max(0, (n || 1) - 1);
      else if (m[2] === 'A') row = Math.max(0, row - (n || 1));
      else if (m[2] === 'K') lines[row]!.length = n === 2 ? 0 : Math.min(col, lines[row]!.length);
    } else {
      const line = lines[row]!;
      while (line.length < col) line.push(' ');
      line[col++] = t;
    }
  }
  return lines.map((l) => l.join('').trimEnd());
}

const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;

export function inTerminal(args: string[], options: TerminalOptions): Promise<TerminalRun> {
  // `exec` keeps one process: the PID the shell prints is node's.
  const command = `stty cols ${options.cols} rows 24; echo PID:$$; exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  const env: Record<string, string | undefined> = { ...process.env, TERM: 'xterm-256color', NO_COLOR: undefined, FORCE_COLOR: undefined, ...options.env };
  // A CI runner's CI=true would switch every spinner off; the tests that want that say so.
  if (!options.env || !('CI' in options.env)) delete env.CI;
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const started = performance.now();
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: options.cwd, env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let raw = '';
  let bytes = 0;
  let pid: number | undefined;
  let killedAt: number | undefined;
  let typed = false;
  let timedOut = false;
  const onData = (d: Buffer) => {
    bytes += d.length;
    // Past a few MB the text is only evidence of a flood; the byte count says enough.
    if (raw.length < 4_000_000) raw += d.toString('utf8');
    pid ??= Number(/PID:(\d+)/.exec(raw)?.[1]) || undefined;
    const screen = plain(raw.slice(raw.indexOf('PID:')));
    if (options.kill && killedAt === undefined && pid !== undefined && options.kill.when.test(screen)) {
      killedAt = -1;
      setTimeout(() => {
        killedAt = performance.now();
        try {
          process.kill(pid!, options.kill!.signal ?? 'SIGTERM');
        } catch {
          // Already gone.
        }
      }, options.kill.afterMs ?? 0);
    }
    if (options.type && !typed && options.type.when.test(screen)) {
      typed = true;
      child.stdin.write(options.type.keys);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const deadline = setTimeout(() => {
    timedOut = true;
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    child.kill('SIGKILL');
  }, options.deadlineMs ?? 60_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      const ended = performance.now();
      resolve({
        code: code ?? (signal ? 128 + 9 : -1),
        raw: raw.replace(/^[^]*?PID:\d+\r?\n/, ''),
        bytes,
        ms: ended - started,
        ...(killedAt !== undefined && killedAt > 0 ? { killToExitMs: ended - killedAt } : {}),
        timedOut,
      });
    });
  });
}
