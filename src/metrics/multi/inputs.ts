// The N-model inputs (GUIDE.md "Definitions", the N-model part): n queries x M models, each a
// row-major matrix, entry i * models + m. Column-oriented typed arrays because a million queries
// x 11 models as objects would be most of the memory and time of an eval.

/** What a router predicts per query and model. */
export interface MultiPredictions {
  /** M, the number of models. */
  models: number;
  /** Predicted quality q̂_m(i). */
  qHat: Float64Array;
  /** Predicted cost ĉ_m(i). */
  cHat: Float64Array;
}

/** What each model did on each query. */
export interface MultiOutcomes {
  models: number;
  /** Actual quality q_m(i), in [0,1]. */
  q: Float64Array;
  /** Actual cost c_m(i), in dollars. */
  c: Float64Array;
}

function checkFinite(name: string, values: Float64Array, models: number): void {
  for (let k = 0; k < values.length; k++) {
    // Infinite values would turn q̂ - lambda ĉ and the means into NaN.
    if (!Number.isFinite(values[k])) {
      throw new RangeError(`${name} at query ${Math.floor(k / models)}, model ${k % models} is ${values[k]}`);
    }
  }
}

/**
 * Matrices whose values were found finite, so a bootstrap calling modelPoints and realizedAt on
 * the same outcomes 1,000 times scans them once (the scans were an eighth of its time). Inputs
 * are values, as curves are: an array edited after its first use is not checked again.
 */
const finite = new WeakSet<Float64Array>();

function rowsOf(models: number, matrices: [string, Float64Array][]): number {
  if (!(Number.isInteger(models) && models >= 1)) throw new RangeError(`models must be a positive integer, got ${models}`);
  const [name, first] = matrices[0]!;
  const n = first.length / models;
  if (!(Number.isInteger(n) && n >= 1)) {
    throw new RangeError(`${name} has ${first.length} values, not a positive multiple of ${models} models`);
  }
  for (const [label, values] of matrices) {
    if (values.length !== first.length) {
      throw new RangeError(`${label} has ${values.length} values, expected ${n} queries x ${models} models = ${first.length}`);
    }
    if (finite.has(values)) continue;
    checkFinite(label, values, models);
    finite.add(values);
  }
  return n;
}

/** The number of queries, after checking every matrix: same shape, at least one query and one model, finite values. */
export function queryCount(outcomes: MultiOutcomes, predictions?: MultiPredictions): number {
  const m = outcomes.models;
  if (predictions && predictions.models !== m) {
    throw new RangeError(`the predictions have ${predictions.models} models, the outcomes ${m}`);
  }
  const matrices: [string, Float64Array][] = [['q', outcomes.q], ['c', outcomes.c]];
  if (predictions) matrices.push(['qHat', predictions.qHat], ['cHat', predictions.cHat]);
  return rowsOf(m, matrices);
}

/** The number of queries of predictions alone (routing needs no outcomes), checked as queryCount checks. */
export function predictionCount(predictions: MultiPredictions): number {
  return rowsOf(predictions.models, [['qHat', predictions.qHat], ['cHat', predictions.cHat]]);
}

/** Per-query weights (a bootstrap resample's multiplicities), checked; null for "every query once". */
export function checkWeights(weights: ArrayLike<number> | undefined, n: number): ArrayLike<number> | null {
  if (weights === undefined) return null;
  if (weights.length !== n) throw new RangeError(`weights has ${weights.length} values, expected ${n}`);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i]!;
    if (!(w >= 0 && Number.isFinite(w))) throw new RangeError(`weight at index ${i} is ${w}`);
    total += w;
  }
  if (!(total > 0)) throw new RangeError('weights sum to zero');
  return weights;
}
