// Built-in TF-IDF featurizer, equal to scikit-learn's
// TfidfVectorizer(ngram_range=(1, ngramMax), min_df, max_features, sublinear_tf, smooth_idf=True, norm='l2')
// (same vocabulary, column order and values to ~1e-16 on the MMLU folds), so a router trained here
// scores like the reference Python pipeline. Hand-written because JS TF-IDF packages (natural's
// TfIdf, for one) use other tokenisers and idf formulas and give per-document maps, while the
// logistic solver needs CSR. Fit + transform of 11,234 MMLU prompts (1.4M n-grams) takes
// 0.55-0.95 s on the shared 2-core dev VM, against 1.7-3.9 s for scikit-learn 1.2.1 there.

import type { Csr } from './sparse.js';

export interface TfidfOptions {
  /** Largest word n-gram; 1-grams are always included. */
  ngramMax: number;
  /** Keep terms that occur in at least this many training documents (an absolute count, unlike sklearn's float form). */
  minDf: number;
  /** Keep only this many terms, the most frequent over the training corpus (total count, ties alphabetical). */
  maxFeatures: number | null;
  /** Use 1 + ln(tf) instead of the raw count. */
  sublinearTf: boolean;
}

/** Everything needed to transform new text; JSON-serialisable and stored in router artifacts. */
export interface TfidfState {
  options: TfidfOptions;
  /** Term of each column, in code-point order. */
  vocabulary: string[];
  /** idf of each column, aligned with vocabulary. */
  idf: number[];
}

export const DEFAULT_TFIDF_OPTIONS: Readonly<TfidfOptions> = Object.freeze({
  ngramMax: 2,
  minDf: 2,
  maxFeatures: null,
  sublinearTf: true,
});

/** The training texts leave no usable term (too few documents for minDf, or no tokens at all). */
export class TfidfVocabularyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TfidfVocabularyError';
  }
}

// sklearn's token_pattern is (?u)\b\w\w+\b. Python's Unicode \w is "alphanumeric or underscore"
// (letters L*, numbers N*), whereas JS \w stays ASCII even under the u flag, so spell the class out.
// A greedy run of 2+ word characters found left to right is exactly a \b...\b match.
const TOKEN = /[\p{L}\p{N}_]{2,}/gu;

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

/** Word n-grams for n = 1..ngramMax, in sklearn's order (all 1-grams, then all 2-grams, ...). */
export function analyze(text: string, ngramMax: number): string[] {
  const tokens = tokenize(text);
  if (ngramMax === 1) return tokens;
  const out = tokens.slice();
  for (let n = 2; n <= ngramMax; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      let g = tokens[i]!;
      for (let j = 1; j < n; j++) g += ' ' + tokens[i + j]!;
      out.push(g);
    }
  }
  return out;
}

/**
 * Code-point order, which is Python's string order. JS `<` compares UTF-16 code units, which
 * disagrees only when the first difference is a surrogate against a unit in U+E000..U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

// Without surrogates UTF-16 order is code-point order, and the engine's own comparison is several times faster.
const SURROGATE = /[\ud800-\udfff]/;
function hasSurrogate(s: string): boolean {
  return SURROGATE.test(s);
}
function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Indices into `nodes`, ordered as the n-grams' texts are in Python (code-point order). The space
 * that joins tokens sorts below every word character, so text order is the order of token tuples
 * (a tuple before its extensions); ranking the tokens once then gives each n-gram a numeric key,
 * and a native numeric sort replaces ~n log n string comparisons.
 */
