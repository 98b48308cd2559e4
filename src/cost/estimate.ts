import { msg, option, UserError, type Message } from '../errors.js';
import type { Pair } from '../data/pair.js';
import { resolvePrice, sameModel, unresolvedText, type Catalog } from './catalog.js';
import { gapAtShare, type ConfidenceInterval, type ModelUsageView, type OperatingSource } from './operating-source.js';
import {
  breakEven,
  gapWithMonitoring,
  project,
  sensitivityGrid,
  tokenCost,
  type BreakEven,
  type GridCell,
  type Projection,
  type ProjectionInput,
} from './projection.js';
import type { MeasuredTokens } from './query-tokens.js';

// Turns what the user gave (flags, an eval report or deployment, a price catalog, measured token
// counts) into the inputs of the projection, recording where each number came from, then projects.
// Pure: files are read by the caller. An input that is missing raises MissingInput, which names the
// flag; the CLI either asks for it (in a terminal) or prints it and exits 2.

export type Role = 'weak' | 'strong';
export type Volume = { count: number; per: 'day' | 'month' };

export const DEFAULT_MONITORING = 0.05;
export const DEFAULT_GRID_WEAK_SHARES = [0.5, 0.6, 0.7, 0.8, 0.9];
export const DEFAULT_GRID_PRICE_RATIOS = [2, 5, 10, 20, 50];

export interface RoleRequest {
  /** A model id, priced from the catalog unless prices are given too. */
  model?: string;
  /** Blended dollars per million tokens, input and output alike. */
  price?: number;
  inputPrice?: number;
  outputPrice?: number;
  outputTokens?: number;
}

export interface EstimateRequest {
  volume?: Volume;
  days: number;
  weakShare?: number;
  /** An eval report's operating point or a deployment's threshold. */
  source?: OperatingSource;
  weak: RoleRequest;
  strong: RoleRequest;
  /** Input and output tokens together, priced at a blended price. */
  tokens?: number;
  inputTokens?: number;
  /** Output tokens for both models, unless a per-model count is given. */
  outputTokens?: number;
  measured?: MeasuredTokens;
  /** Input tokens counted from the prompts of the eval data (--eval/--deployment), for a report that records none. */
  evalPrompts?: Omit<MeasuredTokens, 'column'>;
  catalog: Catalog;
  /** Default: the deployment's own, else DEFAULT_MONITORING. */
  monitoring?: number;
  cascade: boolean;
  overheadPerQuery: number;
  overheadMs: number;
  fixedMonthly: number;
  gridWeakShares?: number[];
  gridPriceRatios?: number[];
}

/** What is missing, so the interactive path knows what to ask. */
export type Need =
  | { kind: 'volume' }
  | { kind: 'weak-share' }
  | { kind: 'price'; role: Role; model: string | null }
  | { kind: 'tokens' }
  | { kind: 'input-tokens' }
  | { kind: 'output-tokens'; role: Role; model: string | null };

/** An input the estimate cannot do without. A UserError, so without a terminal it is one line and exit 2. */
export class MissingInput extends UserError {
  readonly need: Need;
  constructor(need: Need, message: string | Message) {
    super(message);
    this.name = 'MissingInput';
    this.need = need;
  }
}

export interface PriceUsed {
  inputPerMTok: number;
  outputPerMTok: number;
  source: string;
  asOf: string | null;
  /** The catalog entry used, when the price came from the catalog. */
  catalogId: string | null;
}

export type TokensUsed = { input: number; output: number; inputSource: string; outputSource: string } | { total: number; source: string };

export interface ModelCost {
  model: string | null;
  costPerQuery: number;
  /** How the cost per query was found, in words. */
  source: string;
  /** Null when the eval data's mean cost per query was used as is. */
  price: PriceUsed | null;
  tokens: TokensUsed | null;
}

export interface CarriedQuality {
  from: 'eval-report' | 'deployment';
  name: string;
  router: string;
  /** The artifact's own threshold, or the weak share given with --weak-share read off the eval curve. */
  at: 'threshold' | 'weak-share';
  threshold: number | null;
  /** The router's strong share there, before monitoring. */
  strongShare: number;
  /** (Q_s - Q) / Q_s on the eval data; null when unknown. */
  qualityGap: number | null;
  ci: ConfidenceInterval | null;
  /** Expected gap once monitoring forces a share of queries to strong: (1 - m) x gap. */
  qualityGapWithMonitoring: number | null;
  ciWithMonitoring: [number, number] | null;
  /** Monthly savings at the two ends of the strong-share interval, when the artifact has one. */
  savingsRange: [number, number] | null;
  /** Median and 95th-percentile latency of the routed mix on the eval data (ms, without router overhead). */
  latency: { p50: number; p95: number } | null;
}

