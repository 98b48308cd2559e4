import { basename, extname } from 'node:path';
import { z } from 'zod';
import { msg, option, UserError } from '../../errors.js';
import { displayPath } from '../../artifacts/store.js';
import { checkCommonOptions } from '../../user-paths.js';
import { labelQueries, type LabelHooks, type LabelOutcome, type LabelRequest } from '../../label/label-run.js';
import type { RunEstimate } from '../../label/estimate.js';
import { renderLabelEstimate, renderLabelSummary } from '../../ui/render-label.js';
import { count, usd } from '../../ui/format.js';
import { encodingSchema, nameSchema, nonNegativeIntegerSchema, nonNegativeSchema, oneOf, positiveIntegerSchema, positiveSchema, validateOptions } from '../options.js';
import { jsonText, warningLine, type Rendered, type RenderView, type RunDeps } from '../rendered.js';

export const labelOptionsSchema = z.strictObject({
  /** CSV of queries: a query column, an optional id column; other columns are kept as metadata. */
  queries: nameSchema,
  /** The models, `provider:model` (else the config file's). */
  weak: nameSchema.optional(),
  strong: nameSchema.optional(),
  /** Instead of weak and strong: every model that answers, `provider:model` (two: the pair form, weak first). */
  models: z.array(nameSchema, { message: 'expected a list of provider:model ids' }).optional(),
  /** Pairwise over `models`: the model each other is compared with (default: the last). */
  reference: nameSchema.optional(),
  judge: nameSchema.optional(),
  weakBaseUrl: nameSchema.optional(),
  strongBaseUrl: nameSchema.optional(),
  judgeBaseUrl: nameSchema.optional(),
  /** With `models`: base URLs by model id, e.g. { "openai:llama3.1:8b": "http://localhost:11434/v1" }. */
  baseUrl: z.record(z.string(), nameSchema, { message: 'expected base URLs by model id, e.g. { "openai:llama3.1:8b": "http://localhost:11434/v1" }' }).optional(),
  config: nameSchema.optional(),
  mode: oneOf(['pairwise', 'grade', 'reference']).default('pairwise'),
  referenceCol: nameSchema.optional(),
  match: oneOf(['exact', 'number', 'choice', 'regex']).default('exact'),
  confidence: z.boolean().default(false),
  template: nameSchema.optional(),
  queryCol: nameSchema.optional(),
  idCol: nameSchema.optional(),
  encoding: encodingSchema.default('utf8'),
  name: nameSchema.optional(),
  concurrency: positiveIntegerSchema.default(8),
  rpm: positiveSchema.optional(),
  tpm: positiveSchema.optional(),
  retries: nonNegativeIntegerSchema.default(4),
  /** Time limit of one call, in seconds. */
  timeout: positiveSchema.default(120),
  maxTokens: positiveIntegerSchema.default(1024),
  judgeMaxTokens: positiveIntegerSchema.default(1024),
  temperature: nonNegativeSchema.optional(),
  /** A hard cap in dollars on the run, all invocations together. */
  maxCost: positiveSchema.optional(),
  prices: nameSchema.optional(),
  /** The response cache's folder, or false for none. */
  cache: z.union([nameSchema, z.literal(false)], { message: 'expected a folder name, or false for no cache' }).default('.router-cache'),
  retryErrors: z.boolean().default(false),
  limit: positiveIntegerSchema.optional(),
  assumeOutputTokens: positiveIntegerSchema.default(300),
  dryRun: z.boolean().default(false),
  /** Spend without asking: `confirm` is not called. */
  yes: z.boolean().default(false),
  artifacts: nameSchema.default('artifacts'),
});

/** Options of `router label`, as a script passes them. */
export type LabelOptions = z.input<typeof labelOptionsSchema>;
type Parsed = z.output<typeof labelOptionsSchema>;

/**
 * What a label run takes besides its options. The CLI passes a terminal prompt as `confirm` and
 * aborts `signal` on the first Ctrl-C; a script passes its own (no `confirm`: it spends unasked).
 */
export type LabelDeps = Omit<LabelHooks, 'env' | 'warn'> & Pick<RunDeps, 'env' | 'notice'>;

/** A run's outcome, and the warnings that `notice` did not take (no price for a model, say). */
export type LabelResult = LabelOutcome & { warnings: string[] };

