import { z } from 'zod';

/** Shape checks for the fields every router body has; the featurizer and the type's `load` check the rest. */
export const routerBodySchema = z.object({
  router: z.string(),
  pair: z.object({ weak: z.string(), strong: z.string() }),
  target: z.literal('strong-wins'),
  threshold: z.number().min(0, 'must be in [0,1]').max(1, 'must be in [0,1]'),
  embedder: z.record(z.string(), z.unknown()),
  model: z.unknown(),
  calibration: z.record(z.string(), z.unknown()),
  split: z.object({ seed: z.number(), holdout: z.number().gt(0).lt(1), datasetHash: z.string() }).nullable(),
  training: z.object({ rows: z.number(), positives: z.number(), seconds: z.number().optional(), options: z.record(z.string(), z.unknown()), validation: z.unknown() }),
});
