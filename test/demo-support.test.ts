import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { generateDemoSupport, type DemoDataset } from '../src/data/demo-support.js';
import type { DatasetRow, ModelOutcome } from '../src/data/dataset.js';

const WEAK = 'sim-small';
const STRONG = 'sim-large';
const MODEL_IDS = ['sim-small', 'sim-medium', 'sim-large'];

// Generated once: the default dataset is what ships, so most assertions pin it.
const demo = generateDemoSupport();

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
/** The row's outcome for `model`; a missing one fails the test. */
function outcome(row: DatasetRow, model: string): ModelOutcome {
  const o = row.models[model];
  assert.ok(o, `${row.id} has no outcome for ${model}`);
  return o;
}
const q = (row: DatasetRow, model: string): number => outcome(row, model).quality;
const strongWins = (rows: DatasetRow[]): number => mean(rows.map((r) => (q(r, STRONG) > q(r, WEAK) ? 1 : 0)));
const byDifficulty = (rows: DatasetRow[], d: string): DatasetRow[] => rows.filter((r) => r.meta?.difficulty === d);

/**
 * APGR on the exact curve, ties moved together (GUIDE.md definitions). Written here rather than
 * imported so this test pins the dataset, not the eval module.
 */
function apgr(rows: DatasetRow[], score: (r: DatasetRow) => number): number {
  const n = rows.length;
  const qw = mean(rows.map((r) => q(r, WEAK)));
  const qs = mean(rows.map((r) => q(r, STRONG)));
  const sorted = [...rows].sort((a, b) => score(b) - score(a));
  let total = rows.reduce((sum, r) => sum + q(r, WEAK), 0);
  let prev = { f: 0, pgr: 0 };
  let area = 0;
  for (let k = 0; k < n; ) {
    let j = k;
    const s = score(sorted[k]!);
    while (j < n && score(sorted[j]!) === s) {
      total += q(sorted[j]!, STRONG) - q(sorted[j]!, WEAK);
      j++;
    }
    const point = { f: j / n, pgr: (total / n - qw) / (qs - qw) };
    area += ((point.f - prev.f) * (point.pgr + prev.pgr)) / 2;
    prev = point;
    k = j;
  }
  return area;
}

describe('generateDemoSupport: determinism', () => {
  it('gives deep-equal output for the same seed', () => {
    assert.deepEqual(generateDemoSupport(), demo);
    assert.deepEqual(generateDemoSupport({ seed: 3, n: 200 }), generateDemoSupport({ seed: 3, n: 200 }));
  });

  it('gives different output for a different seed', () => {
    const other = generateDemoSupport({ seed: 8, n: 200 });
    assert.notDeepEqual(other.rows, demo.rows.slice(0, 200));
  });

  it('defaults to seed 7 and 2400 rows, and a smaller n is a prefix', () => {
    assert.deepEqual(generateDemoSupport({ seed: 7, n: 2400 }), demo);
    assert.equal(demo.rows.length, 2400);
    assert.deepEqual(generateDemoSupport({ n: 50 }).rows, demo.rows.slice(0, 50));
  });

  it('accepts n = 0 and rejects a bad n or seed', () => {
    assert.equal(generateDemoSupport({ n: 0 }).rows.length, 0);
    assert.throws(() => generateDemoSupport({ n: -1 }), RangeError);
    assert.throws(() => generateDemoSupport({ n: 1.5 }), RangeError);
    assert.throws(() => generateDemoSupport({ seed: Number.NaN }), RangeError);
  });
});

