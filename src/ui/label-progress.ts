import type { LabelProgress } from '../label/label-run.js';
import type { RunEstimate } from '../label/estimate.js';
import { count, usd } from './format.js';
import { openSpinner } from './spinner.js';

// The live line of `router label` on stderr (the shared spinner), and the spending confirmation
// (@inquirer/prompts). Both are loaded only when stderr is a terminal; piped or under CI the
// run is silent until its summary.

export interface ProgressDisplay {
  /** Starts drawing (after any confirmation prompt). */
  begin(): void;
  update(p: LabelProgress): void;
  stop(): void;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function progressText(p: LabelProgress, elapsedMs: number, doneAtStart: number): string {
  const parts = [`labelling ${count(p.done)}/${count(p.total)} rows`, `${usd(p.spentUsd)} spent`, `${count(p.apiCalls)} calls`];
  if (p.storedCalls) parts.push(`${count(p.storedCalls)} answered from cache`);
  if (p.failed) parts.push(`${count(p.failed)} failed`);
  if (p.unlabelled) parts.push(`${count(p.unlabelled)} unparseable`);
  if (p.retries) parts.push(`${count(p.retries)} retries`);
  const fresh = p.done - doneAtStart;
  if (fresh > 0 && p.done < p.total) parts.push(`ETA ${duration(((p.total - p.done) * elapsedMs) / fresh)}`);
  return parts.join(' · ');
}

const silent: ProgressDisplay = { begin() {}, update() {}, stop() {} };

export async function startProgress(enabled: boolean, options: { color?: boolean } = {}): Promise<ProgressDisplay> {
  if (!enabled) return silent;
  const spinner = await openSpinner(options);
  let started = performance.now();
  let doneAtStart: number | undefined;
  let last = 0;
  // Nothing is drawn before begin(): the confirmation prompt may still be on the terminal.
  let text = 'labelling';
  let begun = false;
  return {
    begin() {
      started = performance.now();
      begun = true;
      spinner.show(text);
    },
    update(p) {
      doneAtStart ??= p.done;
      const now = performance.now();
      // The text only changes what the next frame draws; rebuilding it for every call is waste.
      if (now - last < 100 && p.done < p.total) return;
      last = now;
      text = progressText(p, now - started, doneAtStart);
      if (begun) spinner.show(text);
    },
    stop() {
      spinner.stop();
    },
  };
}

/** Asks on the terminal; the estimate table has been printed to stderr already. */
export async function confirmSpending(estimate: RunEstimate): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  const calls = estimate.calls - estimate.stored;
  const money = estimate.usd !== undefined ? ` for about ${usd(estimate.usd)}` : '';
  try {
    return await confirm({ message: `Make ${count(calls)} calls${money}?`, default: false }, { output: process.stderr });
  } catch (err) {
    // Ctrl+C at the prompt is a "no", not a crash.
    if (err instanceof Error && err.name === 'ExitPromptError') return false;
    throw err;
  }
}
