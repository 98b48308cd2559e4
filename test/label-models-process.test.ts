import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetRow as Row } from '../src/data/dataset.ts';
import { cli } from './cli.ts';
import { tempDir, writeFile } from './helpers.ts';
import { defaultReply, providerEnv, spawnCli, startFakeLlmServer, type FakeRequest } from './fake-llm-server.ts';

// The durability promises of `router label` (test/label-resume.test.ts) over three models: a
// SIGKILL mid-run, two copies at once and Ctrl-C, each through the built binary, each resumed in
// this process. Grade mode: per row every model answers and the judge grades each answer, 6 calls.

const MODELS = ['openai:fake-weak', 'openai:fake-mid', 'anthropic:fake-strong'];
const CALLS_PER_ROW = 6;
const PRICES = { models: { 'openai:fake-weak': { inputPerMTok: 1, outputPerMTok: 2 }, 'openai:fake-mid': { inputPerMTok: 3, outputPerMTok: 6 }, 'anthropic:fake-strong': { inputPerMTok: 10, outputPerMTok: 20 }, 'openai:fake-judge': { inputPerMTok: 5, outputPerMTok: 10 } } };
const ARGS = ['label', 'q.csv', '--models', MODELS.join(','), '--judge', 'openai:fake-judge', '--mode', 'grade', '--prices', 'prices.json', '--yes', '--no-cache', '-j', '3'];

// Answers name their model, so no two models' answers, and no two grading prompts, are the same call.
const distinct = (req: FakeRequest) => (req.model === 'fake-judge' ? defaultReply(req) : `${defaultReply(req)} (${req.model})`);

function setup(rows: number): string {
  const dir = tempDir('router-models-procs-');
  const lines = ['id,query'];
  for (let i = 1; i <= rows; i++) lines.push(i % 2 ? `r${i},a hard question ${i}` : `r${i},an easy question ${i}`);
  writeFile(dir, 'q.csv', lines.join('\n') + '\n');
  writeFile(dir, 'prices.json', JSON.stringify(PRICES));
  return dir;
}

function envOf(server: { openaiBaseURL: string; anthropicBaseURL: string }) {
  return { OPENAI_API_KEY: 'sk-models-procs-1234567', ANTHROPIC_API_KEY: 'sk-models-procs-7654321', OPENAI_BASE_URL: server.openaiBaseURL, ANTHROPIC_BASE_URL: server.anthropicBaseURL };
}

function journalCalls(dir: string): number {
  const folder = join(dir, 'artifacts', 'label-runs');
  if (!existsSync(folder)) return 0;
  return readdirSync(folder)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => readFileSync(join(folder, f), 'utf8').split('\n').filter((l) => l.startsWith('{"t":"call"')).length)
    .reduce((a, b) => a + b, 0);
}

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function datasetRows(dir: string): Row[] {
  return readFileSync(join(dir, 'artifacts', 'datasets', 'q', 'v1.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as Row);
}

const noCallTwice = (bodies: string[]) => assert.equal(new Set(bodies).size, bodies.length, 'no answered call was asked again');

test('three models, killed with SIGKILL mid-run: the same command finishes every row with every model, paying for no answered call twice', async () => {
  const ROWS = 6;
  let crashing = true;
  const server = await startFakeLlmServer({ reply: distinct, fault: () => (crashing && server.answered().length >= 14 ? { kind: 'hang' } : undefined) });
  try {
    const dir = setup(ROWS);
    let kill: ((s: NodeJS.Signals) => void) | undefined;
    const first = spawnCli(ARGS, dir, envOf(server), (k) => (kill = k));
    await until('the answered calls journaled and every call slot stuck', () => {
      const answered = server.answered().length;
      return answered >= 14 && server.requests.length - answered === 3 && journalCalls(dir) === answered;
    });
    kill!('SIGKILL');
    assert.equal((await first).signal, 'SIGKILL');
    assert.ok(!existsSync(join(dir, 'artifacts', 'datasets')), 'killed before any dataset was written');

    crashing = false;
    const again = await cli(ARGS, dir, providerEnv(envOf(server)));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^Labelled ${ROWS} of ${ROWS} queries`));
    assert.match(again.stdout, /\n3 calls were sent by an earlier run that stopped before their answer was recorded/);
    const bodies = server.answered().map((r) => JSON.stringify(r.body));
    noCallTwice(bodies);
    assert.equal(bodies.length, ROWS * CALLS_PER_ROW, 'exactly the calls of one uninterrupted run');
    const rows = datasetRows(dir);
    assert.deepEqual(rows.map((r) => r.id), Array.from({ length: ROWS }, (_, i) => `r${i + 1}`), 'no lost rows, in input order');
    for (const r of rows) assert.deepEqual(Object.keys(r.models).sort(), [...MODELS].sort(), `row ${r.id} has every model`);
  } finally {
    await server.close();
  }
});

test('three models, two copies at once: one runs, the other refuses; nothing is paid twice', async () => {
  const server = await startFakeLlmServer({ reply: distinct, delayMs: 30 });
  try {
    const dir = setup(6);
    const [a, b] = await Promise.all([spawnCli(ARGS, dir, envOf(server), () => {}), spawnCli(ARGS, dir, envOf(server), () => {})]);
    const [winner, loser] = a.code === 0 ? [a, b] : [b, a];
    assert.equal(winner.code, 0, winner.stderr);
    assert.match(winner.stdout, /^Labelled 6 of 6 queries/);
    assert.equal(loser.code, 2, loser.stderr);
    assert.match(loser.stderr, /^router: artifacts\/label-runs\/[0-9a-f]{16}\.lock: another router label is running this run \(pid \d+\); wait for it to finish, or stop it, then run the same command again\n$/);
    const bodies = server.answered().map((r) => JSON.stringify(r.body));
    noCallTwice(bodies);
    assert.equal(bodies.length, 6 * CALLS_PER_ROW);
  } finally {
    await server.close();
  }
});

test('three models, Ctrl-C: calls in flight finish, nothing new is sent; the resume pays nothing twice', async () => {
  const server = await startFakeLlmServer({ reply: distinct, delayMs: 150 });
  try {
    const dir = setup(8);
    let kill: ((s: NodeJS.Signals) => void) | undefined;
    const run = spawnCli(ARGS, dir, envOf(server), (k) => (kill = k));
    await until('a few answers', () => server.answered().length >= 7);
    const signalled = performance.now();
    kill!('SIGINT');
    const r = await run;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /router: interrupted: \d+ of 8 rows are done and kept in artifacts\/label-runs\/q-[0-9a-f]{16}\.jsonl \(\$0\.\d{4} spent\); run the same command again to continue/);
    assert.ok(server.requests.every((q) => q.answered), 'every call in flight was let finish');
    assert.equal(server.requests.filter((q) => q.receivedAt > signalled + 100).length, 0, 'nothing sent after the interrupt');

    server.options.delayMs = 0;
    const again = await cli(ARGS, dir, providerEnv(envOf(server)));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Labelled 8 of 8 queries/);
    assert.doesNotMatch(again.stdout, /billed twice/);
    const bodies = server.answered().map((q) => JSON.stringify(q.body));
    noCallTwice(bodies);
    assert.equal(bodies.length, 8 * CALLS_PER_ROW);
  } finally {
    await server.close();
  }
});
