import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { catalogOf, DATABASE_RELEASES, loadCatalog, resolvePrice, type Catalog } from '../src/cost/catalog.ts';
import { costBasis, type PriceQuote } from '../src/cost/cost-basis.ts';
import { priceDataset } from '../src/cost/price-dataset.ts';
import type { Dataset } from '../src/data/dataset.ts';
import { pairTable } from '../src/data/pair.ts';
import { readDataset } from '../src/data/read-dataset.ts';
import { writeJsonArtifact } from '../src/artifacts/store.ts';
import { tempDir, writeFile } from './helpers.ts';
import { cli } from './cli.ts';

// Costs are never silently wrong: prices from the database or the user, tokens from the data or
// counted from its text, and the basis of every dollar stated on the report.

let db: Catalog;
before(async () => {
  db = await loadCatalog();
});

const quote = (id: string, inputPerMTok: number, outputPerMTok: number): PriceQuote => ({ id, inputPerMTok, outputPerMTok, source: id, asOf: null });

// Three rows whose token counts are known: recorded, counted from the prompt ("hello world" is 2
// o200k_base tokens, "one two three four" 4), counted from the response ("The answer is B." 5), or assumed.
function threeRows(): Dataset {
  return {
    source: { path: 'three.jsonl', hash: 'sha256:0' as Dataset['source']['hash'], format: 'jsonl', isArtifact: false },
    models: [{ id: 'w' }, { id: 's' }],
    rows: [
      { id: '1', query: 'hello world', models: { w: { quality: 1, inputTokens: 100, outputTokens: 50 }, s: { quality: 1, cost: 0.5 } } },
      { id: '2', query: 'one two three four', models: { w: { quality: 0, response: 'The answer is B.' }, s: { quality: 1, cost: 0.25 } } },
      { id: '3', query: 'hello world', models: { w: { quality: 0 }, s: { quality: 1, cost: 0.125 } } },
    ],
  };
}

test('tokens x price on three rows gives the exact dollars: recorded, counted from prompt and response, assumed', async () => {
  const { dataset, provenance } = await priceDataset(threeRows(), { prices: { w: quote('--weak-input-price/--weak-output-price', 2, 10) }, outputTokens: 7 });
  const t = pairTable(dataset, { weak: 'w', strong: 's' });
  assert.equal(t.costUnit, 'usd');
  // Row 1: 100 in x $2 + 50 out x $10 per MTok; row 2: 4 in + 5 out (its response); row 3: 2 in + 7 out (assumed).
  assert.deepEqual([...t.cWeak], [(100 * 2 + 50 * 10) / 1e6, (4 * 2 + 5 * 10) / 1e6, (2 * 2 + 7 * 10) / 1e6]);
  assert.deepEqual([...t.cStrong], [0.5, 0.25, 0.125], 'recorded costs are kept as they are');
  assert.deepEqual(provenance.counted.w, { encoding: 'o200k_base', exact: false, inputCalls: 2, outputFromResponses: 1 });
  assert.deepEqual(provenance.assumedOutputTokens, { tokens: 7, calls: 1 });
  const basis = costBasis(['w', 's'], { w: 'tokens x price', s: 'recorded' }, provenance, dataset);
  assert.equal(
    basis.line,
    'cost: w: tokens x price (input tokens counted with o200k_base from the prompts, approximate for w whose tokenizer gpt-tokenizer lacks; ' +
      'output tokens counted from the recorded responses; output tokens assumed 7 per answer; prices: --weak-input-price/--weak-output-price, w $2.00/$10.00 per MTok) | s: recorded per call',
  );
});

test('without prices the basis says the weak model counted as free; with recorded costs it says so', () => {
  assert.equal(costBasis(['w', 's'], {}).line, 'cost: strong calls only (no prices: w counted as free and every strong call as 1 unit)');
  assert.equal(costBasis(['w', 's'], {}).unit, 'units');
  assert.equal(costBasis(['w', 's'], { w: 'recorded', s: 'recorded' }).line, 'cost: recorded per call');
});

