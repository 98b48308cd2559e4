import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../src/errors.ts';
import { labelQueries, type LabelHooks, type LabelOutcome, type LabelRequest } from '../src/label/label-run.ts';
import { readJournal } from '../src/label/journal.ts';
import { nodeAppendIo, type AppendIo } from '../src/providers/append-log.ts';
import { filesUnder, tempDir, writeFile } from './helpers.ts';
import { defaultReply, fastClock, startFakeLlmServer, type Fault, type FakeLlmServer, type FakeServerOptions } from './fake-llm-server.ts';

// `router label` under faults, in process: a full disk under the journal, truncated bodies,
// statuses no server should send, a daily quota, a dead endpoint, a budget at -j 32, keys echoed
// back by a server, and paths the file system refuses. Each test counts what the fake server
// received, which is what a user would pay for.

const OPENAI_KEY = 'sk-faults-openai-key-0123456789abcdef';
const ANTHROPIC_KEY = 'sk-ant-faults-key-fedcba9876543210';
const PRICES = JSON.stringify({
  models: {
    'openai:fake-weak': { inputPerMTok: 1, outputPerMTok: 2 },
    'anthropic:fake-strong': { inputPerMTok: 10, outputPerMTok: 20 },
    'openai:fake-judge': { inputPerMTok: 5, outputPerMTok: 10 },
  },
});

function queries(n: number): string {
  const lines = ['id,query'];
  for (let i = 1; i <= n; i++) lines.push(i % 2 ? `q${i},a hard question number ${i}` : `q${i},simple question number ${i}`);
  return lines.join('\n') + '\n';
}

function setup(rows: number): string {
  const dir = tempDir('router-faults-');
  writeFile(dir, 'q.csv', queries(rows));
  writeFile(dir, 'prices.json', PRICES);
  return dir;
}

function options(dir: string, extra: Partial<LabelRequest> = {}): LabelRequest {
  return {
    queries: join(dir, 'q.csv'),
    weak: 'openai:fake-weak',
    strong: 'anthropic:fake-strong',
    judge: 'openai:fake-judge',
    baseURLs: {},
    mode: 'pairwise',
    match: 'exact',
    confidence: false,
    concurrency: 4,
    retries: 2,
    timeoutMs: 5000,
    maxTokens: 64,
    judgeMaxTokens: 64,
    prices: join(dir, 'prices.json'),
    cache: false,
    retryErrors: false,
    assumed: { answer: 20, judge: 20, confidence: 4 },
    artifacts: join(dir, 'artifacts'),
    name: 'q',
    dryRun: false,
    ...extra,
  };
}

function hooks(server: FakeLlmServer, extra: Partial<LabelHooks> = {}): LabelHooks & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    env: { OPENAI_API_KEY: OPENAI_KEY, ANTHROPIC_API_KEY: ANTHROPIC_KEY, OPENAI_BASE_URL: server.openaiBaseURL, ANTHROPIC_BASE_URL: server.anthropicBaseURL },
    warn: (t) => warnings.push(t),
    warnings,
    ...extra,
  };
}

async function withServer<T>(o: FakeServerOptions, fn: (s: FakeLlmServer) => Promise<T>): Promise<T> {
  const server = await startFakeLlmServer(o);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

async function userError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof UserError, `expected a UserError, got ${(err as Error).stack}`);
    return err.describe();
  }
  assert.fail('expected a UserError');
}

function written(r: LabelOutcome): Extract<LabelOutcome, { kind: 'written' }> {
  assert.equal(r.kind, 'written');
  return r as Extract<LabelOutcome, { kind: 'written' }>;
}

/** Answers name their model, so weak and strong answers differ and every row makes 4 calls. */
const distinct = (req: Parameters<typeof defaultReply>[0]) => (req.model === 'fake-judge' ? defaultReply(req) : `${defaultReply(req)} (${req.model})`);

