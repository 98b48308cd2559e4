import { join } from 'node:path';
import { fsUserError, msg, option, UserError, type Message } from '../errors.js';
import { canonicalJson, sha256, type Hash } from '../artifacts/hash.js';
import { checkName, readText, writeDatasetArtifact } from '../artifacts/store.js';
import { readTextFile, type Encoding } from '../text-file.js';
import type { Envelope } from '../artifacts/envelope.js';
import type { DatasetRow } from '../data/dataset.js';
import { findPrice, loadCatalog, type PriceEntry } from '../cost/catalog.js';
import { toolVersion } from '../version.js';
import { describeCallError } from '../providers/api-error.js';
import { DiskCache } from '../providers/cache.js';
import { completionCost, LlmCaller, type CallEvent } from '../providers/caller.js';
import { readLabelConfig, type LabelConfig } from '../providers/config.js';
import { parseModelId, PROVIDERS } from '../providers/registry.js';
import { resolveModel, type ResolvedModel, type Role } from '../providers/resolve.js';
import { DEFAULT_RETRY } from '../providers/retry.js';
import { loadTokenCounter, requestTokens, type TokenCounter } from '../providers/tokens.js';
import type { Completion } from '../providers/types.js';
import { buildLabelledDataset, describeModels, type BuiltDataset } from './dataset.js';
import { estimateRun, rowCostEstimate, type AssumedOutput, type RunEstimate } from './estimate.js';
import { JournalWriter, readJournal, type JournalHeader, type JournalState } from './journal.js';
import type { AppendIo } from '../providers/append-log.js';
import type { Clock } from '../providers/clock.js';
import { lockRun } from './run-lock.js';
import { checkFolder } from '../user-paths.js';
import { readQueries, type QueryFile, type QueryRow } from '../data/read-queries.js';
import { checkReference, type MatchKind } from './reference.js';
import { modelCandidates, modelOfPurpose, pairCandidates, purposeKind, type LabelPlan, type Mode, type RowResult } from './row.js';
import { runRows, type StopReason } from './run.js';
import { loadTemplates, templateHash, type Templates } from './templates.js';

// `router label` from a request to a written dataset, with the terminal kept outside: the command
// (runLabel, src/cli/commands/label.ts) validates the options and passes hooks for confirmation,
// progress and warnings. Everything a user can get wrong is checked before the first call, so bad
// input costs nothing.

export interface LabelRequest {
  queries: string;
  weak?: string;
  strong?: string;
  /** Instead of weak and strong: the models that answer, in order (two: the pair form, weak first). */
  models?: string[];
  /** Pairwise over `models`: the model each other is compared with (default: the last). */
  reference?: string;
  judge?: string;
  baseURLs: Partial<Record<Role, string>>;
  /** With `models`: base URLs by model id (the judge's too). */
  modelBaseURLs?: Record<string, string>;
  config?: string;
  mode: Mode;
  match: MatchKind;
  referenceCol?: string;
  queryCol?: string;
  encoding?: Encoding;
  idCol?: string;
  confidence: boolean;
  template?: string;
  concurrency: number;
  rpm?: number;
  tpm?: number;
  retries: number;
  timeoutMs: number;
  maxTokens: number;
  judgeMaxTokens: number;
  temperature?: number;
  maxCost?: number;
  prices?: string;
  /** Folder of the response cache; false: no cache. */
  cache: string | false;
  retryErrors: boolean;
  limit?: number;
  assumed: AssumedOutput;
  artifacts: string;
  name: string;
  dryRun: boolean;
}

export interface LabelProgress {
  done: number;
  total: number;
  failed: number;
  unlabelled: number;
  spentUsd: number;
  apiCalls: number;
  storedCalls: number;
  retries: number;
}

export interface LabelHooks {
  env: NodeJS.ProcessEnv;
  /** Asked before money is spent (omitted with --yes). Throw or return false to stop. */
  confirm?: (estimate: RunEstimate) => Promise<boolean>;
  onStart?: (info: { total: number; resumed: number; journal: string }) => void;
  onProgress?: (p: LabelProgress) => void;
  warn: (text: string) => void;
  /** Aborted on the first Ctrl-C: no row or call starts, calls in flight finish, the journal is closed. */
  signal?: AbortSignal;
  /** The journal's writes, replaceable so a test can fill the disk. */
  journalIo?: AppendIo;
  /** Time for retry backoff and rate limits, replaceable so a test of retries does not wait real seconds. */
  clock?: Clock;
}

