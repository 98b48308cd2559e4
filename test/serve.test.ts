import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { readJsonArtifact, writeJsonArtifact } from '../src/artifacts/store.ts';
import { openRouter } from '../src/routers/open.ts';
import { createRouterHandler, type RouterHandlerOptions } from '../src/serve/handler.ts';
import { listen, checkBind, type RunningServer } from '../src/serve/server.ts';
import { logRecordSchema, type LogRecord } from '../src/serve/log-record.ts';
import { openRequestLog } from '../src/serve/request-log.ts';
import { isMonitored } from '../src/routers/monitoring.ts';
import { UserError } from '../src/errors.ts';
import { DEMO, tempDir, writeFile } from './helpers.ts';
import { ladderCsv } from './ladder.ts';
import { cli } from './cli.ts';
import { startFakeLlmServer, spawnCli, type FakeLlmServer } from './fake-llm-server.ts';

// `router serve` driven by the openai SDK as a client, against fake upstreams on 127.0.0.1:
// routing and headers, pass-through, streaming, the monitoring share, fallback, the token,
// reload, bad requests, metrics and the log; then the binary itself for SIGTERM and SIGHUP.

const FAST_RETRY = { retries: 1, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 50 };
const EASY = 'How do I reset my password?';
const HARD = 'Our webhook endpoint started returning 502 after we rotated the signing secret, and invoices INV-2231 and INV-2240 were both charged twice.';

let trainedDir: string | undefined;
/** One demo router (sim-small / sim-large) and a deployment `prod` of it, shared by the tests. */
async function store(): Promise<string> {
  if (trainedDir) return trainedDir;
  const dir = tempDir('router-serve-');
  const r = await cli(['train', DEMO, '--name', 'demo', '-C', '1'], dir);
  assert.equal(r.code, 0, r.stderr);
  writeDeployment(dir, { threshold: 0.5, monitoring: 0 });
  trainedDir = dir;
  return dir;
}

function writeDeployment(dir: string, over: { threshold: number; monitoring: number; hash?: string; name?: string }): void {
  const env = readJsonArtifact<{ pair: unknown }>(join(dir, 'artifacts/routers/demo/v1.json'), 'router');
  const body = { router: { name: 'demo', path: join(dir, 'artifacts/routers/demo/v1.json'), hash: over.hash ?? env.contentHash }, pair: env.body.pair, threshold: over.threshold, monitoring: over.monitoring, usage: { 'sim-small': { meanCost: null, meanInputTokens: null, meanOutputTokens: null, price: { inputPerMTok: 1, outputPerMTok: 2 } } } };
  writeJsonArtifact('deployment', body, [], { root: join(dir, 'artifacts'), name: over.name ?? 'prod' });
}

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function fake(options: Parameters<typeof startFakeLlmServer>[0] = {}): Promise<FakeLlmServer> {
  const f = await startFakeLlmServer(options);
  cleanups.push(() => f.close());
  return f;
}

interface Served {
  url: string;
  client: OpenAI;
  running: RunningServer;
  handler: Awaited<ReturnType<typeof createRouterHandler>>;
  log: string;
  records(): LogRecord[];
}

/** The handler on 127.0.0.1:0 with sim-small and sim-large mapped to the fake servers. */
async function serve(weak: FakeLlmServer, strong: FakeLlmServer = weak, extra: Partial<RouterHandlerOptions> & { deployment?: string; token?: string } = {}): Promise<Served> {
  const dir = await store();
  const log = join(tempDir('router-serve-log-'), 'requests.jsonl');
  const handler = await createRouterHandler({
    deployment: 'prod',
    artifacts: join(dir, 'artifacts'),
    upstream: { 'sim-small': 'openai:weak-model', 'sim-large': 'anthropic:strong-model' },
    baseUrl: { 'sim-small': weak.openaiBaseURL, 'sim-large': strong.anthropicBaseURL },
    log: { path: log },
    retry: FAST_RETRY,
    timeoutMs: 5000,
    env: {},
    ...extra,
  });
  const running = await listen(handler, '127.0.0.1', 0);
  cleanups.push(() => void running.close(0));
  return {
    url: running.url,
    client: new OpenAI({ baseURL: `${running.url}/v1`, apiKey: extra.token ?? 'unused', maxRetries: 0 }),
    running,
    handler,
    log,
    records: () => readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => logRecordSchema.parse(JSON.parse(l))),
  };
}

