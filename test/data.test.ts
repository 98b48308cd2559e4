import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readDataset } from '../src/data/read-dataset.ts';
import { choosePair, pairTable, strongWins } from '../src/data/pair.ts';
import { splitRows } from '../src/data/split.ts';
import { UserError } from '../src/errors.ts';
import { tempDir, writeFile } from './helpers.ts';

function rejects(fn: () => unknown, expected: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    assert.equal(err.describe(), expected);
    return true;
  });
}

test('correctness CSV: quoted multi-line prompts, True/False per model, meta columns kept', () => {
  const dir = tempDir();
  const file = writeFile(dir, 'quiz.csv', 'prompt,small,big\n"What is 2+2?\nA. 3\nB. 4\nAnswer:",False,True\n"Capital, of France?",True,True\n');
  const d = readDataset(file, { meta: [] });
  assert.equal(d.source.format, 'correctness');
  assert.deepEqual(d.models.map((m) => m.id), ['small', 'big']);
  assert.equal(d.rows.length, 2);
  assert.equal(d.rows[0]!.query, 'What is 2+2?\nA. 3\nB. 4\nAnswer:');
  assert.deepEqual(d.rows[0]!.models, { small: { quality: 0 }, big: { quality: 1 } });
  assert.equal(d.rows[1]!.query, 'Capital, of France?');
  assert.equal(d.rows[0]!.id, 'quiz:1');
  assert.match(d.source.hash, /^sha256:[0-9a-f]{64}$/);
});

test('a folder of CSVs is read at once, each row tagged with its file', () => {
  const dir = tempDir();
  const folder = join(dir, 'bench');
  mkdirSync(folder);
  writeFile(folder, 'mmlu_a.csv', 'prompt,w,s\nq1,True,False\n');
  writeFile(folder, 'mmlu_b.csv', 'prompt,w,s\nq2,False,True\nq3,true,TRUE\n');
  writeFile(folder, 'notes.txt', 'ignored');
  const d = readDataset(folder);
  assert.deepEqual(d.rows.map((r) => [r.id, r.meta?.source_file]), [['mmlu_a:1', 'mmlu_a'], ['mmlu_b:1', 'mmlu_b'], ['mmlu_b:2', 'mmlu_b']]);
});

test('graded scores are normalised with --grade-scale, and metadata columns are named with --meta', () => {
  const dir = tempDir();
  const file = writeFile(dir, 'grades.csv', 'id,question,subject,a,b\nx1,hello,chat,1,10\nx2,world,code,5.5,7\n');
  const d = readDataset(file, { gradeScale: [1, 10], meta: ['subject'] });
  assert.equal(d.source.format, 'grades');
  assert.deepEqual(d.rows[0]!.models, { a: { quality: 0 }, b: { quality: 1 } });
  assert.deepEqual(d.rows[1]!.models, { a: { quality: 0.5 }, b: { quality: 6 / 9 } });
  assert.deepEqual(d.rows[1]!.meta, { subject: 'code' });
  assert.equal(d.rows[1]!.id, 'x2');
});

test('grades outside [0,1] without a scale are rejected with the place and the flag to use', () => {
  const dir = tempDir();
  const file = writeFile(dir, 'g.csv', 'query,a,b\nhi,0.5,0.7\nyo,3,9\n');
  rejects(() => readDataset(file, { format: 'grades' }), `${file}:3: column "a": grade 3 is outside [0,1]; give the raw range with options.gradeScale MIN:MAX (for example 1:10)`);
});

test('pairwise battles: win 1, tie 0.5, loss 0, one row per battle', () => {
  const dir = tempDir();
  const file = writeFile(dir, 'b.csv', 'prompt,model_a,model_b,winner\np1,m1,m2,model_a\np2,m2,m3,tie\np3,m1,m3,model_b\n');
  const d = readDataset(file);
  assert.equal(d.source.format, 'battles');
  assert.deepEqual(d.rows.map((r) => r.models), [
    { m1: { quality: 1 }, m2: { quality: 0 } },
    { m2: { quality: 0.5 }, m3: { quality: 0.5 } },
    { m1: { quality: 0 }, m3: { quality: 1 } },
  ]);
  const t = pairTable(d, { weak: 'm1', strong: 'm3' });
  assert.equal(t.rows.length, 1, 'only battles between the two models count for that pair');
});