export interface RoleUsage {
  purpose: string;
  model: string;
  apiCalls: number;
  storedCalls: number;
  inputTokens: number;
  outputTokens: number;
  spentUsd: number;
  errors: number;
}

export interface LabelSummary {
  rows: number;
  labelled: number;
  unlabelled: number;
  failed: number;
  notRun: number;
  /** The pair form: rows each of its models was better on, and equal on. */
  strongBetter?: number;
  weakBetter?: number;
  ties?: number;
  /** Over more than two models: rows each model alone had the best quality on, and rows where several tied for it. */
  best?: { alone: Record<string, number>; tied: number };
  stopped?: StopReason;
  /** Dollars this invocation spent, and the run in total (all invocations). */
  spentUsd: number;
  runSpentUsd: number;
  calls: { api: number; cache: number; journal: number; retries: number };
  roles: RoleUsage[];
  journal: string;
  meanQuality: Record<string, number>;
  /** Calls an earlier run sent and crashed before recording: paid again here, perhaps billed twice; counted in the spend at their maximum. */
  possiblyBilledTwice: { calls: number; maxUsd: number };
  maxCost?: number;
}

export type LabelOutcome =
  | { kind: 'dry-run'; estimate: RunEstimate; rows: number; alreadyDone: number; journal: string }
  | { kind: 'written'; path: string; reused: boolean; envelope: Envelope<BuiltDataset['body']>; summary: LabelSummary }
  | { kind: 'interrupted'; done: number; rows: number; journal: string; spentUsd: number };

interface Prepared {
  plan: LabelPlan;
  queries: QueryFile;
  scheduled: QueryRow[];
  todo: QueryRow[];
  state?: JournalState;
  journalPath: string;
  lockPath: string;
  header: JournalHeader;
  runId: string;
  priceOf: (id: string) => PriceEntry | undefined;
  templateHash: Hash | null;
  templateFile?: { path: string; hash: Hash };
  memo: Map<string, Completion>;
  spentBefore: number;
}

/** A model to resolve: its id, the option it came from (for messages), and a base URL with the option that gave it. */
interface ModelRef {
  id: string;
  role: Role;
  option: string;
  baseURL?: { value: string; option: string };
}

interface ModelChoice {
  answerers: ModelRef[];
  pair: boolean;
  /** Index in answerers of the pairwise reference. */
  reference: number;
  judge?: ModelRef;
}

function chooseModels(opts: LabelRequest, config: LabelConfig | undefined): ModelChoice {
  const judgeId = opts.judge ?? config?.judge;
  const judgeFlagURL = opts.baseURLs.judge !== undefined ? { value: opts.baseURLs.judge, option: 'judgeBaseUrl' } : undefined;
  const judgeRef = (url: ModelRef['baseURL']): ModelRef | undefined => (judgeId !== undefined ? { id: judgeId, role: 'judge', option: 'judge', ...(url ? { baseURL: url } : {}) } : undefined);
  if (opts.models !== undefined) return chooseListed(opts, opts.models, judgeId, (shared) => judgeRef(judgeFlagURL ?? shared));
  if (opts.reference !== undefined) throw new UserError(msg`${option('reference')} applies to ${option('models')}: it names the model the others are compared with`);
  if (opts.modelBaseURLs !== undefined) throw new UserError(msg`${option('baseUrl')} applies to ${option('models')}; with ${option('weak')} and ${option('strong')}, give ${option('weakBaseUrl')} and ${option('strongBaseUrl')}`);
  const ids = { weak: opts.weak ?? config?.weak, strong: opts.strong ?? config?.strong };
  for (const role of ['weak', 'strong'] as const) {
    if (!ids[role]) throw new UserError(msg`name the ${role} model with ${option(role)} provider:model (or "${role}" in the config file, ${option('config')})`);
  }
  const answerers = (['weak', 'strong'] as const).map((role): ModelRef => {
    const url = opts.baseURLs[role];
    return { id: ids[role]!, role, option: role, ...(url !== undefined ? { baseURL: { value: url, option: `${role}BaseUrl` } } : {}) };
  });
  const judge = judgeRef(judgeFlagURL);
  return { answerers, pair: true, reference: 1, ...(judge ? { judge } : {}) };
}

