// The N-model decision rules, written once: the library, eval, route and the deployment all call
// these, so a lambda (or tau) picked on an eval routes live traffic exactly as it was measured.
// Each takes one query's predictions: arrays of M values, or a row-major matrix with the row's
// offset `at`, so a caller routing many queries passes no subarray (a view object per call
// would cost more than choosing does).

import { predictionCount, queryCount, type MultiOutcomes, type MultiPredictions } from './inputs.js';

/** Which rule a lambda or tau belongs to. */
export type RuleKind = 'lambda' | 'tau';

/** A rule with its parameter: what a router and a deployment carry, and route by. */
export interface DecisionRule {
  kind: RuleKind;
  value: number;
}

function checkModels(models: number): void {
  if (!(models >= 1)) throw new RangeError(`a query needs at least one model, got ${models}`);
}

/**
 * argmax_m q̂_m - lambda x ĉ_m for lambda >= 0 (the willingness to pay, quality per dollar);
 * ties: the cheaper predicted cost, then the lower model index. Returns the model's index 0..M-1.
 * lambda = +Infinity is the limit: the cheapest predicted cost, ties to the higher q̂ (then the
 * lower index); q̂ - Infinity x ĉ itself would be -Infinity for every positive cost, NaN for a zero one.
 */
export function chooseByLambda(qHat: ArrayLike<number>, cHat: ArrayLike<number>, lambda: number, at = 0, models = qHat.length - at): number {
  checkModels(models);
  if (!(lambda >= 0)) throw new RangeError(`lambda must be >= 0, got ${lambda}`);
  const limit = lambda === Number.POSITIVE_INFINITY;
  // Rank by `key`, ties by `tie`, ties again by the index (the first seen is kept).
  let best = -1;
  let bestKey = 0;
  let bestTie = 0;
  for (let m = 0; m < models; m++) {
    const c = cHat[at + m]!;
    const q = qHat[at + m]!;
    const key = limit ? -c : q - lambda * c;
    const tie = limit ? q : -c;
    if (best < 0 || key > bestKey || (key === bestKey && tie > bestTie)) {
      best = m;
      bestKey = key;
      bestTie = tie;
    }
  }
  return best;
}

/**
 * The cheapest model (by predicted cost; ties: the higher predicted quality, then the lower index)
 * whose predicted quality is at least tau; when none reaches tau, the highest predicted quality
 * (ties: the cheaper, then the lower index). Returns the model's index 0..M-1.
 */
export function chooseByTau(qHat: ArrayLike<number>, cHat: ArrayLike<number>, tau: number, at = 0, models = qHat.length - at): number {
  checkModels(models);
  if (Number.isNaN(tau)) throw new RangeError('tau is NaN');
  let pick = -1;
  let pickCost = 0;
  let pickQ = 0;
  let top = 0;
  let topQ = qHat[at]!;
  let topCost = cHat[at]!;
  for (let m = 0; m < models; m++) {
    const q = qHat[at + m]!;
    const c = cHat[at + m]!;
    if (q >= tau && (pick < 0 || c < pickCost || (c === pickCost && q > pickQ))) {
      pick = m;
      pickCost = c;
      pickQ = q;
    }
    if (q > topQ || (q === topQ && c < topCost)) {
      top = m;
      topQ = q;
      topCost = c;
    }
  }
  return pick >= 0 ? pick : top;
}

/** The model each query is sent to under one rule and value: what a deployment at that lambda or tau does. */
export function choicesAt(predictions: MultiPredictions, rule: RuleKind, value: number): Int32Array {
  const n = predictionCount(predictions);
  const m = predictions.models;
  const { qHat, cHat } = predictions;
  const out = new Int32Array(n);
  const choose = rule === 'lambda' ? chooseByLambda : chooseByTau;
  for (let i = 0; i < n; i++) out[i] = choose(qHat, cHat, value, i * m, m);
  return out;
}

/** The share of queries (or of weight) each model receives, given each query's model. */
export function trafficShares(choices: Int32Array, models: number, weights?: ArrayLike<number>): Float64Array {
  const shares = new Float64Array(models);
  let total = 0;
  for (let i = 0; i < choices.length; i++) {
    const w = weights ? weights[i]! : 1;
    const k = choices[i]!;
    if (!(k >= 0 && k < models)) throw new RangeError(`choice at index ${i} is model ${k}, outside 0..${models - 1}`);
    shares[k]! += w;
    total += w;
  }
  if (!(total > 0)) throw new RangeError('no queries (or weights summing to zero) to share');
  for (let m = 0; m < models; m++) shares[m]! /= total;
  return shares;
}

/** Mean actual cost and quality of the chosen models (weighted when weights are given). */
export function realizedAt(outcomes: MultiOutcomes, choices: Int32Array, weights?: ArrayLike<number>): { cost: number; quality: number } {
  const n = queryCount(outcomes);
  if (choices.length !== n) throw new RangeError(`choices has ${choices.length} values, expected ${n}`);
  const m = outcomes.models;
  let w = 0;
  let q = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const x = weights ? weights[i]! : 1;
    if (x === 0) continue;
    const k = i * m + choices[i]!;
    w += x;
    q += x * outcomes.q[k]!;
    c += x * outcomes.c[k]!;
  }
  if (!(w > 0)) throw new RangeError('weights sum to zero');
  return { cost: c / w, quality: q / w };
}
