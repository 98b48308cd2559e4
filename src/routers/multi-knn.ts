import { z } from 'zod';
import { packedFloatsSchema as packed, packFloats, unpackFloats } from '../artifacts/arrays.js';
import type { Features } from '../embed/features.js';
import type { MultiHead, MultiRouterType } from './multi-router.js';
import { K_GRID, NeighbourSearch, neighboursOf, neighboursShape, packNeighbours, unpackNeighbours } from './neighbours.js';
import { invalidState, optionsOf } from './options.js';

// Similarity-weighted nearest neighbours over N models: a model's predicted quality on a query is
// its similarity-weighted mean quality on the query's k most similar training queries, shrunk
// toward its mean quality on all of them by one pseudo-neighbour, (sum w q + mean) / (sum w + 1),
// so a query with weak neighbours is not predicted at 0 or 1 (which the log-loss the engine tunes
// on would punish without bound, and the cost trade-off would take at face value). The search is
// the two-model knn's (neighbours.ts); every model reads the same neighbours, and `tune` scores
// every k of the grid from one similarity pass.

const optionsSchema = z.object({ k: z.union([z.number().int().positive(), z.literal('auto')]).default('auto') });
export type MultiKnnOptions = z.infer<typeof optionsSchema>;
export type MultiKnnCandidate = { k: number };

const stateSchema = z.object({
  k: z.number().int().positive(),
  /** quality[m]: model m's quality on each neighbour. */
  quality: z.array(packed).min(1),
  ...neighboursShape,
});

/** Each model's mean quality, from the float32 values the state stores, so a loaded head has the same priors. */
function means(quality: Float32Array[]): number[] {
  return quality.map((q) => {
    let s = 0;
    for (const v of q) s += v;
    return Math.fround(s / Math.max(1, q.length));
  });
}

class MultiKnnHead implements MultiHead {
  private readonly priors: number[];
  constructor(
    private readonly search: NeighbourSearch,
    private readonly quality: Float32Array[],
    readonly k: number,
  ) {
    this.priors = means(quality);
  }

  /** Predictions for several k from one similarity pass: out[i][m][r] with k = ks[i]. */
  predictFor(x: Features, ks: number[]): Float64Array[][] {
    return this.search.votes(x, ks, this.quality, this.priors);
  }

  predict(x: Features): Float64Array[] {
    return this.predictFor(x, [this.k])[0]!;
  }

  state(): z.infer<typeof stateSchema> {
    return { k: this.k, quality: this.quality.map((q) => packFloats(q)), ...packNeighbours(this.search.nb, 'knn') };
  }
}

function fit(train: { x: Features; quality: Float64Array[] }, k: number): MultiKnnHead {
  return new MultiKnnHead(new NeighbourSearch(neighboursOf(train.x), 'knn'), train.quality.map((q) => Float32Array.from(q)), k);
}

export const multiKnnRouter: MultiRouterType<MultiKnnOptions, MultiKnnCandidate> = {
  description: "similarity-weighted k nearest training queries, each model's mean quality on them; k chosen on validation data (--k to fix it)",
  layout: 'sparse',
  options: (raw) => optionsOf(optionsSchema, raw, 'knn'),
  grid: ({ k }) => (k === 'auto' ? K_GRID : [k]).map((v) => ({ k: v })),
  tune({ train, validation }, grid) {
    const head = fit(train, grid[0]!.k);
    return head.predictFor(validation.x, grid.map((c) => c.k)).map((predictions) => ({ predictions }));
  },
  train: ({ train }, { k }) => fit(train, k),
  load(raw, models) {
    const p = stateSchema.safeParse(raw);
    if (!p.success) throw invalidState(p.error);
    const s = p.data;
    if (s.quality.length !== models.length) throw invalidState({ path: 'quality', message: `${s.quality.length} quality arrays for ${models.length} models` });
    const nb = unpackNeighbours(s);
    const quality = s.quality.map((q) => unpackFloats(q));
    if (quality.some((q) => q.length !== s.rows)) throw invalidState({ path: 'quality', message: 'wrong length' });
    return new MultiKnnHead(new NeighbourSearch(nb, 'knn'), quality, s.k);
  },
};
