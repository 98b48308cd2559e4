import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLogistic, decision, sigmoid, objective, sampleWeights } from '../src/routers/logistic-solver.ts';
import { csrFromDense, selectRows, type Csr } from '../src/embed/sparse.ts';

/** Indexing past either array's end fails the test rather than comparing undefined. */
function near(actual: number | undefined, expected: number | undefined, tol: number, what = ''): void {
  assert.ok(actual !== undefined && expected !== undefined, `${what} ${actual} != ${expected}`);
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} != ${expected} (tol ${tol})`);
}

// 8 rows, 2 features, 3 positives: not separable, and imbalanced so class weights matter.
const X8 = [
  [0.5, 1.0],
  [1.0, -0.5],
  [2.0, 0.0],
  [-1.0, 1.5],
  [0.0, -1.0],
  [3.0, 0.5],
  [-0.5, -0.5],
  [1.5, 2.0],
];
const Y8 = [0, 1, 0, 0, 0, 1, 1, 0];

/**
 * Gradient of C * sum_i s_i logloss_i + 0.5 ||w||^2 (intercept unpenalised), written out
 * independently of the solver, so the KKT check does not trust the solver's own objective.
 */
function kktResidual(x: number[][], y: number[], w: ArrayLike<number>, b: number, c: number, s: ArrayLike<number>): number {
  const g = Array.from(w, (wj) => wj);
  let gb = 0;
  x.forEach((row, i) => {
    const z = row.reduce((acc, v, j) => acc + v * w[j]!, b);
    const r = c * s[i]! * (1 / (1 + Math.exp(-z)) - y[i]!);
    row.forEach((v, j) => (g[j]! += r * v));
    gb += r;
  });
  return Math.max(Math.abs(gb), ...g.map(Math.abs));
}

test('sigmoid is stable and symmetric', () => {
  assert.equal(sigmoid(0), 0.5);
  assert.equal(sigmoid(1000), 1);
  assert.equal(sigmoid(-1000), 0);
  assert.ok(sigmoid(-745) > 0 || sigmoid(-745) === 0);
  for (const z of [-30, -3.5, -1e-8, 0.25, 7, 40]) near(sigmoid(z) + sigmoid(-z), 1, 1e-15, `z=${z}`);
  near(sigmoid(-40), Math.exp(-40) / (1 + Math.exp(-40)), 1e-30);
});

test('KKT: the gradient of the objective vanishes at the solution', () => {
  const x = csrFromDense(X8);
  for (const classWeight of [null, 'balanced'] as const) {
    for (const c of [0.1, 1, 10]) {
      const fit = fitLogistic(x, Y8, { c, classWeight, tol: 1e-10, maxIter: 1000 });
      assert.ok(fit.converged, `converged (C=${c}, ${classWeight})`);
      // L-BFGS-B's other stopping rule (f decreased by less than 64 eps, relative; sklearn's ftol)
      // fires first on a problem this small, leaving the gradient near 1e-9 rather than 1e-10.
      const { grad } = objective(x, Y8, fit.weights, fit.bias, { c, classWeight });
      assert.ok(Math.max(...Array.from(grad, Math.abs)) <= 1e-8);
      // The solver's objective is the textbook one divided by C * sum(s) (sum(s) = n = 8 here).
      const s = sampleWeights(Y8, classWeight);
      assert.ok(kktResidual(X8, Y8, fit.weights, fit.bias, c, s) <= 1e-8 * c * 8, `KKT (C=${c}, ${classWeight})`);
    }
  }
});

test('agrees with the exact optimum and with scikit-learn on a small problem', () => {
  // Optimum from scipy L-BFGS-B with gtol 1e-14, ftol 0 on C * sum s_i logloss_i + ||w||^2 / 2, C = 0.5;
  // scikit-learn 1.2.1 LogisticRegression(C=0.5, class_weight=..., tol=1e-12) agrees to 5e-6.
  const exact = {
    none: { w: [0.24379027267016753, -0.4504122279503682], b: -0.5789583852011235 },
    balanced: { w: [0.2505749820636679, -0.4943075138450771], b: -0.10014792405292151 },
  };
  const sklearn = {
    none: { w: [0.24379026547780502, -0.45041219046914843], b: -0.5789584168976336 },
    balanced: { w: [0.25057525302668615, -0.49430783186858723], b: -0.100150953737443 },
  };
  const x = csrFromDense(X8);
  for (const [key, classWeight] of [['none', null], ['balanced', 'balanced']] as const) {
    const fit = fitLogistic(x, Y8, { c: 0.5, classWeight, tol: 1e-12, maxIter: 1000 });
    fit.weights.forEach((w, j) => near(w, exact[key].w[j], 1e-7, `${key} w${j}`));
    near(fit.bias, exact[key].b, 1e-7, `${key} bias`);
    // At sklearn's default tol the answer is already close.
    const loose = fitLogistic(x, Y8, { c: 0.5, classWeight });
    loose.weights.forEach((w, j) => near(w, sklearn[key].w[j], 1e-3, `${key} loose w${j}`));
    near(loose.bias, sklearn[key].b, 1e-3);
  }
});

test('1-feature case with a closed-form optimum: w = ln 3, b = 0', () => {
  // Rows x = +1 (y = 1) twice and x = -1 (y = 0) twice. By symmetry b = 0, and the stationarity
  // condition C * 4 * (sigmoid(w) - 1) + w = 0 holds at w = ln 3 (sigmoid = 3/4) when C = ln 3.
  const x = csrFromDense([[1], [1], [-1], [-1]]);
  const fit = fitLogistic(x, [1, 1, 0, 0], { c: Math.log(3), classWeight: null, tol: 1e-12 });
  near(fit.weights[0], Math.log(3), 1e-7, 'w');
  near(fit.bias, 0, 1e-7, 'b');
});

test('1-feature case against an independent Newton solve', () => {
  const xs = [0.5, 1, 2, -1, 0, 3, -2, 1.5, 0.2];
  const ys = [0, 1, 1, 0, 0, 1, 0, 0, 1];
  const c = 2;
  // Newton's method on (w, b) with the exact 2x2 Hessian of C * sum logloss + w^2 / 2.
  let w = 0;
  let b = 0;
  for (let it = 0; it < 50; it++) {
    let gw = w;
    let gb = 0;
    let hww = 1;
    let hwb = 0;
    let hbb = 0;
    xs.forEach((xi, i) => {
      const p = 1 / (1 + Math.exp(-(w * xi + b)));
      const yi = ys[i]!;
      gw += c * (p - yi) * xi;
      gb += c * (p - yi);
      const q = c * p * (1 - p);
      hww += q * xi * xi;
      hwb += q * xi;
      hbb += q;
    });
    const det = hww * hbb - hwb * hwb;
    w -= (hbb * gw - hwb * gb) / det;
    b -= (hww * gb - hwb * gw) / det;
  }
  const fit = fitLogistic(csrFromDense(xs.map((v) => [v])), ys, { c, classWeight: null, tol: 1e-12 });
  near(fit.weights[0], w, 1e-7, 'w');
  near(fit.bias, b, 1e-7, 'b');
});

test('balanced class weights move the bias toward the minority class', () => {
  // No usable feature: the optimum bias solves sum_i s_i (sigmoid(b) - y_i) = 0.
  // Unweighted: sigmoid(b) = 2/8, so b = ln(2/6) = -ln 3. Balanced: both classes weigh n/2, so b = 0.
  const y = [1, 1, 0, 0, 0, 0, 0, 0];
  const empty = csrFromDense(y.map(() => [0]));
  near(fitLogistic(empty, y, { classWeight: null, tol: 1e-12 }).bias, -Math.log(3), 1e-7);
  near(fitLogistic(empty, y, { classWeight: 'balanced', tol: 1e-12 }).bias, 0, 1e-7);
  assert.deepEqual(Array.from(sampleWeights(y, 'balanced')), [2, 2, 2 / 3, 2 / 3, 2 / 3, 2 / 3, 2 / 3, 2 / 3]);
  // With a feature, the minority-class bias still rises.
  const x = csrFromDense(X8);
  const plain = fitLogistic(x, Y8, { classWeight: null, tol: 1e-10 });
  const balanced = fitLogistic(x, Y8, { classWeight: 'balanced', tol: 1e-10 });
  assert.ok(balanced.bias > plain.bias + 0.3, `${balanced.bias} vs ${plain.bias}`);
});

/** A sparse, TF-IDF-like problem big enough to need many L-BFGS iterations. */
function randomProblem(rows: number, cols: number, seed: number): { x: Csr; y: number[] } {
  let state = seed;
  const rand = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const truth = Array.from({ length: cols }, () => rand() * 4 - 2);
  const dense: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const row = new Array<number>(cols).fill(0);
    for (let k = 0; k < 6; k++) row[Math.floor(rand() * cols)] = rand();
    const z = row.reduce((acc, v, j) => acc + v * truth[j]!, -1);
    dense.push(row);
    y.push(rand() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
  }
  return { x: csrFromDense(dense), y };
}

test('deterministic: the same input gives bit-identical weights', () => {
  const { x, y } = randomProblem(300, 80, 7);
  const a = fitLogistic(x, y);
  const b = fitLogistic(x, y);
  assert.deepEqual(a, b);
  assert.ok(a.iterations > 5 && a.converged);
  // Row order is part of the input (sums are taken in row order), but the solution is the same.
  const order = Array.from({ length: x.rows }, (_, i) => x.rows - 1 - i);
  const c = fitLogistic(selectRows(x, order), order.map((i) => y[i]!), { tol: 1e-10 });
  const d = fitLogistic(x, y, { tol: 1e-10 });
  c.weights.forEach((w, j) => near(w, d.weights[j], 1e-7));
});

test('reports non-convergence at maxIter and scores with decision()', () => {
  const { x, y } = randomProblem(200, 60, 3);
  const capped = fitLogistic(x, y, { maxIter: 3, tol: 1e-12 });
  assert.equal(capped.iterations, 3);
  assert.equal(capped.converged, false);
  const fit = fitLogistic(x, y);
  const z = decision(x, fit);
  const dense = Array.from({ length: x.rows }, (_, i) => {
    let s = fit.bias;
    for (let k = x.indptr[i]!; k < x.indptr[i + 1]!; k++) s += x.values[k]! * fit.weights[x.indices[k]!]!;
    return s;
  });
  z.forEach((v, i) => near(v, dense[i], 1e-12));
  assert.throws(() => decision(x, { weights: [1, 2], bias: 0 }), RangeError);
});

test('rejects bad labels and options', () => {
  const x = csrFromDense([[1], [2]]);
  assert.throws(() => fitLogistic(x, [0, 2]), RangeError);
  assert.throws(() => fitLogistic(x, [1, 1]), /both classes/);
  assert.throws(() => fitLogistic(x, [0]), RangeError);
  assert.throws(() => fitLogistic(x, [0, 1], { c: 0 }), RangeError);
  assert.throws(() => fitLogistic(x, [0, 1], { maxIter: -1 }), RangeError);
});
