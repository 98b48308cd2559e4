import type { Pair } from '../data/pair.js';
import type { FeatureBlock, Features, FeatureLayout, FeaturizerState } from '../embed/features.js';
import type { Calibration } from './calibration.js';

// One interface for every router type (logistic, mf, mlp, knn, semantic, random), after RouteLLM:
// a type turns features into a score, the probability that the strong model is better, and the
// routing decision (score >= threshold) is made once, by whoever holds the score. A router type
// never sees text directly except through the featurizer (embed/features.ts), so every type
// works with every embedder its feature layout allows.

/** A trained router as eval and route use it: queries in, P(strong model is better) out. */
export interface Router {
  readonly type: string;
  score(queries: string[]): Promise<Float64Array>;
}

/** Per-row qualities of every model of the dataset, for routers trained on pairwise outcomes (mf). */
export interface ModelOutcomes {
  models: string[];
  /** quality[m][i]: model m's quality on row i, NaN where the row has no outcome for it. */
  quality: Float64Array[];
  /** Indices of the pair's models in `models`. */
  weak: number;
  strong: number;
}

export interface HeadData {
  x: Features;
  /** 1 where the strong model is better (the target), else 0. */
  labels: Uint8Array;
  /** The pair's outcome as a soft label, (q_strong - q_weak + 1) / 2: 1 strong better, 0 weak better, 0.5 a tie. */
  gain: Float32Array;
  queries: string[];
  outcomes: ModelOutcomes;
}

/** Router options as a record: what `router train` flags give, and what an artifact stores. */
export type OptionRecord = Record<string, unknown>;

export interface TrainContext {
  train: HeadData;
  /** A tuning fold's validation rows (mlp and mf early-stop on them); null when refitting on every training row. */
  validation: HeadData | null;
  seed: number;
  pair: Pair;
  /** Features of other texts (the semantic router's example utterances), by the same featurizer. */
  embed(texts: string[]): Promise<Features>;
  /** The embedder parts' column blocks in `x`, in order (an ensemble fits one member per block). */
  blocks: FeatureBlock[];
}

/** A tuning fold, where the validation rows are known. */
export type TuneContext = TrainContext & { validation: HeadData };

/** The fitted part of a router: features in, uncalibrated P(strong better) in [0,1] out. */
export interface Head<C extends OptionRecord = OptionRecord> {
  score(x: Features, queries: string[]): Float64Array;
  /** JSON-serialisable; the type's `load` reverses it. */
  state(): unknown;
  /** Options that reproduce this fit on all training rows (mlp and mf: the early-stopped epoch count). */
  refit?: Partial<C>;
}

/** One candidate fitted on a tuning fold: its scores on the fold's validation rows. */
export interface Tried<C extends OptionRecord = OptionRecord> {
  scores: Float64Array;
  /** As Head.refit: what the final fit on all training rows should use instead. */
  refit?: Partial<C>;
}

/**
 * A router type: its options, the grid it is tuned over, how it fits and loads. `O` is what the
 * user's flags validate to (with 'auto' where the type chooses), `C` one candidate of the grid: the
 * options of one fit. The training engine (train.ts) is the only tuner: it fits every candidate on
 * each tuning fold through `tune`, keeps the best validation AUC, and refits that candidate with
 * `train`; no type chooses an option inside its own fit.
 */
export interface RouterType<O extends OptionRecord = OptionRecord, C extends OptionRecord = OptionRecord> {
  /** What `--help` and errors say about it. */
  description: string;
  /** The feature layout it trains on; 'none' looks at no features (random). */
  layout: FeatureLayout | 'none';
  /** False for routers that need no labels (semantic, random): they train on one class too. */
  needsLabels: boolean;
  /** Validates the user's options; a flag that does not apply, or a bad value, is a UserError naming the flag. */
  options(raw: OptionRecord): O;
  /**
   * The candidates to compare, in order: every 'auto' option over the type's grid (logistic's C,
   * knn's k, the ensemble's members' C and k). The first is the default, used when there are no
   * rows to tune on; ties keep this order.
   */
  grid(options: O): C[];
  /**
   * Fits every candidate on `ctx.train` and scores `ctx.validation` with each, in grid order. A type
   * whose candidates share work does it once here (knn: one similarity pass serves every k; the
   * ensemble: each member candidate is fitted once, whatever the other members' options). Absent:
   * each candidate is fitted with `train` and scored alone (tuneEach).
   */
  tune?(ctx: TuneContext, grid: C[]): Promise<Tried<C>[]> | Tried<C>[];
  /** Fits one candidate. */
  train(ctx: TrainContext, options: C): Promise<Head<C>> | Head<C>;
  load(state: unknown): Head;
}

/** The default `tune`: each candidate fitted and scored on its own. */
export async function tuneEach<C extends OptionRecord>(type: Pick<RouterType<OptionRecord, C>, 'train'>, ctx: TuneContext, grid: C[]): Promise<Tried<C>[]> {
  const out: Tried<C>[] = [];
  for (const options of grid) {
    const head = await type.train(ctx, options);
    out.push({ scores: head.score(ctx.validation.x, ctx.validation.queries), refit: head.refit });
  }
  return out;
}

export interface Metrics {
  rows: number;
  auc: number | null;
  logLoss: number | null;
  apgr: number | null;
  cpt50?: number | null;
  cpt80?: number | null;
}

/** What a router artifact's body holds, whatever the router type. */
export interface RouterBody {
  router: string;
  pair: Pair;
  target: 'strong-wins';
  /** Score at or above which the router sends a query to the strong model, unless eval picks another. */
  threshold: number;
  /** How the default threshold was chosen. */
  thresholdRule?: { kind: 'max-quality-gap'; value: number; on: 'validation' } | { kind: 'fixed'; value: number };
  /** The featurizer: embedder spec, the fitted TF-IDF, pretrained embedders by identity. */
  embedder: FeaturizerState;
  /** The router type's own state (weights, neighbours, centroids). */
  model: unknown;
  /** Maps the type's raw score to a calibrated probability. */
  calibration: Calibration;
  /** How the training data was split; eval recomputes the held-out side from it. */
  split: { seed: number; holdout: number; datasetHash: string } | null;
  training: {
    rows: number;
    positives: number;
    /** Written by earlier versions only: a run's duration is not content, and kept re-runs from being identical. */
    seconds?: number;
    options: Record<string, unknown>;
    /** Metrics on the held-out rows (the split above), from the final router. */
    validation: Metrics | null;
    /** How options, calibration and threshold were chosen: a split of the training rows or k folds. */
    tuning?: {
      method: 'split' | 'folds';
      share?: number;
      folds?: number;
      /** Validation (or out-of-fold) metrics of each candidate, the chosen one first. */
      candidates: { options: Record<string, unknown>; auc: number | null }[];
      /** Calibrated validation (or out-of-fold) metrics of the chosen candidate. */
      metrics: Metrics;
    } | null;
    /** Per-engine facts worth keeping (tfjs backend, embedding cache hits). */
    notes?: string[];
  };
}

export { routerBodySchema } from '../artifacts/bodies/router.js';
