import { UserError } from '../errors.js';
import { costBasis, type CostBasis, type CostProvenance } from '../cost/cost-basis.js';
import type { Dataset } from '../data/dataset.js';
import { modelTable, type ModelTable } from '../data/model-table.js';
import { choicesAt, realizedAt, trafficShares } from '../metrics/multi/choice.js';
import type { MultiOutcomes, MultiPredictions } from '../metrics/multi/inputs.js';
import { pickMultiPoint, type MultiTarget } from '../metrics/multi/operating-point.js';
import { bestSingle, modelPoints, oraclePoint, type ModelPoints } from '../metrics/multi/single-models.js';
import { defaultRange, routerHull, summarizeMulti, type MultiSummary } from '../metrics/multi/summary.js';
import { finiteRuleValue, lambdaSweep, tauSweep, type MultiCurve } from '../metrics/multi/sweep.js';
import type { RuleKind } from '../metrics/multi/choice.js';
import type { LoadedMultiRouter } from '../routers/load.js';
import type { DecisionRule } from '../routers/multi-router.js';
import { outcomeMatrix, predictionMatrix } from '../routers/multi-train.js';
import { multiBootstrap } from './multi-bootstrap.js';
import type { Interval } from './bootstrap.js';
import type { GateReport } from './gate.js';
import type { MultiDeploymentBody } from '../routers/multi-deployment.js';
import { chooseRows } from './evaluate.js';
import { sliceValues } from './slices.js';

// Evaluating routers over N models on labelled rows (issue 13, point 5): the exact lambda sweep of
// each router, beside every single model as a point, the zero router (their hull: a random mix of
// two models, which needs no router), the best single model and the oracle; AIQ on one common
// cost range and its gain over the zero router, the quality at the best single model's cost, the
// cost to reach 95/99/100% of its quality, and the traffic share of each model at the operating point.

export type MultiEvalTarget = MultiTarget | { kind: 'rule'; rule: DecisionRule };

export interface MultiEvalRequest {
  dataset: Dataset;
  routers: LoadedMultiRouter[];
  split: 'auto' | 'holdout' | 'all';
  /** The operating point: a budget, a gap to the reference, a quality floor, or a router's own rule (default). */
  target: MultiEvalTarget | null;
  unitCosts?: Record<string, number>;
  /** The pricing applied to the dataset (priceDataset), for the report's cost basis. */
  provenance?: CostProvenance;
  bootstrap: { resamples: number; seed: number; level: number };
  by?: string;
  /** Which rule's sweep to read and pick the operating point on (default lambda). */
  rule?: RuleKind;
}

export interface MultiRouterResult {
  name: string;
  path: string;
  hash: string;
  router: string;
  summary: Omit<MultiSummary, 'range' | 'best' | 'zeroRouterAiq'>;
  operatingPoint: {
    criterion: MultiEvalTarget['kind'];
    target: number | null;
    rule: DecisionRule;
    cost: number;
    quality: number;
    /** (Q_ref - Q) / Q_ref against the reference model on these rows. */
    qualityGap: number | null;
    /** C_ref / C. */
    costReduction: number | null;
    /** Each model's share of the queries, in the models' order. */
    shares: number[];
    /** Each model's part of `cost`: dollars per query spent on it (they sum to `cost`). */
    spend: number[];
  };
  ci: { level: number; aiq: Interval | null; aiqGain: Interval | null; quality: Interval; cost: Interval; qualityGap: Interval | null; costReduction: Interval | null } | null;
  /** The curve's non-decreasing hull, the points a chart draws (the full sweep can have a point per query). */
  hull: { cost: number[]; quality: number[] };
}

export interface MultiSlice {
  value: string;
  rows: number;
  zeroRouterAiq: number | null;
  routers: { name: string; aiq: number | null; aiqGain: number | null; quality: number; cost: number }[];
}

export interface MultiEvalReportBody {
  kind: 'multi';
  models: string[];
  reference: string;
  costUnit: 'usd';
  rows: number;
  split: 'holdout' | 'all';
  splitNote: string | null;
  costBasis: Record<string, string>;
  /** Where the dollars come from, as one line; absent in reports written before it was recorded. */
  cost?: CostBasis;
  singles: { model: string; cost: number; quality: number }[];
  best: string;
  oracle: { cost: number; quality: number };
  zeroRouter: { aiq: number | null; ci: Interval | null };
  range: { from: number; to: number };
  routers: MultiRouterResult[];
  slices?: { by: string; values: MultiSlice[] };
  /** The deployment measured (`eval --deployment`), with what its eval expected. */
  deployment?: { path: string; hash: string; expected: MultiDeploymentBody['expected'] };
  gate?: GateReport;
}

