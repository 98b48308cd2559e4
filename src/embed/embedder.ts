import { UserError } from '../errors.js';
import type { Embedder, EmbedderOptions } from './embedder-types.js';

export type { Embedder, EmbedderInfo, EmbedderKind, EmbedderOptions } from './embedder-types.js';

// Pretrained embedders behind one interface: `use`, `onnx:<folder>`, `openai:<model>`. (`tfidf` is
// not one of them: it is fitted on the training set and stored in the router; see features.ts.)
// Creating an embedder checks what can be checked without loading a model (the folder exists, the
// id is well formed); the model itself (tfjs graph, ONNX session, API client) is loaded on the
// first batch, with a dynamic import, so `router --help` and tfidf-only runs never pay for it.

export const EMBEDDER_HELP = 'tfidf, use, onnx:<folder>, openai:<model>; join two with + (e.g. tfidf+use)';

interface Entry {
  /** `use`, or a prefix such as `onnx:` whose rest is the entry's argument. */
  spec: string;
  /** The argument's name and what to give, for the error when it is missing. */
  arg?: { name: string; needs: string };
  open(spec: string, arg: string, options: EmbedderOptions): Promise<Embedder>;
}

/** The pretrained embedders, each loaded with a dynamic import on first use. `tfidf` is fitted, not opened: see features.ts. */
const REGISTRY: Entry[] = [
  { spec: 'use', open: async () => (await import('./use.js')).useEmbedder() },
  { spec: 'onnx:', arg: { name: 'folder', needs: 'name the folder holding model.onnx and tokenizer.json' }, open: async (spec, folder) => (await import('./onnx.js')).onnxEmbedder(spec, folder) },
  { spec: 'openai:', arg: { name: 'model', needs: 'name the embedding model, e.g. openai:text-embedding-3-small' }, open: async (spec, model, o) => (await import('./openai.js')).openaiEmbedder(spec, model, o.env) },
];

/** Opens one pretrained embedder spec; `tfidf` and combinations are handled by features.ts. */
export async function openEmbedder(spec: string, options: EmbedderOptions): Promise<Embedder> {
  for (const e of REGISTRY) {
    const prefixed = e.spec.endsWith(':');
    if (prefixed ? !spec.startsWith(e.spec) : spec !== e.spec) continue;
    const arg = prefixed ? spec.slice(e.spec.length) : '';
    if (e.arg && !arg) throw new UserError(`--embedder ${e.spec}<${e.arg.name}>: ${e.arg.needs}`);
    return e.open(spec, arg, options);
  }
  throw new UserError(`unknown embedder "${spec}" (known: ${EMBEDDER_HELP})`);
}