/** `models` as --models lists them; `judgeRef` gets the judge's base URL when --base-url names it. */
function chooseListed(opts: LabelRequest, models: string[], judgeId: string | undefined, judgeRef: (shared: ModelRef['baseURL']) => ModelRef | undefined): ModelChoice {
  // The config file's weak and strong are defaults, which --models replaces as a flag would.
  if (opts.weak !== undefined || opts.strong !== undefined) throw new UserError(msg`${option('models')} replaces ${option('weak')} and ${option('strong')}: give one or the other`);
  for (const role of ['weak', 'strong'] as const) {
    if (opts.baseURLs[role] !== undefined) throw new UserError(msg`${option(`${role}BaseUrl`)} applies to ${option(role)}; with ${option('models')}, give ${option('baseUrl')} MODEL=URL`);
  }
  if (models.length < 2) throw new UserError(msg`${option('models')}: name at least two models (provider:model, comma-separated), got ${models.length}`);
  const ids: string[] = [];
  for (const m of models) {
    const { id } = parseModelId(m, 'models');
    if (ids.includes(id)) throw new UserError(msg`${option('models')}: ${id} is named twice`);
    ids.push(id);
  }
  let reference = ids.length - 1;
  if (opts.reference !== undefined) {
    if (opts.mode !== 'pairwise') {
      throw new UserError(msg`${option('reference')} applies to ${option('mode')} pairwise; ${opts.mode} mode ${opts.mode === 'grade' ? 'grades each answer on its own' : 'checks each answer against the known answer'}`);
    }
    const { id } = parseModelId(opts.reference, 'reference');
    reference = ids.indexOf(id);
    if (reference < 0) throw new UserError(msg`${option('reference')}: ${id} is not one of ${option('models')} (${ids.join(', ')})`);
  }
  const urls = new Map<string, string>();
  const judgeKey = judgeId !== undefined && opts.mode !== 'reference' && opts.modelBaseURLs !== undefined ? parseModelId(judgeId, 'judge').id : undefined;
  for (const [key, url] of Object.entries(opts.modelBaseURLs ?? {})) {
    const { id } = parseModelId(key, 'baseUrl');
    if (!ids.includes(id) && id !== judgeKey) throw new UserError(msg`${option('baseUrl')}: ${id} is neither one of ${option('models')} nor the judge`);
    urls.set(id, url);
  }
  // Two models are the pair form, weak first: the same run (and journal) as --weak A --strong B.
  const pair = ids.length === 2;
  const answerers = ids.map((id, i): ModelRef => {
    const url = urls.get(id);
    return { id, role: pair ? (i === 0 ? 'weak' : 'strong') : 'answer', option: 'models', ...(url !== undefined ? { baseURL: { value: url, option: 'baseUrl' } } : {}) };
  });
  const shared = judgeKey !== undefined ? urls.get(judgeKey) : undefined;
  const judge = judgeRef(shared !== undefined ? { value: shared, option: 'baseUrl' } : undefined);
  return { answerers, pair, reference: pair ? 1 : reference, ...(judge ? { judge } : {}) };
}

function templatesUsed(plan: Pick<LabelPlan, 'mode' | 'confidence'>): (keyof Templates)[] {
  return [...(plan.mode === 'reference' ? [] : [plan.mode]), ...(plan.confidence ? ['confidence' as const] : [])];
}

