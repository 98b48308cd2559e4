import { msg, option, UserError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { callCost, leftOutNote, pairTable, strongWins, type Pair, type PairTable } from '../data/pair.js';
import { splitRows } from '../data/split.js';
import { costBasis, costKindOf, type CostBasis, type CostProvenance } from '../cost/cost-basis.js';
import type { Hash } from '../artifacts/hash.js';
import { bootstrap, type BootstrapOptions, type Interval } from './bootstrap.js';
import type { Target } from '../metrics/operating-point.js';
import { cascadeOf } from './cascade.js';
import { prepareLatency, type LatencyColumns } from '../metrics/latency.js';
import { slices, sliceValues, type SliceReport } from './slices.js';
import type { StoredPoint } from '../metrics/curve.js';
import type { ModelUsage } from '../routers/deployment.js';
import { baselines, scoreDisplay, sweep, type Baselines, type Strategy, type Summary, type SweepResult, type TablePoint } from './sweep.js';
import type { GateReport } from './gate.js';

export type { TablePoint } from './sweep.js';

export type RouterSummary = Summary;

/** Bootstrap interval of the metrics at the operating point's (fixed) threshold. */
export interface OperatingCi {
  level: number;
  resamples: number;
  seed: number;
  qualityGap: Interval | null;
  strongShare: Interval;
  quality: Interval;
  costReduction: Interval | null;
}

export interface OperatingPoint {
  /** How the threshold was chosen: a calibration target, or a deployment's threshold. */
  criterion: 'max-quality-gap' | 'strong-share' | 'budget-per-1k' | 'deployment';
  target: number;
  point: TablePoint;
  ci?: OperatingCi;
}

/** One strategy's results: a router, or the cascade. */
export interface StrategyResult {
  name: string;
  /** How its threshold reads. */
  rule: string;
  summary: Summary & { ci?: { level: number; apgr: Interval | null; cpt50: [number, number | null] | null } };
  /** Rows of the sweep table: the user's thresholds, or one per tenth of strong share. */
  table: TablePoint[];
  operatingPoint: OperatingPoint;
  /** The exact curve read at every 1% of strong share, for charts. */
  curve: StoredPoint[];
}

export interface RouterResult extends StrategyResult {
  path: string;
  hash: Hash;
  router: string;
}

export interface EvalReportBody {
  dataset: { path: string; hash: Hash; rows: number; split: 'holdout' | 'all'; note: string | null };
  pair: Pair;
  costUnit: 'usd' | 'units';
  /** Where the dollars come from; absent in reports written before it was recorded. */
  cost?: CostBasis;
  baselines: Baselines;
  routers: RouterResult[];
  /** The weak model's confidence cascade, when the data records its confidence. */
  cascade: StrategyResult | null;
  usage: Record<string, ModelUsage>;
  /** Whether table rows carry the routed mix's latency percentiles. */
  latencyRecorded: boolean;
  bootstrap: BootstrapOptions | null;
  slices: SliceReport | null;
  /** The CI gate's checks, when one was asked for. */
  gate: GateReport | null;
  /** Caveats a reader of the numbers needs. */
  notes: string[];
}

import type { LoadedRouter } from '../routers/load.js';
export type { LoadedRouter };

export interface EvalRequest {
  dataset: Dataset;
  routers: LoadedRouter[];
  /** Overrides the routers' own pair. */
  pair?: Partial<Pair>;
  split: 'auto' | 'holdout' | 'all';
  thresholds?: number[];
  /** How to choose the operating threshold. */
  target: Target;
  /** Resamples 0 turns the bootstrap off. */
  bootstrap: BootstrapOptions;
  /** Metadata column to slice by. */
  by?: string;
  /** The pricing applied to the dataset (priceDataset), for the report's cost basis. */
  provenance?: CostProvenance;
  /** Told at once (not with the result) about a slow step, so a person knows why it waits. */
  notice?: (message: string) => void;
}

/** What per-query output needs beyond the report body. */
export interface EvalDetail {
  table: PairTable;
  strategies: { name: string; kind: 'router' | 'cascade'; scores: ArrayLike<number>; operatingScore: number }[];
  sliceValues: string[] | null;
}

export interface EvalOutcome {
  body: EvalReportBody;
  warnings: string[];
  detail: EvalDetail;
}

export const CASCADE_NAME = 'cascade';

const SAME_DATA_NOTE =
  'The operating point is chosen on the same rows it is measured on, so its point estimate is optimistic; ' +
  'its bootstrap interval covers sampling noise at that fixed threshold, not the choice itself. ' +
  'Confirm a deployment on fresh data: router eval NEW_DATA --deployment NAME.';

function mean(values: (number | undefined)[]): number | null {
  const xs = values.filter((v): v is number => v !== undefined);
  return xs.length === values.length && xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

function usageOf(dataset: Dataset, table: PairTable): Record<string, ModelUsage> {
  const usage: Record<string, ModelUsage> = {};
  for (const id of [table.weak, table.strong]) {
    const info = dataset.models.find((m) => m.id === id);
    const outcomes = table.rows.map((r) => r.models[id]!);
    usage[id] = {
      meanCost: mean(outcomes.map((o) => callCost(o, info))),
      meanInputTokens: mean(outcomes.map((o) => o.inputTokens)),
      meanOutputTokens: mean(outcomes.map((o) => o.outputTokens)),
      price: info?.price ?? null,
    };
  }
  return usage;
}

function pairCostBasis(req: EvalRequest, table: PairTable): CostBasis {
  const models = [table.weak, table.strong];
  const kinds = table.costUnit === 'usd' ? Object.fromEntries(models.map((m) => [m, costKindOf(table.rows[0]!.models[m]!, req.dataset.models.find((x) => x.id === m))])) : {};
  return costBasis(models, kinds, req.provenance, req.dataset);
}

function resolvePair(req: EvalRequest, warnings: string[]): Pair {
  const fromRouters = req.routers[0]!.body.pair;
  const ids = req.dataset.models.map((m) => m.id);
  const file = req.dataset.source.path;
  for (const [name, id] of [['weak', req.pair?.weak], ['strong', req.pair?.strong]] as const) {
    if (id !== undefined && !ids.includes(id)) throw new UserError(msg`unknown model "${id}" for ${option(name)}; the dataset has: ${ids.join(', ')}`, { file });
  }
  const pair = { weak: req.pair?.weak ?? fromRouters.weak, strong: req.pair?.strong ?? fromRouters.strong };
  if (pair.weak === pair.strong) throw new UserError(msg`the weak and the strong model are both ${pair.weak}; choose two models with ${option('weak')} and ${option('strong')}`);
  const missing = [pair.weak, pair.strong].filter((m) => !ids.includes(m));
  if (missing.length) {
    throw new UserError(
      msg`router ${req.routers[0]!.name} is for ${pair.weak} -> ${pair.strong} but the dataset has no ${missing.join(' or ')} (it has: ${ids.join(', ')}); pass ${option('weak')}/${option('strong')} to choose a pair it has`,
      { file },
    );
  }
  for (const r of req.routers) {
    if (r.body.pair.weak !== pair.weak || r.body.pair.strong !== pair.strong) {
      warnings.push(`router ${r.name} was trained for ${r.body.pair.weak} -> ${r.body.pair.strong}, evaluated here on ${pair.weak} -> ${pair.strong}`);
    }
  }
  return pair;
}

/** What chooseRows needs of a router, of either kind. */
export interface SplitSource {
  name: string;
  body: { split: { seed: number; holdout: number; datasetHash: string } | null };
  lineage: string[];
}

/** Which rows to score, and a warning when they overlap the data the router was trained on. */
export function chooseRows(req: { dataset: Dataset; routers: SplitSource[]; split: 'auto' | 'holdout' | 'all' }, warnings: string[]): { rows: Dataset['rows']; split: 'holdout' | 'all'; note: string | null } {
  const { dataset } = req;
  const split = req.routers[0]!.body.split;
  const sameData = split !== null && split.datasetHash === dataset.source.hash;
  if (req.split === 'holdout' || (req.split === 'auto' && sameData)) {
    if (!sameData) {
      throw new UserError(msg`${option('split')} holdout needs the dataset the router was trained on (hash ${split?.datasetHash.slice(0, 19) ?? 'none: trained on all rows'}…)`, {
        file: dataset.source.path,
      });
    }
    const others = req.routers.filter((r) => r.body.split?.datasetHash !== split.datasetHash || r.body.split.seed !== split.seed || r.body.split.holdout !== split.holdout);
    if (others.length) throw new UserError(`routers ${others.map((r) => r.name).join(', ')} were trained on a different split; evaluate them separately`);
    const { test } = splitRows(dataset.rows, split);
    return { rows: test, split: 'holdout', note: `held-out ${Math.round(split.holdout * 100)}% of the training dataset (seed ${split.seed})` };
  }
  // Lineage names the exact bytes a router was trained on; a match means these rows include its training rows.
  for (const r of req.routers.filter((x) => x.lineage.includes(dataset.source.hash))) {
    warnings.push(`router ${r.name} was trained on this dataset: these numbers include its training rows and overstate its quality`);
  }
  return { rows: dataset.rows, split: 'all', note: null };
}

function checkTestSet(table: PairTable, file: string): void {
  const n = table.rows.length;
  const pair = `${table.weak} -> ${table.strong}`;
  if (n < 2) throw new UserError(`only ${n} test row for ${pair}; need at least 2`, { file });
  if (table.qWeak.every((q, i) => q === table.qStrong[i])) {
    throw new UserError(`${table.weak} and ${table.strong} have the same quality on every test row: there is nothing to route`, { file });
  }
  const positives = strongWins(table).reduce((s, v) => s + v, 0);
  if (positives === 0) {
    throw new UserError(`single-class test set: ${table.strong} is never better than ${table.weak} on the ${n} test rows, so no router can beat always-weak`, { file });
  }
  if (positives === n) {
    throw new UserError(`single-class test set: ${table.strong} is better than ${table.weak} on all ${n} test rows, so no router can beat always-strong`, { file });
  }
}

/** Latency of both models on every row, or why it is not reported. */
function latencyOf(table: PairTable, warnings: string[]): LatencyColumns | null {
  const n = table.rows.length;
  const weak = new Float64Array(n);
  const strong = new Float64Array(n);
  let have = 0;
  table.rows.forEach((r, i) => {
    const w = r.models[table.weak]!.latencyMs;
    const s = r.models[table.strong]!.latencyMs;
    if (w !== undefined && s !== undefined) {
      weak[i] = w;
      strong[i] = s;
      have++;
    }
  });
  if (have === 0) return null;
  if (have < n) {
    warnings.push(`latency is recorded for both models on only ${have} of ${n} test rows: latency percentiles are not reported`);
    return null;
  }
  return { weak, strong, sequential: false };
}

function operatingPoint(target: Target, s: SweepResult): OperatingPoint {
  return {
    criterion: target.kind === 'threshold' ? 'deployment' : target.kind,
    target: target.value,
    point: s.operating.point,
  };
}

function strategyResult(name: string, rule: string, s: SweepResult, target: Target): StrategyResult {
  return { name, rule, summary: { ...s.summary }, table: s.table, operatingPoint: operatingPoint(target, s), curve: s.resampled };
}

export async function evaluate(req: EvalRequest): Promise<EvalOutcome> {
  if (req.routers.length === 0) throw new UserError(msg`name at least one router with ${option('router')}`);
  for (const t of req.thresholds ?? []) {
    if (!(t >= 0 && t <= 1)) throw new UserError(`threshold ${t} is outside [0,1]`);
  }
  const warnings: string[] = [];
  const file = req.dataset.source.path;
  const pair = resolvePair(req, warnings);
  const chosen = chooseRows(req, warnings);
  if (chosen.rows.length === 0) {
    throw new UserError(chosen.split === 'holdout' ? 'the held-out split of this dataset is empty: nothing to evaluate' : 'the test set is empty: nothing to evaluate', { file });
  }
  const table = pairTable(req.dataset, pair, chosen.rows);
  checkTestSet(table, file);
  if (req.target.kind === 'budget-per-1k' && table.costUnit !== 'usd') {
    throw new UserError(msg`${option('targetBudget')} needs dollar costs, and these rows have no cost, tokens with prices, or per-call price for both models; use ${option('targetShare')} instead`, { file });
  }
  const byValues = req.by !== undefined ? sliceValues(table.rows, req.by) : null;
  const latency = latencyOf(table, warnings);
  // Prepared once: every router's sweep and the baselines read the same test rows' latencies.
  const prepared = latency && prepareLatency(latency);

  const queries = table.rows.map((r) => r.query);
  const strategies: { name: string; kind: 'router' | 'cascade'; strategy: Strategy; target: Target; strongCostRows?: Float64Array }[] = [];
  // Two versions of one router (demo@1, demo@2) need distinct names in tables, slices and per-query columns.
  const seen = new Map<string, number>();
  const names = req.routers.map((r) => {
    const k = (seen.get(r.name) ?? 0) + 1;
    seen.set(r.name, k);
    return k === 1 ? r.name : `${r.name}#${k}`;
  });
  for (const [ri, r] of req.routers.entries()) {
    // `await` whether score is synchronous or not, so routers that call out (embeddings) fit too.
    const scores = await r.router.score(queries);
    if (scores.length !== queries.length) throw new Error(`router ${r.name} returned ${scores.length} scores for ${queries.length} queries`);
    strategies.push({
      name: names[ri]!,
      kind: 'router',
      target: req.target,
      strategy: { scores, outcomes: table, latency: prepared, display: scoreDisplay, toScore: (t) => t },
    });
  }
  const cascade = cascadeOf(table, latency);
  if (cascade && 'skipped' in cascade) warnings.push(cascade.skipped);
  else if (cascade) {
    // A deployment's threshold is a router score; the cascade keeps the default quality-gap target.
    const target: Target = req.target.kind === 'threshold' ? { kind: 'max-quality-gap', value: 0.05 } : req.target;
    strategies.push({ name: CASCADE_NAME, kind: 'cascade', strategy: cascade.strategy, target, strongCostRows: cascade.strongCostRows });
  }

  const swept = strategies.map((s) => sweep(s.strategy, { thresholds: req.thresholds, target: s.target }));
  const results = strategies.map((s, i) =>
    strategyResult(s.name, s.kind === 'router' ? 'strong when score >= threshold' : `escalate to ${pair.strong} when ${pair.weak}'s confidence < threshold`, swept[i]!, s.target),
  );

  if (req.bootstrap.resamples > 0) {
    // Each resample costs O(n) per strategy (~0.2-0.3 µs a row on a 2-core machine): say so before a long wait.
    const work = req.bootstrap.resamples * table.rows.length * strategies.length;
    if (work > 2e7) {
      req.notice?.(`the bootstrap resamples ${table.rows.length} rows ${req.bootstrap.resamples} times for ${strategies.length} strategies, roughly ${Math.round(work * 3e-7)} s at ~0.3 µs a row; --bootstrap 100 (or 0) is faster`);
    }
    const intervals = bootstrap(
      strategies.map((s, i) => ({ scores: s.strategy.scores, outcomes: s.strategy.outcomes, strongCostRows: s.strongCostRows, operatingScore: swept[i]!.operating.score })),
      req.bootstrap,
    );
    intervals.forEach((ci, i) => {
      const r = results[i]!;
      r.summary.ci = { level: req.bootstrap.level, apgr: ci.apgr, cpt50: ci.cpt50 };
      r.operatingPoint.ci = { level: req.bootstrap.level, resamples: req.bootstrap.resamples, seed: req.bootstrap.seed, ...ci.operating };
    });
  }

  const sliced =
    req.by !== undefined && byValues
      ? slices(
          req.by,
          byValues,
          strategies.map((s, i) => ({ name: s.name, scores: s.strategy.scores, outcomes: s.strategy.outcomes, strongCostRows: s.strongCostRows, operatingScore: swept[i]!.operating.score })),
        )
      : null;

  const routers: RouterResult[] = req.routers.map((r, i) => ({ ...results[i]!, path: r.path, hash: r.hash, router: r.body.router }));
  const leftOut = leftOutNote(chosen.rows, pair);
  const notes = [...(leftOut ? [leftOut] : []), ...(req.target.kind === 'threshold' ? [] : [SAME_DATA_NOTE])];
  return {
    warnings,
    detail: {
      table,
      strategies: strategies.map((s, i) => ({ name: s.name, kind: s.kind, scores: s.strategy.scores, operatingScore: swept[i]!.operating.score })),
      sliceValues: byValues,
    },
    body: {
      dataset: { path: req.dataset.source.path, hash: req.dataset.source.hash, rows: table.rows.length, split: chosen.split, note: chosen.note },
      pair,
      costUnit: table.costUnit,
      cost: pairCostBasis(req, table),
      baselines: baselines(table, prepared),
      routers,
      cascade: cascade && !('skipped' in cascade) ? results.at(-1)! : null,
      usage: usageOf(req.dataset, table),
      latencyRecorded: latency !== null,
      bootstrap: req.bootstrap.resamples > 0 ? req.bootstrap : null,
      slices: sliced,
      gate: null,
      notes,
    },
  };
}
