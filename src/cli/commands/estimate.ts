import { extname } from 'node:path';
import { z } from 'zod';
import { readJsonArtifact, resolveArtifact, writeJsonArtifact } from '../../artifacts/store.js';
import { WriteSet } from '../../artifacts/atomic-write.js';
import type { Envelope, LineageRef } from '../../artifacts/envelope.js';
import { loadCatalog } from '../../cost/catalog.js';
import { estimate as estimateCore, MissingInput, type EstimateBody, type EstimateRequest, type Volume } from '../../cost/estimate.js';
import { fromDeployment, fromEvalReport, type OperatingSource } from '../../cost/operating-source.js';
import { readDataset } from '../../data/read-dataset.js';
import { estimateMulti, type MultiEstimateBody, type MultiEstimateRequest } from '../../cost/estimate-multi.js';
import type { MultiEvalReportBody } from '../../eval/evaluate-multi.js';
import type { MultiDeploymentBody } from '../../routers/multi-deployment.js';
import { renderEstimateMultiText } from '../../ui/render-estimate-multi.js';
import type { MeasuredTokens } from '../../cost/query-tokens.js';
import { msg, option, UserError } from '../../errors.js';
import { readTextFile } from '../../text-file.js';
import { renderEstimate as renderEstimateText, renderEstimateMarkdown } from '../../ui/render-estimate.js';
import { checkCommonOptions, checkOutputs } from '../../user-paths.js';
import { MAX_VOLUME } from '../parse.js';
import { encodingSchema, nameSchema, nonNegativeSchema, positiveSchema, shareSchema, validateOptions } from '../options.js';
import { jsonText, readLines, warningLine, type ReadRef, type Rendered, type RenderView, type RunDeps } from '../rendered.js';

const VOLUME_SHAPE = 'expected { count, per: "day" | "month" }, e.g. { count: 50000, per: "day" }';
const volumeSchema = z.strictObject(
  {
    count: z.number({ message: VOLUME_SHAPE }).min(0, 'expected a count >= 0').max(MAX_VOLUME, 'too large: at most 10^15 queries per day or month'),
    per: z.enum(['day', 'month'], { message: VOLUME_SHAPE }),
  },
  { message: VOLUME_SHAPE },
);

export const estimateOptionsSchema = z.strictObject({
  artifacts: nameSchema.default('artifacts'),
  volume: volumeSchema.optional(),
  eval: nameSchema.optional(),
  router: nameSchema.optional(),
  deployment: nameSchema.optional(),
  weakShare: shareSchema.optional(),
  weakModel: nameSchema.optional(),
  strongModel: nameSchema.optional(),
  prices: nameSchema.optional(),
  weakPrice: nonNegativeSchema.optional(),
  strongPrice: nonNegativeSchema.optional(),
  weakInputPrice: nonNegativeSchema.optional(),
  weakOutputPrice: nonNegativeSchema.optional(),
  strongInputPrice: nonNegativeSchema.optional(),
  strongOutputPrice: nonNegativeSchema.optional(),
  tokens: positiveSchema.optional(),
  inputTokens: positiveSchema.optional(),
  outputTokens: nonNegativeSchema.optional(),
  weakOutputTokens: nonNegativeSchema.optional(),
  strongOutputTokens: nonNegativeSchema.optional(),
  queries: nameSchema.optional(),
  queryCol: nameSchema.optional(),
  encoding: encodingSchema.default('utf8'),
  monitoring: shareSchema.optional(),
  cascade: z.boolean().default(false),
  overhead: nonNegativeSchema.default(0),
  overheadMs: nonNegativeSchema.default(0),
  fixedMonthly: nonNegativeSchema.default(0),
  days: positiveSchema.default(30),
  gridShares: z.array(shareSchema, { message: 'expected a list of shares' }).optional(),
  gridRatios: z.array(positiveSchema, { message: 'expected a list of positive numbers' }).optional(),
  name: nameSchema.default('estimate'),
  output: nameSchema.optional(),
});