test('a full disk under the journal stops all spending at once; the next run finishes', async () => {
  await withServer({ reply: distinct, delayMs: 5 }, async (server) => {
    // About 9 journal writes a row (4 sends, 4 answers, the row): the disk fills after a dozen of
    // the 40 rows, with most calls still to send.
    const dir = setup(40);
    let writes = 0;
    let sends = 0;
    let requestsAtFailure = -1;
    const full: AppendIo = {
      write: (fd, bytes, off) => {
        if (++writes > 150) {
          if (requestsAtFailure < 0) requestsAtFailure = server.requests.length;
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
        }
        if (bytes.includes('{"t":"send"')) sends++;
        return nodeAppendIo.write(fd, bytes, off);
      },
      fsync: nodeAppendIo.fsync,
    };
    const line = await userError(labelQueries(options(dir, { concurrency: 8 }), hooks(server, { journalIo: full })));
    assert.match(line, /^\/.*\/artifacts\/label-runs\/q-[0-9a-f]{16}\.jsonl: cannot write the run journal \(no space left on the device\); no call was sent after the failure\. \d+ of 40 rows are done and kept: fix the cause, then run the same command again$/);
    assert.ok(requestsAtFailure > 0);
    // Each request leaves only after its announcement is on disk; none can be announced after the failure.
    assert.ok(server.requests.length <= sends, `${server.requests.length} requests, ${sends} announced before the failure`);
    assert.ok(server.requests.length - requestsAtFailure <= 8, `${server.requests.length - requestsAtFailure} requests arrived after the failure: at most the -j calls already on their way`);
    assert.ok(!existsSync(join(dir, 'artifacts', 'datasets')));

    const state = readJournal(readdirSync(join(dir, 'artifacts', 'label-runs')).filter((f) => f.endsWith('.jsonl')).map((f) => join(dir, 'artifacts', 'label-runs', f))[0]!)!;
    const answeredFirst = server.answered().length;
    const r = written(await labelQueries(options(dir, { concurrency: 8 }), hooks(server)));
    assert.equal(r.summary.labelled, 40);
    // Calls answered after the failure could not be recorded: they are made again, and said so
    // (the count also holds calls announced but stopped before sending, whose settling record
    // could not be written either: it errs on the side of money spent).
    const unrecorded = answeredFirst - state.calls.length;
    assert.equal(r.summary.possiblyBilledTwice.calls, state.unsettled.calls);
    assert.ok(state.unsettled.calls >= unrecorded && state.unsettled.calls <= 16, `${state.unsettled.calls} unsettled, ${unrecorded} unrecorded`);
    assert.equal(server.answered().length, 160 + unrecorded);
    // The run's spend (and so its budget) counts them at their reserved maximum.
    const price = JSON.parse(PRICES).models as Record<string, { inputPerMTok: number; outputPerMTok: number }>;
    const model = (purpose: string) => (purpose === 'strong' ? 'anthropic:fake-strong' : purpose.startsWith('judge') ? 'openai:fake-judge' : 'openai:fake-weak');
    const recorded = state.calls.reduce((s, c) => s + (c.completion.inputTokens! * price[model(c.purpose)]!.inputPerMTok + c.completion.outputTokens! * price[model(c.purpose)]!.outputPerMTok) / 1e6, 0);
    assert.ok(state.unsettled.maxUsd > 0);
    assert.ok(Math.abs(r.summary.runSpentUsd - r.summary.spentUsd - recorded - state.unsettled.maxUsd) < 1e-9);
    const bodies = server.answered().map((q) => JSON.stringify(q.body));
    assert.equal(new Set(bodies).size, 160, 'only the unrecorded calls were asked twice');
  });
});

/** The first attempt of every nth distinct call gets `fault` (so a retry is never unlucky twice). */
function firstAttemptOfEvery(n: number, fault: Fault): FakeServerOptions['fault'] {
  const seen = new Set<string>();
  return (req) => {
    const k = JSON.stringify(req.body);
    if (seen.has(k)) return undefined;
    seen.add(k);
    return seen.size % n === n - 1 ? fault : undefined;
  };
}

test('a journal that cannot be opened for writing is a user error before any call', async () => {
  await withServer({}, async (server) => {
    const dir = setup(2);
    const full: AppendIo = { write: () => { throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }); }, fsync: nodeAppendIo.fsync };
    const line = await userError(labelQueries(options(dir), hooks(server, { journalIo: full })));
    assert.match(line, /^\/.*\/label-runs\/q-[0-9a-f]{16}\.jsonl: cannot write the run journal \(no space left on the device\); nothing was spent$/);
    assert.equal(server.requests.length, 0);
  });
});

