import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeJsonArtifact } from '../src/artifacts/store.ts';
import { join } from 'node:path';
import { generateDemoSupport } from '../src/data/demo-support.ts';
import { readQueries } from '../src/data/read-queries.ts';
import { openRouter, loadAnyDeployment, type AnyLoadedDeployment } from '../src/routers/open.ts';
import { routeOverModels } from '../src/routers/multi-route.ts';
import { runMonitor, renderMonitor } from '../src/cli/commands/monitor.ts';
import { LogTally, monitorReport, psi, wilson, type MonitorExpectation } from '../src/serve/monitor.ts';
import { LOG_RECORD_VERSION, logRecordSchema, type LogRecord } from '../src/serve/log-record.ts';
import { UserError } from '../src/errors.ts';
import { renderMonitorText } from '../src/ui/render-monitor.ts';
import { flagOf } from '../src/cli/flags.ts';
import { DEMO, filesUnder, runCli, tempDir } from './helpers.ts';
import { cli } from './cli.ts';
import { defaultReply, providerEnv, startFakeLlmServer } from './fake-llm-server.ts';

// `router monitor`: a deployment built on the demo data, a request log synthesised from real
// routing decisions on fresh demo queries (another seed of the generator, so the traffic is like
// the eval data but not the same rows), then the checks: shares, PSI, spend, overhead, the sample
// that `router label` reads, and drift flagged (exit 1) when the traffic or the scores shift.

interface Setup {
  dir: string;
  pair: AnyLoadedDeployment;
  multi: AnyLoadedDeployment;
}

let shared: Setup | undefined;
/** One pair deployment and one over three models, both with a 30% monitoring share (training is the slow part). */
async function setup(): Promise<Setup> {
  if (shared) return shared;
  const dir = tempDir('router-monitor-');
  const ok = async (args: string[]) => {
    const r = await cli(args, dir);
    assert.equal(r.code, 0, r.stderr);
  };
  await ok(['train', DEMO, '--name', 'demo', '-C', '1']);
  await ok(['eval', DEMO, '--router', 'demo', '--target-share', '0.3', '--monitoring', '0.3', '--bootstrap', '100']);
  await ok(['train', DEMO, '--name', 'ladder', '--models', 'sim-small,sim-medium,sim-large', '-C', '1']);
  await ok(['eval', DEMO, '--router', 'ladder', '--target-budget', '2', '--monitoring', '0.3', '--bootstrap', '0']);
  // A deployment names its router by the path eval wrote, relative to where it ran: run from there, as a user would.
  process.chdir(dir);
  shared = { dir, pair: loadAnyDeployment('demo'), multi: loadAnyDeployment('ladder') };
  return shared;
}

const FRESH = generateDemoSupport({ seed: 99, n: 500 }).rows;

function record(dep: AnyLoadedDeployment, i: number, d: { query: string; model: string; monitored: boolean; score: number | null; predicted?: LogRecord['predicted'] }, options: { logQueries?: boolean } = {}): LogRecord {
  const row = FRESH[i]!;
  const outcome = row.models[d.model]!;
  return {
    v: LOG_RECORD_VERSION,
    time: new Date(Date.UTC(2026, 11, 1, 10, 0, i)).toISOString(),
    requestId: `req-${i}`,
    deployment: { name: dep.kind === 'pair' ? 'demo' : 'ladder', version: 1, hash: dep.hash },
    queryHash: createHash('sha256').update(d.query).digest('hex'),
    ...(options.logQueries !== false ? { query: d.query } : {}),
    requested: 'router',
    routed: true,
    chosen: d.model,
    answeredBy: d.model,
    score: d.score,
    ...(d.predicted ? { predicted: d.predicted } : {}),
    monitored: d.monitored,
    fallback: [],
    stream: false,
    status: 200,
    inputTokens: outcome.inputTokens ?? null,
    outputTokens: outcome.outputTokens ?? null,
    costUsd: outcome.cost ?? null,
    upstreamMs: outcome.latencyMs ?? 500,
    routerMs: 0.05 + (i % 10) / 100,
  };
}

