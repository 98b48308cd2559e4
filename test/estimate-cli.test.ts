import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { writeJsonArtifact } from '../src/artifacts/store.ts';
import type { DeploymentBody } from '../src/routers/deployment.ts';
import { filesUnder, tempDir, writeFile, type CliResult } from './helpers.ts';
import { cli } from './cli.ts';

// `router estimate` end to end through the CLI (in-process, test/cli.ts): the worked examples, the inputs read from
// eval reports, deployments, price files and query CSVs, the documents it writes, and one line per bad input.

const close = (actual: number, expected: number, tol = 1e-6) => assert.ok(Math.abs(actual - expected) < tol, `${actual} != ${expected}`);

const EXAMPLE = ['estimate', '--volume', '1000000/day', '--tokens', '500', '--strong-price', '15', '--weak-price', '0.8', '--weak-share', '0.7'];

test('the worked example: table, savings and break-even for people; exact figures in --json', async () => {
  const dir = tempDir();
  const human = await cli([...EXAMPLE, '--monitoring', '0'], dir);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /always strong\s+│\s+100\.0% │\s+\$225,000 │\s+\$7\.50 │/);
  assert.match(human.stdout, /routed\s+│\s+30\.0% │\s+\$75,900 │\s+\$2\.53 │/);
  assert.match(human.stdout, /Savings: \$149,100 a month \(66\.3%\), cost reduction 2\.96x/);
  assert.match(human.stdout, /Break-even: at any volume: there is no fixed monthly cost/);
  assert.match(human.stdout, /│ 70\.0%\*\s+│.*│ \$149\.1k 66% │/, 'the grid has the example on its own row and column');
  assert.match(human.stdout, /│ weak share │\s+2x │\s+5x │\s+10x │\s+18\.75x\* │\s+20x │\s+50x │/);
  assert.match(human.stdout, /Estimate written to artifacts\/estimates\/estimate\/v1\.json/);

  // Default monitoring is 5%: strong share 0.335, routed $83,355.
  const json = await cli([...EXAMPLE, '--json'], dir);
  assert.equal(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout);
  assert.equal(out.kind, 'estimate');
  assert.equal(out.path, 'artifacts/estimates/estimate/v2.json');
  close(out.body.inputs.monitoring, 0.05);
  assert.equal(out.body.inputs.monitoringSource, 'default');
  close(out.body.projection.strongShare, 0.335);
  close(out.body.projection.routed, 83_355);
  assert.equal(out.body.breakEven.queriesPerMonth, 0);
  assert.equal(out.body.sensitivity.cells.length, 5);
  assert.deepEqual(out.lineage, []);
});

