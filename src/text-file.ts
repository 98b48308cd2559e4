import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { constants, isAscii, isUtf8 } from 'node:buffer';
import { fileSystemError, msg, option, UserError } from './errors.js';
import { sha256, type Hash } from './artifacts/hash.js';

// The one way a file's bytes become text. Every input reader (CSV, JSONL, JSON artifacts and
// config) goes through here, so every reader refuses the same undecodable bytes with the same
// message, and the hash recorded in lineage is always of the bytes on disk, never of a decoding
// that may have folded different bytes into the same U+FFFD.

export const ENCODINGS = ['utf8', 'latin1'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/**
 * V8 cannot hold a longer string (2^29 - 24 UTF-16 units, just under 512 MiB of ASCII), so a
 * larger file could only fail half-way through the read with an internal error.
 */
export const MAX_TEXT_BYTES = constants.MAX_STRING_LENGTH;

export interface TextFile {
  path: string;
  text: string;
  /** sha256 of the bytes as stored. */
  hash: Hash;
  bytes: number;
}

export interface TextOptions {
  encoding?: Encoding;
  /** Excel writes a UTF-8 byte order mark in front of a CSV; JSON and JSONL readers must not see one. */
  bom?: 'strip' | 'refuse';
  /** Files larger than this are refused before they are read (tests inject a small one). */
  maxBytes?: number;
  /** How to get under maxBytes, for the message (e.g. "split it into several CSVs in one folder"). */
  tooLargeHint?: string;
  /** The command reading the file accepts --encoding, so the message can point at it. */
  encodingFlag?: boolean;
}

/** "513 MiB", "1.5 KiB", "73 bytes". */
export function size(bytes: number): string {
  if (bytes >= 2 ** 20) return `${+(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** Refuses a file too large to read as one string; callers reading many files check each first. */
export function checkTextSize(path: string, bytes: number, options: Pick<TextOptions, 'maxBytes' | 'tooLargeHint'>): void {
  const max = options.maxBytes ?? MAX_TEXT_BYTES;
  if (bytes <= max) return;
  // Just over the limit, rounded sizes would read "512 MiB, over the limit of 512 MiB".
  const [have, limit] = size(bytes) === size(max) ? [`${bytes.toLocaleString('en-US')} bytes`, `${max.toLocaleString('en-US')} bytes`] : [size(bytes), size(max)];
  throw new UserError(`is ${have}, over the limit of ${limit} for one file; ${options.tooLargeHint ?? 'split it into smaller files'}`, { file: path });
}

export function readTextFile(path: string, options: TextOptions = {}): TextFile {
  let bytes: Buffer;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new UserError('is a folder, expected a file', { file: path });
    checkTextSize(path, stat.size, options);
    bytes = readFileSync(fd);
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError('no such file', { file: path });
    if (code === 'EISDIR') throw new UserError('is a folder, expected a file', { file: path });
    if (code === 'EACCES') throw new UserError('permission denied', { file: path });
    throw fileSystemError(err, path, 'read');
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return { path, text: decodeText(bytes, path, options), hash: sha256(bytes), bytes: bytes.length };
}

/** Bytes to text, refusing what cannot be read as the encoding says instead of guessing. */
export function decodeText(bytes: Uint8Array, file: string, options: TextOptions = {}): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const wide = wideEncoding(buf);
  if (wide) throw new UserError(`is ${wide}, not UTF-8 text: save it as UTF-8`, { file });
  const nul = buf.indexOf(0);
  if (nul >= 0) {
    const looksUtf16 = buf.length >= 4 && (buf[1] === 0 && buf[3] === 0) !== (buf[0] === 0 && buf[2] === 0);
    const cause = looksUtf16 ? 'it looks like UTF-16 without a byte order mark: save it as UTF-8' : 'binary data, not a text file';
    throw new UserError(`NUL byte at offset ${nul}: ${cause}`, { file, line: lineAt(buf, nul) });
  }
  if (options.encoding === 'latin1') {
    // Latin-1 text almost never forms valid multi-byte UTF-8, so a file that does is UTF-8, and
    // decoding it as Latin-1 would turn every é into Ã© on its way to the models.
    const utf8 = (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) || (!isAscii(buf) && isUtf8(buf));
    if (utf8) throw new UserError(msg`is UTF-8, not Latin-1: read it without ${option('encoding')} latin1`, { file });
    return decodeWindows1252(buf);
  }
  let start = 0;
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    if (options.bom !== 'strip') throw new UserError('starts with a UTF-8 byte order mark (bytes EF BB BF), which JSON and JSONL do not allow: save it without one', { file, line: 1 });
    start = 3;
  }
  const body = buf.subarray(start);
  if (!isUtf8(body)) {
    const at = start + Math.max(0, firstInvalidUtf8(body));
    const hint = options.encodingFlag ? msg`save it as UTF-8, or read it as Latin-1 with ${option('encoding')} latin1` : 'save it as UTF-8';
    throw new UserError(msg`byte 0x${buf[at]!.toString(16).toUpperCase().padStart(2, '0')} at offset ${at} is not UTF-8: ${hint}`, { file, line: lineAt(buf, at) });
  }
  return body.toString('utf8');
}

// What "Latin-1" files from spreadsheets are: Windows-1252, which puts curly quotes, dashes and €
// where ISO-8859-1 has unprintable C1 controls (as WHATWG's "latin1" label does; Node 20's
// TextDecoder ignores that, so the 32 code points are mapped here). Unassigned bytes stay C1.
const CP1252_80_9F = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

function decodeWindows1252(buf: Buffer): string {
  const text = buf.toString('latin1');
  return /[\x80-\x9f]/.test(text) ? text.replace(/[\x80-\x9f]/g, (c) => String.fromCharCode(CP1252_80_9F[c.charCodeAt(0) - 0x80]!)) : text;
}

function wideEncoding(b: Buffer): string | undefined {
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return 'UTF-32 (little-endian; it starts with the byte order mark FF FE 00 00)';
  if (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return 'UTF-32 (big-endian; it starts with the byte order mark 00 00 FE FF)';
  if (b[0] === 0xff && b[1] === 0xfe) return 'UTF-16 (little-endian; it starts with the byte order mark FF FE)';
  if (b[0] === 0xfe && b[1] === 0xff) return 'UTF-16 (big-endian; it starts with the byte order mark FE FF)';
  return undefined;
}

function lineAt(b: Buffer, offset: number): number {
  let line = 1;
  for (let i = b.indexOf(0x0a); i >= 0 && i < offset; i = b.indexOf(0x0a, i + 1)) line++;
  return line;
}

/** Offset of the first byte that starts no valid UTF-8 sequence (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
export function firstInvalidUtf8(b: Uint8Array): number {
  const cont = (i: number, lo = 0x80, hi = 0xbf) => i < b.length && b[i]! >= lo && b[i]! <= hi;
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n: number;
    if (c < 0x80) n = 1;
    else if (c >= 0xc2 && c <= 0xdf) n = cont(i + 1) ? 2 : 0;
    else if (c === 0xe0) n = cont(i + 1, 0xa0) && cont(i + 2) ? 3 : 0;
    else if (c === 0xed) n = cont(i + 1, 0x80, 0x9f) && cont(i + 2) ? 3 : 0;
    else if (c >= 0xe1 && c <= 0xef) n = cont(i + 1) && cont(i + 2) ? 3 : 0;
    else if (c === 0xf0) n = cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    else if (c >= 0xf1 && c <= 0xf3) n = cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    else if (c === 0xf4) n = cont(i + 1, 0x80, 0x8f) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    else n = 0;
    if (n === 0) return i;
    i += n;
  }
  return -1;
}
