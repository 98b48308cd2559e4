import { checkCommonOptions } from '../../user-paths.js';
import { basename, extname, join } from 'node:path';
import { z } from 'zod';
import { datasetLineage, readDataset } from '../../data/read-dataset.js';
import { choosePair, leftOutNote, type Pair } from '../../data/pair.js';
import { checkName, writeJsonArtifact } from '../../artifacts/store.js';
import { readTextFile } from '../../text-file.js';
import type { Envelope, LineageRef } from '../../artifacts/envelope.js';
import type { RouterBody } from '../../routers/router.js';
import type { MultiRouterBody } from '../../routers/multi-router.js';
import { chooseModels, type ModelChoice } from '../../data/model-table.js';
import { trainMultiRouter } from '../../routers/multi-train.js';
import { msg, option, UserError } from '../../errors.js';
import { trainRouter } from '../../routers/train.js';
import { readOptions } from '../input-options.js';
import { defaultCacheDir } from '../../routers/load.js';
import { renderMultiTraining, renderTraining } from '../../ui/render-train.js';
import { foldsSchema, inputShape, integerSchema, nameSchema, oneOf, openShareSchema, positiveIntegerSchema, positiveOrAutoSchema, shareSchema, validateOptions } from '../options.js';
import { jsonText, NO_PROGRESS, noteLine, readLines, versionOf, type ReadRef, type Rendered, type RenderView, type RunDeps } from '../rendered.js';

export const ROUTER_TYPES = ['logistic', 'mf', 'mlp', 'knn', 'semantic', 'ensemble', 'random'] as const;

export const trainOptionsSchema = z.strictObject({
  /** Labelled dataset: a .jsonl or .csv file, a folder of them, or a dataset artifact name. */
  data: nameSchema,
  ...inputShape,
  name: nameSchema.optional(),
  router: oneOf(ROUTER_TYPES).default('logistic'),
  embedder: nameSchema.optional(),
  weak: nameSchema.optional(),
  strong: nameSchema.optional(),
  /** The N-model router even over two models: the lambda rule, AIQ against the zero router, the oracle. */
  multi: z.boolean().optional(),
  /** Over more than two models: the model quality gaps are measured against (default: the best mean quality). */
  reference: nameSchema.optional(),
  /** Over more than two models: dollars per call of a model whose rows carry no cost. */
  unitCost: z.record(z.string(), z.number().nonnegative().finite(), { message: 'expected { model: dollars per call }' }).optional(),
  /** Over more than two models: each model's cost of a query predicted by a line in its length, or as the model's mean. */
  costModel: oneOf(['length', 'mean']).optional(),
  /** Share of queries held out, or false to train on every row. */
  holdout: z.custom<number | false>((v) => v === false || (typeof v === 'number' && v > 0 && v < 1), { message: 'expected a share strictly between 0 and 1, or false' }).default(0.2),
  seed: integerSchema.default(1),
  validation: openShareSchema.default(0.2),
  folds: foldsSchema.optional(),
  calibration: oneOf(['platt', 'isotonic', 'none']).default('platt'),
  targetGap: shareSchema.default(0.05),
  objective: oneOf(['strong-wins', 'pairwise']).optional(),
  c: positiveOrAutoSchema.optional(),
  k: positiveOrAutoSchema.optional(),
  hidden: positiveIntegerSchema.optional(),
  dim: positiveIntegerSchema.optional(),
  epochs: positiveIntegerSchema.optional(),
  routes: nameSchema.optional(),
  cacheDir: nameSchema.optional(),
  cache: z.boolean().default(true),
});

/** Options of `router train`, as a script passes them. */
export type TrainOptions = z.input<typeof trainOptionsSchema>;

interface TrainedArtifact {
  /** The router artifact: its path, its envelope (with the body), and whether it was already the latest version. */
  path: string;
  reused: boolean;
  embedderDescription: string;
  /** Wall time of the fit. */
  seconds: number;
  /** Whether rows were held out (false for `holdout: false`). */
  heldOut: boolean;
  /** About the data: rows left out, files skipped. */
  notes: string[];
  reads: ReadRef[];
}