export interface Sensitivity {
  weakShares: number[];
  /** Strong cost per query / weak cost per query. */
  priceRatios: number[];
  actual: { weakShare: number; priceRatio: number | null };
  /** One row per weak share, one column per price ratio. */
  cells: GridCell[][];
  /** The eval curve's quality gap at each row's weak share (before monitoring); null without a curve. */
  qualityGap: (number | null)[] | null;
}

export interface EstimateBody {
  inputs: ProjectionInput & {
    volume: Volume;
    daysPerMonth: number;
    fixedMonthly: number;
    overheadMs: number;
    weakShareSource: string;
    monitoringSource: string;
    costSource: string;
    pair: Pair | null;
    models: { weak: ModelCost; strong: ModelCost };
  };
  projection: Projection;
  breakEven: BreakEven;
  /** Carried from eval, so the saving is never quoted without its quality cost. */
  quality: CarriedQuality | null;
  sensitivity: Sensitivity;
}

export interface EstimateOutcome {
  body: EstimateBody;
  warnings: string[];
}

const money = (x: number) => `$${+x.toPrecision(6)}`;

function artifactName(s: OperatingSource): string {
  return `${s.kind === 'eval-report' ? 'eval report' : 'deployment'} ${s.name}`;
}

function checkPair(req: EstimateRequest): void {
  const s = req.source;
  if (!s) return;
  const wanted = { weak: req.weak.model ?? s.pair.weak, strong: req.strong.model ?? s.pair.strong };
  if (!sameModel(wanted.weak, s.pair.weak) || !sameModel(wanted.strong, s.pair.strong)) {
    throw new UserError(`${artifactName(s)} has no pair ${wanted.weak} -> ${wanted.strong} (it evaluated ${s.pair.weak} -> ${s.pair.strong})`, { file: s.file });
  }
}

function usageOf(req: EstimateRequest, role: Role): ModelUsageView | undefined {
  const s = req.source;
  return s ? s.usage[s.pair[role]] : undefined;
}

/** The per-million-token prices of one model: flags, else the catalog, else the eval data's declared price. */
function priceFor(req: EstimateRequest, role: Role, model: string | null): PriceUsed & { blended: boolean } {
  const r = req[role];
  let base: (Partial<PriceUsed> & { source: string; blended: boolean }) | undefined;
  if (r.price !== undefined) {
    base = { inputPerMTok: r.price, outputPerMTok: r.price, source: `--${role}-price (blended)`, asOf: null, catalogId: null, blended: true };
  } else if (model !== null) {
    const resolved = resolvePrice(req.catalog, model);
    const found = resolved.id !== undefined ? resolved : undefined;
    const declared = usageOf(req, role)?.price;
    if (found) {
      base = {
        inputPerMTok: found.entry.inputPerMTok,
        outputPerMTok: found.entry.outputPerMTok,
        source: `price catalog ${found.id}${found.entry.source ? ` (${found.entry.source})` : ''}`,
        asOf: found.entry.asOf ?? null,
        catalogId: found.id,
        blended: false,
      };
    } else if (r.model === undefined && declared?.inputPerMTok !== undefined && declared.outputPerMTok !== undefined) {
      base = { inputPerMTok: declared.inputPerMTok, outputPerMTok: declared.outputPerMTok, source: `price declared in the eval data`, asOf: null, catalogId: null, blended: false };
    } else if (r.model !== undefined && (r.inputPrice === undefined || r.outputPrice === undefined)) {
      throw new UserError(
        msg`unknown model "${r.model}" for ${option(`${role}Model`)}: no price in the catalog (${unresolvedText(resolved as Exclude<typeof resolved, { id: string }>)}); add it with ${option('prices')} FILE or give ${option(`${role}InputPrice`)} and ${option(`${role}OutputPrice`)}`,
      );
    }
  }
  const inputPerMTok = r.inputPrice ?? base?.inputPerMTok;
  const outputPerMTok = r.outputPrice ?? base?.outputPerMTok;
  if (inputPerMTok === undefined || outputPerMTok === undefined) {
    const need: Need = { kind: 'price', role, model };
    if (r.inputPrice !== undefined) throw new MissingInput(need, msg`missing ${option(`${role}OutputPrice`)}: the ${role} model's output price in dollars per million tokens`);
    if (r.outputPrice !== undefined) throw new MissingInput(need, msg`missing ${option(`${role}InputPrice`)}: the ${role} model's input price in dollars per million tokens`);
    if (model !== null) {
      throw new MissingInput(need, msg`no price for the ${role} model ${model} (not in the price catalog): pass ${option(`${role}InputPrice`)} and ${option(`${role}OutputPrice`)}, or add it with ${option('prices')} FILE`);
    }
    throw new MissingInput(need, msg`missing the ${role} model's price: pass ${option(`${role}Model`)} MODEL (priced from the catalog) or ${option(`${role}Price`)} USD_PER_MTOK`);
  }
  const overridden = r.inputPrice !== undefined || r.outputPrice !== undefined;
  return {
    inputPerMTok,
    outputPerMTok,
    source: overridden ? `--${role}-input-price/--${role}-output-price${base ? ` over ${base.source}` : ''}` : base!.source,
    asOf: overridden ? null : (base?.asOf ?? null),
    catalogId: overridden ? null : (base?.catalogId ?? null),
    blended: !overridden && base!.blended,
  };
}

