import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DiskCache } from '../src/providers/cache.ts';
import { LlmCaller, type CallResult } from '../src/providers/caller.ts';
import { resolveModel, type ResolvedModel } from '../src/providers/resolve.ts';
import { createOpenAIClient } from '../src/providers/openai-client.ts';
import { createAnthropicClient } from '../src/providers/anthropic-client.ts';
import { plainHttpFetch } from '../src/providers/plain-http-fetch.ts';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { ChatRequest } from '../src/providers/types.ts';
import { startFakeLlmServer, type Fault, type FakeLlmServer, type FakeRequest } from './fake-llm-server.ts';
import { tempDir } from './helpers.ts';

// The real openai and @anthropic-ai/sdk clients against the local fake server: wire formats,
// retries with Retry-After, timeouts, malformed bodies, key hygiene, cache and merged duplicates.

const KEY = 'sk-fake-provider-test-key-000111';
const FAST = { retries: 2, baseDelayMs: 20, maxDelayMs: 200, maxRetryAfterMs: 5000 };

function models(server: FakeLlmServer) {
  const env = { OPENAI_API_KEY: KEY, ANTHROPIC_API_KEY: KEY, OPENAI_BASE_URL: server.openaiBaseURL, ANTHROPIC_BASE_URL: server.anthropicBaseURL };
  return {
    openai: resolveModel({ id: 'openai:fake-strong', role: 'strong', env, defaults: {} }),
    anthropic: resolveModel({ id: 'anthropic:fake-strong', role: 'strong', env, defaults: {} }),
  };
}

function ask(text: string): ChatRequest {
  return { messages: [{ role: 'user', content: text }], maxTokens: 64 };
}

function ok(r: CallResult): Extract<CallResult, { ok: true }> {
  assert.ok(r.ok, `expected success, got ${r.ok ? '' : JSON.stringify(r.error)}`);
  return r;
}

function failed(r: CallResult): Extract<CallResult, { ok: false }> {
  assert.ok(!r.ok, 'expected a failure');
  return r;
}

/** Faults for the first `n` requests only. */
function firstN(n: number, fault: Fault): (req: FakeRequest, i: number) => Fault | undefined {
  return (_req, i) => (i < n ? fault : undefined);
}

const ctx = { rowId: 'r1', purpose: 'strong' };

test('both SDKs: text, token counts and latency from each wire format', async () => {
  const server = await startFakeLlmServer();
  try {
    const m = models(server);
    const caller = new LlmCaller({ concurrency: 2, timeoutMs: 5000, retry: FAST });
    for (const model of [m.openai, m.anthropic]) {
      const r = ok(await caller.call(model, { system: 'Be brief.', messages: [{ role: 'user', content: 'What is 2+3?' }], maxTokens: 64, temperature: 0 }, ctx));
      assert.equal(r.completion.text, 'The answer is 5.');
      assert.equal(r.completion.inputTokens, 5, 'words of the system and user messages');
      assert.equal(r.completion.outputTokens, 4);
      assert.ok(r.completion.latencyMs >= 0);
      assert.equal(r.source, 'api');
    }
    const [o, a] = server.requests;
    assert.equal(o!.api, 'openai');
    assert.equal(o!.system, 'Be brief.');
    assert.equal(o!.body.max_tokens, 64, 'compatible servers get max_tokens');
    assert.equal(o!.body.temperature, 0);
    assert.equal(a!.api, 'anthropic');
    assert.equal(a!.body.max_tokens, 64);
    assert.equal(a!.body.system, 'Be brief.');
    assert.equal(o!.key, KEY);
    assert.equal(a!.key, KEY);
  } finally {
    await server.close();
  }
});

test('a 429 with Retry-After is waited out, for OpenAI (seconds) and Anthropic (retry-after-ms)', async () => {
  const server = await startFakeLlmServer({ fault: firstN(1, { kind: 'status', status: 429, retryAfter: '1' }) });
  try {
    const caller = new LlmCaller({ concurrency: 1, timeoutMs: 5000, retry: FAST });
    const r = ok(await caller.call(models(server).openai, ask('hello'), ctx));
    assert.equal(r.completion.text, 'Here is a careful answer to: hello');
    assert.equal(server.requests.length, 2);
    const gap = server.requests[1]!.receivedAt - server.requests[0]!.receivedAt;
    assert.ok(gap >= 990, `waited ${gap} ms, Retry-After said 1 s (backoff alone would be ~20 ms)`);
    assert.equal(caller.stats.retries, 1);
  } finally {
    await server.close();
  }
  const s2 = await startFakeLlmServer({ fault: firstN(1, { kind: 'status', status: 429, retryAfterMs: '400' }) });
  try {
    const caller = new LlmCaller({ concurrency: 1, timeoutMs: 5000, retry: FAST });
    ok(await caller.call(models(s2).anthropic, ask('hello'), ctx));
    const gap = s2.requests[1]!.receivedAt - s2.requests[0]!.receivedAt;
    assert.ok(gap >= 390 && gap < 1500, `waited ${gap} ms for retry-after-ms 400`);
  } finally {
    await s2.close();
  }
});

