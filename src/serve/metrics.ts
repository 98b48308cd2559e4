// `GET /metrics` in Prometheus' text format (version 0.0.4). Hand-written rather than prom-client:
// the server needs a few counters and two histograms, which are forty lines here, while
// prom-client brings its registry, default process collectors and a dependency tree to every
// install of the CLI for one endpoint.

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels, by = 1): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  render(): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`, ...[...this.values].map(([l, v]) => `${this.name}${l} ${v}`)];
  }
}

class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {}
  observe(labels: Labels, value: number): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`, `${this.name}_sum${labelText(s.labels)} ${s.sum}`, `${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return out;
  }
}

/** What one finished request adds to the metrics. */
export interface RequestOutcome {
  /** The model that answered, else the one chosen. */
  model: string;
  routed: boolean;
  status: number;
  monitored: boolean;
  fallbacks: { model: string }[];
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  upstreamMs: number;
  routerMs: number;
}

export class ServeMetrics {
  private readonly requests = new Counter('router_requests_total', 'Chat requests answered, by the model that answered, whether the router chose it, and the HTTP status.');
  private readonly errors = new Counter('router_upstream_errors_total', 'Upstream calls given up on (after their retries), by model.');
  private readonly fallbacks = new Counter('router_fallbacks_total', 'Requests escalated from one model to the next stronger one.');
  private readonly monitored = new Counter('router_monitored_total', 'Requests sent to the reference model by the monitoring sample.');
  private readonly tokens = new Counter('router_tokens_total', 'Tokens as the upstream reported them, by model and direction.');
  private readonly dollars = new Counter('router_cost_usd_total', 'Dollars of upstream calls, for models with a known price.');
  private readonly upstream = new Histogram('router_upstream_latency_seconds', 'Time in upstream calls per request (retries and fallbacks included), by model.', LATENCY_BUCKETS);
  private readonly overhead = new Histogram('router_routing_overhead_seconds', 'Time the router spent deciding per routed request (featurize, predict, rule).', OVERHEAD_BUCKETS);
  private readonly rejected = new Counter('router_rejected_total', 'Requests refused before any upstream call, by HTTP status.');

  record(o: RequestOutcome): void {
    const model = { model: o.model };
    this.requests.inc({ ...model, routed: String(o.routed), status: String(o.status) });
    if (o.monitored) this.monitored.inc(model);
    for (const f of o.fallbacks) {
      this.errors.inc({ model: f.model });
      this.fallbacks.inc({ from: f.model });
    }
    if (o.status >= 500) this.errors.inc(model);
    if (o.inputTokens !== null) this.tokens.inc({ ...model, kind: 'input' }, o.inputTokens);
    if (o.outputTokens !== null) this.tokens.inc({ ...model, kind: 'output' }, o.outputTokens);
    if (o.costUsd !== null) this.dollars.inc(model, o.costUsd);
    this.upstream.observe(model, o.upstreamMs / 1000);
    if (o.routed) this.overhead.observe({}, o.routerMs / 1000);
  }

  reject(status: number): void {
    this.rejected.inc({ status: String(status) });
  }

  render(): string {
    return [this.requests, this.rejected, this.errors, this.fallbacks, this.monitored, this.tokens, this.dollars, this.upstream, this.overhead].flatMap((m) => m.render()).join('\n') + '\n';
  }
}
