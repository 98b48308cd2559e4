import { z } from 'zod';

// Shape checks for the fields every router body has; the featurizer and the type's `load` check
// the rest. Two targets: a two-model router scores "the strong model is better" (strong-wins); an
// N-model router predicts each model's quality (quality) and carries its decision rule.

const splitSchema = z.object({ seed: z.number(), holdout: z.number().gt(0).lt(1), datasetHash: z.string() }).nullable();

export const pairRouterBodySchema = z.object({
  router: z.string(),
  pair: z.object({ weak: z.string(), strong: z.string() }),
  target: z.literal('strong-wins'),
  threshold: z.number().min(0, 'must be in [0,1]').max(1, 'must be in [0,1]'),
  embedder: z.record(z.string(), z.unknown()),
  model: z.unknown(),
  calibration: z.record(z.string(), z.unknown()),
  split: splitSchema,
  training: z.object({ rows: z.number(), positives: z.number(), seconds: z.number().optional(), options: z.record(z.string(), z.unknown()), validation: z.unknown() }),
});

export const decisionRuleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('lambda'), value: z.number().min(0, 'must be >= 0').finite() }),
  z.object({ kind: z.literal('tau'), value: z.number().min(0, 'must be in [0,1]').max(1, 'must be in [0,1]') }),
]);

export const multiRouterBodySchema = z
  .object({
    router: z.string(),
    target: z.literal('quality'),
    models: z.array(z.string()).min(2, 'a router needs at least two models'),
    reference: z.string(),
    costs: z.array(z.object({ model: z.string(), perQuery: z.number().nonnegative().finite(), basis: z.string(), intercept: z.number().finite(), perChar: z.number().finite() })),
    rule: decisionRuleSchema,
    embedder: z.record(z.string(), z.unknown()),
    model: z.unknown(),
    split: splitSchema,
    training: z.object({ rows: z.number(), options: z.record(z.string(), z.unknown()), validation: z.unknown(), tuning: z.unknown() }),
  })
  .refine((b) => b.models.includes(b.reference), { message: 'the reference model is not one of the models', path: ['reference'] })
  .refine((b) => b.costs.length === b.models.length && b.costs.every((c, i) => c.model === b.models[i]), { message: 'one cost per model, in the models\' order', path: ['costs'] });

export const routerBodySchema = z.discriminatedUnion('target', [pairRouterBodySchema, multiRouterBodySchema]);
