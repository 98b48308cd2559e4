import { extname } from 'node:path';
import { z } from 'zod';
import { readJsonArtifact, resolveArtifact, writeJsonArtifact } from '../../artifacts/store.js';
import { WriteSet } from '../../artifacts/atomic-write.js';
import type { Envelope, LineageRef } from '../../artifacts/envelope.js';
import { loadCatalog } from '../../cost/catalog.js';
import { estimate as estimateCore, type EstimateBody, type EstimateRequest, type Volume } from '../../cost/estimate.js';
import { fromDeployment, fromEvalReport, type OperatingSource } from '../../cost/operating-source.js';
import type { MeasuredTokens } from '../../cost/query-tokens.js';
import { msg, option, UserError } from '../../errors.js';
import { readTextFile } from '../../text-file.js';
import { renderEstimate as renderEstimateText, renderEstimateMarkdown } from '../../ui/render-estimate.js';
import { checkCommonOptions, checkOutputs } from '../../user-paths.js';
import { MAX_VOLUME } from '../parse.js';
import { encodingSchema, nameSchema, nonNegativeSchema, positiveSchema, shareSchema, validateOptions } from '../options.js';
import { jsonText, readLines, warningLine, type ReadRef, type Rendered, type RunDeps } from '../rendered.js';

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

export interface EstimateResult {
  /** The estimate artifact (body included), and whether it was already the latest version. */
  path: string;
  envelope: Envelope<EstimateBody>;
  reused: boolean;
  /** The document written with `output`, JSON or Markdown. */
  output?: { file: string; format: 'json' | 'markdown' };
  warnings: string[];
  reads: ReadRef[];
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

async function request(flags: EstimateFlags, lineage: LineageRef[], reads: ReadRef[], measuredCache: Map<string, MeasuredTokens>): Promise<EstimateRequest> {
  const catalog = loadCatalog(flags.prices);
  if (flags.prices !== undefined) lineage.push({ kind: 'file', hash: readTextFile(flags.prices).hash, path: flags.prices, role: 'prices' });
  const source = readSource(flags, lineage, reads);
  const measured = await measure(flags, { weak: flags.weakModel ?? source?.pair.weak ?? null, strong: flags.strongModel ?? source?.pair.strong ?? null }, measuredCache);
  if (measured) lineage.push({ kind: 'file', hash: measured.hash, path: measured.file, role: 'queries' });
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
  const req = await request(flags, lineage, reads, deps.measured ?? new Map());
  const { body, warnings } = estimateCore(req);
  // The artifact and the document, both or neither (a full disk at the second removes the first).
  const files = new WriteSet();
  let written: ReturnType<typeof writeJsonArtifact<typeof body>>;
  try {
    written = writeJsonArtifact('estimate', body, lineage, { root: flags.artifacts, name: flags.name });
    if (!written.reused) files.claim(written.path);
    if (flags.output !== undefined) {
      const text = asJson ? JSON.stringify({ path: written.path, ...written.envelope }, null, 2) + '\n' : renderEstimateMarkdown(written.envelope, written.path);
      files.stage(flags.output, text);
    }
    files.commit();
  } catch (e) {
    files.abort();
    throw e;
  }
  return {
    path: written.path,
    envelope: written.envelope,
    reused: written.reused === true,
    ...(flags.output !== undefined ? { output: { file: flags.output, format: asJson ? ('json' as const) : ('markdown' as const) } } : {}),
    warnings,
    reads,
  };
}

export function renderEstimate(r: EstimateResult, view: { json?: boolean } = {}): Rendered {
  const before = [...r.warnings.map(warningLine), ...readLines(r.reads)];
  const stdout = view.json ? jsonText({ path: r.path, ...r.envelope }) : renderEstimateText(r.envelope.body, r.path, r.reused);
  const after = r.output ? [`${r.output.format === 'json' ? 'JSON' : 'Markdown'} report written to ${r.output.file}`] : [];
  return { before, stdout, after };
}