function tokensFor(req: EstimateRequest, role: Role, model: string | null, price: PriceUsed & { blended: boolean }): TokensUsed {
  const r = req[role];
  const usage = usageOf(req, role);
  const fromEval = req.source ? `mean on the eval data (${artifactName(req.source)})` : '';
  if (req.tokens !== undefined) {
    if (price.inputPerMTok !== price.outputPerMTok) {
      throw new UserError(
        msg`${option('tokens')} counts input and output tokens together at one blended price, but the ${role} model${model ? ` ${model}` : ''} costs $${price.inputPerMTok}/M in and $${price.outputPerMTok}/M out: pass ${option('inputTokens')} and ${option('outputTokens')} instead`,
      );
    }
    return { total: req.tokens, source: '--tokens' };
  }
  const measured = req.measured?.[role];
  const input: [number, string] | undefined =
    req.inputTokens !== undefined
      ? [req.inputTokens, '--input-tokens']
      : measured && req.measured
        ? [measured.meanInputTokens, `mean of ${req.measured.queries} queries in ${req.measured.file} (${measured.encoding}${measured.exact ? '' : ', approximate for this model'})`]
        : usage?.meanInputTokens != null
          ? [usage.meanInputTokens, fromEval]
          : req.evalPrompts
            ? [req.evalPrompts[role].meanInputTokens, `mean of the ${req.evalPrompts.queries} prompts of the eval data ${req.evalPrompts.file} (${req.evalPrompts[role].encoding}${req.evalPrompts[role].exact ? '' : ', approximate for this model'})`]
            : undefined;
  const output: [number, string] | undefined =
    r.outputTokens !== undefined
      ? [r.outputTokens, `--${role}-output-tokens`]
      : req.outputTokens !== undefined
        ? [req.outputTokens, '--output-tokens']
        : usage?.meanOutputTokens != null
          ? [usage.meanOutputTokens, fromEval]
          : undefined;
  if (input === undefined && output === undefined && price.blended) {
    throw new MissingInput({ kind: 'tokens' }, msg`missing the tokens per query: ${option(`${role}Price`)} is a blended price, so pass ${option('tokens')} N (or ${option('inputTokens')} and ${option('outputTokens')})`);
  }
  if (input === undefined) {
    throw new MissingInput({ kind: 'input-tokens' }, msg`missing the input tokens per query: pass ${option('inputTokens')} N, or ${option('queries')} FILE.csv to measure them`);
  }
  if (output === undefined) {
    throw new MissingInput(
      { kind: 'output-tokens', role, model },
      msg`missing the output tokens per query of the ${role} model${model ? ` ${model}` : ''}: pass ${option('outputTokens')} N (or ${option(`${role}OutputTokens`)} N)`,
    );
  }
  return { input: input[0], output: output[0], inputSource: input[1], outputSource: output[1] };
}