async function expectedModel(query: string): Promise<{ model: string; score: number }> {
  const dir = await store();
  const r = await openRouter({ deployment: 'prod' }, { artifacts: join(dir, 'artifacts'), cacheDir: null }).route(query);
  return { model: r.model, score: r.score };
}

test('model "router": each request is routed, answered by the chosen model, and says so in headers, body and log', async () => {
  const up = await fake();
  // The demo's simulated models are in no price database: the strong one's price from a --prices file.
  const prices = writeFile(tempDir('router-serve-prices-'), 'prices.json', JSON.stringify({ models: { 'sim-large': { inputPerMTok: 3, outputPerMTok: 15 } } }));
  const s = await serve(up, up, { prices });
  for (const q of [EASY, HARD]) {
    const want = await expectedModel(q);
    const { data, response } = await s.client.chat.completions.create({ model: 'router', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: q }] }).withResponse();
    assert.equal(response.headers.get('x-router-model'), want.model);
    assert.equal(response.headers.get('x-router-monitored'), 'false');
    assert.equal(Number(response.headers.get('x-router-score')).toFixed(4), want.score.toFixed(4));
    assert.equal(response.headers.get('x-router-deployment'), 'prod@1');
    assert.equal(data.model, want.model);
    assert.equal(data.choices[0]!.message.content, `Here is a careful answer to: ${q}`);
    const router = (data as unknown as { router: Record<string, unknown> }).router;
    assert.deepEqual({ ...router, score: undefined }, { model: want.model, chosen: want.model, routed: true, score: undefined, monitored: false, fallback: [], deployment: 'prod@1' });
    const sent = up.requests.at(-1)!;
    assert.equal(sent.api, want.model === 'sim-small' ? 'openai' : 'anthropic', 'the strong model is Anthropic: translated both ways');
    assert.equal(sent.model, want.model === 'sim-small' ? 'weak-model' : 'strong-model');
    assert.equal(sent.system, 'Be brief.');
  }
  assert.notEqual((await expectedModel(EASY)).model, (await expectedModel(HARD)).model, 'the two queries go to different models');
  const recs = s.records();
  assert.equal(recs.length, 2);
  assert.equal(recs[0]!.routed, true);
  assert.deepEqual(recs[0]!.deployment, { name: 'prod', version: 1, hash: s.handler.deployment.ref.hash });
  assert.equal(recs[0]!.query, undefined, 'no query text without logQueries');
  assert.match(recs[0]!.queryHash, /^[0-9a-f]{64}$/);
  assert.ok(recs.every((r) => r.status === 200 && r.inputTokens! > 0 && r.outputTokens! > 0 && r.routerMs > 0 && r.upstreamMs > 0));
  const weak = recs.find((r) => r.answeredBy === 'sim-small')!;
  assert.equal(weak.costUsd, (weak.inputTokens! * 1 + weak.outputTokens! * 2) / 1e6, 'priced with the deployment\'s usage price');
  const strong = recs.find((r) => r.answeredBy === 'sim-large')!;
  assert.equal(strong.costUsd, (strong.inputTokens! * 3 + strong.outputTokens! * 15) / 1e6, 'no price in the deployment: the --prices file\'s');
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  assert.match(metrics, /^router_requests_total\{model="sim-small",routed="true",status="200"\} 1$/m);
  assert.match(metrics, /^router_routing_overhead_seconds_count 2$/m);
  assert.match(metrics, /^router_tokens_total\{model="sim-large",kind="output"\} \d+$/m);
  assert.deepEqual(await (await fetch(`${s.url}/healthz`)).json(), { ok: true, deployment: { name: 'prod', version: 1, hash: s.handler.deployment.ref.hash } });
  const models = await s.client.models.list();
  assert.deepEqual(models.data.map((m) => m.id), ['router', 'prod', 'sim-small', 'sim-large']);
});

