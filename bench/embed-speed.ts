// Embedding throughput per embedder on MMLU prompts, with no embedding cache:
// - tfidf: fit on 11,000 prompts (what `router train` does) and transform of all 14,042 (what
//   `router eval` and batch `route` do), median of 3 runs;
// - use: the Universal Sentence Encoder Lite on a sample of prompts in the embedder's own batches,
//   after one warm-up batch (model load timed apart), median of 3 runs.
// - openai: the client's own overhead (request, base64 decoding, ordering) against a local
//   OpenAI-compatible server that answers at once with 1,536-d vectors: a real endpoint's speed is
//   the server's, so this is the ceiling the client puts on it, not a model's throughput.
// onnx:<folder> depends on the model: no real model's weights can be downloaded on this machine, and
// the tests' tiny model (hidden size 8) says nothing about one, so it is not measured here.
//
//   npm run bench:embed [-- --data DIR --use-sample 256]

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readDataset } from '../src/data/read-dataset.ts';
import { Tfidf } from '../src/embed/tfidf.ts';
import { openEmbedder } from '../src/embed/embedder.ts';
import { median, mmluPath, saveResult } from './lib.ts';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1]! : fallback);
const USE_SAMPLE = Number(arg('use-sample', '256'));
const RUNS = 3;

const queries = readDataset(mmluPath(argv)).rows.map((r) => r.query);
const meanChars = Math.round(queries.reduce((s, q) => s + q.length, 0) / queries.length);
const rssMiB = () => process.resourceUsage().maxRSS / 1024;

const fitSeconds: number[] = [];
const transformSeconds: number[] = [];
for (let r = 0; r < RUNS; r++) {
  let t = performance.now();
  const { model } = Tfidf.fitTransform(queries.slice(0, 11_000));
  fitSeconds.push((performance.now() - t) / 1000);
  t = performance.now();
  model.transform(queries);
  transformSeconds.push((performance.now() - t) / 1000);
}
const tfidf = {
  fitRows: 11_000,
  fitSeconds: median(fitSeconds),
  fitPerSecond: 11_000 / median(fitSeconds),
  transformRows: queries.length,
  transformPerSecond: queries.length / median(transformSeconds),
  peakRssMiB: rssMiB(),
};
process.stdout.write(
  `tfidf: fit + transform of 11,000 prompts ${tfidf.fitSeconds.toFixed(2)} s (${Math.round(tfidf.fitPerSecond).toLocaleString('en-US')} prompts/s); ` +
    `transform of ${queries.length.toLocaleString('en-US')} ${Math.round(tfidf.transformPerSecond).toLocaleString('en-US')} prompts/s (median of ${RUNS}); peak RSS ${tfidf.peakRssMiB.toFixed(0)} MiB\n`,
);

// A fixed, spread-out sample: every k-th prompt, so all subjects (and lengths) are represented.
const step = Math.max(1, Math.floor(queries.length / USE_SAMPLE));
const sample = queries.filter((_, i) => i % step === 0).slice(0, USE_SAMPLE);
const sampleChars = Math.round(sample.reduce((s, q) => s + q.length, 0) / sample.length);
const use = await openEmbedder('use', { env: process.env });
let t = performance.now();
await use.embedBatch(sample.slice(0, use.batchSize));
const loadAndFirstBatch = (performance.now() - t) / 1000;
const useSeconds: number[] = [];
for (let r = 0; r < RUNS; r++) {
  t = performance.now();
  for (let i = 0; i < sample.length; i += use.batchSize) await use.embedBatch(sample.slice(i, i + use.batchSize));
  useSeconds.push((performance.now() - t) / 1000);
}
const useResult = {
  sample: sample.length,
  meanChars: sampleChars,
  batch: use.batchSize,
  firstBatchSeconds: loadAndFirstBatch,
  perSecond: sample.length / median(useSeconds),
  runs: useSeconds,
  peakRssMiB: rssMiB(),
};
process.stdout.write(
  `use: ${useResult.perSecond.toFixed(1)} prompts/s over ${sample.length} prompts (mean ${sampleChars} characters, batches of ${use.batchSize}, median of ${RUNS}: ${useSeconds.map((s) => s.toFixed(1)).join(', ')} s); ` +
    `model load + first batch ${loadAndFirstBatch.toFixed(1)} s; peak RSS ${useResult.peakRssMiB.toFixed(0)} MiB\n`,
);
// The client against a server that costs nothing: one fixed vector, returned for every input.
const DIM = 1536;
const vector = Buffer.from(Float32Array.from({ length: DIM }, (_, i) => Math.sin(i)).buffer).toString('base64');
const server = createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', () => {
    const { input, model } = JSON.parse(raw) as { input: string[]; model: string };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', model, data: input.map((_, index) => ({ object: 'embedding', index, embedding: vector })), usage: { prompt_tokens: 0, total_tokens: 0 } }));
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const env = { ...process.env, OPENAI_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, OPENAI_API_KEY: 'sk-bench-0000000000' };
const openai = await openEmbedder('openai:bench-embedding', { env });
await openai.embedBatch(queries.slice(0, openai.batchSize));
const openaiSeconds: number[] = [];
for (let r = 0; r < RUNS; r++) {
  t = performance.now();
  for (let i = 0; i < queries.length; i += openai.batchSize) await openai.embedBatch(queries.slice(i, i + openai.batchSize));
  openaiSeconds.push((performance.now() - t) / 1000);
}
server.close();
const openaiResult = { dimension: DIM, batch: openai.batchSize, texts: queries.length, perSecond: queries.length / median(openaiSeconds), runs: openaiSeconds, peakRssMiB: rssMiB() };
process.stdout.write(
  `openai (client overhead, local server answering at once, ${DIM}-d base64 vectors): ${Math.round(openaiResult.perSecond).toLocaleString('en-US')} texts/s ` +
    `(${queries.length.toLocaleString('en-US')} prompts in batches of ${openai.batchSize}, one request at a time, median of ${RUNS})\n`,
);
process.stdout.write(`MMLU prompts: ${queries.length.toLocaleString('en-US')}, mean ${meanChars} characters\n`);
saveResult('embed-speed', { rows: queries.length, meanChars, tfidf, use: useResult, openaiClient: openaiResult });
