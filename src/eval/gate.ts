/** What the gate reads of a router's results: its operating point and APGR, with their intervals. */
export interface GatedRouter {
  name: string;
  operatingPoint: {
    point: { qualityGap: number | null; costReduction: number | null };
    ci?: { level: number; qualityGap?: [number, number] | null; costReduction?: [number, number | null] | null };
  };
  /** APGR for a pair; AIQ gain over the zero router for a router over more models. */
  summary: { apgr?: number | null; aiqGain?: number | null; ci?: { level: number; apgr?: [number, number] | null; aiqGain?: [number, number] | null } };
}

// The CI gate: limits on each router's operating point (and APGR), checked on the point estimate
// or on the pessimistic end of its bootstrap interval. Pure: main.ts turns a failure into exit 1.

export interface GateSpec {
  maxQualityGap?: number;
  minCostReduction?: number;
  minApgr?: number;
  /** Over more than two models: AIQ minus the zero router's, at least this. */
  minAiqGain?: number;
  /** point: the estimate; bound: the pessimistic end of the bootstrap interval. */
  on: 'point' | 'bound';
}

export interface GateCheck {
  router: string;
  metric: 'quality gap' | 'cost reduction' | 'APGR' | 'AIQ gain';
  /** max: the value must be at most the limit; min: at least. */
  kind: 'max' | 'min';
  limit: number;
  /** The number compared; null when it is undefined on this data (counts as a failure). */
  value: number | null;
  basis: string;
  passed: boolean;
}

export interface GateReport {
  on: 'point' | 'bound';
  passed: boolean;
  checks: GateCheck[];
}

export function gateRequested(spec: GateSpec): boolean {
  return spec.maxQualityGap !== undefined || spec.minCostReduction !== undefined || spec.minApgr !== undefined || spec.minAiqGain !== undefined;
}

// Values and limits are read from sums of many terms: a value equal to its limit up to rounding holds.
function slack(limit: number): number {
  return 1e-12 * Math.max(1, Math.abs(limit));
}

function check(router: string, metric: GateCheck['metric'], kind: GateCheck['kind'], limit: number, point: number | null, interval: [number, number | null] | null | undefined, on: GateSpec['on'], level: number | undefined): GateCheck {
  let value = point;
  let basis = 'point estimate';
  if (on === 'bound') {
    // The pessimistic end: the upper bound of a quantity that must stay low, the lower of one that must stay high.
    value = interval ? (kind === 'max' ? interval[1] : interval[0]) : null;
    basis = `${kind === 'max' ? 'upper' : 'lower'} bound of the ${Math.round((level ?? 0) * 100)}% bootstrap interval`;
  }
  const passed = value !== null && Number.isFinite(value) && (kind === 'max' ? value <= limit + slack(limit) : value >= limit - slack(limit));
  return { router, metric, kind, limit, value, basis, passed };
}

export function runGate(spec: GateSpec, routers: readonly GatedRouter[]): GateReport {
  const checks: GateCheck[] = [];
  for (const r of routers) {
    const op = r.operatingPoint;
    const level = op.ci?.level;
    if (spec.maxQualityGap !== undefined) checks.push(check(r.name, 'quality gap', 'max', spec.maxQualityGap, op.point.qualityGap, op.ci?.qualityGap, spec.on, level));
    if (spec.minCostReduction !== undefined) checks.push(check(r.name, 'cost reduction', 'min', spec.minCostReduction, op.point.costReduction, op.ci?.costReduction, spec.on, level));
    if (spec.minApgr !== undefined) checks.push(check(r.name, 'APGR', 'min', spec.minApgr, r.summary.apgr ?? null, r.summary.ci?.apgr, spec.on, r.summary.ci?.level));
    if (spec.minAiqGain !== undefined) checks.push(check(r.name, 'AIQ gain', 'min', spec.minAiqGain, r.summary.aiqGain ?? null, r.summary.ci?.aiqGain, spec.on, r.summary.ci?.level));
  }
  return { on: spec.on, passed: checks.every((c) => c.passed), checks };
}

function show(metric: GateCheck['metric'], x: number): string {
  if (metric === 'quality gap') return `${(x * 100).toFixed(2)}%`;
  if (metric === 'cost reduction') return `${x.toFixed(3)}x`;
  return x.toFixed(3);
}

/** One clause per check: what was compared, against which limit, and by how much it missed. */
export function describeCheck(c: GateCheck): string {
  const op = c.kind === 'max' ? '<=' : '>=';
  const head = `${c.router}: ${c.metric} (${c.basis})`;
  if (c.value === null || !Number.isFinite(c.value)) return `${head} is undefined on this data; required ${op} ${show(c.metric, c.limit)}`;
  if (c.passed) return `${head} ${show(c.metric, c.value)} ${op} ${show(c.metric, c.limit)}`;
  const by = Math.abs(c.value - c.limit);
  const miss = c.metric === 'quality gap' ? `${(by * 100).toFixed(2)} points` : c.metric === 'cost reduction' ? `${by.toFixed(3)}x` : by.toFixed(3);
  return `${head} ${show(c.metric, c.value)} ${c.kind === 'max' ? 'exceeds the maximum' : 'is below the minimum'} ${show(c.metric, c.limit)} by ${miss}`;
}

/** The GateFailure message: every failed check, on one line. */
export function failureMessage(report: GateReport): string {
  return report.checks.filter((c) => !c.passed).map(describeCheck).join('; ');
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JUnit XML: one testcase per check, so CI systems list each limit as a test. */
export function junitXml(report: GateReport, suite: { name: string; timestamp: string; report: string }): string {
  const failures = report.checks.filter((c) => !c.passed).length;
  const cases = report.checks.map((c) => {
    const name = `${c.metric} ${c.kind === 'max' ? '<=' : '>='} ${show(c.metric, c.limit)}`;
    const open = `    <testcase classname="${xml(`router-eval.${c.router}`)}" name="${xml(name)}" time="0">`;
    if (c.passed) return `${open}\n      <system-out>${xml(describeCheck(c))}</system-out>\n    </testcase>`;
    return `${open}\n      <failure message="${xml(describeCheck(c))}" type="GateFailure"/>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="router eval" tests="${report.checks.length}" failures="${failures}">`,
    `  <testsuite name="${xml(suite.name)}" tests="${report.checks.length}" failures="${failures}" errors="0" skipped="0" timestamp="${xml(suite.timestamp)}">`,
    `    <properties>\n      <property name="report" value="${xml(suite.report)}"/>\n      <property name="gate-on" value="${report.on}"/>\n    </properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
