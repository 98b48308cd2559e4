import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { denseFromRows } from '../src/embed/dense.ts';
import { csrFromDenseMatrix } from '../src/embed/sparse.ts';
import type { Features } from '../src/embed/features.ts';
import { auc } from '../src/metrics/summary.ts';
import { applyCalibration, fitCalibration } from '../src/routers/calibration.ts';
import { decide, isMonitored } from '../src/routers/monitoring.ts';
import { routerType, routerNames } from '../src/routers/registry.ts';
import type { HeadData, TrainContext } from '../src/routers/router.ts';
import { UserError } from '../src/errors.ts';
import { tempDir } from './helpers.ts';

const PAIR = { weak: 'w', strong: 's' };

function dense(rows: number[][]): Features {
  return { kind: 'dense', x: denseFromRows(rows) };
}

function data(rows: number[][], labels: number[], quality?: number[][]): HeadData {
  const q = quality ?? [labels.map(() => 0), labels.map((l) => l)];
  return {
    x: dense(rows),
    labels: Uint8Array.from(labels),
    gain: Float32Array.from(q[q.length - 1]!, (s, i) => (s - q[0]![i]! + 1) / 2),
    queries: rows.map((_, i) => `q${i}`),
    outcomes: { models: q.length === 2 ? ['w', 's'] : q.map((_, i) => `m${i}`), quality: q.map((c) => Float64Array.from(c)), weak: 0, strong: q.length - 1 },
  };
}

function ctx(train: HeadData, extra: Partial<TrainContext> = {}): TrainContext {
  return { train, validation: null, seed: 1, pair: PAIR, embed: async () => dense([[0]]), blocks: [{ kind: 'dense', spec: 'test', cols: train.x.x.cols }], ...extra };
}

/** The grid a router type tunes over for these flags. */
function gridOf(name: string, raw: Record<string, unknown>): Record<string, unknown>[] {
  const type = routerType(name);
  return type.grid(type.options(raw));
}

/** A fit of the grid's first candidate (the default). */
async function fit(name: string, train: HeadData, raw: Record<string, unknown>, extra: Partial<TrainContext> = {}) {
  return routerType(name).train(ctx(train, extra), gridOf(name, raw)[0]!);
}