export interface MultiEvalOutcome {
  body: MultiEvalReportBody;
  warnings: string[];
  /** Per test row: its id and query, and each router's chosen model index there; for the per-query CSV. */
  detail: { ids: string[]; queries: string[]; choices: Int32Array[]; outcomes: MultiOutcomes };
}

function sameModels(routers: LoadedMultiRouter[]): string[] {
  const first = routers[0]!;
  for (const r of routers.slice(1)) {
    if (r.body.models.join('\0') !== first.body.models.join('\0')) {
      throw new UserError(`routers ${first.name} and ${r.name} route over different models (${first.body.models.join(', ')} / ${r.body.models.join(', ')}); evaluate them separately`);
    }
  }
  return first.body.models;
}

function operatingRule(target: MultiEvalTarget | null, own: DecisionRule, curve: MultiCurve, points: ModelPoints): { rule: DecisionRule; target: number | null; criterion: MultiEvalTarget['kind'] } {
  if (target === null) return { rule: own, target: null, criterion: 'rule' };
  if (target.kind === 'rule') return { rule: target.rule, target: null, criterion: 'rule' };
  const point = pickMultiPoint(curve, target, points);
  return { rule: { kind: curve.rule, value: finiteRuleValue(curve, point.index) }, target: target.value, criterion: target.kind };
}

function summaryOf(predictions: MultiPredictions, outcomes: MultiOutcomes, points: ModelPoints, rule: RuleKind): { curve: MultiCurve; summary: MultiSummary } {
  const curve = rule === 'tau' ? tauSweep(predictions, outcomes) : lambdaSweep(predictions, outcomes);
  return { curve, summary: summarizeMulti(curve, points) };
}

function slicesOf(keys: string[], table: ModelTable, predictions: MultiPredictions[], rules: DecisionRule[], routers: LoadedMultiRouter[]): MultiSlice[] {
  const groups = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  return [...groups.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([value, ids]) => {
      const outcomes = outcomeMatrix(table, ids);
      const points = modelPoints(outcomes);
      const zero = summarizeMulti(points, points, { reach: [] });
      return {
        value,
        rows: ids.length,
        zeroRouterAiq: zero.aiq,
        routers: routers.map((r, k) => {
          const p = predictions[k]!;
          const sub: MultiPredictions = { models: p.models, qHat: pick(p.qHat, ids, p.models), cHat: pick(p.cHat, ids, p.models) };
          const { summary } = summaryOf(sub, outcomes, points, rules[k]!.kind);
          const at = realizedAt(outcomes, choicesAt(sub, rules[k]!.kind, rules[k]!.value));
          return { name: r.name, aiq: summary.aiq, aiqGain: summary.aiqGain, quality: at.quality, cost: at.cost };
        }),
      };
    });
}

/** Mean dollars per query spent on each model at these choices: where the cost goes, exactly (the queries a model gets are not average ones). */
function spendOf(outcomes: MultiOutcomes, choices: Int32Array): number[] {
  const M = outcomes.models;
  const spend = new Array<number>(M).fill(0);
  for (let i = 0; i < choices.length; i++) spend[choices[i]!]! += outcomes.c[i * M + choices[i]!]!;
  return spend.map((x) => x / choices.length);
}

function pick(matrix: Float64Array, ids: number[], models: number): Float64Array {
  const out = new Float64Array(ids.length * models);
  ids.forEach((r, i) => out.set(matrix.subarray(r * models, (r + 1) * models), i * models));
  return out;
}

