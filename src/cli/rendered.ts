import type { Progress } from '../ui/progress.js';
import type { Layout } from '../ui/layout.js';

// What a command gives back and how it is printed. Each command is `run<Verb>(options, deps)`,
// which reads, computes and writes artifacts but prints nothing, and a pure `render<Verb>(result)`
// that turns its result into text; only main.ts prints, and only main.ts picks exit codes.

/** A command's output: stderr lines (notes, warnings, read lines) before and after its stdout. */
export interface Rendered {
  before: string[];
  stdout: string;
  after: string[];
}

/** What a command takes besides its options: where progress goes (main passes the spinner's). */
export interface RunDeps {
  progress?: Progress;
  /** Environment of provider keys and cache defaults (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * A warning that matters while the work runs (eval's "the bootstrap will take roughly N s"):
   * main prints it at once; without this it is kept in the result's warnings.
   */
  notice?: (text: string) => void;
}

/** How a result is shown: JSON, or text laid out for a width (none: everything), with or without colour. */
export interface RenderView extends Layout {
  json?: boolean;
}

export const NO_PROGRESS: Progress = { stage() {}, embed() {} };

/** An artifact a command read: "NAME" means the latest version, which another run may just have added. */
export interface ReadRef {
  kind: string;
  path: string;
}

/** `demo@7` for a versioned artifact's path, so a user sees which version NAME meant. */
export function versionOf(path: string): string | undefined {
  const m = /([^\\/]+)[\\/]v(\d+)\.jsonl?$/.exec(path);
  return m ? `${m[1]}@${m[2]}` : undefined;
}

/** One `read KIND NAME@N (PATH)` line per artifact, each once. */
export function readLines(reads: readonly ReadRef[]): string[] {
  const lines: string[] = [];
  for (const { kind, path } of reads) {
    const v = versionOf(path);
    const line = `read ${kind} ${v ? `${v} (${path})` : path}`;
    if (!lines.includes(line)) lines.push(line);
  }
  return lines;
}

/** JSON for stdout: non-finite numbers become null. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}

export const noteLine = (text: string): string => `note: ${text}`;
export const warningLine = (text: string): string => `warning: ${text}`;
