import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { renderEstimate, renderEval, renderRoute, renderTrain, runEstimate, runEval, runRoute, runTrain, MissingInput } from '../src/index.ts';
import type { Progress } from '../src/ui/progress.ts';
import { DEMO, tempDir } from './helpers.ts';

// The commands as functions, without argv or a process: run returns what was done, render the
// text the CLI prints for it (its stderr lines before and after stdout).

const dir = tempDir('router-commands-');
const artifacts = join(dir, 'artifacts');

test('train, route, eval and estimate as functions: results, the lines they print, progress', async () => {
  const stages: string[] = [];
  const progress: Progress = { stage: (t) => void stages.push(t), embed() {} };
  const trained = await runTrain({ data: DEMO, name: 'demo', artifacts }, { progress });
  assert.equal(trained.path, join(artifacts, 'routers/demo/v1.json'));
  assert.equal(trained.reused, false);
  assert.ok(trained.kind === 'pair', 'the demo data names its pair');
  assert.equal(trained.envelope.body.router, 'logistic');
  assert.deepEqual(trained.pair, { weak: 'sim-small', strong: 'sim-large', chosenBy: 'the dataset' });
  assert.ok(existsSync(trained.path));
  assert.equal(stages[0], 'training a logistic router');
  const shown = renderTrain(trained);
  assert.match(shown.stdout, /^Trained logistic router on tfidf/);
  assert.deepEqual(shown.after, []);
  assert.equal(JSON.parse(renderTrain(trained, { json: true }).stdout).body.model, undefined, 'JSON leaves the weights out');

  const routed = await runRoute({ router: 'demo', artifacts, queries: ['How do I reset my password?', 'Invoice INV-2231 was charged twice after the webhook returned 502'] });
  assert.equal(routed.decisions.length, 2);
  assert.deepEqual(routed.reads, [{ kind: 'router', path: trained.path }]);
  const table = renderRoute(routed);
  assert.deepEqual(table.before, [`read router demo@1 (${trained.path})`]);
  assert.match(table.after[0]!, /^2 queries: \d to sim-large/);
  assert.deepEqual(JSON.parse(renderRoute(routed, { json: true }).stdout).decisions, routed.decisions);

  const evaluated = await runEval({ data: DEMO, router: ['demo'], artifacts, bootstrap: 0, minApgr: 0.99 });
  assert.match(evaluated.gateFailure ?? '', /^demo: APGR \(point estimate\) [\d.]+ is below the minimum 0\.990/, 'a failed gate is in the result; the CLI exits 1');
  assert.equal(evaluated.report, join(artifacts, 'reports/demo/v1.json'));
  assert.match(renderEval(evaluated).stdout, /Gate: FAILED/);

  const estimated = await runEstimate({ eval: 'demo', artifacts, volume: { count: 50_000, per: 'day' } });
  assert.deepEqual(estimated.reads, [{ kind: 'eval report', path: evaluated.report }]);
  assert.ok(estimated.kind === 'pair');
  assert.deepEqual(estimated.envelope.body.inputs.volume, { count: 50_000, per: 'day' });
  const est = renderEstimate(estimated);
  assert.deepEqual(est.before.at(-1), `read eval report demo@1 (${evaluated.report})`);
  assert.deepEqual(est.after, []);
});

test('a missing input is a MissingInput naming what to ask; bad options name the flag', async () => {
  await assert.rejects(runEstimate({ artifacts, weakShare: 0.5, tokens: 500, weakPrice: 1, strongPrice: 10 }), (err: unknown) => err instanceof MissingInput && err.need.kind === 'volume');
  await assert.rejects(runRoute({ artifacts, router: 'demo', queries: ['q'], monitoring: 2 }), /options.monitoring: expected a share in \[0,1\]/);
  await assert.rejects(runEval({ data: DEMO, artifacts, router: ['demo'], deployment: 'x' }), /give options.router or options.deployment, not both/);
});

test('called as functions, the commands check the artifacts folder and the name before any work', async () => {
  const dir = tempDir();
  const messageOf = async (p: Promise<unknown>) => p.then(() => 'no error', (e: { describe?: () => string; message: string }) => e.describe?.() ?? e.message);
  assert.equal(await messageOf(runTrain({ data: DEMO, artifacts: '' })), 'options.artifacts is empty: name a folder (default: artifacts)');
  assert.equal(await messageOf(runTrain({ data: DEMO, name: '../x', artifacts: join(dir, 'a') })), 'invalid artifact name "../x": use letters, digits, ".", "_" and "-", starting with a letter or digit');
  assert.equal(await messageOf(runRoute({ router: 'demo', queries: ['hi'], artifacts: DEMO })), `${DEMO}: options.artifacts: is a file, expected a folder`);
  assert.equal(existsSync(join(dir, 'a')), false);
});