function sortNodes(nodes: number[], trie: GramTrie, tokens: string[], ngramMax: number): Int32Array {
  const order = tokens.some(hasSurrogate) ? compareCodePoints : compareUtf16;
  const m = nodes.length;
  const base = tokens.length + 1;
  if (base ** ngramMax * m >= 2 ** 53) {
    const texts = nodes.map((node, i) => ({ i, text: trie.text(node, tokens) }));
    texts.sort((a, b) => order(a.text, b.text));
    return Int32Array.from(texts, (t) => t.i);
  }
  const byToken = tokens.map((_, i) => i).sort((a, b) => order(tokens[a]!, tokens[b]!));
  const rank = new Int32Array(tokens.length);
  for (let r = 0; r < byToken.length; r++) rank[byToken[r]!] = r + 1; // 0 pads tuples shorter than ngramMax
  const keys = new Float64Array(m);
  const path: number[] = [];
  for (let i = 0; i < m; i++) {
    path.length = 0;
    for (let node = nodes[i]!; node >= 0; node = trie.parent.data[node]!) path.push(rank[trie.token.data[node]!]!);
    let key = 0;
    for (let j = path.length - 1; j >= 0; j--) key = key * base + path[j]!;
    for (let j = path.length; j < ngramMax; j++) key *= base;
    keys[i] = key * m + i;
  }
  keys.sort();
  return Int32Array.from(keys, (k) => k % m);
}

function validateOptions(o: TfidfOptions): TfidfOptions {
  if (!Number.isInteger(o.ngramMax) || o.ngramMax < 1) throw new RangeError(`ngramMax must be an integer >= 1, got ${o.ngramMax}`);
  if (!Number.isInteger(o.minDf) || o.minDf < 1) throw new RangeError(`minDf must be an integer >= 1, got ${o.minDf}`);
  if (o.maxFeatures !== null && (!Number.isInteger(o.maxFeatures) || o.maxFeatures < 1)) {
    throw new RangeError(`maxFeatures must be null or an integer >= 1, got ${o.maxFeatures}`);
  }
  if (typeof o.sublinearTf !== 'boolean') throw new RangeError('sublinearTf must be a boolean');
  return { ngramMax: o.ngramMax, minDf: o.minDf, maxFeatures: o.maxFeatures, sublinearTf: o.sublinearTf };
}

/** Growable Int32Array, so a corpus's millions of n-gram occurrences do not live in a JS number[]. */
class IntBuffer {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1 << 16) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/** Per-document lists of column ids (repeats = counts): docPtr has length docs + 1. */
interface Occurrences {
  docPtr: Int32Array;
  ids: Int32Array;
}

/**
 * N-grams as a trie: node = (prefix node, token id), found through an open-addressing hash on
 * two int32 keys. Hashing a 1-2 gram corpus's ~1.4M n-gram strings in a Map<string> was the
 * featurizer's main cost; integer pairs avoid building and hashing the joined strings.
 */
class GramTrie {
  // Slot i is [parent, token, node] at 3i: one cache line per probe instead of three arrays.
  private slots = new Int32Array(3 << 16).fill(-1);
  private capacity = 1 << 16;
  readonly parent = new IntBuffer();
  readonly token = new IntBuffer();

  get size(): number {
    return this.parent.length;
  }

  /** Offset of the slot holding (parent, token), or of the empty slot where it would go. */
  private slot(parent: number, token: number): number {
    const mask = this.capacity - 1;
    // murmur3's finaliser: node and token ids are small consecutive integers, which linear probing needs spread.
    let h = Math.imul(parent + 1, 0x9e3779b1) + token;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    let i = h & mask;
    const slots = this.slots;
    for (;;) {
      const at = 3 * i;
      if (slots[at + 2]! < 0 || (slots[at] === parent && slots[at + 1] === token)) return at;
      i = (i + 1) & mask;
    }
  }

  /** Node of n-gram (parent n-gram + token), -1 if absent; parent -1 means a 1-gram. */
  find(parent: number, token: number): number {
    return this.slots[this.slot(parent, token) + 2]!;
  }

  intern(parent: number, token: number): number {
    let at = this.slot(parent, token);
    const found = this.slots[at + 2]!;
    if (found >= 0) return found;
    if (2 * (this.size + 1) > this.capacity) {
      this.rehash();
      at = this.slot(parent, token);
    }
    const node = this.size;
    this.slots[at] = parent;
    this.slots[at + 1] = token;
    this.slots[at + 2] = node;
    this.parent.push(parent);
    this.token.push(token);
    return node;
  }