function describeCost(price: PriceUsed, tokens: TokensUsed): string {
  if ('total' in tokens) return `${+tokens.total.toFixed(1)} tokens at ${money(price.inputPerMTok)}/M (${tokens.source}; ${price.source})`;
  const inSame = tokens.inputSource === tokens.outputSource;
  const where = inSame ? tokens.inputSource : `input: ${tokens.inputSource}; output: ${tokens.outputSource}`;
  return `${+tokens.input.toFixed(1)} in x ${money(price.inputPerMTok)}/M + ${+tokens.output.toFixed(1)} out x ${money(price.outputPerMTok)}/M (${where}; ${price.source}${price.asOf ? `, as of ${price.asOf}` : ''})`;
}

function hasTokenFlags(req: EstimateRequest, role: Role): boolean {
  return req.tokens !== undefined || req.inputTokens !== undefined || req.outputTokens !== undefined || req[role].outputTokens !== undefined || req.measured !== undefined;
}

function hasPriceFlags(r: RoleRequest): boolean {
  return r.model !== undefined || r.price !== undefined || r.inputPrice !== undefined || r.outputPrice !== undefined;
}

/** The eval data's mean dollar cost per query, used as is when nothing overrides it. */
function costOnEvalData(req: EstimateRequest, role: Role, model: string | null): ModelCost | undefined {
  const usage = usageOf(req, role);
  if (!req.source || req.source.costUnit !== 'usd' || usage?.meanCost == null) return undefined;
  if (hasPriceFlags(req[role]) || hasTokenFlags(req, role)) return undefined;
  return { model, costPerQuery: usage.meanCost, source: `mean cost per query on the eval data (${artifactName(req.source)}${req.source.costBasis ? `; ${req.source.costBasis}` : ''})`, price: null, tokens: null };
}

function uniqueSorted(xs: number[]): number[] {
  const out: number[] = [];
  for (const x of [...xs].sort((a, b) => a - b)) if (out.length === 0 || Math.abs(out.at(-1)! - x) > 1e-9) out.push(x);
  return out;
}

