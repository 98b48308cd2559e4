import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../errors.js';

// One process per run: two copies of the same command would each pay for every call, since
// neither sees the other's journal entries in time. The lock is a file holding the owner's pid,
// created atomically (a hard link fails when the name exists); a lock whose process is gone (it
// was killed) is taken over. Released on every exit, including process.exit after a second
// Ctrl-C; after SIGKILL it stays and the next run takes it over.

export interface RunLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownerOf(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function lockRun(path: string): RunLock {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, `${process.pid}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = ownerOf(path);
      if (owner !== undefined && alive(owner)) {
        throw new UserError(`another router label is running this run (pid ${owner}); wait for it to finish, or stop it, then run the same command again`, { file: path });
      }
      if (attempt >= 5) throw new UserError('cannot take over the lock of this run; delete the file if no router label is running', { file: path });
      // Its owner is gone; read again just before removing, so a lock another process has just
      // taken over is not removed.
      if (ownerOf(path) === owner) {
        try {
          unlinkSync(path);
        } catch {
          // Someone else removed it first; try to claim it again.
        }
      }
    }
  } finally {
    unlinkSync(tmp);
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    try {
      if (ownerOf(path) === process.pid) unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
  process.on('exit', release);
  return { release };
}
