import { z } from 'zod';
import { packedFloatsSchema as packed, packFloats, unpackFloats } from '../artifacts/arrays.js';
import type { DenseMatrix } from '../embed/dense.js';
import type { Features } from '../embed/features.js';
import { logitLoss } from './logistic-solver.js';
import { linearLogits, MF_TRAINING, mfOptionsSchema, throughProjection } from './mf.js';
import { baseLogits, sigmoidOutputs, type MultiHead, type MultiRouterType } from './multi-router.js';
import { invalidState, optionsOf } from './options.js';
import { byRow, fitLoop, glorot, loadEngine } from './tf-engine.js';
import { mulberry32 } from '../random.js';

// Matrix factorization over N models, as in RouteLLM and EmbedLLM: a learned vector v_m per model,
// a learned projection W of the query embedding x to the same space, and model m's predicted
// quality sigmoid(v_m . (W^T x) + b_m), trained with tfjs on cross-entropy against every (query,
// model) quality. Where the two-model mf learns from pairwise outcomes (only differences between
// models matter for P(a beats b)), this one predicts each model's own quality, so it carries a
// per-model bias (the model's base rate) and no normalisation of v_m. Early stopping on the
// validation loss, the refit running the early-stopped epoch count, as the two-model mf.
// Predicting folds W into one direction W v_m per model: a dot product per model and query, in JS.

/** Queries per batch, as multi-mlp's; each brings every model's quality. */
const BATCH = 128;

/** The two-model mf's `dim` and `epochs` ('auto': early stopping on the tuning fold): one candidate, nothing to tune. */
export type MultiMfOptions = z.infer<typeof mfOptionsSchema>;

const stateSchema = z.object({
  inputs: z.number().int().positive(),
  dim: z.number().int().positive(),
  models: z.number().int().positive(),
  epochs: z.number().int().positive(),
  engine: z.string(),
  /** inputs x dim, row-major. */
  w: packed,
  /** models x dim, row-major. */
  v: packed,
  b: packed,
});

interface Factors {
  inputs: number;
  dim: number;
  w: Float32Array;
  v: Float32Array;
  b: Float32Array;
}

/** Every model's logits on every row, out[m][r], through the directions W v_m. */
function logitsOf(x: DenseMatrix, f: Factors, out: Float64Array[]): void {
  for (let m = 0; m < out.length; m++) linearLogits(x, throughProjection(f.w, f.v.subarray(m * f.dim, (m + 1) * f.dim), f.inputs, f.dim), f.b[m]!, out[m]!);
}

class MultiMfHead implements MultiHead<MultiMfOptions> {
  constructor(
    private readonly f: Factors & { epochs: number; engine: string },
    readonly refit?: Partial<MultiMfOptions>,
  ) {}

  predict(x: Features): Float64Array[] {
    return sigmoidOutputs(x, { router: 'mf', inputs: this.f.inputs, models: this.f.b.length }, (dense, out) => logitsOf(dense, this.f, out));
  }

  state(): z.infer<typeof stateSchema> {
    const f = this.f;
    return { inputs: f.inputs, dim: f.dim, models: f.b.length, epochs: f.epochs, engine: f.engine, w: packFloats(f.w), v: packFloats(f.v), b: packFloats(f.b) };
  }
}

export const multiMfRouter: MultiRouterType<MultiMfOptions, MultiMfOptions> = {
  description: "matrix factorization (RouteLLM, EmbedLLM): model vectors and a projection of the query embedding predicting each model's quality (--dim, --epochs)",
  layout: 'dense',
  options: (raw) => optionsOf(mfOptionsSchema, raw, 'mf'),
  grid: (options) => [options],
  async train({ train, validation, seed }, options) {
    if (train.x.kind !== 'dense') throw new RangeError('mf router needs dense features');
    const engine = await loadEngine();
    const { tf } = engine;
    const x = train.x.x;
    const d = x.cols;
    const k = options.dim;
    const models = train.quality.length;
    const fixedEpochs = options.epochs === 'auto' ? null : options.epochs;
    const random = mulberry32(seed);
    const W = tf.variable(tf.tensor2d(glorot(d, k, random), [d, k]));
    const V = tf.variable(tf.tensor2d(glorot(models, k, random), [models, k]));
    const B = tf.variable(tf.tensor1d(baseLogits(train.quality)));
    const X = tf.tensor2d(x.data, [x.rows, d]);
    const Y = tf.tensor2d(byRow(train.quality, x.rows), [x.rows, models]);

    const val = validation && fixedEpochs === null && validation.x.kind === 'dense' ? { x: validation.x.x, quality: validation.quality } : null;
    const valLogits = val ? train.quality.map(() => new Float64Array(val.x.rows)) : null;
    const result = await fitLoop({
      engine,
      n: x.rows,
      batchSize: BATCH,
      epochs: fixedEpochs ?? (val ? MF_TRAINING.maxEpochs : 20),
      patience: MF_TRAINING.patience,
      learningRate: MF_TRAINING.learningRate,
      random,
      variables: [W, V, B],
      batchLoss: (rows) => {
        // Logits of every model on the batch's queries: (X W) V^T + b.
        const z = tf.add(tf.matMul(tf.matMul(tf.gather(X, rows), W), V, false, true), B);
        const loss = tf.losses.sigmoidCrossEntropy(tf.gather(Y, rows), z);
        return tf.add(loss, tf.mul(MF_TRAINING.weightDecay, tf.add(tf.sum(tf.square(W)), tf.sum(tf.square(V))))) as import('@tensorflow/tfjs').Scalar;
      },
      validationLoss:
        val && valLogits
          ? () => {
              logitsOf(val.x, { inputs: d, dim: k, w: W.dataSync() as Float32Array, v: V.dataSync() as Float32Array, b: B.dataSync() as Float32Array }, valLogits);
              return logitLoss(valLogits, val.quality);
            }
          : null,
    });
    for (const t of [W, V, B, X, Y]) t.dispose();
    const [w, v, b] = result.weights as [Float32Array, Float32Array, Float32Array];
    return new MultiMfHead({ inputs: d, dim: k, w, v, b, epochs: result.epochs, engine: engine.name }, fixedEpochs === null ? { epochs: result.epochs } : undefined);
  },
  load(raw, models) {
    const parsed = stateSchema.safeParse(raw);
    if (!parsed.success) throw invalidState(parsed.error);
    const s = parsed.data;
    if (s.models !== models.length) throw invalidState({ path: 'models', message: `${s.models} model vectors for ${models.length} models` });
    const f = { inputs: s.inputs, dim: s.dim, w: unpackFloats(s.w), v: unpackFloats(s.v), b: unpackFloats(s.b) };
    if (f.w.length !== s.inputs * s.dim || f.v.length !== s.models * s.dim || f.b.length !== s.models) throw invalidState({ path: 'w', message: 'weights do not match inputs x dim x models' });
    return new MultiMfHead({ ...f, epochs: s.epochs, engine: s.engine });
  },
};
