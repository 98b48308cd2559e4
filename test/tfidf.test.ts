import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tfidf, tokenize, analyze, compareCodePoints, TfidfVocabularyError, type TfidfOptions } from '../src/embed/tfidf.ts';
import { csrToDense, type Csr } from '../src/embed/sparse.ts';

/** Indexing past either array's end fails the test rather than comparing undefined. */
function near(actual: number | undefined, expected: number | undefined, tol = 1e-12, what = ''): void {
  assert.ok(actual !== undefined && expected !== undefined, `${what} ${actual} != ${expected}`);
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} != ${expected}`);
}

function rows(x: Csr): number[][] {
  return csrToDense(x).map((r) => Array.from(r));
}

// Three documents. Tokens are 2+ word characters, lowercased, so "a" and the punctuation go, and
// bigrams join tokens that are adjacent after that ("apple cherry" in doc 3 spans ", a").
//   doc 1: apple banana apple       1-grams apple x2, banana;  2-grams "apple banana", "banana apple"
//   doc 2: apple cherry             1-grams apple, cherry;     2-gram  "apple cherry"
//   doc 3: banana apple [a] cherry  1-grams banana, apple, cherry; 2-grams "banana apple", "apple cherry"
// Document frequencies: apple 3, banana 2, cherry 2, "banana apple" 2, "apple cherry" 2,
// "apple banana" 1 (dropped by minDf = 2). Vocabulary in code-point order:
//   apple, apple cherry, banana, banana apple, cherry
// idf = ln((1 + n) / (1 + df)) + 1 with n = 3: apple ln(4/4) + 1 = 1; the rest ln(4/3) + 1 = a = 1.2876820724517808.
// Sublinear tf: 1 + ln(count), so apple in doc 1 is 1 + ln 2 = 1.6931471805599454, every other count is 1.
//   doc 1 raw: [1.6931471805599454, 0, a, a, 0]  norm sqrt(1.6931^2 + 2a^2) = 2.486547...
//              -> [0.680918560398684, 0, 0.5178561161676974, 0.5178561161676974, 0]
//   doc 2 raw: [1, a, 0, 0, a]  norm sqrt(1 + 2a^2) -> [0.48133416873660545, 0.6198053799406072, 0, 0, 0.6198053799406072]
//   doc 3 raw: [1, a, a, a, a]  norm sqrt(1 + 4a^2) -> [0.3619650009883935, 0.46609584262774545 x 4]
// scikit-learn 1.2.1 TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2) prints the same numbers.
const DOCS = ['apple banana apple', 'apple cherry', 'Banana apple, a CHERRY!'];
const A = Math.log(4 / 3) + 1;

test('hand-computed 3-document case: vocabulary, idf and L2-normalised rows', () => {
  const { model, x } = Tfidf.fitTransform(DOCS);
  const state = model.state();
  assert.deepEqual(state.vocabulary, ['apple', 'apple cherry', 'banana', 'banana apple', 'cherry']);
  assert.deepEqual(state.options, { ngramMax: 2, minDf: 2, maxFeatures: null, sublinearTf: true });
  near(A, 1.2876820724517808);
  [1, A, A, A, A].forEach((v, i) => near(state.idf[i], v, 1e-15, `idf[${i}]`));
  const expected = [
    [0.680918560398684, 0, 0.5178561161676974, 0.5178561161676974, 0],
    [0.48133416873660545, 0.6198053799406072, 0, 0, 0.6198053799406072],
    [0.3619650009883935, 0.46609584262774545, 0.46609584262774545, 0.46609584262774545, 0.46609584262774545],
  ];
  const got = rows(x);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 5; c++) near(got[r]?.[c], expected[r]?.[c], 1e-15, `x[${r}][${c}]`);
  // Stored entries only, indices increasing within each row.
  assert.deepEqual(Array.from(x.indptr), [0, 3, 6, 11]);
  assert.deepEqual(Array.from(x.indices), [0, 2, 3, 0, 1, 4, 0, 1, 2, 3, 4]);
  assert.equal(model.dimension, 5);
  // transform on the training texts gives fitTransform's matrix.
  assert.deepEqual(rows(model.transform(DOCS)), got);
});

test('minDf keeps terms seen in at least that many documents', () => {
  assert.deepEqual(Tfidf.fit(DOCS, { minDf: 3 }).state().vocabulary, ['apple']);
  assert.deepEqual(Tfidf.fit(DOCS, { minDf: 1 }).state().vocabulary, [
    'apple',
    'apple banana',
    'apple cherry',
    'banana',
    'banana apple',
    'cherry',
  ]);
  assert.deepEqual(Tfidf.fit(DOCS, { minDf: 1, ngramMax: 1 }).state().vocabulary, ['apple', 'banana', 'cherry']);
  assert.throws(() => Tfidf.fit(DOCS, { minDf: 4 }), TfidfVocabularyError);
  assert.throws(() => Tfidf.fit(['a b c', '!!']), TfidfVocabularyError);
  assert.throws(() => Tfidf.fit(DOCS, { minDf: 0 }), RangeError);
});

test('maxFeatures keeps the most frequent terms, ties alphabetical; idf still from the whole corpus', () => {
  // Total counts after minDf: apple 4, then apple cherry, banana, banana apple, cherry 2 each.
  const two = Tfidf.fit(DOCS, { maxFeatures: 2 }).state();
  assert.deepEqual(two.vocabulary, ['apple', 'apple cherry']);
  near(two.idf[0], 1, 1e-15);
  near(two.idf[1], A, 1e-15);
  assert.deepEqual(Tfidf.fit(DOCS, { maxFeatures: 4 }).state().vocabulary, ['apple', 'apple cherry', 'banana', 'banana apple']);
  assert.equal(Tfidf.fit(DOCS, { maxFeatures: 50 }).dimension, 5);
  // A term dropped by maxFeatures is ignored at transform time; rows stay unit length.
  const x = rows(Tfidf.fit(DOCS, { maxFeatures: 2 }).transform(['banana apple cherry']));
  near(x[0]?.[0], 1 / Math.sqrt(1 + A * A));
  near(x[0]?.[1], A / Math.sqrt(1 + A * A));
});

test('unknown terms are ignored and empty text gives an all-zero row', () => {
  const model = Tfidf.fit(DOCS);
  const x = model.transform(['', 'zebra quagga', '   ', 'apple']);
  assert.equal(x.rows, 4);
  assert.equal(x.cols, 5);
  assert.deepEqual(Array.from(x.indptr), [0, 0, 0, 0, 1]);
  assert.deepEqual(rows(x)[3], [1, 0, 0, 0, 0]);
  assert.equal(model.transform([]).rows, 0);
});

test('state is JSON-serialisable and round-trips to identical transforms', () => {
  const corpus = [...DOCS, 'cherry banana apple banana', 'apple apple apple cherry banana'];
  const model = Tfidf.fit(corpus, { ngramMax: 3, minDf: 1 });
  const copy = Tfidf.fromState(JSON.parse(JSON.stringify(model.state())));
  assert.deepEqual(copy.state(), model.state());
  assert.equal(copy.dimension, model.dimension);
  const probe = ['banana apple cherry apple', 'cherry banana', 'nothing known here', ''];
  assert.deepEqual(copy.transform(probe), model.transform(probe));
  assert.ok(model.state().vocabulary.includes('cherry banana apple'));
  assert.throws(() => Tfidf.fromState({ ...model.state(), idf: [1] }), RangeError);
});

test('tokenizer follows sklearn token_pattern (?u)\\b\\w\\w+\\b on Unicode text', () => {
  // Expected list printed by scikit-learn 1.2.1 for the same string (ngram_range=(1, 1), min_df=1).
  // "İ" lowercases to i + U+0307 (a combining mark, not \w), so "İstanbul" yields "stanbul";
  // ² and ½ are numbers (\w in Python); Σ at a word end lowercases to final ς.
  const text = "Café naïve x_y 42 b don't e\u0301te \u{1D465}\u{1D466} \uFF41\uFF42 ΣΊΣΥΦΟΣ İstanbul ½½ ٣٤ 日本語 x²y";
  const sklearn = [
    '42',
    'café',
    'don',
    'naïve',
    'stanbul',
    'te',
    'x_y',
    'x²y',
    '½½',
    'σίσυφος',
    '٣٤',
    '日本語',
    '\uFF41\uFF42',
    '\u{1D465}\u{1D466}',
  ];
  assert.deepEqual(Tfidf.fit([text], { ngramMax: 1, minDf: 1 }).state().vocabulary, sklearn);
  // The fitting path scans text itself; it must agree with the regex tokenizer.
  assert.deepEqual([...new Set(tokenize(text))].sort(compareCodePoints), sklearn);
  // One astral letter is one code point, so it is not a token on its own.
  assert.deepEqual(tokenize('\u{1D465} ab'), ['ab']);
});

test('vocabulary order is code-point order (Python), not UTF-16 order', () => {
  // U+FF41 sorts before U+1D465 by code point, after it by UTF-16 unit (0xFF41 > 0xD835).
  const fw = '\uFF41\uFF42';
  const astral = '\u{1D465}\u{1D466}';
  assert.ok(compareCodePoints(fw, astral) < 0);
  assert.ok(astral < fw);
  assert.deepEqual(Tfidf.fit([`${astral} ${fw} zz`], { minDf: 1 }).state().vocabulary, [
    'zz',
    fw,
    `${fw} zz`,
    astral,
    `${astral} ${fw}`,
  ]);
  // A prefix sorts before its extensions; the joining space sorts before any word character.
  assert.deepEqual(Tfidf.fit(['ab ab abc ab_'], { minDf: 1 }).state().vocabulary, [
    'ab',
    'ab ab',
    'ab abc',
    'ab_',
    'abc',
    'abc ab_',
  ]);
});

test('sublinearTf false uses raw counts', () => {
  const model = Tfidf.fit(DOCS, { sublinearTf: false });
  const x = rows(model.transform(['apple apple apple cherry']));
  const norm = Math.sqrt(9 + 2 * A * A);
  near(x[0]?.[0], 3 / norm);
  near(x[0]?.[1], A / norm);
  near(x[0]?.[4], A / norm);
});

// The fitted featurizer uses a trie, an in-place scanner and packed sort keys for speed; this
// straightforward version over string n-grams from `analyze` is the specification it must equal.
function reference(texts: string[], o: TfidfOptions): { vocabulary: string[]; idf: number[]; x: number[][] } {
  const df = new Map<string, number>();
  const total = new Map<string, number>();
  for (const t of texts) {
    const grams = analyze(t, o.ngramMax);
    for (const g of grams) total.set(g, (total.get(g) ?? 0) + 1);
    for (const g of new Set(grams)) df.set(g, (df.get(g) ?? 0) + 1);
  }
  let vocabulary = [...df.keys()].filter((g) => (df.get(g) ?? 0) >= o.minDf).sort(compareCodePoints);
  if (o.maxFeatures !== null) {
    vocabulary = vocabulary
      .slice()
      .sort((a, b) => (total.get(b) ?? 0) - (total.get(a) ?? 0) || compareCodePoints(a, b))
      .slice(0, o.maxFeatures)
      .sort(compareCodePoints);
  }
  const idf = vocabulary.map((g) => Math.log((1 + texts.length) / (1 + (df.get(g) ?? 0))) + 1);
  const x = texts.map((t) => {
    const counts = new Map<string, number>();
    for (const g of analyze(t, o.ngramMax)) counts.set(g, (counts.get(g) ?? 0) + 1);
    const row = vocabulary.map((g, c) => {
      const n = counts.get(g) ?? 0;
      return n === 0 ? 0 : (o.sublinearTf ? 1 + Math.log(n) : n) * idf[c]!;
    });
    const norm = Math.sqrt(row.reduce((s, v) => s + v * v, 0));
    return norm > 0 ? row.map((v) => v / norm) : row;
  });
  return { vocabulary, idf, x };
}

test('matches a plain reference implementation on random multilingual corpora', () => {
  const words = ['ab', 'abc', 'ab_', 'Zed', 'zed', 'naïve', 'x²', '\u{1D465}\u{1D466}', '\uFF41\uFF42', '日本', 'a', '42', 'σς'];
  const seps = [' ', ', ', '\n', ' a ', '! ', "'"];
  let seed = 12345;
  const rand = (k: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % k;
  };
  const configs: TfidfOptions[] = [
    { ngramMax: 1, minDf: 1, maxFeatures: null, sublinearTf: true },
    { ngramMax: 2, minDf: 2, maxFeatures: null, sublinearTf: true },
    { ngramMax: 3, minDf: 2, maxFeatures: 7, sublinearTf: false },
    // 13 tokens ^ 20 overflows the packed numeric sort key: exercises the string-comparison path.
    { ngramMax: 20, minDf: 1, maxFeatures: null, sublinearTf: true },
  ];
  for (const o of configs) {
    const texts = Array.from({ length: 30 }, () =>
      Array.from({ length: rand(12) }, () => words[rand(words.length)]! + seps[rand(seps.length)]!).join(''),
    );
    const ref = reference(texts, o);
    const { model, x } = Tfidf.fitTransform(texts, o);
    assert.deepEqual(model.state().vocabulary, ref.vocabulary, JSON.stringify(o));
    ref.idf.forEach((v, i) => near(model.state().idf[i], v, 1e-14));
    const got = rows(x);
    const again = rows(Tfidf.fromState(model.state()).transform(texts));
    // The fitted model transforms through its trie; one text per call, as a router scores one query.
    const single = texts.map((t) => rows(model.transform([t]))[0]);
    for (let r = 0; r < texts.length; r++) {
      for (let c = 0; c < ref.vocabulary.length; c++) {
        near(got[r]?.[c], ref.x[r]?.[c], 1e-14, `${JSON.stringify(o)} x[${r}][${c}]`);
        near(again[r]?.[c], ref.x[r]?.[c], 1e-14);
        near(single[r]?.[c], ref.x[r]?.[c], 1e-14);
      }
    }
  }
});

test('transform grows its occurrence buffer past the text length (many n-grams per short token)', () => {
  // 400 two-letter tokens with n-grams up to 20: ~8,000 occurrences from 1,200 characters.
  const words = ['ab', 'cd', 'ef'];
  const text = Array.from({ length: 400 }, (_, i) => words[(i * 7) % 3]! + (i % 5 === 0 ? ', ' : ' ')).join('');
  const o: TfidfOptions = { ngramMax: 20, minDf: 1, maxFeatures: null, sublinearTf: true };
  const { model, x } = Tfidf.fitTransform([text, 'ab cd'], o);
  assert.deepEqual(rows(model.transform([text])), [rows(x)[0]]);
  assert.deepEqual(rows(model.transform([text, 'ab cd', text])), [rows(x)[0], rows(x)[1], rows(x)[0]]);
});