test('the journal counts calls sent but never settled: a crash between sending and recording', () => {
  const dir = tempDir('router-journal-');
  const path = writeFile(dir, 'j.jsonl', [
    { t: 'run', runId: 'x', createdAt: '', toolVersion: '', description: {} },
    { t: 'send', key: 'a', row: 'r1', purpose: 'weak', maxUsd: 0.5 },
    { t: 'call', key: 'a', row: 'r1', purpose: 'weak', completion: { text: 'ok', latencyMs: 1 } },
    { t: 'send', key: 'b', row: 'r1', purpose: 'strong', maxUsd: 0.25 },
    { t: 'fail', key: 'b' },
    // Sent twice by two runs that both died: each may have been billed.
    { t: 'send', key: 'c', row: 'r2', purpose: 'weak', maxUsd: 0.125 },
    { t: 'send', key: 'c', row: 'r2', purpose: 'weak', maxUsd: 0.125 },
    { t: 'send', key: 'd', row: 'r2', purpose: 'strong', maxUsd: 1 },
  ].map((r) => JSON.stringify(r)).join('\n') + '\n');
  assert.deepEqual(readJournal(path)!.unsettled, { calls: 3, maxUsd: 1.25 });
});

test('truncated 200 bodies (1 in 9) are retried within the run: every row is labelled', async () => {
  await withServer({ reply: distinct, fault: firstAttemptOfEvery(9, { kind: 'malformed' }) }, async (server) => {
    const dir = setup(30);
    const r = written(await labelQueries(options(dir), hooks(server, { clock: fastClock() })));
    assert.equal(r.summary.labelled, 30, JSON.stringify(r.envelope.body.provenance));
    assert.equal(r.summary.failed, 0);
    assert.equal(r.summary.calls.retries, server.requests.filter((q) => q.fault === 'malformed').length);
  });
});

test('statuses outside 200-599 (600, 0, 199) are failed calls, retried like a 5xx, never a crash', async () => {
  for (const status of [600, 0, 199]) {
    await withServer({ reply: distinct, fault: firstAttemptOfEvery(5, { kind: 'raw-status', status }) }, async (server) => {
      const dir = setup(10);
      const r = written(await labelQueries(options(dir), hooks(server, { clock: fastClock() })));
      assert.equal(r.summary.labelled, 10, `status ${status}`);
      assert.equal(r.summary.calls.retries, server.requests.filter((q) => q.fault === `raw ${status}`).length);
    });
  }
  // Always 600: the rows fail with the status named, and the run goes on to the end.
  await withServer({ fault: (req) => (req.model === 'fake-strong' ? { kind: 'raw-status', status: 600 } : undefined) }, async (server) => {
    const dir = setup(2);
    const line = await userError(labelQueries(options(dir, { retries: 1 }), hooks(server, { clock: fastClock() })));
    assert.match(line, /^no row was labelled \(2 failed, 0 unlabelled; first: q1: strong anthropic:fake-strong: HTTP status 600 is not a valid answer \(after 2 attempts\)\)/);
  });
});

test('a Retry-After of a day pauses that endpoint and stops the run with one line; the next run does the rows again', async () => {
  let quota = true;
  await withServer({ fault: (req) => (quota && req.model === 'fake-strong' ? { kind: 'status', status: 429, retryAfter: '86400', message: 'daily quota exhausted' } : undefined) }, async (server) => {
    const dir = setup(40);
    const line = await userError(labelQueries(options(dir, { concurrency: 8 }), hooks(server)));
    assert.match(line, /^anthropic:fake-strong cannot answer \(429 daily quota exhausted \(the server asks to wait 86400 s\)\); the endpoint is paused for this run; run the same command again once the quota allows: finished rows are kept in \/.*\.jsonl$/);
    const strong = server.requests.filter((q) => q.model === 'fake-strong').length;
    assert.ok(strong <= 8, `${strong} requests to the paused endpoint: at most the calls in flight`);

    quota = false;
    const r = written(await labelQueries(options(dir, { concurrency: 8 }), hooks(server)));
    assert.equal(r.summary.labelled, 40, 'rows stopped by the quota were not recorded as failed');
  });
});

test('a dead endpoint stops the run after a few calls, as a bad key does', async () => {
  const server = await startFakeLlmServer();
  // Each retry sleeps once first: the sleeps count the retries.
  const fast = fastClock();
  let backoffs = 0;
  const h = hooks(server, { clock: { now: fast.now, sleep: (ms) => (backoffs++, fast.sleep(ms)) } });
  await server.close();
  const dir = setup(50);
  const started = Date.now();
  const line = await userError(labelQueries(options(dir, { concurrency: 4, retries: 1 }), h));
  assert.match(line, /^openai:fake-weak cannot answer \(connection failed: ECONNREFUSED .*\); check that the server is running and the base URL, then run the same command again: finished rows are kept in /);
  assert.ok(backoffs <= 4, `${backoffs} retries: not every row retried, only the calls that were in flight (-j 4)`);
  assert.ok(Date.now() - started < 5000, 'ends at once');
});

