import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readDataset } from '../src/data/read-dataset.ts';
import { pairTable } from '../src/data/pair.ts';
import { UserError } from '../src/errors.ts';
import { ROUTERBENCH, tempDir, writeFile } from './helpers.ts';
import { cli } from './cli.ts';

// Per-model columns (`<model>|total_cost` and the like) and RouterBench's wide layout, read with no flags.

function rejects(fn: () => unknown, expected: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    assert.equal(err.describe(), expected);
    return true;
  });
}

function csv(rows: string[][]): string {
  const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return rows.map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

test('per-model columns fill cost, response, tokens and latency; an empty cell is unknown', () => {
  const dir = tempDir();
  const file = writeFile(
    dir,
    'wide.csv',
    csv([
      ['id', 'query', 'small', 'big', 'small|total_cost', 'big|total_cost', 'big|model_response', 'small|input_tokens', 'small|output_tokens', 'small|latency_ms'],
      ['1', 'hi', 'True', 'False', '0.0001', '0.002', 'Hello!', '12', '30', '250.5'],
      ['2', 'yo', 'False', 'True', '', '3e-3', '', '', '0', ''],
    ]),
  );
  const d = readDataset(file);
  assert.equal(d.source.format, 'correctness');
  assert.deepEqual(d.models.map((m) => m.id), ['small', 'big']);
  assert.deepEqual(d.rows[0]!.models, {
    small: { quality: 1, cost: 0.0001, inputTokens: 12, outputTokens: 30, latencyMs: 250.5 },
    big: { quality: 0, cost: 0.002, response: 'Hello!' },
  });
  assert.deepEqual(d.rows[1]!.models, { small: { quality: 0, outputTokens: 0 }, big: { quality: 1, cost: 0.003 } });
  assert.equal(d.rows[0]!.meta, undefined, 'per-model columns are not metadata');
});

test('per-model columns: each mistake is one line naming the file, line and column', () => {
  const dir = tempDir();
  const f = (name: string, text: string) => writeFile(dir, name, text);
  rejects(
    () => readDataset(f('suffix.csv', 'prompt,a,b,a|cost\nq,1,0,0.1\n')),
    `${join(dir, 'suffix.csv')}:1: column "a|cost": unknown per-model column suffix "|cost"; the known ones are |total_cost, |model_response, |input_tokens, |output_tokens, |latency_ms (keep other columns with options.meta)`,
  );
  rejects(
    () => readDataset(f('orphan.csv', 'prompt,a,b,a|total_cost,c|total_cost\nq,1,0,0.1,0.2\n')),
    `${join(dir, 'orphan.csv')}:1: column "c|total_cost": model "c" has no quality column (the model columns are: a, b)`,
  );
  rejects(
    () => readDataset(f('query.csv', 'prompt,a,b,prompt|model_response\nq,1,0,x\n')),
    `${join(dir, 'query.csv')}:1: column "prompt|model_response": model "prompt" has no quality column (the model columns are: a, b)`,
  );
  rejects(
    () => readDataset(f('cost.csv', 'prompt,a,b,a|total_cost\nq1,1,0,0.1\n"q\n2",1,0,$0.20\n')),
    `${join(dir, 'cost.csv')}:3: column "a|total_cost": expected a cost in dollars, got "$0.20"`,
  );
  rejects(() => readDataset(f('neg.csv', 'prompt,a,b,b|total_cost\nq1,1,0,-0.5\n')), `${join(dir, 'neg.csv')}:2: column "b|total_cost": cost -0.5 is negative`);
  rejects(() => readDataset(f('tok.csv', 'prompt,a,b,a|input_tokens\nq1,1,0,12.5\n')), `${join(dir, 'tok.csv')}:2: column "a|input_tokens": token count 12.5 is not a whole number`);
  rejects(() => readDataset(f('out.csv', 'prompt,a,b,a|output_tokens\nq1,1,0,-3\n')), `${join(dir, 'out.csv')}:2: column "a|output_tokens": token count -3 is negative`);
  rejects(() => readDataset(f('lat.csv', 'prompt,a,b,a|latency_ms\nq1,1,0,fast\n')), `${join(dir, 'lat.csv')}:2: column "a|latency_ms": expected a latency in milliseconds, got "fast"`);
});

test('the CLI shows the option in a per-model column message as its flag', async () => {
  const dir = tempDir();
  writeFile(dir, 'x.csv', 'prompt,a,b,a|costs\nq,1,0,0.1\n');
  const r = await cli(['train', 'x.csv'], dir);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    'router: x.csv:1: column "a|costs": unknown per-model column suffix "|costs"; the known ones are |total_cost, |model_response, |input_tokens, |output_tokens, |latency_ms (keep other columns with --meta)\n',
  );
});

