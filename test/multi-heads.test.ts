import { test } from 'node:test';
import assert from 'node:assert/strict';
import { denseFromRows } from '../src/embed/dense.ts';
import { csrFromDenseMatrix } from '../src/embed/sparse.ts';
import type { Features } from '../src/embed/features.ts';
import { UserError } from '../src/errors.ts';
import { multiKnnRouter } from '../src/routers/multi-knn.ts';
import { multiMfRouter } from '../src/routers/multi-mf.ts';
import { multiMlpRouter } from '../src/routers/multi-mlp.ts';
import { meanLogLoss, type MultiData, type MultiRouterType, type MultiTrainContext } from '../src/routers/multi-router.ts';
import { mulberry32 } from '../src/random.ts';

const MODELS = ['left', 'right', 'big'];

/**
 * Queries on the unit circle (unit rows, as every embedder gives). Model 0 is right where x0 > 0,
 * model 1 where x0 < 0, each with a tenth of its outcomes flipped; model 2 (the expensive one) is
 * right on 95% of queries everywhere.
 */
function circle(n: number, seed: number): MultiData & { side: boolean[] } {
  const random = mulberry32(seed);
  const rows: number[][] = [];
  const quality = MODELS.map(() => new Float64Array(n));
  const side: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const t = 2 * Math.PI * random();
    const x = [Math.cos(t), Math.sin(t)];
    rows.push(x);
    side.push(x[0]! > 0);
    const flip = () => random() < 0.1;
    quality[0]![i] = Number((x[0]! > 0) !== flip());
    quality[1]![i] = Number((x[0]! < 0) !== flip());
    quality[2]![i] = Number(random() < 0.95);
  }
  return { x: { kind: 'dense', x: denseFromRows(rows) }, models: MODELS, quality, queries: rows.map((_, i) => `q${i}`), side };
}

const TRAIN = circle(300, 1);
const VALIDATION = circle(150, 2);

function ctx(train: MultiData, validation: MultiData | null, seed = 1): MultiTrainContext {
  return { train, validation, seed, blocks: [{ kind: train.x.kind, spec: 'test', cols: train.x.x.cols }] };
}

function asSparse<T extends MultiData>(d: T): T {
  return { ...d, x: { kind: 'sparse', x: csrFromDenseMatrix(d.x.x as never) } };
}

function mean(values: ArrayLike<number>, keep: (i: number) => boolean): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) if (keep(i)) (s += values[i]!), n++;
  return s / n;
}

function roundTrip(type: MultiRouterType, state: unknown) {
  return type.load(JSON.parse(JSON.stringify(state)), MODELS);
}

const heads = [
  { name: 'knn', type: multiKnnRouter as MultiRouterType, options: { k: 30 } },
  { name: 'mlp', type: multiMlpRouter as MultiRouterType, options: { hidden: 32 } },
  { name: 'mf', type: multiMfRouter as MultiRouterType, options: { dim: 4 } },
];

for (const { name, type, options } of heads) {
  test(`multi ${name}: predicts each model's quality in [0,1], separates the regions, beats the base rates, and predicts the same after loading`, async () => {
    const candidate = type.grid(type.options(options))[0]!;
    const head = await type.train(ctx(TRAIN, VALIDATION), candidate);
    const p = head.predict(VALIDATION.x, VALIDATION.queries);
    assert.equal(p.length, MODELS.length);
    for (const pm of p) {
      assert.equal(pm.length, VALIDATION.queries.length);
      assert.ok(pm.every((v) => v >= 0 && v <= 1), 'in [0,1]');
    }
    const right = (i: number) => VALIDATION.side[i]!;
    const left = (i: number) => !VALIDATION.side[i]!;
    // Model 0 is right where x0 > 0 (on 90% of those queries), model 1 on the other side.
    assert.ok(mean(p[0]!, right) - mean(p[0]!, left) > 0.5, `model 0: ${mean(p[0]!, right)} right, ${mean(p[0]!, left)} left`);
    assert.ok(mean(p[1]!, left) - mean(p[1]!, right) > 0.5, `model 1: ${mean(p[1]!, left)} left, ${mean(p[1]!, right)} right`);
    assert.ok(mean(p[2]!, () => true) > 0.85, `model 2: ${mean(p[2]!, () => true)}`);
    // Calibrated enough to beat predicting each model's training mean everywhere.
    const base = TRAIN.quality.map((q) => new Float64Array(VALIDATION.queries.length).fill(mean(q, () => true)));
    const loss = meanLogLoss(p, VALIDATION.quality);
    assert.ok(loss < meanLogLoss(base, VALIDATION.quality) - 0.15, `log-loss ${loss} against ${meanLogLoss(base, VALIDATION.quality)}`);
    assert.deepEqual(roundTrip(type, head.state()).predict(VALIDATION.x, VALIDATION.queries), p);
  });
}