/** The dataset's name from the CSV's (`queries/support.csv` -> `support`), as train names routers. */
function nameOf(path: string): string {
  return basename(path, extname(path)).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'labelled';
}

function requestOf(o: Parsed): LabelRequest {
  return {
    queries: o.queries,
    weak: o.weak,
    strong: o.strong,
    models: o.models,
    reference: o.reference,
    judge: o.judge,
    baseURLs: { weak: o.weakBaseUrl, strong: o.strongBaseUrl, judge: o.judgeBaseUrl },
    modelBaseURLs: o.baseUrl,
    config: o.config,
    mode: o.mode,
    match: o.match,
    referenceCol: o.referenceCol,
    queryCol: o.queryCol,
    encoding: o.encoding,
    idCol: o.idCol,
    confidence: o.confidence,
    template: o.template,
    concurrency: o.concurrency,
    rpm: o.rpm,
    tpm: o.tpm,
    retries: o.retries,
    timeoutMs: Math.round(o.timeout * 1000),
    maxTokens: o.maxTokens,
    judgeMaxTokens: o.judgeMaxTokens,
    temperature: o.temperature,
    maxCost: o.maxCost,
    prices: o.prices,
    cache: o.cache,
    retryErrors: o.retryErrors,
    limit: o.limit,
    assumed: { answer: o.assumeOutputTokens, judge: 250, confidence: 16 },
    artifacts: o.artifacts,
    name: o.name ?? nameOf(o.queries),
    dryRun: o.dryRun,
  };
}

/**
 * `router label`: estimates (a dry run), or asks `confirm` and labels, journaling every paid call
 * before it is used. An aborted `signal` ends it early with kind `interrupted`; what is done is
 * kept in the journal, and the same call resumes it.
 */
export async function runLabel(options: LabelOptions, deps: LabelDeps = {}): Promise<LabelResult> {
  const o = validateOptions(labelOptionsSchema, options);
  const env = deps.env ?? process.env;
  checkCommonOptions(o, 'write', env);
  const { notice, confirm, ...hooks } = deps;
  const warnings: string[] = [];
  const outcome = await labelQueries(requestOf(o), {
    ...hooks,
    env,
    warn: notice ?? ((text) => void warnings.push(text)),
    ...(o.yes ? {} : { confirm }),
  });
  return { ...outcome, warnings };
}

function spendLine(e: RunEstimate): string {
  const calls = e.calls - e.stored;
  const money = e.usd !== undefined ? ` (estimated ${usd(e.usd)}, at most ${usd(e.maxUsd ?? e.usd)})` : '';
  return `${count(calls)} calls${money}`;
}

/** The CLI's answer when a run would spend and nobody can be asked (no terminal, or CI). */
export function unconfirmed(estimate: RunEstimate): UserError {
  return new UserError(msg`this run makes ${spendLine(estimate)}: confirm with ${option('yes')} (there is no terminal to ask on), or see the estimate with ${option('dryRun')}`);
}

/** The text `router label` prints: the estimate of a dry run, the summary of the dataset written, or how to resume an interrupted run. */
export function renderLabel(result: LabelResult, view: RenderView = {}): Rendered {
  const before = result.warnings.map(warningLine);
  if (result.kind === 'interrupted') {
    const line = `router: interrupted: ${count(result.done)} of ${count(result.rows)} rows are done and kept in ${displayPath(result.journal)} (${usd(result.spentUsd)} spent); run the same command again to continue, without paying again for what is done`;
    return { before, stdout: '', after: [line] };
  }
  if (result.kind === 'dry-run') {
    return {
      before,
      stdout: view.json
        ? jsonText({ dryRun: true, ...result.estimate, scheduledRows: result.rows, alreadyDone: result.alreadyDone, journal: result.journal })
        : renderLabelEstimate(result.estimate, { rows: result.rows, alreadyDone: result.alreadyDone }, view),
      after: [],
    };
  }
  const { envelope, summary } = result;
  const pair = envelope.body.defaultPair;
  return {
    before,
    stdout: view.json
      ? jsonText({ path: result.path, kind: envelope.kind, name: envelope.name, version: envelope.version, contentHash: envelope.contentHash, lineage: envelope.lineage, body: envelope.body, summary })
      : renderLabelSummary(summary, result.path, envelope.contentHash, pair, result.reused, view),
    after: [],
  };
}
