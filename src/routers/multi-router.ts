import type { DenseMatrix } from '../embed/dense.js';
import type { FeatureBlock, FeatureLayout, Features, FeaturizerState } from '../embed/features.js';
import { sigmoid } from './logistic-solver.js';
import type { DecisionRule } from '../metrics/multi/choice.js';
import type { OptionRecord } from './router.js';

// Routers over any number of models (issue 13). Where a two-model router scores P(strong better),
// an N-model router predicts each model's quality on each query, calibrated, as a probability-like
// number in [0,1]; the choice among models (quality minus lambda x cost, or the cheapest model
// whose predicted quality reaches tau) is made once, by the decision rules in metrics/, from these
// predictions and the models' predicted costs. Types own their options and grid, as the two-model
// ones do, and the training engine (multi-train.ts) is their only tuner.

export interface MultiData {
  x: Features;
  /** The models, in the order of `quality`. */
  models: string[];
  /** quality[m][i]: model m's quality on row i, in [0,1]. */
  quality: Float64Array[];
  queries: string[];
}

export interface MultiTrainContext {
  train: MultiData;
  /** A tuning fold's validation rows (mlp and mf early-stop on them); null when refitting on every training row. */
  validation: MultiData | null;
  seed: number;
  /** The embedder parts' column blocks in `x`, in order. */
  blocks: FeatureBlock[];
}

export type MultiTuneContext = MultiTrainContext & { validation: MultiData };

/** The fitted part of an N-model router: features in, each model's predicted quality out. */
export interface MultiHead<C extends OptionRecord = OptionRecord> {
  /** out[m][i]: model m's predicted quality on row i, in [0,1]. */
  predict(x: Features, queries: string[]): Float64Array[];
  /** JSON-serialisable; the type's `load` reverses it. */
  state(): unknown;
  /** Options that reproduce this fit on all training rows (mlp and mf: the early-stopped epoch count). */
  refit?: Partial<C>;
}

/** One candidate fitted on a tuning fold: its predictions on the fold's validation rows. */
export interface MultiTried<C extends OptionRecord = OptionRecord> {
  predictions: Float64Array[];
  refit?: Partial<C>;
}

export interface MultiRouterType<O extends OptionRecord = OptionRecord, C extends OptionRecord = OptionRecord> {
  description: string;
  layout: FeatureLayout;
  /** Validates the user's options; an option that does not apply is a UserError naming it. */
  options(raw: OptionRecord): O;
  /** The candidates to compare, the default first (as RouterType.grid). */
  grid(options: O): C[];
  /** Fits every candidate on `ctx.train` and predicts `ctx.validation` with each, in grid order; absent: one `train` per candidate. */
  tune?(ctx: MultiTuneContext, grid: C[]): Promise<MultiTried<C>[]> | MultiTried<C>[];
  train(ctx: MultiTrainContext, options: C): Promise<MultiHead<C>> | MultiHead<C>;
  load(state: unknown, models: string[]): MultiHead;
}

/** The default `tune`: each candidate fitted and predicted on its own. */
export async function tuneEachMulti<C extends OptionRecord>(type: Pick<MultiRouterType<OptionRecord, C>, 'train'>, ctx: MultiTuneContext, grid: C[]): Promise<MultiTried<C>[]> {
  const out: MultiTried<C>[] = [];
  for (const options of grid) {
    const head = await type.train(ctx, options);
    out.push({ predictions: head.predict(ctx.validation.x, ctx.validation.queries), ...(head.refit ? { refit: head.refit } : {}) });
  }
  return out;
}

/** A dense head's predictions: its logits, out[m][r], through the sigmoid; features of another layout or width are a RangeError. */
export function sigmoidOutputs(x: Features, head: { router: string; inputs: number; models: number }, logits: (x: DenseMatrix, out: Float64Array[]) => void): Float64Array[] {
  if (x.kind !== 'dense') throw new RangeError(`${head.router} router needs dense features`);
  if (x.x.cols !== head.inputs) throw new RangeError(`${head.router} router takes ${head.inputs} inputs, features have ${x.x.cols}`);
  const out = Array.from({ length: head.models }, () => new Float64Array(x.x.rows));
  logits(x.x, out);
  for (const z of out) for (let i = 0; i < z.length; i++) z[i] = sigmoid(z[i]!);
  return out;
}

/**
 * Each model's logit of its mean quality: the constant prediction that minimises the cross-entropy,
 * where the gradient-trained heads (mlp, mf) start their output biases, so their few hundred Adam
 * steps on a small training set go into how quality varies with the query, not into the base rates.
 * Clamped so that a model right (or wrong) on every row starts finite.
 */
export function baseLogits(quality: ArrayLike<number>[]): Float32Array {
  return Float32Array.from(quality, (q) => {
    let s = 0;
    for (let i = 0; i < q.length; i++) s += q[i]!;
    const p = Math.min(0.999, Math.max(0.001, q.length ? s / q.length : 0.5));
    return Math.log(p / (1 - p));
  });
}

/** Mean cross-entropy of predicted qualities against actual ones (soft labels allowed), over every model and row: what tuning minimises. */
export function meanLogLoss(predicted: Float64Array[], actual: Float64Array[]): number {
  const eps = 1e-15;
  let s = 0;
  let n = 0;
  for (let m = 0; m < actual.length; m++) {
    const p = predicted[m]!;
    const y = actual[m]!;
    for (let i = 0; i < y.length; i++) {
      const q = Math.min(1 - eps, Math.max(eps, p[i]!));
      const t = y[i]!;
      s -= t * Math.log(q) + (1 - t) * Math.log(1 - q);
      n++;
    }
  }
  return n ? s / n : Number.NaN;
}


export type { DecisionRule } from '../metrics/multi/choice.js';

/** Held-out metrics of an N-model router (train's report; eval recomputes them on any data). */
export interface MultiMetrics {
  rows: number;
  logLoss: number | null;
  aiq: number | null;
  /** AIQ minus the zero router's on the same rows and cost range. */
  aiqGain: number | null;
  /** Mean quality and cost per query at the router's rule. */
  quality: number;
  cost: number;
  /** Each model's share of the queries at the rule, in the models' order. */
  shares: number[];
}

/** What an N-model router artifact's body holds. */
export interface MultiRouterBody {
  router: string;
  target: 'quality';
  models: string[];
  reference: string;
  /**
   * Each model's mean cost per query on the training rows, where it came from, and the line in the
   * query's length that predicts it (cost-model.ts; perChar 0 for the `mean` cost model).
   */
  costs: { model: string; perQuery: number; basis: string; intercept: number; perChar: number }[];
  /** The default rule; eval and a deployment may choose another. */
  rule: DecisionRule;
  embedder: FeaturizerState;
  model: unknown;
  split: { seed: number; holdout: number; datasetHash: string } | null;
  training: {
    rows: number;
    options: Record<string, unknown>;
    validation: MultiMetrics | null;
    tuning: {
      method: 'split' | 'folds';
      share?: number;
      folds?: number;
      /** Out-of-fold mean log-loss of each candidate, the chosen one first. */
      candidates: { options: Record<string, unknown>; logLoss: number | null }[];
      /** How the default rule was chosen. */
      ruleChosenBy: { kind: 'max-quality-gap'; value: number; on: 'validation' } | { kind: 'best-quality'; on: 'validation' } | { kind: 'fixed' };
    } | null;
  };
}