/** A router for a pair of models (two-model data, or `weak`/`strong` given). */
export interface PairTrainResult extends TrainedArtifact {
  kind: 'pair';
  envelope: Envelope<RouterBody>;
  pair: Pair & { chosenBy?: string };
}

/** A router over more than two models. */
export interface MultiTrainResult extends TrainedArtifact {
  kind: 'multi';
  envelope: Envelope<MultiRouterBody>;
  choice: ModelChoice;
}

export type TrainResult = PairTrainResult | MultiTrainResult;

/**
 * Over more than two models when `models` names more than two, or the data has more and names no
 * pair of its own; a pair (`weak`/`strong`, or the dataset's) otherwise, as the special case.
 */
function routesOverMany(o: { weak?: string; strong?: string; models?: string[]; multi?: boolean }, models: number, hasPair: boolean): boolean {
  if (o.multi) return true;
  if (o.weak !== undefined || o.strong !== undefined) return false;
  if (o.models !== undefined) return o.models.length > 2;
  return !hasPair && models > 2;
}

export function defaultName(ref: string): string {
  const stem = basename(ref.replace(/[\\/]+$/, ''), extname(ref)).replace(/@.*$/, '');
  return stem.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'router';
}

export async function runTrain(options: TrainOptions, deps: RunDeps = {}): Promise<TrainResult> {
  const o = validateOptions(trainOptionsSchema, options);
  checkCommonOptions(o, 'write', deps.env ?? process.env);
  const progress = deps.progress ?? NO_PROGRESS;
  const env = deps.env ?? process.env;
  // Checked before the fit, which can take minutes: the name (also one made from the file name) and the routes file.
  const name = checkName(o.name ?? defaultName(o.data));
  const routes = o.routes !== undefined ? readTextFile(o.routes) : undefined;
  const dataset = readDataset(o.data, readOptions(o));
  const reads: ReadRef[] = dataset.source.isArtifact && versionOf(dataset.source.path) ? [{ kind: 'dataset', path: dataset.source.path }] : [];
  const cacheDir0 = o.cache ? join(o.cacheDir ?? defaultCacheDir(env), 'embeddings') : null;
  if (o.models !== undefined && o.models.length < 2) throw new UserError(msg`${option('models')}: a router needs at least two models, got ${o.models.length}`);
  if (o.multi && (o.weak !== undefined || o.strong !== undefined)) throw new UserError(msg`${option('multi')} routes over ${option('models')} (default: every model of the data), not a ${option('weak')}/${option('strong')} pair`);
  if (routesOverMany(o, dataset.models.length, dataset.defaultPair !== undefined)) return trainOverMany(o, dataset, name, reads, cacheDir0, progress, env);
  const manyOnly = (['reference', 'unitCost', 'costModel'] as const).find((k) => o[k] !== undefined);
  if (manyOnly) throw new UserError(msg`${option(manyOnly)} applies to routing over more than two models; this router is for a pair`);
  const pair = choosePair(dataset, { weak: o.weak, strong: o.strong });
  const notes = [...(dataset.notes ?? []), leftOutNote(dataset.rows, pair)].filter((n): n is string => Boolean(n));
  const cacheDir = cacheDir0;
  progress.stage(`training a ${o.router} router`);
  const trained = await trainRouter({
    dataset,
    pair,
    router: o.router,
    embedder: o.embedder,
    seed: o.seed,
    split: o.holdout === false ? null : { seed: o.seed, holdout: o.holdout },
    tuning: o.folds !== undefined ? { method: 'folds', folds: o.folds } : { method: 'split', share: o.validation },
    calibration: o.calibration,
    targetGap: o.targetGap,
    options: { c: o.c, hidden: o.hidden, epochs: o.epochs, k: o.k, dim: o.dim, routes: o.routes, objective: o.objective },
    features: { cacheDir, env, onProgress: (what, done, total) => progress.embed(what, done, total) },
    onStage: (s) => progress.stage(s),
  });
  const { router, body } = trained;
  const lineage: LineageRef[] = [datasetLineage(dataset, 'train')];
  if (o.routes && routes !== undefined) lineage.push({ kind: 'file', hash: routes.hash, path: o.routes, role: 'routes' });
  const written = writeJsonArtifact('router', body, lineage, { root: o.artifacts, name });
  return {
    kind: 'pair',
    path: written.path,
    envelope: written.envelope,
    reused: written.reused === true,
    pair,
    embedderDescription: router.featurizer.describe(),
    seconds: trained.seconds,
    heldOut: o.holdout !== false,
    notes,
    reads,
  };
}