/** Log records for the first `n` fresh queries, as `router serve` would write them with this deployment. */
async function routedLog(dep: AnyLoadedDeployment, n: number, options: { logQueries?: boolean } = {}): Promise<LogRecord[]> {
  const queries = FRESH.slice(0, n).map((r) => r.query);
  if (dep.kind === 'pair') {
    const decisions = await openRouter({ deployment: dep }).routeMany(queries);
    return decisions.map((d, i) => record(dep, i, { query: d.query, model: d.model, monitored: d.monitored, score: d.score }, options));
  }
  const decisions = await routeOverModels(dep.router.router, queries, { rule: dep.body.rule, monitoring: dep.body.monitoring, reference: dep.body.reference });
  return decisions.map((d, i) => record(dep, i, { query: d.query, model: d.model, monitored: d.monitored, score: null, predicted: d.predicted }, options));
}

function writeLog(dir: string, name: string, records: readonly LogRecord[]): string {
  for (const r of records) logRecordSchema.parse(r);
  const path = join(dir, name);
  writeFileSync(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

const refusal = async (p: Promise<unknown>, message: string | RegExp) =>
  assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof UserError, String(err));
    const text = err.describe(flagOf);
    if (typeof message === 'string') assert.equal(text, message);
    else assert.match(text, message);
    return true;
  });

test('wilson and psi: the textbook values', () => {
  // Wilson 95% for 5/10 is [0.237, 0.763] (z = 1.96).
  const [lo, hi] = wilson(5, 10, 1.959964);
  assert.ok(Math.abs(lo - 0.2366) < 1e-3 && Math.abs(hi - 0.7634) < 1e-3, `${lo} ${hi}`);
  const uniform = Float64Array.from({ length: 1000 }, (_, i) => i / 1000);
  const same = psi(uniform, Array.from(uniform));
  assert.equal(same.value, 0);
  assert.equal(same.expected.length, 10);
  // Everything in the top decile: (1 - 0.1) ln(1/0.1) + 9 x (eps - 0.1) ln(eps/0.1).
  const top = psi(uniform, Array.from({ length: 50 }, () => 0.99));
  const eps = 1e-4;
  assert.ok(Math.abs(top.value - (0.9 * Math.log(10) + 9 * (eps - 0.1) * Math.log(eps / 0.1))) < 1e-9);
});

