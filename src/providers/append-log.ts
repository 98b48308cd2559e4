import { closeSync, fsync, openSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';

// An append-only file. Each append is written at once with a synchronous write: a few hundred
// bytes into the page cache take microseconds, and from that moment the record survives the
// process being killed (SIGKILL included). When the log is durable, appends also wait for an
// fsync (surviving a power cut); fsyncs run one at a time in the background and each covers
// every append written before it started, so a burst of appends shares one. This replaced
// asynchronous FileHandle writes, which cost a tenth of `router label`'s CPU in its benchmark.

const fsyncAsync = promisify(fsync);

/** The two system calls an append makes; replaceable so a test can fill the disk. */
export interface AppendIo {
  write(fd: number, bytes: Buffer, offset: number): number;
  fsync(fd: number): Promise<void>;
}

export const nodeAppendIo: AppendIo = {
  write: (fd, bytes, offset) => writeSync(fd, bytes, offset),
  fsync: (fd) => fsyncAsync(fd),
};

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class AppendLog {
  private waiting: Waiter[] = [];
  private syncing: Promise<void> | undefined;
  private failed: unknown;

  private constructor(
    private readonly fd: number,
    private readonly durable: boolean,
    private readonly io: AppendIo,
  ) {}

  /** `durable`: appends resolve once fsync'd. After a failed write or fsync every append fails. */
  static open(path: string, durable: boolean, io: AppendIo = nodeAppendIo): AppendLog {
    return new AppendLog(openSync(path, 'a'), durable, io);
  }

  /**
   * Writes now; resolves once on disk when durable, else at once. `wait: false` resolves once
   * written (it survives the process being killed) and leaves the fsync to the next batch.
   */
  append(text: string, wait = true): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    try {
      const bytes = Buffer.from(text);
      for (let off = 0; off < bytes.length; ) off += this.io.write(this.fd, bytes, off);
    } catch (err) {
      this.failed = err;
      return Promise.reject(err);
    }
    if (!this.durable) return Promise.resolve();
    if (!wait) {
      // A failed fsync still marks the log failed, so the next append reports it.
      this.waiting.push({ resolve: () => undefined, reject: () => undefined });
      this.syncing ??= this.syncAll();
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.syncing ??= this.syncAll();
    });
  }

  private async syncAll(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting;
        this.waiting = [];
        try {
          await this.io.fsync(this.fd);
          for (const w of batch) w.resolve();
        } catch (err) {
          this.failed = err;
          for (const w of [...batch, ...this.waiting]) w.reject(err);
          this.waiting = [];
        }
      }
    } finally {
      this.syncing = undefined;
    }
  }

  async close(): Promise<void> {
    while (this.syncing) await this.syncing;
    closeSync(this.fd);
  }
}
