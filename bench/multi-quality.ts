// Router quality over N models on RouterBench (issue 13): 3,150 queries, 11 models, the dollar
// cost recorded for every call. 5-fold cross-validation with the folds of bench/quality.ts (a
// mulberry32(42) Fisher-Yates shuffle of the rows in the order readDataset gives them, cut into
// contiguous fifths: lib.ts foldsOf), for every router x embedder available offline. Each fold
// trains exactly as `router train` does over many models (a 20% tuning split, seed 1, options
// chosen by validation log-loss, the default lambda within 5% of the reference model, refit on
// the four fifths) and predicts the held-out fifth. The out-of-fold predictions of all 3,150 rows
// are pooled into one curve (each row's predicted costs from its fold's cost model: by default a
// line in the query's length per model, fitted on the fold's training rows), as the
// scikit-learn reference of the data's README pools them, and read off its hull: AIQ over the
// cheapest-to-dearest single model range, its gain over the zero router, the quality at $1 per
// 1,000 queries, the cost to reach 0.835 (95% of gpt-4's accuracy) and 95% / 99% / 100% of the
// best single model. Then the single-query latency of choosing among 11 models in process
// (tfidf + logistic, stored and reloaded as `router route` loads it).
//
//   npm run bench:multi-quality [-- --routers logistic,knn --embedders tfidf,use --folds 5 --seed 42 --data DIR]
//   npm run bench:multi-quality -- --configs logistic/tfidf,knn/use --no-latency
//   npm run bench:multi-quality -- --latency-only
//
// The `use` embedder runs ~10 RouterBench prompts/s on the 2-core dev VM; its vectors are cached
// in .router-cache/embeddings, so only the first run pays (~5 minutes for the 3,150 prompts).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeJsonArtifact } from '../src/artifacts/store.ts';
import { readDataset } from '../src/data/read-dataset.ts';
import { chooseModels, modelTable } from '../src/data/model-table.ts';
import type { Features } from '../src/embed/features.ts';
import { costToReach, qualityAt } from '../src/metrics/hull.ts';
import { chooseByLambda, choicesAt, realizedAt } from '../src/metrics/multi/choice.ts';
import type { MultiPredictions } from '../src/metrics/multi/inputs.ts';
import { bestSingle, cheapestSingle, modelPoints, oraclePoint, zeroRouter } from '../src/metrics/multi/single-models.ts';
import { routerHull, summarizeMulti, type MultiSummary } from '../src/metrics/multi/summary.ts';
import { lambdaSweep } from '../src/metrics/multi/sweep.ts';
import { loadAnyRouter } from '../src/routers/load.ts';
import { routeOverModels } from '../src/routers/multi-route.ts';
import { meanLogLoss, type MultiHead } from '../src/routers/multi-router.ts';
import { outcomeMatrix, trainMultiOnRows, type MultiTrainRequest } from '../src/routers/multi-train.ts';
import type { CostModelKind } from '../src/routers/cost-model.ts';
import { foldsOf, median, quantile, routerbenchPath, saveResult } from './lib.ts';

const argv = process.argv.slice(2);
function arg(name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : fallback;
}
const flag = (name: string) => argv.includes(`--${name}`);

const ROUTERS = arg('routers', 'logistic,knn,mlp,mf').split(',');
const EMBEDDERS = arg('embedders', 'tfidf,use,tfidf+use').split(',');
function configs(): { router: string; embedder: string }[] {
  const given = arg('configs', '');
  if (given) {
    return given.split(',').map((c) => {
      const [router, embedder] = c.split('/');
      return { router: router!, embedder: embedder ?? 'tfidf' };
    });
  }
  return EMBEDDERS.flatMap((embedder) => ROUTERS.map((router) => ({ router, embedder })));
}
const FOLDS = Number(arg('folds', '5'));
const SEED = Number(arg('seed', '42'));
const CACHE = resolve(arg('cache-dir', resolve(import.meta.dirname, '..', '.router-cache')), 'embeddings');
/** 0.835: 95% of gpt-4-1106-preview's 0.879, the bar. */
const QUALITY_BAR = 0.835;
const BUDGET = 1 / 1000;

const dataset = readDataset(routerbenchPath(argv));
const choice = chooseModels(dataset);
const table = modelTable(dataset, choice);
const { rows, models } = table;
const M = models.length;
const n = rows.length;
const outcomes = outcomeMatrix(table);
const points = modelPoints(outcomes);
const best = bestSingle(points);
const cheapest = cheapestSingle(points);
const fold = foldsOf(n, FOLDS, SEED);