test('pair: live shares, PSI, spend and overhead against the deployment; no drift; the sample is a query CSV router label takes', async () => {
  const { dir, pair } = await setup();
  const records = await routedLog(pair, 400);
  const passThrough: LogRecord = { ...records[0]!, requestId: 'pt', deployment: null, routed: false, requested: 'sim-small', chosen: 'sim-small', answeredBy: 'sim-small', score: null, monitored: false };
  const other: LogRecord = { ...records[1]!, requestId: 'other', deployment: { name: 'old', version: 3, hash: 'sha256:' + '0'.repeat(64) } };
  const failed: LogRecord = { ...records[2]!, requestId: 'err', status: 502, error: 'upstream timed out', answeredBy: null, costUsd: null };
  const fellBack: LogRecord = { ...records[3]!, requestId: 'fb', chosen: 'sim-large', answeredBy: 'sim-small', fallback: [{ model: 'sim-large', reason: '503' }] };
  writeLog(dir, 'requests.log', records.slice(0, 200));
  // The rotated file, with what a real log also holds: another deployment, a pass-through, an error, a fallback.
  writeLog(dir, 'requests.log.1', [...records.slice(200), passThrough, other, failed, fellBack]);
  const r = await runMonitor({ logs: [join(dir, 'requests.log'), join(dir, 'requests.log.1')], deployment: 'demo', artifacts: join(dir, 'artifacts'), sampleOut: join(dir, 'sample.csv'), output: [join(dir, 'monitor.json'), join(dir, 'monitor.md'), join(dir, 'shares.csv')] });
  const m = r.report;
  assert.equal(m.requests, 402);
  assert.deepEqual(m.excluded, { otherDeployments: { 'old@3': 1 }, passThrough: 1, outsideWindow: 0 });
  const body = pair.body as { monitoring: number; expected: { strongShare: number; ci: { strongShare: [number, number] } } };
  const strong = m.shares.find((s) => s.model === 'sim-large')!;
  assert.ok(Math.abs(strong.expected - (0.3 + 0.7 * body.expected.strongShare)) < 1e-12, 'monitoring + (1 - monitoring) x expected strong share');
  assert.deepEqual(strong.expectedInterval, body.expected.ci.strongShare.map((s) => 0.3 + 0.7 * s));
  assert.equal(strong.tested, true);
  assert.equal(m.shares.find((s) => s.model === 'sim-small')!.tested, false);
  assert.equal(strong.drift, false);
  assert.equal(m.errors.requests, 1);
  assert.deepEqual(m.fallbacks.paths, [{ from: 'sim-large', to: 'sim-small', requests: 1 }]);
  assert.ok(m.scores.psi !== null && m.scores.psi.value < 0.2, `PSI ${m.scores.psi?.value}`);
  assert.equal(m.scores.drift, false);
  assert.equal(m.drifted, false);
  assert.equal(r.driftFailure, undefined);
  assert.equal(r.evalData.split, 'holdout');
  assert.equal(m.scores.expected, r.evalData.rows);
  // Spend: the logged dollars, against the same requests priced on the strong model.
  const priced = [...records, failed, fellBack].filter((x) => x.costUsd !== null);
  assert.equal(m.spend.priced + m.spend.unpriced, 402);
  assert.ok(m.spend.total! > 0 && m.spend.alwaysReference! > m.spend.total!, JSON.stringify(m.spend));
  // Priced live: the monitored requests are a sample of traffic independent of the router, so their mean cost on sim-large prices the others.
  const mine = [...records, failed, fellBack].filter((x) => x.costUsd !== null);
  const onStrong = mine.filter((x) => x.answeredBy === 'sim-large');
  const sampled = onStrong.filter((x) => x.monitored);
  const perRequest = sampled.reduce((a, x) => a + x.costUsd!, 0) / sampled.length;
  const want = onStrong.reduce((a, x) => a + x.costUsd!, 0) + (mine.length - onStrong.length) * perRequest;
  assert.ok(Math.abs(m.spend.alwaysReference! - want) < 1e-9, `${m.spend.alwaysReference} against ${want}`);
  assert.match(m.spend.basis, new RegExp(`the others at the mean logged cost of the ${sampled.length} monitored requests it answered`));
  assert.ok(m.spend.costReduction! > 1 && m.spend.expectedCostReduction! > 1);
  assert.ok(priced.length >= m.spend.priced);
  assert.equal(m.overhead.dollars, 0);
  assert.match(m.overhead.dollarsNote, /tfidf embedder runs in-process/);
  assert.ok(m.overhead.p50 >= 0.05 && m.overhead.p99 <= 0.15 && m.overhead.shareOfLatency! < 0.001);
  // The sample: each monitored query once, in the query CSV format.
  assert.equal(readFileSync(join(dir, 'sample.csv'), 'utf8').split('\n')[0], 'id,query,time,chosen,answered_by,requests');
  const sample = readQueries(join(dir, 'sample.csv'));
  assert.equal(sample.rows.length, m.monitored.distinctQueries);
  const monitoredQueries = new Set(records.filter((x) => x.monitored).map((x) => x.query));
  assert.ok(sample.rows.every((row) => monitoredQueries.has(row.query)), 'the sample holds the monitored queries, text intact');
  assert.deepEqual(Object.keys(sample.rows[0]!.meta), ['time', 'chosen', 'answered_by', 'requests']);
  assert.ok(m.monitored.requests > 80 && m.monitored.requests < 160, `${m.monitored.requests} monitored of 402`);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'monitor.json'), 'utf8')).report.requests, 402);
  assert.match(readFileSync(join(dir, 'monitor.md'), 'utf8'), /^# router monitor\n\n```\nDeployment .*\nNo drift: .*\n```\n$/s);
  assert.match(readFileSync(join(dir, 'shares.csv'), 'utf8'), /^model,requests,live_share,live_low,live_high,expected_share,expected_low,expected_high,tested,drift,errors,fallbacks\nsim-small,197,.*\nsim-large,205,[\d.]+,[\d.]+,[\d.]+,[\d.]+,[\d.]+,[\d.]+,1,0,1,1\n$/);
  const text = renderMonitor(r).stdout;
  assert.match(text, /^Deployment .*deployments\/demo\/v1\.json: 402 requests routed, 2026-12-01T10:00:00\.000Z to .* \(log 2 files: 404 records; left out: 1 of old@3, 1 pass-through\)$/m);
  assert.match(text, /│ sim-large │ +\d+ │ +[\d.]+% │ +\[[\d.]+%, [\d.]+%\] │ +[\d.]+% │ +\[[\d.]+%, [\d.]+%\] │ 1 \(0\.5%\) │ +1 │ ok +│/);
  assert.match(text, /^No drift/m);

  // label reads the sample as it is: its dry run counts one row per monitored query.
  const label = await cli(['label', 'sample.csv', '--weak', 'openai:gpt-4o-mini', '--strong', 'openai:gpt-4o', '--judge', 'openai:gpt-4o', '--dry-run', '--json'], dir, { OPENAI_API_KEY: undefined });
  assert.equal(label.code, 0, label.stderr);
  assert.equal(JSON.parse(label.stdout).scheduledRows, sample.rows.length);
});

