import { z } from 'zod';
import { packedFloatsSchema as packed, packFloats, unpackFloats } from '../artifacts/arrays.js';
import type { DenseMatrix } from '../embed/dense.js';
import type { Features } from '../embed/features.js';
import { sigmoid, softplus } from './logistic-solver.js';
import { invalidState, optionsOf } from './options.js';
import type { Head, HeadData, RouterType } from './router.js';
import { fitLoop, glorot, loadEngine } from './tf-engine.js';
import { mulberry32 } from '../random.js';

// Matrix factorization as in RouteLLM (routellm/routers/matrix_factorization): every model m has a
// learned vector p_m (used L2-normalised), the query embedding e is projected to the same space by
// a learned W, and model m's strength on the query is s(m, e) = c . (p_m * (W^T e)). Trained with
// tfjs on pairwise outcomes between every two models of the dataset (N models, not just the pair):
// P(a beats b | e) = sigmoid(s(a, e) - s(b, e)), against the label (q_a - q_b + 1) / 2, so a tie
// counts half a win each way. The router's score is P(strong beats weak).
// For a fixed pair the score is sigmoid(e . v) with v = W (c * (p_s - p_w)), so routing is one dot product.

/** Training settings multi-mf shares; batches differ (battles here, queries there). */
export const MF_TRAINING = { maxEpochs: 100, patience: 5, learningRate: 3e-3, weightDecay: 1e-5 };
const BATCH = 128;

export const mfOptionsSchema = z.object({
  dim: z.number().int().positive().default(64),
  epochs: z.union([z.number().int().positive(), z.literal('auto')]).default('auto'),
});

/** `--dim` and `--epochs` ('auto': early stopping on the tuning fold): one candidate, nothing to tune. */
export type MfOptions = z.infer<typeof mfOptionsSchema>;

const stateSchema = z.object({
  models: z.array(z.string()).min(2),
  weak: z.number().int().nonnegative(),
  strong: z.number().int().nonnegative(),
  inputs: z.number().int().positive(),
  dim: z.number().int().positive(),
  epochs: z.number().int().positive(),
  engine: z.string(),
  p: packed,
  w: packed,
  c: packed,
});

interface Battles {
  row: Int32Array;
  a: Int32Array;
  b: Int32Array;
  label: Float32Array;
}

/** One battle per row and pair of models with outcomes on it. */
function battles(data: HeadData): Battles {
  const { quality } = data.outcomes;
  const row: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  const label: number[] = [];
  const n = data.labels.length;
  for (let i = 0; i < n; i++) {
    for (let m = 0; m < quality.length; m++) {
      const qm = quality[m]![i]!;
      if (Number.isNaN(qm)) continue;
      for (let o = m + 1; o < quality.length; o++) {
        const qo = quality[o]![i]!;
        if (Number.isNaN(qo)) continue;
        row.push(i);
        a.push(m);
        b.push(o);
        label.push((qm - qo + 1) / 2);
      }
    }
  }
  return { row: Int32Array.from(row), a: Int32Array.from(a), b: Int32Array.from(b), label: Float32Array.from(label) };
}

/** W u: a direction of the projected space taken back to embedding space (W is inputs x dim, row-major), so scoring is one dot product per row. */
export function throughProjection(w: Float32Array, u: ArrayLike<number>, inputs: number, dim: number): Float64Array {
  const v = new Float64Array(inputs);
  for (let i = 0; i < inputs; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += w[i * dim + j]! * u[j]!;
    v[i] = s;
  }
  return v;
}

/** v = W (c * (p_s/|p_s| - p_w/|p_w|)): the pair's direction in embedding space. */
function direction(p: Float32Array, w: Float32Array, c: Float32Array, dim: number, inputs: number, strong: number, weak: number): Float64Array {
  const unit = (m: number) => {
    const v = p.subarray(m * dim, (m + 1) * dim);
    let s = 0;
    for (const x of v) s += x * x;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    return Float64Array.from(v, (x) => x * inv);
  };
  const ps = unit(strong);
  const pw = unit(weak);
  const u = Float64Array.from({ length: dim }, (_, j) => c[j]! * (ps[j]! - pw[j]!));
  return throughProjection(w, u, inputs, dim);
}

/** out[r] = bias + x_r . v. */
export function linearLogits(x: DenseMatrix, v: Float64Array, bias: number, out: Float64Array): void {
  for (let r = 0; r < x.rows; r++) {
    let s = bias;
    const base = r * x.cols;
    for (let i = 0; i < x.cols; i++) s += x.data[base + i]! * v[i]!;
    out[r] = s;
  }
}

interface MfState {
  models: string[];
  weak: number;
  strong: number;
  inputs: number;
  dim: number;
  epochs: number;
  engine: string;
  p: Float32Array;
  w: Float32Array;
  c: Float32Array;
}

class MfHead implements Head<MfOptions> {
  private readonly v: Float64Array;
  constructor(
    private readonly s: MfState,
    readonly refit?: Partial<MfOptions>,
  ) {
    this.v = direction(s.p, s.w, s.c, s.dim, s.inputs, s.strong, s.weak);
  }

  score(x: Features): Float64Array {
    if (x.kind !== 'dense') throw new RangeError('mf router needs dense features');
    if (x.x.cols !== this.s.inputs) throw new RangeError(`mf router takes ${this.s.inputs} inputs, features have ${x.x.cols}`);
    const z = new Float64Array(x.x.rows);
    linearLogits(x.x, this.v, 0, z);
    for (let i = 0; i < z.length; i++) z[i] = sigmoid(z[i]!);
    return z;
  }

