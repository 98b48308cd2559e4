import type { Hash } from '../artifacts/hash.js';
import type { LineageRef } from '../artifacts/envelope.js';
import type { PriceEntry } from '../cost/catalog.js';
import type { DatasetBody } from '../artifacts/bodies/dataset.js';
import type { DatasetRow, ModelInfo } from '../data/dataset.js';
import type { ModelSpec } from '../providers/resolve.js';
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
  const weak = plan.weak.spec;
  const strong = plan.strong.spec;
  const how = plan.mode === 'pairwise'
    ? `pairwise verdicts of ${plan.judge!.spec.id} (both orders)`
    : plan.mode === 'grade'
      ? `1-10 grades of ${plan.judge!.spec.id}`
      : `${plan.match} match against the reference answers`;
  const provenance: Provenance = {
    tool: 'router label',
    mode: plan.mode,
    models: Object.fromEntries(
      (['weak', 'strong', 'judge'] as const).flatMap((role) => (plan[role] ? [[role, { id: plan[role].spec.id, endpoint: plan[role].spec.endpoint }]] : [])),
    ),
    judge: plan.judge?.spec.id ?? null,
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
      description: `${weak.id} (weak) and ${strong.id} (strong) answers to ${b.input.path}, labelled by ${how}`,
      models: [modelInfo(weak, b.priceOf(weak.id)), modelInfo(strong, b.priceOf(strong.id))],
      defaultPair: { weak: weak.id, strong: strong.id },
      rowCount: rows.length,
      provenance,
    },
    rows,
    lineage,
  };
}
