import type { PriceEntry } from '../cost/catalog.js';
import type { ResolvedModel } from '../providers/resolve.js';
import { requestTokens, type TokenCounter } from '../providers/tokens.js';
import type { ChatRequest, Completion } from '../providers/types.js';
import type { QueryRow } from '../data/read-queries.js';
import { answerRequest, confidenceParams, judgeRequestsFor, purposeKind, type LabelPlan } from './row.js';
import { confidenceRequest } from './templates.js';

// What a run will cost before it runs: the calls it makes, their input tokens (counted with a
// tokenizer), their output tokens (assumed, since answers are not written yet; bounded by
// max tokens) and dollars from the price catalog. Calls already answered (run journal or cache)
// are free and counted apart. Judge inputs contain the answers: exact when the answers are
// stored, else the prompt plus the assumed answer lengths.

export interface AssumedOutput {
  /** Output tokens of a candidate answer. */
  answer: number;
  /** Output tokens of a judge reply (explanation and verdict). */
  judge: number;
  /** Output tokens of a confidence reply. */
  confidence: number;
}

export const DEFAULT_ASSUMED: AssumedOutput = { answer: 300, judge: 250, confidence: 16 };

/** Over more than two models: `answer` and `model-confidence`, one row per model; the pair form's calls are weak, strong and (the weak model's) confidence. */
export type Purpose = 'weak' | 'strong' | 'answer' | 'judge' | 'confidence' | 'model-confidence';

export interface RoleEstimate {
  purpose: Purpose;
  model: string;
  calls: number;
  /** Already answered: cost nothing. */
  stored: number;
  /** Of the calls still to make. */
  inputTokens: number;
  outputTokens: number;
  /** Undefined when the model has no price. */
  usd?: number;
  /** Every output at its max tokens. */
  maxUsd?: number;
}

export interface RunEstimate {
  rows: number;
  roles: RoleEstimate[];
  calls: number;
  stored: number;
  inputTokens: number;
  outputTokens: number;
  usd?: number;
  maxUsd?: number;
  /** Models without a price: their calls are not in the dollar figures. */
  unpriced: string[];
  assumed: AssumedOutput;
}

export interface EstimateDeps {
  count: TokenCounter;
  priceOf: (modelId: string) => PriceEntry | undefined;
  /** A stored completion for this call, if any (journal or cache); omit to assume none. */
  peek?: (model: ResolvedModel, request: ChatRequest) => Promise<Completion | undefined>;
}

interface CallEstimate {
  purpose: Purpose;
  model: ResolvedModel;
  inputTokens: number;
  outputTokens: number;
  maxInputTokens: number;
  maxOutputTokens: number;
  /** Known exactly (so it can be looked up in the cache). */
  request?: ChatRequest;
  /** The candidate whose answer this call is: free when that answer is stored. */
  answerOf?: number;
}

/** `answers[i]`: candidate i's stored answer, when there is one. */
function rowCalls(q: QueryRow, plan: LabelPlan, count: TokenCounter, assumed: AssumedOutput, answers: (string | undefined)[]): CallEstimate[] {
  const calls: CallEstimate[] = [];
  const out = plan.candidates.map((c, i) => {
    const request = answerRequest(c.model, q.query, plan.answer);
    const input = requestTokens(count, request);
    const known = answers[i];
    const o = known !== undefined ? { tokens: count(known), max: count(known) } : { tokens: Math.min(assumed.answer, request.maxTokens), max: request.maxTokens };
    calls.push({ purpose: purposeKind(c.purpose) as Purpose, model: c.model, inputTokens: input, outputTokens: o.tokens, maxInputTokens: input, maxOutputTokens: request.maxTokens, request, answerOf: i });
    return o;
  });
  const exact = plan.candidates.every((_, i) => answers[i] !== undefined);
  if (plan.mode !== 'reference') {
    const judge = plan.judge!;
    // Unknown answers are left empty and their assumed length is added below.
    for (const { request, shown } of judgeRequestsFor(plan, q.query, plan.candidates.map((_, i) => answers[i] ?? ''))) {
      const base = requestTokens(count, request);
      const extra = exact ? 0 : shown.reduce((s, m) => s + out[m]!.tokens, 0);
      const extraMax = exact ? 0 : shown.reduce((s, m) => s + out[m]!.max, 0);
      calls.push({
        purpose: 'judge',
        model: judge,
        inputTokens: base + extra,
        outputTokens: Math.min(assumed.judge, request.maxTokens),
        maxInputTokens: base + extraMax,
        maxOutputTokens: request.maxTokens,
        ...(exact ? { request } : {}),
      });
    }
  }
  plan.candidates.forEach((c, i) => {
    if (!c.confidencePurpose) return;
    const known = answers[i] !== undefined;
    const request = confidenceRequest(plan.templates.confidence, q.query, answers[i] ?? '', confidenceParams(plan, c.model));
    const base = requestTokens(count, request);
    calls.push({
      purpose: purposeKind(c.confidencePurpose) as Purpose,
      model: c.model,
      inputTokens: base + (known ? 0 : out[i]!.tokens),
      outputTokens: Math.min(assumed.confidence, request.maxTokens),
      maxInputTokens: base + (known ? 0 : out[i]!.max),
      maxOutputTokens: request.maxTokens,
      ...(known ? { request } : {}),
    });
  });
  return calls;
}