test('--models and --meta still decide: unnamed models drop their per-model columns; a per-model column named in meta is kept', () => {
  const dir = tempDir();
  const file = writeFile(dir, 'w.csv', 'prompt,a,b,c,a|total_cost,c|total_cost,b|model_response\nq,1,0,1,0.1,0.3,text\n');
  const d = readDataset(file, { models: ['a', 'b'] });
  assert.deepEqual(d.rows[0]!.models, { a: { quality: 1, cost: 0.1 }, b: { quality: 0, response: 'text' } });
  assert.deepEqual(d.rows[0]!.meta, { c: '1' }, 'as before --models: the other columns are metadata, but no model\'s per-model column');
  const m = readDataset(file, { meta: ['b|model_response'] });
  assert.deepEqual(m.rows[0]!.meta, { 'b|model_response': 'text' });
  assert.deepEqual(m.rows[0]!.models.b, { quality: 0 });
});

const RB_HEADER = ['sample_id', 'prompt', 'eval_name', 'org/small-chat', 'big-v1', 'org/small-chat|total_cost', 'big-v1|total_cost', 'org/small-chat|model_response', 'big-v1|model_response'];

test('RouterBench layout: sample_id, prompt, eval_name kept as metadata, 1.0/0.0 as quality 1/0, quoted multi-line prompts and responses', () => {
  const dir = tempDir();
  const file = writeFile(
    dir,
    'arc.csv',
    csv([
      RB_HEADER,
      ['arc.test.0', 'Which is a metal?\nA) wood\nB) iron\nAnswer:', 'arc-challenge', '0.0', '1.0', '5.02e-05', '0.0083', 'A\n', 'B, because iron\nis a "metal".'],
      ['arc.test.1', 'Say "hi", twice.', 'arc-challenge', '1.0', '1.0', '0.0001006', '0.00504', 'hi, hi', 'hi\n\nhi'],
    ]),
  );
  const d = readDataset(file);
  assert.equal(d.source.format, 'grades', '1.0 and 0.0 read as grades in [0,1], so quality is 1 or 0');
  assert.deepEqual(d.models.map((m) => m.id), ['org/small-chat', 'big-v1']);
  assert.deepEqual(d.rows.map((r) => r.id), ['arc.test.0', 'arc.test.1']);
  assert.equal(d.rows[0]!.query, 'Which is a metal?\nA) wood\nB) iron\nAnswer:');
  assert.deepEqual(d.rows[0]!.models, {
    'org/small-chat': { quality: 0, cost: 5.02e-5, response: 'A\n' },
    'big-v1': { quality: 1, cost: 0.0083, response: 'B, because iron\nis a "metal".' },
  });
  assert.equal(d.rows[1]!.query, 'Say "hi", twice.');
  assert.equal(d.rows[1]!.models['big-v1']!.response, 'hi\n\nhi');
  assert.deepEqual(d.rows[1]!.meta, { eval_name: 'arc-challenge' });
  const t = pairTable(d, { weak: 'org/small-chat', strong: 'big-v1' });
  assert.equal(t.costUnit, 'usd');
  assert.deepEqual([...t.cStrong], [0.0083, 0.00504]);
});

test('a text column is metadata only in the wide layout: elsewhere it is reported as taken for a model, with the options that say otherwise', () => {
  const dir = tempDir();
  const taken = (column: string) =>
    `read as a model's quality, since every column but the query and id is one unless named otherwise; if it is not a model, keep it as metadata with options.meta ${column}, or name the models with options.models (or the id column with options.idCol). As a model: `;
  rejects(
    () => readDataset(writeFile(dir, 'plain.csv', 'prompt,task,a,b\nq,arc,True,False\n')),
    `${join(dir, 'plain.csv')}:2: column "task": ${taken('task')}expected True or False, got "arc"`,
  );
  // MT-Bench's question_id beside 1-10 grades: the odd one out on the scale.
  rejects(
    () => readDataset(writeFile(dir, 'mt.csv', 'prompt,question_id,a,b\nq1,81,8,3\nq2,82,9,10\n'), { gradeScale: [1, 10] }),
    `${join(dir, 'mt.csv')}:2: column "question_id": ${taken('question_id')}grade 81 is outside the scale 1:10`,
  );
  // A model with a few bad cells among good ones keeps the plain error.
  rejects(
    () => readDataset(writeFile(dir, 'cell.csv', 'prompt,a,b\nq1,True,False\nq2,maybe,True\nq3,False,False\n')),
    `${join(dir, 'cell.csv')}:3: column "a": expected True or False, got "maybe"`,
  );
  // A model with per-model columns is a model even when its cells are text, so the bad cell is named.
  rejects(
    () => readDataset(writeFile(dir, 'wide.csv', 'prompt,task,a,b,a|total_cost\nq,arc,correct,no,0.1\n')),
    `${join(dir, 'wide.csv')}:2: column "a": expected True or False, got "correct"`,
  );
  const ok = readDataset(writeFile(dir, 'wide2.csv', 'prompt,task,a,b,a|total_cost\nq,arc,yes,no,0.1\n'));
  assert.deepEqual(ok.models.map((m) => m.id), ['a', 'b']);
  assert.deepEqual(ok.rows[0]!.meta, { task: 'arc' });
});