test('multi options: an option that does not apply names itself; grids', () => {
  const refused = (type: MultiRouterType, raw: Record<string, unknown>, message: string) =>
    assert.throws(() => type.options(raw), (e: unknown) => e instanceof UserError && e.message === message);
  refused(multiKnnRouter, { hidden: 64 }, 'options.hidden does not apply to the knn router');
  refused(multiKnnRouter, { objective: 'pairwise' }, 'options.objective does not apply to the knn router');
  refused(multiMlpRouter, { dim: 4 }, 'options.dim does not apply to the mlp router');
  refused(multiMfRouter, { hidden: 8 }, 'options.hidden does not apply to the mf router');
  refused(multiMfRouter, { k: 5 }, 'options.k does not apply to the mf router');
  refused(multiKnnRouter, { k: 0 }, 'options.k: Too small: expected number to be >0 (knn router)');
  assert.deepEqual(multiKnnRouter.grid(multiKnnRouter.options({})), [{ k: 30 }, { k: 10 }, { k: 100 }]);
  assert.deepEqual(multiKnnRouter.grid(multiKnnRouter.options({ k: 7, hidden: undefined })), [{ k: 7 }]);
  assert.deepEqual(multiMlpRouter.grid(multiMlpRouter.options({})), [{ hidden: 64, epochs: 'auto' }]);
  assert.deepEqual(multiMfRouter.grid(multiMfRouter.options({ epochs: 12 })), [{ dim: 64, epochs: 12 }]);
});

test('multi knn: the neighbours mean quality of each model, shrunk toward its training mean by one pseudo-neighbour', async () => {
  const train: MultiData = {
    x: { kind: 'dense', x: denseFromRows([[1, 0], [0, 1], [0.6, 0.8]]) },
    models: ['a', 'b'],
    quality: [Float64Array.of(1, 0, 0.5), Float64Array.of(0, 1, 1)],
    queries: ['r0', 'r1', 'r2'],
  };
  const head = await multiKnnRouter.train(ctx(train, null), { k: 2 });
  // Query [1, 0]: similarities 1, 0, 0.6, so its 2 nearest are rows 0 and 2.
  const [a, b] = head.predict({ kind: 'dense', x: denseFromRows([[1, 0]]) }, ['q']);
  const close = (x: number, y: number) => assert.ok(Math.abs(x - y) < 1e-6, `${x} != ${y}`);
  close(a![0]!, (1 * 1 + 0.6 * 0.5 + 0.5) / (1 + 0.6 + 1));
  close(b![0]!, (1 * 0 + 0.6 * 1 + 2 / 3) / (1 + 0.6 + 1));
  // No neighbour with a positive similarity: each model's training mean.
  const far = head.predict({ kind: 'dense', x: denseFromRows([[-1, 0]]) }, ['q']);
  close(far[0]![0]!, 0.5);
  close(far[1]![0]!, 2 / 3);
});

test('multi knn: tune predicts every k of the grid as its own fit does, on dense and sparse features alike', async () => {
  const grid = multiKnnRouter.grid(multiKnnRouter.options({}));
  for (const [train, validation] of [[TRAIN, VALIDATION], [asSparse(TRAIN), asSparse(VALIDATION)]] as const) {
    const tried = await multiKnnRouter.tune!({ ...ctx(train, validation), validation }, grid);
    assert.equal(tried.length, grid.length);
    for (const [i, c] of grid.entries()) {
      const alone = (await multiKnnRouter.train(ctx(train, null), c)).predict(validation.x, validation.queries);
      assert.deepEqual(tried[i]!.predictions, alone, `k ${c.k}`);
    }
  }
  const dense = (await multiKnnRouter.train(ctx(TRAIN, null), { k: 30 })).predict(VALIDATION.x, VALIDATION.queries);
  const sparseHead = await multiKnnRouter.train(ctx(asSparse(TRAIN), null), { k: 30 });
  const sparse = sparseHead.predict(asSparse(VALIDATION).x, VALIDATION.queries);
  dense.forEach((pm, m) => pm.forEach((v, i) => assert.ok(Math.abs(v - sparse[m]![i]!) < 1e-6, `model ${m} row ${i}`)));
  assert.deepEqual(roundTrip(multiKnnRouter, sparseHead.state()).predict(asSparse(VALIDATION).x, VALIDATION.queries), sparse);
});