const per1k = (c: number | null) => (c === null ? 'never' : `$${(1000 * c).toFixed(2)}`);
const f3 = (x: number | null) => (x === null ? '—' : x.toFixed(3));
const signed = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`);

interface Measured {
  router: string;
  embedder: string;
  aiq: number | null;
  aiqGain: number | null;
  qualityAtBudget: number | null;
  costToBar: number | null;
  reach: (number | null)[];
  logLoss: number;
  /** The pooled quality and cost of each fold's own default rule (the lambda `router train` stores) on its fold. */
  atTrainedRule: { quality: number; cost: number; lambdas: number[] };
  options: Record<string, unknown>[];
  trainSeconds: number;
  trainSecondsPerFold: number[];
  predictSecondsPerFold: number[];
}

function figures(summary: MultiSummary, hull: ReturnType<typeof routerHull>) {
  return {
    aiq: summary.aiq,
    aiqGain: summary.aiqGain,
    qualityAtBudget: qualityAt(hull, BUDGET),
    costToBar: costToReach(hull, QUALITY_BAR),
    reach: summary.reach.map((r) => r.cost),
  };
}

/** What `router train` passes over many models with its defaults (no holdout here: the folds hold out). */
// `--cost-model mean` predicts each model's training mean cost, as the scikit-learn reference does.
const COST_MODEL = arg('cost-model', 'length') as CostModelKind;

function trainRequest(router: string, embedder: string, cacheDir: string | null, onStage?: (s: string) => void): MultiTrainRequest {
  return {
    dataset,
    choice,
    router,
    embedder,
    seed: 1,
    split: null,
    tuning: { method: 'split', share: 0.2 },
    targetGap: 0.05,
    options: {},
    costModel: COST_MODEL,
    features: { cacheDir, env: process.env },
    ...(onStage ? { onStage } : {}),
  };
}

process.stderr.write(`bench: ${n} RouterBench rows, ${M} models, ${FOLDS} folds (mulberry32(${SEED}) shuffle, contiguous parts)\n`);

const results: Measured[] = [];
const runConfigs = flag('latency-only') ? [] : configs();
for (const { router, embedder } of runConfigs) {
  const qHat = new Float64Array(n * M);
  const cHat = new Float64Array(n * M);
  const trainSecondsPerFold: number[] = [];
  const predictSecondsPerFold: number[] = [];
  const options: Record<string, unknown>[] = [];
  const lambdas: number[] = [];
  let ruleQuality = 0;
  let ruleCost = 0;
  for (let k = 0; k < FOLDS; k++) {
    const trainIds = rows.flatMap((_, i) => (fold[i] !== k ? [i] : []));
    const testIds = rows.flatMap((_, i) => (fold[i] === k ? [i] : []));
    const req = trainRequest(router, embedder, CACHE, (s) => process.stderr.write(`  ${router} x ${embedder} fold ${k + 1}: ${s}\n`));
    const started = performance.now();
    const trained = await trainMultiOnRows(
      req,
      trainIds.map((i) => rows[i]!),
      testIds.map((i) => rows[i]!),
    );
    const wall = (performance.now() - started) / 1000;
    const predicted = trained.testPredictions!;
    if (predicted[0]!.length !== testIds.length) throw new Error(`fold ${k + 1}: ${predicted[0]!.length} predictions for ${testIds.length} rows`);
    const cost = (await trained.router.predict(testIds.map((i) => rows[i]!.query))).cost;
    testIds.forEach((row, j) => {
      for (let m = 0; m < M; m++) {
        qHat[row * M + m] = predicted[m]![j]!;
        cHat[row * M + m] = cost[m]![j]!;
      }
    });
    // The fold's own default rule on its own rows: where `router train` would put it.
    const rule = trained.body.rule;
    const foldPredictions: MultiPredictions = { models: M, qHat: new Float64Array(testIds.length * M), cHat: new Float64Array(testIds.length * M) };
    testIds.forEach((row, j) => {
      foldPredictions.qHat.set(qHat.subarray(row * M, row * M + M), j * M);
      foldPredictions.cHat.set(cHat.subarray(row * M, row * M + M), j * M);
    });
    const at = realizedAt(outcomeMatrix(table, testIds), choicesAt(foldPredictions, rule.kind, rule.value));
    ruleQuality += at.quality * testIds.length;
    ruleCost += at.cost * testIds.length;
    lambdas.push(rule.value);
    options.push(trained.body.training.options);
    trainSecondsPerFold.push(trained.seconds);
    predictSecondsPerFold.push(wall - trained.seconds);
    process.stderr.write(`${router} x ${embedder} fold ${k + 1} done (train ${trained.seconds.toFixed(1)} s, predict ${(wall - trained.seconds).toFixed(1)} s, ${JSON.stringify(trained.body.training.options)})\n`);
  }
  const predictions: MultiPredictions = { models: M, qHat, cHat };
  const curve = lambdaSweep(predictions, outcomes);
  const summary = summarizeMulti(curve, points);
  const pooledQuality = models.map((_, m) => Float64Array.from({ length: n }, (_, i) => qHat[i * M + m]!));
  results.push({
    router,
    embedder,
    ...figures(summary, routerHull(curve, points)),
    logLoss: meanLogLoss(pooledQuality, table.quality),
    atTrainedRule: { quality: ruleQuality / n, cost: ruleCost / n, lambdas },
    options,
    trainSeconds: trainSecondsPerFold.reduce((a, b) => a + b, 0) / FOLDS,
    trainSecondsPerFold,
    predictSecondsPerFold,
  });
  const r = results.at(-1)!;
  process.stderr.write(`done: ${router} x ${embedder}: AIQ ${f3(r.aiq)} (${signed(r.aiqGain)}), ${f3(r.qualityAtBudget)} at $1, ${per1k(r.costToBar)} to ${QUALITY_BAR}\n`);
}

// References on the same 3,150 rows: the zero router (the single models' hull), the best single
// model, and the oracle as a point (its hull: the cheapest model, the oracle, flat after).
const zero = figures(summarizeMulti(points, points), zeroRouter(points));
const oracle = oraclePoint(outcomes);
const oracleCurve = { cost: [oracle.cost], quality: [oracle.quality] };
const oracleFigures = figures(summarizeMulti(oracleCurve, points), routerHull(oracleCurve, points));
const bestCost = points.cost[best]!;
const bestQuality = points.quality[best]!;

const rowText = (name: string, embedder: string, f: ReturnType<typeof figures>, seconds: string) =>
  `| ${name} | ${embedder} | ${f3(f.aiq)} | ${signed(f.aiqGain)} | ${f3(f.qualityAtBudget)} | ${per1k(f.costToBar)} | ${f.reach.map(per1k).join(' / ')} | ${seconds} |`;
const sorted = [...results].sort((a, b) => (b.aiq ?? -1) - (a.aiq ?? -1));
const lines = [
  `| router | embedder | AIQ | AIQ gain over zero router | quality at $1 / 1k | $ / 1k to reach ${QUALITY_BAR} | $ / 1k to reach 95% / 99% / 100% of ${models[best]} | train s/fold |`,
  `|---|---|---|---|---|---|---|---|`,
  ...sorted.map((r) => rowText(r.router, r.embedder, r, r.trainSeconds.toFixed(1))),
  rowText('zero router (hull of the single models)', '', zero, ''),
  `| best single model: ${models[best]} | | — | — | — (it costs ${per1k(bestCost)}; ${bestQuality.toFixed(3)}) | ${per1k(bestCost)} | ${per1k(bestCost)} / ${per1k(bestCost)} / ${per1k(bestCost)} | |`,
  rowText(`oracle (a point: ${oracle.quality.toFixed(3)} at ${per1k(oracle.cost)})`, '', oracleFigures, ''),
  `| reference, quoted from the data README (not measured here): scikit-learn logistic per model | TF-IDF | 0.846 | +0.026 | 0.826 | $2.29 | | |`,
  `| reference, quoted from the data README (not measured here): scikit-learn 20-nearest-neighbours | TF-IDF | 0.804 | −0.016 | | | | |`,
];
if (results.length) process.stdout.write(lines.join('\n') + '\n');
if (results.length) {
  process.stdout.write(`\nAIQ range: ${per1k(points.cost[cheapest]!)} (${models[cheapest]}) to ${per1k(Math.max(...points.cost))} per 1,000 queries. Issue 13 goals: AIQ >= 0.86; ${QUALITY_BAR} at <= $1.50 per 1,000.\n`);
  process.stdout.write(`\n| router | embedder | pooled log-loss | at each fold's trained lambda: quality / $ per 1k | options chosen per fold | predict s/fold |\n|---|---|---|---|---|---|\n`);
  for (const r of sorted) {
    const opts = r.options.map((o) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(' ')).join('; ');
    const predict = r.predictSecondsPerFold.reduce((a, b) => a + b, 0) / FOLDS;
    process.stdout.write(`| ${r.router} | ${r.embedder} | ${r.logLoss.toFixed(4)} | ${r.atTrainedRule.quality.toFixed(3)} / ${per1k(r.atTrainedRule.cost)} | ${opts} | ${predict.toFixed(2)} |\n`);
  }
}

