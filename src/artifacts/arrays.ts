import { z } from 'zod';

// Weight vectors are stored as base64 float32: a tenth of the size of JSON numbers and
// parsed much faster, which keeps router loading well under the 100 ms budget.

export interface PackedFloats {
  dtype: 'float32';
  length: number;
  base64: string;
}

/** What a router state's zod schema checks a packed array against. */
export const packedFloatsSchema = z.object({ dtype: z.literal('float32'), length: z.number().int().nonnegative(), base64: z.string() });

export function packFloats(values: ArrayLike<number>): PackedFloats {
  const f32 = Float32Array.from(values as ArrayLike<number>);
  return { dtype: 'float32', length: f32.length, base64: Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength).toString('base64') };
}

export function unpackFloats(p: PackedFloats): Float32Array {
  const buf = Buffer.from(p.base64, 'base64');
  if (buf.byteLength !== p.length * 4) throw new Error(`packed array holds ${buf.byteLength / 4} floats, header says ${p.length}`);
  // Copy into an aligned buffer: Buffer's pool offset may not be a multiple of 4.
  const out = new Float32Array(p.length);
  out.set(new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)));
  return out;
}
