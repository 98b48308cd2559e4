import { z } from 'zod';
import type { DenseMatrix } from '../embed/dense.js';
import type { FeatureBlock, Features } from '../embed/features.js';
import { selectRows, sliceColumns } from '../embed/sparse.js';
import { selectDenseRows } from '../embed/dense.js';
import { sigmoid } from './logistic-solver.js';
import { KnnHead, knnRouter } from './knn.js';
import { logisticRouter } from './logistic.js';
import { UserError } from '../errors.js';
import { invalidState, objectiveSchema, optionsOf } from './options.js';
import type { Head, HeadData, RouterType, TrainContext } from './router.js';

// One member per embedder part, averaged: logistic regression on a TF-IDF part, knn on a pretrained
// embedding part (`--router ensemble --embedder tfidf+use`). Why: on MMLU the two see different
// things (words against meaning) and their errors differ; with the pairwise objective, logistic on
// TF-IDF alone reaches APGR ~0.688 and knn on USE ~0.680 over 5 folds, their average ~0.699, while
// logistic on the TF-IDF+USE columns together does worse than on TF-IDF alone (0.682): the dense
// block takes weight from the sparse one under one penalty.
// Each member's logit is standardised by the mean and spread of its scores on (up to 1,000 of) its
// training rows (knn's leave-one-out, so a query is not its own neighbour), then the standardised
// logits are averaged; calibration maps the result to a probability afterwards, like any router's.

const optionsSchema = z.object({
  c: z.union([z.number().positive(), z.literal('auto')]).default('auto'),
  k: z.union([z.number().int().positive(), z.literal('auto')]).default('auto'),
  objective: objectiveSchema,
});

const CLIP = 1e-6;
const SAMPLE = 1000;
function logit(p: number): number {
  const q = Math.min(1 - CLIP, Math.max(CLIP, p));
  return Math.log(q / (1 - q));
}

const memberSchema = z.object({
  router: z.enum(['logistic', 'knn']),
  block: z.object({ kind: z.enum(['sparse', 'dense']), spec: z.string(), cols: z.number().int().positive() }),
  mean: z.number(),
  sd: z.number().positive(),
  state: z.unknown(),
});
const stateSchema = z.object({ members: z.array(memberSchema).min(2) });

interface Member {
  router: 'logistic' | 'knn';
  block: FeatureBlock;
  mean: number;
  sd: number;
  head: Head;
}

/** The block's columns of the combined features, in the member's own layout. */
function blockOf(x: Features, blocks: FeatureBlock[], index: number): Features {
  const from = blocks.slice(0, index).reduce((s, b) => s + b.cols, 0);
  const block = blocks[index]!;
  if (x.kind === 'dense') {
    const d: DenseMatrix = { rows: x.x.rows, cols: block.cols, data: new Float32Array(x.x.rows * block.cols) };
    for (let r = 0; r < x.x.rows; r++) d.data.set(x.x.data.subarray(r * x.x.cols + from, r * x.x.cols + from + block.cols), r * block.cols);
    return { kind: 'dense', x: d };
  }
  const part = sliceColumns(x.x, from, from + block.cols);
  if (block.kind === 'sparse') return { kind: 'sparse', x: part };
  const d: DenseMatrix = { rows: part.rows, cols: part.cols, data: new Float32Array(part.rows * part.cols) };
  for (let r = 0; r < part.rows; r++) for (let k = part.indptr[r]; k < part.indptr[r + 1]; k++) d.data[r * part.cols + part.indices[k]] = part.values[k];
  return { kind: 'dense', x: d };
}

function selectFeatures(x: Features, ids: number[]): Features {
  return x.kind === 'sparse' ? { kind: 'sparse', x: selectRows(x.x, ids) } : { kind: 'dense', x: selectDenseRows(x.x, ids) };
}

function restrict(data: HeadData, x: Features): HeadData {
  return { ...data, x };
}

function spread(scores: ArrayLike<number>): { mean: number; sd: number } {
  const z = Array.from(scores, logit);
  const mean = z.reduce((a, b) => a + b, 0) / z.length;
  const sd = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length);
  return { mean, sd: sd > 0 ? sd : 1 };
}

// Members already fitted on the same training rows with the same options: the engine tries each
// C on one split, and the knn member (which C does not touch) need not be fitted again each time.
const fitted = new WeakMap<HeadData, Map<string, Member & { refit?: Record<string, unknown> }>>();