test('cascade, overhead and a fixed monthly cost give a break-even volume', async () => {
  const dir = tempDir();
  const r = await cli([...EXAMPLE, '--monitoring', '0', '--overhead', '0.0001', '--fixed-monthly', '4870', '--overhead-ms', '12', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const b = JSON.parse(r.stdout).body;
  close(b.projection.routed, 83_770);
  close(b.breakEven.queriesPerMonth, 1_000_000, 1e-3);
  assert.equal(b.inputs.overheadMs, 12);
  const human = await cli([...EXAMPLE, '--monitoring', '0', '--overhead', '0.0001', '--fixed-monthly', '4870', '--overhead-ms', '12'], dir);
  assert.match(human.stdout, /routed\s+│\s+30\.0% │\s+\$75,900 │\s+\$7,870 │\s+\$83,770 │/);
  assert.match(human.stdout, /Break-even: 1,000,000 queries a month \(33,333 a day\): the \$4,870 fixed monthly cost over a net saving of \$0\.004870 per query/);
  assert.match(human.stdout, /router overhead: \$0\.000100 per query, \$4,870 a month fixed, \+12 ms latency per query/);

  const cascade = await cli([...EXAMPLE, '--monitoring', '0', '--cascade', '--json'], dir);
  close(JSON.parse(cascade.stdout).body.projection.routed, 79_500);
  const never = await cli([...EXAMPLE, '--overhead', '0.006'], dir);
  assert.match(never.stdout, /Break-even: never: the router's overhead of \$0\.006000 per query is at least what routing saves/);
});

const PRICES = JSON.stringify({
  description: 'test prices',
  models: {
    'acme:small': { inputPerMTok: 0.15, outputPerMTok: 0.6, source: 'https://acme.test/pricing', asOf: '2026-01-02' },
    'acme:large': { inputPerMTok: 2.5, outputPerMTok: 10, source: 'https://acme.test/pricing', asOf: '2026-01-02' },
  },
});

test('models from a price file: input and output tokens priced separately, with source and date', async () => {
  const dir = tempDir();
  writeFile(dir, 'prices.json', PRICES);
  const args = ['estimate', '--prices', 'prices.json', '--weak-model', 'acme:small', '--strong-model', 'large', '--volume', '30M/month', '--input-tokens', '400', '--output-tokens', '200', '--weak-share', '70%', '--monitoring', '0'];
  const r = await cli([...args, '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  close(out.body.projection.alwaysStrong, 90_000);
  close(out.body.projection.routed, 30_780);
  close(out.body.projection.savings, 59_220);
  assert.deepEqual(out.body.inputs.models.strong.price, { inputPerMTok: 2.5, outputPerMTok: 10, source: 'price catalog acme:large (https://acme.test/pricing)', asOf: '2026-01-02', catalogId: 'acme:large' });
  assert.deepEqual(out.lineage.map((l: { kind: string; role: string; path: string }) => [l.kind, l.role, l.path]), [['file', 'prices', 'prices.json']]);
  const human = await cli(args, dir);
  assert.match(
    human.stdout,
    /strong large: \$0\.003000 per query, 400 in x \$2\.5\/M \+ 200 out x \$10\/M \(input: --input-tokens; output: --output-tokens; price catalog acme:large \(https:\/\/acme\.test\/pricing\), as of 2026-01-02\)/,
  );
  // A per-model flag overrides the file.
  const over = await cli([...args, '--strong-output-price', '20', '--json'], dir);
  close(JSON.parse(over.stdout).body.inputs.strongCostPerQuery, (400 * 2.5 + 200 * 20) / 1e6, 1e-15);
});

test('the built-in catalog prices models by id, and an unknown model lists the known ones', async () => {
  const dir = tempDir();
  const ok = await cli(['estimate', '--weak-model', 'openai:gpt-4o-mini', '--strong-model', 'openai:gpt-4o', '--volume', '1k/day', '--tokens', '1', '--input-tokens', '1'], dir);
  assert.equal(ok.code, 2);
  assert.equal(ok.stderr, 'router: --tokens counts input and output together; give either --tokens or --input-tokens/--output-tokens/--queries, not both\n');
  const r = await cli(['estimate', '--weak-model', 'openai:gpt-9', '--strong-model', 'openai:gpt-4o', '--volume', '1k/day', '--weak-share', '0.5', '--input-tokens', '10', '--output-tokens', '10'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^router: unknown model "openai:gpt-9" for --weak-model: no price in the catalog \(closest: openai:gpt-4, openai:gpt-5, openai:gpt-4o, [^)]*\); add it with --prices FILE or give --weak-input-price and --weak-output-price\n$/);
  assert.deepEqual(filesUnder(dir), [], 'nothing is written');
});

/** An eval report as `router eval` writes it, with the fields estimate reads. */
function writeEvalReport(dir: string, name: string, over: Record<string, unknown> = {}): string {
  const body = {
    dataset: { path: 'd.jsonl', hash: 'sha256:' + '0'.repeat(64), rows: 200, split: 'holdout', note: null },
    pair: { weak: 'small', strong: 'large' },
    costUnit: 'usd',
    usage: {
      small: { meanCost: 0.0004, meanInputTokens: 300, meanOutputTokens: 200, price: { inputPerMTok: 0.5, outputPerMTok: 1.25 } },
      large: { meanCost: 0.0075, meanInputTokens: 300, meanOutputTokens: 300, price: { inputPerMTok: 5, outputPerMTok: 20 } },
    },
    routers: [
      {
        name: 'lr',
        operatingPoint: {
          criterion: 'max-quality-gap',
          target: 0.05,
          point: { threshold: 0.42, strongShare: 0.3, quality: 0.8, cost: 0.0025, pgr: 0.7, qualityGap: 0.04, costReduction: 3, latency: null },
          ci: { level: 0.95, resamples: 200, seed: 1, qualityGap: [0.03, 0.05], strongShare: [0.25, 0.35], quality: [0.78, 0.82], costReduction: null },
        },
        curve: Array.from({ length: 101 }, (_, k) => ({ threshold: 1 - k / 100, strongShare: k / 100, quality: 0.8, cost: 0, pgr: null, qualityGap: 0.1 * (1 - k / 100), costReduction: null })),
      },
    ],
    cascade: null,
    ...over,
  };
  return writeJsonArtifact('eval-report', body, [], { root: join(dir, 'artifacts'), name }).envelope.contentHash;
}

test('--eval: weak share, costs, quality gap and its interval from the report, with lineage', async () => {
  const dir = tempDir();
  const hash = writeEvalReport(dir, 'rep');
  const r = await cli(['estimate', '--eval', 'rep', '--volume', '1000000/day', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  close(out.body.inputs.weakShare, 0.7);
  close(out.body.projection.routed, 83_355);
  close(out.body.quality.qualityGap, 0.04);
  assert.deepEqual(out.body.quality.ci.qualityGap, [0.03, 0.05]);
  close(out.body.quality.qualityGapWithMonitoring, 0.038);
  assert.deepEqual(out.lineage, [{ kind: 'eval-report', hash, path: 'artifacts/reports/rep/v1.json', role: 'operating-point' }]);
  const human = await cli(['estimate', '--eval', 'rep', '--volume', '1000000/day'], dir);
  assert.match(human.stdout, /Quality: quality gap 4\.0% \(95% CI 3\.0% to 5\.0%\) against always-strong at threshold 0\.4200 of eval report rep; 3\.8% \(95% CI 2\.8% to 4\.8%\) expected with 5\.0% monitoring/);
  assert.match(human.stdout, /savings over the 95% interval of the strong share: \$/);
  assert.match(human.stdout, /│ weak share │.*│ quality gap \(eval\) │/);

  // Tokens flags price the report's tokens with the report's declared prices instead of its mean costs.
  const priced = await cli(['estimate', '--eval', 'rep', '--volume', '1000000/day', '--output-tokens', '100', '--json'], dir);
  assert.equal(priced.code, 0, priced.stderr);
  close(JSON.parse(priced.stdout).body.inputs.weakCostPerQuery, (300 * 0.5 + 100 * 1.25) / 1e6, 1e-15);
});

test('--eval without the requested pair, or of the wrong kind, is one line and exit 2', async () => {
  const dir = tempDir();
  writeEvalReport(dir, 'rep');
  const before = filesUnder(dir);
  const r = await cli(['estimate', '--eval', 'rep', '--volume', '1k/day', '--weak-model', 'openai:gpt-4o-mini'], dir);
  assert.equal(r.stderr, 'router: artifacts/reports/rep/v1.json: eval report rep has no pair openai:gpt-4o-mini -> large (it evaluated small -> large)\n');
  assert.equal(r.code, 2);
  const n = await cli(['estimate', '--eval', 'rep', '--router', 'knn', '--volume', '1k/day'], dir);
  assert.equal(n.stderr, 'router: artifacts/reports/rep/v1.json: eval report rep has no router "knn" (it has: lr)\n');
  assert.equal(n.code, 2);
  const d = await cli(['estimate', '--deployment', 'artifacts/reports/rep/v1.json', '--volume', '1k/day'], dir);
  assert.equal(d.stderr, 'router: artifacts/reports/rep/v1.json: is an eval-report artifact, expected a deployment\n');
  assert.equal(d.code, 2);
  assert.deepEqual(filesUnder(dir), before, 'nothing is written');
});

test('--deployment: its threshold and monitoring share, its quality gap', async () => {
  const dir = tempDir();
  const body: DeploymentBody = {
    router: { name: 'lr', path: 'artifacts/routers/lr/v1.json', hash: `sha256:${'1'.repeat(64)}` },
    pair: { weak: 'small', strong: 'large' },
    threshold: 0.42,
    monitoring: 0.1,
    target: { kind: 'max-quality-gap', value: 0.05 },
    expected: { threshold: 0.42, strongShare: 0.3, quality: 0.8, cost: 0.0025, pgr: 0.7, qualityGap: 0.04, costReduction: 3, ci: { level: 0.9, qualityGap: [0.02, 0.06] } },
    costUnit: 'usd',
    usage: {
      small: { meanCost: 0.0004, meanInputTokens: null, meanOutputTokens: null, price: null },
      large: { meanCost: 0.0075, meanInputTokens: null, meanOutputTokens: null, price: null },
    },
    evaluatedOn: { path: 'd.jsonl', hash: `sha256:${'0'.repeat(64)}`, rows: 200 },
  };
  const hash = writeJsonArtifact('deployment', body, [], { root: join(dir, 'artifacts'), name: 'prod' }).envelope.contentHash;
  const r = await cli(['estimate', '--deployment', 'prod', '--volume', '1000000/day', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  close(out.body.inputs.monitoring, 0.1);
  close(out.body.projection.strongShare, 0.37);
  close(out.body.projection.routed, 30e6 * (0.37 * 0.0075 + 0.63 * 0.0004));
  assert.equal(out.body.quality.from, 'deployment');
  assert.deepEqual(out.lineage.map((l: { kind: string; hash: string }) => [l.kind, l.hash]), [['deployment', hash]]);
  // --monitoring overrides the deployment's share.
  const m = await cli(['estimate', '--deployment', 'prod', '--volume', '1000000/day', '--monitoring', '0', '--json'], dir);
  close(JSON.parse(m.stdout).body.projection.routed, 75_900);
  const both = await cli(['estimate', '--deployment', 'prod', '--eval', 'x', '--volume', '1/day'], dir);
  assert.equal(both.stderr, 'router: give --eval or --deployment, not both\n');
});

test('--queries measures input tokens per query with each model\'s tokenizer', async () => {
  const dir = tempDir();
  const queries = ['Where is my order #4417?', 'How do I reset my password?', 'Refund, please: "INV-2231" was charged twice.\nThanks'];
  writeFile(dir, 'q.csv', 'id,prompt\n' + queries.map((q, i) => `${i},"${q.replace(/"/g, '""')}"`).join('\n') + '\n');
  writeFile(dir, 'prices.json', JSON.stringify({ models: { 'openai:gpt-4-1106-preview': { inputPerMTok: 10, outputPerMTok: 30 }, 'openai:gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 } } }));
  const r = await cli(['estimate', '--prices', 'prices.json', '--weak-model', 'openai:gpt-4o-mini', '--strong-model', 'gpt-4-1106-preview', '--queries', 'q.csv', '--output-tokens', '50', '--weak-share', '0.5', '--volume', '1k/day', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const mean = (count: (s: string) => number) => queries.reduce((s, q) => s + count(q), 0) / queries.length;
  const weak = out.body.inputs.models.weak.tokens;
  const strong = out.body.inputs.models.strong.tokens;
  close(weak.input, mean(countTokens), 1e-12); // gpt-4o-mini: o200k_base
  close(strong.input, mean(countCl100k), 1e-12); // gpt-4-1106-preview: cl100k_base
  assert.equal(weak.inputSource, 'mean of 3 queries in q.csv (o200k_base)');
  assert.equal(strong.inputSource, 'mean of 3 queries in q.csv (cl100k_base)');
  close(out.body.inputs.weakCostPerQuery, (mean(countTokens) * 0.15 + 50 * 0.6) / 1e6, 1e-15);
  assert.deepEqual(out.lineage.map((l: { role: string }) => l.role), ['prices', 'queries']);

  // A model without a public tokenizer is counted with o200k_base and says so.
  writeFile(dir, 'p2.json', JSON.stringify({ models: { 'anthropic:claude-x': { inputPerMTok: 3, outputPerMTok: 15 }, 'openai:gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 } } }));
  const a = await cli(['estimate', '--prices', 'p2.json', '--weak-model', 'gpt-4o-mini', '--strong-model', 'anthropic:claude-x', '--queries', 'q.csv', '--output-tokens', '50', '--weak-share', '0.5', '--volume', '1k/day', '--json'], dir);
  assert.equal(JSON.parse(a.stdout).body.inputs.models.strong.tokens.inputSource, 'mean of 3 queries in q.csv (o200k_base, approximate for this model)');

  const notCsv = await cli(['estimate', '--queries', 'prices.json', '--weak-share', '0.5', '--volume', '1k/day', '--weak-price', '1', '--strong-price', '2'], dir);
  assert.equal(notCsv.code, 2);
  assert.equal(notCsv.stderr, 'router: prices.json: expected a .csv file of queries, got ".json"\n');
  writeFile(dir, 'other.csv', 'id,body\n1,hello\n');
  const noCol = await cli(['estimate', '--queries', 'other.csv', '--weak-share', '0.5', '--volume', '1k/day', '--weak-price', '1', '--strong-price', '2'], dir);
  assert.equal(noCol.code, 2);
  assert.equal(noCol.stderr, 'router: other.csv:1: no query column (looked for query, prompt, question, input, text); name it with --query-col. Columns are: id, body\n');
});

test('-o writes a Markdown document (or JSON), beside the versioned artifact', async () => {
  const dir = tempDir();
  writeEvalReport(dir, 'rep');
  const r = await cli(['estimate', '--eval', 'rep', '--volume', '1000000/day', '--fixed-monthly', '1000', '-o', 'estimate.md'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'read eval report rep@1 (artifacts/reports/rep/v1.json)\nMarkdown report written to estimate.md\n');
  const md = readFileSync(join(dir, 'estimate.md'), 'utf8');
  assert.match(md, /^# Routing cost estimate: small \/ large\n/);
  assert.match(md, /\| always strong \| 100\.0% \| \$225,000 \| — \| \$225,000 \| \$7\.50 \|/);
  assert.match(md, /- \*\*Savings:\*\* \$140,645 a month \(62\.5%\), cost reduction 2\.67x\./); // 225,000 - 83,355 - 1,000
  assert.match(md, /- \*\*Quality:\*\* quality gap 4\.0% \(95% CI 3\.0% to 5\.0%\)/);
  assert.match(md, /\| weak share \| 2x \| 5x \| 10x \| 18\.75x\* \| 20x \| 50x \| quality gap \(eval\) \|/);
  assert.match(md, /## Lineage\n\n- eval-report \(operating-point\): `artifacts\/reports\/rep\/v1\.json` sha256:[0-9a-f]{64}/);
  const j = await cli(['estimate', '--eval', 'rep', '--volume', '1000000/day', '-o', 'estimate.json'], dir);
  assert.equal(j.code, 0, j.stderr);
  assert.equal(JSON.parse(readFileSync(join(dir, 'estimate.json'), 'utf8')).path, 'artifacts/estimates/estimate/v2.json');
});

test('without a terminal a missing input names its flag and exits 2, writing nothing', async () => {
  const dir = tempDir();
  const cases: [string[], string][] = [
    [[], 'router: missing --volume: the query volume, e.g. --volume 50k/day or --volume 30M/month\n'],
    [['--volume', '10/day'], 'router: missing the weak share: pass --weak-share SHARE, --eval REPORT or --deployment NAME\n'],
    [['--volume', '10/day', '--weak-share', '0.5'], "router: missing the weak model's price: pass --weak-model MODEL (priced from the catalog) or --weak-price USD_PER_MTOK\n"],
    [['--volume', '10/day', '--weak-share', '0.5', '--weak-price', '1', '--strong-price', '15'], 'router: missing the tokens per query: --weak-price is a blended price, so pass --tokens N (or --input-tokens and --output-tokens)\n'],
    [['--volume', '10/day', '--weak-share', '0.5', '--weak-model', 'openai:gpt-4o-mini', '--strong-model', 'openai:gpt-4o', '--input-tokens', '100'], 'router: missing the output tokens per query of the weak model openai:gpt-4o-mini: pass --output-tokens N (or --weak-output-tokens N)\n'],
  ];
  const results: CliResult[] = [];
  for (const [args] of cases) results.push(await cli(['estimate', ...args], dir));
  for (const [k, [args, stderr]] of cases.entries()) {
    const r = results[k]!;
    assert.equal(r.stderr, stderr, args.join(' '));
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
  }
  assert.deepEqual(filesUnder(dir), []);
});

test('bad input: one line each, exit 2', async () => {
  const dir = tempDir();
  writeFile(dir, 'bad-type.json', JSON.stringify({ models: { x: { inputPerMTok: 'cheap', outputPerMTok: 1 } } }));
  writeFile(dir, 'negative.json', JSON.stringify({ models: { x: { inputPerMTok: -1, outputPerMTok: 1 } } }));
  writeFile(dir, 'no-models.json', JSON.stringify({ prices: [] }));
  writeFile(dir, 'broken.json', '{"models": {');
  const ok = ['--weak-share', '0.5', '--tokens', '10', '--weak-price', '1', '--strong-price', '2'];
  const cases: [string[], RegExp | string][] = [
    [['--volume', '-5/day', ...ok], "error: option '--volume <n/period>' argument '-5/day' is invalid. a volume cannot be negative; expected a count per day or month, e.g. 1000000/day, 50k/day or 30M/month.\n"],
    [['--volume', 'many/day', ...ok], "error: option '--volume <n/period>' argument 'many/day' is invalid. expected a count per day or month, e.g. 1000000/day, 50k/day or 30M/month.\n"],
    [['--volume', '10', ...ok], "error: option '--volume <n/period>' argument '10' is invalid. expected a count per day or month, e.g. 1000000/day, 50k/day or 30M/month.\n"],
    [['--volume', '10/day', ...ok, '--weak-share', '1.5'], "error: option '--weak-share <share>' argument '1.5' is invalid. expected a share in [0,1], e.g. 0.2 or 20%.\n"],
    [['--volume', '10/day', ...ok, '--monitoring', '-0.05'], "error: option '--monitoring <share>' argument '-0.05' is invalid. expected a share in [0,1], e.g. 0.2 or 20%.\n"],
    [['--volume', '10/day', ...ok, '--monitoring', '120%'], "error: option '--monitoring <share>' argument '120%' is invalid. expected a share in [0,1], e.g. 0.2 or 20%.\n"],
    [['--volume', '10/day', ...ok, '--grid-shares', '0.5,2'], "error: option '--grid-shares <list>' argument '0.5,2' is invalid. \"2\" is not a share in [0,1]; expected a comma-separated list, e.g. 0.5,0.7,0.9.\n"],
    [['--volume', '10/day', ...ok, '--overhead', '-1'], "error: option '--overhead <usd>' argument '-1' is invalid. expected a number >= 0.\n"],
    [['--volume', '10/day', ...ok, '--prices', 'bad-type.json'], 'router: bad-type.json: field "models.x.inputPerMTok": malformed price file: Invalid input: expected number, received string\n'],
    [['--volume', '10/day', ...ok, '--prices', 'negative.json'], 'router: negative.json: field "models.x.inputPerMTok": malformed price file: Too small: expected number to be >=0\n'],
    [['--volume', '10/day', ...ok, '--prices', 'no-models.json'], 'router: no-models.json: field "models": malformed price file: Invalid input: expected record, received undefined\n'],
    [['--volume', '10/day', ...ok, '--prices', 'broken.json'], /^router: broken\.json: malformed price file: [^\n]+\n$/],
    [['--volume', '10/day', ...ok, '--prices', 'missing.json'], 'router: missing.json: no such file\n'],
    [['--volume', '10/day', ...ok, '--eval', 'nothing'], 'router: nothing: no such file, and no eval-report named "nothing" (none in artifacts/reports)\n'],
  ];
  const results: CliResult[] = [];
  for (const [args] of cases) results.push(await cli(['estimate', ...args], dir));
  for (const [k, [args, expected]] of cases.entries()) {
    const r = results[k]!;
    if (typeof expected === 'string') assert.equal(r.stderr, expected, args.join(' '));
    else assert.match(r.stderr, expected, args.join(' '));
    assert.equal(r.code, 2, args.join(' '));
  }
  assert.ok(!filesUnder(dir).some((f) => f.startsWith('artifacts/')), 'no artifact written');
});
