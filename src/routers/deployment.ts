import type { Hash } from '../artifacts/hash.js';
import type { Pair } from '../data/pair.js';
import type { StoredPoint } from '../metrics/curve.js';
import type { MixLatency } from '../metrics/latency.js';

// The deployment artifact's body: what `router route` and openRouter apply, what `eval --deploy`
// writes (eval/deployment.ts) and what `estimate` projects. Its schema lives with the other
// artifact-body schemas (artifacts/bodies/reports.ts, checked on every read through artifacts/kinds.ts).

/** A model's mean cost and tokens per query on the eval data, and its price where known. */
export interface ModelUsage {
  meanCost: number | null;
  meanInputTokens: number | null;
  meanOutputTokens: number | null;
  price: { inputPerMTok?: number; outputPerMTok?: number; perCall?: number } | null;
}

/**
 * A deployment: a router plus the threshold chosen for a target, the metrics expected there and
 * the monitoring share. `route` applies it; `estimate` projects its cost.
 */
export interface DeploymentBody {
  router: { name: string; path: string; hash: Hash };
  pair: Pair;
  threshold: number;
  /** Share of queries forced to the strong model whatever the router says, chosen by query hash. */
  monitoring: number;
  /** What the threshold was chosen for. */
  target: { kind: 'strong-share' | 'budget-per-1k' | 'max-quality-gap'; value: number };
  /**
   * The metrics at the threshold on the evaluation data, with bootstrap intervals where computed.
   * Monitoring is not included: these are the router's own numbers, and a projection adds the
   * monitoring share on top.
   */
  expected: StoredPoint & {
    ci?: { level: number; qualityGap?: [number, number]; strongShare?: [number, number]; costReduction?: [number, number]; quality?: [number, number]; resamples?: number; seed?: number };
    latency?: MixLatency | null;
  };
  costUnit: 'usd' | 'units';
  usage: Record<string, ModelUsage>;
  /** The eval data the numbers come from. */
  evaluatedOn: { path: string; hash: Hash; rows: number };
  /** The eval report the deployment was chosen in. */
  report?: { path: string; hash: Hash };
  /** Why the expected numbers may not hold in production. */
  caveat?: string;
}