describe('generateDemoSupport: schema', () => {
  it('declares the three synthetic models with their prices and the default pair', () => {
    assert.deepEqual(demo.models, [
      { id: 'sim-small', price: { inputPerMTok: 0.15, outputPerMTok: 0.6 } },
      { id: 'sim-medium', price: { inputPerMTok: 0.8, outputPerMTok: 4.0 } },
      { id: 'sim-large', price: { inputPerMTok: 3.0, outputPerMTok: 15.0 } },
    ]);
    assert.deepEqual(demo.defaultPair, { weak: 'sim-small', strong: 'sim-large' });
  });

  it('says honestly that the data is synthetic and simulated', () => {
    assert.match(demo.description, /synthetic/i);
    assert.match(demo.description, /simulated/i);
    assert.match(demo.description, /not measured/i);
    assert.match(demo.description, /demo-support\.ts/);
  });

  it('numbers ids sup-00001 upwards, all unique', () => {
    assert.equal(demo.rows[0]?.id, 'sup-00001');
    assert.equal(demo.rows[2399]?.id, 'sup-02400');
    assert.equal(new Set(demo.rows.map((r) => r.id)).size, demo.rows.length);
  });

  it('has non-empty, varied queries', () => {
    for (const r of demo.rows) assert.ok(r.query.trim().length > 0, r.id);
    const distinct = new Set(demo.rows.map((r) => r.query)).size;
    assert.ok(distinct >= 1000, `only ${distinct} distinct queries`);
  });

  it('gives every row a valid outcome for every model', () => {
    const prices = new Map(demo.models.map((m) => [m.id, m.price!]));
    for (const r of demo.rows) {
      assert.deepEqual(Object.keys(r.models), MODEL_IDS, r.id);
      for (const [id, o] of Object.entries(r.models)) {
        const where = `${r.id} ${id}`;
        assert.ok(o.quality >= 0 && o.quality <= 1, where);
        // A 1-10 style grade normalised: one decimal, exactly.
        assert.equal(o.quality, Math.round(o.quality * 10) / 10, where);
        assert.equal(o.inputTokens, 150 + Math.ceil(r.query.length / 4), where);
        assert.ok(Number.isInteger(o.outputTokens) && o.outputTokens! > 0, where);
        const price = prices.get(id)!;
        const expected = (o.inputTokens! * price.inputPerMTok! + o.outputTokens! * price.outputPerMTok!) / 1e6;
        assert.ok(Math.abs(o.cost! - expected) <= 1e-8, `${where}: cost ${o.cost} vs ${expected}`);
        assert.ok(Number.isInteger(o.latencyMs) && o.latencyMs! > 0, where);
        if (id === WEAK) assert.ok(o.confidence! >= 0 && o.confidence! <= 1, where);
        else assert.equal(o.confidence, undefined, where);
      }
    }
  });

  it('tags rows with category, difficulty and channel', () => {
    const categories = new Set<string>();
    for (const r of demo.rows) {
      assert.ok(typeof r.meta?.category === 'string', r.id);
      categories.add(r.meta.category);
      assert.ok(['easy', 'medium', 'hard'].includes(String(r.meta.difficulty)), r.id);
      assert.ok(['email', 'chat'].includes(String(r.meta.channel)), r.id);
    }
    assert.ok(categories.size >= 8 && categories.size <= 12, `${categories.size} categories`);
    for (const d of ['easy', 'medium', 'hard']) assert.ok(byDifficulty(demo.rows, d).length >= 300, d);
    for (const c of ['email', 'chat']) assert.ok(demo.rows.filter((r) => r.meta?.channel === c).length >= 500, c);
  });
});

