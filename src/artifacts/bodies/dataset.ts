import { z } from 'zod';

// The canonical labelled-dataset format, validated on read. Kept apart from the readers so the
// JSONL reader, the label pipeline and the README describe one schema.

const unit = z.number().min(0, 'must be in [0,1]').max(1, 'must be in [0,1]');
const nonNegative = z.number().min(0, 'must be >= 0');

export const outcomeSchema = z.object({
  quality: unit,
  response: z.string().optional(),
  inputTokens: nonNegative.optional(),
  outputTokens: nonNegative.optional(),
  cost: nonNegative.optional(),
  latencyMs: nonNegative.optional(),
  confidence: unit.optional(),
  grade: z.number().optional(),
});

export const verdictSchema = z.object({
  judge: z.string(),
  a: z.string(),
  b: z.string(),
  winner: z.enum(['a', 'b', 'tie', 'unparseable']),
});

export const rowSchema = z.object({
  id: z.union([z.string().min(1), z.number()]).optional(),
  query: z.string(),
  models: z.record(z.string(), outcomeSchema),
  verdicts: z.array(verdictSchema).optional(),
  meta: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  label: z.object({ weak: z.string(), strong: z.string(), strongBetter: z.boolean() }).optional(),
});

export const priceSchema = z.object({
  inputPerMTok: nonNegative.optional(),
  outputPerMTok: nonNegative.optional(),
  perCall: nonNegative.optional(),
});

export const modelInfoSchema = z.object({ id: z.string().min(1), price: priceSchema.optional() });

export const datasetBodySchema = z.object({
  description: z.string().optional(),
  models: z.array(modelInfoSchema),
  defaultPair: z.object({ weak: z.string(), strong: z.string() }).optional(),
  rowCount: z.number().int().nonnegative(),
  /** How the rows were made (`router label`: models, judge, template hash, input hash, run). */
  provenance: z.record(z.string(), z.unknown()).optional(),
});

export type DatasetBody = z.infer<typeof datasetBodySchema>;
