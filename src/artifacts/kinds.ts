import { z } from 'zod';
import type { ArtifactKind } from './envelope.js';
import { datasetBodySchema } from './bodies/dataset.js';
import { routerBodySchema } from './bodies/router.js';
import { deploymentSchemaOf, evalReportSchemaOf } from './bodies/reports.js';

// The body schema of every artifact kind, in one place, so the store checks each body it reads
// the same way: an edited file whose content hash was recomputed still cannot carry a threshold of
// 5 into eval, route or estimate. Typed by ArtifactKind, so a new kind does not compile without one.
// The schemas live below, in bodies/, so the store depends on nothing above it.

const share = z.number().min(0, 'must be in [0,1]').max(1, 'must be in [0,1]');

const estimateBodySchema = z.object({
  inputs: z.object({
    volume: z.object({ count: z.number().nonnegative(), per: z.enum(['day', 'month']) }),
    daysPerMonth: z.number().positive(),
    queriesPerMonth: z.number().nonnegative(),
    weakShare: share,
    monitoring: share,
  }),
  projection: z.object({ strongShare: share }),
  breakEven: z.unknown(),
  quality: z.object({}).nullable(),
  sensitivity: z.object({ weakShares: z.array(share), priceRatios: z.array(z.number().positive()) }),
});

const multiEstimateBodySchema = z.object({
  kind: z.literal('multi'),
  inputs: z.object({ models: z.array(z.string()).min(2), reference: z.string(), shares: z.array(share), monitoring: share, queriesPerMonth: z.number().nonnegative() }),
  projection: z.object({ monthly: z.number(), alwaysReference: z.number() }),
});

const benchBodySchema = z.object({ machine: z.object({ cpu: z.string(), cores: z.number() }), date: z.string() });

interface KindSpec {
  /** The schema, or a function choosing it from the body (a kind with two shapes). */
  body: z.ZodType | ((body: unknown) => z.ZodType);
  /** A friendlier cause for a failure at this top-level field. */
  explain?: Partial<Record<string, string>>;
}

const KINDS: Record<ArtifactKind, KindSpec> = {
  dataset: { body: datasetBodySchema },
  router: {
    body: routerBodySchema,
    explain: {
      embedder: 'router artifact from an older version of this tool (no embedder record); train it again',
      calibration: 'router artifact from an older version of this tool (no calibration record); train it again',
    },
  },
  'eval-report': { body: evalReportSchemaOf },
  deployment: { body: deploymentSchemaOf },
  estimate: { body: (b) => ((b as { kind?: unknown } | null)?.kind === 'multi' ? multiEstimateBodySchema : estimateBodySchema) },
  bench: { body: benchBodySchema },
};

export interface BodyProblem {
  /** `body.threshold`, `body.routers.0.name`. */
  field: string;
  message: string;
}

/** The first problem with an artifact body, or undefined when it is a valid body of its kind. */
export function checkBody(kind: ArtifactKind, body: unknown): BodyProblem | undefined {
  const spec = KINDS[kind];
  const schema = typeof spec.body === 'function' ? spec.body(body) : spec.body;
  const r = schema.safeParse(body);
  if (r.success) return undefined;
  const issue = r.error.issues[0]!;
  const top = issue.path[0];
  const explained = typeof top === 'string' ? spec.explain?.[top] : undefined;
  return { field: ['body', ...issue.path].join('.'), message: explained ?? `invalid ${kind} artifact: ${issue.message}` };
}