describe('generateDemoSupport: the signal a router should find', () => {
  // Other seeds too, so the bands hold for the generator and not just for one lucky draw.
  const datasets: [string, DemoDataset][] = [
    ['default', demo],
    ['seed 1', generateDemoSupport({ seed: 1 })],
    ['seed 99', generateDemoSupport({ seed: 99 })],
  ];

  for (const [name, ds] of datasets) {
    it(`${name}: mean quality small ≈ 0.70 < medium ≈ 0.78 < large ≈ 0.86`, () => {
      const [small, medium, large] = MODEL_IDS.map((m) => mean(ds.rows.map((r) => q(r, m)))) as [number, number, number];
      assert.ok(small > 0.66 && small < 0.74, `small ${small}`);
      assert.ok(medium > 0.74 && medium < 0.82, `medium ${medium}`);
      assert.ok(large > 0.82 && large < 0.9, `large ${large}`);
      assert.ok(small < medium && medium < large);
    });

    it(`${name}: strong beats weak on 35-45% of queries`, () => {
      const share = strongWins(ds.rows);
      assert.ok(share >= 0.35 && share <= 0.45, `strong wins ${share}`);
    });
  }

  it('has larger weak-strong gaps on hard queries than on easy ones', () => {
    const gap = (rows: DatasetRow[]): number => mean(rows.map((r) => q(r, STRONG) - q(r, WEAK)));
    const [easy, medium, hard] = ['easy', 'medium', 'hard'].map((d) => byDifficulty(demo.rows, d)) as [DatasetRow[], DatasetRow[], DatasetRow[]];
    assert.ok(gap(easy) < 0.08, `easy gap ${gap(easy)}`);
    assert.ok(gap(hard) > gap(easy) + 0.15, `hard gap ${gap(hard)} vs easy ${gap(easy)}`);
    assert.ok(gap(easy) < gap(medium) && gap(medium) < gap(hard));
    assert.ok(strongWins(hard) > strongWins(easy) + 0.3);
    // Medium sits between small and large on hard queries.
    const onHard = (m: string): number => mean(hard.map((r) => q(r, m)));
    assert.ok(onHard('sim-small') < onHard('sim-medium') && onHard('sim-medium') < onHard('sim-large'));
  });

  it('leaves the task non-trivial: small sometimes beats large, and hard queries are not always lost', () => {
    const weakWins = mean(demo.rows.map((r) => (q(r, WEAK) > q(r, STRONG) ? 1 : 0)));
    assert.ok(weakWins > 0.02, `weak wins ${weakWins}`);
    const hard = byDifficulty(demo.rows, 'hard');
    assert.ok(strongWins(hard) < 0.85, `strong wins on hard ${strongWins(hard)}`);
  });

  it('puts difficulty in the text: hard queries are longer and a text-only score beats random', () => {
    const len = (d: string): number => mean(byDifficulty(demo.rows, d).map((r) => r.query.length));
    assert.ok(len('hard') > 1.8 * len('easy'), `hard ${len('hard')} vs easy ${len('easy')}`);
    // Random routing has APGR 0.5 exactly; the crudest text feature must already do clearly better.
    const byLength = apgr(demo.rows, (r) => r.query.length);
    assert.ok(byLength > 0.6, `APGR by length ${byLength}`);
  });

  it("makes sim-small's confidence informative: lower on hard queries, and useful for routing", () => {
    const conf = (d: string): number => mean(byDifficulty(demo.rows, d).map((r) => outcome(r, WEAK).confidence!));
    assert.ok(conf('hard') < conf('easy') - 0.2, `hard ${conf('hard')} vs easy ${conf('easy')}`);
    const byConfidence = apgr(demo.rows, (r) => -outcome(r, WEAK).confidence!);
    assert.ok(byConfidence > 0.6 && byConfidence < 0.9, `APGR by confidence ${byConfidence}`);
  });

  it('makes bigger models slower, more verbose and more expensive on average', () => {
    const avg = (m: string, f: 'latencyMs' | 'outputTokens' | 'cost'): number => mean(demo.rows.map((r) => outcome(r, m)[f]!));
    for (const f of ['latencyMs', 'outputTokens', 'cost'] as const) {
      assert.ok(avg('sim-small', f) < avg('sim-medium', f) && avg('sim-medium', f) < avg('sim-large', f), f);
    }
    const easy = byDifficulty(demo.rows, 'easy');
    const hard = byDifficulty(demo.rows, 'hard');
    const out = (rows: DatasetRow[]): number => mean(rows.map((r) => outcome(r, STRONG).outputTokens!));
    assert.ok(out(hard) > out(easy), 'hard queries get longer answers');
  });
});
