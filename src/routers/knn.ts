import { z } from 'zod';
import { packedFloatsSchema as packed, packFloats, unpackFloats } from '../artifacts/arrays.js';
import type { Features } from '../embed/features.js';
import { K_GRID, NeighbourSearch, neighboursOf, neighboursShape, packNeighbours, unpackNeighbours } from './neighbours.js';
import { invalidState, objectiveSchema, optionsOf, targetOf, type Objective } from './options.js';
import type { Head, HeadData, RouterType } from './router.js';

// Similarity-weighted nearest neighbours: a query's score is the similarity-weighted share of its
// k most similar training queries on which the strong model was better, shrunk toward the base
// rate by one pseudo-neighbour (so a query with no similar neighbour gets the base rate). The
// search itself (postings, hand-written similarity loops) is neighbours.ts, shared with multi-knn.
// k is tuned by the engine like any option; `tune` scores every k of the grid from one similarity
// pass (every k reads the same sorted top list).

const optionsSchema = z.object({ k: z.union([z.number().int().positive(), z.literal('auto')]).default('auto'), objective: objectiveSchema });

/** `--k` and `--objective`, validated. */
export type KnnOptions = z.infer<typeof optionsSchema>;
/** One fit's options: a k of the grid. */
export type KnnCandidate = { k: number; objective: Objective };

const stateSchema = z.object({
  k: z.number().int().positive(),
  prior: z.number().min(0).max(1),
  labels: packed,
  ...neighboursShape,
});

export class KnnHead implements Head {
  constructor(
    private readonly search: NeighbourSearch,
    private readonly labels: Float32Array,
    readonly k: number,
    private readonly prior: number,
  ) {}

  /** The same neighbours with another k. */
  withK(k: number): KnnHead {
    return new KnnHead(this.search, this.labels, k, this.prior);
  }

  /**
   * Scores for several k at once: one similarity pass and one top-k selection per query.
   * `exclude(r)` names a neighbour query r may not use (itself, for leave-one-out scores of training rows).
   */
  scoreFor(x: Features, ks: number[], exclude?: (r: number) => number): Float64Array[] {
    return this.search.votes(x, ks, [this.labels], [this.prior], exclude).map((perK) => perK[0]!);
  }

  score(x: Features): Float64Array {
    return this.scoreFor(x, [this.k])[0]!;
  }

  state(): z.infer<typeof stateSchema> {
    return { k: this.k, prior: this.prior, labels: packFloats(this.labels), ...packNeighbours(this.search.nb, 'knn') };
  }
}

/** The neighbours of the training rows, their votes (0/1 labels, or the pair's soft outcome under pairwise) and the base rate. */
function fitNeighbours(train: HeadData, objective: Objective, k: number): KnnHead {
  const labels = Float32Array.from(targetOf(train, objective));
  let pos = 0;
  for (const l of labels) pos += l;
  return new KnnHead(new NeighbourSearch(neighboursOf(train.x), 'knn'), labels, k, Math.fround(pos / Math.max(1, labels.length)));
}

/** One head per candidate, sharing the neighbours (candidates differ in k only; one objective per grid). */
export function knnHeads(train: HeadData, grid: KnnCandidate[]): KnnHead[] {
  const objectives = new Set(grid.map((c) => c.objective));
  if (objectives.size !== 1) throw new RangeError('knn: a grid has one objective');
  const first = fitNeighbours(train, grid[0]!.objective, grid[0]!.k);
  return grid.map((c, i) => (i === 0 ? first : first.withK(c.k)));
}

export const knnRouter: RouterType<KnnOptions, KnnCandidate> = {
  description: 'similarity-weighted k nearest training queries; k chosen on validation data (--k to fix it)',
  layout: 'sparse',
  needsLabels: true,
  options: (raw) => optionsOf(optionsSchema, raw, 'knn'),
  grid({ k, objective }) {
    return (k === 'auto' ? K_GRID : [k]).map((v) => ({ k: v, objective }));
  },
  tune({ train, validation }, grid) {
    // One similarity pass over the validation rows scores every k.
    const heads = knnHeads(train, grid);
    return heads[0]!.scoreFor(validation.x, grid.map((c) => c.k)).map((scores) => ({ scores }));
  },
  train({ train }, candidate): Head {
    return knnHeads(train, [candidate])[0]!;
  },
  load(raw) {
    const p = stateSchema.safeParse(raw);
    if (!p.success) throw invalidState(p.error);
    const s = p.data;
    const labels = unpackFloats(s.labels);
    const nb = unpackNeighbours(s);
    if (labels.length !== s.rows) throw invalidState({ path: 'labels', message: 'wrong length' });
    return new KnnHead(new NeighbourSearch(nb, 'knn'), labels, s.k, s.prior);
  },
};
