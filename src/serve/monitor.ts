import { probit } from 'simple-statistics';
import { percentilesInPlace } from '../metrics/latency.js';
import type { LogRecord } from './log-record.js';

// What `router monitor` computes from a request log, pure: the records are tallied one at a time
// (a log can hold millions), then compared with what the deployment expects. No I/O here; the
// command (cli/commands/monitor.ts) reads the log and the deployment and hands both in.

/** What the deployment expects of live traffic, read off its artifact and its eval data. */
export interface MonitorExpectation {
  kind: 'pair' | 'multi';
  /** Content hash of the deployment: only records naming it count. */
  deploymentHash: string;
  models: string[];
  /** The model the monitoring sample goes to (a pair's strong model) and spend is compared with. */
  reference: string;
  monitoring: number;
  /**
   * Per model, in `models` order: its share at the rule on the eval data (monitoring not included)
   * and the deployment's bootstrap interval of it, where it has one.
   */
  shares: { model: string; routed: number; interval: [number, number] | null }[];
  /** Rows of the eval data the shares come from: without a bootstrap interval, their binomial noise is the deployment's uncertainty. */
  evalRows: number | null;
  /** Which of the shares are tested: a pair's weak share is one minus the strong one, so only the strong share is. */
  tested: string[];
  /** The router's scores on the eval data (what PSI compares live scores with), and what the score is. */
  expectedScores: Float64Array;
  scoreName: string;
  /** Dollars per query of always-reference, to price a request another model answered. */
  referenceCost: ReferenceCost | null;
  /** Cost reduction against always-reference the deployment expects (without monitoring), where known. */
  expectedCostReduction: number | null;
  /** Dollars per input token of the router's own embedder calls (a paid embedder); else none (0) or unpriced (null), and why. */
  routerPrice: { perInputToken: number; embedder: string } | { dollars: 0 | null; why: string };
}

/**
 * Always-reference for a request another model answered: its input tokens at the reference's
 * input price plus the reference's mean output tokens on the eval data at its output price (the
 * reference's own answer is not in the log); where tokens or prices are unknown, the reference's
 * mean cost per query on the eval data.
 */
export interface ReferenceCost {
  meanCost: number | null;
  tokens: { inputPerMTok: number; outputPerMTok: number; meanOutputTokens: number } | null;
}

export interface MonitorWindow {
  /** Epoch milliseconds; records before are left out. */
  since?: number;
  /** Epoch milliseconds; records at or after are left out. */
  until?: number;
}

/** One monitored request, for the sample `router label` takes. */
export interface SampleRow {
  requestId: string;
  time: string;
  queryHash: string;
  query: string | undefined;
  chosen: string;
  answeredBy: string | null;
  /** Requests in the log with this very query text (the sample holds each query once). */
  requests: number;
}

interface Kept {
  chosen: string;
  answeredBy: string | null;
  ok: boolean;
  score: number | null;
  costUsd: number | null;
  inputTokens: number | null;
  routerMs: number;
  upstreamMs: number;
  fallback: boolean;
  monitored: boolean;
}

export interface TallyOptions {
  /** Content hash of the deployment: only records naming it count. */
  deploymentHash: string;
  /** Over N models, whose predicted quality is the score (a pair's records carry their score). */
  scoreModel: string | null;
  window?: MonitorWindow;
}

/** The records of a log, one at a time: this deployment's kept, the others counted as excluded. */
export class LogTally {
  readonly kept: Kept[] = [];
  /** Monitored requests, one per distinct query (by hash), in the order first seen. */
  readonly sample = new Map<string, SampleRow>();
  readonly excluded = { otherDeployments: new Map<string, number>(), passThrough: 0, outsideWindow: 0 };
  first: string | null = null;
  last: string | null = null;

  constructor(private readonly options: TallyOptions) {}

