import type { DatasetRow, MetaValue, ModelOutcome, Verdict } from '../data/dataset.js';
import { describeCallError, type CallError } from '../providers/api-error.js';
import type { CallContext, CallResult, LlmCaller } from '../providers/caller.js';
import type { ResolvedModel } from '../providers/resolve.js';
import type { ChatRequest } from '../providers/types.js';
import type { QueryRow } from '../data/read-queries.js';
import { gradeAgainstReference, type MatchKind } from './reference.js';
import { confidenceRequest, gradeRequest, pairwiseRequest, type JudgeParams, type Templates } from './templates.js';
import { asWinner, combineOrders, gradeQuality, pairQualities, parseConfidence, parseGrade, parsePairwise } from './verdicts.js';

// Labelling one query: every candidate answer, then the judge (or the reference), then the
// dataset row. The result is a value in every case: a labelled row, a row the judge's replies
// could not label, or a failure naming the call that failed.
//
// Two forms share this code. The pair form (--weak/--strong) is the special case of two
// candidates whose reference is the strong one; it alone labels the row for the pair (`label`)
// and gives pairwise outcomes to both sides (win 1, loss 0). Over more models (--models) the
// judge compares each model with the reference model, and the reference gets 0.5, the tie point:
// see fromPairwise for why.

export type Mode = 'pairwise' | 'grade' | 'reference';

/** A model that answers every query. */
export interface Candidate {
  model: ResolvedModel;
  /** Its answer call's purpose, as journal records name it: `weak`/`strong` in the pair form, `answer <id>` over more models. */
  purpose: string;
  /** Its confidence call's purpose, when it is asked one (--confidence). */
  confidencePurpose?: string;
}

export interface LabelPlan {
  mode: Mode;
  /** In order: the pair's weak then strong model, or the models of --models as listed. */
  candidates: Candidate[];
  /** The pair form. Absent over more than two models, where no pair is labelled. */
  pair?: { weak: ResolvedModel; strong: ResolvedModel };
  /** Index (in candidates) of the model the pairwise judge compares every other with: the pair's strong model. */
  reference: number;
  judge?: ResolvedModel;
  /** Ask the weak model (over more models: every model) how confident it is in its answer. */
  confidence: boolean;
  match?: MatchKind;
  templates: Templates;
  /** Answer calls; a model's own maxTokens/temperature in the config file win. */
  answer: JudgeParams;
  judgeParams: JudgeParams;
  confidenceParams: JudgeParams;
}

/** The candidates of the pair form, whose journal purposes (weak, strong, confidence) are the pair's. */
export function pairCandidates(weak: ResolvedModel, strong: ResolvedModel, confidence: boolean): Candidate[] {
  return [{ model: weak, purpose: 'weak', ...(confidence ? { confidencePurpose: 'confidence' } : {}) }, { model: strong, purpose: 'strong' }];
}

/** The candidates over more models: a purpose per model, so a journal record says whose call it paid for. */
export function modelCandidates(models: ResolvedModel[], confidence: boolean): Candidate[] {
  return models.map((model) => ({ model, purpose: `answer ${model.spec.id}`, ...(confidence ? { confidencePurpose: `confidence ${model.spec.id}` } : {}) }));
}

/** The kind of call a purpose names, as estimates and summaries group calls: `judge-3` is a judge call. */
export function purposeKind(purpose: string): string {
  if (/^judge-\d+$/.test(purpose)) return 'judge';
  if (purpose.startsWith('answer ')) return 'answer';
  if (purpose.startsWith('confidence ')) return 'model-confidence';
  return purpose;
}

/** The model a journaled call's purpose belongs to, so a resumed run prices what earlier runs paid. */
export function modelOfPurpose(plan: LabelPlan, purpose: string): ResolvedModel | undefined {
  if (purpose.startsWith('judge')) return plan.judge;
  return plan.candidates.find((c) => c.purpose === purpose || c.confidencePurpose === purpose)?.model;
}

export type RowResult =
  | { status: 'labelled'; row: DatasetRow }
  | { status: 'unlabelled'; reason: string; row: DatasetRow; judgeReplies: string[] }
  | { status: 'failed'; error: string; errors: { purpose: string; model: string; error: CallError }[] };

/** The request a model gets for `base` parameters, after its own settings from the config file. */
export function withModelParams(model: ResolvedModel, base: JudgeParams): Pick<ChatRequest, 'maxTokens' | 'temperature'> {
  const { maxTokens, temperature } = model.spec;
  const t = temperature === null ? undefined : (temperature ?? base.temperature);
  return { maxTokens: maxTokens ?? base.maxTokens, ...(t !== undefined ? { temperature: t } : {}) };
}

export function answerRequest(model: ResolvedModel, query: string, base: JudgeParams): ChatRequest {
  return { messages: [{ role: 'user', content: query }], ...withModelParams(model, base) };
}

