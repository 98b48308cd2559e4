import { UserError } from './errors.js';

// The engines only some options use (tfjs for the mlp and mf routers, onnxruntime for onnx
// embedders, the Universal Sentence Encoder for `use`) are optional peer dependencies: the default
// install (TF-IDF features, logistic/knn/semantic routers, labelling) is about 90 MB instead of
// 746 MB. Absent, the option that needs one says so in one line, with the command that adds it.

/** Packages an option needs, and what for, as one install command and one reason. */
export interface OptionalPackages {
  packages: readonly string[];
  /** What needs them, as the message's subject: `router type mlp`, `embedder "use"`. */
  neededFor: string;
}

/** True when `err` is Node failing to find the package `name` itself (not a file inside it). */
export function isMissingPackage(err: unknown, name: string): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' && e?.code !== 'MODULE_NOT_FOUND') return false;
  return (e.message ?? '').includes(`'${name}'`) || (e.message ?? '').includes(`"${name}"`);
}

export function missingPackages(what: OptionalPackages): UserError {
  const one = what.packages.length === 1;
  return new UserError(`${what.neededFor} needs ${what.packages.join(' and ')}, ${one ? 'which is' : 'which are'} not installed; add ${one ? 'it' : 'them'} with: npm install ${what.packages.join(' ')}`);
}

/**
 * Imports optional packages together. A package that is not installed becomes the one-line
 * UserError above; any other failure (a broken install) propagates as it is.
 */
export async function importOptional<T extends unknown[]>(what: OptionalPackages, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (what.packages.some((p) => isMissingPackage(err, p))) throw missingPackages(what);
    throw err;
  }
}