  state(): z.infer<typeof stateSchema> {
    const s = this.s;
    return { models: s.models, weak: s.weak, strong: s.strong, inputs: s.inputs, dim: s.dim, epochs: s.epochs, engine: s.engine, p: packFloats(s.p), w: packFloats(s.w), c: packFloats(s.c) };
  }
}

export const mfRouter: RouterType<MfOptions, MfOptions> = {
  description: 'matrix factorization (RouteLLM): model vectors and a projection of the query embedding, trained on pairwise outcomes of all models (--dim, --epochs)',
  layout: 'dense',
  needsLabels: true,
  options: (raw) => optionsOf(mfOptionsSchema, raw, 'mf'),
  grid: (options) => [options],
  async train({ train, validation, seed }, options): Promise<Head<MfOptions>> {
    if (train.x.kind !== 'dense') throw new RangeError('mf router needs dense features');
    const engine = await loadEngine();
    const { tf } = engine;
    const x = train.x.x;
    const d = x.cols;
    const k = options.dim;
    const models = train.outcomes.models;
    const fixedEpochs = options.epochs === 'auto' ? null : options.epochs;
    const random = mulberry32(seed);
    const P = tf.variable(tf.tensor2d(glorot(models.length, k, random), [models.length, k]));
    const W = tf.variable(tf.tensor2d(glorot(d, k, random), [d, k]));
    const C = tf.variable(tf.tensor1d(glorot(k, 1, random)));
    const X = tf.tensor2d(x.data, [x.rows, d]);
    const t = battles(train);
    const rowT = tf.tensor1d(t.row, 'int32');
    const aT = tf.tensor1d(t.a, 'int32');
    const bT = tf.tensor1d(t.b, 'int32');
    const labelT = tf.tensor1d(t.label);

    const val = validation && fixedEpochs === null && validation.x.kind === 'dense' ? validation : null;
    const vb = val ? battles(val) : null;
    const result = await fitLoop({
      engine,
      n: t.row.length,
      batchSize: BATCH,
      epochs: fixedEpochs ?? (val ? MF_TRAINING.maxEpochs : 20),
      patience: MF_TRAINING.patience,
      learningRate: MF_TRAINING.learningRate,
      random,
      variables: [P, W, C],
      batchLoss: (ids) => {
        const e = tf.matMul(tf.gather(X, tf.gather(rowT, ids)), W);
        const pn = tf.div(P, tf.norm(P, 'euclidean', 1, true));
        const diff = tf.sub(tf.gather(pn, tf.gather(aT, ids)), tf.gather(pn, tf.gather(bT, ids)));
        const z = tf.sum(tf.mul(tf.mul(diff, e), C), 1);
        const loss = tf.losses.sigmoidCrossEntropy(tf.gather(labelT, ids), z);
        return tf.add(loss, tf.mul(MF_TRAINING.weightDecay, tf.add(tf.sum(tf.square(W)), tf.sum(tf.square(P))))) as import('@tensorflow/tfjs').Scalar;
      },
      validationLoss:
        val && vb && vb.row.length > 0
          ? () => {
              // Soft-label log-loss of every validation battle, from the current weights.
              const p = P.dataSync() as Float32Array;
              const w = W.dataSync() as Float32Array;
              const c = C.dataSync() as Float32Array;
              const vx = val.x.x as DenseMatrix;
              const proj = new Float64Array(vx.rows * k);
              for (let r = 0; r < vx.rows; r++)
                for (let i = 0; i < d; i++) {
                  const xv = vx.data[r * d + i]!;
                  if (xv === 0) continue;
                  for (let j = 0; j < k; j++) proj[r * k + j]! += xv * w[i * k + j]!;
                }
              const norm = (m: number) => Math.sqrt(p.subarray(m * k, (m + 1) * k).reduce((s, v) => s + v * v, 0)) || 1;
              const norms = models.map((_, m) => norm(m));
              let loss = 0;
              for (let i = 0; i < vb.row.length; i++) {
                const r = vb.row[i]!;
                const a = vb.a[i]!;
                const b = vb.b[i]!;
                let z = 0;
                for (let j = 0; j < k; j++) z += c[j]! * (p[a * k + j]! / norms[a]! - p[b * k + j]! / norms[b]!) * proj[r * k + j]!;
                loss += softplus(z) - vb.label[i]! * z;
              }
              return loss / vb.row.length;
            }
          : null,
    });
    for (const v of [P, W, C, X, rowT, aT, bT, labelT]) v.dispose();
    const [p, w, c] = result.weights as [Float32Array, Float32Array, Float32Array];
    const state: MfState = { models, weak: train.outcomes.weak, strong: train.outcomes.strong, inputs: d, dim: k, epochs: result.epochs, engine: engine.name, p, w, c };
    return new MfHead(state, fixedEpochs === null ? { epochs: result.epochs } : undefined);
  },
  load(raw) {
    const parsed = stateSchema.safeParse(raw);
    if (!parsed.success) throw invalidState(parsed.error);
    const s = parsed.data;
    const p = unpackFloats(s.p);
    const w = unpackFloats(s.w);
    const c = unpackFloats(s.c);
    if (p.length !== s.models.length * s.dim || w.length !== s.inputs * s.dim || c.length !== s.dim || s.weak >= s.models.length || s.strong >= s.models.length) {
      throw invalidState({ path: 'p', message: 'weights do not match models x dim x inputs' });
    }
    return new MfHead({ ...s, p, w, c });
  },
};
