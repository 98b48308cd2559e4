import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { filesUnder, tempDir, writeFile } from './helpers.ts';
import { cli } from './cli.ts';

// Each bad input: one line naming what and where, exit code 2, no stack trace, nothing written.
async function expectRejected(args: string[], cwd: string, line: string): Promise<void> {
  const r = await cli(args, cwd);
  assert.equal(r.stderr, `router: ${line}\n`);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.deepEqual(filesUnder(cwd).filter((f) => f.startsWith('artifacts/')), [], 'nothing is written');
}

const good = 'prompt,weak,strong\nq1,True,False\nq2,False,True\nq3,True,True\n';

test('a missing file', async () => {
  const dir = tempDir();
  await expectRejected(['train', 'nope.csv'], dir, 'nope.csv: no such file, and no dataset named "nope.csv" (none in artifacts/datasets)');
  await expectRejected(['train', 'missing/data.csv'], dir, 'missing/data.csv: no such file');
});

test('a missing query column, and a misnamed one given with --query-col', async () => {
  const dir = tempDir();
  writeFile(dir, 'q.csv', 'text_body,weak,strong\nq1,True,False\n'.replace('text_body', 'body'));
  await expectRejected(['train', 'q.csv'], dir, 'q.csv:1: no query column (looked for query, prompt, question, input, text); name it with --query-col. Columns are: body, weak, strong');
  writeFile(dir, 'p.csv', good);
  await expectRejected(['train', 'p.csv', '--query-col', 'promt'], dir, 'p.csv:1: no column "promt" (--query-col); columns are: prompt, weak, strong');
  await expectRejected(['train', 'p.csv', '--models', 'weak,gpt5'], dir, 'p.csv:1: no column "gpt5" (--models); columns are: prompt, weak, strong');
});

test('an empty query, reported at the line it starts on', async () => {
  const dir = tempDir();
  writeFile(dir, 'e.csv', 'prompt,weak,strong\n"multi\nline",True,False\n"  ",True,True\n');
  await expectRejected(['train', 'e.csv'], dir, 'e.csv:4: column "prompt": empty query');
  writeFile(dir, 'e.jsonl', '{"query":"ok","models":{"a":{"quality":1}}}\n{"query":"","models":{"a":{"quality":1}}}\n');
  await expectRejected(['train', 'e.jsonl'], dir, 'e.jsonl:2: field "query": empty query');
});

test('a non-boolean in a correctness column', async () => {
  const dir = tempDir();
  writeFile(dir, 'b.csv', 'prompt,weak,strong\n"a,\nb",True,False\nc,maybe,True\n');
  await expectRejected(['train', 'b.csv'], dir, 'b.csv:4: column "weak": expected True or False, got "maybe"');
});

test('a folder: the error names the file inside it', async () => {
  const dir = tempDir();
  writeFile(dir, 'ok.csv', good);
  writeFile(dir, 'z_bad.csv', 'prompt,weak,strong\nq9,True,True\nq10,True,Nope\nq11,False,True\n');
  await expectRejected(['train', '.'], dir, 'z_bad.csv:3: column "strong": expected True or False, got "Nope"');
});

test('a truncated JSONL line', async () => {
  const dir = tempDir();
  writeFile(dir, 't.jsonl', '{"id":"1","query":"hi","models":{"w":{"quality":0},"s":{"quality":1}}}\n{"id":"2","query":"yo","models":{"w":{"qual');
  const r = await cli(['train', 't.jsonl'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^router: t\.jsonl:2: malformed JSON \(truncated line\?\): .+\n$/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('a quality outside [0,1] in JSONL names the field', async () => {
  const dir = tempDir();
  writeFile(dir, 'q.jsonl', '{"id":"1","query":"hi","models":{"w":{"quality":1.5},"s":{"quality":1}}}\n');
  await expectRejected(['train', 'q.jsonl'], dir, 'q.jsonl:1: field "models.w.quality": must be in [0,1]');
});

test('duplicate ids', async () => {
  const dir = tempDir();
  writeFile(dir, 'd.csv', 'id,prompt,weak,strong\n7,q1,True,False\n7,q2,False,True\n');
  await expectRejected(['train', 'd.csv'], dir, 'd.csv:3: duplicate id "7" (first seen at d.csv:2)');
});

test('an artifact of the wrong kind', async () => {
  const dir = tempDir();
  writeFile(dir, 'p.csv', 'prompt,weak,strong\nreset my password,True,True\nreset my email,True,False\nrefund my order,False,True\nrefund my invoice,False,True\n');
  const trained = await cli(['train', 'p.csv', '--name', 'r', '--no-holdout'], dir);
  assert.equal(trained.code, 0, trained.stderr);
  const router = join('artifacts', 'routers', 'r', 'v1.json');
  const before = filesUnder(dir);
  const r = await cli(['estimate', '--eval', router, '--volume', '1k/day'], dir);
  assert.equal(r.stderr, `router: ${router}: is a router artifact, expected an eval-report\n`);
  assert.equal(r.code, 2);
  assert.deepEqual(filesUnder(dir), before, 'nothing is written');
});

test('one class only', async () => {
  const dir = tempDir();
  writeFile(dir, 'one.csv', 'prompt,weak,strong\nq1,True,True\nq2,False,False\n');
  await expectRejected(['train', 'one.csv', '--no-holdout'], dir, 'one.csv: cannot train on one class only: strong is never better than weak in the 2 training rows');
});

test('bad flag values are one line and exit 2', async () => {
  const dir = tempDir();
  writeFile(dir, 'p.csv', good);
  const r = await cli(['train', 'p.csv', '--holdout', '2'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: option '--holdout <share>' argument '2' is invalid\. expected a share in \[0,1\]/);
  const v = await cli(['estimate', '--volume', 'lots', '--weak-share', '0.5'], dir);
  assert.equal(v.code, 2);
  assert.match(v.stderr, /argument 'lots' is invalid\. expected a count per day or month/);
  const t = await cli(['eval', 'p.csv', '--router', 'x', '--thresholds', '0.2,1.5'], dir);
  assert.equal(t.code, 2);
  assert.match(t.stderr, /threshold "1\.5" is not a number in \[0,1\]/);
});

test('--debug shows the stack trace for a user error', async () => {
  const dir = tempDir();
  const r = await cli(['train', 'nope.csv', '--debug'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^router: nope\.csv: no such file/);
  assert.match(r.stderr, /\n\s+at /);
});

test('a file that is not CSV at all is a one-line input error, not a crash', async () => {
  const dir = tempDir();
  writeFile(dir, 'x.csv', 'prompt,weak,strong\nab"c",True,False\n');
  const r = await cli(['train', 'x.csv'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^router: x\.csv:2: malformed CSV: Invalid Opening Quote: a quote is found on field 0 /);
  assert.equal(r.stderr.split('\n').length, 2);
});