/** Same inputs, models, prompts and parameters -> same run id -> the same journal, which resumes. */
export function runIdOf(plan: LabelPlan, input: Hash, tHash: Hash | null, referenceCol: string | undefined): string {
  const model = (m: ResolvedModel | undefined) => m && { id: m.spec.id, endpoint: m.spec.endpoint, maxTokens: m.spec.maxTokens, temperature: m.spec.temperature };
  const identity = {
    v: 1,
    input,
    mode: plan.mode,
    match: plan.mode === 'reference' ? plan.match : undefined,
    referenceCol: plan.mode === 'reference' ? referenceCol : undefined,
    confidence: plan.confidence,
    templates: tHash,
    ...(plan.pair
      ? { weak: model(plan.pair.weak), strong: model(plan.pair.strong) }
      : { models: plan.candidates.map((c) => model(c.model)), reference: plan.mode === 'pairwise' ? plan.candidates[plan.reference]!.model.spec.id : undefined }),
    judge: model(plan.judge),
    answer: plan.answer,
    judgeParams: plan.judge ? plan.judgeParams : undefined,
  };
  return sha256(canonicalJson(identity)).slice(7, 23);
}

async function prepare(opts: LabelRequest, hooks: LabelHooks): Promise<Prepared> {
  // checkName's length limit also keeps the journal's file name, NAME-RUNID.jsonl, within 255 bytes.
  checkName(opts.name);
  const runsFolder = join(opts.artifacts, 'label-runs');
  if (!opts.dryRun) {
    checkFolder(runsFolder, 'artifacts', 'write');
    if (opts.cache !== false) checkFolder(opts.cache, 'cache', 'write');
  }
  const config = opts.config ? readLabelConfig(opts.config) : undefined;
  const choice = chooseModels(opts, config);
  const judgeId = choice.judge?.id;
  if (opts.mode !== 'reference' && !judgeId) throw new UserError(msg`${option('mode')} ${opts.mode} needs a judge: name it with ${option('judge')} provider:model`);
  if (opts.mode === 'reference' && !opts.referenceCol) throw new UserError(msg`${option('mode')} reference needs the column of known answers: name it with ${option('referenceCol')}`);
  if (opts.mode === 'reference' && judgeId) hooks.warn(`--mode reference grades against the answers in "${opts.referenceCol}"; the judge ${judgeId} is not used`);
  const refs: ModelRef[] = [...choice.answerers, ...(opts.mode === 'reference' ? [] : [choice.judge!])];
  for (const r of refs) parseModelId(r.id, r.option);
  // Every call would be refused with a 400 otherwise: Anthropic takes 0-1, OpenAI 0-2.
  if (opts.temperature !== undefined) {
    const top = choice.answerers.some((r) => parseModelId(r.id, r.option).provider === 'anthropic') ? 1 : 2;
    if (opts.temperature > top) throw new UserError(msg`${option('temperature')}: at most ${top}${top === 1 ? ' for an Anthropic model' : ''}, got ${opts.temperature}`);
  }
  if (choice.pair && opts.models === undefined) {
    const [weak, strong] = choice.answerers as [ModelRef, ModelRef];
    if (parseModelId(weak.id, 'weak').id === parseModelId(strong.id, 'strong').id) throw new UserError(msg`${option('weak')} and ${option('strong')} name the same model`);
  }

  const queries = readQueries(opts.queries, { queryCol: opts.queryCol, idCol: opts.idCol, encoding: opts.encoding, referenceCol: opts.mode === 'reference' ? opts.referenceCol : undefined });
  if (opts.mode === 'reference') {
    for (const q of queries.rows) checkReference(opts.match, q.reference!, { file: queries.path, line: q.line, column: opts.referenceCol! });
  }

  const resolved = refs.map((r) =>
    resolveModel({
      id: r.id,
      role: r.role,
      option: r.option,
      ...(r.baseURL ? { baseURL: r.baseURL.value, baseURLOption: r.baseURL.option } : {}),
      config,
      env: hooks.env,
      defaults: { rpm: opts.rpm, tpm: opts.tpm },
      requireKey: !opts.dryRun,
    }),
  );
  const answering = resolved.slice(0, choice.answerers.length);
  const judge = opts.mode === 'reference' ? undefined : resolved.at(-1);

  // Read through readText first, so a folder or a bad path is named as such, not as "no such
  // file" or "malformed JSON".
  if (opts.template) readText(opts.template);
  const templates = loadTemplates(opts.template);
  if (opts.prices) readText(opts.prices);
  const catalog = await loadCatalog(opts.prices);
  const priceOf = (id: string) => findPrice(catalog, id);
  const unpriced = [...new Set(resolved.map((m) => m.spec.id).filter((id) => !priceOf(id)))];
  if (unpriced.length && opts.maxCost !== undefined) {
    throw new UserError(msg`${option('maxCost')} needs a price for every model; none for ${unpriced.join(', ')}: add them with ${option('prices')} FILE`);
  }
  if (unpriced.length) hooks.warn(`no price for ${unpriced.join(', ')}; its calls have no dollar cost (add prices with --prices FILE)`);

  const plan: LabelPlan = {
    mode: opts.mode,
    ...(choice.pair
      ? { candidates: pairCandidates(answering[0]!, answering[1]!, opts.confidence), pair: { weak: answering[0]!, strong: answering[1]! } }
      : { candidates: modelCandidates(answering, opts.confidence) }),
    reference: choice.reference,
    ...(judge ? { judge } : {}),
    confidence: opts.confidence,
    ...(opts.mode === 'reference' ? { match: opts.match } : {}),
    templates,
    answer: { maxTokens: opts.maxTokens, ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}) },
    // Judges answer deterministically where the server allows it, so a re-run asks the same question.
    judgeParams: { maxTokens: opts.judgeMaxTokens, temperature: 0 },
    confidenceParams: { maxTokens: 32, temperature: 0 },
  };
  const used = templatesUsed(plan);
  const tHash = used.length ? templateHash(templates, used) : null;
  const templateFile = opts.template && used.length ? { path: opts.template, hash: readTextFile(opts.template).hash } : undefined;
  const runId = runIdOf(plan, queries.hash, tHash, opts.referenceCol);
  const journalPath = join(runsFolder, `${opts.name}-${runId}.jsonl`);
  const header: JournalHeader = {
    t: 'run',
    runId,
    createdAt: new Date().toISOString(),
    toolVersion: toolVersion(),
    description: {
      input: { path: queries.path, hash: queries.hash },
      mode: plan.mode,
      models: describeModels(plan),
      templateHash: tHash,
    },
  };
  const scheduled = opts.limit !== undefined ? queries.rows.slice(0, opts.limit) : queries.rows;
  const p: Prepared = {
    plan, queries, scheduled, todo: [], journalPath, lockPath: join(runsFolder, `${runId}.lock`), header, runId, priceOf, templateHash: tHash,
    ...(templateFile ? { templateFile } : {}), memo: new Map(), spentBefore: 0,
  };
  loadProgress(p, opts);
  return p;
}