/** Options of `router estimate`, as a script passes them. */
export type EstimateOptions = z.input<typeof estimateOptionsSchema>;
type EstimateFlags = z.output<typeof estimateOptionsSchema>;

export interface EstimateDeps extends RunDeps {
  /** Token counts of a --queries file, kept across runs (the terminal's question loop runs again after each answer). */
  measured?: Map<string, MeasuredTokens>;
}

interface EstimateWritten {
  /** The estimate artifact's path, and whether it was already the latest version. */
  path: string;
  reused: boolean;
  /** The document written with `output`, JSON or Markdown. */
  output?: { file: string; format: 'json' | 'markdown' };
  warnings: string[];
  reads: ReadRef[];
}

/** The estimate of a pair's operating point. */
export interface PairEstimateResult extends EstimateWritten {
  kind: 'pair';
  envelope: Envelope<EstimateBody>;
}

/** The estimate of an operating point over more than two models. */
export interface MultiEstimateResult extends EstimateWritten {
  kind: 'multi';
  envelope: Envelope<MultiEstimateBody>;
}

export type EstimateResult = PairEstimateResult | MultiEstimateResult;

// A type guard on an envelope narrows only its true side (Envelope<A | B> is not a union), hence the casts where it is false.
function isMulti(env: Envelope<EstimateBody | MultiEstimateBody>): env is Envelope<MultiEstimateBody> {
  return (env.body as { kind?: string }).kind === 'multi';
}

/** An eval report or deployment over more than two models, as the estimate's input; undefined for a pair's (or none). */
function multiSource(flags: EstimateFlags, lineage: LineageRef[], reads: ReadRef[]): MultiEstimateRequest | undefined {
  const ref = flags.eval ?? flags.deployment;
  if (ref === undefined || (flags.eval !== undefined && flags.deployment !== undefined)) return undefined;
  const kind = flags.eval !== undefined ? 'eval-report' : 'deployment';
  const path = resolveArtifact(ref, kind, flags.artifacts);
  const env = readJsonArtifact(path, kind);
  const body = env.body as { kind?: string };
  if (body.kind !== 'multi') return undefined;
  const pairOnly = (['weakShare', 'weakModel', 'strongModel', 'weakPrice', 'strongPrice', 'weakInputPrice', 'weakOutputPrice', 'strongInputPrice', 'strongOutputPrice', 'tokens', 'inputTokens', 'outputTokens', 'weakOutputTokens', 'strongOutputTokens', 'queries', 'prices', 'gridShares'] as const).find((k) => flags[k] !== undefined);
  if (pairOnly) throw new UserError(msg`${option(pairOnly)} applies to a pair; ${env.name ?? ref} is over more than two models, priced by each model's cost on its eval data`);
  if (flags.cascade) throw new UserError(msg`${option('cascade')} applies to a pair`);
  if (flags.volume === undefined) throw new MissingInput({ kind: 'volume' }, msg`missing ${option('volume')}: the query volume, e.g. ${option('volume')} 50k/day or ${option('volume')} 30M/month`);
  reads.push({ kind: kind === 'eval-report' ? 'eval report' : 'deployment', path });
  lineage.push({ kind, hash: env.contentHash, path, role: 'operating-point' });
  const queriesPerMonth = flags.volume.per === 'day' ? flags.volume.count * flags.days : flags.volume.count;
  const common = { queriesPerMonth, overheadPerQuery: flags.overhead, fixedMonthly: flags.fixedMonthly, priceRatios: flags.gridRatios ?? [0.5, 1, 2] };
  const name = env.name ?? ref;
  // One operating point, from a report's router or a deployment, and the report's single models for the reference's cost.
  const at = (report: MultiEvalReportBody, op: Pick<MultiDeploymentBody['expected'], 'shares' | 'spend' | 'quality' | 'qualityGap'>, router: string, monitoring: number): MultiEstimateRequest => ({
    models: report.models,
    reference: report.reference,
    shares: op.shares,
    spend: op.spend,
    referenceCost: report.singles.find((x) => x.model === report.reference)!.cost,
    quality: op.quality,
    qualityGap: op.qualityGap,
    monitoring,
    ...(report.routers.find((x) => x.name === router) ? { hull: report.routers.find((x) => x.name === router)!.hull } : {}),
    source: { kind, name, router },
    ...common,
  });
  if (kind === 'eval-report') {
    const report = env.body as MultiEvalReportBody;
    const r = flags.router === undefined ? report.routers[0]! : report.routers.find((x) => x.name === flags.router);
    if (!r) throw new UserError(`eval report ${name} has no router "${flags.router}" (it has: ${report.routers.map((x) => x.name).join(', ')})`, { file: path });
    return at(report, r.operatingPoint, r.name, flags.monitoring ?? 0);
  }
  const dep = env.body as MultiDeploymentBody;
  if (!dep.report) throw new UserError(`deployment ${name} names no eval report, so the models' costs are unknown`, { file: path });
  const report = readJsonArtifact(resolveArtifact(dep.report.path, 'eval-report', flags.artifacts), 'eval-report').body as MultiEvalReportBody;
  return at(report, dep.expected, dep.router.name, flags.monitoring ?? dep.monitoring);
}

