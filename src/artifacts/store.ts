import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileSystemError, UserError } from '../errors.js';
import { readTextFile } from '../text-file.js';
import { makeFolder, sweepStaleTemps, writeNewFile } from './atomic-write.js';
import type { Hash } from './hash.js';
import { checkBody } from './kinds.js';
import { EnvelopeProblem, makeEnvelope, withArticle, validateEnvelope, type ArtifactKind, type Envelope, type LineageRef } from './envelope.js';

const FOLDERS: Record<ArtifactKind, string> = {
  dataset: 'datasets',
  router: 'routers',
  'eval-report': 'reports',
  deployment: 'deployments',
  estimate: 'estimates',
  bench: 'bench',
};

const EXTENSIONS: Record<ArtifactKind, string> = {
  dataset: 'jsonl',
  router: 'json',
  'eval-report': 'json',
  deployment: 'json',
  estimate: 'json',
  bench: 'json',
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const DEFAULT_ROOT = 'artifacts';

export interface WriteTarget {
  /** Folder holding the per-kind folders (default `artifacts`). */
  root: string;
  name: string;
  now?: Date;
}

// Room for the kind folder, `vN.jsonl` and the temp name within a 255-byte file name.
const NAME_MAX = 200;

export function checkName(name: string): string {
  if (name.length > NAME_MAX) throw new UserError(`invalid artifact name "${name.slice(0, 20)}…": at most ${NAME_MAX} characters`);
  if (!NAME.test(name)) {
    throw new UserError(`invalid artifact name "${name}": use letters, digits, ".", "_" and "-", starting with a letter or digit`);
  }
  return name;
}

function versionsIn(folder: string, ext: string): number[] {
  if (!existsSync(folder)) return [];
  const re = new RegExp(`^v(\\d+)\\.${ext}$`);
  return readdirSync(folder)
    .map((f) => re.exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

export interface Written<B> {
  path: string;
  envelope: Envelope<B>;
  /** True when an identical artifact (same content and lineage) was already the latest version: nothing was written. */
  reused?: boolean;
}

function sameLineage(a: readonly LineageRef[], b: readonly LineageRef[]): boolean {
  return a.length === b.length && a.every((r, i) => r.kind === b[i]!.kind && r.hash === b[i]!.hash && r.role === b[i]!.role);
}

/** The latest version's envelope when it holds this very content, made from the same inputs; else undefined. */
function identicalLatest(folder: string, ext: string, hash: Hash, lineage: readonly LineageRef[]): { path: string; envelope: Envelope } | undefined {
  const latest = versionsIn(folder, ext).at(-1);
  if (latest === undefined) return undefined;
  const path = join(folder, `v${latest}.${ext}`);
  try {
    // A dataset's envelope is its first line (read alone: the rows may be hundreds of MB); a JSON artifact is one document.
    const head = ext === 'jsonl' ? firstLine(path) : readFileSync(path, 'utf8');
    const env = JSON.parse(head) as Envelope;
    return env.contentHash === hash && Array.isArray(env.lineage) && sameLineage(env.lineage, lineage) ? { path, envelope: env } : undefined;
  } catch {
    // An unreadable latest version is never "the same": write a new one.
    return undefined;
  }
}

function firstLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(1 << 16);
    for (let pos = 0; ; ) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      const nl = buf.subarray(0, n).indexOf(10);
      chunks.push(Buffer.from(buf.subarray(0, nl < 0 ? n : nl)));
      if (nl >= 0) break;
      pos += n;
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `text` as the next version of NAME, atomically and without ever replacing a file
 * (a hard link claims `vN`, so two concurrent writers get different versions). When the latest
 * version already holds the same content from the same inputs, it is returned instead: re-running
 * a finished command adds no copy.
 */
function writeNextVersion<B>(kind: ArtifactKind, target: WriteTarget, hash: Hash, lineage: LineageRef[], render: (version: number) => { text: string; envelope: Envelope<B> }): Written<B> {
  const folder = join(target.root, FOLDERS[kind], checkName(target.name));
  const ext = EXTENSIONS[kind];
  try {
    makeFolder(folder);
  } catch (err) {
    throw fileSystemError(err, folder);
  }
  sweepStaleTemps(folder);
  const same = identicalLatest(folder, ext, hash, lineage);
  if (same) return { path: same.path, envelope: same.envelope as Envelope<B>, reused: true };
  for (let attempt = 0; attempt < 100; attempt++) {
    const version = (versionsIn(folder, ext).at(-1) ?? 0) + 1;
    const final = join(folder, `v${version}.${ext}`);
    const { text, envelope } = render(version);
    if (writeNewFile(final, text)) return { path: final, envelope };
  }
  throw new Error(`could not claim a new version in ${folder}`);
}

export function writeJsonArtifact<B>(kind: Exclude<ArtifactKind, 'dataset'>, body: B, lineage: LineageRef[], target: WriteTarget): Written<B> {
  const base = makeEnvelope(kind, body, lineage, { now: target.now });
  return writeNextVersion(kind, target, base.contentHash, lineage, (version) => {
    const envelope: Envelope<B> = { ...base, name: target.name, version };
    return { text: JSON.stringify(orderEnvelope(envelope), null, 2) + '\n', envelope };
  });
}

/** A dataset is JSONL: the envelope on the first line (its body holds the models and pair), one row per line after it. */
export function renderDataset<B>(body: B, rows: readonly unknown[], lineage: LineageRef[], extra: { now?: Date; name?: string; version?: number }): { text: string; envelope: Envelope<B> } {
  const trailing = rows.map((r) => JSON.stringify(r)).join('\n');
  const envelope: Envelope<B> = { ...makeEnvelope('dataset', body, lineage, { now: extra.now, trailing }), name: extra.name, version: extra.version };
  return { text: JSON.stringify(orderEnvelope(envelope)) + '\n' + trailing + '\n', envelope };
}

export function writeDatasetArtifact<B>(body: B, rows: readonly unknown[], lineage: LineageRef[], target: WriteTarget): Written<B> {
  const first = renderDataset(body, rows, lineage, { now: target.now, name: target.name, version: 1 });
  return writeNextVersion('dataset', target, first.envelope.contentHash, lineage, (version) =>
    version === 1 ? first : renderDataset(body, rows, lineage, { now: target.now, name: target.name, version }),
  );
}

/** Header fields first and the body last, so `head` on a file shows what it is. */
function orderEnvelope<B>(e: Envelope<B>): Envelope<B> {
  return {
    kind: e.kind,
    schemaVersion: e.schemaVersion,
    toolVersion: e.toolVersion,
    createdAt: e.createdAt,
    ...(e.name !== undefined ? { name: e.name } : {}),
    ...(e.version !== undefined ? { version: e.version } : {}),
    contentHash: e.contentHash,
    lineage: e.lineage,
    body: e.body,
  };
}

/** The names of the artifacts of one kind under the root (those with at least one version), sorted. */
export function listArtifacts(kind: ArtifactKind, root = DEFAULT_ROOT): string[] {
  const kindFolder = join(root, FOLDERS[kind]);
  if (!existsSync(kindFolder)) return [];
  return readdirSync(kindFolder).filter((d) => versionsIn(join(kindFolder, d), EXTENSIONS[kind]).length > 0).sort();
}

/**
 * Turns what the user typed into a file path: an existing file, or NAME / NAME@VERSION under
 * the artifacts root (the latest version when none is given).
 */
export function resolveArtifact(ref: string, kind: ArtifactKind, root = DEFAULT_ROOT): string {
  if (existsSync(ref) && statSync(ref).isFile()) return ref;
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*?)(?:@v?(\d+))?$/.exec(ref);
  const kindFolder = join(root, FOLDERS[kind]);
  if (!m || ref.includes('/') || ref.includes('\\')) {
    throw new UserError(`no such file`, { file: ref });
  }
  const [, name, wanted] = m;
  const ext = EXTENSIONS[kind];
  const folder = join(kindFolder, name!);
  const versions = versionsIn(folder, ext);
  if (versions.length === 0) {
    const known = listArtifacts(kind, root);
    const hint = known.length ? `known: ${known.join(', ')}` : `none in ${kindFolder}`;
    throw new UserError(`no such file, and no ${kind} named "${name}" (${hint})`, { file: ref });
  }
  const version = wanted !== undefined ? Number(wanted) : versions.at(-1)!;
  if (!versions.includes(version)) {
    throw new UserError(`${kind} "${name}" has no version ${version} (have: ${versions.map((v) => 'v' + v).join(', ')})`, { file: ref });
  }
  return join(folder, `v${version}.${ext}`);
}

/** A file's text, decoded strictly (see text-file.ts); JSON readers use it as is. */
export function readText(path: string): string {
  return readTextFile(path).text;
}

/** Reads and validates a JSON artifact of the given kind. */
export function readJsonArtifact<B = unknown>(path: string, kind: Exclude<ArtifactKind, 'dataset'>): Envelope<B> {
  const text = readText(path);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    if (text.trimStart().startsWith('{"kind":"dataset"')) {
      throw new UserError(`is a dataset artifact, expected ${withArticle(kind)}`, { file: path });
    }
    throw new UserError(`not valid JSON (${(err as Error).message})`, { file: path });
  }
  return validated(raw, kind, path) as Envelope<B>;
}

/** The envelope (kind, version, hash) and then the body, against its kind's schema (kinds.ts). */
export function validated(raw: unknown, kind: ArtifactKind, path: string, trailing = ''): Envelope {
  const line = kind === 'dataset' ? 1 : undefined;
  let env: Envelope;
  try {
    env = validateEnvelope(raw, kind, trailing);
  } catch (err) {
    if (err instanceof EnvelopeProblem) throw new UserError(err.message, { file: path, line });
    throw err;
  }
  const problem = checkBody(kind, env.body);
  if (problem) throw new UserError(problem.message, { file: path, line, field: problem.field });
  return env;
}

export function displayPath(path: string): string {
  return path.startsWith(process.cwd() + '/') ? path.slice(process.cwd().length + 1) : path;
}
