import type { Hash } from '../artifacts/hash.js';
import type { LineageRef } from '../artifacts/envelope.js';
import type { PriceEntry } from '../cost/catalog.js';
import type { DatasetBody } from '../artifacts/bodies/dataset.js';
import type { DatasetRow, ModelInfo } from '../data/dataset.js';
import type { ModelSpec, ResolvedModel } from '../providers/resolve.js';
import type { QueryRow } from '../data/read-queries.js';
import type { LabelPlan, RowResult } from './row.js';

// The labelled dataset `router label` writes: the canonical JSONL dataset (read by train and eval
// like any other), whose header names the pair, the prices and how the labels were made.

// A type alias, not an interface, so it fits the schema's open `Record<string, unknown>`.
export type Provenance = {
  tool: 'router label';
  mode: LabelPlan['mode'];
  models: Record<string, { id: string; endpoint: string }>;
  judge: string | null;
  /** Pairwise over more than two models: the model each other was compared with (its quality is 0.5 on every row). */
  reference?: string;
  /** Hash of the prompt templates the run used (see src/label/templates.ts). */
  templateHash: Hash | null;
  input: { path: string; hash: Hash; rows: number };
  match?: string;
  referenceColumn?: string;
  confidence: boolean;
  params: { answer: LabelPlan['answer']; judge?: LabelPlan['judgeParams'] };
  runId: string;
  counts: { labelled: number; unlabelled: number; failed: number; notRun: number };
  /** Rows left out, with why: a judge reply that could not be read, or a failed call. */
  leftOut: { id: string; status: 'unlabelled' | 'failed'; reason: string }[];
};

export interface BuildInput {
  plan: LabelPlan;
  /** Rows of this run, in input order. */
  rows: QueryRow[];
  results: Map<string, RowResult>;
  input: { path: string; hash: Hash };
  templateHash: Hash | null;
  templateFile?: { path: string; hash: Hash };
  referenceColumn?: string;
  runId: string;
  priceOf: (id: string) => PriceEntry | undefined;
}

export interface BuiltDataset {
  body: DatasetBody & { provenance: Provenance };
  rows: DatasetRow[];
  lineage: LineageRef[];
}

/** Each model with the endpoint it is called at, for the journal's header and the dataset's provenance: by role in the pair form, by id over more models. */
export function describeModels(plan: LabelPlan): Record<string, { id: string; endpoint: string }> {
  const of = (m: ResolvedModel) => ({ id: m.spec.id, endpoint: m.spec.endpoint });
  const answering = plan.pair ? [['weak', of(plan.pair.weak)], ['strong', of(plan.pair.strong)]] : plan.candidates.map((c) => [c.model.spec.id, of(c.model)]);
  return Object.fromEntries([...answering, ...(plan.judge ? [['judge', of(plan.judge)]] : [])]);
}

function modelInfo(spec: ModelSpec, price: PriceEntry | undefined): ModelInfo {
  return { id: spec.id, ...(price ? { price: { inputPerMTok: price.inputPerMTok, outputPerMTok: price.outputPerMTok } } : {}) };
}

export function buildLabelledDataset(b: BuildInput): BuiltDataset {
  const { plan } = b;
  const rows: DatasetRow[] = [];
  const leftOut: Provenance['leftOut'] = [];
  let notRun = 0;
  for (const q of b.rows) {
    const r = b.results.get(q.id);
    if (!r) notRun++;
    else if (r.status === 'labelled') rows.push(r.row);
    else leftOut.push({ id: q.id, status: r.status, reason: r.status === 'failed' ? r.error : r.reason });
  }
  const specs = plan.candidates.map((c) => c.model.spec);
  const reference = plan.pair ? undefined : plan.mode === 'pairwise' ? specs[plan.reference]!.id : undefined;
  const how = plan.mode === 'pairwise'
    ? reference
      ? `pairwise verdicts of ${plan.judge!.spec.id} against ${reference} (both orders; ${reference} has quality 0.5, the tie point)`
      : `pairwise verdicts of ${plan.judge!.spec.id} (both orders)`
    : plan.mode === 'grade'
      ? `1-10 grades of ${plan.judge!.spec.id}`
      : `${plan.match} match against the reference answers`;
  const provenance: Provenance = {
    tool: 'router label',
    mode: plan.mode,
    models: describeModels(plan),
    judge: plan.judge?.spec.id ?? null,
    ...(reference ? { reference } : {}),
    templateHash: b.templateHash,
    input: { path: b.input.path, hash: b.input.hash, rows: b.rows.length },
    ...(plan.match ? { match: plan.match } : {}),
    ...(b.referenceColumn ? { referenceColumn: b.referenceColumn } : {}),
    confidence: plan.confidence,
    params: { answer: plan.answer, ...(plan.judge ? { judge: plan.judgeParams } : {}) },
    runId: b.runId,
    counts: { labelled: rows.length, unlabelled: leftOut.filter((l) => l.status === 'unlabelled').length, failed: leftOut.filter((l) => l.status === 'failed').length, notRun },
    leftOut,
  };
  const lineage: LineageRef[] = [{ kind: 'file', hash: b.input.hash, path: b.input.path, role: 'queries' }];
  if (b.templateFile) lineage.push({ kind: 'file', hash: b.templateFile.hash, path: b.templateFile.path, role: 'judge-template' });
  return {
    body: {
      description: plan.pair
        ? `${plan.pair.weak.spec.id} (weak) and ${plan.pair.strong.spec.id} (strong) answers to ${b.input.path}, labelled by ${how}`
        : `answers of ${specs.map((m) => m.id).join(', ')} to ${b.input.path}, labelled by ${how}`,
      models: specs.map((m) => modelInfo(m, b.priceOf(m.id))),
      // Over more models there is no pair: train and eval route over all of them.
      ...(plan.pair ? { defaultPair: { weak: plan.pair.weak.spec.id, strong: plan.pair.strong.spec.id } } : {}),
      rowCount: rows.length,
      provenance,
    },
    rows,
    lineage,
  };
}
