import { z } from 'zod';
import { packFloats, unpackFloats } from '../artifacts/arrays.js';
import type { DenseMatrix } from '../embed/dense.js';
import type { Features } from '../embed/features.js';
import { sigmoid } from './logistic-solver.js';
import { invalidState, objectiveSchema, optionsOf, targetOf } from './options.js';
import type { Head, RouterType } from './router.js';
import { fitLoop, glorot, loadEngine } from './tf-engine.js';
import { mulberry32 } from '../random.js';

// "BERT head": a one-hidden-layer MLP classifier on frozen embeddings (ReLU, sigmoid output),
// trained with tfjs (Adam, balanced class weights, L2 weight decay) and early stopping on the
// validation loss; the refit on all training rows runs the early-stopped number of epochs.
// Scoring is a few hundred multiply-adds per query, done in plain JS so routing never loads tfjs.

const MAX_EPOCHS = 100;
const PATIENCE = 5;
const BATCH = 128;
const LEARNING_RATE = 1e-3;
const WEIGHT_DECAY = 1e-4;

const optionsSchema = z.object({
  hidden: z.number().int().positive().default(64),
  epochs: z.union([z.number().int().positive(), z.literal('auto')]).default('auto'),
  objective: objectiveSchema,
});

/** `--hidden`, `--epochs` ('auto': early stopping on the tuning fold) and `--objective`: one candidate, nothing to tune. */
export type MlpOptions = z.infer<typeof optionsSchema>;

const packed = z.object({ dtype: z.literal('float32'), length: z.number().int().nonnegative(), base64: z.string() });
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

function forward(x: DenseMatrix, w1: Float32Array, b1: Float32Array, w2: Float32Array, b2: number, out: Float64Array): void {
  const d = x.cols;
  const h = b1.length;
  const hid = new Float64Array(h);
  for (let r = 0; r < x.rows; r++) {
    hid.set(b1);
    const base = r * d;
    for (let i = 0; i < d; i++) {
      const v = x.data[base + i]!;
      if (v === 0) continue;
      const wi = i * h;
      for (let j = 0; j < h; j++) hid[j]! += v * w1[wi + j]!;
    }
    let z = b2;
    for (let j = 0; j < h; j++) if (hid[j]! > 0) z += hid[j]! * w2[j]!;
    out[r] = z;
  }
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
    forward(x.x, this.s.w1, this.s.b1, this.s.w2, this.s.b2, z);
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
  options: (raw) => optionsOf(optionsSchema, raw, 'mlp'),
  grid: (options) => [options],
  async train({ train, validation, seed }, options): Promise<Head<MlpOptions>> {
    if (train.x.kind !== 'dense') throw new RangeError('mlp router needs dense features');
    const engine = await loadEngine();
    const { tf } = engine;
    const x = train.x.x;
    const d = x.cols;
    const h = options.hidden;
    const fixedEpochs = options.epochs === 'auto' ? null : options.epochs;
    const random = mulberry32(seed);
    const w1 = tf.variable(tf.tensor2d(glorot(d, h, random), [d, h]));
    const b1 = tf.variable(tf.zeros([h]));
    const w2 = tf.variable(tf.tensor2d(glorot(h, 1, random), [h, 1]));
    const b2 = tf.variable(tf.scalar(0));
    const X = tf.tensor2d(x.data, [x.rows, d]);
    const target = targetOf(train, options.objective);
    const { a, b } = balance(target);
    const Y = tf.tensor1d(Float32Array.from(target));

    const val = validation && fixedEpochs === null && validation.x.kind === 'dense' ? validation : null;
    const valTarget = val ? targetOf(val, options.objective) : null;
    const valLogits = val ? new Float64Array(val.labels.length) : null;
    const result = await fitLoop({
      engine,
      n: x.rows,
      batchSize: BATCH,
      epochs: fixedEpochs ?? (val ? MAX_EPOCHS : 20),
      patience: PATIENCE,
      learningRate: LEARNING_RATE,
      random,
      variables: [w1, b1, w2, b2],
      batchLoss: (rows) => {
        const xb = tf.gather(X, rows);
        const logits = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(xb, w1), b1)), w2), b2).reshape([-1]);
        // Balanced cross-entropy with (soft) labels: a y softplus(-z) + b (1 - y) softplus(z).
        const y = tf.gather(Y, rows);
        const loss = tf.mean(tf.add(tf.mul(tf.mul(a, y), tf.softplus(tf.neg(logits))), tf.mul(tf.mul(b, tf.sub(1, y)), tf.softplus(logits))));
        return tf.add(loss, tf.mul(WEIGHT_DECAY, tf.add(tf.sum(tf.square(w1)), tf.sum(tf.square(w2))))) as import('@tensorflow/tfjs').Scalar;
      },
      validationLoss:
        val && valTarget && valLogits
          ? () => {
              forward(val.x.x as DenseMatrix, w1.dataSync() as Float32Array, b1.dataSync() as Float32Array, w2.dataSync() as Float32Array, b2.dataSync()[0]!, valLogits);
              let loss = 0;
              for (let i = 0; i < valLogits.length; i++) {
                const z = valLogits[i]!;
                const y = valTarget[i]!;
                const softplus = (t: number) => (t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t)));
                loss += a * y * softplus(-z) + b * (1 - y) * softplus(z);
              }
              return loss / valLogits.length;
            }
          : null,
    });
    for (const t of [w1, b1, w2, b2, X, Y]) t.dispose();
    const [fw1, fb1, fw2, fb2] = result.weights as [Float32Array, Float32Array, Float32Array, Float32Array];
    return new MlpHead({ inputs: d, hidden: h, epochs: result.epochs, engine: engine.name, w1: fw1, b1: fb1, w2: fw2, b2: fb2[0]! }, fixedEpochs === null ? { epochs: result.epochs } : undefined);
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
