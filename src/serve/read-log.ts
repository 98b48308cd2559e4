import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileSystemError, msg, option, UserError } from '../errors.js';
import { logRecordSchema, type LogRecord } from './log-record.js';

// Reads `router serve`'s request log: JSONL, possibly rotated into several files (LOG, LOG.1, ...).
// Streamed line by line, so a log of millions of requests never sits in memory as text; each line
// is checked against the one schema the server writes to.

export interface ReadLogOptions {
  /** Count and skip lines that are not a valid record, instead of stopping at the first one. */
  skipBadLines?: boolean;
}

/** A bad line skipped with `skipBadLines`: where, and why (the first few are kept for the report). */
export interface BadLine {
  file: string;
  line: number;
  problem: string;
}

export interface LogSummary {
  files: string[];
  records: number;
  badLines: number;
  /** Files whose last line was cut short (the server was writing it) and was left out. */
  partialLast: string[];
  /** The first bad lines, for the report to show where to look. */
  firstBad: BadLine[];
}

const KEEP_BAD = 5;

/** The record on a line, or why the line is not one. */
function parseLine(text: string): { record: LogRecord } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { problem: 'not JSON (a line cut short?)' };
  }
  const r = logRecordSchema.safeParse(raw);
  if (r.success) return { record: r.data };
  const issue = r.error.issues[0]!;
  return { problem: `not a request-log record: ${issue.path.length ? `field "${issue.path.join('.')}": ` : ''}${issue.message}` };
}

/** Whether the file's last byte is not a newline: its last line is still being written. */
function endsOpen(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return false;
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, size - 1);
    return byte[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}

/**
 * Calls `onRecord` for every valid record of every file, in file order. A bad line is a UserError
 * naming file:line, or with `skipBadLines` is counted in the summary. A last line with no newline
 * after it that does not parse is one the server is still writing: left out, and named in the summary.
 */
export async function readLog(paths: readonly string[], onRecord: (record: LogRecord) => void, options: ReadLogOptions = {}): Promise<LogSummary> {
  const summary: LogSummary = { files: [...paths], records: 0, badLines: 0, partialLast: [], firstBad: [] };
  for (const file of paths) {
    const stream = createReadStream(file, { encoding: 'utf8' });
    // An open failure (a missing file) arrives as a stream error; raised once here, as a UserError naming the file.
    const opened = new Promise<void>((resolve, reject) => {
      stream.once('ready', () => resolve());
      stream.once('error', (err) => reject(fileSystemError(err, file, 'read')));
    });
    await opened;
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    const open = endsOpen(file);
    let line = 0;
    // One line behind, so the last one is known as such: a live log's last line may be half written.
    let pending: string | undefined;
    const take = (text: string, at: number, last: boolean) => {
      if (text.trim() === '') return;
      const parsed = parseLine(text);
      if ('record' in parsed) {
        summary.records++;
        onRecord(parsed.record);
        return;
      }
      if (last && open) {
        summary.partialLast.push(file);
        return;
      }
      if (!options.skipBadLines) throw new UserError(msg`${parsed.problem} (count and skip such lines with ${option('skipBadLines')})`, { file, line: at });
      summary.badLines++;
      if (summary.firstBad.length < KEEP_BAD) summary.firstBad.push({ file, line: at, problem: parsed.problem });
    };
    try {
      for await (const text of lines) {
        if (pending !== undefined) take(pending, line, false);
        pending = text;
        line++;
      }
      if (pending !== undefined) take(pending, line, true);
    } catch (err) {
      throw fileSystemError(err, file, 'read');
    } finally {
      lines.close();
      stream.destroy();
    }
  }
  return summary;
}
