import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from './cli.ts';
import { tempDir, writeFile } from './helpers.ts';
import { defaultReply, providerEnv, spawnCli, startFakeLlmServer } from './fake-llm-server.ts';

// The durability promise of `router label`: kill it with SIGKILL mid-run, run the same command
// again, and it finishes with every row and without paying for any call twice. The response
// cache is off, so the run journal alone has to carry the paid calls across the crash.
// The runs that get a signal, and the two copies at once, are processes of their own (the built
// binary); the runs after them resume in this process (cli(), test/cli.ts).

const ROWS = 8;
const KILL_AFTER = 13;

function journalCalls(dir: string): number {
  const folder = join(dir, 'artifacts', 'label-runs');
  if (!existsSync(folder)) return 0;
  return readdirSync(folder)
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

test('a run killed with SIGKILL resumes: no lost rows, no repeated paid call', async () => {
  let crashing = true;
  const server = await startFakeLlmServer({
    // Answers name their model, so the weak and strong answers always differ: 4 calls per row.
    reply: (req) => (req.model === 'fake-judge' ? defaultReply(req) : `${defaultReply(req)} (${req.model})`),
    // After KILL_AFTER answers, requests hang: the process is stuck mid-run with calls in flight.
    fault: () => (crashing && server.answered().length >= KILL_AFTER ? { kind: 'hang' } : undefined),
  });
  try {
    const dir = tempDir('router-resume-');
    const lines = ['id,query'];
    for (let i = 1; i <= ROWS; i++) lines.push(i % 2 ? `r${i},a hard question ${i}` : `r${i},an easy question ${i}`);
    writeFile(dir, 'q.csv', lines.join('\n') + '\n');
    const env = { OPENAI_API_KEY: 'sk-resume-test-1234567', ANTHROPIC_API_KEY: 'sk-resume-test-7654321', OPENAI_BASE_URL: server.openaiBaseURL, ANTHROPIC_BASE_URL: server.anthropicBaseURL };
    const args = ['label', 'q.csv', '--weak', 'openai:fake-weak', '--strong', 'anthropic:fake-strong', '--judge', 'openai:fake-judge', '--yes', '--no-cache', '-j', '3'];

    let kill: ((s: NodeJS.Signals) => void) | undefined;
    const first = spawnCli(args, dir, env, (k) => (kill = k));
    await until('the answered calls to be journaled, and every call slot (-j 3) stuck', () => {
      const answered = server.answered().length;
      return answered >= KILL_AFTER && server.requests.length - answered === 3 && journalCalls(dir) === answered;
    });
    const paidBeforeKill = server.answered().length;
    kill!('SIGKILL');
    const killed = await first;
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(!existsSync(join(dir, 'artifacts', 'datasets')), 'killed before any dataset was written');

    crashing = false;
    const second = await cli(args, dir, providerEnv(env));
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, new RegExp(`^Labelled ${ROWS} of ${ROWS} queries`));
    // The three calls cut off by the kill were recorded as sent: made again, and said so.
    assert.match(second.stdout, /\n3 calls were sent by an earlier run that stopped before their answer was recorded: they were made again and may have been billed twice \(counted in the spend at their maximum, \$0\.\d{4}\)\.\n/);

    const answered = server.answered();
    const bodies = answered.map((r) => JSON.stringify(r.body));
    assert.equal(new Set(bodies).size, bodies.length, 'no answered call was asked again');
    assert.equal(answered.length, ROWS * 4, 'exactly the calls of one uninterrupted run');
    assert.ok(answered.length > paidBeforeKill);

    const rows = readFileSync(join(dir, 'artifacts', 'datasets', 'q', 'v1.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { id: string; label: { strongBetter: boolean } });
    assert.deepEqual(rows.map((r) => r.id), Array.from({ length: ROWS }, (_, i) => `r${i + 1}`), 'no lost rows, in input order');
    assert.deepEqual(rows.map((r) => r.label.strongBetter), rows.map((_, i) => i % 2 === 0));
  } finally {
    await server.close();
  }
});

// Processes at once and signals: what a user does with a terminal and a second window.

function setupRun(rows: number) {
  const dir = tempDir('router-procs-');
  const lines = ['id,query'];
  for (let i = 1; i <= rows; i++) lines.push(i % 2 ? `r${i},a hard question ${i}` : `r${i},an easy question ${i}`);
  writeFile(dir, 'q.csv', lines.join('\n') + '\n');
  writeFile(dir, 'prices.json', JSON.stringify({ models: { 'openai:fake-weak': { inputPerMTok: 1, outputPerMTok: 2 }, 'anthropic:fake-strong': { inputPerMTok: 10, outputPerMTok: 20 }, 'openai:fake-judge': { inputPerMTok: 5, outputPerMTok: 10 } } }));
  return dir;
}

const distinct = (req: Parameters<typeof defaultReply>[0]) => (req.model === 'fake-judge' ? defaultReply(req) : `${defaultReply(req)} (${req.model})`);
const ARGS = ['label', 'q.csv', '--weak', 'openai:fake-weak', '--strong', 'anthropic:fake-strong', '--judge', 'openai:fake-judge', '--prices', 'prices.json', '--yes', '--no-cache', '-j', '2'];

function envOf(server: { openaiBaseURL: string; anthropicBaseURL: string }) {
  return { OPENAI_API_KEY: 'sk-procs-test-1234567', ANTHROPIC_API_KEY: 'sk-procs-test-7654321', OPENAI_BASE_URL: server.openaiBaseURL, ANTHROPIC_BASE_URL: server.anthropicBaseURL };
}

test('two copies of the same run at once: one runs, the other refuses naming its pid; nothing is paid twice', async () => {
  const server = await startFakeLlmServer({ reply: distinct, delayMs: 30 });
  try {
    const dir = setupRun(10);
    const pids: number[] = [];
    const [a, b] = await Promise.all([spawnCli(ARGS, dir, envOf(server), (_k, pid) => pids.push(pid)), spawnCli(ARGS, dir, envOf(server), (_k, pid) => pids.push(pid))]);
    const [winner, loser, loserPid] = a.code === 0 ? [a, b, pids[1]] : [b, a, pids[0]];
    assert.equal(winner.code, 0, winner.stderr);
    assert.match(winner.stdout, /^Labelled 10 of 10 queries/);
    assert.equal(winner.stderr, '', 'the process prints no progress or note without a terminal');
    assert.equal(loser.code, 2, loser.stderr);
    const winnerPid = pids.find((p) => p !== loserPid);
    assert.match(loser.stderr, new RegExp(`^router: artifacts/label-runs/[0-9a-f]{16}\\.lock: another router label is running this run \\(pid ${winnerPid}\\); wait for it to finish, or stop it, then run the same command again\\n$`));
    const bodies = server.answered().map((r) => JSON.stringify(r.body));
    assert.equal(bodies.length, 40);
    assert.equal(new Set(bodies).size, 40, 'no call paid twice');
    assert.deepEqual(readdirSync(join(dir, 'artifacts', 'label-runs')).filter((f) => f.endsWith('.lock')), [], 'the lock is released');
  } finally {
    await server.close();
  }
});

test('a lock left by a dead process is taken over', async () => {
  const server = await startFakeLlmServer({ reply: distinct });
  try {
    const dir = setupRun(2);
    const dry = await cli([...ARGS, '--dry-run', '--json'], dir, providerEnv(envOf(server)));
    const runId = /-([0-9a-f]{16})\.jsonl$/.exec(JSON.parse(dry.stdout).journal)![1];
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    mkdirSync(join(dir, 'artifacts', 'label-runs'), { recursive: true });
    writeFile(join(dir, 'artifacts', 'label-runs'), `${runId}.lock`, `${dead}\n`);
    const r = await cli(ARGS, dir, providerEnv(envOf(server)));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(join(dir, 'artifacts', 'label-runs', `${runId}.lock`)));
  } finally {
    await server.close();
  }
});

test('Ctrl-C: calls in flight finish, nothing new is sent, the journal says how to resume; the resume pays nothing twice', async () => {
  const server = await startFakeLlmServer({ reply: distinct, delayMs: 150 });
  try {
    const dir = setupRun(12);
    let kill: ((s: NodeJS.Signals) => void) | undefined;
    const run = spawnCli(ARGS, dir, envOf(server), (k) => (kill = k));
    await until('a few answers', () => server.answered().length >= 6);
    const signalled = performance.now();
    kill!('SIGINT');
    const r = await run;
    assert.equal(r.code, 130);
    assert.match(r.stderr, /^\nrouter: stopping: no new calls; waiting for the calls in flight \(Ctrl-C again to quit at once\)\nrouter: interrupted: (\d+) of 12 rows are done and kept in artifacts\/label-runs\/q-[0-9a-f]{16}\.jsonl \(\$0\.\d{4} spent\); run the same command again to continue, without paying again for what is done\n$/);
    assert.ok(server.requests.every((q) => q.answered), 'every call in flight was let finish');
    const late = server.requests.filter((q) => q.receivedAt > signalled + 100);
    assert.equal(late.length, 0, 'nothing sent after the interrupt');
    assert.ok(!existsSync(join(dir, 'artifacts', 'datasets')));

    // The delay only had to keep calls in flight when the signal came.
    server.options.delayMs = 0;
    const again = await cli(ARGS, dir, providerEnv(envOf(server)));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Labelled 12 of 12 queries/);
    assert.doesNotMatch(again.stdout, /billed twice/);
    const bodies = server.answered().map((q) => JSON.stringify(q.body));
    assert.equal(new Set(bodies).size, bodies.length, 'no call paid twice');
    assert.equal(bodies.length, 48);
  } finally {
    await server.close();
  }
});

