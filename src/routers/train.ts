import { performance } from 'node:perf_hooks';
import { msg, option, UserError } from '../errors.js';
import type { Dataset, DatasetRow } from '../data/dataset.js';
import { pairTable, strongWins, type Pair, type PairTable } from '../data/pair.js';
import { splitPosition, splitRows, type SplitSpec } from '../data/split.js';
import { buildCurve, pointAt } from '../metrics/curve.js';
import { pickIndex } from '../metrics/operating-point.js';
import { summarize } from '../metrics/summary.js';
import { selectDenseRows } from '../embed/dense.js';
import { Featurizer, type FeatureContext, type Features } from '../embed/features.js';
import { selectRows } from '../embed/sparse.js';
import { applyCalibration, fitCalibration, type Calibration, type CalibrationMethod } from './calibration.js';
import { Pipeline } from './pipeline.js';
import { routerType } from './registry.js';
import { tuneEach, type HeadData, type Metrics, type ModelOutcomes, type OptionRecord, type RouterBody, type RouterType, type Tried } from './router.js';

// The training engine shared by every router type:
//   1. hold out `split` (by query hash, as eval recomputes it) and train on the rest;
//   2. fit the featurizer once on the training texts (TF-IDF learns no labels, so the tuning folds
//      below may share it);
//   3. tune: fit each candidate of the type's grid (RouterType.grid: logistic's C, knn's k, the
//      ensemble's members') on a validation split of the training rows (or on k folds), through the
//      type's `tune`, and keep the one with the best validation AUC;
//   4. calibrate (Platt or isotonic) on those validation scores, and choose the default threshold on
//      them: the cheapest point whose quality gap is within `targetGap`;
//   5. refit the chosen candidate on every training row; report AUC, log-loss and APGR on the held-out rows.

export type Tuning = { method: 'split'; share: number } | { method: 'folds'; folds: number };

export interface TrainRequest {
  dataset: Dataset;
  pair: Pair;
  router: string;
  /** `--embedder`; default: tfidf (none for the random router). */
  embedder?: string;
  seed: number;
  /** Held-out rows for the report (and eval); null trains on every row. */
  split: SplitSpec | null;
  tuning: Tuning;
  calibration: CalibrationMethod;
  /** The default threshold keeps the validation quality gap within this. */
  targetGap: number;
  options: Record<string, unknown>;
  features: FeatureContext;
  /** Progress messages for long steps. */
  onStage?: (message: string) => void;
}

export interface Trained {
  router: Pipeline;
  body: RouterBody;
  /** Wall time of the whole fit. Kept out of the body, so the same data and seed give the same artifact. */
  seconds: number;
}

/** Mean log-loss of probabilities against 0/1 labels, clipped like sklearn so a hard 0 or 1 stays finite. */
export function logLoss(p: ArrayLike<number>, y: ArrayLike<number>): number {
  const eps = 1e-15;
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(1 - eps, Math.max(eps, p[i]!));
    s -= y[i] ? Math.log(q) : Math.log(1 - q);
  }
  return s / y.length;
}

/** AUC, log-loss, APGR and CPT of calibrated scores against a pair table's outcomes. */
export function metricsOf(scores: ArrayLike<number>, table: Pick<PairTable, 'qWeak' | 'qStrong' | 'cWeak' | 'cStrong'>): Metrics {
  const y = strongWins(table);
  const s = summarize(scores, table);
  return { rows: y.length, auc: s.auc, logLoss: y.length ? logLoss(scores, y) : null, apgr: s.apgr, cpt50: s.cpt50, cpt80: s.cpt80 };
}

export function selectFeatures(x: Features, ids: ArrayLike<number>): Features {
  return x.kind === 'sparse' ? { kind: 'sparse', x: selectRows(x.x, ids) } : { kind: 'dense', x: selectDenseRows(x.x, ids) };
}

function outcomesOf(dataset: Dataset, rows: DatasetRow[], pair: Pair): ModelOutcomes {
  const models = dataset.models.map((m) => m.id);
  return {
    models,
    quality: models.map((m) => Float64Array.from(rows, (r) => r.models[m]?.quality ?? NaN)),
    weak: models.indexOf(pair.weak),
    strong: models.indexOf(pair.strong),
  };
}

function subset(data: HeadData, ids: number[]): HeadData {
  return {
    x: selectFeatures(data.x, ids),
    labels: Uint8Array.from(ids, (i) => data.labels[i]!),
    gain: Float32Array.from(ids, (i) => data.gain[i]!),
    queries: ids.map((i) => data.queries[i]!),
    outcomes: { ...data.outcomes, quality: data.outcomes.quality.map((q) => Float64Array.from(ids, (i) => q[i]!)) },
  };
}

/**
 * Validation rows of each tuning fold, as indices into the training rows. A query's duplicates
 * stay in one fold. Folds are balanced: distinct queries ordered by a seeded hash, dealt round-robin.
 */
