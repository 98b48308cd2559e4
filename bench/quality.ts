// Router quality on the RouteLLM MMLU data: 5-fold cross-validation (the folds of
// scripts/compare-sklearn.py: a mulberry32(42) shuffle split into contiguous fifths), target
// "strong model better", for every router x embedder available offline. Each fold trains exactly
// as `router train` does (tuning split, Platt calibration, refit) on four fifths and scores the fifth.
// Prints APGR, CPT(50%), CPT(80%) and AUC (mean over folds, and the fold range of APGR) in one table.
//
//   npm run bench:quality [-- --routers logistic,knn --embedders tfidf,use --objectives pairwise --folds 5 --data DIR]
//   npm run bench:quality -- --configs ensemble/tfidf+use/pairwise,logistic/tfidf/pairwise
//
// The `use` embedder runs ~10-18 MMLU prompts/s on the 2-core dev VM; its vectors are cached in
// .router-cache/embeddings, so only the first run pays (~15-25 minutes).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readDataset } from '../src/data/read-dataset.ts';
import { choosePair, pairTable, strongWins } from '../src/data/pair.ts';
import type { DatasetRow } from '../src/data/dataset.ts';
import { oracle } from '../src/metrics/summary.ts';
import { trainOnRows, type TrainRequest } from '../src/routers/train.ts';
import { GroupMetrics, outcomesOf, renderGroups, type GroupResult } from './group-metrics.ts';
import { foldsOf, mmluPath, saveResult } from './lib.ts';

const argv = process.argv.slice(2);
function arg(name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : fallback;
}

const ROUTERS = arg('routers', 'logistic,knn,mlp,mf,semantic,ensemble,random').split(',');
const EMBEDDERS = arg('embedders', 'tfidf,use,tfidf+use').split(',');
const OBJECTIVES = arg('objectives', 'strong-wins,pairwise').split(',');
// Routers that take --objective; mf is pairwise by construction, semantic and random use no labels.
const WITH_OBJECTIVE = new Set(['logistic', 'knn', 'mlp', 'ensemble']);
/** router/embedder/objective triples: `--configs logistic/tfidf/pairwise,knn/use/pairwise`, else every combination. */
function configs(): { router: string; embedder: string; objective: string | undefined }[] {
  const given = arg('configs', '');
  if (given) {
    return given.split(',').map((c) => {
      const [router, embedder, objective] = c.split('/');
      return { router: router!, embedder: embedder ?? 'tfidf', objective };
    });
  }
  const out: { router: string; embedder: string; objective: string | undefined }[] = [];
  for (const embedder of EMBEDDERS) {
    for (const router of ROUTERS) {
      if (router === 'random' && embedder !== EMBEDDERS[0]) continue; // random looks at no features
      if (router === 'ensemble' && !embedder.includes('+')) continue; // one member per part
      for (const objective of WITH_OBJECTIVE.has(router) ? OBJECTIVES : [undefined]) out.push({ router, embedder, objective });
    }
  }
  return out;
}
const FOLDS = Number(arg('folds', '5'));
const SEED = Number(arg('seed', '42'));
const CACHE = resolve(arg('cache-dir', resolve(import.meta.dirname, '..', '.router-cache')), 'embeddings');

const dataset = readDataset(mmluPath(argv));
const pair = choosePair(dataset, {});
const table = pairTable(dataset, pair);
const rows = table.rows;
const n = rows.length;

// The folds of scripts/compare-sklearn.py, so the sklearn reference scores the same rows.
const fold = foldsOf(n, FOLDS, SEED);

/** A semantic router's routes from the training fold's labels: strong-wins queries as one route, the rest as the other. */
function routesFrom(train: DatasetRow[]): string {
  const y = strongWins(pairTable(dataset, pair, train));
  const strong = train.filter((_, i) => y[i]).map((r) => r.query);
  const weak = train.filter((_, i) => !y[i]).map((r) => r.query);
  const path = join(mkdtempSync(join(tmpdir(), 'bench-routes-')), 'routes.json');
  writeFileSync(path, JSON.stringify({ routes: [{ name: 'strong-wins', model: pair.strong, utterances: strong }, { name: 'rest', model: pair.weak, utterances: weak }] }));
  return path;
}