test('--max-cost is a hard cap at -j 32: calls reserve their maximum while in flight', async () => {
  await withServer({ reply: distinct, delayMs: 20 }, async (server) => {
    const dir = setup(300);
    const maxCost = 0.05;
    const r = written(await labelQueries(options(dir, { concurrency: 32, maxCost }), hooks(server)));
    assert.equal(r.summary.stopped?.kind, 'budget');
    assert.ok(r.summary.runSpentUsd <= maxCost, `spent ${r.summary.runSpentUsd} of ${maxCost}`);
    assert.ok(r.summary.runSpentUsd > maxCost * 0.5, `spent ${r.summary.runSpentUsd}: the cap is not far too cautious`);
    // Every answered call is paid for and counted.
    assert.equal(r.summary.calls.api, server.answered().length);
  });
});

function base64Forms(key: string): string[] {
  const out: string[] = [];
  for (const prefix of ['', 'x', 'xy']) {
    const b = Buffer.from(prefix + key).toString('base64');
    // The characters that encode the key alone, wherever it sits.
    const start = Math.ceil((prefix.length * 4) / 3);
    const end = Math.floor(((prefix.length + key.length) * 4) / 3);
    out.push(b.slice(start, end), b.slice(start, end).replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

test('a key echoed by a server, plain or base64, in an answer or an error body, reaches no file and no message', async () => {
  const echo = (key: string | undefined) => `key ${key} b64 ${Buffer.from(`${key}`).toString('base64')} shifted ${Buffer.from(`:${key}`).toString('base64')} url ${Buffer.from(`..${key}`).toString('base64url')}`;
  await withServer(
    {
      reply: (req) => `${distinct(req)} ${echo(req.key)}`,
      fault: (req) => (req.messages[0]!.content.includes('number 3') && req.model === 'fake-weak' ? { kind: 'status', status: 400, message: `bad request from ${echo(req.key)}` } : undefined),
    },
    async (server) => {
      const dir = setup(4);
      const warnings: string[] = [];
      const r = written(await labelQueries(options(dir, { cache: join(dir, 'cache') }), { ...hooks(server), warn: (t) => warnings.push(t) }));
      assert.equal(r.summary.labelled, 3);
      assert.equal(r.summary.failed, 1);
      assert.ok(server.requests.some((q) => q.key === OPENAI_KEY), 'the server did get the key');
      const text = filesUnder(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n') + JSON.stringify(r) + warnings.join('\n');
      assert.match(text, /\[redacted\]/);
      for (const key of [OPENAI_KEY, ANTHROPIC_KEY]) {
        assert.ok(!text.includes(key), 'plain key');
        for (const form of base64Forms(key)) assert.ok(!text.includes(form), `base64 form ${form}`);
      }
    },
  );
});

test('keys go only where they belong: an environment key never to a base URL from a flag or the config', async () => {
  await withServer({}, async (server) => {
    const dir = setup(2);
    const env = { OPENAI_API_KEY: OPENAI_KEY, ANTHROPIC_API_KEY: ANTHROPIC_KEY, LOCAL_OPENAI_KEY: 'local-server-key-42' };
    const base = { weak: server.openaiBaseURL, strong: server.anthropicBaseURL, judge: server.openaiBaseURL };
    // Flags point elsewhere than the environment: no key is sent.
    written(await labelQueries(options(dir, { baseURLs: base }), { env, warn: () => {} }));
    assert.deepEqual([...new Set(server.requests.map((q) => q.key))], ['none']);

    // A config that names a key for its server: that key, and only there.
    server.requests.length = 0;
    writeFile(dir, 'label.json', JSON.stringify({ providers: { openai: { baseURL: server.openaiBaseURL, apiKeyEnv: 'LOCAL_OPENAI_KEY' }, anthropic: { baseURL: server.anthropicBaseURL } } }));
    written(await labelQueries(options(dir, { config: join(dir, 'label.json'), name: 'c' }), { env, warn: () => {} }));
    assert.deepEqual([...new Set(server.requests.map((q) => `${q.api} ${q.key}`))].sort(), ['anthropic none', 'openai local-server-key-42']);

    // The base URL set beside the key in the environment gets it.
    server.requests.length = 0;
    written(await labelQueries(options(dir, { name: 'e', retryErrors: true, cache: false, maxTokens: 65 }), { env: { ...env, OPENAI_BASE_URL: server.openaiBaseURL, ANTHROPIC_BASE_URL: server.anthropicBaseURL }, warn: () => {} }));
    assert.deepEqual([...new Set(server.requests.map((q) => q.key))].sort(), [ANTHROPIC_KEY, OPENAI_KEY].sort());
  });
});

test('--dry-run needs no API key and calls nothing', async () => {
  const dir = setup(3);
  const r = await labelQueries(options(dir, { weak: 'openai:gpt-4o-mini', strong: 'anthropic:claude-opus-4-1', judge: 'openai:gpt-4o', prices: undefined, dryRun: true }), { env: {}, warn: () => {} });
  assert.equal(r.kind, 'dry-run');
  assert.equal((r as Extract<LabelOutcome, { kind: 'dry-run' }>).estimate.calls, 12);
  assert.deepEqual(filesUnder(dir), ['prices.json', 'q.csv']);
});

test('every name and path is checked before the first call; file-system refusals are one-line user errors', async () => {
  await withServer({}, async (server) => {
    const dir = setup(3);
    mkdirSync(join(dir, 'folder.csv'));
    mkdirSync(join(dir, 'folder.json'));
    const long = 'x'.repeat(300);
    const at = (f: string) => join(dir, f);
    const cases: [Partial<LabelRequest>, string][] = [
      [{ name: '../../escaped' }, 'invalid artifact name "../../escaped": use letters, digits, ".", "_" and "-", starting with a letter or digit'],
      [{ name: '' }, 'invalid artifact name "": use letters, digits, ".", "_" and "-", starting with a letter or digit'],
      [{ name: 'n'.repeat(201) }, `invalid artifact name "${'n'.repeat(20)}…": at most 200 characters`],
      [{ temperature: 1.5 }, 'options.temperature: at most 1 for an Anthropic model, got 1.5'],
      [{ queries: at('q.csv/x.csv') }, `${at('q.csv/x.csv')}: cannot read: a part of the path is a file, not a folder (ENOTDIR)`],
      [{ queries: at('folder.csv') }, `${at('folder.csv')}: is a folder, expected a file`],
      [{ queries: at(`${long}.csv`) }, `${at(`${long}.csv`)}: cannot read: the name is too long (ENAMETOOLONG)`],
      [{ config: at('folder.json') }, `${at('folder.json')}: is a folder, expected a file`],
      [{ config: at('q.csv/c.json') }, `${at('q.csv/c.json')}: cannot read: a part of the path is a file, not a folder (ENOTDIR)`],
      [{ template: at('folder.json') }, `${at('folder.json')}: is a folder, expected a file`],
      [{ template: at(long) }, `${at(long)}: cannot read: the name is too long (ENAMETOOLONG)`],
      [{ prices: at('folder.json') }, `${at('folder.json')}: is a folder, expected a file`],
      [{ prices: at('q.csv/p.json') }, `${at('q.csv/p.json')}: cannot read: a part of the path is a file, not a folder (ENOTDIR)`],
      [{ cache: at('q.csv') }, `${at('q.csv')}: options.cache: is a file, expected a folder`],
      [{ cache: at('q.csv/cache') }, `${at('q.csv/cache')}: options.cache: ${at('q.csv')} is a file, so nothing can be created under it`],
      [{ cache: at(`c/${long}`) }, `${at(`c/${long}`)}: options.cache: the name is too long (a file name has at most 255 bytes, a path 4095)`],
      [{ artifacts: at('q.csv') }, `${at('q.csv/label-runs')}: options.artifacts: ${at('q.csv')} is a file, so nothing can be created under it`],
    ];
    const got = [];
    for (const [extra] of cases) got.push(await userError(labelQueries(options(dir, extra), hooks(server))));
    assert.deepEqual(got, cases.map(([, line]) => line));
    assert.equal(server.requests.length, 0, 'nothing was spent');
    assert.deepEqual(filesUnder(dir), ['prices.json', 'q.csv'], 'nothing was written');
  });
});
