import { probit } from 'simple-statistics';
import { percentilesInPlace } from '../metrics/latency.js';
import type { LogRecord } from './log-record.js';

// What `router monitor` computes from a request log, pure: the records are tallied one at a time
// (a log can hold millions, so they are counted, not kept), then compared with what the deployment expects. No I/O here; the
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
 * Always-reference for a request another model answered, from the eval data (used when the log
 * has too few monitored requests to price it live, see LIVE_BASIS_MIN): its input tokens at the
 * reference's input price plus the reference's mean output tokens on the eval data at its output
 * price (the reference's own answer is not in the log); where tokens or prices are unknown, the
 * reference's mean cost per query on the eval data.
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

/** The records of a log, one at a time: this deployment's counted (only the router's times and the sample grow with the log), the others counted as left out. */
export class LogTally {
  requests = 0;
  readonly models = new Map<string, { requests: number; errors: number; fallbacks: number }>();
  /** Fallbacks by chosen -> answering model. */
  readonly paths = new Map<string, { from: string; to: string; requests: number }>();
  errors = 0;
  monitored = 0;
  /** The bins of the expected scores; live scores are counted into them as they come. */
  readonly bins: PsiBins;
  readonly scoreCounts: number[];
  scored = 0;
  readonly routerMs: number[] = [];
  routerTotal = 0;
  latencyTotal = 0;
  readonly spend = {
    priced: 0,
    total: 0,
    /** Priced requests the reference answered, at their logged cost. */
    reference: { requests: 0, total: 0 },
    /** Priced requests another model answered, and always-reference for them on the eval data's basis. */
    others: { requests: 0, evalBasis: 0, evalBasisUnknown: false },
    /** Monitored requests the reference answered: an unbiased sample of traffic at the live price. */
    monitoredReference: { requests: 0, total: 0 },
  };
  /** Input tokens of the requests (what a paid embedder is billed on). */
  inputTokens = 0;
  /** Monitored requests, one per distinct query (by hash), each as its earliest request. */
  readonly sample = new Map<string, SampleRow>();
  readonly excluded = { otherDeployments: new Map<string, number>(), passThrough: 0, outsideWindow: 0 };
  first: string | null = null;
  last: string | null = null;

  constructor(
    private readonly x: MonitorExpectation,
    private readonly window: MonitorWindow = {},
  ) {
    this.bins = psiBins(x.expectedScores);
    this.scoreCounts = new Array<number>(this.bins.expected.length).fill(0);
    for (const m of x.models) this.models.set(m, { requests: 0, errors: 0, fallbacks: 0 });
  }

  add(r: LogRecord): void {
    const { window, x } = this;
    const t = Date.parse(r.time);
    if ((window.since !== undefined && !(t >= window.since)) || (window.until !== undefined && !(t < window.until))) {
      this.excluded.outsideWindow++;
      return;
    }
    if (r.deployment === null || !r.routed) {
      this.excluded.passThrough++;
      return;
    }
    if (r.deployment.hash !== x.deploymentHash) {
      const key = r.deployment.version === null ? r.deployment.name : `${r.deployment.name}@${r.deployment.version}`;
      this.excluded.otherDeployments.set(key, (this.excluded.otherDeployments.get(key) ?? 0) + 1);
      return;
    }
    this.requests++;
    if (this.first === null || r.time < this.first) this.first = r.time;
    if (this.last === null || r.time > this.last) this.last = r.time;
    let m = this.models.get(r.chosen);
    if (!m) this.models.set(r.chosen, (m = { requests: 0, errors: 0, fallbacks: 0 }));
    m.requests++;
    if (!(r.status >= 200 && r.status < 300)) {
      m.errors++;
      this.errors++;
    }
    if (r.answeredBy !== null && r.answeredBy !== r.chosen) {
      m.fallbacks++;
      const key = `${r.chosen}\0${r.answeredBy}`;
      const path = this.paths.get(key);
      if (path) path.requests++;
      else this.paths.set(key, { from: r.chosen, to: r.answeredBy, requests: 1 });
    }
    // A pair's records carry the router's score; over N models it is the reference's predicted quality.
    const score = r.score ?? (x.kind === 'multi' ? (r.predicted?.find((p) => p.model === x.reference)?.quality ?? null) : null);
    if (score !== null && this.scoreCounts.length) {
      this.scoreCounts[binOf(this.bins.edges, score)]!++;
      this.scored++;
    }
    this.routerMs.push(r.routerMs);
    this.routerTotal += r.routerMs;
    this.latencyTotal += r.routerMs + r.upstreamMs;
    this.inputTokens += r.inputTokens ?? 0;
    if (r.costUsd !== null) {
      const sp = this.spend;
      sp.priced++;
      sp.total += r.costUsd;
      if (r.answeredBy === x.reference) {
        sp.reference.requests++;
        sp.reference.total += r.costUsd;
        if (r.monitored) {
          sp.monitoredReference.requests++;
          sp.monitoredReference.total += r.costUsd;
        }
      } else {
        sp.others.requests++;
        const ref = evalReferenceCost(r, x);
        if (ref === null) sp.others.evalBasisUnknown = true;
        else sp.others.evalBasis += ref;
      }
    }
    if (!r.monitored) return;
    this.monitored++;
    const seen = this.sample.get(r.queryHash);
    if (seen) {
      seen.requests++;
      seen.query ??= r.query;
      // Rotated files come newest first (LOG, then LOG.1): the row names the query's earliest request.
      if (r.time < seen.time) Object.assign(seen, { requestId: r.requestId, time: r.time, chosen: r.chosen, answeredBy: r.answeredBy });
    } else {
      this.sample.set(r.queryHash, { requestId: r.requestId, time: r.time, queryHash: r.queryHash, query: r.query, chosen: r.chosen, answeredBy: r.answeredBy, requests: 1 });
    }
  }
}

/** What the reference would have cost for a request another model answered, on the eval data's basis (see ReferenceCost); null when it cannot be priced. */
function evalReferenceCost(r: LogRecord, x: MonitorExpectation): number | null {
  const c = x.referenceCost;
  if (c?.tokens && r.inputTokens !== null) return (r.inputTokens * c.tokens.inputPerMTok + c.tokens.meanOutputTokens * c.tokens.outputPerMTok) / 1e6;
  return c?.meanCost ?? null;
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

/** Bins at the deciles of the expected scores, and the expected share in each. */
export interface PsiBins {
  /** Upper edges of the bins but the last: bins are (-inf, e1], (e1, e2], ..., (ek, inf); tied deciles merge bins. */
  edges: number[];
  expected: number[];
}

export interface PsiResult extends PsiBins {
  value: number;
  live: number[];
}

export function psiBins(expected: Float64Array, bins = PSI_BINS): PsiBins {
  if (expected.length === 0) return { edges: [], expected: [] };
  const ps = Array.from({ length: bins - 1 }, (_, i) => (i + 1) / bins);
  const edges = [...new Set(percentilesInPlace(Float64Array.from(expected), ps))];
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const x of expected) counts[binOf(edges, x)]!++;
  return { edges, expected: counts.map((k) => k / expected.length) };
}

/** The bin of x: the first edge at or above it. */
export function binOf(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! >= x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** PSI = sum over bins of (live - expected) x ln(live / expected), an empty bin's share taken as PSI_EPSILON. */
export function psiOf(expected: readonly number[], live: readonly number[]): number {
  let value = 0;
  for (let b = 0; b < expected.length; b++) {
    const eb = Math.max(expected[b]!, PSI_EPSILON);
    const ab = Math.max(live[b]!, PSI_EPSILON);
    value += (ab - eb) * Math.log(ab / eb);
  }
  return value;
}

/** Population stability index of `live` against `expected`, on the deciles of `expected`. */
export function psi(expected: Float64Array, live: readonly number[], bins = PSI_BINS): PsiResult {
  const b = psiBins(expected, bins);
  const counts = new Array<number>(b.expected.length).fill(0);
  for (const x of live) counts[binOf(b.edges, x)]!++;
  const shares = counts.map((k) => k / live.length);
  return { ...b, value: psiOf(b.expected, shares), live: shares };
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
  const n = t.requests;
  const perTest = 1 - (1 - OVERALL) / x.tested.length;
  const z = probit(1 - (1 - perTest) / 2);
  const shares: ShareCheck[] = [...t.models].map(([model, c]) => {
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

  const liveShares = t.scoreCounts.map((k) => k / t.scored);
  const p: PsiResult | null = t.scored > 0 ? { ...t.bins, live: liveShares, value: psiOf(t.bins.expected, liveShares) } : null;
  const scoreDrift = p !== null && p.value > options.maxPsi;
  return {
    kind: x.kind,
    requests: n,
    first: t.first,
    last: t.last,
    excluded: { otherDeployments: Object.fromEntries(t.excluded.otherDeployments), passThrough: t.excluded.passThrough, outsideWindow: t.excluded.outsideWindow },
    monitored: { requests: t.monitored, distinctQueries: t.sample.size, withQuery: [...t.sample.values()].filter((r) => r.query !== undefined).length, share: n ? t.monitored / n : 0, expected: x.monitoring },
    level: { overall: OVERALL, perTest },
    shares,
    evalRows: x.evalRows,
    errors: { requests: t.errors, rate: n ? t.errors / n : 0 },
    fallbacks: { requests: shares.reduce((s, c) => s + c.fallbacks, 0), paths: [...t.paths.values()] },
    scores: {
      name: x.scoreName,
      live: t.scored,
      expected: x.expectedScores.length,
      psi: p,
      maxPsi: options.maxPsi,
      drift: scoreDrift,
      // PSI of two samples of one distribution is about (bins - 1) x (1/n + 1/m): near that, a value is noise.
      noiseFloor: p ? (p.expected.length - 1) * (1 / t.scored + 1 / x.expectedScores.length) : null,
    },
    spend: spendOf(t, x),
    overhead: overheadOf(t, x),
    drifted: scoreDrift || shares.some((c) => c.drift),
  };
}

/**
 * Monitored requests the reference answered, at least this many, price always-reference live: the
 * monitoring sample is chosen by query hash, independently of the router, so their mean logged
 * cost is an unbiased estimate of the reference's cost per request, at the prices the server pays.
 */
export const LIVE_BASIS_MIN = 30;

function spendOf(t: LogTally, x: MonitorExpectation): MonitorReport['spend'] {
  const sp = t.spend;
  const total = sp.priced ? sp.total : null;
  const m = sp.monitoredReference;
  const live = m.requests >= LIVE_BASIS_MIN ? m.total / m.requests : null;
  const others = live !== null ? sp.others.requests * live : sp.others.evalBasisUnknown ? null : sp.others.evalBasis;
  const alwaysReference = sp.priced && others !== null ? sp.reference.total + others : null;
  const answered = `requests ${x.reference} answered at their logged cost`;
  const basis =
    live !== null
      ? `${answered}; the others at the mean logged cost of the ${m.requests.toLocaleString('en-US')} monitored requests it answered ($${live.toPrecision(3)} per request)`
      : x.referenceCost?.tokens
        ? `${answered}; the others' input tokens at ${x.reference}'s price plus its mean output tokens on the eval data (${Math.round(x.referenceCost.tokens.meanOutputTokens)}); fewer than ${LIVE_BASIS_MIN} monitored requests to price it live`
        : x.referenceCost?.meanCost != null
          ? `${answered}; the others at ${x.reference}'s mean cost per query on the eval data; fewer than ${LIVE_BASIS_MIN} monitored requests to price it live`
          : `${x.reference} has no price or cost on the eval data, and fewer than ${LIVE_BASIS_MIN} monitored requests priced it live`;
  return {
    priced: sp.priced,
    unpriced: t.requests - sp.priced,
    total,
    alwaysReference,
    reference: x.reference,
    basis,
    costReduction: total !== null && alwaysReference !== null && total > 0 ? alwaysReference / total : null,
    expectedCostReduction: x.expectedCostReduction,
  };
}

function overheadOf(t: LogTally, x: MonitorExpectation): MonitorReport['overhead'] {
  const [p50, p95, p99] = t.routerMs.length ? percentilesInPlace(Float64Array.from(t.routerMs), [0.5, 0.95, 0.99]) : [0, 0, 0];
  const price = x.routerPrice;
  const dollars = 'perInputToken' in price ? t.inputTokens * price.perInputToken : price.dollars;
  const dollarsNote = 'perInputToken' in price ? `the ${price.embedder} embedder, priced on each request's input tokens (the routed text is about the prompt)` : price.why;
  return { p50: p50!, p95: p95!, p99: p99!, shareOfLatency: t.latencyTotal > 0 ? t.routerTotal / t.latencyTotal : null, dollars, dollarsNote };
}
