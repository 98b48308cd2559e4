import { z } from 'zod';
import { UserError } from '../errors.js';
import type { Pair } from '../data/pair.js';
import { ciSchema, deploymentEstimateSchema, evalReportBodySchema, usageSchema } from '../artifacts/bodies/reports.js';

// Where an estimate's weak share and quality come from: the operating point of an eval report,
// or the threshold of a deployment. Only the fields estimate reads are checked, so a report that
// gains fields (confidence intervals, say) still reads, and one that lacks what we need fails with
// the field's name instead of a crash.

export type ConfidenceInterval = z.infer<typeof ciSchema>;
export type ModelUsageView = z.infer<typeof usageSchema>;

export interface OperatingSource {
  kind: 'eval-report' | 'deployment';
  /** The artifact's name, as the user would type it. */
  name: string;
  file: string;
  router: string;
  pair: Pair;
  costUnit: 'usd' | 'units';
  usage: Record<string, ModelUsageView>;
  /** The router's strong share at its threshold, before monitoring. */
  strongShare: number;
  threshold: number | null;
  qualityGap: number | null;
  ci: ConfidenceInterval | null;
  /** Median and 95th-percentile latency of the routed mix on the eval data, when it records latency. */
  latency: { p50: number; p95: number } | null;
  /** The strategy is the weak model's confidence cascade: the weak model runs on every query. */
  cascade: boolean;
  /** Eval reports only: (strong share, quality gap) at every 1% of strong share, to read other shares off. */
  curve: { strongShare: number; qualityGap: number | null }[] | null;
  /** Deployments only: the monitoring share it was deployed with. */
  monitoring: number | null;
  /** The data the numbers come from, when the artifact names it. */
  data: { path: string; hash: string } | null;
  /** How the eval's costs were found, when the artifact says. */
  costBasis: string | null;
}

function parsed<S extends z.ZodType>(schema: S, body: unknown, what: string, file: string): z.infer<S> {
  const r = schema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new UserError(`not a usable ${what}: ${issue.message}`, { file, field: ['body', ...issue.path].join('.') });
  }
  return r.data;
}

/**
 * The operating point of one strategy of an eval report: the first router unless `router` names
 * another, or `cascade` for the report's confidence cascade.
 */
export function fromEvalReport(body: unknown, name: string, file: string, router?: string): OperatingSource {
  if ((body as { kind?: unknown } | null)?.kind === 'multi') {
    throw new UserError(`eval report ${name} is over more than two models; estimate projects a pair's operating point only, so far`, { file });
  }
  const b = parsed(evalReportBodySchema, body, 'eval report', file);
  const strategies = [...b.routers, ...(b.cascade ? [b.cascade] : [])];
  const r = router === undefined ? b.routers[0]! : strategies.find((x) => x.name === router);
  if (!r) throw new UserError(`eval report ${name} has no router "${router}" (it has: ${strategies.map((x) => x.name).join(', ')})`, { file });
  const op = r.operatingPoint;
  return {
    kind: 'eval-report',
    name,
    file,
    router: r.name,
    pair: b.pair,
    costUnit: b.costUnit,
    usage: b.usage,
    strongShare: op.point.strongShare,
    threshold: op.point.threshold,
    qualityGap: op.point.qualityGap,
    ci: op.ci ?? null,
    latency: op.point.latency ?? null,
    cascade: b.cascade !== null && b.cascade !== undefined && r === b.cascade,
    curve: r.curve && r.curve.length > 1 ? r.curve.map((p) => ({ strongShare: p.strongShare, qualityGap: p.qualityGap })) : null,
    monitoring: null,
    data: b.dataset ?? null,
    costBasis: b.cost?.line ?? null,
  };
}

export function fromDeployment(body: unknown, name: string, file: string): OperatingSource {
  const b = parsed(deploymentEstimateSchema, body, 'deployment', file);
  return {
    kind: 'deployment',
    name,
    file,
    router: b.router.name,
    pair: b.pair,
    costUnit: b.costUnit,
    usage: b.usage,
    strongShare: b.expected.strongShare,
    threshold: b.threshold,
    qualityGap: b.expected.qualityGap,
    ci: b.expected.ci ?? null,
    latency: b.expected.latency ?? null,
    cascade: false,
    curve: null,
    monitoring: b.monitoring,
    data: b.evaluatedOn ?? null,
    costBasis: null,
  };
}

/**
 * The quality gap at a strong share read off the stored curve, linear between its points (the
 * curve itself is linear between exact points, and stored at every 1% of strong share).
 */
export function gapAtShare(curve: { strongShare: number; qualityGap: number | null }[], share: number): number | null {
  const pts = [...curve].sort((a, b) => a.strongShare - b.strongShare);
  const hi = pts.findIndex((p) => p.strongShare >= share - 1e-12);
  if (hi === -1) return null;
  if (hi === 0 || Math.abs(pts[hi]!.strongShare - share) < 1e-12) return pts[hi]!.qualityGap;
  const a = pts[hi - 1]!;
  const b = pts[hi]!;
  if (a.qualityGap === null || b.qualityGap === null) return null;
  const w = (share - a.strongShare) / (b.strongShare - a.strongShare);
  return a.qualityGap + w * (b.qualityGap - a.qualityGap);
}
