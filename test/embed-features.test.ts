import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddingCache, embedCached } from '../src/embed/cache.ts';
import { denseFromRows, type DenseMatrix } from '../src/embed/dense.ts';
import { Featurizer, parseSpec } from '../src/embed/features.ts';
import { csrToDense } from '../src/embed/sparse.ts';
import { Tfidf } from '../src/embed/tfidf.ts';
import { packTfidf, unpackTfidf } from '../src/embed/tfidf-pack.ts';
import { UserError } from '../src/errors.ts';
import { gunzipSync, gzipSync } from 'node:zlib';
import { tempDir } from './helpers.ts';

/** An embedder stand-in that records what it was asked. */
function source(dim = 2, batchSize = 3) {
  const calls: string[][] = [];
  return {
    calls,
    batchSize,
    async embedBatch(texts: string[]): Promise<DenseMatrix> {
      calls.push(texts);
      return denseFromRows(texts.map((t) => [t.length, ...Array.from({ length: dim - 1 }, () => 1)]));
    },
  };
}

test('embedCached: distinct texts embedded once, in batches; a second cache instance reads them back', async () => {
  const dir = join(tempDir(), 'emb');
  const s = source();
  const texts = ['a', 'bb', 'a', 'ccc', 'dddd', 'bb', 'eeeee'];
  const first = await embedCached(s, texts, new EmbeddingCache(dir, 'fake@1'));
  assert.deepEqual(s.calls, [['a', 'bb', 'ccc'], ['dddd', 'eeeee']]);
  assert.deepEqual(first.stats, { texts: 7, cached: 0, embedded: 5, seconds: first.stats.seconds });
  assert.deepEqual(Array.from(first.matrix.data), [1, 1, 2, 1, 1, 1, 3, 1, 4, 1, 2, 1, 5, 1]);
  // One file per embedder identity: 5 records of 32 + 2 x 4 bytes.
  assert.deepEqual(readdirSync(dir), ['fake_1.d2.f32']);
  assert.equal(statSync(join(dir, 'fake_1.d2.f32')).size, 5 * 40);

  const again = await embedCached(s, [...texts, 'new'], new EmbeddingCache(dir, 'fake@1'));
  assert.deepEqual(s.calls.at(-1), ['new']);
  assert.equal(again.stats.cached, 5);
  assert.deepEqual(Array.from(again.matrix.data.subarray(0, 14)), Array.from(first.matrix.data));
  // Another identity does not see these vectors.
  assert.equal(new EmbeddingCache(dir, 'fake@2').size, 0);
});

test('a partial record left by a crash is ignored', async () => {
  const dir = join(tempDir(), 'emb');
  await embedCached(source(), ['x', 'yy'], new EmbeddingCache(dir, 'k'));
  appendFileSync(join(dir, 'k.d2.f32'), Buffer.alloc(17, 7));
  assert.equal(new EmbeddingCache(dir, 'k').size, 2);
  // Records appended after the partial one stay readable: the writer pads to a whole record first.
  const s = source();
  await embedCached(s, ['x', 'zzz'], new EmbeddingCache(dir, 'k'));
  assert.deepEqual(s.calls, [['zzz']]);
  const later = source();
  const read = await embedCached(later, ['x', 'yy', 'zzz'], new EmbeddingCache(dir, 'k'));
  assert.deepEqual(later.calls, []);
  assert.deepEqual(Array.from(read.matrix.data), [1, 1, 2, 1, 3, 1]);
});

test('a cache that cannot be written (a file where its folder should be) is one line naming it', async () => {
  const dir = tempDir();
  appendFileSync(join(dir, 'emb'), 'not a folder');
  await assert.rejects(embedCached(source(), ['x'], new EmbeddingCache(join(dir, 'emb'), 'k')), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.match(err.describe(), /emb: embedding cache: cannot read: a part of the path is a file, not a folder \(ENOTDIR\); fix it or run with options.noCache$/);
    return true;
  });
});

test('NaN from an embedder: one clear error, and nothing cached', async () => {
  const dir = join(tempDir(), 'emb');
  const bad = { batchSize: 8, embedBatch: async (t: string[]) => denseFromRows(t.map((_, i) => [i === 1 ? NaN : 1, 0])) };
  await assert.rejects(embedCached(bad, ['fine', 'broken\nquery text'], new EmbeddingCache(dir, 'k'), undefined, 'onnx:m'), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.equal(err.message, 'embedder onnx:m returned NaN in the features of text 2 ("broken query text")');
    return true;
  });
  assert.equal(new EmbeddingCache(dir, 'k').size, 0);
});

test('embedder specs: unknown, empty part, repeated', () => {
  const msg = (spec: string) => {
    try {
      parseSpec(spec);
      return '';
    } catch (err) {
      return (err as UserError).message;
    }
  };
  assert.equal(msg('tfidf+'), 'options.embedder "tfidf+": empty part (known: tfidf, use, onnx:<folder>, openai:<model>; join two with + (e.g. tfidf+use))');
  assert.equal(msg('use+use'), 'options.embedder "use+use" names the same embedder twice');
  assert.deepEqual(parseSpec('tfidf+onnx:m'), ['tfidf', 'onnx:m']);
});

