// Router quality per MMLU subject group (STEM, humanities, social sciences, other): the TF-IDF +
// logistic pipeline on the shared 5 folds (see tfidf-folds.ts), metrics per group and fold through
// src/metrics/summary.ts, averaged over folds, beside each group's oracle and random (0.5 by definition).
// bench:quality prints the same table for every router x embedder it runs.
//
//   npm run bench:groups [-- --data DIR --folds 5 --seed 42]

import { readDataset } from '../src/data/read-dataset.ts';
import { choosePair, pairTable } from '../src/data/pair.ts';
import { foldsOf, mmluPath, saveResult } from './lib.ts';
import { GroupMetrics, renderGroups } from './group-metrics.ts';
import { tfidfFoldScores } from './tfidf-folds.ts';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1]! : fallback);
const FOLDS = Number(arg('folds', '5'));
const SEED = Number(arg('seed', '42'));

const dataset = readDataset(mmluPath(argv));
const table = pairTable(dataset, choosePair(dataset, {}));
const fold = foldsOf(table.rows.length, FOLDS, SEED);
const groups = new GroupMetrics(table);
for (let k = 0; k < FOLDS; k++) {
  const f = tfidfFoldScores(table, fold, k);
  groups.addFold(f.test, f.scores);
  process.stderr.write(`fold ${k + 1}/${FOLDS} done\n`);
}
const results = groups.results();
process.stdout.write(renderGroups(results) + '\n');
saveResult('quality-groups', { folds: FOLDS, seed: SEED, router: 'logistic (tfidf, C 1, balanced)', results, peakRssMiB: process.resourceUsage().maxRSS / 1024 });