function near(a: number, b: number, tol = 1e-9, what = ''): void {
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} != ${b}`);
}

test('the registry lists every router type', () => {
  assert.deepEqual(routerNames(), ['logistic', 'mf', 'mlp', 'knn', 'semantic', 'ensemble', 'random']);
  assert.throws(() => routerType('bert'), /unknown router "bert" \(known: logistic, mf, mlp, knn, semantic, ensemble, random\)/);
});

test('router options: a flag that does not apply names itself', () => {
  assert.throws(() => gridOf('logistic', { hidden: 64 }), (e: unknown) => e instanceof UserError && e.message === 'options.hidden does not apply to the logistic router');
  assert.deepEqual(gridOf('logistic', {}), [0.25, 1, 4].map((c) => ({ c, objective: 'strong-wins' })));
  assert.deepEqual(gridOf('logistic', { c: 2, objective: 'pairwise' }), [{ c: 2, objective: 'pairwise' }]);
  assert.deepEqual(gridOf('knn', {}), [30, 10, 100].map((k) => ({ k, objective: 'strong-wins' })));
  assert.deepEqual(gridOf('knn', { k: 5 }), [{ k: 5, objective: 'strong-wins' }]);
  // The ensemble: every C of logistic's grid with every k of knn's.
  assert.deepEqual(gridOf('ensemble', { k: 7 }), [0.25, 1, 4].map((c) => ({ c, k: 7, objective: 'strong-wins' })));
  assert.equal(gridOf('ensemble', {}).length, 9);
  assert.deepEqual(gridOf('mlp', {}), [{ hidden: 64, epochs: 'auto', objective: 'strong-wins' }]);
  assert.throws(() => gridOf('mf', { objective: 'pairwise' }), (e: unknown) => e instanceof UserError && e.message === 'options.objective does not apply to the mf router');
  assert.throws(() => gridOf('semantic', {}), (e: unknown) => e instanceof UserError && e.message === 'options.routes: the semantic router needs a file of example utterances per route (semantic router)');
});

test('isotonic calibration: pool-adjacent-violators, read by linear interpolation', () => {
  // Labels 0 1 0 0 1 1 by score: 1,0,0 pool to 1/3 over [0.2, 0.4]; the two 1s pool to 1.
  const c = fitCalibration('isotonic', [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0, 1, 0, 0, 1, 1]);
  assert.deepEqual(c, { method: 'isotonic', x: [0.1, 0.2, 0.4, 0.5, 0.6], y: [0, 1 / 3, 1 / 3, 1, 1] });
  const p = applyCalibration(c, Float64Array.of(0, 0.15, 0.3, 0.45, 0.9));
  [0, 1 / 6, 1 / 3, 2 / 3, 1].forEach((v, i) => near(p[i]!, v, 1e-12, `p[${i}]`));
});

test('Platt calibration: the 2-parameter logistic fit (its gradient vanishes), monotone, and never inverted', () => {
  const s = [0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
  const y = [0, 0, 1, 0, 0, 1, 0, 1, 1, 1];
  const c = fitCalibration('platt', s, y);
  assert.equal(c.method, 'platt');
  const p = applyCalibration(c, Float64Array.from(s));
  const z = s.map((v) => Math.log(v / (1 - v)));
  near(p.reduce((acc, v, i) => acc + v - y[i]!, 0), 0, 1e-4, 'sum (p - y)');
  near(p.reduce((acc, v, i) => acc + (v - y[i]!) * z[i]!, 0), 0, 1e-3, 'sum (p - y) z');
  for (let i = 1; i < p.length; i++) assert.ok(p[i]! > p[i - 1]!);
  // Validation scores ranked backwards: the ranking is kept, the probabilities go flat.
  const inv = fitCalibration('platt', s, y.map((v) => 1 - v));
  assert.ok(inv.method === 'platt' && inv.a === 1e-6);
  assert.deepEqual(fitCalibration('platt', s, s.map(() => 1)), { method: 'none' });
});

test('knn: similarity-weighted share of the k nearest, shrunk by one pseudo-neighbour at the base rate', async () => {
  const train = data([[1, 0], [0, 1], [0.6, 0.8]], [1, 0, 1]);
  const head = await fit('knn', train, { k: 2 });
  // Query [1, 0]: similarities 1, 0, 0.6; the 2 nearest are rows 0 and 2 (both positive).
  const [s] = head.score(dense([[1, 0]]), ['q']);
  near(s!, (2 / 3 + 1 + 0.6) / (1 + 1 + 0.6), 1e-6);
  const loaded = routerType('knn').load(JSON.parse(JSON.stringify(head.state())));
  assert.deepEqual(loaded.score(dense([[1, 0], [0, 1]]), ['a', 'b']), head.score(dense([[1, 0], [0, 1]]), ['a', 'b']));
});

test('knn: sparse neighbours (postings) score like dense ones; tune scores every k of the grid as its own fit does', async () => {
  const tr = synthetic(300, 21);
  const va = synthetic(100, 22);
  const unit = (r: number[]) => r.map((v) => v / Math.hypot(...r));
  const train = data(tr.rows.map(unit), tr.labels);
  const validation = data(va.rows.map(unit), va.labels);
  const knn = routerType('knn');
  const grid = gridOf('knn', {});
  const tried = await knn.tune!({ ...ctx(train), validation }, grid);
  assert.equal(tried.length, 3);
  for (const [i, c] of grid.entries()) {
    const alone = (await knn.train(ctx(train), c)).score(validation.x, validation.queries);
    assert.deepEqual(tried[i]!.scores, alone, `k ${c.k}`);
  }
  const head = await fit('knn', train, { k: 30 });
  const asSparse = (h: HeadData): HeadData => ({ ...h, x: { kind: 'sparse', x: csrFromDenseMatrix(h.x.x as never) } });
  const sparse = await fit('knn', asSparse(train), { k: 30 });
  const a = head.score(validation.x, validation.queries);
  const b = sparse.score(asSparse(validation).x, validation.queries);
  a.forEach((v, i) => near(v, b[i]!, 1e-6, `row ${i}`));
  assert.ok(auc(a, va.labels)! > 0.9);
});

test('semantic: centroid similarity, softmax weight of the strong routes; no labels needed', async () => {
  const dir = tempDir();
  const routes = join(dir, 'routes.json');
  writeFileSync(routes, JSON.stringify({ routes: [{ name: 'easy', model: 'w', utterances: ['e1', 'e2'] }, { name: 'hard', model: 's', utterances: ['h1'] }] }));
  const vectors: Record<string, number[]> = { e1: [1, 0], e2: [0.8, 0.6], h1: [0, 1] };
  const embed = async (t: string[]) => dense(t.map((u) => vectors[u]!));
  const head = await fit('semantic', data([[1, 0]], [0]), { routes }, { embed });
  // Centroid of "easy": mean [0.9, 0.3], normalised; query [1, 0] has similarity 0.9/|[0.9,0.3]| to it and 0 to "hard".
  const simEasy = 0.9 / Math.hypot(0.9, 0.3);
  const [s] = head.score(dense([[1, 0]]), ['q']);
  near(s!, Math.exp(-simEasy / 0.05) / (1 + Math.exp(-simEasy / 0.05)), 1e-6);
  const [t] = head.score(dense([[0, 1]]), ['q']);
  assert.ok(t! > 0.5);

  writeFileSync(routes, JSON.stringify({ routes: [{ name: 'a', model: 'w', utterances: ['e1'] }, { name: 'b', model: 'gpt-9', utterances: ['h1'] }] }));
  await assert.rejects(async () => fit('semantic', data([[1, 0]], [0]), { routes }, { embed }), (e: unknown) => e instanceof UserError && e.describe() === `${routes}: route "b" goes to model "gpt-9", which is neither the weak (w) nor the strong (s) model`);
  writeFileSync(routes, JSON.stringify({ routes: [{ name: 'a', model: 'w', utterances: [] }, { name: 'b', model: 's', utterances: ['h1'] }] }));
  await assert.rejects(async () => fit('semantic', data([[1, 0]], [0]), { routes }, { embed }), (e: unknown) => e instanceof UserError && e.describe() === `${routes}: field "routes.0.utterances": Too small: expected array to have >=1 items`);
});

test('random: a deterministic hash of the query, uniform-looking, the same after loading', async () => {
  const head = await fit('random', data([[0]], [0]), {});
  const queries = Array.from({ length: 2000 }, (_, i) => `query ${i}`);
  const s = head.score(dense(queries.map(() => [])), queries);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  near(mean, 0.5, 0.02);
  assert.deepEqual(routerType('random').load(head.state()).score(dense([]), queries), s);
});

/** A separable synthetic problem: the label is x0 + 0.5 x1 > 0. */
function synthetic(n: number, seed: number): { rows: number[][]; labels: number[] } {
  let a = seed;
  const r = () => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const rows = Array.from({ length: n }, () => [r(), r(), r(), r()]);
  return { rows, labels: rows.map((x) => (x[0]! + 0.5 * x[1]! > 0 ? 1 : 0)) };
}

for (const name of ['mlp', 'mf', 'logistic'] as const) {
  test(`${name}: learns a separable problem, deterministically, and scores the same after loading`, async () => {
    const tr = synthetic(400, 3);
    const va = synthetic(200, 5);
    const train = data(tr.rows, tr.labels);
    const validation = data(va.rows, va.labels);
    const options = name === 'logistic' ? { c: 1 } : name === 'mlp' ? { hidden: 8, epochs: 'auto' } : { dim: 4, epochs: 'auto' };
    const head = await fit(name, train, options, { validation });
    const s = head.score(validation.x, validation.queries);
    assert.ok(auc(s, va.labels)! > 0.95, `AUC ${auc(s, va.labels)}`);
    if (name !== 'logistic') assert.ok(typeof head.refit?.epochs === 'number' && head.refit.epochs >= 1, 'reports its early-stopped epochs');
    const again = await fit(name, train, options, { validation });
    assert.deepEqual(again.state(), head.state(), 'same seed, same weights');
    const loaded = routerType(name).load(JSON.parse(JSON.stringify(head.state())));
    assert.deepEqual(loaded.score(validation.x, validation.queries), s);
  });
}

test('ensemble: logistic on the sparse block, knn on the dense block, standardised logits averaged', async () => {
  const tr = synthetic(300, 31);
  const va = synthetic(120, 32);
  // Block 0 (3 "TF-IDF" columns) sees x0 and x2; block 1 (a unit 2-d "embedding") sees x1 and x3.
  const split = (rows: number[][]) => rows.map((r) => [r[0]!, 0, r[2]!, ...[r[1]!, r[3]!].map((v, _, a) => v / Math.hypot(...a))]);
  const asSparse = (h: HeadData): HeadData => ({ ...h, x: { kind: 'sparse', x: csrFromDenseMatrix(h.x.x as never) } });
  const train = asSparse(data(split(tr.rows), tr.labels));
  const validation = asSparse(data(split(va.rows), va.labels));
  const blocks = [{ kind: 'sparse' as const, spec: 'tfidf', cols: 3 }, { kind: 'dense' as const, spec: 'use', cols: 2 }];
  const ensemble = routerType('ensemble');
  const grid = gridOf('ensemble', { c: 1 });
  assert.deepEqual(grid.map((c) => c.k), [30, 10, 100]);
  // Tuning fits each member candidate once; each combination scores as its own fit does.
  const tried = await ensemble.tune!({ ...ctx(train, { blocks }), validation }, grid);
  for (const [i, c] of grid.entries()) {
    const alone = (await ensemble.train(ctx(train, { blocks }), c)).score(validation.x, validation.queries);
    tried[i]!.scores.forEach((v, r) => near(v, alone[r]!, 1e-12, `k ${c.k} row ${r}`));
  }
  const head = await ensemble.train(ctx(train, { blocks }), grid[0]!);
  const state = head.state() as { members: { router: string; block: { cols: number }; sd: number }[] };
  assert.deepEqual(state.members.map((m) => [m.router, m.block.cols]), [['logistic', 3], ['knn', 2]]);
  assert.ok(state.members.every((m) => m.sd > 0));
  const s = head.score(validation.x, validation.queries);
  assert.ok(auc(s, va.labels)! > 0.9, `AUC ${auc(s, va.labels)}`);
  assert.deepEqual(routerType('ensemble').load(JSON.parse(JSON.stringify(state))).score(validation.x, validation.queries), s);
  await assert.rejects(async () => fit('ensemble', train, { c: 1, k: 5 }, { blocks: [blocks[0]!] }), (e: unknown) => e instanceof UserError && /needs an embedder of two or more parts/.test(e.message));
});

test('mf: trained on pairwise outcomes of N models; scores P(strong beats weak) for the pair', async () => {
  // Three models; the strong one (m2) beats the weak one (m0) exactly where x0 > 0; m1 is noise in between.
  const tr = synthetic(400, 11);
  const quality = [tr.rows.map((x) => (x[0]! > 0 ? 0 : 1)), tr.rows.map(() => 0.5), tr.rows.map((x) => (x[0]! > 0 ? 1 : 0))];
  const labels = quality[2]!.map((q, i) => (q > quality[0]![i]! ? 1 : 0));
  const train = data(tr.rows, labels, quality);
  const head = await fit('mf', train, { dim: 4, epochs: 30 });
  assert.equal(head.refit, undefined, 'a fixed epoch count needs no refit hint');
  const s = head.score(train.x, train.queries);
  assert.ok(auc(s, labels)! > 0.95, `AUC ${auc(s, labels)}`);
  const state = head.state() as { models: string[]; epochs: number };
  assert.deepEqual(state.models, ['m0', 'm1', 'm2']);
  assert.equal(state.epochs, 30);
});

test('pairwise objective: ties count half a win each way, so weak wins rank below ties', async () => {
  // Feature 0 marks strong wins, feature 1 weak wins; the rest are ties. Strong-wins labels cannot
  // tell weak wins from ties; the pairwise soft labels can.
  const rows: number[][] = [];
  const qw: number[] = [];
  const qs: number[] = [];
  for (let i = 0; i < 90; i++) {
    const kind = i % 3; // 0 strong wins, 1 weak wins, 2 tie
    rows.push([kind === 0 ? 1 : 0, kind === 1 ? 1 : 0, 1]);
    qs.push(kind === 1 ? 0 : 1);
    qw.push(kind === 0 ? 0 : 1);
  }
  const train = data(rows, qs.map((s, i) => (s > qw[i]! ? 1 : 0)), [qw, qs]);
  const probe = dense([[1, 0, 1], [0, 0, 1], [0, 1, 1]]);
  for (const name of ['logistic', 'knn', 'mlp'] as const) {
    const options = name === 'logistic' ? { c: 10, objective: 'pairwise' } : name === 'knn' ? { k: 30, objective: 'pairwise' } : { hidden: 4, epochs: 400, objective: 'pairwise' };
    const [strong, tie, weak] = (await fit(name, train, options)).score(probe, ['a', 'b', 'c']);
    assert.ok(strong! > tie! && tie! > weak!, `${name}: ${strong} ${tie} ${weak}`);
  }
});

test('monitoring: a deterministic share of queries by hash, forced strong and marked', () => {
  const queries = Array.from({ length: 10000 }, (_, i) => `q${i}`);
  const share = queries.filter((q) => isMonitored(q, 0.05)).length / queries.length;
  near(share, 0.05, 0.01);
  assert.equal(queries.filter((q) => isMonitored(q, 0)).length, 0);
  const q = queries.find((x) => isMonitored(x, 0.05))!;
  assert.deepEqual(decide(q, 0.1, 0.5, 0.05, PAIR), { model: 's', tier: 'strong', score: 0.1, threshold: 0.5, monitored: true });
  assert.deepEqual(decide(q, 0.1, 0.5, 0, PAIR), { model: 'w', tier: 'weak', score: 0.1, threshold: 0.5, monitored: false });
  assert.deepEqual(decide('x', 0.5, 0.5, 0, PAIR).tier, 'strong', 'score >= threshold goes to strong');
});