test('unknown embedder: one line naming the known ones', async () => {
  await assert.rejects(Featurizer.fit('bert', ['a b'], 'sparse', { cacheDir: null, env: {} }), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.equal(err.message, 'unknown embedder "bert" (known: tfidf, use, onnx:<folder>, openai:<model>; join two with + (e.g. tfidf+use))');
    return true;
  });
});

const DOCS = ['apple banana apple', 'apple cherry', 'Banana apple, a CHERRY!', 'cherry banana', 'banana split'];

test('tfidf featurizer: stored state round-trips to identical features; dense layout keeps the frequent terms', async () => {
  const ctx = { cacheDir: null, env: {} };
  const { featurizer, x } = await Featurizer.fit('tfidf', DOCS, 'sparse', ctx);
  assert.equal(x.kind, 'sparse');
  const loaded = Featurizer.load(JSON.parse(JSON.stringify(featurizer.state())), ctx);
  const a = await featurizer.transform(['apple cherry banana', 'nothing known']);
  const b = await loaded.transform(['apple cherry banana', 'nothing known']);
  assert.deepEqual(a, b);
  assert.equal(featurizer.describe(), 'tfidf (5 terms)');
  const dense = await Featurizer.fit('tfidf', DOCS, 'dense', ctx);
  assert.equal(dense.x.kind, 'dense');
  assert.equal(dense.x.x.cols, 5);
});

test('a router trained with one embedder refuses another at routing time', async () => {
  const { featurizer } = await Featurizer.fit('tfidf', DOCS, 'sparse', { cacheDir: null, env: {} });
  assert.throws(() => Featurizer.load(featurizer.state(), { cacheDir: null, env: {} }, 'use'), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.equal(err.message, 'the router was trained with embedder tfidf, not use; route with options.embedder tfidf or retrain');
    return true;
  });
  Featurizer.load(featurizer.state(), { cacheDir: null, env: {} }, 'tfidf');
});

test('packed TF-IDF: newline-joined terms and float32 idf; binary search equals the trie on every text', () => {
  const rand = (() => {
    let a = 7;
    return () => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 2 ** 32);
  })();
  const words = ['alpha', 'beta', 'gamma', 'délta', 'ωmega', '𝔘nicode', 'x1', 'y_2', 'zz', 'über', 'naïve', 'ёж'];
  const doc = () => Array.from({ length: 3 + Math.floor(rand() * 12) }, () => words[Math.floor(rand() * words.length)]).join(rand() < 0.5 ? ' ' : ', ');
  const corpus = Array.from({ length: 200 }, doc);
  const fitted = Tfidf.fit(corpus, { minDf: 2 });
  const packed = packTfidf(fitted);
  assert.equal(gunzipSync(Buffer.from(packed.terms.base64, 'base64')).toString('utf8'), fitted.state().vocabulary.join('\n'));
  assert.equal(packed.terms.codec, 'gzip');
  assert.deepEqual(packTfidf(fitted), packed, 'packing is deterministic');
  assert.equal(packed.idf.dtype, 'float32');
  const stored = unpackTfidf(JSON.parse(JSON.stringify(packed)));
  assert.deepEqual(stored.state().idf, fitted.state().idf.map((v) => Math.fround(v)));
  const queries = Array.from({ length: 40 }, doc);
  // A stored model finds n-grams by binary search for its first 256 texts, then builds the trie.
  const bySearch = queries.map((q) => csrToDense(stored.transform([q]))[0]);
  const byTrie = csrToDense(unpackTfidf(packed).transform([...queries, ...Array.from({ length: 300 }, doc)])).slice(0, queries.length);
  assert.deepEqual(bySearch, byTrie);
  // And both equal the fitted model's features up to the float32 idf.
  const exact = csrToDense(fitted.transform(queries));
  exact.forEach((r, i) => r.forEach((v, j) => assert.ok(Math.abs(v - byTrie[i]![j]!) < 1e-6)));
});

test('stored TF-IDF with duplicate or unsorted terms', () => {
  const fitted = Tfidf.fit(DOCS);
  const p = packTfidf(fitted);
  const terms = gunzipSync(Buffer.from(p.terms.base64, 'base64')).toString('utf8').split('\n');
  const gz = (t: string[]) => ({ codec: 'gzip' as const, base64: gzipSync(t.join('\n')).toString('base64') });
  assert.throws(() => unpackTfidf({ ...p, terms: gz([terms[0]!, ...terms.slice(0, -1)]) }), /duplicate vocabulary terms/);
  assert.throws(() => unpackTfidf({ ...p, terms: { codec: 'gzip', base64: 'bm90IGd6aXA=' } }), /terms are not valid gzip data/);
  // Out of order is still correct (the trie is used), just not searchable.
  const shuffled = unpackTfidf({ ...p, terms: gz([...terms].reverse()), idf: p.idf });
  assert.equal(csrToDense(shuffled.transform(['apple banana'])).length, 1);
});