test('the database prices a model by its usual names, dated, with its source and cached-token rate', () => {
  const haiku = resolvePrice(db, 'claude-3-5-haiku');
  assert.equal(haiku.id, 'anthropic:claude-3-5-haiku-latest');
  assert.ok(haiku.id !== undefined && haiku.entry.inputPerMTok > 0 && haiku.entry.cachedInputPerMTok !== undefined);
  assert.match(haiku.id !== undefined ? haiku.entry.source! : '', /^genai-prices \d+\.\d+\.\d+: Anthropic claude-3-5-haiku-latest \(https:/);
  // RouteLLM's name for Mixtral, with its organisation and version, finds Mistral's entry.
  assert.equal(resolvePrice(db, 'mistralai/Mixtral-8x7B-Instruct-v0.1').id, 'mistral:mixtral-8x7b');
  assert.equal(resolvePrice(db, 'openai:gpt-4o').id, 'openai:gpt-4o');
  assert.equal(resolvePrice(db, 'gpt-4o').id, 'openai:gpt-4o');
});

test('an ambiguous name lists its matches and an unknown one the closest names', () => {
  assert.deepEqual(resolvePrice(db, 'mixtral'), { ambiguous: ['mistral:mixtral-8x7b', 'mistral:mixtral-8x22b-instruct'] });
  const unknown = resolvePrice(db, 'openai:gpt-9');
  assert.ok('closest' in unknown && unknown.closest.includes('openai:gpt-4') && unknown.closest.length <= 5, JSON.stringify(unknown));
});

test('a --prices file is looked up before the database, by full id or bare name', async () => {
  const dir = tempDir();
  const file = writeFile(dir, 'prices.json', JSON.stringify({ models: { 'openai:gpt-4o': { inputPerMTok: 1, outputPerMTok: 2 } } }));
  const c = await loadCatalog(file);
  assert.deepEqual(resolvePrice(c, 'gpt-4o'), { id: 'openai:gpt-4o', entry: { inputPerMTok: 1, outputPerMTok: 2, source: file } });
  assert.equal(resolvePrice(c, 'gpt-4o-mini').id, 'openai:gpt-4o-mini', 'other models still come from the database');
  assert.deepEqual(resolvePrice(catalogOf({}), 'x'), { closest: [] });
});

test('the installed price database has a recorded release date', () => {
  const require = createRequire(import.meta.url);
  const manifest = join(dirname(require.resolve('@pydantic/genai-prices')), '..', 'package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  assert.match(DATABASE_RELEASES[version] ?? '', /^\d{4}-\d{2}-\d{2}$/, `add the release date of @pydantic/genai-prices ${version} (npm view @pydantic/genai-prices time)`);
  assert.equal(db.database?.asOf, DATABASE_RELEASES[version]);
});

// Correctness data without costs, as the MMLU files are: quality per model, no tokens, no prices.
function correctness(n: number): string {
  const rows = ['prompt,weak,strong'];
  for (let i = 0; i < n; i++) rows.push(`question ${i} ${i % 3 === 0 ? 'hard hard' : 'easy'},${i % 3 === 0 ? 'False' : 'True'},True`);
  return rows.join('\n') + '\n';
}

test('eval prices data without costs by flags, counts its prompts, and states the basis in table and JSON', async () => {
  const dir = tempDir();
  writeFile(dir, 'c.csv', correctness(30));
  assert.equal((await cli(['train', 'c.csv', '--name', 'c', '--no-holdout'], dir)).code, 0);
  const plain = await cli(['eval', 'c.csv', '--router', 'c', '--bootstrap', '0', '--target-share', '0.5', '-o', 'r.md', '-o', 'r.html'], dir);
  assert.equal(plain.code, 0, plain.stderr);
  for (const f of ['r.md', 'r.html']) assert.match(readFileSync(join(dir, f), 'utf8'), /cost: strong calls only \(no prices: weak counted as free/, f);
  assert.match(plain.stdout, /\ncost: strong calls only \(no prices: weak counted as free and every strong call as 1 unit\)\n {2}price the calls with --catalog-prices/);
  assert.match(plain.stdout, /cheaper than always-strong counting strong calls only/);

  const args = ['eval', 'c.csv', '--router', 'c', '--bootstrap', '0', '--target-share', '0.5', '--json', '--name', 'priced'];
  const r = await cli([...args, '--weak-input-price', '1', '--weak-output-price', '4', '--strong-input-price', '10', '--strong-output-price', '40', '--output-tokens', '3'], dir);
  assert.equal(r.code, 0, r.stderr);
  const body = JSON.parse(r.stdout).body;
  assert.equal(body.costUnit, 'usd');
  const { countTokens } = await import('../src/cost/query-tokens.ts');
  const prompts = readDataset(join(dir, 'c.csv')).rows.map((x) => x.query);
  const meanIn = (await countTokens(prompts, 'o200k_base')).reduce((a, b) => a + b, 0) / prompts.length;
  assert.ok(Math.abs(body.usage.weak.meanCost - (meanIn * 1 + 3 * 4) / 1e6) < 1e-15);
  assert.ok(Math.abs(body.usage.strong.meanCost - (meanIn * 10 + 3 * 40) / 1e6) < 1e-15);
  assert.equal(body.usage.weak.meanInputTokens, meanIn, 'the counted tokens reach the report, for estimate --eval');
  assert.match(body.cost.line, /^cost: tokens x price \(input tokens counted with o200k_base from the prompts, approximate for weak, strong .*; output tokens assumed 3 per answer; prices: --weak-input-price\/--weak-output-price; --strong-input-price\/--strong-output-price, weak \$1\.00\/\$4\.00, strong \$10\.00\/\$40\.00 per MTok\)$/);

  const half = await cli([...args, '--weak-input-price', '1', '--weak-output-price', '4'], dir);
  assert.equal(half.code, 2);
  assert.match(half.stderr, /^router: c\.csv: no price for strong, which has no recorded cost in the data: price it with --strong-model NAME, --strong-input-price\/--strong-output-price, --catalog-prices or --prices FILE \(else it would count as free\)\n$/);
  const ambiguous = await cli([...args, '--weak-model', 'mixtral', '--strong-model', 'gpt-4o'], dir);
  assert.equal(ambiguous.code, 2);
  assert.equal(ambiguous.stderr, 'router: no price for "mixtral" (--weak-model): it matches several models: mistral:mixtral-8x7b, mistral:mixtral-8x22b-instruct; name one of those, or add it with --prices FILE\n');
});

test('estimate --eval counts the input tokens from the eval data when the report has none', async () => {
  const dir = tempDir();
  writeFile(dir, 'd.csv', 'prompt,small,large\nhello world,True,True\none two three four,False,True\n');
  const hash = readDataset(join(dir, 'd.csv')).source.hash;
  writeJsonArtifact(
    'eval-report',
    {
      dataset: { path: 'd.csv', hash },
      pair: { weak: 'small', strong: 'large' },
      costUnit: 'units',
      usage: { small: { meanCost: null, meanInputTokens: null, meanOutputTokens: null, price: null }, large: { meanCost: null, meanInputTokens: null, meanOutputTokens: null, price: null } },
      routers: [{ name: 'lr', operatingPoint: { point: { threshold: 0.5, strongShare: 0.5, qualityGap: 0.04 } } }],
    },
    [],
    { root: join(dir, 'artifacts'), name: 'rep' },
  );
  const r = await cli(['estimate', '--eval', 'rep', '--volume', '1k/day', '--weak-model', 'openai:small', '--strong-model', 'large', '--weak-input-price', '1', '--weak-output-price', '1', '--strong-input-price', '3', '--strong-output-price', '3', '--output-tokens', '10', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const inputs = JSON.parse(r.stdout).body.inputs;
  // Mean of 2 and 4 o200k_base tokens.
  assert.equal(inputs.models.weak.tokens.input, 3);
  assert.match(inputs.models.weak.tokens.inputSource, /^mean of the 2 prompts of the eval data d\.csv \(o200k_base/);
  assert.equal(inputs.weakCostPerQuery, (3 * 1 + 10 * 1) / 1e6);
});