test('a served model name is passed through unrouted; an unknown one is a 404 listing the served names', async () => {
  const up = await fake();
  const s = await serve(up);
  const { data, response } = await s.client.chat.completions.create({ model: 'sim-large', messages: [{ role: 'user', content: EASY }], max_tokens: 50, temperature: 0.2, stop: ['\n\n'] }).withResponse();
  assert.equal(response.headers.get('x-router-model'), 'sim-large');
  assert.equal(response.headers.get('x-router-routed'), 'false');
  assert.equal(response.headers.get('x-router-score'), null);
  assert.equal(data.model, 'sim-large');
  const sent = up.requests.at(-1)!;
  assert.equal(sent.model, 'strong-model');
  assert.deepEqual([sent.body.max_tokens, sent.body.temperature, sent.body.stop_sequences], [50, 0.2, ['\n\n']]);
  const rec = s.records().at(-1)!;
  assert.deepEqual([rec.routed, rec.deployment, rec.requested, rec.chosen], [false, null, 'sim-large', 'sim-large']);
  await assert.rejects(s.client.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] }), (err: InstanceType<typeof OpenAI.APIError>) => {
    assert.equal(err.status, 404);
    assert.deepEqual(err.error, { message: 'The model `gpt-5` is not served here; served: router, prod, sim-small, sim-large', type: 'invalid_request_error', param: 'model', code: 'model_not_found' });
    return true;
  });
});

