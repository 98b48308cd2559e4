// Speed of the default router (TF-IDF + logistic) on MMLU prompts:
//   - training on 11,000 rows: the fit itself (TF-IDF + one L-BFGS solve at C = 1), and the whole
//     `router train` pipeline (C chosen from 3 candidates on a validation split, Platt calibration,
//     refit), plus the pipeline with -C 1 fixed;
//   - loading the stored router and scoring a first query, in a fresh process;
//   - routing throughput in one batch of every MMLU prompt, and the single-query median latency.
//
//   npm run bench:train [-- --data DIR --runs 3]

import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeJsonArtifact } from '../src/artifacts/store.ts';
import { readDataset } from '../src/data/read-dataset.ts';
import { choosePair, pairTable, strongWins } from '../src/data/pair.ts';
import { Featurizer } from '../src/embed/features.ts';
import { routerType } from '../src/routers/registry.ts';
import { trainOnRows, type TrainRequest } from '../src/routers/train.ts';
import { mulberry32 } from '../src/random.ts';
import { median, mmluPath, quantile, saveResult } from './lib.ts';

const argv = process.argv.slice(2);
const RUNS = Number(argv[argv.indexOf('--runs') + 1] ?? 3) || 3;
const ROWS = 11_000;

const dataset = readDataset(mmluPath(argv));
const pair = choosePair(dataset, {});
const all = pairTable(dataset, pair).rows;
const random = mulberry32(7);
const shuffled = [...all].map((r) => ({ r, k: random() })).sort((a, b) => a.k - b.k).map((x) => x.r);
const train = shuffled.slice(0, ROWS);
const table = pairTable(dataset, pair, train);
const labels = strongWins(table);
const queries = table.rows.map((r) => r.query);
const ctx = { cacheDir: null, env: process.env };

async function coreFit(): Promise<void> {
  const { x } = await Featurizer.fit('tfidf', queries, 'sparse', ctx);
  const outcomes = { models: [pair.weak, pair.strong], quality: [table.qWeak, table.qStrong], weak: 0, strong: 1 };
  const gain = Float32Array.from(table.qStrong, (q, i) => (q - table.qWeak[i]! + 1) / 2);
  routerType('logistic').train({ train: { x, labels, gain, queries, outcomes }, validation: null, seed: 1, pair, embed: async () => x, blocks: [{ kind: 'sparse', spec: 'tfidf', cols: x.x.cols }] }, { c: 1, objective: 'strong-wins' });
}

function request(options: Record<string, unknown>): TrainRequest {
  return { dataset, pair, router: 'logistic', seed: 1, split: null, tuning: { method: 'split', share: 0.2 }, calibration: 'platt', targetGap: 0.05, options, features: ctx };
}

const timings: Record<string, number[]> = { fit: [], pipelineAutoC: [], pipelineC1: [] };
for (let i = 0; i < RUNS; i++) {
  let t = performance.now();
  await coreFit();
  timings.fit!.push((performance.now() - t) / 1000);
  t = performance.now();
  await trainOnRows(request({}), train, []);
  timings.pipelineAutoC!.push((performance.now() - t) / 1000);
  t = performance.now();
  await trainOnRows(request({ c: 1 }), train, []);
  timings.pipelineC1!.push((performance.now() - t) / 1000);
}
for (const [k, v] of Object.entries(timings)) process.stdout.write(`train ${ROWS} rows, ${k}: median ${median(v).toFixed(2)} s (runs: ${v.map((x) => x.toFixed(2)).join(', ')})\n`);

// A stored router, as `router train` writes it.
const { body } = await trainOnRows(request({ c: 1 }), train, []);
const root = mkdtempSync(join(tmpdir(), 'bench-route-'));
const written = writeJsonArtifact('router', body, [], { root, name: 'mmlu' });

