import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tuningFolds, logLoss } from '../src/routers/train.ts';
import { UserError } from '../src/errors.ts';

test('k folds: balanced, deterministic by seed, duplicates of a query in one fold', () => {
  const queries = Array.from({ length: 103 }, (_, i) => `q${i % 100}`); // q0..q2 appear twice
  const folds = tuningFolds(queries, { method: 'folds', folds: 5 }, 1);
  assert.equal(folds.length, 5);
  assert.deepEqual(folds.flat().sort((a, b) => a - b), queries.map((_, i) => i));
  for (const f of folds) assert.ok(f.length >= 20 && f.length <= 22, `fold of ${f.length}`);
  for (const dup of [0, 1, 2]) assert.ok(folds.some((f) => f.includes(dup) && f.includes(dup + 100)), `q${dup} split across folds`);
  assert.deepEqual(tuningFolds(queries, { method: 'folds', folds: 5 }, 1), folds);
  assert.notDeepEqual(tuningFolds(queries, { method: 'folds', folds: 5 }, 2), folds);
});

test('a validation split holds out about its share, by query hash', () => {
  const queries = Array.from({ length: 2000 }, (_, i) => `query ${i}`);
  const [val] = tuningFolds(queries, { method: 'split', share: 0.2 }, 1);
  assert.ok(Math.abs(val!.length / 2000 - 0.2) < 0.03, `${val!.length}`);
});

test('fewer distinct queries than folds is a user error', () => {
  assert.throws(() => tuningFolds(['a', 'b', 'a'], { method: 'folds', folds: 3 }, 1), (e: unknown) => e instanceof UserError && e.message === 'only 2 distinct training queries for 3 folds; lower options.folds or add data');
});

test('log-loss is clipped so a confident mistake stays finite', () => {
  assert.equal(logLoss([0.5, 0.5], [0, 1]), Math.log(2));
  assert.ok(Number.isFinite(logLoss([0, 1], [1, 0])));
});
