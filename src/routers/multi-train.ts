import { performance } from 'node:perf_hooks';
import { UserError } from '../errors.js';
import type { Dataset, DatasetRow } from '../data/dataset.js';
import { modelTable, type ModelChoice, type ModelTable } from '../data/model-table.js';
import { splitRows, type SplitSpec } from '../data/split.js';
import { Featurizer, type FeatureContext } from '../embed/features.js';
import { finiteRuleValue, lambdaSweep } from '../metrics/multi/sweep.js';
import { modelPoints } from '../metrics/multi/single-models.js';
import { pickMultiPoint } from '../metrics/multi/operating-point.js';
import { choicesAt, realizedAt, trafficShares } from '../metrics/multi/choice.js';
import { summarizeMulti } from '../metrics/multi/summary.js';
import type { MultiOutcomes, MultiPredictions } from '../metrics/multi/inputs.js';
import { multiRouterType } from './multi-registry.js';
import { MultiPipeline } from './multi-pipeline.js';
import { fitCostLine, predictCosts, queryLengths, type CostLine, type CostModelKind } from './cost-model.js';
import { meanLogLoss, tuneEachMulti, type DecisionRule, type MultiData, type MultiMetrics, type MultiRouterBody, type MultiTried } from './multi-router.js';
import { meanRefit, selectFeatures, tuningFolds, type Tuning } from './train.js';
import type { OptionRecord } from './router.js';

// The training engine for routers over N models, the counterpart of train.ts:
//   1. hold out `split` (by query hash, as eval recomputes it) and train on the rest;
//   2. fit the featurizer once on the training texts;
//   3. tune: fit each candidate of the type's grid on a validation split (or k folds) and keep the
//      one whose out-of-fold predictions have the lowest mean log-loss over every model: the
//      decision rule weighs predicted qualities against each other and against dollars, so they
//      must be calibrated probabilities, and log-loss is what rewards that;
//   4. choose the default rule on those out-of-fold predictions: the lambda of the cheapest point
//      whose quality is within `targetGap` of the reference model's;
//   5. refit the chosen candidate on every training row; report on the held-out rows.
// Predicted cost (cost-model.ts): by default a line in the query's length per model, fitted on the
// training rows (`costModel: 'length'`), or each model's mean cost (`'mean'`, as the scikit-learn
// reference does).

export interface MultiTrainRequest {
  dataset: Dataset;
  choice: ModelChoice;
  /** Dollars per call of models whose rows carry no cost (`--unit-cost`). */
  unitCosts?: Record<string, number>;
  router: string;
  embedder?: string;
  seed: number;
  split: SplitSpec | null;
  tuning: Tuning;
  /** The default rule keeps the validation quality within this share of the reference model's. */
  targetGap: number;
  options: OptionRecord;
  /** How each model's cost of a query is predicted (default: a line in the query's length). */
  costModel?: CostModelKind;
  features: FeatureContext;
  onStage?: (message: string) => void;
}

export interface MultiTrained {
  router: MultiPipeline;
  body: MultiRouterBody;
  seconds: number;
  table: ModelTable;
}

/** Row-major n x M predictions for the metrics, from per-model columns. */
export function predictionMatrix(quality: Float64Array[], cost: Float64Array[]): MultiPredictions {
  const models = quality.length;
  const n = quality[0]?.length ?? 0;
  const qHat = new Float64Array(n * models);
  const cHat = new Float64Array(n * models);
  for (let m = 0; m < models; m++) {
    const q = quality[m]!;
    const c = cost[m]!;
    for (let i = 0; i < n; i++) {
      qHat[i * models + m] = q[i]!;
      cHat[i * models + m] = c[i]!;
    }
  }
  return { models, qHat, cHat };
}

/** Row-major n x M actual outcomes of a model table's rows (`ids`: a subset, in that order). */
export function outcomeMatrix(table: Pick<ModelTable, 'quality' | 'cost'>, ids?: ArrayLike<number>): MultiOutcomes {
  const models = table.quality.length;
  const n = ids ? ids.length : (table.quality[0]?.length ?? 0);
  const q = new Float64Array(n * models);
  const c = new Float64Array(n * models);
  for (let m = 0; m < models; m++) {
    const qm = table.quality[m]!;
    const cm = table.cost[m]!;
    for (let i = 0; i < n; i++) {
      const r = ids ? ids[i]! : i;
      q[i * models + m] = qm[r]!;
      c[i * models + m] = cm[r]!;
    }
  }
  return { models, q, c };
}