test('pair: traffic all to the strong model and shifted scores are flagged as drift, exit 1; --no-fail-on-drift reports and exits 0', async () => {
  const { dir, pair } = await setup();
  const shifted = (await routedLog(pair, 300)).map((x) => ({ ...x, chosen: 'sim-large', answeredBy: 'sim-large', score: Math.min(1, x.score! + 0.35) }));
  writeLog(dir, 'shifted.log', shifted);
  const r = await runMonitor({ logs: [join(dir, 'shifted.log')], deployment: 'demo', artifacts: join(dir, 'artifacts') });
  assert.equal(r.report.drifted, true);
  assert.equal(r.report.shares.find((s) => s.model === 'sim-large')!.drift, true);
  assert.ok(r.report.scores.psi!.value > 0.2);
  const run = await cli(['monitor', 'shifted.log', '--deployment', 'demo'], dir);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /^router: gate failed: drift: sim-large share 100\.0% \[[\d.]+%, 100\.0%\], expected [\d.]+% \[[\d.]+%, [\d.]+%\]; score PSI [\d.]+ above 0\.2\n$/m);
  assert.match(run.stdout, /│ DRIFT +│/);
  const soft = await cli(['monitor', 'shifted.log', '--deployment', 'demo', '--no-fail-on-drift', '--json'], dir);
  assert.equal(soft.code, 0, soft.stderr);
  assert.equal(JSON.parse(soft.stdout).report.drifted, true);
  // A window that leaves nothing of this deployment is one line, exit 2.
  const none = await cli(['monitor', 'shifted.log', '--deployment', 'demo', '--since', '2027-01-01'], dir);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^router: .*deployments\/demo\/v1\.json: no request routed by this deployment in the log \(300 records: 300 outside the time window\)\n$/);
});

