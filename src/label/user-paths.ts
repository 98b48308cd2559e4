import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../errors.js';

// Paths the user gave to `router label` (queries, config, template, prices, cache and artifacts
// folders) are checked before the first call, and any file-system refusal of them is reported as
// the user's to fix: one line naming the path, exit 2, never an internal error.

const MESSAGES: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder, expected a file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENAMETOOLONG: 'the name is too long',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EFBIG: 'file too large',
  EIO: 'input/output error',
};

/** The UserError for a file-system error, naming its path; undefined for anything else. */
export function fsUserError(err: unknown): UserError | undefined {
  if (err instanceof UserError || !(err instanceof Error)) return undefined;
  const { code, path } = err as NodeJS.ErrnoException;
  if (typeof code !== 'string' || !(code in MESSAGES)) return undefined;
  return new UserError(MESSAGES[code]!, path ? { file: path } : {});
}

/**
 * A folder the run will write into: it exists as a folder we can write, or can be created (its
 * nearest existing ancestor is a writable folder). Nothing is created here.
 */
export function checkFolder(path: string, flag: string): void {
  if (path.length > 4096 || path.split('/').some((part) => Buffer.byteLength(part) > 255)) {
    throw new UserError(`${flag}: the name is too long`, { file: path });
  }
  let at = resolve(path);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(at).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && dirname(at) !== at) {
        at = dirname(at);
        continue;
      }
      throw new UserError(`${flag}: ${MESSAGES[code ?? ''] ?? (err as Error).message}`, { file: path });
    }
    if (!isDir) {
      throw new UserError(`${flag}: ${at === resolve(path) ? 'is a file, expected a folder' : 'a part of the path is a file, not a folder'}`, { file: path });
    }
    try {
      accessSync(at, constants.W_OK | constants.X_OK);
    } catch {
      throw new UserError(`${flag}: permission denied`, { file: path });
    }
    return;
  }
}