type Parsed = z.output<typeof trainOptionsSchema>;

async function trainOverMany(o: Parsed, dataset: ReturnType<typeof readDataset>, name: string, reads: ReadRef[], cacheDir: string | null, progress: NonNullable<RunDeps['progress']>, env: NodeJS.ProcessEnv): Promise<MultiTrainResult> {
  const choice = chooseModels(dataset, { models: o.models, reference: o.reference });
  progress.stage(`training a ${o.router} router over ${choice.models.length} models`);
  const trained = await trainMultiRouter({
    dataset,
    choice,
    ...(o.unitCost ? { unitCosts: o.unitCost } : {}),
    router: o.router,
    embedder: o.embedder,
    seed: o.seed,
    split: o.holdout === false ? null : { seed: o.seed, holdout: o.holdout },
    tuning: o.folds !== undefined ? { method: 'folds', folds: o.folds } : { method: 'split', share: o.validation },
    targetGap: o.targetGap,
    options: { c: o.c, hidden: o.hidden, epochs: o.epochs, k: o.k, dim: o.dim, routes: o.routes, objective: o.objective },
    ...(o.costModel ? { costModel: o.costModel } : {}),
    features: { cacheDir, env, onProgress: (what, done, total) => progress.embed(what, done, total) },
    onStage: (s) => progress.stage(s),
  });
  const left = trained.table.leftOut;
  const notes = [...(dataset.notes ?? []), ...(left ? [`${left.toLocaleString('en-US')} ${left === 1 ? 'row' : 'rows'} left out: no outcome for every model`] : [])];
  const written = writeJsonArtifact('router', trained.body, [datasetLineage(dataset, 'train')], { root: o.artifacts, name });
  return {
    kind: 'multi',
    path: written.path,
    envelope: written.envelope,
    reused: written.reused === true,
    choice,
    embedderDescription: trained.router.featurizer.describe(),
    seconds: trained.seconds,
    heldOut: o.holdout !== false,
    notes,
    reads,
  };
}

export function renderTrain(r: TrainResult, view: RenderView = {}): Rendered {
  const before = [...r.notes.map(noteLine), ...readLines(r.reads)];
  if (r.kind === 'multi') {
    const body = r.envelope.body;
    const stdout = view.json
      ? jsonText({ path: r.path, ...r.envelope, body: { ...body, model: undefined, embedder: { spec: body.embedder.spec, layout: body.embedder.layout, description: r.embedderDescription } } })
      : renderMultiTraining({ ...body, embedderDescription: r.embedderDescription, seconds: r.seconds }, r.path, r.envelope.contentHash, r.choice.referenceChosenBy, r.reused, view);
    return { before, stdout, after: [] };
  }
  const body = r.envelope.body;
  const after = body.training.tuning === null && r.heldOut ? [noteLine('too few training rows to tune; no calibration, default threshold 0.5')] : [];
  const stdout = view.json
    ? // The weights and the vocabulary are in the file; the summary is what a script wants.
      jsonText({ path: r.path, ...r.envelope, body: { ...body, model: undefined, embedder: { spec: body.embedder.spec, layout: body.embedder.layout, description: r.embedderDescription } } })
    : renderTraining({ ...body, embedderDescription: r.embedderDescription, seconds: r.seconds }, r.path, r.envelope.contentHash, r.pair.chosenBy, r.reused, view);
  return { before, stdout, after };
}