/** What the journal says is done and paid; read again once the run is locked, in case another copy just finished. */
function loadProgress(p: Prepared, opts: LabelRequest): void {
  const state = readJournal(p.journalPath);
  const isDone = (r: RowResult | undefined) => r !== undefined && !(r.status === 'failed' && opts.retryErrors);
  p.todo = p.scheduled.filter((q) => !isDone(state?.rows.get(q.id)));
  if (state) p.state = state;
  // Every call paid for in this run, whichever row made it: another row may make the same call.
  p.memo.clear();
  // Calls an earlier run sent but never saw answered count at their maximum: they may be billed.
  p.spentBefore = state?.unsettled.maxUsd ?? 0;
  for (const c of state?.calls ?? []) {
    p.memo.set(c.key, c.completion);
    const model = modelOfPurpose(p.plan, c.purpose);
    p.spentBefore += (model && completionCost(c.completion, p.priceOf(model.spec.id))) || 0;
  }
}

function needsTokens(opts: LabelRequest, plan: LabelPlan, confirming: boolean): boolean {
  const limited = [...plan.candidates.map((c) => c.model), plan.judge].some((m) => m && (m.spec.limits.endpoint.tpm !== undefined || m.spec.limits.model.tpm !== undefined));
  return opts.dryRun || confirming || opts.maxCost !== undefined || limited;
}