  private rehash(): void {
    this.capacity *= 2;
    this.slots = new Int32Array(3 * this.capacity).fill(-1);
    for (let node = 0; node < this.size; node++) {
      const p = this.parent.data[node]!;
      const t = this.token.data[node]!;
      const at = this.slot(p, t);
      this.slots[at] = p;
      this.slots[at + 1] = t;
      this.slots[at + 2] = node;
    }
  }

  /** The n-gram's text, tokens joined by a single space as sklearn does. */
  text(node: number, tokens: string[]): string {
    const p = this.parent.data[node]!;
    const t = tokens[this.token.data[node]!]!;
    return p < 0 ? t : this.text(p, tokens) + ' ' + t;
  }
}

// Word-character test for the scanner below: an ASCII table, and the token regex's own class for
// the rest (cached), so the scanner and `tokenize` cannot disagree.
const ASCII_WORD = Uint8Array.from({ length: 128 }, (_, c) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 ? 1 : 0,
);
const WORD_CHAR = /^[\p{L}\p{N}_]$/u;
const wordCache = new Map<number, boolean>();
function isWordCodePoint(cp: number): boolean {
  if (cp < 128) return ASCII_WORD[cp] === 1;
  let w = wordCache.get(cp);
  if (w === undefined) {
    w = WORD_CHAR.test(String.fromCodePoint(cp));
    wordCache.set(cp, w);
  }
  return w;
}

/**
 * Interned tokens, found by scanning the lowercased text in place: `tokenize` + Map<string> made
 * a substring and a string hash for each of the corpus's ~700k tokens and dominated fitting.
 * Produces exactly the tokens of `tokenize` (tested), as ids.
 */
class TokenTable {
  readonly tokens: string[] = [];
  private hashes = new Int32Array(1 << 12);
  private slots = new Int32Array(1 << 14).fill(-1);

  get size(): number {
    return this.tokens.length;
  }

  /** Token ids of `text` into out (grown as needed); unknown tokens are -1 unless `insert`. */
  scan(text: string, insert: boolean, out: { ids: Int32Array }): number {
    const s = text.toLowerCase();
    const len = s.length;
    let count = 0;
    let i = 0;
    while (i < len) {
      const start = i;
      let h = 0x811c9dc5 | 0;
      let points = 0;
      while (i < len) {
        const c = s.charCodeAt(i);
        let width = 1;
        let word: boolean;
        if (c < 128) word = ASCII_WORD[c] === 1;
        else if (c >= 0xd800 && c <= 0xdbff && i + 1 < len && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
          width = 2;
          word = isWordCodePoint(((c - 0xd800) << 10) + (s.charCodeAt(i + 1) - 0xdc00) + 0x10000);
        } else word = isWordCodePoint(c);
        if (!word) {
          if (i === start) i += width;
          break;
        }
        for (let k = 0; k < width; k++) h = Math.imul(h ^ s.charCodeAt(i + k), 0x01000193);
        i += width;
        points++;
      }
      if (points < 2) continue; // the pattern wants 2+ word characters (code points, under /u)
      if (count === out.ids.length) {
        const next = new Int32Array(out.ids.length * 2);
        next.set(out.ids);
        out.ids = next;
      }
      out.ids[count++] = this.lookup(s, start, i, h, insert);
    }
    return count;
  }

  /** Id of a whole word, for building from a vocabulary. */
  idOf(word: string, insert: boolean): number {
    let h = 0x811c9dc5 | 0;
    for (let k = 0; k < word.length; k++) h = Math.imul(h ^ word.charCodeAt(k), 0x01000193);
    return this.lookup(word, 0, word.length, h, insert);
  }