export function tuningFolds(queries: string[], tuning: Tuning, seed: number): number[][] {
  if (tuning.method === 'split') {
    const val: number[] = [];
    queries.forEach((q, i) => {
      if (splitPosition(seed, `tuning\0${q}`) < tuning.share) val.push(i);
    });
    return [val];
  }
  const groups = new Map<string, number[]>();
  queries.forEach((q, i) => {
    const g = groups.get(q);
    if (g) g.push(i);
    else groups.set(q, [i]);
  });
  if (groups.size < tuning.folds) {
    throw new UserError(msg`only ${groups.size} distinct training ${groups.size === 1 ? 'query' : 'queries'} for ${tuning.folds} folds; lower ${option('folds')} or add data`);
  }
  const ordered = [...groups.keys()].map((q) => ({ q, at: splitPosition(seed, `fold\0${q}`) })).sort((a, b) => a.at - b.at || (a.q < b.q ? -1 : 1));
  const folds: number[][] = Array.from({ length: tuning.folds }, () => []);
  ordered.forEach((g, k) => folds[k % tuning.folds]!.push(...groups.get(g.q)!));
  return folds.map((f) => f.sort((a, b) => a - b));
}

function count(labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) s += labels[i]!;
  return s;
}

/** AUC against "strong wins", read off the curve walk. */
function auc(scores: ArrayLike<number>, table: Pick<PairTable, 'qWeak' | 'qStrong' | 'cWeak' | 'cStrong'>): number | null {
  return buildCurve(scores, table).auc;
}

function tableOf(t: PairTable, ids: number[]): Pick<PairTable, 'qWeak' | 'qStrong' | 'cWeak' | 'cStrong'> {
  const pick = (a: Float64Array) => Float64Array.from(ids, (i) => a[i]!);
  return { qWeak: pick(t.qWeak), qStrong: pick(t.qStrong), cWeak: pick(t.cWeak), cStrong: pick(t.cStrong) };
}

/** The options every fold's refit asks for, averaged (early-stopped epoch counts), for the final fit. */
export function meanRefit(refits: (Partial<OptionRecord> | undefined)[]): OptionRecord {
  const out: OptionRecord = {};
  const keys = new Set(refits.flatMap((r) => Object.keys(r ?? {})));
  for (const k of keys) {
    const values = refits.map((r) => r?.[k]).filter((v): v is number => typeof v === 'number');
    if (values.length) out[k] = Math.max(1, Math.round(values.reduce((a, b) => a + b, 0) / values.length));
  }
  return out;
}