test('multi mlp and mf: deterministic for a seed, early-stopped epochs reported for the refit, a fixed count kept', async () => {
  for (const [type, options] of [[multiMlpRouter, { hidden: 8, epochs: 'auto' }], [multiMfRouter, { dim: 4, epochs: 'auto' }]] as const) {
    const t = type as MultiRouterType;
    const head = await t.train(ctx(TRAIN, VALIDATION, 5), options);
    const epochs = head.refit?.epochs;
    assert.ok(typeof epochs === 'number' && epochs >= 1, 'reports its early-stopped epochs');
    assert.deepEqual((await t.train(ctx(TRAIN, VALIDATION, 5), options)).state(), head.state(), 'same seed, same weights');
    assert.notDeepEqual((await t.train(ctx(TRAIN, VALIDATION, 6), options)).state(), head.state(), 'another seed, other weights');
    // The refit: all rows, no validation, the early-stopped count.
    const refit = await t.train(ctx(TRAIN, null, 5), { ...options, ...head.refit });
    assert.equal(refit.refit, undefined, 'a fixed epoch count needs no refit hint');
    assert.equal((refit.state() as { epochs: number }).epochs, epochs);
    // Validation rows where models 0 and 1 trade places: what training learns makes the validation loss worse, so the fit stops early.
    const swapped = { ...VALIDATION, quality: [VALIDATION.quality[1]!, VALIDATION.quality[0]!, VALIDATION.quality[2]!] };
    const stopped = (await t.train(ctx(TRAIN, swapped, 5), options)).refit?.epochs;
    assert.ok(typeof stopped === 'number' && stopped < 10 && stopped < epochs, `stopped at ${stopped} (${epochs} on the true validation rows)`);
  }
});

test('multi heads: a bad state is refused as an invalid artifact', async () => {
  const refused = (type: MultiRouterType, state: unknown, message: RegExp | string, models = MODELS) =>
    assert.throws(() => type.load(state, models), (e: unknown) => e instanceof UserError && (typeof message === 'string' ? e.message === message : message.test(e.message)), String(message));
  const knn = (await multiKnnRouter.train(ctx(TRAIN, null), { k: 10 })).state() as Record<string, unknown>;
  const mlp = (await multiMlpRouter.train(ctx(TRAIN, null), { hidden: 4, epochs: 1 })).state() as Record<string, unknown>;
  const mf = (await multiMfRouter.train(ctx(TRAIN, null), { dim: 3, epochs: 1 })).state() as Record<string, unknown>;
  for (const [type, state] of [[multiKnnRouter, knn], [multiMlpRouter, mlp], [multiMfRouter, mf]] as const) {
    const t = type as MultiRouterType;
    refused(t, null, /^invalid router artifact: model\.: /);
    refused(t, { ...state, engine: 3, k: 'many' }, /^invalid router artifact: model\.(engine|k): /);
    refused(t, state, /^invalid router artifact: model\.(quality|outputs|models): 3 \w+( \w+)? for 2 models$/, ['a', 'b']);
  }
  const quality = knn.quality as { length: number; base64: string }[];
  refused(multiKnnRouter, { ...knn, quality: [quality[0], quality[1], { ...quality[2], length: 4, base64: Buffer.alloc(16).toString('base64') }] }, 'invalid router artifact: model.quality: wrong length');
  refused(multiKnnRouter, { ...knn, dense: null }, 'invalid router artifact: model.dense: no neighbours stored');
  refused(multiMlpRouter, { ...mlp, hidden: 5 }, 'invalid router artifact: model.w1: weights do not match inputs x hidden x outputs');
  refused(multiMfRouter, { ...mf, dim: 4 }, 'invalid router artifact: model.w: weights do not match inputs x dim x models');
});

test('multi mlp and mf refuse sparse features; every head refuses features of another width', async () => {
  const sparse: Features = asSparse(TRAIN).x;
  await assert.rejects(async () => multiMlpRouter.train(ctx(asSparse(TRAIN), null), { hidden: 4, epochs: 1 }), /mlp router needs dense features/);
  await assert.rejects(async () => multiMfRouter.train(ctx(asSparse(TRAIN), null), { dim: 4, epochs: 1 }), /mf router needs dense features/);
  const wide: Features = { kind: 'dense', x: denseFromRows([[1, 0, 0]]) };
  for (const { type, options } of heads) {
    const head = await type.train(ctx(TRAIN, null), { ...type.grid(type.options(options))[0]!, ...(type === multiKnnRouter ? {} : { epochs: 1 }) });
    assert.throws(() => head.predict(wide, ['q']), /router (has 2-column neighbours|takes 2 inputs), features have 3/);
    assert.throws(() => head.predict(sparse, TRAIN.queries), type === multiKnnRouter ? /knn: query features and stored neighbours differ in layout/ : /needs dense features/);
  }
});
