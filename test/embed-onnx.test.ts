import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import { onnxEmbedder, encodeTruncated } from '../src/embed/onnx.ts';
import { UserError } from '../src/errors.ts';
import { referenceEmbedding, tokenizerJson, writeTinyBert } from './fixtures/tiny-bert.ts';
import { tempDir } from './helpers.ts';

const TEXTS = ['The cat sat on the mat.', 'What is the capital of France?', 'a quick brown fox', 'the dogs ran!'];

function near(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

function ids(text: string, limit = 512): number[] {
  const tok = new Tokenizer(tokenizerJson(null), {});
  return encodeTruncated(tok as never, text, limit).ids;
}

for (const tokenTypes of [true, false]) {
  test(`tiny BERT (${tokenTypes ? 'with' : 'without'} token_type_ids): masked mean pooling of padded batches equals the unpadded reference`, async () => {
    const dir = join(tempDir(), 'bert');
    const w = writeTinyBert(dir, { tokenTypes });
    const e = onnxEmbedder(`onnx:${dir}`, dir);
    const m = await e.embedBatch(TEXTS);
    assert.equal(m.rows, TEXTS.length);
    assert.equal(m.cols, 8);
    TEXTS.forEach((t, i) => near(m.data.subarray(i * 8, (i + 1) * 8), referenceEmbedding(w, ids(t), tokenTypes), 2e-5, t));
    // Alone (no padding) gives the same vector as in the padded batch.
    const alone = await e.embedBatch([TEXTS[2]!]);
    near(alone.data, m.data.subarray(16, 24), 1e-5, 'alone vs batched');
  });
}

test('truncation keeps [CLS], the first content tokens and [SEP]', async () => {
  const tok = new Tokenizer(tokenizerJson(null), {});
  const long = 'the cat sat on the mat the dog ran on the mat';
  const full = encodeTruncated(tok as never, long, 512).ids;
  assert.equal(full.length, 14);
  const cut = encodeTruncated(tok as never, long, 6).ids;
  assert.deepEqual(cut, [2, ...full.slice(1, 5), 3]);

  // tokenizer.json's own truncation length becomes the embedder's limit, and is part of its identity.
  const dir = join(tempDir(), 'bert');
  const w = writeTinyBert(dir, { tokenTypes: true }, 6);
  const e = onnxEmbedder(`onnx:${dir}`, dir);
  assert.equal(e.info(8).config.maxTokens, 6);
  const m = await e.embedBatch([long]);
  near(m.data, referenceEmbedding(w, cut, true), 2e-5, 'truncated');
  const other = join(tempDir(), 'bert');
  writeTinyBert(other, { tokenTypes: true }, null);
  assert.notEqual(onnxEmbedder(`onnx:${other}`, other).key, e.key);
});

test('config.json\'s max_position_embeddings caps the length; an over-long input is one clear error', async () => {
  const dir = join(tempDir(), 'bert');
  writeTinyBert(dir, { tokenTypes: true });
  const long = Array.from({ length: 30 }, () => 'the cat sat').join(' ');
  await assert.rejects(onnxEmbedder(`onnx:${dir}`, dir).embedBatch([long]), (err: unknown) => err instanceof UserError && /model\.onnx: the ONNX model failed to run: /.test(err.describe()) && !err.describe().includes('\n'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ max_position_embeddings: 16 }));
  const capped = onnxEmbedder(`onnx:${dir}`, dir);
  assert.equal(capped.info(8).config.maxTokens, 16);
  assert.equal((await capped.embedBatch([long])).rows, 1);
});

test('the same model in another folder has the same identity', () => {
  const a = join(tempDir(), 'a');
  const b = join(tempDir(), 'b');
  writeTinyBert(a, { tokenTypes: true });
  writeTinyBert(b, { tokenTypes: true });
  assert.equal(onnxEmbedder(`onnx:${a}`, a).key, onnxEmbedder(`onnx:${b}`, b).key);
});

function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UserError, String(err));
    return err.describe();
  }
  throw new Error('expected a UserError');
}

test('an embedder that cannot load: missing folder, missing files, wrong inputs, not an ONNX file', async () => {
  const root = tempDir();
  assert.equal(userError(() => onnxEmbedder('onnx:nope', join(root, 'nope'))), `${join(root, 'nope')}: no such folder (options.embedder onnx:nope)`);
  writeFileSync(join(root, 'tokenizer.json'), '{}');
  assert.equal(userError(() => onnxEmbedder('onnx:x', root)), `${root}: no model.onnx in this folder or its onnx/ subfolder (options.embedder onnx:x)`);

  const wrong = join(tempDir(), 'wrong');
  writeTinyBert(wrong, { tokenTypes: false, wrongInputs: true });
  const e = onnxEmbedder('onnx:wrong', wrong);
  await assert.rejects(e.embedBatch(['hi']), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.equal(err.describe(), `${join(wrong, 'model.onnx')}: model inputs are (pixel_values, attention_mask); a text embedding model takes input_ids and attention_mask, and optionally token_type_ids`);
    return true;
  });

  const broken = join(tempDir(), 'broken');
  writeTinyBert(broken, { tokenTypes: true });
  writeFileSync(join(broken, 'model.onnx'), 'not a model');
  await assert.rejects(onnxEmbedder('onnx:broken', broken).embedBatch(['hi']), (err: unknown) => err instanceof UserError && /model\.onnx: cannot load the ONNX model: /.test(err.describe()));
});
