// Peer comparison in one run: scikit-learn's TF-IDF + LogisticRegression (scripts/compare-sklearn.py)
// and ours (src/embed/tfidf.ts + src/routers/logistic-solver.ts, same configuration: 1-2 grams,
// sublinear tf, min_df 2, C 1, balanced) on the same 5 folds of the MMLU data. Both sides' scores
// go through the same metric code (src/metrics/), so the deltas are the models', not the metrics'.
// Skips with one line when Python with scikit-learn is absent (Debian: apt-get install python3-sklearn).
//
//   npm run bench:sklearn [-- --data DIR --folds 5 --seed 42]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readDataset } from '../src/data/read-dataset.ts';
import { choosePair, pairTable } from '../src/data/pair.ts';
import { summarize } from '../src/metrics/summary.ts';
import { renderTable } from '../src/ui/table.ts';
import { foldsOf, median, mmluPath, saveResult } from './lib.ts';
import { outcomesOf } from './group-metrics.ts';
import { tfidfFoldScores } from './tfidf-folds.ts';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1]! : fallback);
const FOLDS = Number(arg('folds', '5'));
const SEED = Number(arg('seed', '42'));
const data = mmluPath(argv);

const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import sklearn, scipy'], { stdio: 'ignore' }).status === 0);
if (!python) {
  process.stderr.write('bench: scikit-learn not found (apt-get install python3-sklearn); skipping the peer comparison\n');
  process.exit(0);
}

const dataset = readDataset(data);
const table = pairTable(dataset, choosePair(dataset, {}));
const n = table.rows.length;
const fold = foldsOf(n, FOLDS, SEED);

const out = join(mkdtempSync(join(tmpdir(), 'router-sklearn-')), 'scores.json');
process.stderr.write(`bench: running scikit-learn on ${n} rows, ${FOLDS} folds\n`);
const py = spawnSync(python, [resolve(import.meta.dirname, '..', 'scripts', 'compare-sklearn.py'), '--data', data, '--folds', String(FOLDS), '--seed', String(SEED), '--scores-out', out], { encoding: 'utf8' });
if (py.status !== 0) throw new Error(`compare-sklearn.py failed: ${py.stderr}`);
const sk = JSON.parse(readFileSync(out, 'utf8')) as { sklearn: string; folds: { fold: number; test: number[]; scores: number[]; trainSeconds: number; predictSeconds: number }[] };

type Side = { apgr: number[]; cpt50: number[]; cpt80: number[]; auc: number[]; train: number[]; predict: number[] };
const side = (): Side => ({ apgr: [], cpt50: [], cpt80: [], auc: [], train: [], predict: [] });
const ours = side();
const theirs = side();

function record(s: Side, scores: ArrayLike<number>, test: number[], train: number, predict: number): void {
  const m = summarize(scores, outcomesOf(table, test));
  s.apgr.push(m.apgr!);
  s.cpt50.push(m.cpt50 ?? NaN);
  s.cpt80.push(m.cpt80 ?? NaN);
  s.auc.push(m.auc!);
  s.train.push(train);
  s.predict.push(predict);
}

for (const f of sk.folds) {
  const mine = tfidfFoldScores(table, fold, f.fold);
  if (mine.test.join() !== f.test.join()) throw new Error(`fold ${f.fold}: scikit-learn scored different rows`);
  record(ours, mine.scores, mine.test, mine.trainSeconds, mine.predictSeconds);
  record(theirs, f.scores, f.test, f.trainSeconds, f.predictSeconds);
  process.stderr.write(`fold ${f.fold + 1}: APGR ours ${ours.apgr.at(-1)!.toFixed(4)} sklearn ${theirs.apgr.at(-1)!.toFixed(4)}; train ${(mine.trainSeconds * 1000).toFixed(0)} ms vs ${(f.trainSeconds * 1000).toFixed(0)} ms\n`);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const rows = [
  ['APGR', mean(ours.apgr), mean(theirs.apgr)],
  ['CPT(50%)', mean(ours.cpt50), mean(theirs.cpt50)],
  ['CPT(80%)', mean(ours.cpt80), mean(theirs.cpt80)],
  ['AUC', mean(ours.auc), mean(theirs.auc)],
] as const;
const times = [
  ['train (median per fold, s)', median(ours.train), median(theirs.train)],
  ['batch predict (median per fold, s)', median(ours.predict), median(theirs.predict)],
] as const;
process.stdout.write(
  renderTable(['5-fold mean', 'router', `scikit-learn ${sk.sklearn}`, 'delta'], rows.map(([k, a, b]) => [k, a.toFixed(4), b.toFixed(4), (a - b >= 0 ? '+' : '') + (a - b).toFixed(4)])) +
    '\n' +
    renderTable(['time', 'router', `scikit-learn ${sk.sklearn}`, 'ratio (sklearn / router)'], times.map(([k, a, b]) => [k, a.toFixed(3), b.toFixed(3), `${(b / a).toFixed(2)}x`])) +
    '\n',
);
saveResult('sklearn-peer', {
  folds: FOLDS,
  seed: SEED,
  rows: n,
  sklearn: sk.sklearn,
  ours: { ...Object.fromEntries(rows.map(([k, a]) => [k, a])), trainSecondsMedian: median(ours.train), predictSecondsMedian: median(ours.predict) },
  scikitLearn: { ...Object.fromEntries(rows.map(([k, , b]) => [k, b])), trainSecondsMedian: median(theirs.train), predictSecondsMedian: median(theirs.predict) },
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
});
