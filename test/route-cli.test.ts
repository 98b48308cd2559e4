import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonArtifact } from '../src/artifacts/store.ts';
import { isMonitored } from '../src/routers/monitoring.ts';
import { DEMO, filesUnder, tempDir, writeFile } from './helpers.ts';
import { cli } from './cli.ts';

// `router route` end to end: one query or a CSV, table or JSON, the monitoring sample, deployments.

let shared: string | undefined;
/** One trained demo router shared by the tests (training is the slow part). */
async function trained(): Promise<string> {
  if (shared) return shared;
  const dir = tempDir();
  const r = await cli(['train', DEMO, '--name', 'demo', '-C', '1'], dir);
  assert.equal(r.code, 0, r.stderr);
  shared = dir;
  return dir;
}

const QUERIES = ['How do I reset my password?', 'Our webhook endpoint started returning 502 after we rotated the signing secret, and invoices INV-2231 and INV-2240 were both charged twice.'];

test('one query: the model, the score and the router\'s threshold', async () => {
  const dir = await trained();
  const body = JSON.parse(readFileSync(join(dir, 'artifacts/routers/demo/v1.json'), 'utf8')).body;
  const r = await cli(['route', '--router', 'demo', '--json', ...QUERIES], dir);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.threshold, body.threshold);
  assert.equal(out.monitoring, 0);
  assert.deepEqual(out.pair, { weak: 'sim-small', strong: 'sim-large' });
  for (const d of out.decisions) {
    assert.equal(d.monitored, false);
    assert.equal(d.tier, d.score >= body.threshold ? 'strong' : 'weak');
    assert.equal(d.model, d.tier === 'strong' ? 'sim-large' : 'sim-small');
  }
  assert.ok(out.decisions[1].score > out.decisions[0].score);
  // --threshold overrides the router's.
  const all = JSON.parse((await cli(['route', '--router', 'demo', '--json', '--threshold', '0', QUERIES[0]!], dir)).stdout);
  assert.equal(all.decisions[0].model, 'sim-large');
  const table = await cli(['route', '--router', 'demo', QUERIES[0]!], dir);
  assert.match(table.stdout, /│ How do I reset my password\? │ sim-(small|large)\s+│ 0\.\d{3} │\s+0\.\d{3} │/);
  assert.equal(table.stderr, 'read router demo@1 (artifacts/routers/demo/v1.json)\n');
});

test('a CSV of queries, with the monitoring sample chosen by query hash and marked', async () => {
  const dir = await trained();
  const queries = Array.from({ length: 60 }, (_, i) => `Where is my order #${1000 + i}? It was due ${i} days ago, "urgent"`);
  writeFile(dir, 'q.csv', 'id,prompt\n' + queries.map((q, i) => `${i},"${q.replace(/"/g, '""')}"`).join('\n') + '\n');
  const r = await cli(['route', '--router', 'demo', '--file', 'q.csv', '--monitoring', '0.1', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.decisions.length, 60);
  out.decisions.forEach((d: any, i: number) => {
    assert.equal(d.query, queries[i]);
    assert.equal(d.line, i + 2);
    assert.equal(d.monitored, isMonitored(queries[i]!, 0.1));
    if (d.monitored) assert.equal(d.model, 'sim-large');
  });
  const monitored = out.decisions.filter((d: any) => d.monitored).length;
  assert.ok(monitored > 0 && monitored < 15, `${monitored} monitored`);
  // The same queries are monitored on every run.
  assert.deepEqual(JSON.parse((await cli(['route', '--router', 'demo', '--file', 'q.csv', '--monitoring', '0.1', '--json'], dir)).stdout), out);
  const table = await cli(['route', '--router', 'demo', '--file', 'q.csv', '--monitoring', '0.1'], dir);
  assert.match(table.stdout, /│ line │ query\s+│ model\s+│ score │ threshold │ note\s+│/);
  assert.match(table.stdout, /│ monitoring │/);
  assert.match(table.stderr, new RegExp(`^read router demo@1 \\(artifacts/routers/demo/v1\\.json\\)\\n60 queries: \\d+ to sim-large \\([\\d.]+%\\), ${monitored} of them forced by the 10\\.0% monitoring sample, \\d+ to sim-small\\n$`));
});

test('a deployment gives the router, threshold and monitoring share', async () => {
  const dir = await trained();
  const path = join(dir, 'artifacts/routers/demo/v1.json');
  const env = JSON.parse(readFileSync(path, 'utf8'));
  writeJsonArtifact('deployment', { router: { name: 'demo', path: 'artifacts/routers/demo/v1.json', hash: env.contentHash }, pair: env.body.pair, threshold: 0.99, monitoring: 0.5 }, [], { root: join(dir, 'artifacts'), name: 'prod' });
  const r = await cli(['route', '--deployment', 'prod', '--json', ...QUERIES], dir);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.threshold, 0.99);
  assert.equal(out.monitoring, 0.5);
  assert.equal(out.deployment, 'artifacts/deployments/prod/v1.json');
});

test('bad input: no query, both --router and --deployment, a CSV without a query column', async () => {
  const dir = await trained();
  const before = filesUnder(dir);
  const check = async (args: string[], line: string) => {
    const r = await cli(args, dir);
    assert.equal(r.stderr, `router: ${line}\n`);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
  };
  await check(['route', '--router', 'demo'], 'no query: give one or more as arguments, or a CSV with --file');
  await check(['route', 'hello'], 'name the router with --router, or a deployment with --deployment');
  await check(['route', '--router', 'demo', '--deployment', 'x', 'hello'], 'give --router or --deployment, not both (a deployment names its router)');
  writeFile(dir, 'bad.csv', 'id,body\n1,hello\n');
  await check(['route', '--router', 'demo', '--file', 'bad.csv'], 'bad.csv:1: no query column (looked for query, prompt, question, input, text); name it with --query-col. Columns are: id, body');
  await check(['route', '--router', 'nope', 'hi'], 'nope: no such file, and no router named "nope" (known: demo)');
  await check(['route', '--router', 'demo', '--embedder', 'use', 'hi'], 'artifacts/routers/demo/v1.json: the router was trained with embedder tfidf, not use; route with --embedder tfidf or retrain');
  assert.deepEqual(filesUnder(dir).filter((f) => f !== 'bad.csv'), before);
});