test('malformed requests: a 400 with an OpenAI-style error naming the field', async () => {
  const up = await fake();
  const s = await serve(up);
  await assert.rejects(s.client.chat.completions.create({ model: 'router', messages: [{ role: 'tool', content: 'x', tool_call_id: '1' }] }), (err: InstanceType<typeof OpenAI.APIError>) => {
    assert.equal(err.status, 400);
    assert.deepEqual(err.error, { message: 'messages[0].role: expected role system, developer, user or assistant (tool messages are not supported)', type: 'invalid_request_error', param: 'messages[0].role', code: 'invalid_value' });
    return true;
  });
  const post = (body: string) => fetch(`${s.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const notJson = await post('{"model":');
  assert.equal(notJson.status, 400);
  assert.deepEqual(await notJson.json(), { error: { message: 'the request body is not valid JSON', type: 'invalid_request_error', param: null, code: 'invalid_json' } });
  const noMessages = await post('{"model":"router","messages":[]}');
  assert.equal(noMessages.status, 400);
  assert.equal(((await noMessages.json()) as { error: { param: string } }).error.param, 'messages');
  const onlySystem = await post('{"model":"router","messages":[{"role":"system","content":"hi"}]}');
  assert.equal(onlySystem.status, 400);
  assert.equal(up.requests.length, 0, 'no upstream call for a bad request');
  assert.equal(existsSync(s.log) ? readFileSync(s.log, 'utf8') : '', '', 'refused before routing: not logged');
  assert.match(await (await fetch(`${s.url}/metrics`)).text(), /^router_rejected_total\{status="400"\} 4$/m);
});

test('streaming: SSE chunks with the router fields in the headers and the first chunk, usage at the end', async () => {
  const up = await fake();
  const s = await serve(up);
  for (const q of [EASY, HARD]) {
    const want = await expectedModel(q);
    const { data: stream, response } = await s.client.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: q }], stream: true, stream_options: { include_usage: true } }).withResponse();
    assert.equal(response.headers.get('x-router-model'), want.model);
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    assert.equal((chunks[0] as unknown as { router: { model: string } }).router.model, want.model);
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), `Here is a careful answer to: ${q}`);
    assert.equal(chunks.at(-2)!.choices[0]!.finish_reason, 'stop');
    assert.ok(chunks.at(-1)!.usage!.completion_tokens > 0);
  }
  const recs = s.records();
  assert.ok(recs.every((r) => r.stream && r.status === 200 && r.outputTokens! > 0), JSON.stringify(recs));
});

test('a stream that breaks after its first byte cannot fall back: the client gets an error event, the log says so', async () => {
  const weak = await fake({ fault: () => ({ kind: 'cut-stream' }) });
  const strong = await fake();
  const s = await serve(weak, strong, { upstream: { 'sim-small': 'openai:weak-model', 'sim-large': 'openai:strong-model' }, baseUrl: { 'sim-small': weak.openaiBaseURL, 'sim-large': strong.openaiBaseURL } });
  const stream = await s.client.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: EASY }], stream: true });
  let text = '';
  await assert.rejects(
    (async () => {
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    })(),
    /stream broke after the first byte/,
  );
  assert.equal(text, 'Here ', 'what arrived before the break');
  assert.equal(strong.requests.length, 0, 'no fallback once text went out');
  const [rec] = s.records();
  assert.deepEqual([rec!.answeredBy, rec!.status, rec!.fallback], ['sim-small', 200, []]);
  assert.match(rec!.error!, /^stream broke after the first byte: /);
});

test('the monitoring share goes to the strong model by a hash of the text, marked in headers and log', async () => {
  const dir = await store();
  writeDeployment(dir, { threshold: 1, monitoring: 0.5, name: 'watched' });
  const up = await fake();
  const s = await serve(up, up, { deployment: 'watched' });
  const queries = Array.from({ length: 12 }, (_, i) => `Where is my order #${4000 + i}?`);
  for (const q of queries) {
    const { response } = await s.client.chat.completions.create({ model: 'watched', messages: [{ role: 'user', content: q }] }).withResponse();
    const monitored = isMonitored(q, 0.5);
    assert.equal(response.headers.get('x-router-monitored'), String(monitored), q);
    assert.equal(response.headers.get('x-router-model'), monitored ? 'sim-large' : 'sim-small', q);
  }
  const recs = s.records();
  assert.deepEqual(recs.map((r) => r.monitored), queries.map((q) => isMonitored(q, 0.5)));
  assert.ok(recs.some((r) => r.monitored) && recs.some((r) => !r.monitored), 'both kinds among 12 queries');
});

test('fallback: the weak model failing after its retries (503, then dead) escalates to the strong one, streaming too', async () => {
  const weak = await fake({ fault: () => ({ kind: 'status', status: 503 }) });
  const strong = await fake();
  const s = await serve(weak, strong, { upstream: { 'sim-small': 'openai:weak-model', 'sim-large': 'openai:strong-model' }, baseUrl: { 'sim-small': weak.openaiBaseURL, 'sim-large': strong.openaiBaseURL } });
  assert.equal((await expectedModel(EASY)).model, 'sim-small');
  const { data, response } = await s.client.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: EASY }] }).withResponse();
  assert.equal(response.headers.get('x-router-model'), 'sim-large');
  assert.equal(response.headers.get('x-router-chosen'), 'sim-small');
  assert.equal(response.headers.get('x-router-fallback'), 'sim-small');
  assert.equal(weak.requests.length, 2, 'the first try and one retry');
  assert.deepEqual((data as unknown as { router: { fallback: unknown } }).router.fallback, [{ model: 'sim-small', reason: '503 injected 503' }]);
  const stream = await s.client.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: EASY }], stream: true });
  let text = '';
  for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
  assert.equal(text, `Here is a careful answer to: ${EASY}`);
  await weak.close();
  const started = performance.now();
  const dead = await s.client.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: EASY }] });
  assert.equal(dead.model, 'sim-large');
  assert.ok(performance.now() - started < 1000, 'connection refused is not retried');
  const recs = s.records();
  assert.deepEqual(recs.map((r) => [r.chosen, r.answeredBy, r.fallback.length, r.stream]), [['sim-small', 'sim-large', 1, false], ['sim-small', 'sim-large', 1, true], ['sim-small', 'sim-large', 1, false]]);
  assert.match(recs[2]!.fallback[0]!.reason, /connection failed/);
  // Nothing stronger left: a 502 naming what failed.
  await strong.close();
  await assert.rejects(s.client.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: HARD }] }), (err: InstanceType<typeof OpenAI.APIError>) => {
    assert.equal(err.status, 502);
    assert.match(err.message, /upstream sim-large failed: connection failed/);
    return true;
  });
  assert.match(await (await fetch(`${s.url}/metrics`)).text(), /^router_fallbacks_total\{from="sim-small"\} 3$/m);
});

