import { accessSync, closeSync, constants, existsSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ARTIFACT_KINDS, type ArtifactKind } from './artifacts/envelope.js';
import { checkName } from './artifacts/store.js';
import { msg, option as optionRef, UserError, type OptionRef } from './errors.js';

// Every path a command will write is checked when the command starts, before any data is read,
// any router trained or any call paid for: an output never lands on one of the command's inputs
// or inside the artifacts store, and a folder that cannot be written fails now, not after the work.

/** A file the user asked a command to write, and the option that named it (for the message). */
export interface OutputRequest {
  path: string;
  /** The option's name, e.g. `output`; the CLI shows its flag. */
  option: string;
}

/** What a checked path came from: an option (by name), or an environment variable. */
export type Subject = string | { env: string };

function subject(s: Subject): OptionRef | string {
  return typeof s === 'string' ? optionRef(s) : s.env;
}

// Linux's limits; a longer name fails with ENAMETOOLONG only at the write.
const NAME_MAX = 255;
const PATH_MAX = 4095;

function checkLength(path: string, option: Subject): void {
  const long = path.split(/[\\/]/).find((part) => Buffer.byteLength(part) > NAME_MAX);
  if (long !== undefined || Buffer.byteLength(resolve(path)) > PATH_MAX) {
    throw new UserError(msg`${subject(option)}: the name is too long (a file name has at most ${NAME_MAX} bytes, a path ${PATH_MAX})`, { file: path });
  }
}

/** The nearest part of `path` that exists, and the parts below it that do not yet. */
function nearestExisting(path: string): { existing: string; rest: string[] } {
  let existing = resolve(path);
  const rest: string[] = [];
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) break;
    rest.unshift(basename(existing));
    existing = parent;
  }
  return { existing, rest };
}

/** Where `path` points once symbolic links are followed, also when its last parts do not exist yet. */
export function realLocation(path: string): string {
  const { existing, rest } = nearestExisting(path);
  let real: string;
  try {
    real = realpathSync(existing);
  } catch {
    real = existing;
  }
  return rest.length ? join(real, ...rest) : real;
}

