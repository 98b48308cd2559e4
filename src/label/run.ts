import pLimit from 'p-limit';
import type { CallError } from '../providers/api-error.js';
import type { LlmCaller } from '../providers/caller.js';
import type { QueryRow } from '../data/read-queries.js';
import { labelRow, type LabelPlan, type RowResult } from './row.js';

// Runs the rows: up to 2 x concurrency rows in flight (calls are capped at -j by the caller, and
// a row waits on its answers before its judge calls, so twice as many rows keep every call slot
// busy), each result handed to `record` (the journal) as soon as it is known. Stops starting rows
// when the budget would be exceeded, a model can never answer (bad key, unknown model, endpoint
// down or out of quota) or the caller was halted (Ctrl-C, journal failure, budget reached); rows
// already started finish and are kept.

export interface Budget {
  maxUsd: number;
  /** Dollars spent so far in this run. */
  spent: () => number;
  /** What a row is expected to cost, reserved while it runs. */
  estimateRow: (q: QueryRow) => number;
}

export interface RunInput {
  rows: QueryRow[];
  plan: LabelPlan;
  caller: LlmCaller;
  concurrency: number;
  record: (q: QueryRow, result: RowResult) => Promise<void>;
  budget?: Budget;
  onRow?: (q: QueryRow, result: RowResult) => void;
}

export type StopReason =
  | { kind: 'budget'; spent: number; maxUsd: number }
  | { kind: 'fatal'; model: string; error: CallError }
  | { kind: 'interrupted' }
  | { kind: 'journal' };

export interface RunOutput {
  /** Rows that ran in this invocation (not those skipped after a stop). */
  finished: number;
  notStarted: number;
  stopped?: StopReason;
}

export async function runRows(input: RunInput): Promise<RunOutput> {
  const limit = pLimit(Math.max(1, input.concurrency * 2));
  let stopped: StopReason | undefined;
  let reserved = 0;
  // Counted apart from `reserved`: a float sum of holds need not return to exactly 0.
  let holding = 0;
  let finished = 0;
  let notStarted = 0;
  let waiters: (() => void)[] = [];
  const rowFinished = () => new Promise<void>((resolve) => waiters.push(resolve));
  const finishedOne = () => {
    const w = waiters;
    waiters = [];
    for (const wake of w) wake();
  };

  const one = async (q: QueryRow): Promise<void> => {
    if (stopped || input.caller.halted) {
      notStarted++;
      return;
    }
    let hold = 0;
    if (input.budget) {
      const { maxUsd, spent, estimateRow } = input.budget;
      hold = estimateRow(q);
      // Rows in flight hold their estimate until they finish and their real cost is known; only
      // when nothing is in flight and the row still does not fit is the budget reached.
      while (spent() + reserved + hold > maxUsd && holding > 0) await rowFinished();
      if (stopped || input.caller.halted) {
        notStarted++;
        return;
      }
      if (spent() + reserved + hold > maxUsd) {
        stopped = { kind: 'budget', spent: spent(), maxUsd };
        notStarted++;
        return;
      }
      reserved += hold;
      holding++;
    }
    let result: RowResult;
    try {
      result = await labelRow(q, input.plan, input.caller);
    } finally {
      reserved -= hold;
      if (input.budget) holding--;
      finishedOne();
    }
    if (result.status === 'failed') {
      // A call that was not sent because the run was stopping is not the cause of the stop.
      const fatal = result.errors.find((e) => e.error.fatal && e.error.kind !== 'stopped');
      if (fatal && !stopped) stopped = { kind: 'fatal', model: fatal.model, error: fatal.error };
    }
    await input.record(q, result);
    finished++;
    input.onRow?.(q, result);
  };

  await Promise.all(input.rows.map((q) => limit(() => one(q))));
  const halted = input.caller.halted;
  if (halted === 'journal' || halted === 'interrupted') stopped = { kind: halted };
  else if (halted === 'budget' && !stopped) stopped = { kind: 'budget', spent: input.budget?.spent() ?? 0, maxUsd: input.budget?.maxUsd ?? 0 };
  return { finished, notStarted, ...(stopped ? { stopped } : {}) };
}
