import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactCurve, indexAtThreshold, pointAtThreshold, prepareScores, resampledCurve, type Outcomes } from '../src/metrics/curve.ts';
import { pickIndex, tenthIndices } from '../src/metrics/operating-point.ts';
import { aiq, auc, summarize } from '../src/metrics/summary.ts';
import { bootstrap, mulberry32 } from '../src/eval/bootstrap.ts';
import { nextUp } from '../src/eval/cascade.ts';
import { mixLatency, percentilesInPlace } from '../src/metrics/latency.ts';
import { baselines, scoreDisplay, sweep, type Strategy } from '../src/eval/sweep.ts';
import { slices } from '../src/eval/slices.ts';
import { describeCheck, failureMessage, junitXml, runGate } from '../src/eval/gate.ts';
import type { RouterResult } from '../src/eval/evaluate.ts';
import { cascadeOf } from '../src/eval/cascade.ts';
import type { PairTable } from '../src/data/pair.ts';

const EPS = 1e-12;
function near(actual: number | null | undefined, expected: number, what = ''): void {
  assert.ok(actual !== null && actual !== undefined, `${what}: expected ${expected}, got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= EPS, `${what}: expected ${expected}, got ${actual}`);
}

function randomRows(n: number, seed: number, distinct = 1e6): { scores: Float64Array; o: Outcomes } {
  const rnd = mulberry32(seed);
  const scores = new Float64Array(n);
  const o = { qWeak: new Float64Array(n), qStrong: new Float64Array(n), cWeak: new Float64Array(n), cStrong: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    scores[i] = Math.round(rnd() * distinct) / distinct;
    o.qWeak[i] = rnd() < 0.6 ? 1 : 0;
    o.qStrong[i] = rnd() < 0.8 ? 1 : rnd() < 0.5 ? 0.5 : 0;
    o.cWeak[i] = 0.001 * rnd();
    o.cStrong[i] = 0.01 + 0.02 * rnd();
  }
  return { scores, o };
}

const router = (scores: ArrayLike<number>, o: Outcomes): Strategy => ({ scores, outcomes: o, latency: null, display: scoreDisplay, toScore: (t) => t });

// The 4-query case of curve.test.ts: scores A .9, B .6, C .3, D .1
//   qW 0 1 0 1 ; qS 1 0 1 1 ; cW 1 1 2 2 ; cS 5 3 4 4
// points (share, Q, C): (0,.5,1.5) (.25,.75,2.5) (.5,.5,3) (.75,.75,3.5) (1,.75,4); Q_s .75
const fourScores = [0.9, 0.6, 0.3, 0.1];
const four: Outcomes = { qWeak: [0, 1, 0, 1], qStrong: [1, 0, 1, 1], cWeak: [1, 1, 2, 2], cStrong: [5, 3, 4, 4] };

test('calibration picks on the 4-query curve, by hand', () => {
  const c = exactCurve(fourScores, four);
  // gap <= 0: Q must be .75; cheapest such point is (.25, .75, 2.5)
  assert.equal(pickIndex(c, { kind: 'max-quality-gap', value: 0 }), 1);
  // gap <= 1/3 admits the all-weak point (Q .5, gap 1/3), the cheapest of all
  assert.equal(pickIndex(c, { kind: 'max-quality-gap', value: 1 / 3 }), 0);
  // the largest share not above .6 is .5; exactly .75 is admitted
  assert.equal(pickIndex(c, { kind: 'strong-share', value: 0.6 }), 2);
  assert.equal(pickIndex(c, { kind: 'strong-share', value: 0.75 }), 3);
  assert.equal(pickIndex(c, { kind: 'strong-share', value: 0 }), 0);
  // budget 3.2 per query (3200 per 1k): points costing <= 3.2 are 0,1,2; best quality .75 at point 1
  assert.equal(pickIndex(c, { kind: 'budget-per-1k', value: 3200 }), 1);
  // budget 4000 admits everything; Q .75 ties at 1, 3, 4: the cheapest wins
  assert.equal(pickIndex(c, { kind: 'budget-per-1k', value: 4000 }), 1);
  assert.throws(() => pickIndex(c, { kind: 'budget-per-1k', value: 1000 }), /below the cheapest point of the curve \(\$1500 per 1,000 queries\)/);
  // a deployment's threshold: score >= .5 sends A and B
  assert.equal(pickIndex(c, { kind: 'threshold', value: 0.5 }), 2);
  assert.equal(indexAtThreshold(c, 0.95), 0);
  assert.equal(indexAtThreshold(c, 0), 4);
  // one point per tenth of share, first at or past it, no repeats: 0,.25,.25,.25,.5,.5,.75,.75,1,1,1
  assert.deepEqual(tenthIndices(c), [0, 1, 2, 3, 4]);
});

test('sweep: table at requested thresholds, operating point and the 1% curve', () => {
  const s = sweep(router(fourScores, four), { thresholds: [0.5, 0.95, 0], target: { kind: 'max-quality-gap', value: 0.05 } });
  assert.deepEqual(s.table.map((p) => [p.threshold, p.strongShare]), [[0.5, 0.5], [0.95, 0], [0, 1]]);
  near(s.table[0]!.quality, 0.5);
  near(s.table[0]!.costReduction, 4 / 3);
  assert.equal(s.table[0]!.latency, null);
  assert.equal(s.operating.index, 1);
  assert.equal(s.operating.score, 0.9);
  assert.equal(s.operating.point.threshold, 0.9);
  near(s.operating.point.qualityGap, 0);
  assert.equal(s.resampled.length, 101);
  assert.equal(s.resampled[0]!.threshold, null, 'the all-weak point has no finite threshold');
  // 1% curve interpolates: at f=.12, Q = .5 + (.12/.25)*(.75-.5) = .62
  near(s.resampled[12]!.strongShare, 0.12);
  near(s.resampled[12]!.quality, 0.62);
});

test('baselines: random is 0.5 exactly, the oracle bounds the router, always-weak/strong are the ends', () => {
  const { scores, o } = randomRows(5000, 3);
  const b = baselines(o, null);
  assert.equal(b.random.apgr, 0.5);
  assert.deepEqual([b.random.cpt20, b.random.cpt50, b.random.cpt80], [0.2, 0.5, 0.8]);
  const s = sweep(router(scores, o), { target: { kind: 'max-quality-gap', value: 0.05 } });
  assert.ok(b.oracle.apgr! > s.summary.apgr!, 'oracle APGR bounds the router');
  assert.ok(b.oracle.auc === 1);
  assert.equal(b.alwaysWeak.strongShare, 0);
  assert.equal(b.alwaysStrong.strongShare, 1);
  assert.equal(b.alwaysStrong.pgr, 1);
  // a random router (independent scores) lands near 0.5 but the analytic baseline is exact
  assert.ok(Math.abs(s.summary.apgr! - 0.5) < 0.05);
  // the random line's AIQ is the mean quality of its two ends (a straight line over the cost range)
  near(b.random.aiq, (b.alwaysWeak.quality + b.alwaysStrong.quality) / 2);
});

test('sweep is invariant under monotone transforms of the scores', () => {
  const { scores, o } = randomRows(3000, 5, 200);
  const base = sweep(router(scores, o), { target: { kind: 'strong-share', value: 0.4 } });
  for (const f of [(x: number) => Math.exp(3 * x), (x: number) => 2 * x - 7, (x: number) => Math.atan(x)]) {
    const t = sweep(router(Array.from(scores, f), o), { target: { kind: 'strong-share', value: 0.4 } });
    assert.deepEqual(
      t.table.map((p) => [p.strongShare, p.quality, p.cost]),
      base.table.map((p) => [p.strongShare, p.quality, p.cost]),
    );
    assert.equal(t.summary.apgr, base.summary.apgr);
    assert.equal(t.summary.auc, base.summary.auc);
    assert.equal(t.operating.point.strongShare, base.operating.point.strongShare);
    near(t.operating.score, f(base.operating.score));
  }
});

test('summarize reads AUC off its own sort: equal to auc() with ties; AIQ fast path equal to the sort', () => {
  for (const [n, distinct] of [[50, 5], [3000, 40], [20000, 1e6]] as const) {
    const { scores, o } = randomRows(n, n, distinct);
    const wins = Array.from(o.qStrong, (q, i) => (q > o.qWeak[i]! ? 1 : 0));
    const s = summarize(scores, o);
    near(s.auc, auc(scores, wins)!, `auc n=${n}`);
    // aiq over the same points given in shuffled order (the general, sorting path)
    const pts = s.curve.points.map((p) => ({ cost: p.cost, quality: p.quality }));
    const shuffled = [...pts].sort((a, b) => ((a.cost * 7919) % 1) - ((b.cost * 7919) % 1));
    near(s.aiq, aiq(shuffled)!, `aiq n=${n}`);
  }
});

test('few distinct scores (counting-sort path, n >= 4096) give the curve of the definition', () => {
  const n = 10000;
  const rnd = mulberry32(12);
  const palette = [1, 0.5, 0, -0, -1, 0.25, 2];
  const scores = Float64Array.from({ length: n }, () => palette[Math.floor(rnd() * palette.length)]!);
  const { o } = randomRows(n, 12);
  const c = exactCurve(scores, o);
  // distinct values 2, 1, .5, .25, 0 (with -0), -1: six groups plus the all-weak point
  assert.deepEqual(c.points.map((p) => p.threshold + 0), [Infinity, 2, 1, 0.5, 0.25, 0, -1], '-0 and +0 in one group');
  for (const p of c.points.slice(1)) {
    let strong = 0;
    let q = 0;
    for (let i = 0; i < n; i++) {
      if (scores[i]! >= p.threshold) {
        strong++;
        q += o.qStrong[i]!;
      } else q += o.qWeak[i]!;
    }
    assert.ok(Math.abs(p.strongShare - strong / n) < 1e-12 && Math.abs(p.quality - q / n) < 1e-12, `at ${p.threshold}`);
  }
  const wins = Array.from(o.qStrong, (x, i) => (x > o.qWeak[i]! ? 1 : 0));
  near(summarize(scores, o).auc, auc(scores, wins)!);
});

test('the three sources of tie-group sums (few scores, sorted rows, weighted rows) give one curve and one AUC', () => {
  // 6,000 rows on 20 distinct scores take the few-scores path; a per-row offset below 1e-9
  // keeps the order but leaves 6,000 distinct scores (the sort); unit weights take the bootstrap's.
  const { scores, o } = randomRows(6000, 12, 19);
  const spread = Float64Array.from(scores, (s, i) => s + i * 1e-13);
  const few = exactCurve(scores, o);
  const weighted = resampledCurve(prepareScores(scores, o), o, new Int32Array(6000).fill(1));
  assert.equal(few.columns.share.length, 21);
  assert.equal(weighted.columns.share.length, 21);
  few.points.forEach((p, k) => {
    const q = weighted.points[k]!;
    assert.equal(p.threshold, q.threshold);
    for (const key of ['strongShare', 'quality', 'cost', 'pgr'] as const) assert.ok(Math.abs(p[key]! - q[key]!) < 1e-12, `${key} at ${k}`);
  });
  const sorted = exactCurve(spread, o);
  assert.ok(sorted.columns.share.length > 1000);
  // Each few-scores point is the sorted curve's point at the last offset of that score.
  for (const t of [0.5, 0.25, 0.9]) {
    const p = pointAtThreshold(few, t);
    const q = pointAtThreshold(sorted, t);
    for (const key of ['strongShare', 'quality', 'cost'] as const) assert.ok(Math.abs(p[key] - q[key]) < 1e-12, `${key} at ${t}`);
  }
  const wins = Array.from(o.qStrong, (x, i) => (x > o.qWeak[i]! ? 1 : 0));
  near(summarize(scores, o).auc, auc(scores, wins)!);
  near(summarize(spread, o).auc, auc(spread, wins)!);
});

test('resampledCurve: unit weights give the exact curve; integer weights equal repeating rows', () => {
  const { scores, o } = randomRows(400, 9, 30);
  const p = prepareScores(scores, o);
  const ones = new Int32Array(400).fill(1);
  const a = resampledCurve(p, o, ones).points;
  const b = exactCurve(scores, o).points;
  assert.equal(a.length, b.length);
  a.forEach((x, k) => {
    assert.equal(x.threshold, b[k]!.threshold);
    for (const key of ['strongShare', 'quality', 'cost'] as const) assert.ok(Math.abs(x[key] - b[k]![key]) < 1e-12, key);
  });
  // weights 0..2: the same as a dataset holding each row that many times
  const rnd = mulberry32(4);
  const w = Int32Array.from({ length: 400 }, () => Math.floor(rnd() * 3));
  const rep: number[] = [];
  w.forEach((c, i) => {
    for (let k = 0; k < c; k++) rep.push(i);
  });
  const pick = (xs: ArrayLike<number>) => rep.map((i) => xs[i]!);
  const expanded = exactCurve(pick(scores), { qWeak: pick(o.qWeak), qStrong: pick(o.qStrong), cWeak: pick(o.cWeak), cStrong: pick(o.cStrong) });
  const weighted = resampledCurve(p, o, w);
  for (const t of [Infinity, 0.9, 0.5, 0.13, 0]) {
    const x = expanded.points.filter((q) => q.threshold >= t).at(-1)!;
    const y = weighted.points.filter((q) => q.threshold >= t).at(-1)!;
    for (const key of ['strongShare', 'quality', 'cost'] as const) assert.ok(Math.abs(x[key] - y[key]) < 1e-12, `${key} at ${t}`);
  }
});

test('bootstrap: deterministic for a seed, different for another, intervals around the estimate', () => {
  const { scores, o } = randomRows(2000, 11);
  const s = sweep(router(scores, o), { target: { kind: 'max-quality-gap', value: 0.05 } });
  const input = [{ scores, outcomes: o, operatingScore: s.operating.score }];
  const a = bootstrap(input, { resamples: 200, seed: 7, level: 0.95 });
  const b = bootstrap(input, { resamples: 200, seed: 7, level: 0.95 });
  const c = bootstrap(input, { resamples: 200, seed: 8, level: 0.95 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const ci = a[0]!;
  assert.ok(ci.apgr![0] < s.summary.apgr! && s.summary.apgr! < ci.apgr![1], `APGR ${s.summary.apgr} in ${ci.apgr}`);
  assert.ok(ci.cpt50![0] < s.summary.cpt50! && s.summary.cpt50! < ci.cpt50![1]!);
  const g = s.operating.point.qualityGap!;
  assert.ok(ci.operating.qualityGap![0] <= g && g <= ci.operating.qualityGap![1]);
  // wider at 99% than at 80%
  const wide = bootstrap(input, { resamples: 200, seed: 7, level: 0.99 })[0]!.apgr!;
  const narrow = bootstrap(input, { resamples: 200, seed: 7, level: 0.8 })[0]!.apgr!;
  assert.ok(wide[1] - wide[0] > narrow[1] - narrow[0]);
});

test('percentiles: exact against a sort, on both the bucketed and the quickselect path', () => {
  const ref = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    const pos = p * (s.length - 1);
    const k = Math.floor(pos);
    return k + 1 < s.length ? s[k]! + (pos - k) * (s[k + 1]! - s[k]!) : s[k]!;
  };
  const rnd = mulberry32(2);
  for (const n of [1, 2, 7, 1000, 30001]) {
    const w = Array.from({ length: n }, () => Math.round(rnd() * 5000));
    const s = Array.from({ length: n }, () => 1000 + rnd() * 20000);
    const scores = Array.from({ length: n }, () => rnd());
    const mix = (seq: boolean) => scores.map((x, i) => (x >= 0.3 ? (seq ? w[i]! + s[i]! : s[i]!) : w[i]!));
    for (const sequential of [false, true]) {
      const got = mixLatency(Float64Array.from(scores), 0.3, { weak: Float64Array.from(w), strong: Float64Array.from(s), sequential });
      assert.equal(got.p50, ref(mix(sequential), 0.5), `p50 n=${n}`);
      assert.equal(got.p95, ref(mix(sequential), 0.95), `p95 n=${n}`);
    }
    // negative values take the quickselect path
    const neg = Float64Array.from(w, (x) => x - 2500);
    const q = percentilesInPlace(Float64Array.from(neg), [0.05, 0.5, 0.95]);
    assert.deepEqual(q, [ref([...neg], 0.05), ref([...neg], 0.5), ref([...neg], 0.95)]);
  }
});

/** A pair table by hand, for the cascade and slices. */
function pairTableOf(rows: { qw: number; qs: number; cw: number; cs: number; conf?: number; lw?: number; ls?: number; meta?: string }[]): PairTable {
  return {
    weak: 'w',
    strong: 's',
    rows: rows.map((r, i) => ({
      id: String(i),
      query: `q${i}`,
      models: { w: { quality: r.qw, confidence: r.conf, latencyMs: r.lw }, s: { quality: r.qs, latencyMs: r.ls } },
      meta: r.meta ? { level: r.meta } : undefined,
    })),
    qWeak: Float64Array.from(rows, (r) => r.qw),
    qStrong: Float64Array.from(rows, (r) => r.qs),
    cWeak: Float64Array.from(rows, (r) => r.cw),
    cStrong: Float64Array.from(rows, (r) => r.cs),
    costUnit: 'usd',
  };
}

test('cascade arithmetic by hand: the weak call is always paid, escalation is "confidence < t"', () => {
  //   conf  qW qS cW cS
  //   0.2   0  1  1  10
  //   0.5   1  1  1  10
  //   0.5   0  1  1  10
  //   0.9   1  0  1  10
  const t = pairTableOf([
    { qw: 0, qs: 1, cw: 1, cs: 10, conf: 0.2 },
    { qw: 1, qs: 1, cw: 1, cs: 10, conf: 0.5 },
    { qw: 0, qs: 1, cw: 1, cs: 10, conf: 0.5 },
    { qw: 1, qs: 0, cw: 1, cs: 10, conf: 0.9 },
  ]);
  const c = cascadeOf(t, null);
  assert.ok(c && !('skipped' in c));
  const s = sweep(c.strategy, { thresholds: [0.2, 0.5, 0.50001, 0.95], target: { kind: 'strong-share', value: 0.5 } });
  // t=.2: nothing below .2 escalates: Q .5, cost 1 (weak only), reduction 10/1
  // t=.5: only .2 escalates: Q (1+1+0+1)/4 = .75, cost (11+1+1+1)/4 = 3.5, reduction 10/3.5
  // t just above .5: .2,.5,.5 escalate: Q (1+1+1+1)/4 = 1, cost (11*3+1)/4 = 8.5
  // t=.95: all escalate: Q .75, cost 11 (> always-strong's 10: reduction 10/11)
  const rows = s.table.map((p) => [p.threshold, p.strongShare, p.quality, p.cost, p.costReduction]);
  const expected = [[0.2, 0, 0.5, 1, 10], [0.5, 0.25, 0.75, 3.5, 10 / 3.5], [0.50001, 0.75, 1, 8.5, 10 / 8.5], [0.95, 1, 0.75, 11, 10 / 11]];
  rows.forEach((r, k) => r.forEach((v, j) => near(v as number, expected[k]![j]!, `row ${k} col ${j}`)));
  // PGR is on quality alone: Q_w .5, Q_s .75
  near(s.table[2]!.pgr, 2);
  // exact points read as "escalate when confidence < t", t the lowest confidence kept weak; null: all escalate
  assert.deepEqual(s.resampled.map((p) => p.threshold).filter((x, i, a) => a.indexOf(x) === i), [0.2, 0.5, 0.9, null]);
  // the strong-share target .5 admits share .25 (t = .5), not .75
  assert.equal(s.operating.point.threshold, 0.5);
  near(s.operating.point.strongShare, 0.25);
  assert.equal(nextUp(-0.5) > -0.5 && nextUp(-0.5) - -0.5 < 1e-15, true);
  assert.equal(nextUp(0), Number.MIN_VALUE);
  // data without confidence: no cascade; partly recorded: skipped with a reason
  assert.equal(cascadeOf(pairTableOf([{ qw: 0, qs: 1, cw: 1, cs: 2 }]), null), null);
  const partial = cascadeOf(pairTableOf([{ qw: 0, qs: 1, cw: 1, cs: 2, conf: 0.5 }, { qw: 0, qs: 1, cw: 1, cs: 2 }]), null);
  assert.deepEqual(partial, { skipped: 'w records a confidence on only 1 of 2 test rows; the cascade is not evaluated' });
});

test('cascade latency is sequential: an escalated query waits for both models', () => {
  const t = pairTableOf([
    { qw: 0, qs: 1, cw: 1, cs: 10, conf: 0.1, lw: 100, ls: 1000 },
    { qw: 1, qs: 1, cw: 1, cs: 10, conf: 0.9, lw: 200, ls: 3000 },
  ]);
  const c = cascadeOf(t, { weak: Float64Array.from([100, 200]), strong: Float64Array.from([1000, 3000]), sequential: false });
  assert.ok(c && !('skipped' in c));
  const s = sweep(c.strategy, { thresholds: [0.5], target: { kind: 'strong-share', value: 0.5 } });
  // row 0 escalates: 100 + 1000; row 1 stays weak: 200. p50 of [1100, 200] = 650; p95 = 200 + .95*900
  assert.deepEqual(s.table[0]!.latency, { p50: 650, p95: 200 + 0.95 * 900 });
});

test('slices: per-value metrics at the overall operating threshold', () => {
  // level a: rows 0,1 ; level b: rows 2,3. Scores .9 .1 .8 .2 ; operating threshold .5
  const o: Outcomes = { qWeak: [0, 1, 1, 0], qStrong: [1, 1, 0, 1], cWeak: [1, 1, 1, 1], cStrong: [3, 3, 3, 3] };
  const r = slices('level', ['a', 'a', 'b', 'b'], [{ name: 'r', scores: [0.9, 0.1, 0.8, 0.2], outcomes: o, operatingScore: 0.5 }]);
  assert.equal(r.column, 'level');
  assert.deepEqual(r.slices.map((s) => [s.value, s.rows, s.qWeak, s.qStrong]), [['a', 2, 0.5, 1], ['b', 2, 0.5, 0.5]]);
  // a: row 0 strong: Q (1+1)/2 = 1, gap 0, cost (3+1)/2 = 2, reduction 3/2; APGR: PGR 0 -> 1 -> 1 = .75
  const a = r.slices[0]!.strategies[0]!;
  assert.deepEqual([a.strongShare, a.quality, a.qualityGap, a.costReduction, a.apgr], [0.5, 1, 0, 1.5, 0.75]);
  // b: Q_s == Q_w: APGR undefined; row 2 strong: Q (0+0)/2 = 0, gap 1
  const b = r.slices[1]!.strategies[0]!;
  assert.deepEqual([b.apgr, b.quality, b.qualityGap], [null, 0, 1]);
});

function fakeRouter(gap: number, reduction: number, ci?: { gap: [number, number]; reduction: [number, number] }): RouterResult {
  return {
    name: 'r1',
    rule: 'strong when score >= threshold',
    path: 'r.json',
    hash: 'sha256:0' as RouterResult['hash'],
    router: 'logistic',
    summary: { apgr: 0.7, cpt20: 0.1, cpt50: 0.3, cpt80: 0.6, auc: 0.7, aiq: 0.8, ...(ci ? { ci: { level: 0.95, apgr: [0.65, 0.75] as [number, number], cpt50: null } } : {}) },
    table: [],
    curve: [],
    operatingPoint: {
      criterion: 'max-quality-gap',
      target: 0.05,
      point: { threshold: 0.5, strongShare: 0.3, quality: 0.8, cost: 1, pgr: 0.6, qualityGap: gap, costReduction: reduction, latency: null },
      ...(ci ? { ci: { level: 0.95, resamples: 100, seed: 1, qualityGap: ci.gap, strongShare: [0.2, 0.4] as [number, number], quality: [0.7, 0.9] as [number, number], costReduction: ci.reduction } } : {}),
    },
  };
}

test('gate: point and bound, the failing number and the margin, JUnit XML', () => {
  const pass = runGate({ maxQualityGap: 0.05, minCostReduction: 2, on: 'point' }, [fakeRouter(0.04, 2.5)]);
  assert.equal(pass.passed, true);
  assert.equal(pass.checks.length, 2);
  const fail = runGate({ maxQualityGap: 0.05, minCostReduction: 2, on: 'point' }, [fakeRouter(0.062, 1.8)]);
  assert.equal(fail.passed, false);
  assert.equal(
    failureMessage(fail),
    'r1: quality gap (point estimate) 6.20% exceeds the maximum 5.00% by 1.20 points; r1: cost reduction (point estimate) 1.800x is below the minimum 2.000x by 0.200x',
  );
  // on the bound: the upper end of the gap's interval and the lower end of the reduction's
  const r = fakeRouter(0.04, 2.5, { gap: [0.03, 0.058], reduction: [2.1, 2.9] });
  const bound = runGate({ maxQualityGap: 0.05, minCostReduction: 2, minApgr: 0.66, on: 'bound' }, [r]);
  assert.deepEqual(bound.checks.map((c) => [c.metric, c.value, c.passed]), [['quality gap', 0.058, false], ['cost reduction', 2.1, true], ['APGR', 0.65, false]]);
  assert.equal(describeCheck(bound.checks[0]!), 'r1: quality gap (upper bound of the 95% bootstrap interval) 5.80% exceeds the maximum 5.00% by 0.80 points');
  // no interval to gate on: fails, saying the number is undefined
  const none = runGate({ maxQualityGap: 0.05, on: 'bound' }, [fakeRouter(0.01, 3)]);
  assert.equal(none.passed, false);
  assert.match(failureMessage(none), /is undefined on this data; required <= 5\.00%/);
  const xml = junitXml(bound, { name: 'router eval r1', timestamp: '2026-01-01T00:00:00.000Z', report: 'a&b.json' });
  assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="router eval" tests="3" failures="2">/);
  assert.match(xml, /<testcase classname="router-eval\.r1" name="quality gap &lt;= 5\.00%" time="0">\n\s+<failure message="r1: quality gap \(upper bound/);
  assert.match(xml, /<property name="report" value="a&amp;b\.json"\/>/);
  assert.equal((xml.match(/<testcase /g) ?? []).length, 3);
});

test('a quality gap exactly at the limit qualifies, as the gate reads it', () => {
  // Q_s = 1, and at share 1/3 Q = 2/3: gap exactly 1/3 (see the CPT exact-crossing case).
  const o: Outcomes = { qWeak: [0, 1, 0], qStrong: [1, 1, 1], cWeak: [0, 0, 0], cStrong: [1, 1, 1] };
  const c = exactCurve([3, 2, 1], o);
  assert.equal(pickIndex(c, { kind: 'max-quality-gap', value: 1 / 3 }), 1);
  assert.equal(pickIndex(c, { kind: 'max-quality-gap', value: 0.33 }), 3);
});