  add(r: LogRecord): void {
    const { window = {}, deploymentHash, scoreModel } = this.options;
    const t = Date.parse(r.time);
    if ((window.since !== undefined && !(t >= window.since)) || (window.until !== undefined && !(t < window.until))) {
      this.excluded.outsideWindow++;
      return;
    }
    if (r.deployment === null || !r.routed) {
      this.excluded.passThrough++;
      return;
    }
    if (r.deployment.hash !== deploymentHash) {
      const key = r.deployment.version === null ? r.deployment.name : `${r.deployment.name}@${r.deployment.version}`;
      this.excluded.otherDeployments.set(key, (this.excluded.otherDeployments.get(key) ?? 0) + 1);
      return;
    }
    if (this.first === null || r.time < this.first) this.first = r.time;
    if (this.last === null || r.time > this.last) this.last = r.time;
    const score = r.score ?? (scoreModel !== null ? (r.predicted?.find((p) => p.model === scoreModel)?.quality ?? null) : null);
    this.kept.push({
      chosen: r.chosen,
      answeredBy: r.answeredBy,
      ok: r.status >= 200 && r.status < 300,
      score,
      costUsd: r.costUsd,
      inputTokens: r.inputTokens,
      routerMs: r.routerMs,
      upstreamMs: r.upstreamMs,
      fallback: r.answeredBy !== null && r.answeredBy !== r.chosen,
      monitored: r.monitored,
    });
    if (!r.monitored) return;
    const seen = this.sample.get(r.queryHash);
    if (seen) {
      seen.requests++;
      seen.query ??= r.query;
    } else {
      this.sample.set(r.queryHash, { requestId: r.requestId, time: r.time, queryHash: r.queryHash, query: r.query, chosen: r.chosen, answeredBy: r.answeredBy, requests: 1 });
    }
  }
}

/** Wilson score interval of k successes in n trials at normal quantile z (sound near 0 and 1, unlike the normal one). */
export function wilson(k: number, n: number, z: number): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** The convention for empty bins: their share is taken as this, so the logarithm stays finite. */
export const PSI_EPSILON = 1e-4;
export const PSI_BINS = 10;

export interface PsiResult {
  value: number;
  /** Upper edges of the bins but the last (deciles of the expected scores; tied deciles merge bins). */
  edges: number[];
  expected: number[];
  live: number[];
}

/**
 * Population stability index of `live` against `expected`: bins at the deciles of the expected
 * scores, PSI = sum over bins of (live - expected) x ln(live / expected), with an empty bin's
 * share taken as PSI_EPSILON.
 */
export function psi(expected: Float64Array, live: readonly number[], bins = PSI_BINS): PsiResult {
  const ps = Array.from({ length: bins - 1 }, (_, i) => (i + 1) / bins);
  const edges = [...new Set(percentilesInPlace(Float64Array.from(expected), ps))];
  const binOf = (x: number): number => {
    // First edge at or above x: bins are (-inf, e1], (e1, e2], ..., (ek, inf).
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid]! >= x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const shares = (xs: ArrayLike<number>): number[] => {
    const c = new Array<number>(edges.length + 1).fill(0);
    for (let i = 0; i < xs.length; i++) c[binOf(xs[i]!)]!++;
    return c.map((k) => k / xs.length);
  };
  const e = shares(expected);
  const a = shares(live);
  let value = 0;
  for (let b = 0; b < e.length; b++) {
    const eb = Math.max(e[b]!, PSI_EPSILON);
    const ab = Math.max(a[b]!, PSI_EPSILON);
    value += (ab - eb) * Math.log(ab / eb);
  }
  return { value, edges, expected: e, live: a };
}

export interface ShareCheck {
  model: string;
  requests: number;
  live: number;
  /** Wilson interval of the live share at the test's level. */
  interval: [number, number];
  /** Expected live share: the monitoring share (the reference's) plus the rest of traffic at the rule's share. */
  expected: number;
  expectedInterval: [number, number] | null;
  /** Where the expected interval comes from: the deployment's bootstrap, a Wilson interval on its eval rows, or none (a point). */
  expectedBasis: 'bootstrap' | 'eval rows' | 'none';
  tested: boolean;
  drift: boolean;
  errors: number;
  /** Requests chosen for this model that another model answered. */
  fallbacks: number;
}