export function estimate(req: EstimateRequest): EstimateOutcome {
  const warnings: string[] = [];
  if (req.volume === undefined) {
    throw new MissingInput({ kind: 'volume' }, msg`missing ${option('volume')}: the query volume, e.g. ${option('volume')} 50k/day or ${option('volume')} 30M/month`);
  }
  if (req.tokens !== undefined && (req.inputTokens !== undefined || req.outputTokens !== undefined || req.weak.outputTokens !== undefined || req.strong.outputTokens !== undefined || req.measured)) {
    throw new UserError(msg`${option('tokens')} counts input and output together; give either ${option('tokens')} or ${option('inputTokens')}/${option('outputTokens')}/${option('queries')}, not both`);
  }
  checkPair(req);
  const src = req.source;

  let weakShare: number;
  let weakShareSource: string;
  if (req.weakShare !== undefined) {
    weakShare = req.weakShare;
    weakShareSource = '--weak-share';
  } else if (src) {
    weakShare = 1 - src.strongShare;
    weakShareSource = `${src.threshold === null ? 'all-weak point' : `threshold ${+src.threshold.toFixed(4)}`} of router ${src.router} in ${artifactName(src)}`;
  } else {
    throw new MissingInput({ kind: 'weak-share' }, msg`missing the weak share: pass ${option('weakShare')} SHARE, ${option('eval')} REPORT or ${option('deployment')} NAME`);
  }

  const model = { weak: req.weak.model ?? src?.pair.weak ?? null, strong: req.strong.model ?? src?.pair.strong ?? null };
  const evalCost = { weak: costOnEvalData(req, 'weak', model.weak), strong: costOnEvalData(req, 'strong', model.strong) };
  // Prices of both models before any token count, so the first question asked is about models.
  const price = {
    weak: evalCost.weak ? null : priceFor(req, 'weak', model.weak),
    strong: evalCost.strong ? null : priceFor(req, 'strong', model.strong),
  };
  const costOf = (role: Role): ModelCost => {
    const m = evalCost[role];
    if (m) return m;
    const p = price[role]!;
    const t = tokensFor(req, role, model[role], p);
    const cost = 'total' in t ? tokenCost(t.total, 0, p.inputPerMTok, 0) : tokenCost(t.input, t.output, p.inputPerMTok, p.outputPerMTok);
    const { blended: _blended, ...used } = p;
    return { model: model[role], costPerQuery: cost, source: describeCost(used, t), price: used, tokens: t };
  };
  const weak = costOf('weak');
  const strong = costOf('strong');
  if (weak.costPerQuery > strong.costPerQuery) {
    warnings.push(`the weak model costs more per query than the strong one (${money(weak.costPerQuery)} > ${money(strong.costPerQuery)}): routing cannot save`);
  }

  let monitoring: number;
  let monitoringSource: string;
  if (req.monitoring !== undefined) [monitoring, monitoringSource] = [req.monitoring, '--monitoring'];
  else if (src?.monitoring != null) [monitoring, monitoringSource] = [src.monitoring, artifactName(src)];
  else [monitoring, monitoringSource] = [DEFAULT_MONITORING, 'default'];

  const cascade = req.cascade || (src?.cascade ?? false);
  if (src?.cascade && !req.cascade) warnings.push(`${artifactName(src)}: the cascade runs the weak model on every query, so it is costed as a cascade`);

  const queriesPerMonth = req.volume.per === 'day' ? req.volume.count * req.days : req.volume.count;
  const input: ProjectionInput & { fixedMonthly: number } = {
    queriesPerMonth,
    weakCostPerQuery: weak.costPerQuery,
    strongCostPerQuery: strong.costPerQuery,
    weakShare,
    monitoring,
    cascade,
    overheadPerQuery: req.overheadPerQuery,
    fixedMonthly: req.fixedMonthly,
  };
  const projection = project(input);

  let quality: CarriedQuality | null = null;
  if (src) {
    const at = req.weakShare === undefined ? 'threshold' : 'weak-share';
    const strongShare = 1 - weakShare;
    let gap: number | null = src.qualityGap;
    if (at === 'weak-share') {
      gap = src.curve ? gapAtShare(src.curve, strongShare) : null;
      warnings.push(
        src.curve
          ? `--weak-share overrides the operating point of ${artifactName(src)}: its quality gap is read off the eval curve at that share, without a confidence interval`
          : `--weak-share overrides the threshold of ${artifactName(src)}: its quality gap does not apply and is not reported`,
      );
    }
    const ci = at === 'threshold' ? src.ci : null;
    const shareCi = ci?.strongShare;
    const savingsAt = (s: number) => project({ ...input, weakShare: 1 - s }).savings;
    quality = {
      from: src.kind,
      name: src.name,
      router: src.router,
      at,
      threshold: at === 'threshold' ? src.threshold : null,
      strongShare,
      qualityGap: gap,
      ci,
      qualityGapWithMonitoring: gap === null ? null : gapWithMonitoring(gap, monitoring),
      ciWithMonitoring: ci?.qualityGap ? [gapWithMonitoring(ci.qualityGap[0], monitoring), gapWithMonitoring(ci.qualityGap[1], monitoring)] : null,
      savingsRange: shareCi ? [Math.min(savingsAt(shareCi[0]), savingsAt(shareCi[1])), Math.max(savingsAt(shareCi[0]), savingsAt(shareCi[1]))] : null,
      latency: at === 'threshold' ? src.latency : null,
    };
  }

  const actualRatio = weak.costPerQuery > 0 ? strong.costPerQuery / weak.costPerQuery : null;
  const weakShares = uniqueSorted([...(req.gridWeakShares ?? DEFAULT_GRID_WEAK_SHARES), weakShare]);
  const priceRatios = uniqueSorted([...(req.gridPriceRatios ?? DEFAULT_GRID_PRICE_RATIOS), ...(actualRatio !== null && actualRatio > 0 ? [actualRatio] : [])]);
  const curve = src?.curve;
  const sensitivity: Sensitivity = {
    weakShares,
    priceRatios,
    actual: { weakShare, priceRatio: actualRatio },
    cells: sensitivityGrid(input, weakShares, priceRatios),
    // This estimate's own row takes the artifact's exact gap; the others are read off the 1% curve.
    qualityGap: curve
      ? weakShares.map((w) => (quality?.at === 'threshold' && Math.abs(w - weakShare) < 1e-9 ? quality.qualityGap : gapAtShare(curve, 1 - w)))
      : null,
  };

  return {
    warnings,
    body: {
      inputs: {
        ...input,
        volume: req.volume,
        daysPerMonth: req.days,
        overheadMs: req.overheadMs,
        weakShareSource,
        monitoringSource,
        costSource: weak.source === strong.source ? weak.source : `weak: ${weak.source}; strong: ${strong.source}`,
        pair: model.weak !== null && model.strong !== null ? { weak: model.weak, strong: model.strong } : null,
        models: { weak, strong },
      },
      projection,
      breakEven: breakEven(input, req.days),
      quality,
      sensitivity,
    },
  };
}
