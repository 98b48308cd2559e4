import { z } from 'zod';
import { packFloats, unpackFloats } from '../artifacts/arrays.js';
import type { Features } from '../embed/features.js';
import { decision, fitSoftLabels, sigmoid } from './logistic-solver.js';
import { asCsr } from './logistic.js';
import type { MultiHead, MultiRouterType } from './multi-router.js';
import { invalidState, optionsOf } from './options.js';

// One L2-regularised logistic regression per model, predicting that model's quality (a soft label
// in [0,1]; correctness is 0/1). Unweighted classes, unlike the two-model router: the decision
// rule compares predicted qualities across models and against costs, so they must be calibrated
// probabilities, which class balancing would distort. As RouterBench's and the scikit-learn
// reference's per-model router.

const C_GRID = [0.25, 1, 4];

const optionsSchema = z.object({ c: z.union([z.number().positive(), z.literal('auto')]).default('auto') });
export type MultiLogisticOptions = z.infer<typeof optionsSchema>;
export type MultiLogisticCandidate = { c: number };

const floatsSchema = z.object({ dtype: z.literal('float32'), length: z.number().int().nonnegative(), base64: z.string() });
const stateSchema = z.object({
  c: z.number().positive(),
  models: z.array(z.object({ weights: floatsSchema, bias: z.number() })).min(1),
});


class MultiLogisticHead implements MultiHead {
  constructor(
    private readonly fits: { weights: Float32Array; bias: number }[],
    private readonly c: number,
  ) {}

  predict(x: Features): Float64Array[] {
    const csr = asCsr(x);
    return this.fits.map((f) => {
      if (csr.cols !== f.weights.length) throw new RangeError(`logistic router has ${f.weights.length} weights, features have ${csr.cols} columns`);
      const p = decision(csr, f);
      for (let i = 0; i < p.length; i++) p[i] = sigmoid(p[i]!);
      return p;
    });
  }

  state(): z.infer<typeof stateSchema> {
    return { c: this.c, models: this.fits.map((f) => ({ weights: packFloats(f.weights), bias: f.bias })) };
  }
}

export const multiLogisticRouter: MultiRouterType<MultiLogisticOptions, MultiLogisticCandidate> = {
  description: 'one logistic regression per model predicting its quality; C chosen on validation data (-C to fix it)',
  layout: 'sparse',
  options: (raw) => optionsOf(optionsSchema, raw, 'logistic'),
  grid: ({ c }) => (c === 'auto' ? C_GRID : [c]).map((v) => ({ c: v })),
  train({ train }, { c }) {
    const x = asCsr(train.x);
    // Stored as float32; predict with the stored numbers so training, eval and route agree exactly.
    const fits = train.quality.map((y) => {
      const fit = fitSoftLabels(x, y, { c, classWeight: null });
      return { weights: Float32Array.from(fit.weights), bias: fit.bias };
    });
    return new MultiLogisticHead(fits, c);
  },
  load(raw, models) {
    const s = stateSchema.safeParse(raw);
    if (!s.success) throw invalidState(s.error);
    if (s.data.models.length !== models.length) throw invalidState({ path: 'models', message: `${s.data.models.length} fits for ${models.length} models` });
    return new MultiLogisticHead(s.data.models.map((m) => ({ weights: unpackFloats(m.weights), bias: m.bias })), s.data.c);
  },
};
