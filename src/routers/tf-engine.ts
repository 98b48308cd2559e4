import { importOptional } from '../optional-package.js';
import type { EngineName } from './tf-engine-name.js';

// The training engine for the gradient-trained routers (mlp, mf): @tensorflow/tfjs-node (native
// TensorFlow) when it is installed and loads, else the pure-JS @tensorflow/tfjs CPU backend, which
// computes the same thing more slowly (0.5 GFLOP/s for matMul on the 2-core dev VM). Loaded on the
// first training call only: importing tfjs takes ~0.5 s, which `router --help`, `router route` and
// TF-IDF training never pay. Trained weights are plain arrays, scored without tfjs.
//
// Determinism: weights are initialised and batches shuffled from our own seeded generator, not
// tfjs's, so a seed gives the same run on either backend (up to floating-point rounding).

export type Tf = typeof import('@tensorflow/tfjs');

export interface Engine {
  tf: Tf;
  name: EngineName;
}

let engine: Promise<Engine> | undefined;

async function load(): Promise<Engine> {
  // A variable specifier: tfjs-node is an optional dependency and may be absent at build time too.
  const native = '@tensorflow/tfjs-node';
  let tf: Tf;
  let name: Engine['name'];
  try {
    tf = (await import(native)) as Tf;
    name = '@tensorflow/tfjs-node';
  } catch {
    [tf] = await importOptional({ packages: ['@tensorflow/tfjs'], neededFor: 'training an mlp or mf router' }, () => Promise.all([import('@tensorflow/tfjs')]));
    name = '@tensorflow/tfjs';
  }
  // PROD turns off tfjs's debug checks and its console banner suggesting tfjs-node.
  tf.env().set('PROD', true);
  await tf.ready();
  return { tf, name };
}

export function loadEngine(): Promise<Engine> {
  engine ??= load();
  return engine;
}

/** Glorot-uniform initial weights (fanIn x fanOut, row-major) from a seeded generator. */
export function glorot(fanIn: number, fanOut: number, random: () => number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: fanIn * fanOut }, () => (2 * random() - 1) * limit);
}

/** Per-output columns (columns[o][r]) as one rows x outputs row-major matrix, as a tensor2d takes it. */
export function byRow(columns: ArrayLike<number>[], rows: number): Float32Array {
  const outputs = columns.length;
  const out = new Float32Array(rows * outputs);
  columns.forEach((c, o) => {
    for (let r = 0; r < rows; r++) out[r * outputs + o] = c[r]!;
  });
  return out;
}

export function shuffled(n: number, random: () => number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/** Longest stretch of training between two turns of the event loop. */
const YIELD_MS = 50;

export interface FitLoop {
  engine: Engine;
  /** Training rows; batches are drawn from a seeded shuffle of 0..n-1 each epoch. */
  n: number;
  batchSize: number;
  /** With a validation loss: the most epochs before early stopping; without: exactly this many. */
  epochs: number;
  /** Epochs without a validation improvement before stopping. */
  patience: number;
  learningRate: number;
  random: () => number;
  /** Trainable variables, in the order `weights` snapshots them. */
  variables: import('@tensorflow/tfjs').Variable[];
  /** Mean loss of the batch with these row indices (a tensor built inside tf.tidy by the caller's code). */
  batchLoss(rows: import('@tensorflow/tfjs').Tensor1D): import('@tensorflow/tfjs').Scalar;
  /** Validation loss at the current weights, or null when there is no validation data. */
  validationLoss: (() => number) | null;
}

/**
 * Adam over shuffled mini-batches with early stopping on the validation loss. Returns the weights
 * of the best epoch (the last one without validation data) and that epoch's number (1-based).
 */
export async function fitLoop(f: FitLoop): Promise<{ weights: Float32Array[]; epochs: number }> {
  const { tf } = f.engine;
  const optimizer = tf.train.adam(f.learningRate);
  let best = Infinity;
  let bestEpoch = 0;
  let bestWeights = f.variables.map((v) => v.dataSync().slice() as Float32Array);
  let yielded = performance.now();
  for (let epoch = 1; epoch <= f.epochs; epoch++) {
    const order = shuffled(f.n, f.random);
    for (let at = 0; at < f.n; at += f.batchSize) {
      const rows = tf.tensor1d(order.subarray(at, Math.min(f.n, at + f.batchSize)), 'int32');
      optimizer.minimize(() => f.batchLoss(rows), false, f.variables);
      rows.dispose();
      // tfjs's CPU kernels are synchronous: without this an mlp fit (40 s on the demo data) froze
      // the spinner, and left a resize or a Ctrl-C handler waiting, until it ended.
      if (performance.now() - yielded >= YIELD_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        yielded = performance.now();
      }
    }
    if (!f.validationLoss) {
      bestEpoch = epoch;
      continue;
    }
    const loss = f.validationLoss();
    if (loss < best - 1e-6) {
      best = loss;
      bestEpoch = epoch;
      bestWeights = f.variables.map((v) => v.dataSync().slice() as Float32Array);
    } else if (epoch - bestEpoch >= f.patience) break;
  }
  if (!f.validationLoss) bestWeights = f.variables.map((v) => v.dataSync().slice() as Float32Array);
  optimizer.dispose();
  return { weights: bestWeights, epochs: Math.max(1, bestEpoch) };
}