  private lookup(s: string, start: number, end: number, h: number, insert: boolean): number {
    const mask = this.slots.length - 1;
    let i = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const id = this.slots[i]!;
      if (id < 0) break;
      if (this.hashes[id] === h && this.matches(this.tokens[id]!, s, start, end)) return id;
      i = (i + 1) & mask;
    }
    if (!insert) return -1;
    const id = this.tokens.length;
    this.tokens.push(s.slice(start, end));
    if (id === this.hashes.length) {
      const next = new Int32Array(this.hashes.length * 2);
      next.set(this.hashes);
      this.hashes = next;
    }
    this.hashes[id] = h;
    this.slots[i] = id;
    if (2 * this.tokens.length > this.slots.length) this.rehash();
    return id;
  }

  private matches(token: string, s: string, start: number, end: number): boolean {
    if (token.length !== end - start) return false;
    for (let k = 0; k < token.length; k++) if (token.charCodeAt(k) !== s.charCodeAt(start + k)) return false;
    return true;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = this.slots.length - 1;
    for (let id = 0; id < this.tokens.length; id++) {
      const h = this.hashes[id]!;
      let i = (h ^ (h >>> 15)) & mask;
      while (this.slots[i]! >= 0) i = (i + 1) & mask;
      this.slots[i] = id;
    }
  }
}

/** Looks texts' n-grams up in a fixed vocabulary. */
interface Matcher {
  tokens: TokenTable;
  trie: GramTrie;
  columnOfNode: Int32Array;
}

// 1 + ln(tf) for the small counts nearly every entry has.
const SUBLINEAR_TF = Float64Array.from({ length: 64 }, (_, tf) => 1 + Math.log(tf));

// Until this many texts have been transformed, transform finds n-grams by binary search in the
// sorted vocabulary instead of building the trie. Building it is a one-off cost proportional to the
// vocabulary (~100 ms for MMLU's 101k terms on the dev VM) that a `router route` of one query would
// pay in full; a search is ~17 string comparisons per n-gram, so a long-running process (or a big
// batch) is better served by the trie once it has seen a few hundred texts.
const SEARCH_UNTIL = 256;

export class Tfidf {
  private readonly opts: TfidfOptions;
  private readonly vocab: string[];
  private readonly idfs: Float64Array;
  private matcher: Matcher | null = null;
  /** Whether the vocabulary is in code-point order (it is unless a stored state was edited), so binary search works. */
  private sortedVocab: boolean | null = null;
  /** Per-column counts for weigh(), all zero between calls; reused so scoring one query does not allocate a vocabulary-sized array. */
  private counts: Int32Array | null = null;
  /** Texts transformed by binary search so far (see SEARCH_UNTIL). */
  private searched = 0;
  /** The comparison the vocabulary is sorted by for search: UTF-16 order when no term has a surrogate (the same order, faster). */
  private searchOrder: (a: string, b: string) => number = compareCodePoints;

  private constructor(options: TfidfOptions, vocabulary: string[], idf: Float64Array, matcher: Matcher | null = null) {
    this.opts = options;
    this.vocab = vocabulary;
    this.idfs = idf;
    this.matcher = matcher;
  }

  static fit(texts: string[], options?: Partial<TfidfOptions>): Tfidf {
    return Tfidf.fitTransform(texts, options).model;
  }

