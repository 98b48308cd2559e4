import { UserError } from '../errors.js';

// The monthly bill of routing over N models (issue 13, point 7): the traffic mix of an operating
// point (an eval report's router, or a deployment) priced by each model's mean cost per query on
// the eval data, against sending everything to the reference model; with its sensitivity to the
// operating point (other points of the router's hull: other lambdas or budgets) and to prices.

export interface MultiEstimateRequest {
  models: string[];
  reference: string;
  /** The router's share of queries per model at the operating point, before monitoring. */
  shares: number[];
  /** Dollars per query spent on each model at the operating point, on the eval data (they sum to its cost per query). */
  spend: number[];
  /** The reference model's mean cost per query on the eval data: always-reference, and the monitoring sample. */
  referenceCost: number;
  /** Mean quality at the operating point, and its gap to the reference, from the eval. */
  quality: number;
  qualityGap: number | null;
  /** Share of queries sent to the reference whatever the router says. */
  monitoring: number;
  queriesPerMonth: number;
  overheadPerQuery: number;
  fixedMonthly: number;
  /** All prices scaled by these factors. */
  priceRatios: number[];
  /** The router's hull from its eval (cost per query, quality): other operating points to cost. */
  hull?: { cost: number[]; quality: number[] };
  source: { kind: 'eval-report' | 'deployment'; name: string; router: string };
}

export interface MultiEstimateBody {
  kind: 'multi';
  inputs: Omit<MultiEstimateRequest, 'hull' | 'priceRatios'>;
  projection: {
    /** Effective share per model, monitoring included. */
    shares: number[];
    monthly: number;
    alwaysReference: number;
    savings: number;
    /** savings / alwaysReference. */
    savingsShare: number | null;
    perModel: { model: string; share: number; monthly: number }[];
  };
  sensitivity: {
    priceRatios: { ratio: number; monthly: number; savings: number }[];
    /** Each model's price doubled alone, the mix unchanged. */
    modelPriceDoubled: { model: string; monthly: number; savings: number }[];
    /** Other operating points of the router's hull: cost per query, quality, bill. */
    operatingPoints: { costPerQuery: number; quality: number; monthly: number; savings: number }[];
  };
}

/** The router's mix with the monitoring sample moved to the reference. */
export function effectiveShares(shares: number[], reference: number, monitoring: number): number[] {
  return shares.map((s, m) => (1 - monitoring) * s + (m === reference ? monitoring : 0));
}

/** Dollars a month per model, prices scaled per model by `ratio(m)`: the router's spend on its share, and the monitoring sample on the reference. */
function monthlyByModel(req: MultiEstimateRequest, ref: number, ratio: (m: number) => number): number[] {
  return req.spend.map((sp, m) => req.queriesPerMonth * ratio(m) * ((1 - req.monitoring) * sp + (m === ref ? req.monitoring * req.referenceCost : 0)));
}

function total(req: MultiEstimateRequest, byModel: number[]): number {
  return byModel.reduce((a, b) => a + b, 0) + req.queriesPerMonth * req.overheadPerQuery + req.fixedMonthly;
}

export function estimateMulti(req: MultiEstimateRequest): MultiEstimateBody {
  const ref = req.models.indexOf(req.reference);
  if (ref < 0) throw new UserError(`the reference model ${req.reference} is not one of ${req.models.join(', ')}`);
  if (req.shares.length !== req.models.length || req.spend.length !== req.models.length) throw new RangeError('one share and one spend per model');
  const shares = effectiveShares(req.shares, ref, req.monitoring);
  const byModel = monthlyByModel(req, ref, () => 1);
  const monthly = total(req, byModel);
  const alwaysReference = req.queriesPerMonth * req.referenceCost;
  const operatingPoints = (req.hull?.cost ?? []).map((c, k) => {
    // A hull point's cost already holds the router's mix; monitoring moves its share to the reference.
    const m = req.queriesPerMonth * ((1 - req.monitoring) * c + req.monitoring * req.referenceCost + req.overheadPerQuery) + req.fixedMonthly;
    return { costPerQuery: c, quality: req.hull!.quality[k]!, monthly: m, savings: alwaysReference - m };
  });
  const { hull: _hull, priceRatios, ...inputs } = req;
  return {
    kind: 'multi',
    inputs,
    projection: {
      shares,
      monthly,
      alwaysReference,
      savings: alwaysReference - monthly,
      savingsShare: alwaysReference > 0 ? (alwaysReference - monthly) / alwaysReference : null,
      perModel: req.models.map((model, m) => ({ model, share: shares[m]!, monthly: byModel[m]! })),
    },
    sensitivity: {
      priceRatios: priceRatios.map((ratio) => {
        const m = total(req, monthlyByModel(req, ref, () => ratio));
        return { ratio, monthly: m, savings: ratio * alwaysReference - m };
      }),
      modelPriceDoubled: req.models.map((model, j) => {
        const m = total(req, monthlyByModel(req, ref, (k) => (k === j ? 2 : 1)));
        return { model, monthly: m, savings: (j === ref ? 2 : 1) * alwaysReference - m };
      }),
      operatingPoints,
    },
  };
}
