import type { Hash } from '../artifacts/hash.js';
import type { Pair } from '../data/pair.js';
import type { Target } from '../metrics/operating-point.js';
import { nextUp } from './cascade.js';
import type { EvalReportBody, ModelUsage, RouterResult, StoredPoint, TablePoint } from './evaluate.js';

// The body schema lives with the other artifact-body schemas (checked on every read, artifacts/kinds.ts).
export { deploymentBodySchema } from './schemas.js';

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
    latency?: TablePoint['latency'];
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

export function deploymentOf(
  r: RouterResult,
  report: EvalReportBody,
  target: Exclude<Target, { kind: 'threshold' }>,
  operatingScore: number,
  maxScore: number,
  monitoring: number,
): DeploymentBody {
  const p = r.operatingPoint.point;
  const ci = r.operatingPoint.ci;
  const { latency, ...point } = p;
  return {
    router: { name: r.name, path: r.path, hash: r.hash },
    pair: report.pair,
    // The all-weak point has no score threshold; the smallest number above every score sends nothing to strong.
    threshold: Number.isFinite(operatingScore) ? operatingScore : nextUp(maxScore),
    monitoring,
    target: { kind: target.kind, value: target.value },
    expected: {
      ...point,
      latency,
      ...(ci
        ? {
            ci: {
              level: ci.level,
              resamples: ci.resamples,
              seed: ci.seed,
              strongShare: ci.strongShare,
              quality: ci.quality,
              ...(ci.qualityGap ? { qualityGap: ci.qualityGap } : {}),
              ...(ci.costReduction ? { costReduction: ci.costReduction } : {}),
            },
          }
        : {}),
    },
    costUnit: report.costUnit,
    usage: report.usage,
    evaluatedOn: { path: report.dataset.path, hash: report.dataset.hash, rows: report.dataset.rows },
    caveat: report.notes[0],
  };
}
