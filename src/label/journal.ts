import { existsSync, readFileSync, truncateSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppendLog, type AppendIo } from '../providers/append-log.js';
import type { Completion } from '../providers/types.js';
import type { RowResult } from './row.js';

// The run journal: one JSONL file per run (same command, same inputs -> same file), appended as
// results arrive and fsync'd before a result counts as done. A run killed at any moment, even
// with SIGKILL, is restarted by running the same command: finished rows are read back and
// skipped, and every call already paid for is answered from here instead of the provider.
// Appends from concurrent rows are batched into one write + fsync (group commit, see
// src/providers/append-log.ts), so durability costs one fsync per burst rather than per call.
// Every call is announced (`send`: written, which survives a killed process, and fsync'd with
// the next batch rather than awaited) before its request leaves and settled by its answer (`call`)
// or its failure (`fail`): a `send` left unsettled by a crash is a call that may have been
// billed, and the next run counts it at its maximum.

export interface JournalHeader {
  t: 'run';
  runId: string;
  createdAt: string;
  toolVersion: string;
  /** What the run is, for a person reading the file (never a key). */
  description: Record<string, unknown>;
}

export interface CallRecord {
  t: 'call';
  key: string;
  row: string;
  purpose: string;
  completion: Completion;
}

export interface RowRecord {
  t: 'row';
  id: string;
  result: RowResult;
}

export interface SendRecord {
  t: 'send';
  key: string;
  row: string;
  purpose: string;
  /** The most the call could cost, reserved while it was in flight. */
  maxUsd: number;
}

export interface FailRecord {
  t: 'fail';
  key: string;
}

export type JournalRecord = JournalHeader | CallRecord | RowRecord | SendRecord | FailRecord;

export interface JournalState {
  header?: JournalHeader;
  /** Latest result per row id. */
  rows: Map<string, RowResult>;
  calls: CallRecord[];
  /** Calls sent by an earlier run that never got their answer or failure recorded (it crashed): perhaps billed. */
  unsettled: { calls: number; maxUsd: number };
  /** Bytes of a torn last line (the process died mid-write), dropped when the journal is reopened. */
  tornBytes: number;
}

export function readJournal(path: string): JournalState | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  const state: JournalState = { rows: new Map(), calls: [], unsettled: { calls: 0, maxUsd: 0 }, tornBytes: Buffer.byteLength(text.slice(end)) };
  // Per key, the reserved maxima of sends not yet settled; a settlement matches the latest send.
  const open = new Map<string, number[]>();
  const settle = (key: string) => open.get(key)?.pop();
  for (const line of text.slice(0, end).split('\n')) {
    if (!line) continue;
    let rec: JournalRecord;
    try {
      rec = JSON.parse(line) as JournalRecord;
    } catch {
      continue;
    }
    if (rec.t === 'run') state.header ??= rec;
    else if (rec.t === 'call') {
      state.calls.push(rec);
      settle(rec.key);
    } else if (rec.t === 'row') state.rows.set(rec.id, rec.result);
    else if (rec.t === 'send') {
      let list = open.get(rec.key);
      if (!list) open.set(rec.key, (list = []));
      list.push(rec.maxUsd);
    } else if (rec.t === 'fail') settle(rec.key);
  }
  for (const list of open.values()) {
    state.unsettled.calls += list.length;
    state.unsettled.maxUsd += list.reduce((a, b) => a + b, 0);
  }
  return state;
}

export class JournalWriter {
  private constructor(
    readonly path: string,
    private readonly log: AppendLog,
  ) {}

  /** Opens for appending, creating the file with its header, or cutting a torn last line first. */
  static async open(path: string, header: JournalHeader, state: JournalState | undefined, io?: AppendIo): Promise<JournalWriter> {
    await mkdir(dirname(path), { recursive: true });
    if (state && state.tornBytes > 0) {
      const size = readFileSync(path).length;
      truncateSync(path, size - state.tornBytes);
    }
    const writer = new JournalWriter(path, AppendLog.open(path, true, io));
    if (!state) {
      await writer.append(header);
      // The new file's directory entry must survive a crash too.
      const dir = await open(dirname(path), 'r');
      try {
        await dir.sync();
      } catch {
        // Some file systems refuse fsync on a directory; the data itself is synced.
      } finally {
        await dir.close();
      }
    }
    return writer;
  }

  /**
   * Resolves once the record is on disk (appends are batched into one write and fsync).
   * `waitForSync: false` resolves once written, which survives the process being killed: enough
   * for the record of a call about to be sent, which then does not wait for a disk flush.
   */
  append(record: JournalRecord, waitForSync = true): Promise<void> {
    return this.log.append(JSON.stringify(record) + '\n', waitForSync);
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
