import { z } from 'zod';
import type { DenseMatrix } from '../embed/dense.js';
import type { FeatureBlock, Features } from '../embed/features.js';
import { csrToDenseMatrix, selectRows, sliceColumns } from '../embed/sparse.js';
import { selectDenseRows } from '../embed/dense.js';
import { sigmoid } from './logistic-solver.js';
import { knnHeads, knnRouter, type KnnCandidate } from './knn.js';
import { logisticRouter, type LogisticCandidate } from './logistic.js';
import { msg, option, UserError } from '../errors.js';
import { invalidState, objectiveSchema, optionsOf, type Objective } from './options.js';
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

/** `-C`, `--k` and `--objective`, validated: the logistic members' C, the knn members' k. */
export type EnsembleOptions = z.infer<typeof optionsSchema>;
/** One fit's options: a C of logistic's grid and a k of knn's. */
export type EnsembleCandidate = { c: number; k: number; objective: Objective };

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
  return { kind: 'dense', x: csrToDenseMatrix(part) };
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

/** A member fitted on its block, with the spread that standardises its logits. */
interface FittedMember extends Member {
  /** Its scores on the validation rows (its block of them), when fitted on a tuning fold. */
  validation: Float64Array | null;
}

function memberOptions(router: Member['router'], c: EnsembleCandidate): LogisticCandidate | KnnCandidate {
  return router === 'logistic' ? { c: c.c, objective: c.objective } : { k: c.k, objective: c.objective };
}

/**
 * Block `index`'s member fitted once per distinct member candidate of `grid`, in the order of
 * `wanted` (keys of memberOptions). Logistic fits each C; knn's heads share the neighbours and
 * score every k in one pass, on the validation rows and on the training sample alike.
 */
async function fitMembers(ctx: TrainContext, index: number, wanted: (LogisticCandidate | KnnCandidate)[]): Promise<FittedMember[]> {
  const { blocks } = ctx;
  const block = blocks[index]!;
  const router: Member['router'] = block.kind === 'sparse' ? 'logistic' : 'knn';
  const train = restrict(ctx.train, blockOf(ctx.train.x, blocks, index));
  const validation = ctx.validation ? restrict(ctx.validation, blockOf(ctx.validation.x, blocks, index)) : null;
  // The spread is estimated on at most SAMPLE training rows: knn's leave-one-out scores cost a pass over every neighbour per row.
  const step = Math.max(1, Math.ceil(train.labels.length / SAMPLE));
  const ids = Array.from({ length: Math.ceil(train.labels.length / step) }, (_, j) => j * step);
  const sample = selectFeatures(train.x, ids);
  if (router === 'knn') {
    const grid = wanted as KnnCandidate[];
    const heads = knnHeads(train, grid);
    const ks = grid.map((c) => c.k);
    const own = heads[0]!.scoreFor(sample, ks, (r) => ids[r]!);
    const val = validation ? heads[0]!.scoreFor(validation.x, ks) : null;
    return heads.map((head, i) => ({ router, block, ...spread(own[i]!), head, validation: val ? val[i]! : null }));
  }
  const out: FittedMember[] = [];
  for (const options of wanted as LogisticCandidate[]) {
    const head = await logisticRouter.train({ ...ctx, train, validation, blocks: [block] }, options);
    const own = head.score(sample, ids.map((j) => train.queries[j]!));
    out.push({ router, block, ...spread(own), head, validation: validation ? head.score(validation.x, validation.queries) : null });
  }
  return out;
}

/** Each candidate's members: for every block, the member fitted with that candidate's options. */
async function fitGrid(ctx: TrainContext, grid: EnsembleCandidate[]): Promise<FittedMember[][]> {
  const { blocks } = ctx;
  if (blocks.length < 2) {
    throw new UserError(msg`the ensemble router needs an embedder of two or more parts, one member each, e.g. ${option('embedder')} tfidf+use`);
  }
  const perCandidate: FittedMember[][] = grid.map(() => []);
  for (let i = 0; i < blocks.length; i++) {
    const router: Member['router'] = blocks[i]!.kind === 'sparse' ? 'logistic' : 'knn';
    const keys = grid.map((c) => JSON.stringify(memberOptions(router, c)));
    const distinct = [...new Set(keys)];
    const fitted = await fitMembers(ctx, i, distinct.map((k) => JSON.parse(k) as LogisticCandidate | KnnCandidate));
    keys.forEach((k, c) => perCandidate[c]!.push(fitted[distinct.indexOf(k)]!));
  }
  return perCandidate;
}

/** The ensemble's score: the members' standardised logits averaged, as a probability. */
function combine(members: Member[], scores: Float64Array[], rows: number): Float64Array {
  const out = new Float64Array(rows);
  members.forEach((m, i) => {
    const s = scores[i]!;
    for (let r = 0; r < rows; r++) out[r]! += (logit(s[r]!) - m.mean) / m.sd / members.length;
  });
  for (let r = 0; r < rows; r++) out[r] = sigmoid(out[r]!);
  return out;
}

class EnsembleHead implements Head<EnsembleCandidate> {
  constructor(
    private readonly members: Member[],
    private readonly blocks: FeatureBlock[],
  ) {}

  score(x: Features, queries: string[]): Float64Array {
    const scores = this.members.map((m, i) => m.head.score(blockOf(x, this.blocks, i), queries));
    return combine(this.members, scores, x.x.rows);
  }

  state(): z.infer<typeof stateSchema> {
    return { members: this.members.map((m) => ({ router: m.router, block: m.block, mean: m.mean, sd: m.sd, state: m.head.state() })) };
  }
}

const member = (m: FittedMember): Member => ({ router: m.router, block: m.block, mean: m.mean, sd: m.sd, head: m.head });

export const ensembleRouter: RouterType<EnsembleOptions, EnsembleCandidate> = {
  description: 'one member per embedder part, averaged: logistic on TF-IDF, knn on an embedding (e.g. --embedder tfidf+use; -C, --k, --objective)',
  layout: 'sparse',
  needsLabels: true,
  options: (raw) => optionsOf(optionsSchema, raw, 'ensemble'),
  grid({ c, k, objective }) {
    // Every C of logistic's grid with every k of knn's: a combination costs no fit of its own (tune).
    const ks = knnRouter.grid({ k, objective });
    return logisticRouter.grid({ c, objective }).flatMap((l) => ks.map((n) => ({ c: l.c, k: n.k, objective })));
  },
  async tune(ctx, grid) {
    // Each member candidate is fitted and scored once; a combination averages their validation scores.
    const fitted = await fitGrid(ctx, grid);
    const rows = ctx.validation.labels.length;
    return fitted.map((members) => ({ scores: combine(members, members.map((m) => m.validation!), rows) }));
  },
  async train(ctx, candidate): Promise<Head> {
    const [members] = await fitGrid({ ...ctx, validation: null }, [candidate]);
    return new EnsembleHead(members!.map(member), ctx.blocks);
  },
  load(raw) {
    const p = stateSchema.safeParse(raw);
    if (!p.success) throw invalidState(p.error);
    const members = p.data.members.map((m) => ({ ...m, head: (m.router === 'logistic' ? logisticRouter : knnRouter).load(m.state) }));
    return new EnsembleHead(members, members.map((m) => m.block));
  },
};
