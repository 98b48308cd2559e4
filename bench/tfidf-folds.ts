// Out-of-fold scores of the plain TF-IDF + logistic pipeline (sklearn's configuration: 1-2 grams,
// sublinear tf, min_df 2, C 1, balanced) on the shared folds; used by the peer comparison and the
// per-subject-group table, so both describe the same models.
import { Tfidf } from '../src/embed/tfidf.ts';
import { decision, fitLogistic } from '../src/routers/logistic-solver.ts';
import type { PairTable } from '../src/data/pair.ts';

export interface FoldScores {
  fold: number;
  test: number[];
  scores: Float64Array;
  trainSeconds: number;
  predictSeconds: number;
}

export function tfidfFoldScores(table: PairTable, fold: Int32Array, k: number): FoldScores {
  const n = table.rows.length;
  const train = [...Array(n).keys()].filter((i) => fold[i] !== k);
  const test = [...Array(n).keys()].filter((i) => fold[i] === k);
  const labels = Uint8Array.from(train, (i) => (table.qStrong[i]! > table.qWeak[i]! ? 1 : 0));
  const t0 = performance.now();
  const { model, x } = Tfidf.fitTransform(train.map((i) => table.rows[i]!.query));
  const fit = fitLogistic(x, labels, { c: 1, classWeight: 'balanced' });
  const t1 = performance.now();
  const scores = decision(model.transform(test.map((i) => table.rows[i]!.query)), fit);
  const t2 = performance.now();
  return { fold: k, test, scores, trainSeconds: (t1 - t0) / 1000, predictSeconds: (t2 - t1) / 1000 };
}
