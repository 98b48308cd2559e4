import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileSystemError } from '../errors.js';

// Every file the tool writes goes through here: bytes to a temp file in the same folder, fsync,
// then one step that makes the whole file appear (a rename, or a hard link that refuses to replace).
// Hand-written rather than write-file-atomic: the store needs the no-replace link to claim vN
// race-free, and both need the sweep of temp files left by a killed process.

// Ours (`.PID-RANDOM.tmp`), and the names earlier versions used (`.tmp-PID-RANDOM`, `.NAME.PID.tmp`).
const TEMP = /^\.(?:(\d+)-[0-9a-f]{8}\.tmp|tmp-(\d+)-[0-9a-f]{8}|.+\.(\d+)\.tmp)$/;

/** Temp files this process has open, removed on exit (a Ctrl-C handler that calls process.exit included). */
const live = new Set<string>();
let exitHook = false;

function track(path: string): void {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const p of live) {
        try {
          unlinkSync(p);
        } catch {
          // Already gone.
        }
      }
    });
  }
  live.add(path);
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temp files in `folder` whose writing process is gone (a kill -9 or a full disk mid-write). */
export function sweepStaleTemps(folder: string): void {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP.exec(name);
    if (!m || alive(Number(m[1] ?? m[2] ?? m[3]))) continue;
    try {
      unlinkSync(join(folder, name));
    } catch {
      // Another sweeper got there first.
    }
  }
}

function tempBeside(path: string): string {
  return join(dirname(path), `.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

function writeTemp(tmp: string, text: string | Uint8Array): void {
  track(tmp);
  const fd = openSync(tmp, 'wx');
  try {
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    // writeSync may write less than asked (a signal, a nearly full disk); loop until all is down.
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function discard(tmp: string): void {
  live.delete(tmp);
  try {
    unlinkSync(tmp);
  } catch {
    // Never created.
  }
}

/** mkdir -p, where a file in the way is reported as such (mkdir says EEXIST). */
export function makeFolder(folder: string): void {
  try {
    mkdirSync(folder, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw Object.assign(new Error(`not a folder: ${folder}`), { code: 'ENOTDIR' });
    throw err;
  }
}

/**
 * The files one command writes: all of them or none. New artifact versions are recorded as they
 * are claimed, other files staged as temp files; `commit` renames the staged files into place, and
 * `abort` (after any failure, a full disk say) deletes the temps and the versions claimed.
 */
export class WriteSet {
  private readonly claimed: string[] = [];
  private readonly staged: { tmp: string; path: string }[] = [];

  /** An artifact version this command created (not one it found identical and reused). */
  claim(path: string): void {
    this.claimed.push(path);
  }

  stage(path: string, text: string | Uint8Array): void {
    const folder = dirname(path) || '.';
    const tmp = tempBeside(path);
    try {
      makeFolder(folder);
      sweepStaleTemps(folder);
      writeTemp(tmp, text);
    } catch (err) {
      discard(tmp);
      throw fileSystemError(err, path);
    }
    this.staged.push({ tmp, path });
  }

  commit(): void {
    for (const { tmp, path } of this.staged) {
      try {
        renameSync(tmp, path);
        live.delete(tmp);
      } catch (err) {
        throw fileSystemError(err, path);
      }
    }
    this.staged.length = 0;
  }

  abort(): void {
    for (const { tmp } of this.staged) discard(tmp);
    this.staged.length = 0;
    for (const path of this.claimed) removeCreated(path);
    this.claimed.length = 0;
  }
}

/**
 * Writes `path` whole only if it does not exist yet. False when another writer claimed it first,
 * so two processes asking for the same new version get different ones instead of one overwriting the other.
 */
export function writeNewFile(path: string, text: string | Uint8Array): boolean {
  const tmp = tempBeside(path);
  try {
    writeTemp(tmp, text);
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fileSystemError(err, path);
  } finally {
    discard(tmp);
  }
}

/** Removes a file this run created, when a later output of the same command failed. */
function removeCreated(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Nothing to undo.
  }
}