test('a token: required on every request but /healthz, compared in constant time; binding beyond loopback needs one', async () => {
  const up = await fake();
  const s = await serve(up, up, { token: 's3cret-token' });
  const ok = await s.client.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: EASY }] });
  assert.equal(ok.object, 'chat.completion');
  const wrong = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'not-it', maxRetries: 0 });
  await assert.rejects(wrong.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: EASY }] }), (err: InstanceType<typeof OpenAI.APIError>) => err.status === 401);
  assert.equal((await fetch(`${s.url}/metrics`)).status, 401);
  assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
  assert.throws(() => checkBind('0.0.0.0', undefined), (e: UserError) => e.message === 'options.host 0.0.0.0 makes the server reachable from other machines; set ROUTER_SERVER_TOKEN so every request must carry it (Authorization: Bearer ...)');
  checkBind('0.0.0.0', 'x');
  checkBind('127.0.0.1', undefined);
});

test('reload: a new version of the deployment is swapped in; a bad one is refused and the old one keeps serving', async () => {
  const dir = await store();
  writeDeployment(dir, { threshold: 0.5, monitoring: 0, name: 'live' });
  const up = await fake({ delayMs: 100 });
  const s = await serve(up, up, { deployment: 'live' });
  const slow = s.client.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: EASY }] }).withResponse();
  await new Promise((r) => setTimeout(r, 30));
  writeDeployment(dir, { threshold: 0, monitoring: 0, name: 'live' });
  assert.equal((await s.handler.reload()).ref.version, 2);
  const inFlight = await slow;
  assert.equal(inFlight.response.headers.get('x-router-deployment'), 'live@1', 'a request in flight finishes with the deployment it started with');
  const { response } = await s.client.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: EASY }] }).withResponse();
  assert.equal(response.headers.get('x-router-deployment'), 'live@2');
  assert.equal(response.headers.get('x-router-model'), 'sim-large', 'threshold 0: everything to strong');
  writeDeployment(dir, { threshold: 0, monitoring: 0, name: 'live', hash: 'sha256:' + '0'.repeat(64) });
  await assert.rejects(s.handler.reload(), /deployment names router demo with hash sha256:0000/);
  assert.equal(s.handler.deployment.ref.version, 2);
  const still = await s.client.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: EASY }] }).withResponse();
  assert.equal(still.response.headers.get('x-router-deployment'), 'live@2');
});

