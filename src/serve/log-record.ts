import { z } from 'zod';

// One line of `router serve`'s request log (JSONL), as the server writes it and `router monitor`
// reads it. It is the contract between the two: the server validates nothing it writes against
// it at run time (cost per request), the monitor checks every line it reads, so a log from a
// newer server that gained fields still reads. The query text is there only when the server ran
// with --log-queries; `queryHash` always is, so the monitoring sample can be matched without it.

export const LOG_RECORD_VERSION = 1;

const deploymentRef = z.object({
  name: z.string(),
  /** NAME@VERSION as the store numbers it, or null for a deployment read from a bare file. */
  version: z.number().int().nullable(),
  hash: z.string(),
});

export const logRecordSchema = z.object({
  v: z.literal(LOG_RECORD_VERSION),
  /** ISO 8601, when the request arrived. */
  time: z.string(),
  requestId: z.string(),
  /** The deployment that routed it (null for a pass-through to a named model). */
  deployment: deploymentRef.nullable(),
  /** sha256 hex of the routed text (the same text the monitoring hash is taken of). */
  queryHash: z.string(),
  /** The routed text itself, only with --log-queries. */
  query: z.string().optional(),
  /** What the client asked for in `model`: "router", the deployment's name, or a real model. */
  requested: z.string(),
  /** True when the router chose the model; false for a pass-through. */
  routed: z.boolean(),
  /** The model the rule chose (before any fallback). */
  chosen: z.string(),
  /** The model that answered (differs from `chosen` after a fallback); null when none did. */
  answeredBy: z.string().nullable(),
  /** Pair: P(strong needed). Over N models: null (see `predicted`). */
  score: z.number().nullable(),
  /** Over N models: every model's predicted quality and cost for this query. */
  predicted: z.array(z.object({ model: z.string(), quality: z.number(), cost: z.number() })).optional(),
  monitored: z.boolean(),
  /** Models tried and given up on before `answeredBy`, in order, with why. */
  fallback: z.array(z.object({ model: z.string(), reason: z.string() })),
  stream: z.boolean(),
  /** HTTP status returned to the client. */
  status: z.number().int(),
  /** The error returned to the client, when status is not 2xx. */
  error: z.string().optional(),
  inputTokens: z.number().nullable(),
  outputTokens: z.number().nullable(),
  /** Dollars of the upstream call(s), when the model has a price; null otherwise. */
  costUsd: z.number().nullable(),
  /** Milliseconds in upstream calls (all attempts, fallbacks included). */
  upstreamMs: z.number(),
  /** Milliseconds the router itself spent deciding (featurize, predict, rule). */
  routerMs: z.number(),
});

export type LogRecord = z.infer<typeof logRecordSchema>;