export async function labelQueries(opts: LabelRequest, hooks: LabelHooks): Promise<LabelOutcome> {
  try {
    const p = await prepare(opts, hooks);
    const cache = opts.cache !== false ? new DiskCache(opts.cache) : undefined;
    try {
      return await labelPrepared(opts, hooks, p, cache);
    } finally {
      await cache?.close();
    }
  } catch (err) {
    // A path the user gave that the file system refuses is the user's to fix, not a bug.
    throw fsUserError(err) ?? err;
  }
}

async function labelPrepared(opts: LabelRequest, hooks: LabelHooks, p: Prepared, cache: DiskCache | undefined): Promise<LabelOutcome> {
  const { plan } = p;
  const count: TokenCounter | undefined = needsTokens(opts, plan, hooks.confirm !== undefined && p.todo.length > 0) ? await loadTokenCounter() : undefined;

  // A journal that cannot be written (disk full, say) ends the run at once: the caller sends
  // nothing more, since results that are not durable would be paid for again.
  let journalError: Error | undefined;
  const journaled = async (write: () => Promise<void>) => {
    try {
      await write();
    } catch (err) {
      journalError ??= err as Error;
      caller.halt('journal');
      throw err;
    }
  };
  const usage = new Map<string, RoleUsage>();
  const role = (purpose: string, model: string) => {
    const kind = purposeKind(purpose);
    const k = `${kind} ${model}`;
    let u = usage.get(k);
    if (!u) {
      u = { purpose: kind, model, apiCalls: 0, storedCalls: 0, inputTokens: 0, outputTokens: 0, spentUsd: 0, errors: 0 };
      usage.set(k, u);
    }
    return u;
  };
  let journal: JournalWriter | undefined;
  let cacheWarned = false;
  const caller = new LlmCaller({
    concurrency: opts.concurrency,
    timeoutMs: opts.timeoutMs,
    retry: { ...DEFAULT_RETRY, retries: opts.retries },
    clock: hooks.clock,
    ...(cache ? { cache } : {}),
    memo: p.memo,
    beforeSend: (key, ctx, maxUsd) => journaled(() => journal!.append({ t: 'send', key, row: ctx.rowId, purpose: ctx.purpose, maxUsd }, false)),
    afterFail: (key) => void journaled(() => journal!.append({ t: 'fail', key }, false)).catch(() => undefined),
    record: (key, completion, ctx) => journaled(() => journal!.append({ t: 'call', key, row: ctx.rowId, purpose: ctx.purpose, completion })),
    priceOf: p.priceOf,
    ...(count ? { countTokens: (r) => requestTokens(count, r) } : {}),
    ...(opts.maxCost !== undefined ? { budget: { maxUsd: opts.maxCost, spentBefore: () => p.spentBefore } } : {}),
    onEvent: (e: CallEvent) => {
      if (e.type === 'done') {
        const u = role(e.purpose, e.model);
        if (e.source === 'api') {
          u.apiCalls++;
          u.inputTokens += e.inputTokens ?? 0;
          u.outputTokens += e.outputTokens ?? 0;
          u.spentUsd += e.costUsd ?? 0;
        } else u.storedCalls++;
        progress();
      } else if (e.type === 'error') {
        if (e.error.kind !== 'stopped') role(e.purpose, e.model).errors++;
      } else if (e.type === 'cache-write-failed' && !cacheWarned) {
        // Once: the cache is optional, and a full disk would otherwise print a line per call.
        cacheWarned = true;
        hooks.warn(`could not write the response cache: ${e.message}`);
      }
      else if (e.type === 'retry') progress();
    },
  });

  if (opts.dryRun) {
    const estimate = await estimateRun(p.todo, plan, { count: count!, priceOf: p.priceOf, peek: (m, r) => caller.peek(m, r) }, opts.assumed);
    return { kind: 'dry-run', estimate, rows: p.scheduled.length, alreadyDone: p.scheduled.length - p.todo.length, journal: p.journalPath };
  }

  const counts = { done: 0, failed: 0, unlabelled: 0 };
  let results = new Map<string, RowResult>();
  const countDone = () => {
    results = new Map<string, RowResult>(p.state?.rows ?? []);
    const todo = new Set(p.todo);
    Object.assign(counts, { done: 0, failed: 0, unlabelled: 0 });
    for (const q of p.scheduled) {
      const r = results.get(q.id);
      if (r && !todo.has(q)) {
        counts.done++;
        if (r.status === 'failed') counts.failed++;
        if (r.status === 'unlabelled') counts.unlabelled++;
      }
    }
  };
  countDone();
  function progress(): void {
    hooks.onProgress?.({
      ...counts,
      total: p.scheduled.length,
      spentUsd: p.spentBefore + caller.stats.spentUsd,
      apiCalls: caller.stats.api,
      storedCalls: caller.stats.cache + caller.stats.journal,
      retries: caller.stats.retries,
    });
  }

  let stopped: StopReason | undefined;
  const unsettledBefore = () => p.state?.unsettled ?? { calls: 0, maxUsd: 0 };
  if (p.todo.length > 0) {
    if (hooks.confirm) {
      const estimate = await estimateRun(p.todo, plan, { count: count!, priceOf: p.priceOf, peek: (m, r) => caller.peek(m, r) }, opts.assumed);
      if (estimate.calls > estimate.stored && !(await hooks.confirm(estimate))) throw new UserError('cancelled; nothing was spent');
    }
    const lock = lockRun(p.lockPath);
    try {
      // Another copy may have finished rows between the first read and the lock.
      loadProgress(p, opts);
      countDone();
      const resumed = counts.done;
      try {
        journal = await JournalWriter.open(p.journalPath, p.header, p.state, hooks.journalIo);
      } catch (err) {
        throw new UserError(`cannot write the run journal (${fsMessage(err as Error)}); nothing was spent`, { file: p.journalPath });
      }
      const onAbort = () => caller.halt('interrupted');
      if (hooks.signal?.aborted) onAbort();
      hooks.signal?.addEventListener('abort', onAbort, { once: true });
      hooks.onStart?.({ total: p.scheduled.length, resumed, journal: p.journalPath });
      progress();
      try {
        const out = await runRows({
          rows: p.todo,
          plan,
          caller,
          concurrency: opts.concurrency,
          record: async (q, result) => {
            // A row that failed because its model can never answer, or because the run stopped
            // before all its calls were sent, is not done: the next run, with the cause fixed, does it
            // again without needing --retry-errors.
            if (result.status === 'failed' && result.errors.some((e) => e.error.fatal)) return;
            try {
              await journaled(() => journal!.append({ t: 'row', id: q.id, result }));
            } catch {
              return;
            }
            results.set(q.id, result);
            counts.done++;
            if (result.status === 'failed') counts.failed++;
            if (result.status === 'unlabelled') counts.unlabelled++;
            progress();
          },
          ...(opts.maxCost !== undefined
            ? { budget: { maxUsd: opts.maxCost, spent: () => p.spentBefore + caller.stats.spentUsd, estimateRow: (q: QueryRow) => rowCostEstimate(q, plan, { count: count!, priceOf: p.priceOf }, opts.assumed) } }
            : {}),
        });
        stopped = out.stopped;
      } finally {
        hooks.signal?.removeEventListener('abort', onAbort);
        await journal.close();
      }
    } finally {
      lock.release();
    }
  }

  if (journalError) {
    throw new UserError(
      `cannot write the run journal (${fsMessage(journalError)}); no call was sent after the failure. ${counts.done} of ${p.scheduled.length} rows are done and kept: fix the cause, then run the same command again`,
      { file: p.journalPath },
    );
  }
  if (stopped?.kind === 'interrupted') {
    return { kind: 'interrupted', done: counts.done, rows: p.scheduled.length, journal: p.journalPath, spentUsd: caller.stats.spentUsd };
  }
  if (stopped?.kind === 'fatal') throw new UserError(fatalMessage(stopped, p.journalPath));

  const built = buildLabelledDataset({
    plan,
    rows: p.scheduled,
    results,
    input: { path: p.queries.path, hash: p.queries.hash },
    templateHash: p.templateHash,
    ...(p.templateFile ? { templateFile: p.templateFile } : {}),
    ...(opts.referenceCol && opts.mode === 'reference' ? { referenceColumn: opts.referenceCol } : {}),
    runId: p.runId,
    priceOf: p.priceOf,
  });
  const { counts: c, leftOut } = built.body.provenance;
  if (built.rows.length === 0) {
    const first = leftOut[0];
    const why = stopped?.kind === 'budget'
      ? msg`the budget (${option('maxCost')} ${opts.maxCost}) does not cover one row at its maximum cost (max tokens x price); raise it, or lower ${option('maxTokens')} and ${option('judgeMaxTokens')}`
      : first ? `${c.failed} failed, ${c.unlabelled} unlabelled; first: ${first.id}: ${first.reason}` : 'nothing ran';
    throw new UserError(msg`no row was labelled (${why}); the journal is ${p.journalPath}${c.failed ? msg`; fix the cause and run again with ${option('retryErrors')}` : ''}`);
  }
  let written;
  try {
    written = writeDatasetArtifact(built.body, built.rows, built.lineage, { root: opts.artifacts, name: opts.name });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw err;
    throw new UserError(`cannot write the dataset (${fsMessage(err as Error)}); every row is kept in ${p.journalPath}: fix the cause and run the same command again`, { file: join(opts.artifacts, 'datasets', opts.name) });
  }

  const ids = plan.candidates.map((c) => c.model.spec.id);
  const meanQuality: Record<string, number> = {};
  for (const m of ids) meanQuality[m] = built.rows.reduce((s, r) => s + r.models[m]!.quality, 0) / built.rows.length;
  const quality = (r: DatasetRow, m: string) => r.models[m]!.quality;
  let compared: Pick<LabelSummary, 'strongBetter' | 'weakBetter' | 'ties' | 'best'>;
  if (plan.pair) {
    const weak = plan.pair.weak.spec.id;
    const strong = plan.pair.strong.spec.id;
    compared = {
      strongBetter: built.rows.filter((r) => quality(r, strong) > quality(r, weak)).length,
      weakBetter: built.rows.filter((r) => quality(r, weak) > quality(r, strong)).length,
      ties: built.rows.filter((r) => quality(r, weak) === quality(r, strong)).length,
    };
  } else {
    const best = { alone: Object.fromEntries(ids.map((m) => [m, 0])), tied: 0 };
    for (const r of built.rows) {
      const top = Math.max(...ids.map((m) => quality(r, m)));
      const at = ids.filter((m) => quality(r, m) === top);
      if (at.length === 1) best.alone[at[0]!]!++;
      else best.tied++;
    }
    compared = { best };
  }
  return {
    kind: 'written',
    path: written.path,
    reused: written.reused === true,
    envelope: written.envelope,
    summary: {
      rows: p.scheduled.length,
      labelled: c.labelled,
      unlabelled: c.unlabelled,
      failed: c.failed,
      notRun: c.notRun,
      ...compared,
      ...(stopped ? { stopped } : {}),
      spentUsd: caller.stats.spentUsd,
      runSpentUsd: p.spentBefore + caller.stats.spentUsd,
      calls: { api: caller.stats.api, cache: caller.stats.cache, journal: caller.stats.journal, retries: caller.stats.retries },
      roles: [...usage.values()],
      journal: p.journalPath,
      meanQuality,
      possiblyBilledTwice: unsettledBefore(),
      ...(opts.maxCost !== undefined ? { maxCost: opts.maxCost } : {}),
    },
  };
}

function fsMessage(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return fsUserError(err)?.message ?? (code ? `${code}: ${err.message}` : err.message);
}

function fatalMessage(stopped: Extract<StopReason, { kind: 'fatal' }>, journalPath: string): Message {
  const { provider } = parseModelId(stopped.model, 'model');
  const e = stopped.error;
  const hint = e.kind === 'rate-limit-wait'
    ? 'the endpoint is paused for this run; run the same command again once the quota allows'
    : e.kind === 'unreachable'
      ? 'check that the server is running and the base URL, then run the same command again'
      : msg`${e.status === 401 || e.status === 403 ? msg`check ${PROVIDERS[provider].keyEnv} or the key in the config file (${option('config')})` : 'check the model name and the base URL'}, then run the same command again`;
  return msg`${stopped.model} cannot answer (${describeCallError(e)}); ${hint}: finished rows are kept in ${journalPath}`;
}