export interface MonitorReport {
  kind: 'pair' | 'multi';
  requests: number;
  first: string | null;
  last: string | null;
  excluded: { otherDeployments: Record<string, number>; passThrough: number; outsideWindow: number };
  monitored: { requests: number; distinctQueries: number; withQuery: number; share: number; expected: number };
  /** Confidence of each share test (Bonferroni over the models tested, so the whole check holds at 95%). */
  level: { overall: number; perTest: number };
  shares: ShareCheck[];
  /** The eval rows behind an 'eval rows' expected interval. */
  evalRows: number | null;
  errors: { requests: number; rate: number };
  fallbacks: { requests: number; paths: { from: string; to: string; requests: number }[] };
  scores: { name: string; live: number; expected: number; psi: PsiResult | null; maxPsi: number; drift: boolean; noiseFloor: number | null };
  spend: {
    /** Requests with a logged cost, the ones spend is summed over. */
    priced: number;
    unpriced: number;
    total: number | null;
    alwaysReference: number | null;
    reference: string;
    basis: string;
    costReduction: number | null;
    expectedCostReduction: number | null;
  };
  overhead: { p50: number; p95: number; p99: number; shareOfLatency: number | null; dollars: number | null; dollarsNote: string };
  /** A share outside its interval, or the score PSI above the limit. */
  drifted: boolean;
}

const OVERALL = 0.95;

/** Compares a tally with what the deployment expects. */
export function monitorReport(t: LogTally, x: MonitorExpectation, options: { maxPsi: number }): MonitorReport {
  const n = t.kept.length;
  const perTest = 1 - (1 - OVERALL) / x.tested.length;
  const z = probit(1 - (1 - perTest) / 2);
  const byModel = new Map(x.models.map((m) => [m, { requests: 0, errors: 0, fallbacks: 0 }]));
  const paths = new Map<string, number>();
  let errors = 0;
  for (const k of t.kept) {
    const m = byModel.get(k.chosen) ?? { requests: 0, errors: 0, fallbacks: 0 };
    byModel.set(k.chosen, m);
    m.requests++;
    if (!k.ok) {
      m.errors++;
      errors++;
    }
    if (k.fallback) {
      m.fallbacks++;
      const key = `${k.chosen}\0${k.answeredBy}`;
      paths.set(key, (paths.get(key) ?? 0) + 1);
    }
  }
  const shares: ShareCheck[] = [...byModel].map(([model, c]) => {
    const want = x.shares.find((s) => s.model === model);
    const interval = wilson(c.requests, n, z);
    // A model the deployment never names is tested against an expected share of 0.
    const tested = x.tested.includes(model) || want === undefined;
    const forced = model === x.reference ? x.monitoring : 0;
    const live = (s: number) => forced + (1 - x.monitoring) * s;
    const routed = want?.interval ?? (want && x.evalRows ? wilson(want.routed * x.evalRows, x.evalRows, z) : null);
    const expected = live(want?.routed ?? 0);
    const expectedInterval = routed ? ([live(routed[0]), live(routed[1])] as [number, number]) : null;
    const [lo, hi] = expectedInterval ?? [expected, expected];
    // Drift: the live share's interval (sampling noise of n requests) and the expected one (the deployment's own uncertainty) do not overlap.
    const drift = tested && n > 0 && (interval[1] < lo || interval[0] > hi);
    const expectedBasis = want?.interval ? 'bootstrap' : expectedInterval ? 'eval rows' : 'none';
    return { model, requests: c.requests, live: n ? c.requests / n : 0, interval, expected, expectedInterval, expectedBasis, tested, drift, errors: c.errors, fallbacks: c.fallbacks };
  });

  const liveScores = t.kept.map((k) => k.score).filter((s): s is number => s !== null);
  const p = liveScores.length > 0 && x.expectedScores.length > 0 ? psi(x.expectedScores, liveScores) : null;
  const bins = p ? p.expected.length : 0;
  const scoreDrift = p !== null && p.value > options.maxPsi;

  const monitoredRequests = t.kept.filter((k) => k.monitored).length;

  return {
    kind: x.kind,
    requests: n,
    first: t.first,
    last: t.last,
    excluded: { otherDeployments: Object.fromEntries(t.excluded.otherDeployments), passThrough: t.excluded.passThrough, outsideWindow: t.excluded.outsideWindow },
    monitored: { requests: monitoredRequests, distinctQueries: t.sample.size, withQuery: [...t.sample.values()].filter((r) => r.query !== undefined).length, share: n ? monitoredRequests / n : 0, expected: x.monitoring },
    level: { overall: OVERALL, perTest },
    shares,
    evalRows: x.evalRows,
    errors: { requests: errors, rate: n ? errors / n : 0 },
    fallbacks: { requests: shares.reduce((s, c) => s + c.fallbacks, 0), paths: [...paths].map(([key, requests]) => ({ from: key.split('\0')[0]!, to: key.split('\0')[1]!, requests })) },
    scores: {
      name: x.scoreName,
      live: liveScores.length,
      expected: x.expectedScores.length,
      psi: p,
      maxPsi: options.maxPsi,
      drift: scoreDrift,
      // PSI of two samples of one distribution is about (bins - 1) x (1/n + 1/m): below that, a value is noise.
      noiseFloor: p ? (bins - 1) * (1 / liveScores.length + 1 / x.expectedScores.length) : null,
    },
    spend: spendOf(t, x),
    overhead: overheadOf(t, x),
    drifted: scoreDrift || shares.some((c) => c.drift),
  };
}