function readSource(flags: EstimateFlags, lineage: LineageRef[], reads: ReadRef[]): OperatingSource | undefined {
  if (flags.eval !== undefined && flags.deployment !== undefined) throw new UserError(msg`give ${option('eval')} or ${option('deployment')}, not both`);
  if (flags.router !== undefined && flags.eval === undefined) throw new UserError(msg`${option('router')} chooses a router of an eval report; it needs ${option('eval')}`);
  if (flags.eval !== undefined) {
    const path = resolveArtifact(flags.eval, 'eval-report', flags.artifacts);
    const env = readJsonArtifact(path, 'eval-report');
    reads.push({ kind: 'eval report', path });
    lineage.push({ kind: 'eval-report', hash: env.contentHash, path, role: 'operating-point' });
    return fromEvalReport(env.body, env.name ?? flags.eval, path, flags.router);
  }
  if (flags.deployment !== undefined) {
    const path = resolveArtifact(flags.deployment, 'deployment', flags.artifacts);
    const env = readJsonArtifact(path, 'deployment');
    reads.push({ kind: 'deployment', path });
    lineage.push({ kind: 'deployment', hash: env.contentHash, path, role: 'operating-point' });
    return fromDeployment(env.body, env.name ?? flags.deployment, path);
  }
  return undefined;
}

async function measure(flags: EstimateFlags, models: { weak: string | null; strong: string | null }, measuredCache: Map<string, MeasuredTokens>): Promise<MeasuredTokens | undefined> {
  if (flags.queries === undefined) return undefined;
  const key = JSON.stringify([flags.queries, flags.queryCol, flags.encoding, models]);
  let m = measuredCache.get(key);
  if (!m) {
    const { measureQueryTokens } = await import('../../cost/query-tokens.js');
    m = await measureQueryTokens(flags.queries, flags.queryCol, models, flags.encoding);
    measuredCache.set(key, m);
  }
  return m;
}

/**
 * Input tokens from the prompts of the data an eval report or deployment was measured on, when it
 * records none and the estimate prices tokens (no dollars in the eval, or prices given). Skipped
 * when that data is gone or has changed: the estimate then asks for --input-tokens.
 */