  /** fit(texts) then transform(texts), tokenizing the corpus once (like sklearn's fit_transform). */
  static fitTransform(texts: string[], options?: Partial<TfidfOptions>): { model: Tfidf; x: Csr } {
    const opts = validateOptions({ ...DEFAULT_TFIDF_OPTIONS, ...options });
    const n = texts.length;

    // One pass gives every distinct n-gram a node and counts document frequency (via the last
    // document that saw it) and total frequency (for maxFeatures) without a per-document map.
    const table = new TokenTable();
    const trie = new GramTrie();
    let df = new Int32Array(1 << 14);
    let total = new Int32Array(1 << 14);
    let lastDoc = new Int32Array(1 << 14).fill(-1);
    const occ = new IntBuffer();
    const docPtr = new Int32Array(n + 1);
    const scratch = { ids: new Int32Array(256) };
    for (let d = 0; d < n; d++) {
      const len = table.scan(texts[d]!, true, scratch);
      const tids = scratch.ids;
      for (let i = 0; i < len; i++) {
        let node = -1;
        for (let k = i; k < len && k < i + opts.ngramMax; k++) {
          node = trie.intern(node, tids[k]!);
          if (node === df.length) {
            df = grow(df, 0);
            total = grow(total, 0);
            lastDoc = grow(lastDoc, -1);
          }
          total[node]!++;
          if (lastDoc[node] !== d) {
            lastDoc[node] = d;
            df[node]!++;
          }
          occ.push(node);
        }
      }
      docPtr[d + 1] = occ.length;
    }
    if (trie.size === 0) {
      throw new TfidfVocabularyError('empty vocabulary: no training text has a word of 2 or more letters or digits');
    }

    let kept: number[] = [];
    for (let node = 0; node < trie.size; node++) if (df[node]! >= opts.minDf) kept.push(node);
    if (kept.length === 0) {
      throw new TfidfVocabularyError(
        `no term occurs in at least minDf=${opts.minDf} of the ${n} training texts; lower minDf or add data`,
      );
    }
    const tokens = table.tokens;
    let alphabetical = sortNodes(kept, trie, tokens, opts.ngramMax);
    if (opts.maxFeatures !== null && kept.length > opts.maxFeatures) {
      // Most frequent first, ties in alphabetical order: one packed numeric key per term.
      const m = alphabetical.length;
      let maxTotal = 0;
      for (const node of kept) maxTotal = Math.max(maxTotal, total[node]!);
      const keys = new Float64Array(m);
      for (let p = 0; p < m; p++) keys[p] = (maxTotal - total[kept[alphabetical[p]!]!]!) * m + p;
      keys.sort();
      // maxFeatures < kept.length = m, so every slot of top has a key.
      const top = new Int32Array(opts.maxFeatures);
      for (let i = 0; i < top.length; i++) top[i] = keys[i]! % m;
      top.sort();
      alphabetical = Int32Array.from(top, (p) => alphabetical[p]!);
    }
    kept = Array.from(alphabetical, (i) => kept[i]!);
    const vocabulary = kept.map((node) => trie.text(node, tokens));
    const idf = new Float64Array(kept.length);
    const columnOfNode = new Int32Array(trie.size).fill(-1);
    for (let c = 0; c < kept.length; c++) {
      const node = kept[c]!;
      idf[c] = Math.log((1 + n) / (1 + df[node]!)) + 1;
      columnOfNode[node] = c;
    }
    // The fit-time trie already holds every vocabulary term (and more, mapped to no column), so
    // transform reuses it instead of rebuilding one from the vocabulary strings.
    const model = new Tfidf(opts, vocabulary, idf, { tokens: table, trie, columnOfNode });

    const ids = new IntBuffer();
    const colPtr = new Int32Array(n + 1);
    for (let d = 0; d < n; d++) {
      for (let k = docPtr[d]!; k < docPtr[d + 1]!; k++) {
        const c = columnOfNode[occ.data[k]!]!;
        if (c >= 0) ids.push(c);
      }
      colPtr[d + 1] = ids.length;
    }
    return { model, x: model.weigh({ docPtr: colPtr, ids: ids.data.subarray(0, ids.length) }) };
  }

  static fromState(s: TfidfState): Tfidf {
    const opts = validateOptions(s.options);
    if (!Array.isArray(s.vocabulary) || !Array.isArray(s.idf) || s.vocabulary.length !== s.idf.length) {
      throw new RangeError('TF-IDF state: vocabulary and idf must be arrays of the same length');
    }
    for (let c = 0; c < s.idf.length; c++) {
      if (typeof s.vocabulary[c] !== 'string') throw new RangeError(`TF-IDF state: vocabulary[${c}] is not a string`);
      if (!Number.isFinite(s.idf[c])) throw new RangeError(`TF-IDF state: idf[${c}] is not a finite number`);
    }
    if (new Set(s.vocabulary).size !== s.vocabulary.length) throw new RangeError('TF-IDF state: duplicate vocabulary terms');
    return new Tfidf(opts, s.vocabulary.slice(), Float64Array.from(s.idf));
  }

