import { readJsonArtifact, resolveArtifact, DEFAULT_ROOT } from '../artifacts/store.js';
import type { Hash } from '../artifacts/hash.js';
import type { Pair } from '../data/pair.js';
import type { DeploymentBody } from './deployment.js';
import { UserError } from '../errors.js';
import { loadAnyRouter, loadRouter, type LoadedMultiRouter, type LoadedRouter, type LoadOptions } from './load.js';
import type { MultiDeploymentBody } from './multi-deployment.js';
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

/** A deployment over N models, with its router loaded and checked against its hash. */
export interface LoadedMultiDeployment {
  path: string;
  hash: Hash;
  body: MultiDeploymentBody;
  router: LoadedMultiRouter;
}

export type AnyLoadedDeployment = ({ kind: 'pair' } & LoadedDeployment) | ({ kind: 'multi' } & LoadedMultiDeployment);

function checkHash(body: { router: { name: string; hash: string } }, router: { path: string; hash: string }, path: string): void {
  if (router.hash !== body.router.hash) {
    throw new UserError(`deployment names router ${body.router.name} with hash ${body.router.hash.slice(0, 19)}…, but ${router.path} has hash ${router.hash.slice(0, 19)}…`, { file: path });
  }
}

/** Reads a deployment of either kind and loads its router, refusing one whose bytes changed since. */
export function loadAnyDeployment(ref: string, root: string = DEFAULT_ROOT, options: LoadOptions = {}): AnyLoadedDeployment {
  const path = resolveArtifact(ref, 'deployment', root);
  const env = readJsonArtifact<DeploymentBody | MultiDeploymentBody>(path, 'deployment');
  const body = env.body;
  if ('kind' in body && body.kind === 'multi') {
    const router = loadAnyRouter(body.router.path, root, options);
    if (router.kind !== 'multi') throw new UserError(`deployment over ${body.models.length} models names router ${body.router.name}, which is for a pair`, { file: path });
    checkHash(body, router, path);
    return { kind: 'multi', path, hash: env.contentHash, body, router };
  }
  return { kind: 'pair', ...loadPairDeployment(path, env.contentHash, body as DeploymentBody, root, options) };
}

/** Reads a deployment (file, NAME or NAME@VERSION) and loads its router, refusing one whose bytes changed since. */
export function loadDeployment(ref: string, root: string = DEFAULT_ROOT, options: LoadOptions = {}): LoadedDeployment {
  const d = loadAnyDeployment(ref, root, options);
  if (d.kind === 'multi') throw new UserError(`deployment over ${d.body.models.length} models (${d.body.models.join(', ')}), not a pair`, { file: d.path });
  return d;
}

function loadPairDeployment(path: string, hash: Hash, body: DeploymentBody, root: string, options: LoadOptions): LoadedDeployment {
  const router = loadRouter(body.router.path, root, options);
  checkHash(body, router, path);
  return { path, hash, body, router };
}

export type RouterRef =
  | { router: string; deployment?: undefined; loaded?: undefined }
  | { deployment: string | LoadedDeployment; router?: undefined; loaded?: undefined }
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
  const deployment = ref.deployment === undefined ? null : typeof ref.deployment === 'string' ? loadDeployment(ref.deployment, root, options) : ref.deployment;
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