test('5xx are retried with backoff; when retries run out the failure is a value with status and attempts', async () => {
  const server = await startFakeLlmServer({ fault: firstN(2, { kind: 'status', status: 500 }) });
  try {
    const caller = new LlmCaller({ concurrency: 1, timeoutMs: 5000, retry: FAST });
    ok(await caller.call(models(server).anthropic, ask('x'), ctx));
    assert.equal(server.requests.length, 3);
  } finally {
    await server.close();
  }
  const always = await startFakeLlmServer({ fault: () => ({ kind: 'status', status: 503, message: 'overloaded' }) });
  try {
    const caller = new LlmCaller({ concurrency: 1, timeoutMs: 5000, retry: FAST });
    const r = failed(await caller.call(models(always).openai, ask('x'), ctx));
    assert.equal(always.requests.length, 3);
    assert.deepEqual({ ...r.error }, { message: '503 overloaded', kind: 'http', status: 503, retryable: true, attempts: 3 });
    assert.equal(caller.stats.errors, 1);
  } finally {
    await always.close();
  }
});

test('a 400 is not retried', async () => {
  const server = await startFakeLlmServer({ fault: () => ({ kind: 'status', status: 400, message: 'context too long' }) });
  try {
    const caller = new LlmCaller({ concurrency: 1, timeoutMs: 5000, retry: FAST });
    const r = failed(await caller.call(models(server).openai, ask('x'), ctx));
    assert.equal(server.requests.length, 1);
    assert.equal(r.error.retryable, false);
    assert.equal(r.error.fatal, undefined);
  } finally {
    await server.close();
  }
});

test('a slow answer times out and is retried', async () => {
  const server = await startFakeLlmServer({ fault: firstN(1, { kind: 'slow', ms: 1500 }) });
  try {
    const caller = new LlmCaller({ concurrency: 1, timeoutMs: 300, retry: FAST });
    const r = ok(await caller.call(models(server).openai, ask('slow'), ctx));
    assert.equal(r.completion.text, 'Here is a careful answer to: slow');
    assert.equal(server.requests.length, 2);
    assert.equal(caller.stats.retries, 1);
  } finally {
    await server.close();
  }
  const never = await startFakeLlmServer({ fault: () => ({ kind: 'hang' }) });
  try {
    const caller = new LlmCaller({ concurrency: 1, timeoutMs: 150, retry: { ...FAST, retries: 1 } });
    const r = failed(await caller.call(models(never).anthropic, ask('x'), ctx));
    assert.deepEqual({ ...r.error }, { message: 'timed out after 150 ms', kind: 'timeout', retryable: true, attempts: 2 });
  } finally {
    await never.close();
  }
});