async function countEvalPrompts(source: OperatingSource | undefined, flags: EstimateFlags): Promise<EstimateRequest['evalPrompts']> {
  if (!source?.data) return undefined;
  const roles = ['weak', 'strong'] as const;
  if (roles.every((r) => source.usage[source.pair[r]]?.meanInputTokens != null)) return undefined;
  const priced = roles.some((r) => [flags[`${r}Model`], flags[`${r}Price`], flags[`${r}InputPrice`], flags[`${r}OutputPrice`]].some((v) => v !== undefined));
  if (source.costUnit === 'usd' && !priced) return undefined;
  let dataset;
  try {
    dataset = readDataset(source.data.path);
  } catch {
    return undefined;
  }
  if (dataset.source.hash !== source.data.hash) return undefined;
  const { meanTokens } = await import('../../cost/query-tokens.js');
  const models = { weak: flags.weakModel ?? source.pair.weak, strong: flags.strongModel ?? source.pair.strong };
  return { file: source.data.path, hash: dataset.source.hash, queries: dataset.rows.length, ...(await meanTokens(dataset.rows.map((r) => r.query), models)) };
}

async function request(flags: EstimateFlags, lineage: LineageRef[], reads: ReadRef[], measuredCache: Map<string, MeasuredTokens>): Promise<EstimateRequest> {
  const catalog = await loadCatalog(flags.prices);
  if (flags.prices !== undefined) lineage.push({ kind: 'file', hash: readTextFile(flags.prices).hash, path: flags.prices, role: 'prices' });
  const source = readSource(flags, lineage, reads);
  const measured = await measure(flags, { weak: flags.weakModel ?? source?.pair.weak ?? null, strong: flags.strongModel ?? source?.pair.strong ?? null }, measuredCache);
  if (measured) lineage.push({ kind: 'file', hash: measured.hash, path: measured.file, role: 'queries' });
  const evalPrompts = measured || flags.tokens !== undefined || flags.inputTokens !== undefined ? undefined : await countEvalPrompts(source, flags);
  return {
    volume: flags.volume,
    days: flags.days,
    weakShare: flags.weakShare,
    source,
    weak: { model: flags.weakModel, price: flags.weakPrice, inputPrice: flags.weakInputPrice, outputPrice: flags.weakOutputPrice, outputTokens: flags.weakOutputTokens },
    strong: { model: flags.strongModel, price: flags.strongPrice, inputPrice: flags.strongInputPrice, outputPrice: flags.strongOutputPrice, outputTokens: flags.strongOutputTokens },
    tokens: flags.tokens,
    inputTokens: flags.inputTokens,
    outputTokens: flags.outputTokens,
    measured,
    ...(evalPrompts ? { evalPrompts } : {}),
    catalog,
    monitoring: flags.monitoring,
    cascade: flags.cascade ?? false,
    overheadPerQuery: flags.overhead,
    overheadMs: flags.overheadMs,
    fixedMonthly: flags.fixedMonthly,
    gridWeakShares: flags.gridShares,
    gridPriceRatios: flags.gridRatios,
  };
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line that gives the same estimate without any question. */
export function reproduceCommand(options: EstimateOptions & { json?: boolean }): string {
  const { json, ...rest } = options;
  const flags = { ...validateOptions(estimateOptionsSchema, rest), json };
  const args: string[] = ['router', 'estimate'];
  const add = (flag: string, value: string | number | undefined, skip?: string | number) => {
    if (value !== undefined && value !== skip) args.push(flag, quote(String(value)));
  };
  const vol = (v: Volume | undefined) => (v ? `${v.count}/${v.per}` : undefined);
  add('--volume', vol(flags.volume));
  add('--eval', flags.eval);
  add('--router', flags.router);
  add('--deployment', flags.deployment);
  add('--weak-share', flags.weakShare);
  add('--prices', flags.prices);
  add('--weak-model', flags.weakModel);
  add('--strong-model', flags.strongModel);
  add('--weak-price', flags.weakPrice);
  add('--strong-price', flags.strongPrice);
  add('--weak-input-price', flags.weakInputPrice);
  add('--weak-output-price', flags.weakOutputPrice);
  add('--strong-input-price', flags.strongInputPrice);
  add('--strong-output-price', flags.strongOutputPrice);
  add('--tokens', flags.tokens);
  add('--input-tokens', flags.inputTokens);
  add('--output-tokens', flags.outputTokens);
  add('--weak-output-tokens', flags.weakOutputTokens);
  add('--strong-output-tokens', flags.strongOutputTokens);
  add('--queries', flags.queries);
  add('--query-col', flags.queryCol);
  add('--encoding', flags.encoding, 'utf8');
  add('--monitoring', flags.monitoring);
  if (flags.cascade) args.push('--cascade');
  add('--overhead', flags.overhead, 0);
  add('--overhead-ms', flags.overheadMs, 0);
  add('--fixed-monthly', flags.fixedMonthly, 0);
  add('--days', flags.days, 30);
  add('--grid-shares', flags.gridShares?.join(','));
  add('--grid-ratios', flags.gridRatios?.join(','));
  add('--name', flags.name, 'estimate');
  add('-o', flags.output);
  add('--artifacts', flags.artifacts, 'artifacts');
  if (flags.json) args.push('--json');
  return args.join(' ');
}

/**
 * Prices, volume and a weak share into a monthly projection, written as an artifact (and `output`).
 * A missing input is a MissingInput error naming what to ask for; the CLI asks in a terminal and runs again.
 */
export async function runEstimate(options: EstimateOptions, deps: EstimateDeps = {}): Promise<EstimateResult> {
  const flags = validateOptions(estimateOptionsSchema, options);
  checkCommonOptions(flags, 'write', deps.env ?? process.env);
  const asJson = flags.output !== undefined && extname(flags.output).toLowerCase() === '.json';
  if (flags.output !== undefined) {
    checkOutputs([{ path: flags.output, option: 'output' }], { inputs: [flags.queries, flags.prices].filter((p): p is string => p !== undefined), artifacts: flags.artifacts });
  }
  const lineage: LineageRef[] = [];
  const reads: ReadRef[] = [];
  const many = multiSource(flags, lineage, reads);
  const { body, warnings } = many ? { body: estimateMulti(many), warnings: [] as string[] } : estimateCore(await request(flags, lineage, reads, deps.measured ?? new Map()));
  // The artifact and the document, both or neither (a full disk at the second removes the first).
  const files = new WriteSet();
  let written: ReturnType<typeof writeJsonArtifact<typeof body>>;
  try {
    written = writeJsonArtifact('estimate', body, lineage, { root: flags.artifacts, name: flags.name });
    if (!written.reused) files.claim(written.path);
    if (flags.output !== undefined) {
      const text = asJson
        ? JSON.stringify({ path: written.path, ...written.envelope }, null, 2) + '\n'
        : isMulti(written.envelope)
          ? `# Estimate over ${written.envelope.body.inputs.models.length} models\n\n\`\`\`\n${renderEstimateMultiText(written.envelope.body, written.path, false)}\n\`\`\`\n`
          : renderEstimateMarkdown(written.envelope as Envelope<EstimateBody>, written.path);
      files.stage(flags.output, text);
    }
    files.commit();
  } catch (e) {
    files.abort();
    throw e;
  }
  const common = {
    path: written.path,
    reused: written.reused === true,
    ...(flags.output !== undefined ? { output: { file: flags.output, format: asJson ? ('json' as const) : ('markdown' as const) } } : {}),
    warnings,
    reads,
  };
  return isMulti(written.envelope) ? { kind: 'multi', envelope: written.envelope, ...common } : { kind: 'pair', envelope: written.envelope as Envelope<EstimateBody>, ...common };
}

export function renderEstimate(r: EstimateResult, view: RenderView = {}): Rendered {
  const before = [...r.warnings.map(warningLine), ...readLines(r.reads)];
  const stdout = view.json ? jsonText({ path: r.path, ...r.envelope }) : r.kind === 'multi' ? renderEstimateMultiText(r.envelope.body, r.path, r.reused, view) : renderEstimateText(r.envelope.body, r.path, r.reused, view);
  const after = r.output ? [`${r.output.format === 'json' ? 'JSON' : 'Markdown'} report written to ${r.output.file}`] : [];
  return { before, stdout, after };
}