/** The highest-quality point, the cheapest of those. */
function bestPoint(quality: Float64Array, cost: Float64Array): number {
  let best = 0;
  for (let k = 1; k < quality.length; k++) {
    if (quality[k]! > quality[best]! || (quality[k] === quality[best] && cost[k]! < cost[best]!)) best = k;
  }
  return best;
}

function meanOf(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return values.length ? s / values.length : 0;
}

function subset(data: MultiData, ids: number[]): MultiData {
  return {
    x: selectFeatures(data.x, ids),
    models: data.models,
    quality: data.quality.map((q) => Float64Array.from(ids, (i) => q[i]!)),
    queries: ids.map((i) => data.queries[i]!),
  };
}

/** Held-out (or out-of-fold) metrics of predictions at a rule, against the single models on the same rows. */
export function multiMetrics(predicted: Float64Array[], cost: Float64Array[], outcomes: MultiOutcomes, actual: Float64Array[], rule: DecisionRule): MultiMetrics {
  const predictions = predictionMatrix(predicted, cost);
  const curve = lambdaSweep(predictions, outcomes);
  const points = modelPoints(outcomes);
  const summary = summarizeMulti(curve, points);
  const choices = choicesAt(predictions, rule.kind, rule.value);
  const at = realizedAt(outcomes, choices);
  return {
    rows: actual[0]?.length ?? 0,
    logLoss: meanLogLoss(predicted, actual),
    aiq: summary.aiq,
    aiqGain: summary.aiqGain,
    quality: at.quality,
    cost: at.cost,
    shares: Array.from(trafficShares(choices, outcomes.models)),
  };
}