interface Row extends Pick<GroupResult, 'apgr' | 'apgrMin' | 'apgrMax' | 'cpt50' | 'cpt80' | 'auc'> {
  router: string;
  embedder: string;
  objective: string;
  trainSeconds: number;
  groups: GroupResult[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (x: number | null) => (x === null ? 'not reached' : `${(100 * x).toFixed(1)}%`);
const label = (r: Pick<Row, 'router' | 'embedder' | 'objective'>) => `${r.router} x ${r.embedder} (${r.objective})`;
const rowText = (r: Row) =>
  `| ${r.router} | ${r.embedder} | ${r.objective} | ${r.apgr.toFixed(3)} (${r.apgrMin.toFixed(3)}-${r.apgrMax.toFixed(3)}) | ${pct(r.cpt50)} | ${pct(r.cpt80)} | ${r.auc.toFixed(3)} | ${r.trainSeconds.toFixed(1)} |`;
const results: Row[] = [];
process.stderr.write(`bench: ${n} MMLU rows, ${FOLDS} folds, ${pair.weak} -> ${pair.strong}\n`);

for (const { router, embedder, objective } of configs()) {
  const groups = new GroupMetrics(table);
  const seconds: number[] = [];
  for (let k = 0; k < FOLDS; k++) {
    const trainIds = rows.flatMap((_, i) => (fold[i] !== k ? [i] : []));
    const testIds = rows.flatMap((_, i) => (fold[i] === k ? [i] : []));
    const train = trainIds.map((i) => rows[i]!);
    const test = testIds.map((i) => rows[i]!);
    const req: TrainRequest = {
      dataset,
      pair,
      router,
      embedder: router === 'random' ? undefined : embedder,
      seed: 1,
      split: null,
      tuning: { method: 'split', share: 0.2 },
      calibration: 'platt',
      targetGap: 0.05,
      options: router === 'semantic' ? { routes: routesFrom(train) } : objective ? { objective } : {},
      features: { cacheDir: CACHE, env: process.env },
      onStage: (s) => process.stderr.write(`  ${router} x ${embedder} fold ${k + 1}: ${s}\n`),
    };
    const started = performance.now();
    const { testScores } = await trainOnRows(req, train, test);
    seconds.push((performance.now() - started) / 1000);
    groups.addFold(testIds, testScores!);
    process.stderr.write(`${router} x ${embedder}${objective ? ` (${objective})` : ''} fold ${k + 1} done (${seconds.at(-1)!.toFixed(1)} s)\n`);
  }
  const byGroup = groups.results();
  const all = byGroup[0]!;
  results.push({
    router,
    embedder: router === 'random' ? 'none' : embedder,
    objective: router === 'mf' ? 'pairwise' : (objective ?? (router === 'semantic' || router === 'random' ? 'none' : 'strong-wins')),
    apgr: all.apgr,
    apgrMin: all.apgrMin,
    apgrMax: all.apgrMax,
    cpt50: all.cpt50,
    cpt80: all.cpt80,
    auc: all.auc,
    trainSeconds: mean(seconds),
    groups: byGroup,
  });
  // Each configuration's row as soon as it is done: a long run can be read (or stopped) midway.
  process.stderr.write(`done: ${rowText(results.at(-1)!)}\n`);
}

// The oracle on the same folds: strong exactly where it is better (its CPTs are where its curve crosses).
const oracleFolds = [...Array(FOLDS).keys()].map((k) => oracle(outcomesOf(table, rows.flatMap((_, i) => (fold[i] === k ? [i] : []))))) ;
const oracleRow = {
  apgr: mean(oracleFolds.map((o) => o.apgr!)),
  cpt50: mean(oracleFolds.map((o) => o.summary.cpt50!)),
  cpt80: mean(oracleFolds.map((o) => o.summary.cpt80!)),
};
results.sort((a, b) => b.apgr - a.apgr);
const lines = [
  `| router | embedder | objective | APGR (fold range) | CPT(50%) | CPT(80%) | AUC | train s/fold |`,
  `|---|---|---|---|---|---|---|---|`,
  ...results.map(rowText),
  `| reference: sklearn TF-IDF + LR | | strong-wins | 0.670 | 25.8% | 60.1% | | 2.1 |`,
  `| random (analytic) | | | 0.500 | 50.0% | 80.0% | 0.500 | |`,
  `| oracle | | | ${oracleRow.apgr.toFixed(3)} | ${pct(oracleRow.cpt50)} | ${pct(oracleRow.cpt80)} | | |`,
];
process.stdout.write(lines.join('\n') + '\n');
for (const r of results) process.stdout.write(`\n${label(r)}, per MMLU subject group:\n${renderGroups(r.groups)}\n`);
const peakRssMiB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`\npeak RSS ${peakRssMiB.toFixed(0)} MiB\n`);
saveResult('quality', { folds: FOLDS, seed: SEED, rows: n, pair, results, oracle: oracleRow, peakRssMiB });
