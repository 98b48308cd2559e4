// Two kinds of failure a user sees, mapped to exit codes in one place (src/cli/main.ts).
// Anything else that escapes is a bug and is reported as such.

export interface Where {
  file?: string;
  line?: number;
  column?: string;
  /** A field path inside a JSON record, e.g. `models.gpt-4o.quality`. */
  field?: string;
}

/**
 * An option named in a message. The core names options as the library takes them
 * (`options.queryCol`); the CLI shows each as its flag (`--query-col`), from the one table in
 * cli/options.ts. So the core's messages read right in both, and name no flag of their own.
 */
export class OptionRef {
  constructor(readonly name: string) {}
}

export function option(name: string): OptionRef {
  return new OptionRef(name);
}

/** How a message shows the options it names. */
export type OptionNamer = (name: string) => string;

const libraryName: OptionNamer = (name) => `options.${name}`;

/** A message with options in it: msg`name it with ${option('queryCol')}`; a Message inside one is spliced in. */
export class Message {
  constructor(readonly parts: readonly (string | OptionRef)[]) {}

  render(name: OptionNamer = libraryName): string {
    return this.parts.map((p) => (typeof p === 'string' ? p : name(p.name))).join('');
  }
}

export function msg(strings: TemplateStringsArray, ...values: unknown[]): Message {
  const parts: (string | OptionRef)[] = [];
  strings.forEach((s, i) => {
    parts.push(s);
    if (i >= values.length) return;
    const v = values[i];
    if (v instanceof OptionRef) parts.push(v);
    else if (v instanceof Message) parts.push(...v.parts);
    else parts.push(String(v));
  });
  return new Message(parts);
}

/** Something the user can fix: bad input, a missing file, a wrong option. Exit code 2. */
export class UserError extends Error {
  readonly where: Where;
  /** The message with the options it names kept apart, for the CLI to show as flags. */
  readonly text: Message;
  constructor(message: string | Message, where: Where = {}) {
    const text = typeof message === 'string' ? new Message([message]) : message;
    super(text.render());
    this.name = 'UserError';
    this.where = where;
    this.text = text;
  }

  /** One line: `file:line: column "x": message`, with whatever parts are known. */
  describe(name?: OptionNamer): string {
    const { file, line, column, field } = this.where;
    const place = file ? (line !== undefined ? `${file}:${line}` : file) : '';
    const col = column !== undefined ? `column "${column}"` : field !== undefined ? `field "${field}"` : '';
    return [place, col, this.text.render(name)].filter(Boolean).join(': ');
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