  state(): TfidfState {
    return { options: { ...this.opts }, vocabulary: this.vocab.slice(), idf: Array.from(this.idfs) };
  }

  /** The fitted vocabulary and idf without copies, for a compact stored form (tfidf-pack.ts). */
  parts(): { options: TfidfOptions; vocabulary: readonly string[]; idf: Readonly<Float64Array> } {
    return { options: { ...this.opts }, vocabulary: this.vocab, idf: this.idfs };
  }

  /**
   * fromState for arrays already in memory (a stored router's), checked the same way but not copied.
   * `surrogates`: whether any term holds a UTF-16 surrogate, when the caller knows (one scan of the joined terms is cheaper).
   */
  static fromParts(options: TfidfOptions, vocabulary: string[], idf: Float64Array, surrogates?: boolean): Tfidf {
    const opts = validateOptions(options);
    if (vocabulary.length !== idf.length) throw new RangeError('TF-IDF state: vocabulary and idf must have the same length');
    for (let c = 0; c < idf.length; c++) {
      if (!Number.isFinite(idf[c])) throw new RangeError(`TF-IDF state: idf[${c}] is not a finite number`);
    }
    // One pass finds duplicates (adjacent when sorted) and whether binary search may be used. Without
    // surrogates the engine's UTF-16 comparison is code-point order, and several times faster.
    let sorted = true;
    const utf16 = !(surrogates ?? vocabulary.some(hasSurrogate));
    const compare = utf16 ? compareUtf16 : compareCodePoints;
    let duplicate = false;
    if (utf16) {
      // Inline comparisons: this loop runs once per load over ~10^5 terms, mostly before the JIT warms up.
      for (let c = 1; c < vocabulary.length; c++) {
        const a = vocabulary[c - 1]!;
        const b = vocabulary[c]!;
        if (a < b) continue;
        if (a === b) duplicate = true;
        else sorted = false;
      }
    } else {
      for (let c = 1; c < vocabulary.length; c++) {
        const order = compareCodePoints(vocabulary[c - 1]!, vocabulary[c]!);
        if (order === 0) duplicate = true;
        if (order > 0) sorted = false;
      }
    }
    if (duplicate) throw new RangeError('TF-IDF state: duplicate vocabulary terms');
    if (!sorted && new Set(vocabulary).size !== vocabulary.length) throw new RangeError('TF-IDF state: duplicate vocabulary terms');
    const model = new Tfidf(opts, vocabulary, idf);
    model.sortedVocab = sorted;
    model.searchOrder = compare;
    return model;
  }

  get dimension(): number {
    return this.vocab.length;
  }

  get options(): TfidfOptions {
    return { ...this.opts };
  }

  /** One row per text, L2-normalised; terms not in the vocabulary are ignored, so an unseen text can be an all-zero row. */
  transform(texts: string[]): Csr {
    if (!this.matcher && this.searched + texts.length <= SEARCH_UNTIL && this.isSorted()) {
      this.searched += texts.length;
      return this.transformBySearch(texts);
    }
    const { tokens, trie, columnOfNode } = this.getMatcher();
    const ngramMax = this.opts.ngramMax;
    // Sized by the input (it grows as needed): a fixed 64k-entry buffer was a 256 KB zeroed
    // allocation per call, most of a single query's time and, outside the heap, a full GC every
    // ~200 single-query calls.
    let chars = 0;
    for (let d = 0; d < texts.length && chars < 1 << 16; d++) chars += texts[d]!.length;
    const ids = new IntBuffer(Math.min(1 << 16, Math.max(256, chars)));
    const docPtr = new Int32Array(texts.length + 1);
    const scratch = { ids: new Int32Array(256) };
    for (let d = 0; d < texts.length; d++) {
      const len = tokens.scan(texts[d]!, false, scratch);
      const tids = scratch.ids;
      for (let i = 0; i < len; i++) {
        let node = -1;
        // Every prefix of a vocabulary term is a trie node, so a miss ends all longer n-grams here.
        for (let k = i; k < len && k < i + ngramMax; k++) {
          const t = tids[k]!;
          if (t < 0) break;
          node = trie.find(node, t);
          if (node < 0) break;
          const c = columnOfNode[node]!;
          if (c >= 0) ids.push(c);
        }
      }
      docPtr[d + 1] = ids.length;
    }
    return this.weigh({ docPtr, ids: ids.data.subarray(0, ids.length) });
  }

