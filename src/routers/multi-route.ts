import { chooseByLambda, chooseByTau } from '../metrics/multi/choice.js';
import type { MultiPipeline } from './multi-pipeline.js';
import type { DecisionRule } from './multi-router.js';
import { isMonitored } from './monitoring.js';

// Routing live queries over N models: the decision rule written once in metrics/multi/choice.ts,
// applied to the router's predictions, and the monitoring sample (by a hash of the text, as for a
// pair) sent to the reference model whatever the rule says.

export interface MultiDecision {
  query: string;
  model: string;
  /** Forced to the reference model by the monitoring sample. */
  monitored: boolean;
  /** Every model's predicted quality and cost per query, in the router's order. */
  predicted: { model: string; quality: number; cost: number }[];
}

export async function routeOverModels(router: MultiPipeline, queries: string[], options: { rule?: DecisionRule; monitoring?: number; reference: string }): Promise<MultiDecision[]> {
  const rule = options.rule ?? router.rule;
  const monitoring = options.monitoring ?? 0;
  const { models, quality, cost } = await router.predict(queries);
  const M = models.length;
  const q = new Float64Array(M);
  const c = new Float64Array(M);
  return queries.map((query, i) => {
    for (let m = 0; m < M; m++) {
      q[m] = quality[m]![i]!;
      c[m] = cost[m]![i]!;
    }
    const monitored = isMonitored(query, monitoring);
    const chosen = monitored ? models.indexOf(options.reference) : rule.kind === 'lambda' ? chooseByLambda(q, c, rule.value) : chooseByTau(q, c, rule.value);
    return { query, model: models[chosen]!, monitored, predicted: models.map((model, m) => ({ model, quality: q[m]!, cost: c[m]! })) };
  });
}
