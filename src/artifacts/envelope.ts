import { z } from 'zod';
import { toolVersion } from '../version.js';
import { canonicalJson, jsonValue, sha256, type Hash } from './hash.js';

/** Every kind of file the tool writes, with the newest schema version this build reads and writes. */
export const SCHEMA_VERSIONS = {
  dataset: 1,
  router: 1,
  'eval-report': 1,
  deployment: 1,
  estimate: 1,
  bench: 1,
} as const;

export type ArtifactKind = keyof typeof SCHEMA_VERSIONS;

export const ARTIFACT_KINDS = Object.keys(SCHEMA_VERSIONS) as ArtifactKind[];

export function isArtifactKind(kind: unknown): kind is ArtifactKind {
  return typeof kind === 'string' && Object.hasOwn(SCHEMA_VERSIONS, kind);
}

/** What an artifact was made from: another artifact (by content hash) or an input file (by byte hash). */
export interface LineageRef {
  kind: ArtifactKind | 'file';
  hash: Hash;
  path?: string;
  /** Why it was used, e.g. "train" or "test". */
  role?: string;
}

export interface Envelope<B = unknown> {
  kind: ArtifactKind;
  schemaVersion: number;
  toolVersion: string;
  createdAt: string;
  name?: string;
  version?: number;
  contentHash: Hash;
  lineage: LineageRef[];
  body: B;
}

const hashSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex digits>') as unknown as z.ZodType<Hash>;

export const lineageSchema = z.object({
  kind: z.string(),
  hash: hashSchema,
  path: z.string().optional(),
  role: z.string().optional(),
});

const envelopeSchema = z.object({
  kind: z.string(),
  schemaVersion: z.number().int().positive(),
  toolVersion: z.string(),
  createdAt: z.string(),
  name: z.string().optional(),
  version: z.number().int().positive().optional(),
  contentHash: hashSchema,
  lineage: z.array(lineageSchema),
  body: z.unknown(),
});

/** The hash that names an artifact: of its body, plus trailing data (JSONL rows) where the kind has them. */
export function contentHash(body: unknown, trailing = ''): Hash {
  return sha256(canonicalJson(body) + (trailing ? '\n' + trailing : ''));
}

export function makeEnvelope<B>(
  kind: ArtifactKind,
  body: B,
  lineage: LineageRef[],
  options: { now?: Date; trailing?: string } = {},
): Envelope<B> {
  return {
    kind,
    schemaVersion: SCHEMA_VERSIONS[kind],
    toolVersion: toolVersion(),
    createdAt: (options.now ?? new Date()).toISOString(),
    // Hashed as it will read back from the file, which is what a reader checks.
    contentHash: contentHash(jsonValue(body), options.trailing),
    lineage,
    body,
  };
}

export function withArticle(kind: string): string {
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

/** Problems found in an envelope, phrased for a one-line error; the caller adds the file name. */
export class EnvelopeProblem extends Error {}

/**
 * Checks shape, kind, schema version and content hash. `trailing` is the text the hash also
 * covers (JSONL rows). Unknown kinds and newer schema versions are rejected by name.
 */
export function validateEnvelope(raw: unknown, expected: ArtifactKind, trailing = ''): Envelope {
  const parsed = envelopeSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EnvelopeProblem(`not a router artifact: ${issue?.path.join('.') || 'root'}: ${issue?.message}`);
  }
  const env = parsed.data as Envelope;
  if (!isArtifactKind(env.kind)) {
    throw new EnvelopeProblem(`unknown artifact kind "${env.kind}" (known: ${ARTIFACT_KINDS.join(', ')})`);
  }
  if (env.kind !== expected) {
    throw new EnvelopeProblem(`is ${withArticle(env.kind)} artifact, expected ${withArticle(expected)}`);
  }
  const supported = SCHEMA_VERSIONS[env.kind];
  if (env.schemaVersion > supported) {
    throw new EnvelopeProblem(
      `${env.kind} schema version ${env.schemaVersion} is newer than this router ${toolVersion()} reads (${supported}); upgrade the tool`,
    );
  }
  const actual = contentHash(env.body, trailing);
  if (actual !== env.contentHash) {
    throw new EnvelopeProblem(`content hash mismatch: the file was changed after it was written (recorded ${env.contentHash.slice(0, 19)}…, actual ${actual.slice(0, 19)}…)`);
  }
  return env;
}
