import { basename } from 'node:path';
import { loadAnyDeployment, openRouter, type AnyLoadedDeployment } from '../routers/open.js';
import { routeOverModels } from '../routers/multi-route.js';

// One deployment opened for serving: the decision for a text (the rule and the monitoring hash
// are the library's, written once in routers/monitoring.ts and routers/multi-route.ts) and the
// order in which to escalate when the chosen model fails.

export interface DeploymentRef {
  name: string;
  /** The store's version, or null for a deployment read from a bare file. */
  version: number | null;
  hash: string;
}

export interface ServeDecision {
  /** The model the rule chose. */
  chosen: string;
  /** Pair: P(strong needed); over N models: null. */
  score: number | null;
  monitored: boolean;
  predicted?: { model: string; quality: number; cost: number }[];
  /**
   * The models to try, in order: the chosen one, then each stronger one. Pair: weak, then strong.
   * Over N models: by this query's predicted quality, the chosen model first, then every model
   * predicted better, ascending, and the reference last if it is not among them (the per-query
   * prediction, not the deployment's averages, since it is what the router believes of this text).
   */
  chain: string[];
}

export interface ServedDeployment {
  ref: DeploymentRef;
  path: string;
  kind: 'pair' | 'multi';
  models: string[];
  /** The strongest model: the pair's strong one, or the reference over N. */
  reference: string;
  monitoring: number;
  loaded: AnyLoadedDeployment;
  /** One line for people: `pair a / b, monitoring 2%`. */
  describe(): string;
  decide(text: string): Promise<ServeDecision>;
}

export function deploymentRef(path: string, hash: string): DeploymentRef {
  const m = /([^\\/]+)[\\/]v(\d+)\.json$/.exec(path);
  return m ? { name: m[1]!, version: Number(m[2]), hash } : { name: basename(path).replace(/\.json$/, ''), version: null, hash };
}

/**
 * Opens a deployment (file, NAME or NAME@VERSION; NAME is its latest version at each call, which
 * is what a reload picks up). No embedding cache: it would write every query to disk, which the
 * server does only with --log-queries.
 */
export function openDeployment(refText: string, artifacts: string, env?: NodeJS.ProcessEnv, embedder?: string): ServedDeployment {
  const loaded = loadAnyDeployment(refText, artifacts, { cacheDir: null, ...(env ? { env } : {}), ...(embedder ? { embedder } : {}) });
  const ref = deploymentRef(loaded.path, loaded.hash);
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  if (loaded.kind === 'pair') {
    const router = openRouter({ deployment: loaded }, { artifacts, cacheDir: null });
    const { weak, strong } = router.pair;
    return {
      ref,
      path: loaded.path,
      kind: 'pair',
      models: [weak, strong],
      reference: strong,
      monitoring: router.monitoring,
      loaded,
      describe: () => `pair ${weak} / ${strong}, monitoring ${pct(router.monitoring)}`,
      async decide(text) {
        const d = await router.route(text);
        return { chosen: d.model, score: d.score, monitored: d.monitored, chain: d.tier === 'weak' ? [weak, strong] : [strong] };
      },
    };
  }
  const { body } = loaded;
  return {
    ref,
    path: loaded.path,
    kind: 'multi',
    models: [...body.models],
    reference: body.reference,
    monitoring: body.monitoring,
    loaded,
    describe: () => `${body.models.length} models ${body.models.join(', ')}, ${body.rule.kind} ${body.rule.value}, monitoring ${pct(body.monitoring)}`,
    async decide(text) {
      const [d] = await routeOverModels(loaded.router.router, [text], { rule: body.rule, monitoring: body.monitoring, reference: body.reference });
      const own = d!.predicted.find((p) => p.model === d!.model)!.quality;
      const better = d!.predicted.filter((p) => p.quality > own).sort((a, b) => a.quality - b.quality).map((p) => p.model);
      const chain = [d!.model, ...better.filter((m) => m !== d!.model)];
      if (!chain.includes(body.reference)) chain.push(body.reference);
      return { chosen: d!.model, score: null, monitored: d!.monitored, predicted: d!.predicted, chain };
    },
  };
}
