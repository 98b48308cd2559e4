// Two kinds of failure a user sees, mapped to exit codes in one place (src/cli/main.ts).
// Anything else that escapes is a bug and is reported as such.

export interface Where {
  file?: string;
  line?: number;
  column?: string;
  /** A field path inside a JSON record, e.g. `models.gpt-4o.quality`. */
  field?: string;
}

/** Something the user can fix: bad input, a missing file, a wrong flag. Exit code 2. */
export class UserError extends Error {
  readonly where: Where;
  constructor(message: string, where: Where = {}) {
    super(message);
    this.name = 'UserError';
    this.where = where;
  }

  /** One line: `file:line: column "x": message`, with whatever parts are known. */
  describe(): string {
    const { file, line, column, field } = this.where;
    const place = file ? (line !== undefined ? `${file}:${line}` : file) : '';
    const col = column !== undefined ? `column "${column}"` : field !== undefined ? `field "${field}"` : '';
    return [place, col, this.message].filter(Boolean).join(': ');
  }
}

/** A quality gate that did not hold. Exit code 1, so CI fails the build. */
export class GateFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GateFailure';
  }
}

const FS_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder, expected a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENAMETOOLONG: 'the name is too long',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'the file is too large for the file system',
  EMFILE: 'too many open files',
  ELOOP: 'too many symbolic links (a loop?)',
  EIO: 'input/output error',
};

/**
 * A failed file-system call on a path the user gave (an output, the artifacts folder) is theirs to
 * fix: one line naming the path and the cause, exit 2. Other errors pass through unchanged.
 */
/** The UserError for a file-system error, naming the path the error carries; undefined for anything else. */
export function fsUserError(err: unknown): UserError | undefined {
  if (err instanceof UserError || !(err instanceof Error)) return undefined;
  const { code, path } = err as NodeJS.ErrnoException;
  const problem = typeof code === 'string' ? FS_PROBLEMS[code] : undefined;
  return problem !== undefined ? new UserError(problem, path ? { file: path } : {}) : undefined;
}

export function fileSystemError(err: unknown, path: string, verb: 'read' | 'write' = 'write'): unknown {
  if (err instanceof UserError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const problem = code !== undefined ? FS_PROBLEMS[code] : undefined;
  return problem !== undefined ? new UserError(`cannot ${verb}: ${problem} (${code})`, { file: path }) : err;
}
