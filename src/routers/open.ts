import { readJsonArtifact, resolveArtifact, DEFAULT_ROOT } from '../artifacts/store.js';
import type { Hash } from '../artifacts/hash.js';
import type { Pair } from '../data/pair.js';
import type { DeploymentBody } from './deployment.js';
import { UserError } from '../errors.js';
import { loadRouter, type LoadedRouter, type LoadOptions } from './load.js';
import { decide, type Decision } from './monitoring.js';

// Routing in-process: what a service calls, and what `router route` and `eval --deployment` use.
// A deployment fixes the router (checked by hash), the threshold and the monitoring share; a bare
// router brings its own default threshold and no monitoring.

/** A deployment artifact read, with the router it names loaded and checked against its hash. */
export interface LoadedDeployment {
  path: string;
  hash: Hash;
  body: DeploymentBody;
  router: LoadedRouter;
}

/** Reads a deployment (file, NAME or NAME@VERSION) and loads its router, refusing one whose bytes changed since. */
export function loadDeployment(ref: string, root: string = DEFAULT_ROOT, options: LoadOptions = {}): LoadedDeployment {
  const path = resolveArtifact(ref, 'deployment', root);
  const env = readJsonArtifact<DeploymentBody>(path, 'deployment');
  const router = loadRouter(env.body.router.path, root, options);
  if (router.hash !== env.body.router.hash) {
    throw new UserError(`deployment names router ${env.body.router.name} with hash ${env.body.router.hash.slice(0, 19)}…, but ${router.path} has hash ${router.hash.slice(0, 19)}…`, { file: path });
  }
  return { path, hash: env.contentHash, body: env.body, router };
}

export type RouterRef =
  | { router: string; deployment?: undefined; loaded?: undefined }
  | { deployment: string; router?: undefined; loaded?: undefined }
  /** A router already loaded (route, which looked at its kind first). */
  | { loaded: LoadedRouter; router?: undefined; deployment?: undefined };

export interface OpenOptions extends LoadOptions {
  /** Folder of the artifact store that NAME and NAME@VERSION refer to (default `artifacts`). */
  artifacts?: string;
  /** Send to the strong model when the score is at least this (default: the deployment's, else the router's). */
  threshold?: number;
  /** Share of queries forced to the strong model, chosen by query hash (default: the deployment's, else 0). */
  monitoring?: number;
}

/** Where one query goes, and why. */
export interface RouteDecision extends Decision {
  query: string;
}

/** A router ready to route: open once, then call `route` per query (about 50 µs for tfidf + logistic). */
export interface OpenRouter {
  readonly name: string;
  /** The router artifact's path and content hash. */
  readonly path: string;
  readonly hash: Hash;
  readonly deployment: { path: string; hash: Hash } | null;
  readonly pair: Pair;
  readonly threshold: number;
  readonly monitoring: number;
  /** Calibrated scores, the probability that the strong model is needed, one per query. */
  score(queries: readonly string[]): Promise<Float64Array>;
  route(query: string): Promise<RouteDecision>;
  routeMany(queries: readonly string[]): Promise<RouteDecision[]>;
}

function checkShare(value: number | undefined, option: string): void {
  if (value !== undefined && !(value >= 0 && value <= 1)) throw new UserError(`${option} must be a number in [0,1], got ${value}`);
}

/** Opens a router or a deployment (a file path, NAME or NAME@VERSION) for routing in-process. */
export function openRouter(ref: RouterRef, options: OpenOptions = {}): OpenRouter {
  checkShare(options.threshold, 'threshold');
  checkShare(options.monitoring, 'monitoring');
  const root = options.artifacts ?? DEFAULT_ROOT;
  const deployment = ref.deployment !== undefined ? loadDeployment(ref.deployment, root, options) : null;
  const loaded = deployment ? deployment.router : (ref.loaded ?? loadRouter(ref.router!, root, options));
  const threshold = options.threshold ?? deployment?.body.threshold ?? loaded.body.threshold;
  const monitoring = options.monitoring ?? deployment?.body.monitoring ?? 0;
  const pair = loaded.body.pair;
  const routeMany = async (queries: readonly string[]): Promise<RouteDecision[]> => {
    const scores = await loaded.router.score([...queries]);
    return queries.map((query, i) => ({ query, ...decide(query, scores[i]!, threshold, monitoring, pair) }));
  };
  return {
    name: loaded.name,
    path: loaded.path,
    hash: loaded.hash,
    deployment: deployment ? { path: deployment.path, hash: deployment.hash } : null,
    pair,
    threshold,
    monitoring,
    score: (queries) => loaded.router.score([...queries]),
    route: async (query) => (await routeMany([query]))[0]!,
    routeMany,
  };
}