  private isSorted(): boolean {
    if (this.sortedVocab === null) {
      this.sortedVocab = true;
      for (let c = 1; c < this.vocab.length && this.sortedVocab; c++) if (compareCodePoints(this.vocab[c - 1]!, this.vocab[c]!) >= 0) this.sortedVocab = false;
    }
    return this.sortedVocab;
  }

  /** Column of a term by binary search (vocabulary in code-point order), -1 when absent. */
  private columnOf(term: string): number {
    let lo = 0;
    let hi = this.vocab.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const order = this.searchOrder(this.vocab[mid]!, term);
      if (order === 0) return mid;
      if (order < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** transform without the trie: the n-grams of `analyze`, each found by binary search. */
  private transformBySearch(texts: string[]): Csr {
    const ids = new IntBuffer(256);
    const docPtr = new Int32Array(texts.length + 1);
    for (const [d, text] of texts.entries()) {
      for (const gram of analyze(text, this.opts.ngramMax)) {
        const c = this.columnOf(gram);
        if (c >= 0) ids.push(c);
      }
      docPtr[d + 1] = ids.length;
    }
    return this.weigh({ docPtr, ids: ids.data.subarray(0, ids.length) });
  }

  private getMatcher(): Matcher {
    if (this.matcher) return this.matcher;
    const tokens = new TokenTable();
    const trie = new GramTrie();
    const columns: number[] = [];
    for (let c = 0; c < this.vocab.length; c++) {
      let node = -1;
      for (const word of this.vocab[c]!.split(' ')) node = trie.intern(node, tokens.idOf(word, true));
      while (columns.length <= node) columns.push(-1);
      columns[node] = c;
    }
    this.matcher = { tokens, trie, columnOfNode: Int32Array.from(columns) };
    return this.matcher;
  }

  private weigh(occ: Occurrences): Csr {
    const rows = occ.docPtr.length - 1;
    this.counts ??= new Int32Array(this.vocab.length);
    const counts = this.counts;
    const indptr = new Int32Array(rows + 1);
    // Distinct terms per row never exceed occurrences, so this bound avoids a second pass.
    const indices = new Int32Array(occ.ids.length);
    const values = new Float64Array(occ.ids.length);
    let at = 0;
    for (let d = 0; d < rows; d++) {
      const start = at;
      for (let k = occ.docPtr[d]!; k < occ.docPtr[d + 1]!; k++) {
        const c = occ.ids[k]!;
        if (counts[c]!++ === 0) indices[at++] = c;
      }
      const row = indices.subarray(start, at);
      row.sort();
      let norm = 0;
      for (let k = start; k < at; k++) {
        const c = indices[k]!;
        const count = counts[c]!;
        const tf = !this.opts.sublinearTf ? count : count < SUBLINEAR_TF.length ? SUBLINEAR_TF[count]! : 1 + Math.log(count);
        const v = tf * this.idfs[c]!;
        values[k] = v;
        norm += v * v;
        counts[c] = 0;
      }
      if (norm > 0) {
        // Divide (not multiply by the reciprocal) to round like sklearn's normalize().
        const len = Math.sqrt(norm);
        for (let k = start; k < at; k++) values[k]! /= len;
      }
      indptr[d + 1] = at;
    }
    return { rows, cols: this.vocab.length, indptr, indices: indices.slice(0, at), values: values.slice(0, at) };
  }
}

function grow(a: Int32Array, fill: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(a.length * 2).fill(fill);
  next.set(a);
  return next;
}
