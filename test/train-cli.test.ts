import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO, filesUnder, tempDir, writeFile } from './helpers.ts';
import { cli } from './cli.ts';
import { writeTinyBert } from './fixtures/tiny-bert.ts';

// `router train` end to end through the built binary: every router type, tuning, calibration, and
// each bad input as one line with exit code 2 and nothing written.

/** A small labelled dataset whose target follows its words: "proof" and "derive" queries need the strong model. */
export function synthetic(n = 240): string {
  const easy = ['reset my password', 'opening hours', 'change my email', 'track the parcel', 'cancel the order'];
  const hard = ['derive the closed form', 'proof of convergence', 'derive the gradient', 'proof by induction', 'bound the error term'];
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const isHard = i % 3 === 0;
    const topic = (isHard ? hard : easy)[i % 5]!;
    // Mostly but not always: the strong model wins on 5 of 6 hard queries and 1 of 10 easy ones.
    const strongWins = isHard ? i % 18 !== 0 : i % 10 === 1;
    const weakRight = !strongWins && i % 7 !== 2;
    rows.push(JSON.stringify({ id: `r${i}`, query: `please ${topic} number ${i}`, models: { weak: { quality: weakRight ? 1 : 0 }, strong: { quality: strongWins || weakRight ? 1 : 0 } } }));
  }
  return rows.join('\n') + '\n';
}

async function rejected(args: string[], cwd: string, line: string, before?: string[]): Promise<void> {
  const artifacts = before ?? filesUnder(cwd).filter((f) => f.startsWith('artifacts/'));
  const r = await cli(args, cwd);
  assert.equal(r.stderr, `router: ${line}\n`);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.deepEqual(filesUnder(cwd).filter((f) => f.startsWith('artifacts/')), artifacts, 'nothing is written');
}

function json(path: string): any {
  return JSON.parse(readFileSync(path, 'utf8'));
}

test('logistic on TF-IDF: tuned C, Platt calibration, default threshold, report and artifact', async () => {
  const dir = tempDir();
  writeFile(dir, 'd.jsonl', synthetic());
  const r = await cli(['train', 'd.jsonl', '--name', 'lr'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Trained logistic router on tfidf \(\d+ terms\) for weak \(weak\) -> strong \(strong\), target: strong model better\n/);
  assert.match(r.stdout, /tuned on a 20% validation split of the training rows: C [\d.]+ \(AUC [\d.]+\); also tried C [\d.]+ \(AUC [\d.]+\), C [\d.]+ \(AUC [\d.]+\); objective strong-wins\n/);
  assert.match(r.stdout, /calibration: platt; default threshold [\d.]+, the cheapest point within a 5% quality gap on validation data/);
  assert.match(r.stdout, /│ validation \(tuning split\) │\s+\d+ │ [\d.]+ │\s+[\d.]+ │ [\d.]+ │/);
  assert.match(r.stdout, /│ held-out\s+│\s+\d+ │ [\d.]+ │/);
  const art = json(join(dir, 'artifacts/routers/lr/v1.json'));
  const body = art.body;
  assert.equal(body.router, 'logistic');
  assert.equal(body.embedder.spec, 'tfidf');
  assert.equal(body.embedder.parts[0].kind, 'tfidf');
  assert.equal(body.embedder.parts[0].terms.codec, 'gzip');
  assert.equal(body.embedder.parts[0].idf.dtype, 'float32');
  assert.equal(body.calibration.method, 'platt');
  assert.deepEqual(Object.keys(body.model).sort(), ['bias', 'c', 'classWeight', 'weights']);
  assert.deepEqual(body.thresholdRule, { kind: 'max-quality-gap', value: 0.05, on: 'validation' });
  assert.equal(body.training.tuning.method, 'split');
  assert.equal(body.training.tuning.candidates.length, 3);
  assert.ok(body.training.validation.auc > 0.8, `held-out AUC ${body.training.validation.auc}`);

  // Same data and seed, same router: the re-run finds it already written and adds no version.
  const rerun = await cli(['train', 'd.jsonl', '--name', 'lr'], dir);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stdout, /Router unchanged: identical to artifacts\/routers\/lr\/v1\.json \(same content from the same inputs\), no new version written/);
  assert.equal(existsSync(join(dir, 'artifacts/routers/lr/v2.json')), false);
  assert.equal(body.training.seconds, undefined, 'a run time in the body would make every re-run differ');
  // Another seed is another router: a new version.
  assert.equal((await cli(['train', 'd.jsonl', '--name', 'lr', '--seed', '2'], dir)).code, 0);
  assert.notDeepEqual(json(join(dir, 'artifacts/routers/lr/v2.json')).body, body);
});

