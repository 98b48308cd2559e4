import type { Hash } from '../artifacts/hash.js';
import type { DecisionRule } from './multi-router.js';

// A deployment over N models: the router (checked by hash), the rule and its parameter chosen for
// a target on an eval, the monitoring share, and the metrics expected there. `route --deployment`
// applies it and `eval --deployment` measures it on fresh data.

export interface MultiDeploymentBody {
  kind: 'multi';
  router: { name: string; path: string; hash: Hash };
  models: string[];
  reference: string;
  rule: DecisionRule;
  /** Share of queries sent to the reference model whatever the rule says, chosen by query hash. */
  monitoring: number;
  target: { kind: 'budget-per-1k' | 'max-quality-gap' | 'quality-floor'; value: number };
  /** At the rule, on the eval data, without the monitoring sample. */
  expected: {
    quality: number;
    /** Dollars per query. */
    cost: number;
    qualityGap: number | null;
    costReduction: number | null;
    shares: number[];
    /** Dollars per query spent on each model (they sum to `cost`). */
    spend: number[];
    ci?: { level: number; quality: [number, number]; cost: [number, number]; qualityGap: [number, number] | null; costReduction: [number, number] | null };
  };
  costUnit: 'usd';
  report?: { path: string; hash: Hash };
}
