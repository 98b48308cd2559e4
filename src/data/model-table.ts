import { msg, option, UserError } from '../errors.js';
import type { Dataset, DatasetRow } from './dataset.js';
import { callCost } from './pair.js';
import { costKindOf, type CostKind } from '../cost/cost-basis.js';

// The N-model counterpart of pairTable: the chosen models' quality and dollar cost on every row
// that has outcomes for all of them, as per-model columns, and where each model's cost came from.


export interface ModelTable {
  models: string[];
  /** The model quality gaps are measured against and monitoring traffic goes to. */
  reference: string;
  rows: DatasetRow[];
  /** quality[m][i]: model m's quality on row i, in [0,1]. */
  quality: Float64Array[];
  /** cost[m][i]: dollars of model m's call on row i. */
  cost: Float64Array[];
  /** How each model's cost was found (the first row's basis; rows of one model share it in practice). */
  costBasis: Record<string, CostKind>;
  /** Rows left out because a model has no outcome there, counted, for the command to print. */
  leftOut: number;
}

export interface ModelChoice {
  models: string[];
  reference: string;
  /** Why the reference is this model: `--reference`, or the best mean quality. */
  referenceChosenBy: 'option' | 'best mean quality';
}

function meanQuality(rows: DatasetRow[], id: string): number {
  let s = 0;
  let n = 0;
  for (const r of rows) {
    const o = r.models[id];
    if (o) {
      s += o.quality;
      n++;
    }
  }
  return n ? s / n : Number.NEGATIVE_INFINITY;
}

/** The models to route over (default: every model of the dataset) and the reference (default: the best mean quality, ties to the first). */
export function chooseModels(dataset: Dataset, wanted?: { models?: string[]; reference?: string }): ModelChoice {
  const ids = dataset.models.map((m) => m.id);
  const file = dataset.source.path;
  const models = wanted?.models?.length ? wanted.models : ids;
  for (const m of models) {
    if (!ids.includes(m)) throw new UserError(msg`unknown model "${m}" for ${option('models')}; the dataset has: ${ids.join(', ')}`, { file });
  }
  if (new Set(models).size !== models.length) throw new UserError(msg`${option('models')} names a model twice`, { file });
  if (models.length < 2) throw new UserError(msg`${option('models')}: a router needs at least two models, got ${models.length}`, { file });
  if (wanted?.reference !== undefined) {
    if (!models.includes(wanted.reference)) throw new UserError(msg`${option('reference')} "${wanted.reference}" is not one of the models routed over (${models.join(', ')})`, { file });
    return { models, reference: wanted.reference, referenceChosenBy: 'option' };
  }
  let best = models[0]!;
  for (const m of models) if (meanQuality(dataset.rows, m) > meanQuality(dataset.rows, best)) best = m;
  return { models, reference: best, referenceChosenBy: 'best mean quality' };
}

/** `unitCosts`: dollars per call of a model whose rows carry no cost (`--unit-cost`), used only where the data has none. */
export function modelTable(dataset: Dataset, choice: Pick<ModelChoice, 'models' | 'reference'>, rows: DatasetRow[] = dataset.rows, unitCosts: Record<string, number> = {}): ModelTable {
  const { models } = choice;
  const file = dataset.source.path;
  const kept = rows.filter((r) => models.every((m) => r.models[m]));
  if (kept.length === 0) throw new UserError(`no row has outcomes for all of ${models.join(', ')}`, { file });
  const info = new Map(dataset.models.map((m) => [m.id, m]));
  const quality = models.map(() => new Float64Array(kept.length));
  const cost = models.map(() => new Float64Array(kept.length));
  const costBasis: Record<string, CostKind> = {};
  for (const m of Object.keys(unitCosts)) {
    if (!models.includes(m)) throw new UserError(msg`${option('unitCost')}: "${m}" is not one of the models routed over (${models.join(', ')})`, { file });
  }
  models.forEach((m, j) => {
    const price = info.get(m);
    const unit = unitCosts[m];
    let usedUnit = false;
    let unpriced = 0;
    kept.forEach((r, i) => {
      const o = r.models[m]!;
      quality[j]![i] = o.quality;
      const c = callCost(o, price) ?? unit;
      if (c === undefined) unpriced++;
      else cost[j]![i] = c;
      if (c === unit && callCost(o, price) === undefined) usedUnit = true;
    });
    if (unpriced > 0) {
      throw new UserError(
        msg`no dollar cost for ${m} on ${unpriced.toLocaleString('en-US')} of ${kept.length.toLocaleString('en-US')} rows: routing over several models weighs quality against cost, so every call needs one (a recorded cost, tokens with a price, or ${option('unitCost')} ${m}=USD)`,
        { file },
      );
    }
    costBasis[m] = usedUnit ? 'unit cost' : costKindOf(kept[0]!.models[m]!, price)!;
  });
  return { models, reference: choice.reference, rows: kept, quality, cost, costBasis, leftOut: rows.length - kept.length };
}
