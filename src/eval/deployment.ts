import type { Target } from '../metrics/operating-point.js';
import type { DeploymentBody } from '../routers/deployment.js';
import { nextUp } from './cascade.js';
import type { EvalReportBody, RouterResult } from './evaluate.js';

// The body schema lives with the other artifact-body schemas (checked on every read, artifacts/kinds.ts).
export { deploymentBodySchema } from '../artifacts/bodies/reports.js';

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
