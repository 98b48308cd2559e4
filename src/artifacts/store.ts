import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../errors.js';
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

export interface Written<B> {
  path: string;
  envelope: Envelope<B>;
}

export function checkName(name: string): string {
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

/**
 * Writes `text` as the next version of NAME, atomically and without ever replacing a file:
 * the bytes go to a temp file first, then a hard link claims `vN` (link fails if vN exists,
 * so two concurrent writers get different versions instead of one overwriting the other).
 */
function writeNextVersion(kind: ArtifactKind, target: WriteTarget, render: (version: number) => string): string {
  const folder = join(target.root, FOLDERS[kind], checkName(target.name));
  mkdirSync(folder, { recursive: true });
  const ext = EXTENSIONS[kind];
  for (let attempt = 0; attempt < 100; attempt++) {
    const version = (versionsIn(folder, ext).at(-1) ?? 0) + 1;
    const tmp = join(folder, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    writeDurably(tmp, render(version));
    const final = join(folder, `v${version}.${ext}`);
    try {
      linkSync(tmp, final);
      return final;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(tmp);
    }
  }
  throw new Error(`could not claim a new version in ${folder}`);
}

function writeDurably(path: string, text: string): void {
  const fd = openSync(path, 'wx');
  try {
    // A full disk shows first as a short write, not an error: write the rest, which then throws.
    const bytes = Buffer.from(text);
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeJsonArtifact<B>(kind: Exclude<ArtifactKind, 'dataset'>, body: B, lineage: LineageRef[], target: WriteTarget): Written<B> {
  let envelope!: Envelope<B>;
  const path = writeNextVersion(kind, target, (version) => {
    envelope = { ...makeEnvelope(kind, body, lineage, { now: target.now }), name: target.name, version };
    return JSON.stringify(orderEnvelope(envelope), null, 2) + '\n';
  });
  return { path, envelope };
}

/** A dataset is JSONL: the envelope on the first line (its body holds the models and pair), one row per line after it. */
export function renderDataset<B>(body: B, rows: readonly unknown[], lineage: LineageRef[], extra: { now?: Date; name?: string; version?: number }): { text: string; envelope: Envelope<B> } {
  const trailing = rows.map((r) => JSON.stringify(r)).join('\n');
  const envelope: Envelope<B> = { ...makeEnvelope('dataset', body, lineage, { now: extra.now, trailing }), name: extra.name, version: extra.version };
  return { text: JSON.stringify(orderEnvelope(envelope)) + '\n' + trailing + '\n', envelope };
}

export function writeDatasetArtifact<B>(body: B, rows: readonly unknown[], lineage: LineageRef[], target: WriteTarget): Written<B> {
  let envelope!: Envelope<B>;
  const path = writeNextVersion('dataset', target, (version) => {
    const rendered = renderDataset(body, rows, lineage, { now: target.now, name: target.name, version });
    envelope = rendered.envelope;
    return rendered.text;
  });
  return { path, envelope };
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
    const known = existsSync(kindFolder) ? readdirSync(kindFolder).filter((d) => versionsIn(join(kindFolder, d), ext).length > 0) : [];
    const hint = known.length ? `known: ${known.join(', ')}` : `none in ${kindFolder}`;
    throw new UserError(`no such file, and no ${kind} named "${name}" (${hint})`, { file: ref });
  }
  const version = wanted !== undefined ? Number(wanted) : versions.at(-1)!;
  if (!versions.includes(version)) {
    throw new UserError(`${kind} "${name}" has no version ${version} (have: ${versions.map((v) => 'v' + v).join(', ')})`, { file: ref });
  }
  return join(folder, `v${version}.${ext}`);
}

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError('no such file', { file: path });
    if (code === 'EISDIR') throw new UserError('is a folder, expected a file', { file: path });
    if (code === 'EACCES') throw new UserError('permission denied', { file: path });
    throw err;
  }
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

export function validated(raw: unknown, kind: ArtifactKind, path: string, trailing = ''): Envelope {
  try {
    return validateEnvelope(raw, kind, trailing);
  } catch (err) {
    if (err instanceof EnvelopeProblem) throw new UserError(err.message, { file: path, line: kind === 'dataset' ? 1 : undefined });
    throw err;
  }
}

export function displayPath(path: string): string {
  return path.startsWith(process.cwd() + '/') ? path.slice(process.cwd().length + 1) : path;
}
