import { count } from './format.js';
import { openSpinner, type Spinner, type SpinnerOptions } from './spinner.js';

/** Progress of long steps (embedding thousands of texts, tuning) on stderr, for train, eval and route. */
export interface Progress {
  stage(text: string): void;
  embed(what: string, done: number, total: number): void;
}

/**
 * Runs `work` with a progress line on stderr when it is a terminal (see spinner.ts for when it
 * draws), and ends the line however `work` ends, so no error path leaves a spinner behind.
 */
export async function withProgress<T>(first: string, work: (progress: Progress) => Promise<T>, options: SpinnerOptions = {}): Promise<T> {
  const spinner = await openSpinner(options);
  const progress = spinnerProgress(spinner);
  try {
    progress.stage(first);
    return await work(progress);
  } finally {
    spinner.stop();
  }
}

/** Progress drawn by a spinner: stages as its text, embedding as done/total with the time left. */
export function spinnerProgress(spinner: Spinner): Progress {
  let embedStart = 0;
  return {
    stage(text) {
      spinner.show(text);
    },
    embed(what, done, total) {
      if (total === 0) return;
      if (done === 0) embedStart = Date.now();
      const rate = done > 0 ? done / ((Date.now() - embedStart) / 1000) : 0;
      const eta = rate > 0 ? ` (${Math.ceil((total - done) / rate)} s left)` : '';
      spinner.show(`embedding with ${what}: ${count(done)}/${count(total)}${eta}`);
    },
  };
}