function dollars(tokensIn: number, tokensOut: number, price: PriceEntry): number {
  return (tokensIn * price.inputPerMTok + tokensOut * price.outputPerMTok) / 1e6;
}

/** Expected dollars of one row when nothing is stored: what the budget reserves while the row runs. */
export function rowCostEstimate(q: QueryRow, plan: LabelPlan, deps: Omit<EstimateDeps, 'peek'>, assumed: AssumedOutput = DEFAULT_ASSUMED): number {
  let usd = 0;
  for (const c of rowCalls(q, plan, deps.count, assumed, [])) {
    const price = deps.priceOf(c.model.spec.id);
    if (price) usd += dollars(c.inputTokens, c.outputTokens, price);
  }
  return usd;
}

export async function estimateRun(rows: QueryRow[], plan: LabelPlan, deps: EstimateDeps, assumed: AssumedOutput = DEFAULT_ASSUMED): Promise<RunEstimate> {
  const roles = new Map<string, RoleEstimate>();
  const unpriced = new Set<string>();
  for (const q of rows) {
    const answers: (string | undefined)[] = [];
    if (deps.peek) {
      for (const c of plan.candidates) answers.push((await deps.peek(c.model, answerRequest(c.model, q.query, plan.answer)))?.text);
    }
    const calls = rowCalls(q, plan, deps.count, assumed, answers);
    for (const c of calls) {
      const key = `${c.purpose} ${c.model.spec.id}`;
      let role = roles.get(key);
      if (!role) {
        const priced = deps.priceOf(c.model.spec.id) !== undefined;
        role = { purpose: c.purpose, model: c.model.spec.id, calls: 0, stored: 0, inputTokens: 0, outputTokens: 0, ...(priced ? { usd: 0, maxUsd: 0 } : {}) };
        roles.set(key, role);
      }
      role.calls++;
      const free = c.answerOf !== undefined
        ? answers[c.answerOf] !== undefined
        : c.request !== undefined && deps.peek !== undefined && (await deps.peek(c.model, c.request)) !== undefined;
      if (free) {
        role.stored++;
        continue;
      }
      role.inputTokens += c.inputTokens;
      role.outputTokens += c.outputTokens;
      const price = deps.priceOf(c.model.spec.id);
      if (!price) {
        unpriced.add(c.model.spec.id);
        continue;
      }
      role.usd! += dollars(c.inputTokens, c.outputTokens, price);
      role.maxUsd! += dollars(c.maxInputTokens, c.maxOutputTokens, price);
    }
  }
  const list = [...roles.values()];
  const sum = (f: (r: RoleEstimate) => number) => list.reduce((s, r) => s + f(r), 0);
  const priced = list.filter((r) => r.usd !== undefined);
  return {
    rows: rows.length,
    roles: list,
    calls: sum((r) => r.calls),
    stored: sum((r) => r.stored),
    inputTokens: sum((r) => r.inputTokens),
    outputTokens: sum((r) => r.outputTokens),
    ...(priced.length || unpriced.size === 0 ? { usd: priced.reduce((s, r) => s + r.usd!, 0), maxUsd: priced.reduce((s, r) => s + r.maxUsd!, 0) } : {}),
    unpriced: [...unpriced],
    assumed,
  };
}