export function judgeRequestParams(plan: LabelPlan): JudgeParams {
  const p = withModelParams(plan.judge!, plan.judgeParams);
  return { maxTokens: p.maxTokens, ...(p.temperature !== undefined ? { temperature: p.temperature } : {}) };
}

function outcome(r: Extract<CallResult, { ok: true }>, quality: number): ModelOutcome {
  const c = r.completion;
  return {
    quality,
    response: c.text,
    ...(c.inputTokens !== undefined ? { inputTokens: c.inputTokens } : {}),
    ...(c.outputTokens !== undefined ? { outputTokens: c.outputTokens } : {}),
    ...(r.costUsd !== undefined ? { cost: r.costUsd } : {}),
    latencyMs: Math.round(c.latencyMs),
  };
}

function failure(calls: { purpose: string; model: ResolvedModel; result: CallResult }[]): RowResult | undefined {
  const errors = calls
    .filter((c) => !c.result.ok)
    .map((c) => ({ purpose: c.purpose, model: c.model.spec.id, error: (c.result as Extract<CallResult, { ok: false }>).error }));
  if (errors.length === 0) return undefined;
  return { status: 'failed', error: errors.map((e) => `${e.purpose} ${e.model}: ${describeCallError(e.error)}`).join('; '), errors };
}

/** The confidence question keeps its own short output limit, and the asked model's temperature setting. */
export function confidenceParams(plan: LabelPlan, model: ResolvedModel): JudgeParams {
  const { temperature } = withModelParams(model, plan.confidenceParams);
  return { maxTokens: plan.confidenceParams.maxTokens, ...(temperature !== undefined ? { temperature } : {}) };
}

/** A judge request, and the candidates (indices) whose answers it shows. */
export interface JudgeRequest {
  request: ChatRequest;
  shown: number[];
}

/** The pairwise comparisons: each candidate but the reference against it, that candidate shown first. */
function comparisons(plan: LabelPlan): [number, number][] {
  return plan.candidates.flatMap((_, i) => (i === plan.reference ? [] : [[i, plan.reference] as [number, number]]));
}

/** The judge's requests: each comparison in both orders (pairwise), or one grade per answer. */
export function judgeRequestsFor(plan: LabelPlan, query: string, texts: string[]): JudgeRequest[] {
  const p = judgeRequestParams(plan);
  const text = (i: number) => texts[i] ?? '';
  return plan.mode === 'pairwise'
    ? comparisons(plan).flatMap(([m, r]) => [
        { request: pairwiseRequest(plan.templates.pairwise, query, text(m), text(r), p), shown: [m, r] },
        { request: pairwiseRequest(plan.templates.pairwise, query, text(r), text(m), p), shown: [r, m] },
      ])
    : plan.candidates.map((_, i) => ({ request: gradeRequest(plan.templates.grade, query, text(i), p), shown: [i] }));
}

type Ok = Extract<CallResult, { ok: true }>;

export async function labelRow(q: QueryRow, plan: LabelPlan, caller: LlmCaller): Promise<RowResult> {
  const ctx = (purpose: string): CallContext => ({ rowId: q.id, purpose });
  const { candidates, judge } = plan;
  const answers = await Promise.all(candidates.map((c) => caller.call(c.model, answerRequest(c.model, q.query, plan.answer), ctx(c.purpose))));
  const answersFailed = failure(candidates.map((c, i) => ({ purpose: c.purpose, model: c.model, result: answers[i]! })));
  if (answersFailed) return answersFailed;
  const done = answers as Ok[];
  const texts = done.map((a) => a.completion.text);

  // The judge (or the reference) and the confidence questions run side by side.
  const judgeRequests = plan.mode === 'reference' ? [] : judgeRequestsFor(plan, q.query, texts);
  const [judgeResults, confs] = await Promise.all([
    Promise.all(judgeRequests.map((r, i) => caller.call(judge!, r.request, ctx(`judge-${i + 1}`)))),
    Promise.all(
      candidates.map((c, i) =>
        c.confidencePurpose
          ? caller.call(c.model, confidenceRequest(plan.templates.confidence, q.query, texts[i]!, confidenceParams(plan, c.model)), ctx(c.confidencePurpose))
          : undefined,
      ),
    ),
  ]);
  const failed = failure([
    ...judgeResults.map((result, i) => ({ purpose: `judge-${i + 1}`, model: judge!, result })),
    ...candidates.flatMap((c, i) => {
      const result = confs[i];
      return result && c.confidencePurpose ? [{ purpose: c.confidencePurpose, model: c.model, result }] : [];
    }),
  ]);
  if (failed) return failed;

  let judged: Judged | Unlabelled;
  if (plan.mode === 'reference') {
    const ref = q.reference!;
    judged = { qualities: texts.map((t) => gradeAgainstReference(plan.match!, t, ref)) };
  } else {
    const replies = judgeResults.map((r) => (r as Ok).completion.text);
    judged = plan.mode === 'pairwise' ? fromPairwise(replies, plan) : fromGrades(replies, plan);
  }

  const meta: Record<string, MetaValue> | undefined = Object.keys(q.meta).length ? q.meta : undefined;
  const base = (qualities: number[]): DatasetRow => {
    const models: DatasetRow['models'] = {};
    candidates.forEach((c, i) => {
      const conf = confs[i];
      const confidence = conf?.ok ? parseConfidence(conf.completion.text) : undefined;
      models[c.model.spec.id] = { ...outcome(done[i]!, qualities[i]!), ...(confidence !== undefined ? { confidence } : {}) };
    });
    return { id: q.id, query: q.query, models, ...(meta ? { meta } : {}) };
  };
  if ('unlabelled' in judged) {
    // Quality is unknown: 0 is a placeholder the dataset never sees (unlabelled rows are left out).
    const row = base(candidates.map(() => 0));
    if (judged.verdicts) row.verdicts = judged.verdicts;
    return { status: 'unlabelled', reason: judged.unlabelled, row, judgeReplies: judged.replies };
  }
  const row = base(judged.qualities);
  if (judged.verdicts) row.verdicts = judged.verdicts;
  if (judged.grades) candidates.forEach((c, i) => (row.models[c.model.spec.id]!.grade = judged.grades![i]));
  if (plan.pair) {
    const [qWeak, qStrong] = judged.qualities as [number, number];
    row.label = { weak: plan.pair.weak.spec.id, strong: plan.pair.strong.spec.id, strongBetter: qStrong > qWeak };
  }
  return { status: 'labelled', row };
}