test('k-fold tuning, isotonic calibration, a fixed C', async () => {
  const dir = tempDir();
  writeFile(dir, 'd.jsonl', synthetic());
  const r = await cli(['train', 'd.jsonl', '--name', 'cv', '--folds', '4', '--calibration', 'isotonic', '-C', '2', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.body.model, undefined, 'the JSON summary leaves the weights out');
  assert.equal(out.body.training.tuning.method, 'folds');
  assert.equal(out.body.training.tuning.folds, 4);
  assert.deepEqual(out.body.training.tuning.candidates.map((c: any) => c.options), [{ c: 2, objective: 'strong-wins' }]);
  // Out-of-fold metrics cover every training row.
  assert.equal(out.body.training.tuning.metrics.rows, out.body.training.rows);
  assert.equal(out.body.calibration.method, 'isotonic');
  assert.match((await cli(['train', 'd.jsonl', '--folds', '4', '--name', 'cv2'], dir)).stdout, /tuned on 4-fold cross-validation of the training rows/);
});

test('every router type trains and routes from the CLI', async () => {
  const dir = tempDir();
  writeFile(dir, 'd.jsonl', synthetic());
  writeFile(dir, 'routes.json', JSON.stringify({ routes: [{ name: 'support', model: 'weak', utterances: ['reset my password', 'track the parcel'] }, { name: 'maths', model: 'strong', utterances: ['derive the gradient', 'proof of convergence'] }] }));
  const runs: [string, string[]][] = [
    ['knn', ['--router', 'knn', '--k', '5']],
    ['random', ['--router', 'random']],
    ['semantic', ['--router', 'semantic', '--routes', 'routes.json']],
    ['mlp', ['--router', 'mlp', '--hidden', '8']],
    ['mf', ['--router', 'mf', '--dim', '4', '--epochs', '3']],
    ['ensemble', ['--router', 'ensemble', '--embedder', 'tfidf+onnx:bert', '--objective', 'pairwise']],
  ];
  writeTinyBert(join(dir, 'bert'), { tokenTypes: true });
  for (const [name, args] of runs) {
    const r = await cli(['train', 'd.jsonl', '--name', name, ...args, '--json'], dir);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    const body = JSON.parse(r.stdout).body;
    assert.equal(body.router, name);
    assert.equal(body.embedder.spec, name === 'random' ? 'none' : name === 'ensemble' ? 'tfidf+onnx:bert' : 'tfidf');
    if (name === 'mlp' || name === 'mf' || name === 'semantic') assert.equal(body.embedder.layout, 'dense');
    const routed = await cli(['route', '--router', name, '--json', 'please derive the gradient number 7', 'please reset my password number 8'], dir);
    assert.equal(routed.code, 0, `${name} route: ${routed.stderr}`);
    const d = JSON.parse(routed.stdout).decisions;
    assert.equal(d.length, 2);
    if (name !== 'random') assert.ok(d[0].score > d[1].score, `${name}: ${d[0].score} vs ${d[1].score}`);
  }
  const semantic = json(join(dir, 'artifacts/routers/semantic/v1.json'));
  assert.deepEqual(semantic.lineage.map((l: any) => l.role), ['train', 'routes']);
  // The target line says what the objective fitted.
  const pairwise = await cli(['train', 'd.jsonl', '--name', 'pw', '--objective', 'pairwise', '-C', '1'], dir);
  assert.match(pairwise.stdout.split('\n')[0]!, /, target: the pair's outcome \(strong better 1, tie 0\.5, weak better 0\)$/);
});

test('the demo dataset: the held-out APGR of the trained router is what eval measures on the stored artifact', async () => {
  const dir = tempDir();
  const r = await cli(['train', DEMO, '--name', 'demo', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const trained = JSON.parse(r.stdout).body.training.validation;
  const e = await cli(['eval', DEMO, '--router', 'demo', '--json', '--bootstrap', '0'], dir);
  assert.equal(e.code, 0, e.stderr);
  const summary = JSON.parse(e.stdout).body.routers[0].summary;
  assert.equal(summary.apgr, trained.apgr);
  assert.equal(summary.auc, trained.auc);
});

test('bad input: one class only, fewer rows than folds, a flag for another router', async () => {
  const dir = tempDir();
  writeFile(dir, 'one.csv', 'prompt,weak,strong\nq1,True,True\nq2,False,False\nq3,True,False\nq4,True,True\n');
  await rejected(['train', 'one.csv', '--no-holdout', '--weak', 'weak', '--strong', 'strong'], dir, 'one.csv: cannot train on one class only: strong is never better than weak in the 4 training rows');
  writeFile(dir, 'few.csv', 'prompt,weak,strong\nq1,True,True\nq2,False,True\nq3,True,False\nq4,False,True\n');
  await rejected(['train', 'few.csv', '--no-holdout', '--folds', '5'], dir, 'only 4 distinct training queries for 5 folds; lower --folds or add data');
  await rejected(['train', 'few.csv', '--no-holdout', '--hidden', '8'], dir, '--hidden does not apply to the logistic router');
  await rejected(['train', 'few.csv', '--no-holdout', '--router', 'semantic'], dir, '--routes: the semantic router needs a file of example utterances per route (semantic router)');
});

test('bad input: an embedder that cannot load (unknown, missing folder, wrong ONNX inputs)', async () => {
  const dir = tempDir();
  writeFile(dir, 'd.jsonl', synthetic(60));
  await rejected(['train', 'd.jsonl', '--embedder', 'bert'], dir, 'unknown embedder "bert" (known: tfidf, use, onnx:<folder>, openai:<model>; join two with + (e.g. tfidf+use))');
  await rejected(['train', 'd.jsonl', '--embedder', 'onnx:models/minilm'], dir, 'models/minilm: no such folder (--embedder onnx:models/minilm)');
  writeTinyBert(join(dir, 'wrong'), { tokenTypes: false, wrongInputs: true });
  await rejected(['train', 'd.jsonl', '--embedder', 'onnx:wrong'], dir, 'wrong/model.onnx: model inputs are (pixel_values, attention_mask); a text embedding model takes input_ids and attention_mask, and optionally token_type_ids');
});

test('an ONNX embedder end to end: logistic on a tiny BERT, cached, routed; another embedder at routing time is refused', async () => {
  const dir = tempDir();
  writeFile(dir, 'd.jsonl', synthetic(90));
  writeTinyBert(join(dir, 'bert'), { tokenTypes: true });
  const r = await cli(['train', 'd.jsonl', '--name', 'b', '--router', 'logistic', '--embedder', 'onnx:bert', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const body = JSON.parse(r.stdout).body;
  assert.equal(body.embedder.spec, 'onnx:bert');
  assert.match(body.embedder.description, /^onnx:bert \(8-d\)$/);
  assert.ok(filesUnder(dir).some((f) => /^\.router-cache\/embeddings\/onnx-[0-9a-f]{32}\.d8\.f32$/.test(f)), 'embeddings cached');
  const routed = await cli(['route', '--router', 'b', 'the cat sat'], dir);
  assert.equal(routed.code, 0, routed.stderr);
  assert.match(routed.stdout, /│ the cat sat │ (weak|strong)\s+│ 0\.\d{3} │/);
  // A copy of the same model elsewhere is the same embedder; a different kind is refused.
  writeTinyBert(join(dir, 'moved'), { tokenTypes: true });
  assert.equal((await cli(['route', '--router', 'b', '--embedder', 'onnx:moved', 'the cat sat'], dir)).code, 0);
  await rejected(['route', '--router', 'b', '--embedder', 'tfidf', 'the cat sat'], dir, 'artifacts/routers/b/v1.json: the router was trained with embedder onnx:bert, not tfidf; route with --embedder onnx:bert or retrain');
});

test('bad input: NaN in the features (an embeddings server sending NaN)', async () => {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw);
      const data = body.input.map((t: string, index: number) => ({ index, embedding: Buffer.from(Float32Array.of(t.includes('number 4 ') || t.endsWith('number 4') ? NaN : 1, t.length).buffer).toString('base64') }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const dir = tempDir();
    writeFile(dir, 'd.jsonl', synthetic(30));
    const { port } = server.address() as AddressInfo;
    const r = await cli(['train', 'd.jsonl', '--embedder', 'openai:emb', '--no-holdout'], dir, { OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` });
    assert.equal(r.stderr, 'router: embedder openai:emb returned NaN in the features of text 5 ("please cancel the order number 4")\n');
    assert.equal(r.code, 2);
    assert.deepEqual(filesUnder(dir).filter((f) => f.startsWith('artifacts/')), []);
  } finally {
    await new Promise((r) => server.close(r));
  }
});
