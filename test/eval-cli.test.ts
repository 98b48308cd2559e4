import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DEMO, filesUnder, tempDir, writeFile } from './helpers.ts';
import { cli } from './cli.ts';

// `router eval` through the built binary: the gate's exit codes, calibration into a deployment and
// back, output files, and bad input. One demo router is trained once and shared.

let dir = '';
before(async () => {
  dir = tempDir('router-eval-');
  const r = await cli(['train', DEMO, '--name', 'demo'], dir);
  assert.equal(r.code, 0, r.stderr);
});

async function evalJson(args: string[]): Promise<{ code: number; stderr: string; report: Record<string, any> }> {
  const r = await cli(['eval', DEMO, '--router', 'demo', '--json', ...args], dir);
  return { code: r.code, stderr: r.stderr, report: r.stdout ? JSON.parse(r.stdout) : {} };
}

test('gate: exit 0 when it holds, 1 naming the failed number and the margin, and bound vs point', async () => {
  const ok = await evalJson(['--max-quality-gap', '0.05', '--min-cost-reduction', '1.2', '--bootstrap', '200', '--junit', 'pass.xml']);
  assert.equal(ok.code, 0, ok.stderr);
  const r = ok.report.body.routers[0];
  assert.equal(ok.report.body.gate.passed, true);
  assert.deepEqual(ok.report.body.gate.checks.map((c: any) => [c.metric, c.passed]), [['quality gap', true], ['cost reduction', true]]);
  assert.ok(r.operatingPoint.point.qualityGap <= 0.05);
  const xml = readFileSync(join(dir, 'pass.xml'), 'utf8');
  assert.match(xml, /<testsuites name="router eval" tests="2" failures="0">/);
  // an explicit target writes a deployment
  assert.equal(ok.report.deployments.length, 1);

  const reduction: number = r.operatingPoint.point.costReduction;
  const lower: number = r.operatingPoint.ci.costReduction[0];
  assert.ok(lower < reduction);
  const fail = await cli(['eval', DEMO, '--router', 'demo', '--min-cost-reduction', String(reduction + 0.5), '--bootstrap', '0', '--junit', 'fail.xml'], dir);
  assert.equal(fail.code, 1, fail.stderr);
  assert.equal(fail.stderr, `read router demo@1 (artifacts/routers/demo/v1.json)\nrouter: gate failed: demo: cost reduction (point estimate) ${reduction.toFixed(3)}x is below the minimum ${(reduction + 0.5).toFixed(3)}x by 0.500x\n`);
  assert.match(fail.stdout, /Gate: FAILED/);
  assert.match(fail.stdout, /Report written to artifacts\/reports\/demo\/v\d+\.json/, 'the report is still written and printed');
  assert.match(readFileSync(join(dir, 'fail.xml'), 'utf8'), /failures="1"[\s\S]*<failure message="demo: cost reduction \(point estimate\)/);

  // A limit between the interval's lower bound and the estimate passes on the point, fails on the bound.
  const mid = ((lower + reduction) / 2).toFixed(4);
  assert.equal((await cli(['eval', DEMO, '--router', 'demo', '--min-cost-reduction', mid, '--bootstrap', '200'], dir)).code, 0);
  const bound = await cli(['eval', DEMO, '--router', 'demo', '--min-cost-reduction', mid, '--bootstrap', '200', '--gate-on', 'bound'], dir);
  assert.equal(bound.code, 1);
  assert.match(bound.stderr, /^read router demo@1 .*\nrouter: gate failed: demo: cost reduction \(lower bound of the 95% bootstrap interval\) [\d.]+x is below the minimum/);
});

test('calibration: --target-share writes a deployment; --deployment re-evaluates at its threshold and gates', async () => {
  const made = await evalJson(['--target-share', '0.3', '--monitoring', '0.02', '--bootstrap', '100', '--name', 'cal']);
  assert.equal(made.code, 0, made.stderr);
  const op = made.report.body.routers[0].operatingPoint;
  assert.equal(op.criterion, 'strong-share');
  assert.ok(op.point.strongShare <= 0.3 && op.point.strongShare > 0.25);
  assert.deepEqual(Object.keys(op.ci).sort(), ['costReduction', 'level', 'quality', 'qualityGap', 'resamples', 'seed', 'strongShare']);
  assert.match(made.report.body.notes[0], /chosen on the same rows it is measured on, so its point estimate is optimistic/);
  const path = made.report.deployments[0];
  const dep = JSON.parse(readFileSync(join(dir, path), 'utf8'));
  assert.equal(dep.kind, 'deployment');
  assert.equal(dep.body.threshold, op.point.threshold);
  assert.equal(dep.body.monitoring, 0.02);
  assert.deepEqual(dep.body.target, { kind: 'strong-share', value: 0.3 });
  assert.equal(dep.body.expected.strongShare, op.point.strongShare);
  assert.deepEqual(dep.body.expected.ci.qualityGap, op.ci.qualityGap);
  assert.deepEqual(dep.lineage.map((l: any) => l.kind), ['eval-report', 'router']);

  const again = await cli(['eval', DEMO, '--deployment', path, '--json', '--bootstrap', '0'], dir);
  assert.equal(again.code, 0, again.stderr);
  const body = JSON.parse(again.stdout).body;
  assert.equal(body.routers[0].operatingPoint.criterion, 'deployment');
  assert.equal(body.routers[0].operatingPoint.point.threshold, dep.body.threshold);
  assert.equal(body.routers[0].operatingPoint.point.strongShare, dep.body.expected.strongShare);
  assert.deepEqual(body.notes, [], 'no optimism note: the threshold was not chosen on these rows');

  const gated = await cli(['eval', DEMO, '--deployment', path, '--max-quality-gap', '0.01', '--bootstrap', '0'], dir);
  assert.equal(gated.code, 1);
  assert.match(gated.stderr, /\nrouter: gate failed: demo: quality gap \(point estimate\) [\d.]+% exceeds the maximum 1\.00% by [\d.]+ points\n$/);
});

test('outputs: json with per-query results, csv, md, svg, html; slices by a metadata column; the cascade', async () => {
  const r = await cli(['eval', DEMO, '--router', 'demo', '--by', 'difficulty', '--bootstrap', '0', '-o', 'out/r.json', '-o', 'out/q.csv', '-o', 'out/r.md', '-o', 'out/c.svg', '-o', 'out/r.html'], dir);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['r.json', 'q.csv', 'r.md', 'c.svg', 'r.html']) assert.match(r.stdout, new RegExp(`Wrote out/${f.replace('.', '\\.')}`));
  assert.match(r.stdout, /Slices by difficulty/);
  assert.match(r.stdout, /PGR against strong share/);
  const report = JSON.parse(readFileSync(join(dir, 'out/r.json'), 'utf8'));
  const rows = report.body.dataset.rows;
  assert.equal(report.kind, 'eval-report');
  assert.equal(report.queries.length, rows);
  assert.deepEqual(Object.keys(report.queries[0].strategies), ['demo', 'cascade']);
  assert.deepEqual(report.body.slices.slices.map((s: any) => s.value), ['easy', 'hard', 'medium']);
  assert.equal(report.body.slices.slices.reduce((n: number, s: any) => n + s.rows, 0), rows);
  // the demo's sim-small records a confidence, so the cascade is evaluated beside the router
  assert.equal(report.body.cascade.name, 'cascade');
  assert.ok(report.body.cascade.summary.apgr > 0.5);
  assert.equal(report.body.latencyRecorded, true);
  assert.ok(report.body.routers[0].table[0].latency.p95 >= report.body.routers[0].table[0].latency.p50);

  const csv = parse(readFileSync(join(dir, 'out/q.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  assert.equal(csv.length, rows);
  assert.deepEqual(Object.keys(csv[0]!), ['id', 'query', 'difficulty', 'weak_quality', 'strong_quality', 'weak_cost', 'strong_cost', 'strong_wins', 'demo_score', 'demo_route', 'cascade_confidence', 'cascade_route']);
  const strongShare = csv.filter((q) => q.demo_route === 'strong').length / rows;
  assert.ok(Math.abs(strongShare - report.body.routers[0].operatingPoint.point.strongShare) < 1e-12, 'per-query routes add up to the operating point');

  const md = readFileSync(join(dir, 'out/r.md'), 'utf8');
  assert.match(md, /^# Router eval report/);
  assert.match(md, /\| strategy \| APGR \| CPT\(20%\) \| CPT\(50%\) \| CPT\(80%\) \| AUC \| AIQ \|/);
  assert.match(md, /!\[quality against cost\]\(c\.svg\)/);
  const svg = readFileSync(join(dir, 'out/c.svg'), 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  for (const label of ['demo', 'cascade (confidence)', 'random routing', 'oracle', 'always weak', 'always strong']) assert.ok(svg.includes(`>${label}</text>`), label);
  const html = readFileSync(join(dir, 'out/r.html'), 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<figure><svg /);
  assert.match(html, /<th>strategy<\/th>/);
});

test('bad input: one line each, exit 2', async () => {
  const expect2 = async (args: string[], line: string | RegExp) => {
    const r = await cli(['eval', ...args], dir);
    assert.equal(r.code, 2, r.stderr);
    if (typeof line === 'string') assert.equal(r.stderr, `router: ${line}\n`);
    else assert.match(r.stderr, line);
    assert.equal(r.stdout, '');
  };
  writeFile(dir, 'other.csv', 'prompt,weak,strong\nq1,True,False\nq2,False,True\nq3,True,True\n');
  writeFile(dir, 'oneclass.csv', 'prompt,weak,strong\nq1,True,False\nq2,True,True\nq3,False,False\n');
  writeFile(dir, 'allstrong.csv', 'prompt,weak,strong\nq1,False,True\nq2,False,True\n');
  writeFile(dir, 'one.jsonl', '{"query":"x","models":{"sim-small":{"quality":1},"sim-large":{"quality":0}}}\n');
  await expect2(['other.csv', '--router', 'demo'], 'other.csv: router demo is for sim-small -> sim-large but the dataset has no sim-small or sim-large (it has: weak, strong); pass --weak/--strong to choose a pair it has');
  await expect2(['oneclass.csv', '--router', 'demo', '--weak', 'weak', '--strong', 'strong'], 'oneclass.csv: single-class test set: strong is never better than weak on the 3 test rows, so no router can beat always-weak');
  await expect2(['allstrong.csv', '--router', 'demo', '--weak', 'weak', '--strong', 'strong'], 'allstrong.csv: single-class test set: strong is better than weak on all 2 test rows, so no router can beat always-strong');
  await expect2(['one.jsonl', '--router', 'demo'], 'one.jsonl: only 1 test row for sim-small -> sim-large; need at least 2');
  await expect2([DEMO, '--router', 'demo', '--thresholds', '0.5,-0.1'], /^error: option '--thresholds <list>' argument '0\.5,-0\.1' is invalid\. threshold "-0\.1" is not a number in \[0,1\]\./);
  await expect2([DEMO, '--router', 'demo', '--target-share', '1.5'], /^error: option '--target-share <share>' argument '1\.5' is invalid\. expected a share in \[0,1\]/);
  await expect2([DEMO, '--router', 'demo', '--gate-on', 'bound', '--bootstrap', '0'], '--gate-on bound compares bootstrap bounds; it cannot be used with --bootstrap 0');
  await expect2([DEMO, '--router', 'demo', '-o', 'report.pdf'], 'report.pdf: cannot tell the output format from the extension; use one of .json, .csv, .md, .svg, .html');
  await expect2([DEMO, '--router', 'demo', '--by', 'colour'], 'no test row has a metadata column "colour" for --by (columns: category, channel, difficulty)');
  await expect2([DEMO], 'name the router to evaluate with --router, or a deployment with --deployment');
  await expect2(['other.csv', '--router', 'demo', '--weak', 'weak', '--strong', 'strong', '--target-budget', '1'], 'other.csv: --target-budget needs dollar costs, and these rows have no cost, tokens with prices, or per-call price for both models; use --target-share instead');
  assert.ok(!existsSync(join(dir, 'report.pdf')));
});

test('a dataset the router was trained on (by lineage hash) is evaluated with a warning', async () => {
  const d = tempDir('router-eval-overlap-');
  writeFile(d, 'p.csv', 'prompt,weak,strong\nreset my password,True,True\nreset my email,True,False\nrefund my order,False,True\nrefund my invoice,False,True\nupdate card,True,True\n');
  assert.equal((await cli(['train', 'p.csv', '--name', 'r', '--no-holdout'], d)).code, 0);
  const r = await cli(['eval', 'p.csv', '--router', 'r', '--bootstrap', '0'], d);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'warning: router r was trained on this dataset: these numbers include its training rows and overstate its quality\nread router r@1 (artifacts/routers/r/v1.json)\n');
  // no confidence in this data: no cascade section; unit costs (no prices)
  assert.doesNotMatch(r.stdout, /Cascade/);
  assert.match(r.stdout, /strong calls\/query/);
  assert.deepEqual(filesUnder(d).filter((f) => f.startsWith('artifacts/reports/')), ['artifacts/reports/r/v1.json']);
});
