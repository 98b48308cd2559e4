import { z } from 'zod';
import { packedFloatsSchema as packed, packFloats, unpackFloats } from '../artifacts/arrays.js';
import type { DenseMatrix } from '../embed/dense.js';
import type { Features } from '../embed/features.js';
import { logitLoss, sigmoid } from './logistic-solver.js';
import { invalidState, objectiveSchema, optionsOf, targetOf } from './options.js';
import type { Head, RouterType } from './router.js';
import { byRow, fitLoop, glorot, loadEngine } from './tf-engine.js';
import type { EngineName } from './tf-engine-name.js';
import { mulberry32 } from '../random.js';

// "BERT head": a one-hidden-layer MLP classifier on frozen embeddings (ReLU, sigmoid output),
// trained with tfjs (Adam, balanced class weights, L2 weight decay) and early stopping on the
// validation loss; the refit on all training rows runs the early-stopped number of epochs.
// Scoring is a few hundred multiply-adds per query, done in plain JS so routing never loads tfjs.
// The network and its training (fitMlp) take any number of outputs: multi-mlp has one per model.

const MAX_EPOCHS = 100;
const PATIENCE = 5;
const BATCH = 128;
const LEARNING_RATE = 1e-3;
const WEIGHT_DECAY = 1e-4;

export const mlpOptionsSchema = z.object({
  hidden: z.number().int().positive().default(64),
  epochs: z.union([z.number().int().positive(), z.literal('auto')]).default('auto'),
  objective: objectiveSchema,
});

/** `--hidden`, `--epochs` ('auto': early stopping on the tuning fold) and `--objective`: one candidate, nothing to tune. */
export type MlpOptions = z.infer<typeof mlpOptionsSchema>;

const stateSchema = z.object({
  inputs: z.number().int().positive(),
  hidden: z.number().int().positive(),
  epochs: z.number().int().positive(),
  engine: z.string(),
  w1: packed,
  b1: packed,
  w2: packed,
  b2: z.number(),
});

/** A one-hidden-layer ReLU network with `outputs` logits: w1 is inputs x hidden, w2 hidden x outputs (row-major). */
export interface MlpWeights {
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

/** The network's logits, out[o][r] for output o on row r. */
export function mlpLogits(x: DenseMatrix, w: MlpWeights, out: Float64Array[]): void {
  const d = x.cols;
  const h = w.b1.length;
  const outputs = w.b2.length;
  const hid = new Float64Array(h);
  for (let r = 0; r < x.rows; r++) {
    hid.set(w.b1);
    const base = r * d;
    for (let i = 0; i < d; i++) {
      const v = x.data[base + i]!;
      if (v === 0) continue;
      const wi = i * h;
      for (let j = 0; j < h; j++) hid[j]! += v * w.w1[wi + j]!;
    }
    for (let o = 0; o < outputs; o++) {
      let z = w.b2[o]!;
      for (let j = 0; j < h; j++) if (hid[j]! > 0) z += hid[j]! * w.w2[j * outputs + o]!;
      out[o]![r] = z;
    }
  }
}

export interface MlpFit {
  x: DenseMatrix;
  /** targets[o][r]: output o's (soft) label on row r. */
  targets: ArrayLike<number>[];
  hidden: number;
  /** Weights of the cross-entropy's positive and negative terms (see logitLoss). */
  a: number;
  b: number;
  /** Exactly this many epochs; null: early stopping on `validation` (20 epochs without it). */
  epochs: number | null;
  validation: { x: DenseMatrix; targets: ArrayLike<number>[] } | null;
  seed: number;
  /** The output biases' starting values; zeros when absent. */
  bias?: Float32Array;
}

/** Trains the network with tfjs (Adam, L2 weight decay); returns the best epoch's weights and that epoch. */
export async function fitMlp(f: MlpFit): Promise<{ weights: MlpWeights; epochs: number; engine: EngineName }> {
  const engine = await loadEngine();
  const { tf } = engine;
  const { x, a, b } = f;
  const d = x.cols;
  const h = f.hidden;
  const outputs = f.targets.length;
  const random = mulberry32(f.seed);
  const w1 = tf.variable(tf.tensor2d(glorot(d, h, random), [d, h]));
  const b1 = tf.variable(tf.zeros([h]));
  const w2 = tf.variable(tf.tensor2d(glorot(h, outputs, random), [h, outputs]));
  const b2 = tf.variable(f.bias ? tf.tensor1d(f.bias) : tf.zeros([outputs]));
  const X = tf.tensor2d(x.data, [x.rows, d]);
  const Y = tf.tensor2d(byRow(f.targets, x.rows), [x.rows, outputs]);

  const val = f.epochs === null ? f.validation : null;
  const valLogits = val ? f.targets.map(() => new Float64Array(val.x.rows)) : null;
  const result = await fitLoop({
    engine,
    n: x.rows,
    batchSize: BATCH,
    epochs: f.epochs ?? (val ? MAX_EPOCHS : 20),
    patience: PATIENCE,
    learningRate: LEARNING_RATE,
    random,
    variables: [w1, b1, w2, b2],
    batchLoss: (rows) => {
      const xb = tf.gather(X, rows);
      const logits = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(xb, w1), b1)), w2), b2);
      // Weighted cross-entropy with (soft) labels: a y softplus(-z) + b (1 - y) softplus(z).
      const yb = tf.gather(Y, rows);
      const loss = tf.mean(tf.add(tf.mul(tf.mul(a, yb), tf.softplus(tf.neg(logits))), tf.mul(tf.mul(b, tf.sub(1, yb)), tf.softplus(logits))));
      return tf.add(loss, tf.mul(WEIGHT_DECAY, tf.add(tf.sum(tf.square(w1)), tf.sum(tf.square(w2))))) as import('@tensorflow/tfjs').Scalar;
    },
    validationLoss:
      val && valLogits
        ? () => {
            const [cw1, cb1, cw2, cb2] = [w1, b1, w2, b2].map((v) => v.dataSync() as Float32Array) as [Float32Array, Float32Array, Float32Array, Float32Array];
            mlpLogits(val.x, { w1: cw1, b1: cb1, w2: cw2, b2: cb2 }, valLogits);
            return logitLoss(valLogits, val.targets, a, b);
          }
        : null,
  });
  for (const t of [w1, b1, w2, b2, X, Y]) t.dispose();
  const [fw1, fb1, fw2, fb2] = result.weights as [Float32Array, Float32Array, Float32Array, Float32Array];
  return { weights: { w1: fw1, b1: fb1, w2: fw2, b2: fb2 }, epochs: result.epochs, engine: engine.name };
}