function referenceCostOf(k: Kept, x: MonitorExpectation): number | null {
  if (k.answeredBy === x.reference && k.costUsd !== null) return k.costUsd;
  const r = x.referenceCost;
  if (r?.tokens && k.inputTokens !== null) return (k.inputTokens * r.tokens.inputPerMTok + r.tokens.meanOutputTokens * r.tokens.outputPerMTok) / 1e6;
  return r?.meanCost ?? null;
}

function spendOf(t: LogTally, x: MonitorExpectation): MonitorReport['spend'] {
  const priced = t.kept.filter((k) => k.costUsd !== null);
  const total = priced.length ? priced.reduce((s, k) => s + k.costUsd!, 0) : null;
  const refs = priced.map((k) => referenceCostOf(k, x));
  const alwaysReference = priced.length && refs.every((c) => c !== null) ? refs.reduce((s: number, c) => s + c!, 0) : null;
  const basis = x.referenceCost?.tokens
    ? `requests ${x.reference} answered at their logged cost; the others' input tokens at ${x.reference}'s price plus its mean output tokens on the eval data (${Math.round(x.referenceCost.tokens.meanOutputTokens)})`
    : x.referenceCost?.meanCost != null
      ? `requests ${x.reference} answered at their logged cost; the others at ${x.reference}'s mean cost per query on the eval data`
      : `${x.reference} has no price or cost on the eval data`;
  return {
    priced: priced.length,
    unpriced: t.kept.length - priced.length,
    total,
    alwaysReference,
    reference: x.reference,
    basis,
    costReduction: total !== null && alwaysReference !== null && total > 0 ? alwaysReference / total : null,
    expectedCostReduction: x.expectedCostReduction,
  };
}

function overheadOf(t: LogTally, x: MonitorExpectation): MonitorReport['overhead'] {
  const ms = Float64Array.from(t.kept, (k) => k.routerMs);
  const [p50, p95, p99] = ms.length ? percentilesInPlace(ms, [0.5, 0.95, 0.99]) : [0, 0, 0];
  const router = t.kept.reduce((s, k) => s + k.routerMs, 0);
  const all = t.kept.reduce((s, k) => s + k.routerMs + k.upstreamMs, 0);
  const price = x.routerPrice;
  const dollars = 'perInputToken' in price ? t.kept.reduce((s, k) => s + (k.inputTokens ?? 0) * price.perInputToken, 0) : price.dollars;
  const dollarsNote = 'perInputToken' in price ? `the ${price.embedder} embedder, priced on each request's input tokens (the routed text is about the prompt)` : price.why;
  return { p50: p50!, p95: p95!, p99: p99!, shareOfLatency: all > 0 ? router / all : null, dollars, dollarsNote };
}