// Load + first query in fresh processes (what `router route` pays before printing).
const probe = `
const t0 = performance.now();
const { loadRouter } = await import(${JSON.stringify(resolve(import.meta.dirname, '..', 'dist', 'routers', 'load.js'))});
const t1 = performance.now();
const r = loadRouter(${JSON.stringify(written.path)}, '.', { cacheDir: null });
const t2 = performance.now();
await r.router.score(['What is the capital of France?']);
const t3 = performance.now();
console.log(JSON.stringify({ importMs: t1 - t0, loadMs: t2 - t1, firstScoreMs: t3 - t2, rssMiB: process.resourceUsage().maxRSS / 1024 }));`;
const cold: { importMs: number; loadMs: number; firstScoreMs: number; rssMiB: number }[] = [];
for (let i = 0; i < 7; i++) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  if (i >= 2) cold.push(JSON.parse(r.stdout));
}
const coldSummary = {
  importMs: median(cold.map((c) => c.importMs)),
  loadMs: median(cold.map((c) => c.loadMs)),
  firstScoreMs: median(cold.map((c) => c.firstScoreMs)),
  peakRssMiB: median(cold.map((c) => c.rssMiB)),
};
process.stdout.write(
  `load (fresh process, median of 5): import ${coldSummary.importMs.toFixed(0)} ms, read+validate+rebuild ${coldSummary.loadMs.toFixed(0)} ms, first query ${coldSummary.firstScoreMs.toFixed(1)} ms, peak RSS ${coldSummary.peakRssMiB.toFixed(0)} MiB; artifact ${(Buffer.byteLength(JSON.stringify(body)) / 1e6).toFixed(1)} MB\n`,
);
const cli: number[] = [];
for (let i = 0; i < 7; i++) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [resolve(import.meta.dirname, '..', 'bin', 'router.js'), 'route', '--router', written.path, '--no-cache', 'What is the capital of France?'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  if (i >= 2) cli.push(performance.now() - t);
}
process.stdout.write(`router route, one query, whole CLI process: median ${median(cli).toFixed(0)} ms\n`);

// In-process throughput and latency on the loaded (stored) router.
const { loadRouter } = await import('../src/routers/load.ts');
const loaded = loadRouter(written.path, root, { cacheDir: null });
const prompts = all.map((r) => r.query);
await loaded.router.score(prompts.slice(0, 100));
const batch: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  await loaded.router.score(prompts);
  batch.push((performance.now() - t) / 1000);
}
const perSecond = prompts.length / median(batch);
process.stdout.write(`batch: ${prompts.length} MMLU prompts in ${median(batch).toFixed(3)} s, ${Math.round(perSecond).toLocaleString('en-US')} queries/s\n`);

const single: number[] = [];
// 5,000 queries after 200 of warm-up: enough samples for a stable 99th percentile.
for (let i = 0; i < 5200; i++) {
  const q = prompts[(i * 7919) % prompts.length]!;
  const t = process.hrtime.bigint();
  await loaded.router.score([q]);
  single.push(Number(process.hrtime.bigint() - t) / 1000);
}
const measured = single.slice(200);
const singleSummary = { medianUs: median(measured), p90Us: quantile(measured, 0.9), p99Us: quantile(measured, 0.99) };
process.stdout.write(`single query (MMLU prompt, in process): median ${singleSummary.medianUs.toFixed(0)} µs, p90 ${singleSummary.p90Us.toFixed(0)} µs, p99 ${singleSummary.p99Us.toFixed(0)} µs\n`);
const peakRssMiB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`peak RSS of this process (${RUNS} x 3 trainings on ${ROWS.toLocaleString('en-US')} rows, batch and single routing): ${peakRssMiB.toFixed(0)} MiB\n`);

saveResult('train-speed', {
  rows: ROWS,
  runs: RUNS,
  trainSeconds: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, { median: median(v), runs: v }])),
  load: coldSummary,
  cliRouteMs: median(cli),
  batch: { queries: prompts.length, seconds: median(batch), perSecond },
  single: singleSummary,
  peakRssMiB,
});
