import { z } from 'zod';

// The bodies of eval-report and deployment artifacts as their readers rely on them: checked on
// every read (artifacts/kinds.ts), and used by estimate to type what it reads. Only fields some
// reader uses are required, so a report that gains fields still reads.

const interval = z.tuple([z.number(), z.number()]);
const share = z.number().min(0, 'must be in [0,1]').max(1, 'must be in [0,1]');

export const ciSchema = z.object({
  level: z.number(),
  qualityGap: interval.nullable().optional(),
  strongShare: interval.nullable().optional(),
});

const latencySchema = z.object({ p50: z.number(), p95: z.number() });

const pointSchema = z.object({
  threshold: z.number().nullable(),
  strongShare: share,
  qualityGap: z.number().nullable(),
  latency: latencySchema.nullable().optional(),
});

export const usageSchema = z.object({
  meanCost: z.number().nullable().optional(),
  meanInputTokens: z.number().nullable().optional(),
  meanOutputTokens: z.number().nullable().optional(),
  price: z
    .object({ inputPerMTok: z.number().optional(), outputPerMTok: z.number().optional(), perCall: z.number().optional() })
    .nullable()
    .optional(),
});

const pairSchema = z.object({ weak: z.string(), strong: z.string() });

const strategySchema = z.object({
  name: z.string(),
  operatingPoint: z.object({ target: z.number().optional(), point: pointSchema, ci: ciSchema.optional() }),
  curve: z.array(pointSchema).optional(),
});

const dataRef = z.object({ path: z.string(), hash: z.string() });

export const evalReportBodySchema = z.object({
  pair: pairSchema,
  /** The data evaluated on, whose prompts give token counts when the report has none. */
  dataset: dataRef.optional(),
  /** The cost basis line, in reports that record one. */
  cost: z.object({ line: z.string() }).optional(),
  costUnit: z.enum(['usd', 'units']),
  usage: z.record(z.string(), usageSchema),
  routers: z.array(strategySchema).min(1),
  /** The weak model's confidence cascade, in reports whose data records confidence. */
  cascade: strategySchema.nullable().optional(),
});

/** An eval over more than two models (`kind: 'multi'`): what its readers use. */
export const multiEvalReportBodySchema = z.object({
  kind: z.literal('multi'),
  models: z.array(z.string()).min(2),
  reference: z.string(),
  costUnit: z.literal('usd'),
  singles: z.array(z.object({ model: z.string(), cost: z.number(), quality: z.number() })),
  routers: z
    .array(
      z.object({
        name: z.string(),
        operatingPoint: z.object({
          rule: z.object({ kind: z.enum(['lambda', 'tau']), value: z.number() }),
          cost: z.number(),
          quality: z.number(),
          shares: z.array(share),
          spend: z.array(z.number().nonnegative()),
        }),
      }),
    )
    .min(1),
});

/** Either report: the two-model one has no `kind`. */
export function evalReportSchemaOf(body: unknown): z.ZodType {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'multi' ? multiEvalReportBodySchema : evalReportBodySchema;
}

/**
 * Scores are probabilities; a threshold just above 1 (the next double) is how a deployment whose
 * operating point is all-weak sends nothing to the strong model.
 */
const threshold = z.number().min(0, 'must be in [0,1]').max(1 + Number.EPSILON, 'must be in [0,1]');

/** What `route` and `eval --deployment` read. */
export const deploymentBodySchema = z.object({
  router: z.object({ name: z.string(), path: z.string(), hash: z.string() }),
  pair: pairSchema,
  threshold,
  monitoring: share,
});

/** What `estimate --deployment` reads on top: the metrics expected at the threshold and the costs. */
export const deploymentEstimateSchema = deploymentBodySchema.extend({
  expected: pointSchema.extend({ ci: ciSchema.optional() }),
  costUnit: z.enum(['usd', 'units']),
  usage: z.record(z.string(), usageSchema),
  evaluatedOn: dataRef.optional(),
});

/** A deployment over more than two models (`kind: 'multi'`). */
export const multiDeploymentBodySchema = z
  .object({
    kind: z.literal('multi'),
    router: z.object({ name: z.string(), path: z.string(), hash: z.string() }),
    models: z.array(z.string()).min(2),
    reference: z.string(),
    rule: z.object({ kind: z.enum(['lambda', 'tau']), value: z.number().min(0, 'must be >= 0').finite() }),
    monitoring: share,
    expected: z.object({ quality: z.number(), cost: z.number().nonnegative(), shares: z.array(share), spend: z.array(z.number().nonnegative()) }),
  })
  .refine((b) => b.models.includes(b.reference), { message: 'the reference model is not one of the models', path: ['reference'] });

/** Either deployment: the two-model one has no `kind`. */
export function deploymentSchemaOf(body: unknown): z.ZodType {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'multi' ? multiDeploymentBodySchema : deploymentBodySchema;
}
