import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { openaiEmbedder } from '../src/embed/openai.ts';
import { Featurizer } from '../src/embed/features.ts';
import { UserError } from '../src/errors.ts';
import { tempDir } from './helpers.ts';

// A fake OpenAI-compatible embeddings server on 127.0.0.1, port 0: never a real API.

interface Fake {
  url: string;
  requests: { auth: string | undefined; body: { model: string; input: string[]; encoding_format?: string } }[];
  close(): Promise<void>;
}

/** Vector of a text: [length, vowels, 1], so tests can predict it. */
function vectorOf(text: string): number[] {
  return [text.length, (text.match(/[aeiou]/g) ?? []).length, 1];
}

async function fake(handler?: (body: Fake['requests'][number]['body'], req: IncomingMessage) => { status: number; json: unknown } | null): Promise<Fake> {
  const requests: Fake['requests'] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw);
      requests.push({ auth: req.headers.authorization, body });
      const custom = handler?.(body, req);
      const reply = custom ?? {
        status: 200,
        json: {
          object: 'list',
          model: body.model,
          // Reversed order: the client must sort by index.
          data: body.input
            .map((t: string, index: number) => {
              const v = Float32Array.from(vectorOf(t));
              return { object: 'embedding', index, embedding: body.encoding_format === 'base64' ? Buffer.from(v.buffer).toString('base64') : Array.from(v) };
            })
            .reverse(),
        },
      };
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.json));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

test('embeds in batches through the endpoint, in input order, decoding base64 float32', async () => {
  const f = await fake();
  try {
    const e = openaiEmbedder('openai:emb-small', 'emb-small', { OPENAI_BASE_URL: f.url, OPENAI_API_KEY: 'sk-test-secret-123456' });
    const m = await e.embedBatch(['hello', 'a longer text']);
    assert.deepEqual(Array.from(m.data), [...vectorOf('hello'), ...vectorOf('a longer text')]);
    assert.equal(f.requests.length, 1);
    assert.equal(f.requests[0]!.body.model, 'emb-small');
    assert.equal(f.requests[0]!.body.encoding_format, 'base64');
    assert.equal(f.requests[0]!.auth, 'Bearer sk-test-secret-123456');
    assert.equal(e.key, `openai-${f.url.slice('http://'.length)}-emb-small`);
    assert.ok(!JSON.stringify(e.info(3)).includes('sk-test'), 'the key is not recorded');
  } finally {
    await f.close();
  }
});

test('through the featurizer: normalised rows, and the cache means a second run calls nothing', async () => {
  const f = await fake();
  const cacheDir = join(tempDir(), 'cache');
  try {
    const env = { OPENAI_BASE_URL: f.url };
    const texts = Array.from({ length: 300 }, (_, i) => `query number ${i % 250}`);
    const { x } = await Featurizer.fit('openai:emb', texts, 'dense', { cacheDir, env });
    assert.equal(x.kind, 'dense');
    // 250 distinct texts in batches of 128: two requests.
    assert.deepEqual(f.requests.map((r) => r.body.input.length), [128, 122]);
    const v = vectorOf('query number 7');
    const n = Math.hypot(...v);
    assert.deepEqual(Array.from(x.x.data.subarray(7 * 3, 8 * 3)), v.map((t) => Math.fround(t / n)));
    await Featurizer.fit('openai:emb', texts, 'dense', { cacheDir, env });
    assert.equal(f.requests.length, 2, 'all from the cache');
  } finally {
    await f.close();
  }
});

test('a server that ignores encoding_format and sends JSON numbers still works', async () => {
  const f = await fake((body) => ({ status: 200, json: { data: body.input.map((t: string, index: number) => ({ index, embedding: vectorOf(t) })) } }));
  try {
    const m = await openaiEmbedder('openai:x', 'x', { OPENAI_BASE_URL: f.url }).embedBatch(['abc']);
    assert.deepEqual(Array.from(m.data), vectorOf('abc'));
  } finally {
    await f.close();
  }
});

test('errors: no key for the official API, an HTTP error without the key in it, NaN in the vectors', async () => {
  assert.throws(() => openaiEmbedder('openai:text-embedding-3-small', 'text-embedding-3-small', {}), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.equal(err.message, 'options.embedder: no API key for openai:text-embedding-3-small; set OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server');
    return true;
  });
  const f = await fake((body) =>
    body.model === 'bad'
      ? { status: 401, json: { error: { message: 'Incorrect API key provided: sk-test-secret-999999', type: 'invalid_request_error' } } }
      : { status: 200, json: { data: [{ index: 0, embedding: Buffer.from(Float32Array.of(1, NaN, 0).buffer).toString('base64') }] } },
  );
  try {
    await assert.rejects(openaiEmbedder('openai:bad', 'bad', { OPENAI_BASE_URL: f.url, OPENAI_API_KEY: 'sk-test-secret-999999' }).embedBatch(['x']), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /^embedder openai:bad: 127\.0\.0\.1:\d+\/v1 answered 401: /);
      assert.ok(!err.message.includes('sk-test-secret-999999'), err.message);
      return true;
    });
    await assert.rejects(Featurizer.fit('openai:nan', ['first text'], 'dense', { cacheDir: null, env: { OPENAI_BASE_URL: f.url } }), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.equal(err.message, 'embedder openai:nan returned NaN in the features of text 1 ("first text")');
      return true;
    });
  } finally {
    await f.close();
  }
});
