import type { Featurizer } from '../embed/features.js';
import type { DecisionRule, MultiHead } from './multi-router.js';

/** Every model's predicted quality and cost on a batch of queries: quality[m][i], cost[m] per query. */
export interface MultiPrediction {
  models: string[];
  quality: Float64Array[];
  /** Predicted dollars per query of each model (the same for every query: its training mean). */
  cost: Float64Array;
}

/** A trained N-model router as eval and route use it: featurizer, the type's head, the models' costs. */
export class MultiPipeline {
  constructor(
    readonly type: string,
    readonly models: string[],
    readonly featurizer: Featurizer,
    private readonly head: MultiHead,
    readonly cost: Float64Array,
    readonly rule: DecisionRule,
  ) {}

  async predict(queries: string[]): Promise<MultiPrediction> {
    const x = await this.featurizer.transform(queries);
    return { models: this.models, quality: this.head.predict(x, queries), cost: this.cost };
  }
}