export async function trainMultiOnRows(req: MultiTrainRequest, train: DatasetRow[], test: DatasetRow[]): Promise<MultiTrained & { testPredictions: Float64Array[] | null }> {
  const started = performance.now();
  const type = multiRouterType(req.router);
  const file = req.dataset.source.path;
  const spec = req.embedder ?? 'tfidf';
  if (train.length === 0) throw new UserError(`no training rows left after holding out ${req.split?.holdout}`, { file });
  const candidates = type.grid(type.options(req.options));
  const table = modelTable(req.dataset, req.choice, train, req.unitCosts);
  const models = table.models;
  const reference = models.indexOf(req.choice.reference);
  const queries = table.rows.map((r) => r.query);
  const n = queries.length;
  const lengths = queryLengths(queries);
  const costModel = req.costModel ?? 'length';
  const lines: CostLine[] = table.cost.map((c) => (costModel === 'length' ? fitCostLine(lengths, c) : { intercept: meanOf(c), perChar: 0 }));
  const costAt = (ids: number[]) => lines.map((l) => predictCosts(l, Float64Array.from(ids, (i) => lengths[i]!)));
  const folds = tuningFolds(queries, req.tuning, req.seed);

  req.onStage?.(`embedding ${n.toLocaleString('en-US')} training queries with ${spec}`);
  const { featurizer, x } = await Featurizer.fit(spec, queries, type.layout, req.features);
  const all: MultiData = { x, models, quality: table.quality, queries };
  const blocks = featurizer.blocks();

  const validated = folds.flat();
  const canTune = validated.length > 0 && folds.every((f) => f.length < n);
  const oof = candidates.map(() => models.map(() => new Float64Array(n)));
  const refits: (Partial<OptionRecord> | undefined)[][] = candidates.map(() => []);
  if (canTune) {
    for (let f = 0; f < folds.length; f++) {
      const inVal = new Uint8Array(n);
      for (const i of folds[f]!) inVal[i] = 1;
      const fitIds: number[] = [];
      for (let i = 0; i < n; i++) if (!inVal[i]) fitIds.push(i);
      req.onStage?.(`tuning ${req.router} over ${models.length} models${folds.length > 1 ? ` fold ${f + 1}/${folds.length}` : ''}${candidates.length > 1 ? `, ${candidates.length} candidates` : ''}`);
      const ctx = { train: subset(all, fitIds), validation: subset(all, folds[f]!), seed: req.seed, blocks };
      const tried: MultiTried[] = await (type.tune ? type.tune(ctx, candidates) : tuneEachMulti(type, ctx, candidates));
      if (tried.length !== candidates.length) throw new Error(`${req.router}: tune returned ${tried.length} results for ${candidates.length} candidates`);
      tried.forEach((t, c) => {
        for (let m = 0; m < models.length; m++) folds[f]!.forEach((row, j) => (oof[c]![m]![row] = t.predictions[m]![j]!));
        refits[c]!.push(t.refit);
      });
    }
  }
  const pick = (a: Float64Array) => Float64Array.from(validated, (i) => a[i]!);
  const valActual = table.quality.map(pick);
  const scored = candidates.map((options, c) => ({ options, logLoss: canTune ? meanLogLoss(oof[c]!.map(pick), valActual) : null, c }));
  // Lowest log-loss wins; ties (and unknown) keep the grid's order, so the choice is deterministic.
  const best = [...scored].sort((a, b) => (a.logLoss ?? Infinity) - (b.logLoss ?? Infinity) || a.c - b.c)[0]!;

  // The default rule: on the out-of-fold predictions, the cheapest point within targetGap of the reference.
  let rule: DecisionRule = { kind: 'lambda', value: 0 };
  let ruleChosenBy: NonNullable<MultiRouterBody['training']['tuning']>['ruleChosenBy'] = { kind: 'fixed' };
  if (canTune) {
    const predictions = predictionMatrix(oof[best.c]!.map(pick), costAt(validated));
    const outcomes = outcomeMatrix(table, validated);
    const curve = lambdaSweep(predictions, outcomes);
    const points = modelPoints(outcomes);
    let index: number;
    try {
      index = pickMultiPoint(curve, { kind: 'max-quality-gap', value: req.targetGap, reference }, points).index;
      ruleChosenBy = { kind: 'max-quality-gap', value: req.targetGap, on: 'validation' };
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      // Out of reach on validation data: the router's best point, as the pair's default falls back to always-strong.
      index = bestPoint(curve.quality, curve.cost);
      ruleChosenBy = { kind: 'best-quality', on: 'validation' };
    }
    rule = { kind: 'lambda', value: finiteRuleValue(curve, index) };
  }

  req.onStage?.(`fitting ${req.router} for ${models.length} models on ${n.toLocaleString('en-US')} training queries`);
  const finalOptions = { ...best.options, ...meanRefit(refits[best.c]!) };
  const fitted = await type.train({ train: all, validation: null, seed: req.seed, blocks }, finalOptions);
  // Predict with the head as it will be stored, so eval and route reproduce these numbers exactly.
  const head = type.load(JSON.parse(JSON.stringify(fitted.state())), models);
  const router = new MultiPipeline(req.router, models, featurizer, head, lines, rule);
  const seconds = (performance.now() - started) / 1000;

  let validation: MultiMetrics | null = null;
  let testPredictions: Float64Array[] | null = null;
  if (test.length > 0) {
    req.onStage?.(`predicting ${test.length.toLocaleString('en-US')} held-out queries`);
    const testTable = modelTable(req.dataset, req.choice, test, req.unitCosts);
    const predicted = await router.predict(testTable.rows.map((r) => r.query));
    testPredictions = predicted.quality;
    validation = multiMetrics(testPredictions, predicted.cost, outcomeMatrix(testTable), testTable.quality, rule);
  }

  const body: MultiRouterBody = {
    router: req.router,
    target: 'quality',
    models,
    reference: req.choice.reference,
    costs: models.map((m, j) => ({ model: m, perQuery: meanOf(table.cost[j]!), basis: table.costBasis[m]!, intercept: lines[j]!.intercept, perChar: lines[j]!.perChar })),
    rule,
    embedder: featurizer.state(),
    model: fitted.state(),
    split: req.split ? { ...req.split, datasetHash: req.dataset.source.hash } : null,
    training: {
      rows: n,
      options: finalOptions,
      validation,
      tuning: canTune
        ? {
            method: req.tuning.method,
            ...(req.tuning.method === 'split' ? { share: req.tuning.share } : { folds: req.tuning.folds }),
            candidates: [best, ...scored.filter((s) => s !== best)].map((s) => ({ options: s.options, logLoss: s.logLoss })),
            ruleChosenBy,
          }
        : null,
    },
  };
  return { router, body, seconds, table, testPredictions };
}

export async function trainMultiRouter(req: MultiTrainRequest): Promise<MultiTrained> {
  const all = modelTable(req.dataset, req.choice, req.dataset.rows, req.unitCosts);
  const { train, test } = req.split ? splitRows(all.rows, req.split) : { train: all.rows, test: [] };
  const { router, body, seconds, table } = await trainMultiOnRows(req, train, test);
  return { router, body, seconds, table };
}
