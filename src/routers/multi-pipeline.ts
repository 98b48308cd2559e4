import type { Featurizer } from '../embed/features.js';
import type { DecisionRule, MultiHead } from './multi-router.js';
import { predictCosts, queryLengths, type CostLine } from './cost-model.js';

/** Every model's predicted quality and cost on a batch of queries: quality[m][i], cost[m][i]. */
export interface MultiPrediction {
  models: string[];
  quality: Float64Array[];
  /** Predicted dollars of each model on each query (see cost-model.ts). */
  cost: Float64Array[];
}

/** A trained N-model router as eval and route use it: featurizer, the type's head, the models' costs. */
export class MultiPipeline {
  constructor(
    readonly type: string,
    readonly models: string[],
    readonly featurizer: Featurizer,
    private readonly head: MultiHead,
    readonly costs: CostLine[],
    readonly rule: DecisionRule,
  ) {}

  async predict(queries: string[]): Promise<MultiPrediction> {
    const x = await this.featurizer.transform(queries);
    const lengths = queryLengths(queries);
    return { models: this.models, quality: this.head.predict(x, queries), cost: this.costs.map((c) => predictCosts(c, lengths)) };
  }
}