test('over three models: routed by the deployment\'s rule, no score but every prediction logged; a failing model escalates by predicted quality', async () => {
  const dir = tempDir('router-serve-multi-');
  writeFile(dir, 'ladder.csv', ladderCsv());
  assert.equal((await cli(['train', 'ladder.csv', '--name', 'l'], dir)).code, 0);
  const made = await cli(['eval', 'ladder.csv', '--router', 'l', '--target-budget', '5', '--bootstrap', '0'], dir);
  assert.equal(made.code, 0, made.stderr);
  const up = await fake({ fault: (req) => (req.model === 'tiny-model' ? { kind: 'status', status: 500 } : undefined) });
  const log = join(dir, 'multi.jsonl');
  // The deployment names its router by a path relative to the folder eval ran in, as a user's does.
  const home = process.cwd();
  process.chdir(dir);
  const handler = await createRouterHandler({
    deployment: 'l',
    upstream: { tiny: 'openai:tiny-model', mid: 'openai:mid-model', big: 'openai:big-model' },
    baseUrl: { tiny: up.openaiBaseURL, mid: up.openaiBaseURL, big: up.openaiBaseURL },
    log: { path: log },
    retry: FAST_RETRY,
    env: {},
  }).finally(() => process.chdir(home));
  const running = await listen(handler, '127.0.0.1', 0);
  cleanups.push(() => void running.close(0));
  const client = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const math = await client.chat.completions.create({ model: 'l', messages: [{ role: 'user', content: 'solve the integral of x squared times sine x over zero to pi (case 3)' }] }).withResponse();
  assert.equal(math.response.headers.get('x-router-model'), 'big');
  assert.equal(math.response.headers.get('x-router-score'), null);
  assert.equal((math.data as unknown as { router: { score: unknown } }).router.score, null);
  const hello = await client.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: 'hello there, thanks for the quick reply (case 0)' }] }).withResponse();
  assert.equal(hello.response.headers.get('x-router-chosen'), 'tiny');
  assert.notEqual(hello.response.headers.get('x-router-model'), 'tiny');
  const [m, h] = readFileSync(log, 'utf8').trim().split('\n').map((l) => logRecordSchema.parse(JSON.parse(l)));
  assert.deepEqual(m!.predicted!.map((p) => p.model), ['tiny', 'mid', 'big']);
  assert.equal(h!.fallback[0]!.model, 'tiny');
  const tinyQuality = h!.predicted!.find((p) => p.model === 'tiny')!.quality;
  const answered = h!.predicted!.find((p) => p.model === h!.answeredBy)!;
  assert.ok(answered.quality > tinyQuality, 'escalated to a model predicted better for this query');
  const better = h!.predicted!.filter((p) => p.quality > tinyQuality).sort((a, b) => a.quality - b.quality);
  assert.equal(h!.answeredBy, better[0]!.model, 'the next one up, not straight to the top');
});

test('the request log rotates by size, keeping N files, each line whole', () => {
  const dir = tempDir('router-serve-rotate-');
  const path = join(dir, 'log.jsonl');
  const log = openRequestLog({ path, maxBytes: 1000, keep: 2 });
  const rec = { v: 1, time: new Date(0).toISOString(), requestId: 'x', deployment: null, queryHash: 'h', requested: 'router', routed: true, chosen: 'a', answeredBy: 'a', score: 0.5, monitored: false, fallback: [], stream: false, status: 200, inputTokens: 1, outputTokens: 1, costUsd: null, upstreamMs: 1, routerMs: 1 } as LogRecord;
  for (let i = 0; i < 40; i++) log.write({ ...rec, requestId: String(i) });
  log.close();
  assert.deepEqual(readdirSync(dir).sort(), ['log.jsonl', 'log.jsonl.1', 'log.jsonl.2']);
  const lines = ['log.jsonl.2', 'log.jsonl.1', 'log.jsonl'].flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'));
  for (const l of lines) logRecordSchema.parse(JSON.parse(l));
  const ids = lines.map((l) => Number(JSON.parse(l).requestId));
  assert.deepEqual(ids, Array.from({ length: ids.length }, (_, i) => 40 - ids.length + i), 'the newest lines, in order');
  for (const f of readdirSync(dir)) assert.ok(readFileSync(join(dir, f)).length <= 1000);
});

