import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { mulberry32 } from '../src/random.ts';
import { exactCurve, pointAtShare, pointAtThreshold, type CurvePoint, type Outcomes } from '../src/metrics/curve.js';
import { aiq, apgr, auc, cpt, oracle, randomBaseline, summarize } from '../src/metrics/summary.js';

const EPS = 1e-12;

function near(actual: number | null | undefined, expected: number, what = ''): void {
  assert.ok(actual !== null && actual !== undefined, `${what}: expected ${expected}, got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= EPS, `${what}: expected ${expected}, got ${actual}`);
}

function assertPoint(p: CurvePoint | undefined, e: Omit<CurvePoint, 'pgr' | 'qualityGap' | 'costReduction'> & Partial<CurvePoint>): void {
  assert.ok(p, `no point with threshold ${e.threshold}`);
  assert.equal(p.threshold, e.threshold);
  near(p.strongShare, e.strongShare, 'strongShare');
  near(p.quality, e.quality, 'quality');
  near(p.cost, e.cost, 'cost');
  for (const k of ['pgr', 'qualityGap', 'costReduction'] as const) {
    const v = e[k];
    if (v === undefined) continue;
    if (v === null) assert.equal(p[k], null, k);
    else near(p[k], v, k);
  }
}


function randomRows(n: number, seed: number): { scores: Float64Array; o: Outcomes } {
  const rnd = mulberry32(seed);
  const scores = new Float64Array(n);
  const qWeak = new Float64Array(n);
  const qStrong = new Float64Array(n);
  const cWeak = new Float64Array(n);
  const cStrong = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    scores[i] = rnd();
    qWeak[i] = rnd() < 0.65 ? 1 : 0;
    qStrong[i] = rnd() < 0.8 ? 1 : rnd() < 0.5 ? 0.5 : 0;
    cWeak[i] = 0.001 * rnd();
    cStrong[i] = 0.01 + 0.02 * rnd();
  }
  return { scores, o: { qWeak, qStrong, cWeak, cStrong } };
}

/** The definition, evaluated directly: route row i to strong iff score >= t. */
function bruteForce(scores: ArrayLike<number>, o: Outcomes, t: number): { share: number; quality: number; cost: number } {
  let strong = 0;
  let q = 0;
  let c = 0;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i]! >= t) {
      strong++;
      q += o.qStrong[i]!;
      c += o.cStrong[i]!;
    } else {
      q += o.qWeak[i]!;
      c += o.cWeak[i]!;
    }
  }
  const n = scores.length;
  return { share: strong / n, quality: q / n, cost: c / n };
}

// Four queries A..D, given out of score order to exercise the sort.
//   query  score  qW  qS  cW  cS
//   A      0.9    0   1   1   5
//   B      0.6    1   0   1   3
//   C      0.3    0   1   2   4
//   D      0.1    1   1   2   4
// Q_w = (0+1+0+1)/4 = 0.5, Q_s = (1+0+1+1)/4 = 0.75, Q_s - Q_w = 0.25
// C_w = (1+1+2+2)/4 = 1.5, C_s = (5+3+4+4)/4 = 4
const order = ['C', 'A', 'D', 'B'] as const;
const table = {
  A: { s: 0.9, qw: 0, qs: 1, cw: 1, cs: 5 },
  B: { s: 0.6, qw: 1, qs: 0, cw: 1, cs: 3 },
  C: { s: 0.3, qw: 0, qs: 1, cw: 2, cs: 4 },
  D: { s: 0.1, qw: 1, qs: 1, cw: 2, cs: 4 },
};
const four: Outcomes = {
  qWeak: order.map((k) => table[k].qw),
  qStrong: order.map((k) => table[k].qs),
  cWeak: order.map((k) => table[k].cw),
  cStrong: order.map((k) => table[k].cs),
};
const fourScores = order.map((k) => table[k].s);

test('exactCurve: every point of a 4-query curve, by hand', () => {
  const c = exactCurve(fourScores, four);
  assert.equal(c.n, 4);
  near(c.qWeak, 0.5);
  near(c.qStrong, 0.75);
  near(c.cWeak, 1.5);
  near(c.cStrong, 4);
  assert.equal(c.points.length, 5);
  // all weak: Q 0.5, C 1.5, PGR 0, gap (0.75-0.5)/0.75 = 1/3, reduction 4/1.5 = 8/3
  assertPoint(c.points[0], { threshold: Infinity, strongShare: 0, quality: 0.5, cost: 1.5, pgr: 0, qualityGap: 1 / 3, costReduction: 8 / 3 });
  // A strong: Q (1+1+0+1)/4 = 0.75, C (5+1+2+2)/4 = 2.5, PGR 0.25/0.25 = 1, gap 0, reduction 4/2.5 = 1.6
  assertPoint(c.points[1], { threshold: 0.9, strongShare: 0.25, quality: 0.75, cost: 2.5, pgr: 1, qualityGap: 0, costReduction: 1.6 });
  // A,B strong: Q (1+0+0+1)/4 = 0.5, C (5+3+2+2)/4 = 3, PGR 0, gap 1/3, reduction 4/3
  assertPoint(c.points[2], { threshold: 0.6, strongShare: 0.5, quality: 0.5, cost: 3, pgr: 0, qualityGap: 1 / 3, costReduction: 4 / 3 });
  // A,B,C strong: Q (1+0+1+1)/4 = 0.75, C (5+3+4+2)/4 = 3.5, PGR 1, gap 0, reduction 4/3.5 = 8/7
  assertPoint(c.points[3], { threshold: 0.3, strongShare: 0.75, quality: 0.75, cost: 3.5, pgr: 1, qualityGap: 0, costReduction: 8 / 7 });
  // all strong: Q_s, C_s, PGR exactly 1
  assertPoint(c.points[4], { threshold: 0.1, strongShare: 1, quality: 0.75, cost: 4, pgr: 1, qualityGap: 0, costReduction: 1 });
  assert.equal(c.points[4]?.pgr, 1);
});

test('apgr and cpt on the 4-query curve', () => {
  const c = exactCurve(fourScores, four);
  // PGR over f: 0 @0, 1 @.25, 0 @.5, 1 @.75, 1 @1
  // area = .25*(0+1)/2 + .25*(1+0)/2 + .25*(0+1)/2 + .25*(1+1)/2 = .125*3 + .25 = 0.625
  near(apgr(c), 0.625);
  // PGR 0.5 is crossed inside [0, .25] where PGR goes 0 -> 1: f = .25 * .5 = .125
  near(cpt(c, 0.5), 0.125);
  near(cpt(c, 0.2), 0.05);
  near(cpt(c, 0.8), 0.2);
  // a point that itself reaches p gives its own share
  near(cpt(c, 1), 0.25);
  near(cpt(c, 0), 0);
  // PGR never exceeds 1 here
  assert.equal(cpt(c, 1.01), null);
});

test('ties move together, and cpt interpolates inside a later segment', () => {
  // A,B share score 0.5; C,D share 0.2.
  // points: f 0 (Q .5) ; f .5 with A,B strong: Q (1+0+0+1)/4 = .5, PGR 0, C (5+3+2+2)/4 = 3 ; f 1 (PGR 1)
  const scores = order.map((k) => (k === 'A' || k === 'B' ? 0.5 : 0.2));
  const c = exactCurve(scores, four);
  assert.equal(c.points.length, 3);
  assertPoint(c.points[1], { threshold: 0.5, strongShare: 0.5, quality: 0.5, cost: 3, pgr: 0 });
  assertPoint(c.points[2], { threshold: 0.2, strongShare: 1, quality: 0.75, cost: 4, pgr: 1 });
  // area = .5*(0+0)/2 + .5*(0+1)/2 = 0.25
  near(apgr(c), 0.25);
  // first point with PGR >= .5 is f=1; segment (.5, 0) -> (1, 1): f = .5 + .5*.5 = .75
  near(cpt(c, 0.5), 0.75);
  // PGR 0 is already reached at f=0
  near(cpt(c, 0), 0);
});

test('-0 and +0 are one score', () => {
  const o: Outcomes = { qWeak: [0, 0, 0], qStrong: [1, 1, 1], cWeak: [0, 0, 0], cStrong: [1, 1, 1] };
  const c = exactCurve([0, -0, 1], o);
  assert.deepEqual(
    c.points.map((p) => p.strongShare),
    [0, 1 / 3, 1],
  );
});

test('a constant score gives APGR 0.5 exactly', () => {
  // two points: (0, PGR 0) and (1, PGR 1); area 1*(0+1)/2
  const c = exactCurve([0.7, 0.7, 0.7, 0.7], four);
  assert.equal(c.points.length, 2);
  assert.equal(apgr(c), 0.5);
});

test('APGR and CPT are invariant under monotone transforms of the scores', () => {
  const { scores, o } = randomRows(1000, 7);
  // rounding creates ties, which must stay tied under the transforms
  const base = Array.from(scores, (s) => Math.round(s * 50) / 50);
  const a = apgr(exactCurve(base, o));
  const transforms = [(s: number) => Math.exp(s), (s: number) => 3 * s + 1, (s: number) => Math.atan(s - 0.5)];
  for (const f of transforms) {
    const c = exactCurve(base.map(f), o);
    near(apgr(c), a as number, String(f));
    near(cpt(c, 0.5), cpt(exactCurve(base, o), 0.5) as number, String(f));
  }
});

test('PGR can exceed 1, and the oracle routes exactly where strong is better', () => {
  // X: score .8, qW 0, qS 1 ; Y: score .2, qW 1, qS .5 ; unit costs
  // Q_w = .5, Q_s = .75. X alone strong: Q (1+1)/2 = 1, PGR (1-.5)/.25 = 2
  // APGR = .5*(0+2)/2 + .5*(2+1)/2 = .5 + .75 = 1.25
  const o: Outcomes = { qWeak: [0, 1], qStrong: [1, 0.5], cWeak: [0, 0], cStrong: [1, 1] };
  const c = exactCurve([0.8, 0.2], o);
  near(c.points[1]?.pgr, 2);
  near(apgr(c), 1.25);
  // PGR 1.5 is crossed in (0,0) -> (.5,2): f = .5 * 1.5/2 = .375
  near(cpt(c, 1.5), 0.375);
  // the oracle scores are q_s - q_w = (1, -.5): the same order, the same APGR
  near(oracle(o).apgr, 1.25);
});

test('oracle on the 4-query case, by hand', () => {
  // q_s - q_w: A 1, B -1, C 1, D 0.
  // {A,C} strong: f .5, Q 4/4 = 1, PGR (1-.5)/.25 = 2, C (5+1+4+2)/4 = 3
  // +D: f .75, Q 1 (D equal either way), PGR 2 ; +B: f 1, PGR 1
  // APGR = .5*(0+2)/2 + .25*(2+2)/2 + .25*(2+1)/2 = .5 + .5 + .375 = 1.375
  const or = oracle(four);
  near(or.apgr, 1.375);
  assert.equal(or.curve.points.length, 4);
  assertPoint(or.point, { threshold: 1, strongShare: 0.5, quality: 1, cost: 3, pgr: 2 });
  // when strong never wins, the oracle never routes to strong
  const never = oracle({ qWeak: [1, 1], qStrong: [0, 1], cWeak: [0, 0], cStrong: [1, 1] });
  assert.equal(never.point.strongShare, 0);
  assert.equal(never.point.threshold, Infinity);
});

test('Q_s == Q_w leaves PGR, APGR and CPT undefined', () => {
  // means are both .5, though the rows differ
  const o: Outcomes = { qWeak: [1, 0], qStrong: [0, 1], cWeak: [0, 0], cStrong: [1, 1] };
  const c = exactCurve([0.9, 0.1], o);
  for (const p of c.points) assert.equal(p.pgr, null);
  assert.equal(apgr(c), null);
  assert.equal(cpt(c, 0.5), null);
  assert.equal(randomBaseline(o).cpt(0.5), null);
  assert.equal(oracle(o).apgr, null);
  // quality gap is still defined: at f=.5, Q = (0+0)/2 = 0, gap (.5 - 0)/.5 = 1
  near(c.points[1]?.qualityGap, 1);
});

test('quality gap is null when Q_s is 0; cost reduction is null when C(t) is 0', () => {
  const o: Outcomes = { qWeak: [1, 0], qStrong: [0, 0], cWeak: [0, 0], cStrong: [1, 1] };
  const c = exactCurve([0.9, 0.1], o);
  assert.equal(c.points[0]?.qualityGap, null);
  // all weak in units costs 0 per query
  assert.equal(c.points[0]?.costReduction, null);
  // one strong call of two: C .5, reduction 1/.5 = 2
  near(c.points[1]?.costReduction, 2);
});

test('pointAtThreshold between, at, above and below the scores', () => {
  const c = exactCurve(fourScores, four);
  const share = (t: number): number => pointAtThreshold(c, t).strongShare;
  assert.equal(share(Infinity), 0);
  assert.equal(share(0.95), 0); // above every score: nothing is >= t
  assert.equal(share(0.9), 0.25); // at A's score: A goes strong
  assert.equal(share(0.75), 0.25); // between A and B
  assert.equal(share(0.6), 0.5);
  assert.equal(share(0.2), 0.75); // between C and D
  assert.equal(share(0.1), 1);
  assert.equal(share(-5), 1); // below every score
  assert.equal(share(-Infinity), 1);
  assert.deepEqual(pointAtThreshold(c, 0.75), c.points[1]);
  assert.throws(() => pointAtThreshold(c, Number.NaN), RangeError);
});

test('pointAtShare interpolates between exact points', () => {
  const c = exactCurve(fourScores, four);
  // halfway between (f 0, Q .5, C 1.5) and (f .25, Q .75, C 2.5): Q .625, C 2,
  // PGR .125/.25 = .5, gap (.75-.625)/.75 = 1/6, reduction 4/2 = 2; threshold of the upper point, .9
  assertPoint(pointAtShare(c, 0.125), { threshold: 0.9, strongShare: 0.125, quality: 0.625, cost: 2, pgr: 0.5, qualityGap: 1 / 6, costReduction: 2 });
  assert.deepEqual(pointAtShare(c, 0.5), c.points[2]);
  assert.deepEqual(pointAtShare(c, 0), c.points[0]);
  assert.deepEqual(pointAtShare(c, 1), c.points[4]);
  assert.throws(() => pointAtShare(c, 1.2), RangeError);
  assert.throws(() => pointAtShare(c, -0.1), RangeError);
});

test('random baseline, analytically', () => {
  const r = randomBaseline(four);
  assert.equal(r.apgr, 0.5);
  // f .5: Q .5 + .5*.25 = .625, C 1.5 + .5*(4-1.5) = 2.75, PGR .5
  assertPoint(r.pointAtShare(0.5), { threshold: 0.5, strongShare: 0.5, quality: 0.625, cost: 2.75, pgr: 0.5 });
  assert.equal(r.cpt(0.3), 0.3);
  assert.equal(r.cpt(0), 0);
  assert.equal(r.cpt(1), 1);
  assert.equal(r.cpt(1.2), null);
  assert.equal(r.cpt(-0.1), null);
});

test('auc: Mann-Whitney with ties counted 1/2', () => {
  // positives {.9, .5}, negatives {.5, .1}:
  // .9>.5 1, .9>.1 1, .5=.5 1/2, .5>.1 1  => 3.5 / (2*2) = .875
  near(auc([0.9, 0.5, 0.5, 0.1], [1, 1, 0, 0]), 0.875);
  near(auc([0.9, 0.5, 0.5, 0.1], [true, true, false, false]), 0.875);
  assert.equal(auc([1, 2, 3], [0, 1, 1]), 1);
  assert.equal(auc([3, 2, 1], [0, 1, 1]), 0);
  assert.equal(auc([4, 4, 4, 4], [0, 1, 1, 0]), 0.5);
  assert.equal(auc([1, 2], [1, 1]), null);
  assert.equal(auc([1, 2], [false, false]), null);
  assert.throws(() => auc([1, Number.NaN], [0, 1]), RangeError);
});

test('aiq: non-decreasing upper hull over the cost range, by hand', () => {
  // (1, .6) lies below the chord (0,.5)-(2,.9) (which is .7 at cost 1), so it is dropped;
  // past (2,.9) the hull falls to (3,.8) and is held flat at .9.
  // area = 2*(.5+.9)/2 + 1*.9 = 2.3 ; range 3 ; AIQ = 2.3/3
  near(aiq([{ cost: 3, quality: 0.8 }, { cost: 0, quality: 0.5 }, { cost: 1, quality: 0.6 }, { cost: 2, quality: 0.9 }]), 2.3 / 3);
  // falling from the start: held flat at .8 over the whole range
  near(aiq([{ cost: 0, quality: 0.8 }, { cost: 1, quality: 0.5 }]), 0.8);
  // equal costs keep the best quality: (0,.2) loses to (0,.4); area 1*(.4+.6)/2 = .5
  near(aiq([{ cost: 0, quality: 0.2 }, { cost: 0, quality: 0.4 }, { cost: 1, quality: 0.6 }]), 0.5);
  assert.equal(aiq([{ cost: 1, quality: 0.5 }, { cost: 1, quality: 0.9 }]), null);
  assert.equal(aiq([]), null);
});

/** Reference AIQ by gift wrapping (a different hull algorithm from the module's monotone chain). */
function aiqReference(points: { cost: number; quality: number }[]): number {
  const minCost = Math.min(...points.map((p) => p.cost));
  const maxCost = Math.max(...points.map((p) => p.cost));
  let cur = points.filter((p) => p.cost === minCost).reduce((a, b) => (b.quality > a.quality ? b : a));
  const hull = [cur];
  for (;;) {
    let next: { cost: number; quality: number } | undefined;
    let best = -Infinity;
    for (const p of points) {
      if (p.cost <= cur.cost) continue;
      const slope = (p.quality - cur.quality) / (p.cost - cur.cost);
      if (slope > best || (slope === best && next !== undefined && p.cost > next.cost)) {
        best = slope;
        next = p;
      }
    }
    if (next === undefined) break;
    hull.push(next);
    cur = next;
  }
  let area = 0;
  let k = 1;
  for (; k < hull.length && hull[k]!.quality >= hull[k - 1]!.quality; k++) {
    area += ((hull[k]!.cost - hull[k - 1]!.cost) * (hull[k]!.quality + hull[k - 1]!.quality)) / 2;
  }
  area += (maxCost - hull[k - 1]!.cost) * hull[k - 1]!.quality;
  return area / (maxCost - minCost);
}

test('aiq matches a gift-wrapping reference on random points, large and small', () => {
  const rnd = mulberry32(21);
  for (const n of [7, 300, 5000]) {
    // costs on a grid, so equal costs occur and must keep only their best quality
    const pts = Array.from({ length: n }, () => ({ cost: Math.round(rnd() * 200) / 10, quality: rnd() }));
    const got = aiq(pts) as number;
    const want = aiqReference(pts);
    assert.ok(Math.abs(got - want) < 1e-12, `n=${n}: ${got} vs ${want}`);
  }
});

test('points are built on first read from the columns, and copies of a curve give the same metrics', () => {
  const c = exactCurve(fourScores, four);
  assert.equal(c.columns.share.length, 5);
  // JSON sees an ordinary array of points
  const json = JSON.parse(JSON.stringify(c)) as { points: unknown[] };
  assert.equal(json.points.length, 5);
  // a structured clone carries the columns along
  const copy = structuredClone(c);
  assert.equal(apgr(copy), apgr(c));
  assert.equal(cpt(copy, 0.5), cpt(c, 0.5));
  assert.deepEqual(pointAtShare(copy, 0.125), pointAtShare(c, 0.125));
  assert.deepEqual(pointAtThreshold(copy, 0.75), pointAtThreshold(c, 0.75));
  assert.deepEqual(copy.points, c.points);
});

test('summarize the 4-query case', () => {
  const s = summarize(fourScores, four);
  near(s.apgr, 0.625);
  near(s.cpt20, 0.05);
  near(s.cpt50, 0.125);
  near(s.cpt80, 0.2);
  // strong wins on A (.9) and C (.3); not on B (.6) or D (.1, equal quality)
  // pairs: .9>.6, .9>.1, .3<.6, .3>.1 => 3/4
  near(s.auc, 0.75);
  // (cost, quality) points: (1.5,.5) (2.5,.75) (3,.5) (3.5,.75) (4,.75)
  // upper hull: (1.5,.5) (2.5,.75) (4,.75); area 1*(.5+.75)/2 + 1.5*.75 = 1.75; range 2.5 => .7
  near(s.aiq, 0.7);
});

test('input errors are RangeErrors', () => {
  assert.throws(() => exactCurve([0.1, 0.2, Number.NaN, 0.3], four), { name: 'RangeError', message: 'score at index 2 is NaN' });
  assert.throws(() => exactCurve([], { qWeak: [], qStrong: [], cWeak: [], cStrong: [] }), RangeError);
  assert.throws(() => exactCurve([0.1, 0.2], four), RangeError);
});

test('large inputs (radix path) match the definition at every point', () => {
  const { o } = randomRows(6000, 11);
  const rnd = mulberry32(12);
  // ties, negatives, -0 and +0, infinities: every kind of key the sort must order
  const pool = [-Infinity, -3.5, -1e-300, -0, 0, 1e-300, 0.25, 0.5, 2, 1e300, Infinity];
  const scores = Array.from({ length: 6000 }, () =>
    rnd() < 0.5 ? pool[Math.floor(rnd() * pool.length)]! : Math.round((rnd() - 0.5) * 400) / 100,
  );
  const c = exactCurve(scores, o);
  assert.ok(c.points.length > 100);
  for (const [k, p] of c.points.entries()) {
    if (k === 0) continue;
    assert.ok(p.threshold < c.points[k - 1]!.threshold || k === 1, 'thresholds descend');
    const b = bruteForce(scores, o, p.threshold);
    assert.ok(Math.abs(p.strongShare - b.share) < 1e-12, `share at ${p.threshold}`);
    assert.ok(Math.abs(p.quality - b.quality) < 1e-9, `quality at ${p.threshold}`);
    assert.ok(Math.abs(p.cost - b.cost) < 1e-9, `cost at ${p.threshold}`);
  }

  const distinct = randomRows(5000, 13);
  const d = exactCurve(distinct.scores, distinct.o);
  assert.equal(d.points.length, 5001);
  for (let k = 1; k < d.points.length; k += 97) {
    const p = d.points[k]!;
    const b = bruteForce(distinct.scores, distinct.o, p.threshold);
    assert.ok(Math.abs(p.strongShare - b.share) < 1e-12);
    assert.ok(Math.abs(p.quality - b.quality) < 1e-9);
  }
});

test('200,000 random rows produce a curve', () => {
  const { scores, o } = randomRows(200_000, 3);
  const s = summarize(scores, o);
  // a 32-bit PRNG repeats a few values in 200,000 draws, and repeats are one tie group
  assert.equal(s.curve.points.length, new Set(scores).size + 1);
  const last = s.curve.points.at(-1);
  assert.equal(last?.strongShare, 1);
  assert.equal(last?.pgr, 1);
  // scores independent of outcomes: close to the random baseline
  assert.ok(Math.abs((s.apgr as number) - 0.5) < 0.05);
  assert.ok(Math.abs((s.auc as number) - 0.5) < 0.05);
  assert.equal(aiq(s.curve.points), s.aiq);
});

const MMLU = new URL('../../shared/data/routellm-mmlu/', import.meta.url);

test('oracle on RouteLLM MMLU matches the reference 1.29', { skip: !existsSync(MMLU) && 'MMLU data absent' }, () => {
  const qWeak: number[] = [];
  const qStrong: number[] = [];
  for (const f of readdirSync(MMLU).filter((x) => x.endsWith('.csv'))) {
    const rows = parse(readFileSync(new URL(f, MMLU)), { from_line: 2 }) as string[][];
    for (const r of rows) {
      qWeak.push(r[1] === 'True' ? 1 : 0);
      qStrong.push(r[2] === 'True' ? 1 : 0);
    }
  }
  const n = qWeak.length;
  const or = oracle({ qWeak, qStrong, cWeak: new Float64Array(n), cStrong: new Float64Array(n).fill(1) });
  assert.ok(Math.abs(or.curve.qWeak - 0.681) < 0.0005);
  assert.ok(Math.abs(or.curve.qStrong - 0.806) < 0.0005);
  assert.ok(Math.abs((or.apgr as number) - 1.29) < 0.01, `oracle APGR ${or.apgr}`);
});

// Three queries, by score: a strong win, a tie (both right), a strong win. Q_w = 1/3, Q_s = 1,
// total gain 2. After the first query the gain is 1 = half the total: PGR is exactly 0.5 at
// share 1/3, and the tie after it adds nothing. (Q(t) - Q_w) / (Q_s - Q_w) gives
// 0.49999999999999994 there, which moved CPT(50%) past the tie to share 2/3.
const exactCrossing: Outcomes = { qWeak: [0, 1, 0], qStrong: [1, 1, 1], cWeak: [0, 0, 0], cStrong: [1, 1, 1] };

test('CPT sees a crossing exactly at a point, also when a zero-gain row follows it', () => {
  const c = exactCurve([3, 2, 1], exactCrossing);
  assert.equal(cpt(c, 0.5), 1 / 3);
  assert.equal(c.points[1]!.pgr, 0.5);
  assert.equal(c.points[2]!.pgr, 0.5);
  assert.equal(c.points[3]!.pgr, 1);
  // Shares 0, 1/3, 2/3, 1 with PGR 0, 0.5, 0.5, 1: area (0.25 + 0.5 + 0.75) / 3.
  near(apgr(c), 0.5);
  // Gap at share 1/3: (Q_s - Q) / Q_s = (3 - 2) / 3.
  assert.equal(c.points[1]!.qualityGap, 1 / 3);
  near(cpt(c, 0.25), 1 / 6);
  near(cpt(c, 0.75), 5 / 6);
});

test('CPT matches an exact integer reference on random 0/1 outcomes', () => {
  const rand = mulberry32(11);
  // CPT(a/b) in whole numbers: the first point where b x gain >= a x total, interpolated before it.
  const reference = (d: number[], a: number, b: number): number | null => {
    const n = d.length;
    const total = d.reduce((x, y) => x + y, 0);
    let g = 0;
    for (let k = 0; k <= n; k++) {
      const prev = g;
      if (k > 0) g += d[k - 1]!;
      if (b * g >= a * total) return k === 0 ? 0 : (k - 1) / n + ((a * total) / b - prev) / (g - prev) / n;
    }
    return null;
  };
  let cases = 0;
  for (let trial = 0; trial < 400; trial++) {
    const n = 3 + Math.floor(rand() * 200);
    const qWeak = Array.from({ length: n }, () => (rand() < 0.6 ? 1 : 0));
    const qStrong = Array.from({ length: n }, () => (rand() < 0.75 ? 1 : 0));
    const d = qStrong.map((s, i) => s - qWeak[i]!);
    if (d.reduce((x, y) => x + y, 0) <= 0) continue;
    const c = exactCurve(Array.from({ length: n }, (_, i) => n - i), { qWeak, qStrong, cWeak: qWeak.map(() => 0), cStrong: qWeak.map(() => 1) });
    for (const [a, b] of [[1, 5], [1, 2], [4, 5]] as const) {
      near(cpt(c, a / b), reference(d, a, b)!, `trial ${trial}, CPT(${a}/${b})`);
      cases++;
    }
  }
  assert.ok(cases > 900, `only ${cases} cases`);
});