test('over three models: shares per model against the deployment\'s, PSI on the reference\'s predicted quality; all to one model is drift', async () => {
  const { dir, multi } = await setup();
  const records = await routedLog(multi, 400);
  writeLog(dir, 'multi.log', records);
  const r = await runMonitor({ logs: [join(dir, 'multi.log')], deployment: 'ladder', artifacts: join(dir, 'artifacts'), sampleOut: join(dir, 'multi-sample.csv') });
  const m = r.report;
  assert.equal(m.kind, 'multi');
  assert.deepEqual(m.shares.map((s) => s.model), ['sim-small', 'sim-medium', 'sim-large']);
  const body = multi.body as { monitoring: number; expected: { shares: number[] } };
  m.shares.forEach((s, k) => assert.ok(Math.abs(s.expected - ((k === 2 ? 0.3 : 0) + 0.7 * body.expected.shares[k]!)) < 1e-12));
  assert.equal(m.level.perTest, 1 - 0.05 / 3, 'Bonferroni over the three models');
  assert.equal(m.drifted, false, renderMonitor(r).stdout);
  assert.equal(m.scores.name, 'predicted quality of sim-large');
  assert.ok(m.scores.psi!.value < 0.2);
  assert.ok(m.spend.costReduction! > 1);
  assert.ok(readFileSync(join(dir, 'multi-sample.csv'), 'utf8').split('\n').length > 50);

  writeLog(dir, 'multi-shifted.log', records.map((x) => ({ ...x, chosen: 'sim-small', answeredBy: 'sim-small' })));
  const run = await cli(['monitor', 'multi-shifted.log', '--deployment', 'ladder'], dir);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /drift: sim-small share 100\.0%/);
});

