import { join } from 'node:path';
import { readJsonArtifact, resolveArtifact } from '../artifacts/store.js';
import { Featurizer, type FeatureContext } from '../embed/features.js';
import type { Hash } from '../artifacts/hash.js';
import { calibrationSchema } from './calibration.js';
import { routerType } from './registry.js';
import type { Router, RouterBody } from './router.js';
import { Pipeline } from './pipeline.js';
import { MultiPipeline } from './multi-pipeline.js';
import { multiRouterType } from './multi-registry.js';
import type { MultiRouterBody } from './multi-router.js';
import { UserError } from '../errors.js';

/** A router artifact read and rebuilt, ready to score queries. */
export interface LoadedRouter {
  name: string;
  path: string;
  hash: Hash;
  body: RouterBody;
  router: Router;
  /** Hashes of what the router was made from, to spot test data it has already seen. */
  lineage: Hash[];
}

export interface LoadOptions {
  /** `--embedder` at routing time: must be the kind the router was trained with (see Featurizer.load). */
  embedder?: string;
  /** Folder holding the embedding cache (`<dir>/embeddings`); null: no cache. Default: $ROUTER_CACHE_DIR or .router-cache. */
  cacheDir?: string | null;
  env?: NodeJS.ProcessEnv;
  onProgress?: FeatureContext['onProgress'];
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ROUTER_CACHE_DIR?.trim() || '.router-cache';
}

/**
 * Resolves a router reference (file, NAME, NAME@VERSION), validates it and rebuilds the router.
 * Synchronous and cheap: a pretrained embedder (ONNX session, USE model) loads on the first score.
 */
export function loadRouter(ref: string, root: string, options: LoadOptions = {}): LoadedRouter {
  const loaded = loadAnyRouter(ref, root, options);
  if (loaded.kind === 'multi') {
    throw new UserError(`router ${loaded.name} routes over ${loaded.body.models.length} models (${loaded.body.models.join(', ')}), not between a pair`, { file: loaded.path });
  }
  return loaded;
}

/** An N-model router artifact read and rebuilt, ready to predict every model's quality. */
export interface LoadedMultiRouter extends Omit<LoadedRouter, 'body' | 'router'> {
  body: MultiRouterBody;
  router: MultiPipeline;
}

export type AnyLoadedRouter = ({ kind: 'pair' } & LoadedRouter) | ({ kind: 'multi' } & LoadedMultiRouter);

function featureContext(options: LoadOptions): { cacheDir: string | null; env: NodeJS.ProcessEnv; onProgress: LoadOptions['onProgress'] } {
  const penv = options.env ?? process.env;
  const cacheDir = options.cacheDir === undefined ? defaultCacheDir(penv) : options.cacheDir;
  return { cacheDir: cacheDir === null ? null : join(cacheDir, 'embeddings'), env: penv, onProgress: options.onProgress };
}

/** Loads a router of either kind: a pair's (strong-wins) or one over N models (quality). */
export function loadAnyRouter(ref: string, root: string, options: LoadOptions = {}): AnyLoadedRouter {
  const path = resolveArtifact(ref, 'router', root);
  const env = readJsonArtifact<RouterBody | MultiRouterBody>(path, 'router');
  const common = { name: env.name ?? ref, path, hash: env.contentHash, lineage: env.lineage.map((l) => l.hash) };
  if (env.body.target === 'quality') {
    const body = env.body;
    try {
      const featurizer = Featurizer.load(body.embedder, featureContext(options), options.embedder);
      const head = multiRouterType(body.router).load(body.model, body.models);
      const router = new MultiPipeline(body.router, body.models, featurizer, head, body.costs.map((c) => ({ intercept: c.intercept, perChar: c.perChar })), body.rule);
      return { kind: 'multi', ...common, body, router };
    } catch (err) {
      if (err instanceof UserError && !err.where.file) throw new UserError(err.text, { ...err.where, file: path });
      throw err;
    }
  }
  return { kind: 'pair', ...loadPair(env.body, path, options), ...common };
}

function loadPair(body: RouterBody, path: string, options: LoadOptions): { body: RouterBody; router: Router } {
  let router: Pipeline;
  try {
    const type = routerType(body.router);
    const featurizer = Featurizer.load(body.embedder, featureContext(options), options.embedder);
    const calibration = calibrationSchema.safeParse(body.calibration);
    if (!calibration.success) throw new UserError(`invalid router artifact: body.calibration: ${calibration.error.issues[0]!.message}`);
    router = new Pipeline(body.router, featurizer, type.load(body.model), calibration.data);
  } catch (err) {
    if (err instanceof UserError && !err.where.file) throw new UserError(err.text, { ...err.where, file: path });
    throw err;
  }
  return { body, router };
}