export async function evaluateMulti(req: MultiEvalRequest): Promise<MultiEvalOutcome> {
  const warnings: string[] = [];
  const models = sameModels(req.routers);
  const reference = req.routers[0]!.body.reference;
  const chosen = chooseRows({ dataset: req.dataset, routers: req.routers, split: req.split }, warnings);
  const table = modelTable(req.dataset, { models, reference }, chosen.rows, req.unitCosts);
  const file = req.dataset.source.path;
  if (table.rows.length < 2) throw new UserError(`only ${table.rows.length} test row with outcomes for every model; need at least 2`, { file });
  if (table.leftOut) warnings.push(`${table.leftOut.toLocaleString('en-US')} test rows left out: no outcome for every model`);
  // Checked before any prediction: the same values, limits and messages as a pair's slices.
  const sliceKeys = req.by ? sliceValues(table.rows, req.by) : null;
  const outcomes = outcomeMatrix(table);
  const points = modelPoints(outcomes);
  const ref = models.indexOf(reference);
  const queries = table.rows.map((r) => r.query);

  const predictions: MultiPredictions[] = [];
  const allChoices: Int32Array[] = [];
  const rules: DecisionRule[] = [];
  const results: MultiRouterResult[] = [];
  for (const r of req.routers) {
    const predicted = await r.router.predict(queries);
    const p = predictionMatrix(predicted.quality, predicted.cost);
    // The sweep of the rule asked for (a deployment's own, or `rule`), so its figures and operating point agree.
    const kind: RuleKind = req.target?.kind === 'rule' ? req.target.rule.kind : (req.rule ?? 'lambda');
    const { curve, summary } = summaryOf(p, outcomes, points, kind);
    const target = req.target?.kind === 'max-quality-gap' && req.target.reference === undefined ? { ...req.target, reference: ref } : req.target;
    const op = operatingRule(target, r.body.rule, curve, points);
    const choices = choicesAt(p, op.rule.kind, op.rule.value);
    allChoices.push(choices);
    const at = realizedAt(outcomes, choices);
    const refQ = points.quality[ref]!;
    const refC = points.cost[ref]!;
    const hull = routerHull(curve, points);
    predictions.push(p);
    rules.push(op.rule);
    const { range: _range, best: _best, zeroRouterAiq: _zero, ...rest } = summary;
    results.push({
      name: r.name,
      path: r.path,
      hash: r.hash,
      router: r.body.router,
      summary: rest,
      operatingPoint: {
        criterion: op.criterion,
        target: op.target,
        rule: op.rule,
        cost: at.cost,
        quality: at.quality,
        qualityGap: refQ > 0 ? (refQ - at.quality) / refQ : null,
        costReduction: at.cost > 0 ? refC / at.cost : null,
        shares: Array.from(trafficShares(choices, models.length)),
        spend: spendOf(outcomes, choices),
      },
      ci: null,
      hull: { cost: Array.from(hull.cost), quality: Array.from(hull.quality) },
    });
  }

  let zeroCi: Interval | null = null;
  if (req.bootstrap.resamples > 0) {
    const boot = multiBootstrap(
      outcomes,
      predictions.map((p, k) => ({ predictions: p, rule: rules[k]!.kind, operatingValue: rules[k]!.value })),
      { resamples: req.bootstrap.resamples, seed: req.bootstrap.seed, level: req.bootstrap.level, reference: ref },
    );
    zeroCi = boot.zeroRouterAiq;
    boot.routers.forEach((b, k) => {
      results[k]!.ci = { level: req.bootstrap.level, aiq: b.aiq, aiqGain: b.aiqGain, ...b.operating };
    });
  }

  const zero = summarizeMulti(points, points, { reach: [] });
  const range = defaultRange(points);
  const body: MultiEvalReportBody = {
    kind: 'multi',
    models,
    reference,
    costUnit: 'usd',
    rows: table.rows.length,
    split: chosen.split,
    splitNote: chosen.note,
    costBasis: table.costBasis,
    cost: costBasis(models, table.costBasis, req.provenance, req.dataset),
    singles: models.map((m, j) => ({ model: m, cost: points.cost[j]!, quality: points.quality[j]! })),
    best: models[bestSingle(points)]!,
    oracle: oraclePoint(outcomes),
    zeroRouter: { aiq: zero.aiq, ci: zeroCi },
    range,
    routers: results,
    ...(req.by && sliceKeys ? { slices: { by: req.by, values: slicesOf(sliceKeys, table, predictions, rules, req.routers) } } : {}),
  };
  return { body, warnings, detail: { ids: table.rows.map((r) => r.id), queries, choices: allChoices, outcomes } };
}