/** Qualities in candidate order. */
interface Judged {
  qualities: number[];
  verdicts?: Verdict[];
  grades?: number[];
}

interface Unlabelled {
  unlabelled: string;
  replies: string[];
  verdicts?: Verdict[];
}

/** "a, b and c" */
function andList(items: string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/**
 * Each comparison's two orders combined into one outcome for the candidate shown first. In the
 * pair form both sides get it (win 1, loss 0, tie 0.5 each). Over more models each model gets its
 * outcome against the reference, and the reference gets 0.5: qualities then say "better than,
 * level with, or worse than the reference", a scale on which the reference is the tie point by
 * definition. Giving the reference 1 minus the others' mean outcome instead would mix separate
 * comparisons into one number and make its quality depend on which other models were listed.
 * Two models that both beat the reference come out equal: the judge never compared them.
 */
function fromPairwise(replies: string[], plan: LabelPlan): Judged | Unlabelled {
  const judge = plan.judge!.spec.id;
  const id = (i: number) => plan.candidates[i]!.model.spec.id;
  const verdicts: Verdict[] = [];
  const qualities = plan.candidates.map(() => 0.5);
  const unreadable: string[] = [];
  comparisons(plan).forEach(([m, r], k) => {
    const r1 = parsePairwise(replies[2 * k]!);
    const r2 = parsePairwise(replies[2 * k + 1]!);
    verdicts.push({ judge, a: id(m), b: id(r), winner: asWinner(r1) }, { judge, a: id(r), b: id(m), winner: asWinner(r2) });
    const combined = combineOrders(r1, r2);
    if (combined === 'unparseable') {
      const order = plan.pair
        ? (r1 === 'unparseable' && r2 === 'unparseable' ? 'both orders' : r1 === 'unparseable' ? 'the weak-first order' : 'the strong-first order')
        : (r1 === 'unparseable' && r2 === 'unparseable' ? 'both orders' : `the ${r1 === 'unparseable' ? id(m) : id(r)}-first order`);
      unreadable.push(plan.pair ? order : `${id(m)} against ${id(r)}, ${order}`);
      return;
    }
    const q = pairQualities(combined);
    qualities[m] = q.weak;
    if (plan.pair) qualities[r] = q.strong;
  });
  if (unreadable.length) return { unlabelled: `unparseable verdict in ${unreadable.join('; ')}`, replies, verdicts };
  return { qualities, verdicts };
}

function fromGrades(replies: string[], plan: LabelPlan): Judged | Unlabelled {
  const grades = replies.map(parseGrade);
  const missing = grades.flatMap((g, i) => (g === undefined ? [i] : []));
  if (missing.length) {
    const which = plan.pair
      ? (missing.length === 2 ? 'weak and strong answers' : missing[0] === 0 ? 'weak answer' : 'strong answer')
      : `${missing.length === 1 ? 'answer' : 'answers'} of ${andList(missing.map((i) => plan.candidates[i]!.model.spec.id))}`;
    return { unlabelled: `unparseable grade for the ${which}`, replies };
  }
  const known = grades as number[];
  return { qualities: known.map(gradeQuality), grades: known };
}