// A member's scores on one feature matrix. While C is tuned, every candidate ensemble holds the same
// knn member and is scored on the same validation rows, and a knn pass is the expensive part (on
// MMLU ~16 s per pass over 2,200 validation queries), so each member scores a matrix once.
const memberScores = new WeakMap<Head, WeakMap<Features, Float64Array>>();

function scoreOnce(head: Head, x: Features, compute: () => Float64Array): Float64Array {
  let byMatrix = memberScores.get(head);
  if (!byMatrix) memberScores.set(head, (byMatrix = new WeakMap()));
  let s = byMatrix.get(x);
  if (!s) byMatrix.set(x, (s = compute()));
  return s;
}

class EnsembleHead implements Head {
  constructor(
    private readonly members: Member[],
    private readonly blocks: FeatureBlock[],
    readonly refit?: Record<string, unknown>,
  ) {}

  score(x: Features, queries: string[]): Float64Array {
    const out = new Float64Array(x.x.rows);
    this.members.forEach((m, i) => {
      const s = scoreOnce(m.head, x, () => m.head.score(blockOf(x, this.blocks, i), queries));
      for (let r = 0; r < out.length; r++) out[r]! += (logit(s[r]!) - m.mean) / m.sd / this.members.length;
    });
    for (let r = 0; r < out.length; r++) out[r] = sigmoid(out[r]!);
    return out;
  }

  state(): z.infer<typeof stateSchema> {
    return { members: this.members.map((m) => ({ router: m.router, block: m.block, mean: m.mean, sd: m.sd, state: m.head.state() })) };
  }
}

export const ensembleRouter: RouterType = {
  description: 'one member per embedder part, averaged: logistic on TF-IDF, knn on an embedding (e.g. --embedder tfidf+use; -C, --k, --objective)',
  layout: 'sparse',
  needsLabels: true,
  candidates(options) {
    const { c, k, objective } = optionsOf(optionsSchema, options, 'ensemble');
    return logisticRouter.candidates({ c, objective }).map((o) => ({ ...o, k }));
  },
  async train(ctx: TrainContext): Promise<Head> {
    const { blocks, options } = ctx;
    if (blocks.length < 2) {
      throw new UserError('the ensemble router needs an embedder of two or more parts, one member each, e.g. --embedder tfidf+use');
    }
    const members: Member[] = [];
    const refit: Record<string, unknown> = {};
    for (let i = 0; i < blocks.length; i++) {
      const block = blocks[i]!;
      const router: Member['router'] = block.kind === 'sparse' ? 'logistic' : 'knn';
      const train = restrict(ctx.train, blockOf(ctx.train.x, blocks, i));
      const validation = ctx.validation ? restrict(ctx.validation, blockOf(ctx.validation.x, blocks, i)) : null;
      const memberOptions = router === 'logistic' ? { c: options.c, objective: options.objective } : { k: options.k, objective: options.objective };
      const memo = fitted.get(ctx.train) ?? new Map();
      fitted.set(ctx.train, memo);
      const key = `${i}\0${JSON.stringify(memberOptions)}\0${ctx.validation ? 'v' : ''}`;
      const known = memo.get(key);
      if (known) {
        if (known.refit?.k !== undefined) refit.k = known.refit.k;
        members.push(known);
        continue;
      }
      const head = await (router === 'logistic' ? logisticRouter : knnRouter).train({ ...ctx, train, validation, options: memberOptions, blocks: [block] });
      if (head.refit?.k !== undefined) refit.k = head.refit.k;
      // The spread is estimated on at most SAMPLE training rows: knn's leave-one-out scores cost a pass over every neighbour per row.
      const step = Math.max(1, Math.ceil(train.labels.length / SAMPLE));
      const ids = Array.from({ length: Math.ceil(train.labels.length / step) }, (_, j) => j * step);
      const sample = selectFeatures(train.x, ids);
      const own = head instanceof KnnHead ? head.scoreFor(sample, [head.k], (r) => ids[r]!)[0]! : head.score(sample, ids.map((j) => train.queries[j]!));
      const member = { router, block, ...spread(own), head };
      memo.set(key, { ...member, refit: head.refit });
      members.push(member);
    }
    return new EnsembleHead(members, blocks, Object.keys(refit).length ? refit : undefined);
  },
  load(raw) {
    const p = stateSchema.safeParse(raw);
    if (!p.success) throw invalidState(p.error);
    const members = p.data.members.map((m) => ({ ...m, head: (m.router === 'logistic' ? logisticRouter : knnRouter).load(m.state) }));
    return new EnsembleHead(members, members.map((m) => m.block));
  },
};