function writable(folder: string): boolean {
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether a file or folder can be created at `path`: its nearest existing ancestor is a writable folder. */
function checkCreatable(path: string, option: Subject): void {
  const { existing, rest } = nearestExisting(path);
  if (rest.length === 0) return;
  if (!statSync(existing).isDirectory()) {
    throw new UserError(msg`${subject(option)}: ${displayPath(existing)} is a file, so nothing can be created under it`, { file: path });
  }
  if (!writable(existing)) throw new UserError(msg`${subject(option)}: permission denied: cannot create files in ${displayPath(existing)}`, { file: path });
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function inside(child: string, folder: string): boolean {
  return child === folder || child.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

/**
 * The artifacts folder: named, a folder (or creatable as one) and, for commands that write to it,
 * writable. `--artifacts ""` would silently mean the current folder.
 */
export function checkArtifactsRoot(root: string, mode: 'read' | 'write'): void {
  checkFolder(root, 'artifacts', mode, 'artifacts');
}

/**
 * A folder option (the artifacts store, a cache): not empty, not a file, and, in `write` mode,
 * writable or creatable. A cache is checked in `shape` mode only: a read-only one is still usable.
 */
export function checkFolder(path: string, option: Subject, mode: 'read' | 'write' | 'shape', fallback?: string): void {
  if (path.trim() === '') throw new UserError(msg`${subject(option)} is empty: name a folder${fallback ? ` (default: ${fallback})` : ''}`);
  checkLength(path, option);
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) throw new UserError(msg`${subject(option)}: is a file, expected a folder`, { file: path });
    if (mode === 'write' && !writable(path)) throw new UserError(msg`${subject(option)}: permission denied: the folder is not writable`, { file: path });
    return;
  }
  if (mode === 'write') checkCreatable(path, option);
  else if (mode === 'shape') {
    const { existing } = nearestExisting(path);
    if (!statSync(existing).isDirectory()) throw new UserError(msg`${subject(option)}: ${displayPath(existing)} is a file, so nothing can be created under it`, { file: path });
  }
}

/**
 * "a dataset" when the file starts like one of our artifacts (the envelope's first key), wherever
 * it is: a bundled dataset or a router copied out of the store is still evidence, not scratch.
 */
function artifactKindOf(path: string): string | undefined {
  let head = '';
  try {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(64);
      head = buf.subarray(0, readSync(fd, buf, 0, 64, 0)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const m = /^\{\s*"kind"\s*:\s*"([a-z-]+)"/.exec(head);
  return m && ARTIFACT_KINDS.includes(m[1] as ArtifactKind) ? `${/^[aeiou]/.test(m[1]!) ? 'an' : 'a'} ${m[1]}` : undefined;
}

function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/**
 * Refuses an output that would replace one of the command's inputs (also through a symbolic or
 * hard link), land inside an input folder or the artifacts store, be named twice, or cannot be
 * written at all. `inputs` are paths as given; names that are not paths (an artifact NAME) are skipped.
 */
export function checkOutputs(outputs: readonly OutputRequest[], context: { inputs: readonly string[]; artifacts: string }): void {
  const inputs = context.inputs.filter((p) => p !== '' && existsSync(p)).map((p) => ({ path: p, real: realLocation(p), folder: statSync(p).isDirectory() }));
  const store = realLocation(context.artifacts);
  const seen = new Map<string, OutputRequest>();
  for (const o of outputs) {
    if (o.path.trim() === '') throw new UserError(msg`${subject(o.option)} is empty: name a file`);
    checkLength(o.path, o.option);
    const real = realLocation(o.path);
    const earlier = seen.get(real);
    if (earlier) throw new UserError(msg`${subject(o.option)}: the same file is also given to ${subject(earlier.option)}; each output needs its own file`, { file: o.path });
    seen.set(real, o);
    for (const input of inputs) {
      if (real === input.real || sameFile(o.path, input.path)) {
        throw new UserError(msg`${subject(o.option)}: this is an input of the command (${input.path}); writing there would destroy it`, { file: o.path });
      }
      if (input.folder && inside(real, input.real)) {
        throw new UserError(msg`${subject(o.option)}: this is inside the input folder ${input.path}, where the next read would take it as data`, { file: o.path });
      }
    }
    if (inside(real, store)) {
      throw new UserError(msg`${subject(o.option)}: this is inside the artifacts folder ${context.artifacts}, which only the tool writes (as new versions); choose a path outside it`, { file: o.path });
    }
    if (existsSync(o.path)) {
      const st = statSync(o.path);
      if (st.isDirectory()) throw new UserError(msg`${subject(o.option)}: is a folder, expected a file`, { file: o.path });
      // A device, a pipe or a socket: the rename that writes an output whole would replace the node itself.
      if (!st.isFile()) throw new UserError(msg`${subject(o.option)}: is not a regular file (a device, pipe or socket); name a file`, { file: o.path });
      const kind = artifactKindOf(o.path);
      if (kind) throw new UserError(msg`${subject(o.option)}: this file is ${kind} artifact, which is never replaced; choose another path`, { file: o.path });
      if (!writable(dirname(realLocation(o.path)))) throw new UserError(msg`${subject(o.option)}: permission denied: cannot replace files in this folder`, { file: o.path });
    } else {
      checkCreatable(o.path, o.option);
    }
  }
}

/** The options every command shares: the artifacts folder, an artifact name, the cache folders. */
export function checkCommonOptions(
  o: { artifacts?: string; name?: string; cacheDir?: string; cache?: string | boolean },
  mode: 'read' | 'write',
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (o.artifacts !== undefined) checkArtifactsRoot(o.artifacts, mode);
  if (o.cacheDir !== undefined) checkFolder(o.cacheDir, 'cacheDir', 'shape');
  if (typeof o.cache === 'string') checkFolder(o.cache, 'cache', 'shape');
  const envCache = env.ROUTER_CACHE_DIR?.trim();
  if (o.cacheDir === undefined && o.cache !== false && typeof o.cache !== 'string' && envCache) checkFolder(envCache, { env: 'ROUTER_CACHE_DIR' }, 'shape');
  if (o.name !== undefined) checkName(o.name);
}