test('Ctrl-C twice quits at once; the cut-off calls are counted as possibly billed twice by the resume', async () => {
  let hang = true;
  const server = await startFakeLlmServer({ reply: distinct, fault: () => (hang && server.answered().length >= 5 ? { kind: 'hang' } : undefined) });
  try {
    const dir = setupRun(8);
    let kill: ((s: NodeJS.Signals) => void) | undefined;
    let output: (() => { stderr: string }) | undefined;
    const run = spawnCli(ARGS, dir, envOf(server), (k, _pid, o) => ((kill = k), (output = o)));
    await until('both call slots stuck', () => server.requests.length - server.answered().length === 2);
    kill!('SIGINT');
    await until('the first Ctrl-C to be taken', () => output!().stderr.includes('router: stopping:'));
    const started = performance.now();
    kill!('SIGINT');
    const r = await run;
    assert.ok(performance.now() - started < 2000, 'quit at once');
    assert.equal(r.code, 130);
    assert.match(r.stderr, /\nrouter: quit at once; calls that were in flight are in the journal as sent and are counted as possibly billed when you run the same command again\n$/);
    assert.deepEqual(readdirSync(join(dir, 'artifacts', 'label-runs')).filter((f) => f.endsWith('.lock')), [], 'the lock is released on the way out');

    hang = false;
    const again = await cli(ARGS, dir, providerEnv(envOf(server)));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Labelled 8 of 8 queries/);
    assert.match(again.stdout, /\n2 calls were sent by an earlier run that stopped before their answer was recorded: they were made again and may have been billed twice \(counted in the spend at their maximum, \$0\.\d{4}\)\.\n/);
    const spent = Number(/Spent \$([\d.]+) in this run \(\$([\d.]+) in all runs/.exec(again.stdout)![2]);
    const paid = Number(/Spent \$([\d.]+) in this run/.exec(again.stdout)![1]);
    assert.ok(spent > paid, 'the run total counts the cut-off calls');
  } finally {
    await server.close();
  }
});