test('router serve refuses, before listening, a model with no provider, a bad mapping and a public bind without a token (exit 2, one line)', async () => {
  const dir = await store();
  const check = async (args: string[], line: string | RegExp, env: NodeJS.ProcessEnv = {}) => {
    const r = await cli(['serve', '--deployment', 'prod', '--port', '0', '--no-log', ...args], dir, env);
    if (typeof line === 'string') assert.deepEqual([r.code, r.stderr], [2, `router: ${line}\n`]);
    else assert.ok(r.code === 2 && line.test(r.stderr), r.stderr);
  };
  await check([], 'the deployment\'s model "sim-small" names no provider; map it with --upstream sim-small=openai:MODEL (or anthropic:MODEL)');
  await check(['--upstream', 'sim-small'], '--upstream: expected NAME=VALUE, got "sim-small"');
  await check(['--upstream', 'sim-small=openai:a', '--upstream', 'sim-large=mistral:b'], '--upstream: unknown provider "mistral" in "mistral:b"; known providers: openai, anthropic');
  await check(['--upstream', 'sim-small=openai:a', '--upstream', 'sim-large=openai:b'], '--upstream: no API key for openai:a; set OPENAI_API_KEY or "providers.openai.apiKey" in the config file (--config)', { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined });
  await check(['--upstream', 'sim-small=openai:a', '--upstream', 'sim-large=openai:b', '--base-url', 'sim-medium=http://127.0.0.1:1/v1'], '--base-url names "sim-medium", which is neither a model of the deployment (sim-small, sim-large) nor an --upstream name');
  await check(['--host', '0.0.0.0'], '--host 0.0.0.0 makes the server reachable from other machines; set ROUTER_SERVER_TOKEN so every request must carry it (Authorization: Bearer ...)', { ROUTER_SERVER_TOKEN: undefined });
  await check(['--deployment', 'nope'], /^router: nope: no such file, and no deployment named "nope" \(known: .*prod.*\)\n$/);
});

test('the binary: SIGHUP reloads (a bad deployment is refused), SIGTERM drains the request in flight and exits 0', async () => {
  const dir = await store();
  writeDeployment(dir, { threshold: 0.5, monitoring: 0, name: 'bin' });
  const up = await fake({ delayMs: 300 });
  const log = join(dir, 'bin-requests.jsonl');
  let signal!: (s: NodeJS.Signals) => void;
  let output!: () => { stdout: string; stderr: string };
  const until = async (what: () => boolean) => {
    for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(what(), JSON.stringify(output()));
  };
  const done = spawnCli(['serve', '--deployment', 'bin', '--port', '0', '--json', '--log', log, '--upstream', 'sim-small=openai:w', '--upstream', 'sim-large=openai:s', '--base-url', `sim-small=${up.openaiBaseURL}`, '--base-url', `sim-large=${up.openaiBaseURL}`], dir, {}, (kill, _pid, out) => {
    signal = kill;
    output = out;
  });
  await until(() => output().stdout.includes('\n'));
  const start = JSON.parse(output().stdout);
  assert.deepEqual([start.event, start.deployment.name, start.deployment.version, start.models], ['listening', 'bin', 1, ['sim-small', 'sim-large']]);
  const client = new OpenAI({ baseURL: `${start.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const ask = () => client.chat.completions.create({ model: 'router', messages: [{ role: 'user', content: EASY }] }).withResponse();

  writeDeployment(dir, { threshold: 0, monitoring: 0, name: 'bin' });
  signal('SIGHUP');
  await until(() => output().stderr.includes('reloaded'));
  assert.match(output().stderr, /^router serve: reloaded: deployment bin@2 \(pair sim-small \/ sim-large, monitoring 0%\)$/m);
  assert.equal((await ask()).response.headers.get('x-router-deployment'), 'bin@2');
  writeDeployment(dir, { threshold: 0, monitoring: 0, name: 'bin', hash: 'sha256:' + '1'.repeat(64) });
  signal('SIGHUP');
  await until(() => output().stderr.includes('refused'));
  assert.match(output().stderr, /^router serve: reload refused, the old deployment keeps serving: .*deployment names router demo with hash sha256:1111/m);

  const inFlight = ask();
  await until(() => up.requests.length === 2);
  signal('SIGTERM');
  const answered = await inFlight;
  assert.equal(answered.response.headers.get('x-router-deployment'), 'bin@2', 'the old deployment kept serving');
  assert.equal(answered.data.choices[0]!.message.content, `Here is a careful answer to: ${EASY}`);
  const exit = await done;
  assert.equal(exit.code, 0, exit.stderr);
  assert.match(exit.stderr, /router serve: stopped; every request in flight was answered/);
  const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => logRecordSchema.parse(JSON.parse(l)));
  assert.deepEqual(lines.map((l) => [l.deployment?.version, l.status]), [[2, 200], [2, 200]], 'the drained request is in the log');
});