test('bad input is one line naming what and where, and nothing is written', async () => {
  const { dir, pair } = await setup();
  const records = await routedLog(pair, 20, { logQueries: false });
  const artifacts = join(dir, 'artifacts');
  const log = writeLog(dir, 'noquery.log', records);
  writeFileSync(join(dir, 'bad.log'), [JSON.stringify(records[0]), '{"v":1,"time":"x"}', 'not json', JSON.stringify(records[1])].join('\n') + '\n');
  const csvLog = writeLog(dir, 'log.csv', records);
  // A live log's last line, half written: left out with a warning, not an error.
  writeFileSync(join(dir, 'live.log'), [JSON.stringify(records[0]), JSON.stringify(records[1]).slice(0, 40)].join('\n'));
  const before = filesUnder(dir);
  const live = await runMonitor({ logs: [join(dir, 'live.log')], deployment: 'demo', artifacts });
  assert.equal(live.report.requests, 1);
  assert.match(live.report.spend.basis, /input tokens at sim-large's price plus its mean output tokens on the eval data \(\d+\); fewer than 30 monitored requests to price it live$/);
  assert.deepEqual(live.warnings, ['the log holds no query text (the server ran without --log-queries): the monitored requests cannot be sampled for router label', `the last line of ${join(dir, 'live.log')} is cut short (still being written?) and was left out`]);
  await refusal(runMonitor({ logs: [join(dir, 'bad.log')], deployment: 'demo', artifacts }), `${join(dir, 'bad.log')}:2: not a request-log record: field "requestId": Invalid input: expected string, received undefined (count and skip such lines with --skip-bad-lines)`);
  const skipped = await runMonitor({ logs: [join(dir, 'bad.log')], deployment: 'demo', artifacts, skipBadLines: true });
  assert.equal(skipped.log.badLines, 2);
  assert.deepEqual(skipped.log.firstBad.map((b) => b.line), [2, 3]);
  assert.match(skipped.warnings.join('\n'), /2 bad lines skipped, the first at .*bad\.log:2/);
  await refusal(runMonitor({ logs: [log], deployment: 'demo', artifacts, sampleOut: join(dir, 's.csv') }), '--sample-out: the log holds no query text (the server ran without --log-queries), so there is no sample to label');
  await refusal(runMonitor({ logs: [csvLog], deployment: 'demo', artifacts, sampleOut: csvLog }), `${csvLog}: --sample-out: this is an input of the command (${csvLog}); writing there would destroy it`);
  await refusal(runMonitor({ logs: [join(dir, 'missing.log')], deployment: 'demo', artifacts }), `${join(dir, 'missing.log')}: cannot read: no such file or folder (ENOENT)`);
  await refusal(runMonitor({ logs: [log], deployment: 'demo', artifacts, since: 'yesterday' }), '--since: expected an ISO 8601 time, e.g. 2026-12-01 or 2026-12-01T12:00:00Z');
  await refusal(runMonitor({ logs: [log], deployment: 'demo', artifacts, evalData: join(dir, 'nope.jsonl') }), /nope\.jsonl.*no such file/);
  assert.deepEqual(filesUnder(dir), before, 'a refused run writes nothing');

  // The eval data the deployment was chosen on, changed since or gone: name it with --eval-data.
  const copy = join(dir, 'eval-copy.jsonl');
  writeFileSync(copy, readFileSync(DEMO));
  const env = JSON.parse(readFileSync(pair.path, 'utf8'));
  // Recorded with another hash: the data there now is not the data the deployment was chosen on.
  const moved = writeJsonArtifact('deployment', { ...env.body, evaluatedOn: { ...env.body.evaluatedOn, path: copy, hash: 'sha256:' + 'f'.repeat(64) } }, env.lineage, { root: artifacts, name: 'moved' });
  await refusal(runMonitor({ logs: [log], deployment: 'moved', artifacts }), new RegExp(`^${moved.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the deployment's eval data ${copy.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has changed since \\(hash sha256:[0-9a-f]{12}…, recorded sha256:[0-9a-f]{12}…\\); name the data it was chosen on with --eval-data FILE$`));
  rmSync(copy);
  await refusal(runMonitor({ logs: [log], deployment: 'moved', artifacts }), /the deployment's eval data .*eval-copy\.jsonl is not there \(moved\?\); name it with --eval-data FILE$/);
  const movedLog = writeLog(dir, 'moved.log', records.map((x) => ({ ...x, deployment: { name: 'moved', version: 1, hash: moved.envelope.contentHash } })));
  const named = await runMonitor({ logs: [movedLog], deployment: 'moved', artifacts, evalData: DEMO });
  assert.equal(named.evalData.path, DEMO);
  assert.equal(named.report.requests, 20);
});

test('the loop closed: monitor writes the sample, label answers and judges it, eval --deployment measures the live quality gap', async () => {
  const { dir, pair } = await setup();
  writeLog(dir, 'loop.log', await routedLog(pair, 120));
  const monitored = await cli(['monitor', 'loop.log', '--deployment', 'demo', '--sample-out', 'loop.csv'], dir);
  assert.equal(monitored.code, 0, monitored.stderr);
  assert.match(monitored.stderr, /^Sample of \d+ monitored queries written to loop\.csv$/m);
  // The weak model fails one query in three (by length), so the labelled sample has something to route.
  const server = await startFakeLlmServer({ reply: (req) => (req.model.includes('weak') && (req.messages.at(-1)?.content.length ?? 0) % 3 === 0 ? "I don't know." : defaultReply(req)) });
  try {
    writeFileSync(join(dir, 'prices.json'), JSON.stringify({ models: { 'openai:fake-weak': { inputPerMTok: 0.1, outputPerMTok: 0.4 }, 'openai:fake-strong': { inputPerMTok: 3, outputPerMTok: 15 }, 'openai:fake-judge': { inputPerMTok: 1, outputPerMTok: 2 } } }));
    const env = providerEnv({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.openaiBaseURL });
    const label = await cli(['label', 'loop.csv', '--weak', 'openai:fake-weak', '--strong', 'openai:fake-strong', '--judge', 'openai:fake-judge', '--prices', 'prices.json', '--name', 'live', '--yes', '--no-cache'], dir, env);
    assert.equal(label.code, 0, label.stderr);
  } finally {
    await server.close();
  }
  const measured = await cli(['eval', 'artifacts/datasets/live/v1.jsonl', '--deployment', 'demo', '--weak', 'openai:fake-weak', '--strong', 'openai:fake-strong', '--bootstrap', '0', '--json'], dir);
  assert.equal(measured.code, 0, measured.stderr);
  const report = JSON.parse(measured.stdout);
  assert.ok(report.lineage.some((l: { kind: string; hash: string }) => l.kind === 'deployment' && l.hash === pair.hash), 'measured at the deployment\'s threshold');
  assert.equal(report.body.dataset.rows, readQueries(join(dir, 'loop.csv')).rows.length);
  assert.equal(typeof report.body.routers[0].operatingPoint.point.qualityGap, 'number', 'the live quality gap');
});

test('the built binary: drift exits 1 with the reason on stderr', async () => {
  const { dir, pair } = await setup();
  writeLog(dir, 'spawned.log', (await routedLog(pair, 200)).map((x) => ({ ...x, chosen: 'sim-small', answeredBy: 'sim-small' })));
  const failed = runCli(['monitor', 'spawned.log', '--deployment', 'demo'], dir);
  assert.equal(failed.code, 1, failed.stderr);
  assert.match(failed.stderr, /^read deployment demo@1 \(artifacts\/deployments\/demo\/v1\.json\)\nrouter: gate failed: drift: sim-large share [\d.]+% \[[\d.]+%, [\d.]+%\], expected [\d.]+% \[[\d.]+%, [\d.]+%\]\n$/);
});

test('the checks on their own: a model the deployment never names is drift, a fallback is not, no cost is "unpriced", a paid embedder is priced on input tokens', () => {
  const x: MonitorExpectation = {
    kind: 'multi',
    deploymentHash: 'sha256:' + '1'.repeat(64),
    models: ['a', 'b', 'c'],
    reference: 'c',
    monitoring: 0.1,
    shares: [
      { model: 'a', routed: 0.5, interval: null },
      { model: 'b', routed: 0.3, interval: null },
      { model: 'c', routed: 0.2, interval: null },
    ],
    evalRows: 1000,
    tested: ['a', 'b', 'c'],
    expectedScores: Float64Array.from({ length: 1000 }, (_, i) => i / 1000),
    scoreName: 'predicted quality of c',
    referenceCost: null,
    expectedCostReduction: null,
    routerPrice: { perInputToken: 0.02 / 1e6, embedder: 'openai:text-embedding-3-small' },
  };
  const base = (i: number, chosen: string): LogRecord => ({
    v: 1, time: new Date(Date.UTC(2026, 11, 1, 0, 0, i)).toISOString(), requestId: `r${i}`, deployment: { name: 'd', version: 1, hash: x.deploymentHash },
    queryHash: String(i), requested: 'router', routed: true, chosen, answeredBy: chosen, score: null,
    predicted: [{ model: 'c', quality: (i % 1000) / 1000, cost: 0 }], monitored: false, fallback: [], stream: false, status: 200,
    inputTokens: 1000, outputTokens: 10, costUsd: null, upstreamMs: 99, routerMs: 1,
  });
  const t = new LogTally(x);
  // 45% a, 27% b, 28% c: the expected shares with 10% monitoring to c; every b request fell back to c.
  for (let i = 0; i < 1000; i++) {
    const chosen = i % 100 < 45 ? 'a' : i % 100 < 72 ? 'b' : 'c';
    t.add(chosen === 'b' ? { ...base(i, 'b'), answeredBy: 'c', fallback: [{ model: 'b', reason: '500' }] } : base(i, chosen));
  }
  const clean = monitorReport(t, x, { maxPsi: 0.2 });
  assert.equal(clean.drifted, false, JSON.stringify(clean.shares));
  assert.deepEqual(clean.fallbacks.paths, [{ from: 'b', to: 'c', requests: 270 }]);
  assert.ok(clean.scores.psi!.value < 0.01);
  assert.deepEqual([clean.spend.total, clean.spend.alwaysReference, clean.spend.unpriced], [null, null, 1000]);
  assert.ok(Math.abs(clean.overhead.dollars! - 1000 * 1000 * 0.02e-6) < 1e-12);
  assert.equal(clean.overhead.shareOfLatency, 0.01);
  assert.match(renderMonitorText({ deployment: { path: 'd.json' }, log: { files: ['l'], records: 1000, badLines: 0, partialLast: [], firstBad: [] }, window: { since: null, until: null }, evalData: { path: 'e', rows: 1000, split: 'all' }, report: clean }), /^Spend: unpriced \(no request has a cost in the log\)$/m);
  t.add(base(2000, 'z'));
  const odd = monitorReport(t, x, { maxPsi: 0.2 });
  assert.deepEqual(odd.shares.filter((s) => s.drift).map((s) => [s.model, s.requests, s.expected]), [['z', 1, 0]]);
});
