import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

// canonicalize 2 is CommonJS (`module.exports = fn`) with a declaration that says `export default`,
// which TypeScript's NodeNext reads as `exports.default`; required, it is the function the types say.
// (Version 5 is ESM but needs Node 22.)
const canonicalize = createRequire(import.meta.url)('canonicalize') as (value: unknown) => string | undefined;

export type Hash = `sha256:${string}`;

/** Of a file, pass its bytes (readTextFile's `hash` does): decoded text can fold different bytes into one U+FFFD. */
export function sha256(data: string | Uint8Array): Hash {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * The JSON Canonicalization Scheme (RFC 8785), by its co-author's implementation, so that any
 * language's JCS library reproduces our content hashes from an artifact's text. (Before it, our own
 * sorted-keys JSON.stringify; its output was byte-identical on every artifact kind, so old hashes
 * still verify.) For values as JSON.parse returns them: NaN and Infinity throw; `jsonValue` first
 * for a value built in memory.
 */
export function canonicalJson(value: unknown): string {
  return canonicalize(value) ?? 'null';
}

/** A value as it reads back from its JSON text (NaN -> null, typed arrays -> objects, undefined dropped). */
export function jsonValue(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}
