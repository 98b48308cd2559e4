import { z } from 'zod';
import { packFloats, unpackFloats } from '../artifacts/arrays.js';
import { readTextFile } from '../text-file.js';
import { UserError } from '../errors.js';
import { normalizeRows, row, type DenseMatrix } from '../embed/dense.js';
import type { Features } from '../embed/features.js';
import { invalidState, optionsOf } from './options.js';
import type { Head, RouterType } from './router.js';

// Semantic Router style: routes are given as example utterances, each route mapped to a model; a
// query goes to the route whose centroid (mean of its unit-norm utterance embeddings) is most similar.
// It needs no labels. Its score is the softmax weight (temperature TAU over cosine similarities) of
// the routes that go to the strong model, so with one route per model, score >= 0.5 is "the strong
// route is the nearer one", and calibration on labelled validation data can still refine it.
//
// Routes file (JSON):
//   {"routes": [{"name": "chitchat", "model": "gpt-4o-mini", "utterances": ["hi there", "thanks!"]},
//               {"name": "code", "model": "gpt-4o", "utterances": ["why does this segfault", "..."]}]}

const TAU = 0.05;

export const routesFileSchema = z.object({
  routes: z
    .array(z.object({ name: z.string().min(1), model: z.string().min(1), utterances: z.array(z.string().min(1)).min(1) }).strict())
    .min(2),
});

export type RoutesFile = z.infer<typeof routesFileSchema>;

const optionsSchema = z.object({ routes: z.string({ error: 'the semantic router needs a file of example utterances per route' }) });

/** `--routes FILE`: one candidate, nothing to tune. */
export type SemanticOptions = z.infer<typeof optionsSchema>;

const stateSchema = z.object({
  routes: z.array(z.object({ name: z.string(), model: z.string(), utterances: z.number().int().positive(), strong: z.boolean() })).min(1),
  routesHash: z.string(),
  centroids: z.object({ dtype: z.literal('float32'), length: z.number().int().nonnegative(), base64: z.string() }),
  cols: z.number().int().nonnegative(),
});

export function readRoutes(path: string): RoutesFile {
  const { text } = readTextFile(path);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserError(`malformed JSON (${(err as Error).message})`, { file: path });
  }
  const parsed = routesFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(issue.message, { file: path, field: issue.path.join('.') || '(root)' });
  }
  const names = new Set<string>();
  for (const r of parsed.data.routes) {
    if (names.has(r.name)) throw new UserError(`route "${r.name}" appears twice`, { file: path });
    names.add(r.name);
  }
  return parsed.data;
}

class SemanticHead implements Head {
  constructor(
    private readonly routes: z.infer<typeof stateSchema>['routes'],
    private readonly centroids: DenseMatrix,
    private readonly routesHash: string,
  ) {}

  score(x: Features): Float64Array {
    if (x.kind !== 'dense') throw new RangeError('semantic router needs dense features');
    const c = this.centroids;
    if (x.x.cols !== c.cols) throw new RangeError(`semantic router has ${c.cols}-dimensional centroids, features have ${x.x.cols}`);
    const out = new Float64Array(x.x.rows);
    const sims = new Float64Array(c.rows);
    for (let i = 0; i < x.x.rows; i++) {
      const q = row(x.x, i);
      let max = -Infinity;
      for (let r = 0; r < c.rows; r++) {
        const v = row(c, r);
        let s = 0;
        for (let k = 0; k < c.cols; k++) s += q[k]! * v[k]!;
        sims[r] = s;
        if (s > max) max = s;
      }
      let strong = 0;
      let total = 0;
      for (let r = 0; r < c.rows; r++) {
        const w = Math.exp((sims[r]! - max) / TAU);
        total += w;
        if (this.routes[r]!.strong) strong += w;
      }
      out[i] = strong / total;
    }
    return out;
  }

  state(): z.infer<typeof stateSchema> {
    return { routes: this.routes, routesHash: this.routesHash, centroids: packFloats(this.centroids.data), cols: this.centroids.cols };
  }
}

export const semanticRouter: RouterType<SemanticOptions, SemanticOptions> = {
  description: 'nearest route centroid over example utterances per route, each route mapped to a model (--routes FILE; needs no labels)',
  layout: 'dense',
  needsLabels: false,
  options: (raw) => optionsOf(optionsSchema, raw, 'semantic'),
  grid: (options) => [options],
  async train({ pair, embed }, options): Promise<Head> {
    const path = options.routes;
    const file = readRoutes(path);
    for (const r of file.routes) {
      if (r.model !== pair.weak && r.model !== pair.strong) {
        throw new UserError(`route "${r.name}" goes to model "${r.model}", which is neither the weak (${pair.weak}) nor the strong (${pair.strong}) model`, { file: path });
      }
    }
    if (!file.routes.some((r) => r.model === pair.strong) || !file.routes.some((r) => r.model === pair.weak)) {
      throw new UserError(`the routes must send some queries to each of ${pair.weak} and ${pair.strong}`, { file: path });
    }
    const utterances = file.routes.flatMap((r) => r.utterances);
    const x = await embed(utterances);
    if (x.kind !== 'dense') throw new RangeError('semantic router needs dense features');
    const cols = x.x.cols;
    const centroids: DenseMatrix = { rows: file.routes.length, cols, data: new Float32Array(file.routes.length * cols) };
    let at = 0;
    file.routes.forEach((r, i) => {
      const c = row(centroids, i);
      for (let u = 0; u < r.utterances.length; u++, at++) {
        const v = row(x.x, at);
        for (let k = 0; k < cols; k++) c[k]! += v[k]! / r.utterances.length;
      }
    });
    normalizeRows(centroids);
    return new SemanticHead(
      file.routes.map((r) => ({ name: r.name, model: r.model, utterances: r.utterances.length, strong: r.model === pair.strong })),
      centroids,
      readTextFile(path).hash,
    );
  },
  load(raw) {
    const p = stateSchema.safeParse(raw);
    if (!p.success) throw invalidState(p.error);
    const data = unpackFloats(p.data.centroids);
    if (data.length !== p.data.routes.length * p.data.cols) throw invalidState({ path: 'centroids', message: 'wrong length' });
    return new SemanticHead(p.data.routes, { rows: p.data.routes.length, cols: p.data.cols, data }, p.data.routesHash);
  },
};
