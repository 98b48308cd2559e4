import { closeSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogRecord } from './log-record.js';

// The request log: one JSON line per request (src/serve/log-record.ts is the shape), rotated by
// size: FILE -> FILE.1 -> ... -> FILE.KEEP, the oldest dropped. Each line goes out in one
// synchronous write on a file opened for append, so lines never interleave or tear, even when a
// second process (a test, a `tail`) reads meanwhile, and nothing is buffered that a shutdown could
// lose. A write costs a few microseconds, well under the 2 ms budget of the router's overhead.

export interface RequestLogOptions {
  path: string;
  /** Rotate once the file would grow past this (default 100 MiB). */
  maxBytes?: number;
  /** Rotated files kept beside the current one (default 5). */
  keep?: number;
}

export interface RequestLog {
  readonly path: string;
  write(record: LogRecord): void;
  close(): void;
}

export const DEFAULT_LOG_MAX_BYTES = 100 * 1024 * 1024;
export const DEFAULT_LOG_KEEP = 5;

export function openRequestLog(options: RequestLogOptions): RequestLog {
  const { path } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_LOG_MAX_BYTES;
  const keep = options.keep ?? DEFAULT_LOG_KEEP;
  mkdirSync(dirname(path), { recursive: true });
  let fd: number | null = openSync(path, 'a');
  let size = fstatSync(fd).size;

  const rotate = () => {
    closeSync(fd!);
    if (keep === 0) rmSync(path, { force: true });
    else {
      rmSync(`${path}.${keep}`, { force: true });
      for (let k = keep - 1; k >= 1; k--) if (existsSync(`${path}.${k}`)) renameSync(`${path}.${k}`, `${path}.${k + 1}`);
      renameSync(path, `${path}.1`);
    }
    fd = openSync(path, 'a');
    size = 0;
  };

  return {
    path,
    write(record) {
      if (fd === null) return;
      const line = Buffer.from(JSON.stringify(record) + '\n');
      if (size > 0 && size + line.length > maxBytes) rotate();
      writeSync(fd, line);
      size += line.length;
    },
    close() {
      if (fd === null) return;
      closeSync(fd);
      fd = null;
    },
  };
}