/** Class weights a, b of the balanced loss -[a y log p + b (1 - y) log(1 - p)] for (soft) labels y. */
function balance(y: ArrayLike<number>): { a: number; b: number } {
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i]!;
  const n = y.length;
  return { a: pos > 0 ? n / (2 * pos) : 0, b: n - pos > 0 ? n / (2 * (n - pos)) : 0 };
}

class MlpHead implements Head<MlpOptions> {
  constructor(
    private readonly s: { inputs: number; hidden: number; epochs: number; engine: string; w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: number },
    readonly refit?: Partial<MlpOptions>,
  ) {}

  score(x: Features): Float64Array {
    if (x.kind !== 'dense') throw new RangeError('mlp router needs dense features');
    if (x.x.cols !== this.s.inputs) throw new RangeError(`mlp router takes ${this.s.inputs} inputs, features have ${x.x.cols}`);
    const z = new Float64Array(x.x.rows);
    mlpLogits(x.x, { ...this.s, b2: Float32Array.of(this.s.b2) }, [z]);
    for (let i = 0; i < z.length; i++) z[i] = sigmoid(z[i]!);
    return z;
  }

  state(): z.infer<typeof stateSchema> {
    const s = this.s;
    return { inputs: s.inputs, hidden: s.hidden, epochs: s.epochs, engine: s.engine, w1: packFloats(s.w1), b1: packFloats(s.b1), w2: packFloats(s.w2), b2: s.b2 };
  }
}

export const mlpRouter: RouterType<MlpOptions, MlpOptions> = {
  description: 'MLP head (one hidden layer) on frozen embeddings, tfjs, early stopping on validation data (--hidden, --epochs)',
  layout: 'dense',
  needsLabels: true,
  options: (raw) => optionsOf(mlpOptionsSchema, raw, 'mlp'),
  grid: (options) => [options],
  async train({ train, validation, seed }, options): Promise<Head<MlpOptions>> {
    if (train.x.kind !== 'dense') throw new RangeError('mlp router needs dense features');
    const target = targetOf(train, options.objective);
    const { a, b } = balance(target);
    const fixedEpochs = options.epochs === 'auto' ? null : options.epochs;
    const { weights, epochs, engine } = await fitMlp({
      x: train.x.x,
      targets: [target],
      hidden: options.hidden,
      a,
      b,
      epochs: fixedEpochs,
      validation: validation && validation.x.kind === 'dense' ? { x: validation.x.x, targets: [targetOf(validation, options.objective)] } : null,
      seed,
    });
    return new MlpHead({ inputs: train.x.x.cols, hidden: options.hidden, epochs, engine, ...weights, b2: weights.b2[0]! }, fixedEpochs === null ? { epochs } : undefined);
  },
  load(raw) {
    const p = stateSchema.safeParse(raw);
    if (!p.success) throw invalidState(p.error);
    const s = p.data;
    const w1 = unpackFloats(s.w1);
    const b1 = unpackFloats(s.b1);
    const w2 = unpackFloats(s.w2);
    if (w1.length !== s.inputs * s.hidden || b1.length !== s.hidden || w2.length !== s.hidden) throw invalidState({ path: 'w1', message: 'weights do not match inputs x hidden' });
    return new MlpHead({ ...s, w1, b1, w2 });
  },
};
