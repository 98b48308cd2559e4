import { createHash } from 'node:crypto';

export type Hash = `sha256:${string}`;

/** Of a file, pass its bytes (readTextFile's `hash` does): decoded text can fold different bytes into one U+FFFD. */
export function sha256(data: string | Uint8Array): Hash {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * JSON with object keys sorted at every depth, so a content hash survives a parse/serialise
 * round trip (JS reorders integer-like keys, and other tools may reorder all of them).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}