// Single-query latency in process: tfidf + logistic over the 11 models, trained on every row,
// stored, and reloaded as `router route` loads it; then featurize + predict + choose per call.
let latency: Record<string, unknown> | null = null;
if (!flag('no-latency')) {
  const trained = await trainMultiOnRows(trainRequest('logistic', 'tfidf', null), rows, []);
  const root = mkdtempSync(join(tmpdir(), 'bench-multi-'));
  const { path } = writeJsonArtifact('router', trained.body, [], { root, name: 'rb' });
  const loaded = loadAnyRouter(path, root, { cacheDir: null });
  if (loaded.kind !== 'multi') throw new Error('expected an N-model router');
  const router = loaded.router;
  const head = (router as unknown as { head: MultiHead }).head;
  const rule = router.rule;
  const prompts = rows.map((r) => r.query);
  const qBuf = new Float64Array(M);
  const cBuf = new Float64Array(M);
  const choose = async (query: string): Promise<number> => {
    const p = await router.predict([query]);
    for (let m = 0; m < M; m++) {
      qBuf[m] = p.quality[m]![0]!;
      cBuf[m] = p.cost[m]![0]!;
    }
    return chooseByLambda(qBuf, cBuf, rule.value);
  };
  const CALLS = 5000;
  const WARM = 500;
  const timeEach = async (fn: (q: string) => unknown): Promise<{ medianUs: number; p90Us: number; p99Us: number; meanUs: number }> => {
    const us: number[] = [];
    for (let i = 0; i < WARM + CALLS; i++) {
      const q = prompts[(i * 7919) % prompts.length]!;
      const t = process.hrtime.bigint();
      await fn(q);
      us.push(Number(process.hrtime.bigint() - t) / 1000);
    }
    const s = us.slice(WARM);
    return { medianUs: median(s), p90Us: quantile(s, 0.9), p99Us: quantile(s, 0.99), meanUs: s.reduce((a, b) => a + b, 0) / s.length };
  };
  // The parts: featurize alone, the 11 heads on one featurized query, the choice alone.
  const featurized = new Map<string, Features>();
  for (const q of prompts) featurized.set(q, await router.featurizer.transform([q]));
  const full = await timeEach(choose);
  const library = await timeEach((q) => routeOverModels(router, [q], { reference: loaded.body.reference }));
  const featurize = await timeEach((q) => router.featurizer.transform([q]));
  const heads = await timeEach((q) => head.predict(featurized.get(q)!, [q]));
  const qs = new Float64Array(M).map((_, m) => 0.5 + m / 100);
  const cs = new Float64Array(M).map((_, m) => 0.001 * (m + 1));
  const chooseOnly = await timeEach(() => chooseByLambda(qs, cs, rule.value));
  const chars = median(prompts.map((p) => p.length));
  latency = { calls: CALLS, warmUp: WARM, medianPromptChars: chars, full, library, featurize, heads, chooseOnly, goalUs: 200 };
  const us = (x: { medianUs: number; p90Us: number; p99Us: number; meanUs: number }) => `median ${x.medianUs.toFixed(1)} µs, p90 ${x.p90Us.toFixed(1)} µs, p99 ${x.p99Us.toFixed(1)} µs, mean ${x.meanUs.toFixed(1)} µs`;
  process.stdout.write(`\nchoosing among ${M} models for one query in process (tfidf + logistic, stored and reloaded; ${CALLS.toLocaleString('en-US')} RouterBench prompts after ${WARM} of warm-up, median ${chars} characters):\n`);
  process.stdout.write(`  featurize + predict + choose: ${us(full)} (goal: under 200 µs)\n`);
  process.stdout.write(`  routeOverModels (the library call, with each model's predicted quality and cost in the answer): ${us(library)}\n`);
  process.stdout.write(`  parts: featurize ${us(featurize)}; ${M} logistic heads ${us(heads)}; chooseByLambda ${us(chooseOnly)}\n`);
  rmSync(root, { recursive: true, force: true });
}

const peakRssMiB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`\npeak RSS ${peakRssMiB.toFixed(0)} MiB\n`);
saveResult('multi-quality', {
  folds: FOLDS,
  seed: SEED,
  foldScheme: 'lib.ts foldsOf: mulberry32(seed) Fisher-Yates shuffle of the rows in read order, contiguous parts',
  rows: n,
  models,
  singleModels: models.map((m, j) => ({ model: m, quality: points.quality[j]!, costPer1k: 1000 * points.cost[j]! })),
  results,
  zeroRouter: zero,
  bestSingle: { model: models[best], quality: bestQuality, cost: bestCost },
  oracle: { ...oracle, ...oracleFigures },
  latency,
  peakRssMiB,
});