test('a truncated body is an error value, not a crash, and is retried like a 5xx', async () => {
  const server = await startFakeLlmServer({ fault: () => ({ kind: 'malformed' }) });
  try {
    const caller = new LlmCaller({ concurrency: 1, timeoutMs: 5000, retry: FAST });
    for (const model of [models(server).openai, models(server).anthropic]) {
      const r = failed(await caller.call(model, ask('x'), ctx));
      assert.equal(r.error.kind, 'malformed');
      assert.equal(r.error.attempts, 3);
      assert.match(r.error.message, /^malformed response body: /);
    }
    assert.equal(server.requests.length, 6, 'each call tried 1 + 2 retries');
  } finally {
    await server.close();
  }
  // One body in nine cut short: every call still succeeds within the run.
  const seen = new Set<string>();
  const firstOfNinth = (req: FakeRequest) => {
    const k = JSON.stringify(req.body);
    if (seen.has(k)) return false;
    seen.add(k);
    return seen.size % 9 === 4;
  };
  const flaky = await startFakeLlmServer({ fault: (req) => (firstOfNinth(req) ? { kind: 'malformed' } : undefined) });
  try {
    const caller = new LlmCaller({ concurrency: 4, timeoutMs: 5000, retry: FAST });
    const results = await Promise.all(Array.from({ length: 36 }, (_, i) => caller.call(i % 2 ? models(flaky).openai : models(flaky).anthropic, ask(`q${i}`), ctx)));
    assert.equal(results.filter((r) => r.ok).length, 36);
    assert.equal(flaky.requests.filter((r) => r.fault === 'malformed').length, 4);
  } finally {
    await flaky.close();
  }
  // A compatible server that answers 200 with JSON of the wrong shape.
  const wrong = await startFakeLlmServer({ fault: () => ({ kind: 'status', status: 200, message: 'not a completion' }) });
  try {
    const caller = new LlmCaller({ concurrency: 1, timeoutMs: 5000, retry: { ...FAST, retries: 0 } });
    const r = failed(await caller.call(models(wrong).openai, ask('x'), ctx));
    assert.equal(r.error.message, 'malformed response: no choices[0].message');
    const a = failed(await caller.call(models(wrong).anthropic, ask('x'), ctx));
    assert.equal(a.error.message, 'malformed response: no content array');
  } finally {
    await wrong.close();
  }
});

test('a 401 never shows the key, is fatal, and stops further calls to that model', async () => {
  const server = await startFakeLlmServer({ requireKey: 'the-right-key' });
  try {
    const caller = new LlmCaller({ concurrency: 1, timeoutMs: 5000, retry: FAST });
    const m = models(server).openai;
    const r = failed(await caller.call(m, ask('x'), ctx));
    assert.equal(r.error.status, 401);
    assert.equal(r.error.fatal, true);
    assert.ok(!r.error.message.includes(KEY), r.error.message);
    assert.match(r.error.message, /Incorrect API key provided: \[redacted\]/);
    const again = failed(await caller.call(m, ask('y'), ctx));
    assert.equal(again.error.status, 401);
    assert.equal(server.requests.length, 1, 'the second call was not sent');
  } finally {
    await server.close();
  }
});

test('connection refused is retried, then reported as unreachable, which stops further calls to that endpoint', async () => {
  const server = await startFakeLlmServer();
  const m = models(server).openai;
  await server.close();
  const caller = new LlmCaller({ concurrency: 1, timeoutMs: 2000, retry: { ...FAST, retries: 1 } });
  const r = failed(await caller.call(m, ask('x'), ctx));
  assert.equal(r.error.kind, 'unreachable');
  assert.equal(r.error.retryable, true);
  assert.equal(r.error.fatal, true);
  assert.equal(r.error.attempts, 2);
  assert.match(r.error.message, /^connection failed: ECONNREFUSED/);
  const next = failed(await caller.call(models(server).anthropic, ask('y'), ctx));
  assert.equal(next.error.attempts, 0, 'not tried: the endpoint is down for this run');
});

test('the disk cache answers a second run; errors are not cached; identical concurrent calls are merged', async () => {
  let failNext = true;
  const server = await startFakeLlmServer({
    fault: (req) => {
      if (req.messages[0]?.content === 'flaky' && failNext) {
        failNext = false;
        return { kind: 'status', status: 400 };
      }
      return undefined;
    },
  });
  const dir = join(tempDir(), 'cache');
  try {
    const m = models(server);
    const first = new LlmCaller({ concurrency: 4, timeoutMs: 5000, retry: FAST, cache: new DiskCache(dir) });
    const [a, b] = await Promise.all([first.call(m.openai, ask('same'), ctx), first.call(m.openai, ask('same'), ctx)]);
    assert.equal(ok(a).completion.text, ok(b).completion.text);
    assert.equal(server.requests.length, 1, 'merged');
    failed(await first.call(m.openai, ask('flaky'), ctx));
    assert.equal(server.requests.length, 2);

    const second = new LlmCaller({ concurrency: 4, timeoutMs: 5000, retry: FAST, cache: new DiskCache(dir) });
    const again = ok(await second.call(m.openai, ask('same'), ctx));
    assert.equal(again.source, 'cache');
    assert.equal(server.requests.length, 2, 'answered from disk');
    ok(await second.call(m.openai, ask('flaky'), ctx));
    assert.equal(server.requests.length, 3, 'the failure was not cached');
    // Same prompt to another provider or model is another call.
    ok(await second.call(m.anthropic, ask('same'), ctx));
    assert.equal(server.requests.length, 4);
    assert.equal(second.stats.cache, 1);
    assert.equal(second.stats.api, 2);
  } finally {
    await server.close();
  }
});