/** Trains on `train` rows and reports on `test` rows (either may come from a split or from outer CV folds). */
export async function trainOnRows(req: TrainRequest, train: DatasetRow[], test: DatasetRow[]): Promise<Trained & { testScores: Float64Array | null }> {
  const started = performance.now();
  const type: RouterType = routerType(req.router);
  const file = req.dataset.source.path;
  const spec = type.layout === 'none' ? 'none' : (req.embedder ?? 'tfidf');
  if (type.layout === 'none' && req.embedder !== undefined) throw new UserError(msg`${option('embedder')} does not apply to the ${req.router} router`);
  if (train.length === 0) throw new UserError(`no training rows left after holding out ${req.split?.holdout}`, { file });
  const candidates = type.grid(type.options(req.options));

  const trainTable = pairTable(req.dataset, req.pair, train);
  const labels = strongWins(trainTable);
  const positives = count(labels);
  if (type.needsLabels && (positives === 0 || positives === labels.length)) {
    const which = positives === 0 ? `${req.pair.strong} is never better than ${req.pair.weak}` : `${req.pair.strong} is better on every row`;
    throw new UserError(`cannot train on one class only: ${which} in the ${labels.length} training rows`, { file });
  }
  const queries = trainTable.rows.map((r) => r.query);
  const folds = tuningFolds(queries, req.tuning, req.seed);

  req.onStage?.(`${spec === 'none' ? 'reading' : `embedding`} ${labels.length.toLocaleString('en-US')} training queries${spec === 'none' ? '' : ` with ${spec}`}`);
  const layout = type.layout === 'none' ? 'dense' : type.layout;
  const { featurizer, x } = await Featurizer.fit(spec, queries, layout, req.features);
  const gain = Float32Array.from(trainTable.qStrong, (q, i) => (q - trainTable.qWeak[i]! + 1) / 2);
  const all: HeadData = { x, labels, gain, queries, outcomes: outcomesOf(req.dataset, trainTable.rows, req.pair) };
  const embed = (texts: string[]) => featurizer.transform(texts);

  // Tuning: out-of-fold scores of every candidate on the validation rows.
  const validated = folds.flat();
  const canTune = validated.length > 0 && folds.every((f) => f.length < labels.length);
  const oof = candidates.map(() => new Float64Array(labels.length));
  const refits: (Partial<OptionRecord> | undefined)[][] = candidates.map(() => []);
  if (canTune) {
    for (let f = 0; f < folds.length; f++) {
      const inVal = new Uint8Array(labels.length);
      for (const i of folds[f]!) inVal[i] = 1;
      const fitIds: number[] = [];
      for (let i = 0; i < labels.length; i++) if (!inVal[i]) fitIds.push(i);
      const fitData = subset(all, fitIds);
      const valData = subset(all, folds[f]!);
      const pos = count(fitData.labels);
      if (type.needsLabels && (pos === 0 || pos === fitIds.length)) {
        throw new UserError(
          msg`cannot tune: the training part of ${folds.length > 1 ? `fold ${f + 1}` : 'the validation split'} has one class only; ${req.tuning.method === 'folds' ? msg`use fewer ${option('folds')}` : msg`change ${option('validation')}`} or add data`,
          { file },
        );
      }
      req.onStage?.(`tuning ${req.router}${folds.length > 1 ? ` fold ${f + 1}/${folds.length}` : ''}${candidates.length > 1 ? `, ${candidates.length} candidates` : ''}`);
      const ctx = { train: fitData, validation: valData, seed: req.seed, pair: req.pair, embed, blocks: featurizer.blocks() };
      const tried: Tried[] = await (type.tune ? type.tune(ctx, candidates) : tuneEach(type, ctx, candidates));
      if (tried.length !== candidates.length) throw new Error(`${req.router}: tune returned ${tried.length} results for ${candidates.length} candidates`);
      tried.forEach((t, c) => {
        folds[f]!.forEach((row, j) => (oof[c]![row] = t.scores[j]!));
        refits[c]!.push(t.refit);
      });
    }
  }
  const valTable = tableOf(trainTable, validated);
  const valLabels = Uint8Array.from(validated, (i) => labels[i]!);
  const scored = candidates.map((options, c) => ({
    options,
    auc: canTune ? auc(Float64Array.from(validated, (i) => oof[c]![i]!), valTable) : null,
    c,
  }));
  // Highest AUC wins; ties (and unknown AUC) keep the grid's order, so the choice is deterministic.
  const best = [...scored].sort((a, b) => (b.auc ?? -1) - (a.auc ?? -1) || a.c - b.c)[0]!;

  let calibration: Calibration = { method: 'none' };
  let threshold = 0.5;
  let thresholdRule: RouterBody['thresholdRule'] = { kind: 'fixed', value: 0.5 };
  let tuningMetrics: Metrics | null = null;
  if (canTune) {
    const raw = Float64Array.from(validated, (i) => oof[best.c]![i]!);
    calibration = fitCalibration(req.calibration, raw, valLabels);
    const calibrated = applyCalibration(calibration, raw);
    tuningMetrics = metricsOf(calibrated, valTable);
    const summary = summarize(calibrated, valTable);
    const t = pointAt(summary.curve, pickIndex(summary.curve, { kind: 'max-quality-gap', value: req.targetGap })).threshold;
    threshold = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 1;
    thresholdRule = { kind: 'max-quality-gap', value: req.targetGap, on: 'validation' };
  }

  req.onStage?.(`fitting ${req.router} on ${labels.length.toLocaleString('en-US')} training queries`);
  const finalOptions = { ...best.options, ...meanRefit(refits[best.c]!) };
  const fitted = await type.train({ train: all, validation: null, seed: req.seed, pair: req.pair, embed, blocks: featurizer.blocks() }, finalOptions);
  // Score with the head as it will be stored, so eval and route reproduce these numbers exactly.
  const head = type.load(JSON.parse(JSON.stringify(fitted.state())));
  const router = new Pipeline(req.router, featurizer, head, calibration);
  const seconds = (performance.now() - started) / 1000;

  let validation: Metrics | null = null;
  let testScores: Float64Array | null = null;
  if (test.length > 0) {
    req.onStage?.(`scoring ${test.length.toLocaleString('en-US')} held-out queries`);
    const testTable = pairTable(req.dataset, req.pair, test);
    testScores = await router.score(testTable.rows.map((r) => r.query));
    validation = metricsOf(testScores, testTable);
  }

  const body: RouterBody = {
    router: req.router,
    pair: { weak: req.pair.weak, strong: req.pair.strong },
    target: 'strong-wins',
    threshold,
    thresholdRule,
    embedder: featurizer.state(),
    model: fitted.state(),
    calibration,
    split: req.split ? { ...req.split, datasetHash: req.dataset.source.hash } : null,
    training: {
      rows: labels.length,
      positives,
      options: { ...finalOptions, calibration: req.calibration },
      validation,
      tuning: canTune
        ? {
            method: req.tuning.method,
            ...(req.tuning.method === 'split' ? { share: req.tuning.share } : { folds: req.tuning.folds }),
            candidates: [best, ...scored.filter((s) => s !== best)].map((s) => ({ options: s.options, auc: s.auc })),
            metrics: tuningMetrics!,
          }
        : null,
    },
  };
  return { router, body, testScores, seconds };
}

export async function trainRouter(req: TrainRequest): Promise<Trained> {
  const table = pairTable(req.dataset, req.pair);
  const { train, test } = req.split ? splitRows(table.rows, req.split) : { train: table.rows, test: [] };
  const { router, body, seconds } = await trainOnRows(req, train, test);
  return { router, body, seconds };
}
