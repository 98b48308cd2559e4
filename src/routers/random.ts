import { z } from 'zod';
import { splitPosition } from '../data/split.js';
import { invalidState, optionsOf } from './options.js';
import type { Head, RouterType } from './router.js';

// The baseline: a score uniform in [0,1) drawn from a hash of the seed and the query, so the same
// query always gets the same score (a deployed random router must be reproducible too).

const stateSchema = z.object({ seed: z.number().int() });

class RandomHead implements Head {
  constructor(private readonly seed: number) {}
  score(_x: unknown, queries: string[]): Float64Array {
    return Float64Array.from(queries, (q) => splitPosition(this.seed, `random\0${q}`));
  }
  state(): z.infer<typeof stateSchema> {
    return { seed: this.seed };
  }
}

export const randomRouter: RouterType<Record<string, never>, Record<string, never>> = {
  description: 'random scores from a hash of the query (the baseline; no features, no labels)',
  layout: 'none',
  needsLabels: false,
  options: (raw) => optionsOf(z.object({}), raw, 'random'),
  grid: (options) => [options],
  train({ seed }) {
    return new RandomHead(seed);
  },
  load(raw) {
    const s = stateSchema.safeParse(raw);
    if (!s.success) throw invalidState(s.error);
    return new RandomHead(s.data.seed);
  },
};