test('-j bounds the calls in flight', async () => {
  let inFlight = 0;
  let peak = 0;
  const server = await startFakeLlmServer({
    delayMs: 40,
    fault: () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => inFlight--, 40);
      return undefined;
    },
  });
  try {
    const caller = new LlmCaller({ concurrency: 3, timeoutMs: 5000, retry: FAST });
    const m = models(server).openai;
    await Promise.all(Array.from({ length: 12 }, (_, i) => caller.call(m, ask(`q${i}`), ctx)));
    assert.equal(server.requests.length, 12);
    assert.equal(peak, 3);
  } finally {
    await server.close();
  }
});

test('the SDKs\' own fetch (kept for https endpoints) gives the same results and errors', async () => {
  let n = 0;
  const server = await startFakeLlmServer({
    fault: () => {
      n++;
      return n === 1 ? { kind: 'status', status: 429, retryAfterMs: '200' } : n === 3 ? { kind: 'malformed' } : undefined;
    },
  });
  try {
    const m = models(server);
    // The same specs, but clients built without the node:http fetch.
    const sdkFetch = (r: ResolvedModel, client: ReturnType<typeof createOpenAIClient>): ResolvedModel => ({ spec: r.spec, connect: async () => client });
    const openai = sdkFetch(m.openai, createOpenAIClient({ apiKey: KEY, baseURL: server.openaiBaseURL, model: 'fake-strong', official: false, plainHttp: false }));
    const anthropic = sdkFetch(m.anthropic, createAnthropicClient({ apiKey: KEY, baseURL: server.anthropicBaseURL, model: 'fake-strong', plainHttp: false }));
    const caller = new LlmCaller({ concurrency: 1, timeoutMs: 5000, retry: FAST });
    assert.equal(ok(await caller.call(openai, ask('What is 2+3?'), ctx)).completion.text, 'The answer is 5.');
    assert.ok(server.requests[1]!.receivedAt - server.requests[0]!.receivedAt >= 190, 'retry-after-ms honoured');
    // The truncated body (third request) is retried and answered.
    assert.equal(ok(await caller.call(anthropic, ask('What is 2+3?'), ctx)).completion.outputTokens, 4);
    assert.equal(server.requests.length, 4);
  } finally {
    await server.close();
  }
  const closed = await startFakeLlmServer();
  const url = closed.openaiBaseURL;
  await closed.close();
  const model: ResolvedModel = { spec: resolveModel({ id: 'openai:x', role: 'weak', baseURL: url, env: {}, defaults: {} }).spec, connect: async () => createOpenAIClient({ apiKey: KEY, baseURL: url, model: 'x', official: false }) };
  const r = failed(await new LlmCaller({ concurrency: 1, timeoutMs: 2000, retry: { ...FAST, retries: 0 } }).call(model, ask('x'), ctx));
  assert.equal(r.error.kind, 'unreachable');
  assert.match(r.error.message, /^connection failed: ECONNREFUSED/);
});

test('the node:http fetch: decompresses, keeps headers, has no body for 204, honours abort', async () => {
  const server = createServer((req, res) => {
    if (req.url === '/gzip') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'retry-after': '3' });
      res.end(gzipSync(JSON.stringify({ ok: true, accept: req.headers['accept-encoding'] })));
    } else if (req.url === '/empty') {
      res.writeHead(204);
      res.end();
    } else if (req.url === '/echo') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => res.end(`${req.method} ${req.headers['x-test']} ${body}`));
    }
    // Any other path never answers.
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const g = await plainHttpFetch(`${base}/gzip`);
    assert.equal(g.status, 200);
    assert.equal(g.headers.get('retry-after'), '3');
    assert.equal(g.headers.get('content-encoding'), null);
    assert.deepEqual(await g.json(), { ok: true, accept: 'gzip, deflate, br' });
    const e = await plainHttpFetch(`${base}/empty`);
    assert.equal(e.status, 204);
    assert.equal(await e.text(), '');
    const echo = await plainHttpFetch(new URL(`${base}/echo`), { method: 'POST', headers: { 'x-test': 'yes' }, body: '{"a":1}' });
    assert.equal(await echo.text(), 'POST yes {"a":1}');
    const controller = new AbortController();
    const pending = plainHttpFetch(`${base}/hang`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, (err: unknown) => err instanceof Error && err.name === 'AbortError');
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
