import { msg, option, UserError } from '../errors.js';
import type { Embedder, EmbedderOptions } from './embedder-types.js';
import type { FeatureContext, FeatureLayout, FeaturePart, FittedPart, PartState } from './feature-types.js';
import { fitPretrainedPart, restorePretrainedPart } from './pretrained-part.js';
import { fitTfidfPart, restoreTfidfPart } from './tfidf-part.js';

export type { Embedder, EmbedderInfo, EmbedderKind, EmbedderOptions } from './embedder-types.js';

// Every kind of feature part, in one table: `tfidf` (fitted on the training texts, stored whole),
// `use`, `onnx:<folder>`, `openai:<model>` (pretrained, stored by identity). Creating a pretrained
// embedder checks what can be checked without loading a model (the folder exists, the id is well
// formed, a key is there); the model itself (tfjs graph, ONNX session, API client) is loaded on the
// first batch, with a dynamic import, so `router --help` and tfidf-only runs never pay for it.

export const EMBEDDER_HELP = 'tfidf, use, onnx:<folder>, openai:<model>; join two with + (e.g. tfidf+use)';

interface Entry {
  /** `tfidf`, or a prefix such as `onnx:` whose rest is the entry's argument. */
  spec: string;
  /** The `kind` its parts are stored under. */
  kind: PartState['kind'];
  /** The argument's name and what to give, for the error when it is missing. */
  arg?: { name: string; needs: string };
  fit(spec: string, arg: string, texts: string[], layout: FeatureLayout, ctx: FeatureContext): Promise<FittedPart>;
  restore(state: PartState, spec: string, ctx: FeatureContext, where: string): FeaturePart;
  /** Pretrained entries only: the embedder itself, for benchmarks and the tests of one embedder. */
  open?(spec: string, arg: string, options: EmbedderOptions): Promise<Embedder>;
}

type Opener = (spec: string, arg: string, options: EmbedderOptions) => Promise<Embedder>;

/** The fit and restore of every pretrained entry: open, embed through the cache, check identity on reload. */
function pretrained(spec: string, kind: Entry['kind'], open: Opener, arg?: Entry['arg']): Entry {
  const opener = (s: string, ctx: { env: NodeJS.ProcessEnv }) => () => open(s, argOf(spec, s), { env: ctx.env });
  return {
    spec,
    kind,
    ...(arg ? { arg } : {}),
    open,
    fit: async (s, a, texts, _layout, ctx) => fitPretrainedPart(await open(s, a, { env: ctx.env }), texts, ctx, opener(s, ctx)),
    restore: (state, s, ctx) => {
      if (state.kind === 'tfidf') throw new Error('a tfidf part restored as a pretrained embedder');
      return restorePretrainedPart(state, s, opener(s, ctx), ctx);
    },
  };
}

const REGISTRY: Entry[] = [
  {
    spec: 'tfidf',
    kind: 'tfidf',
    fit: async (_s, _a, texts, layout) => fitTfidfPart(texts, layout),
    restore: (state, _s, _ctx, where) => {
      if (state.kind !== 'tfidf') throw new Error(`a ${state.kind} part restored as tfidf`);
      return restoreTfidfPart(state, where);
    },
  },
  pretrained('use', 'use', async () => (await import('./use.js')).useEmbedder()),
  pretrained('onnx:', 'onnx', async (spec, folder) => (await import('./onnx.js')).onnxEmbedder(spec, folder), {
    name: 'folder',
    needs: 'name the folder holding model.onnx and tokenizer.json',
  }),
  pretrained('openai:', 'openai', async (spec, model, o) => (await import('./openai.js')).openaiEmbedder(spec, model, o.env), {
    name: 'model',
    needs: 'name the embedding model, e.g. openai:text-embedding-3-small',
  }),
];

function argOf(entrySpec: string, spec: string): string {
  return entrySpec.endsWith(':') ? spec.slice(entrySpec.length) : '';
}

/** The entry for one part of an `--embedder` spec, its argument checked. */
function entryFor(spec: string): { entry: Entry; arg: string } {
  for (const entry of REGISTRY) {
    const prefixed = entry.spec.endsWith(':');
    if (prefixed ? !spec.startsWith(entry.spec) : spec !== entry.spec) continue;
    const arg = argOf(entry.spec, spec);
    if (entry.arg && !arg) throw new UserError(msg`${option('embedder')} ${entry.spec}<${entry.arg.name}>: ${entry.arg.needs}`);
    return { entry, arg };
  }
  throw new UserError(`unknown embedder "${spec}" (known: ${EMBEDDER_HELP})`);
}

/** Fits (tfidf) or opens (pretrained) one part on the training texts. */
export async function fitPart(spec: string, texts: string[], layout: FeatureLayout, ctx: FeatureContext): Promise<FittedPart> {
  const { entry, arg } = entryFor(spec);
  return entry.fit(spec, arg, texts, layout, ctx);
}

/** Rebuilds a stored part; `spec` is the stored one or the one named at routing time, of the same kind. */
export function restorePart(state: PartState, spec: string, ctx: FeatureContext, where: string): FeaturePart {
  const entry = REGISTRY.find((e) => e.kind === state.kind);
  if (!entry) throw new UserError(`invalid router artifact: ${where}: unknown embedder kind "${state.kind}"`);
  return entry.restore(state, spec, ctx, where);
}

/** One pretrained embedder by spec, unwrapped: for benchmarks and the tests of one embedder. */
export async function openEmbedder(spec: string, options: EmbedderOptions): Promise<Embedder> {
  const { entry, arg } = entryFor(spec);
  if (!entry.open) throw new UserError(msg`${option('embedder')} ${spec} is fitted on training texts, not opened`);
  return entry.open(spec, arg, options);
}