test('battle columns can be mapped with flags', () => {
  const dir = tempDir();
  const file = writeFile(dir, 'b.csv', 'text,left,right,result\np1,x,y,model_b\n');
  const d = readDataset(file, { format: 'battles', modelACol: 'left', modelBCol: 'right', winnerCol: 'result' });
  assert.deepEqual(d.rows[0]!.models, { x: { quality: 0 }, y: { quality: 1 } });
});

test('canonical JSONL without a header: N models, tokens, costs, meta, verdicts', () => {
  const dir = tempDir();
  const row = {
    id: 'q1',
    query: 'hi',
    models: { a: { quality: 0.2, inputTokens: 10, outputTokens: 5, cost: 0.001, latencyMs: 300, confidence: 0.4 }, b: { quality: 0.9 }, c: { quality: 1 } },
    verdicts: [{ judge: 'j', a: 'a', b: 'b', winner: 'b' }],
    meta: { subject: 'greeting' },
  };
  const file = writeFile(dir, 'd.jsonl', JSON.stringify(row) + '\n\n' + JSON.stringify({ ...row, id: 'q2', query: 'yo' }) + '\n');
  const d = readDataset(file);
  assert.deepEqual(d.rows[0], row);
  assert.deepEqual(d.models.map((m) => m.id), ['a', 'b', 'c']);
  assert.throws(() => choosePair(d, {}), /has 3 models \(a, b, c\); choose the pair with options.weak and options.strong/);
  assert.deepEqual(choosePair(d, { weak: 'a', strong: 'c' }), { weak: 'a', strong: 'c' });
});

test('choosePair picks the weaker of two models by mean quality and says so', () => {
  const dir = tempDir();
  const d = readDataset(writeFile(dir, 'x.csv', 'prompt,good,bad\nq1,True,False\nq2,True,True\n'));
  assert.deepEqual(choosePair(d, {}), { weak: 'bad', strong: 'good', chosenBy: 'mean quality' });
  rejects(() => choosePair(d, { weak: 'nope', strong: 'good' }), `${d.source.path}: unknown model "nope" for options.weak; the dataset has: good, bad`);
});

test('costs: recorded dollars, else tokens x price; units when any row has no price', () => {
  const dir = tempDir();
  const lines = [
    { id: '1', query: 'a', models: { w: { quality: 0, cost: 0.5 }, s: { quality: 1, inputTokens: 1000, outputTokens: 2000 } } },
    { id: '2', query: 'b', models: { w: { quality: 1, cost: 0.25 }, s: { quality: 1, cost: 3 } } },
  ];
  const file = writeFile(dir, 'c.jsonl', lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const d = readDataset(file);
  d.models = [{ id: 'w' }, { id: 's', price: { inputPerMTok: 1000, outputPerMTok: 500 } }];
  const t = pairTable(d, { weak: 'w', strong: 's' });
  assert.equal(t.costUnit, 'usd');
  assert.deepEqual([...t.cWeak], [0.5, 0.25]);
  assert.deepEqual([...t.cStrong], [(1000 * 1000 + 2000 * 500) / 1e6, 3]);
  assert.deepEqual([...strongWins(t)], [1, 0]);
  d.models = [{ id: 'w' }, { id: 's' }];
  const units = pairTable(d, { weak: 'w', strong: 's' });
  assert.equal(units.costUnit, 'units');
  assert.deepEqual([...units.cWeak, ...units.cStrong], [0, 0, 1, 1]);
});

test('the held-out split is deterministic, seeded, and keeps duplicate queries on one side', () => {
  const rows = Array.from({ length: 1000 }, (_, i) => ({ query: `q${i % 500}` }));
  const a = splitRows(rows, { seed: 1, holdout: 0.2 });
  const b = splitRows(rows, { seed: 1, holdout: 0.2 });
  const c = splitRows(rows, { seed: 2, holdout: 0.2 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.test, c.test);
  assert.ok(a.test.length > 140 && a.test.length < 260, `held out ${a.test.length} of 1000`);
  const testQueries = new Set(a.test.map((r) => r.query));
  assert.ok(a.train.every((r) => !testQueries.has(r.query)));
});