test('a folder of RouterBench CSVs is one dataset; train and eval on a pair report dollars from the recorded costs', async () => {
  const dir = tempDir();
  const folder = join(dir, 'rb');
  mkdirSync(folder);
  const topics = ['reset my password', 'refund my order', 'reset my email', 'refund my invoice', 'reset my phone', 'refund my card', 'reset my login', 'refund my fee'];
  const rows = (task: string) =>
    topics.map((q, i) => [`${task}.${i}`, `${q} (${task})`, task, i % 2 ? '1.0' : '0.0', '1.0', '0.0001', i % 2 ? '0.004' : '0.006', `small says ${i}`, `big\nsays ${i}`]);
  writeFile(folder, 'arc.csv', csv([RB_HEADER, ...rows('arc')]));
  writeFile(folder, 'mbpp.csv', csv([RB_HEADER, ...rows('mbpp')]));
  const d = readDataset(folder);
  assert.equal(d.rows.length, 16);
  assert.deepEqual(d.models.map((m) => m.id), ['org/small-chat', 'big-v1']);
  assert.deepEqual(d.rows[8]!.meta, { eval_name: 'mbpp', source_file: 'mbpp' });

  const pair = ['--weak', 'org/small-chat', '--strong', 'big-v1'];
  const t = await cli(['train', 'rb', '--name', 'rb', ...pair, '--router', 'random', '--no-holdout'], dir);
  assert.equal(t.code, 0, t.stderr);
  const e = await cli(['eval', 'rb', '--router', 'rb', '--split', 'all', '--bootstrap', '0', '--by', 'eval_name', '--json'], dir);
  assert.equal(e.code, 0, e.stderr);
  const body = JSON.parse(e.stdout).body;
  assert.equal(body.costUnit, 'usd');
  assert.ok(Math.abs(body.baselines.alwaysStrong.cost - 0.005) < 1e-12, `always-strong costs ${body.baselines.alwaysStrong.cost}`);
  assert.ok(Math.abs(body.baselines.alwaysWeak.cost - 0.0001) < 1e-12);
  assert.deepEqual(body.slices.slices.map((s: { value: string }) => s.value), ['arc', 'mbpp']);
});

test('every CSV of a folder needs the same models', () => {
  const dir = tempDir();
  writeFile(dir, 'a.csv', 'prompt,x,y,x|total_cost\nq1,1,0,0.1\n');
  writeFile(dir, 'b.csv', 'prompt,x,z,x|total_cost\nq2,1,0,0.1\n');
  rejects(() => readDataset(dir), `${join(dir, 'b.csv')}:1: model columns differ from a.csv's: missing y; extra z (every CSV of a folder needs the same models)`);
});

test('RouterBench CSVs as shipped: the figures of the data README', { skip: !existsSync(ROUTERBENCH) && 'no RouterBench data folder' }, () => {
  const d = readDataset(ROUTERBENCH);
  assert.equal(d.rows.length, 3150);
  assert.equal(d.models.length, 11);
  assert.equal(d.notes, undefined);
  const figures = (model: string) => {
    let q = 0;
    let c = 0;
    for (const r of d.rows) {
      const o = r.models[model]!;
      assert.ok(o.cost !== undefined, `${r.id} has a cost for ${model}`);
      q += o.quality;
      c += o.cost;
    }
    return [Number((q / d.rows.length).toFixed(3)), Number(((c / d.rows.length) * 1000).toFixed(3))];
  };
  assert.deepEqual(figures('gpt-4-1106-preview'), [0.879, 5.015]);
  assert.deepEqual(figures('mistralai/mistral-7b-chat'), [0.584, 0.081]);
  assert.deepEqual([...new Set(d.rows.map((r) => r.meta?.eval_name))], ['arc-challenge', 'mbpp', 'winogrande']);
  assert.ok(d.rows.every((r) => Object.values(r.models).every((o) => (o.quality === 0 || o.quality === 1) && typeof o.response === 'string')));
  assert.equal(new Set(d.rows.map((r) => r.id)).size, 3150, 'sample_id is the id');
});
