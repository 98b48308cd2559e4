import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEMO, ROOT, runCli, tempDir } from './helpers.ts';

// The package as a user gets it: `npm pack`, unpacked into a project outside the repository,
// imported by name, type-checked with `tsc --strict` and run. Dependencies are linked from the
// repository's node_modules, so the test needs no network.

const CONSUMER = `
import { openRouter, loadRouter, readDataset, evaluate, exactCurve, apgr, UserError, runRoute, renderRoute, runEstimate, type RouteDecision, type EvalReportBody, type AnyRouteResult, type EstimateOptions } from 'llm-routerkit';

const router = openRouter({ router: 'demo' }, { artifacts: 'artifacts' });
const one: RouteDecision = await router.route('How do I reset my password?');
// Probes that the declarations carry real types, not \`any\` (each line must be a type error).
// @ts-expect-error a decision's model is a string
const notANumber: number = one.model;
// @ts-expect-error a tier is 'weak' or 'strong'
const notATier: RouteDecision['tier'] = 'medium';
const many = await router.routeMany(['Where is my order?', 'Our webhook returns 502 after rotating the signing secret']);

const dataset = readDataset(process.argv[2]!);
const { body } = await evaluate({
  dataset,
  routers: [loadRouter('demo', 'artifacts')],
  pair: {},
  split: 'auto',
  target: { kind: 'max-quality-gap', value: 0.05 },
  bootstrap: { resamples: 0, seed: 1, level: 0.95 },
});
const report: EvalReportBody = body;

const curve = exactCurve([3, 2, 1], { qWeak: [0, 1, 0], qStrong: [1, 1, 1], cWeak: [0, 0, 0], cStrong: [1, 1, 1] });

// The CLI's commands as functions: a result to use, and the text the CLI would print.
const routed: AnyRouteResult = await runRoute({ router: 'demo', queries: ['Where is my order?'] });
const table = renderRoute(routed).stdout;
const given: EstimateOptions = { volume: { count: 1000, per: 'day' }, tokens: 500, weakPrice: 0.8, strongPrice: 15, weakShare: 0.7, monitoring: 0 };
const estimated = await runEstimate(given);
let badOption = '';
try {
  await runRoute({ router: 'demo', queries: ['x'], threshold: 2 });
} catch (err) {
  if (err instanceof UserError) badOption = err.describe();
}

let refused = '';
try {
  openRouter({ router: 'nosuch' }, { artifacts: 'artifacts' });
} catch (err) {
  if (err instanceof UserError) refused = err.describe();
}

console.log(JSON.stringify({
  pair: router.pair,
  model: one.model,
  tiers: many.map((d) => d.tier),
  threshold: router.threshold,
  apgr: report.routers[0]!.summary.apgr,
  exact: apgr(curve),
  refused,
  routedModel: routed.decisions[0]!.model,
  table,
  estimatePath: estimated.path,
  badOption,
  probes: [notANumber, notATier].length,
}));
`;

test('a project outside the repository installs the packed package, type-checks it strictly and routes with it', () => {
  const work = tempDir('router-consumer-');
  const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(pack.status, 0, pack.stderr);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote a tarball');

  const project = join(work, 'project');
  const modules = join(project, 'node_modules');
  const installed = join(modules, 'llm-routerkit');
  mkdirSync(installed, { recursive: true });
  assert.equal(spawnSync('tar', ['-xzf', join(work, tarball), '-C', installed, '--strip-components', '1']).status, 0);
  // The default install: every package but the optional peers (tfjs, onnxruntime, the sentence
  // encoder), which a user adds only for the options that need them.
  const peers = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).peerDependencies ?? {});
  for (const dep of readdirSync(join(ROOT, 'node_modules'))) {
    if (dep === '.bin' || dep.startsWith('.')) continue;
    if (dep.startsWith('@')) {
      mkdirSync(join(modules, dep), { recursive: true });
      for (const sub of readdirSync(join(ROOT, 'node_modules', dep))) {
        if (!peers.includes(`${dep}/${sub}`)) symlinkSync(join(ROOT, 'node_modules', dep, sub), join(modules, dep, sub));
      }
    } else if (!peers.includes(dep)) symlinkSync(join(ROOT, 'node_modules', dep), join(modules, dep));
  }
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noUncheckedIndexedAccess: true, skipLibCheck: true, types: ['node'], outDir: 'out' }, include: ['index.ts'] }));
  writeFileSync(join(project, 'index.ts'), CONSUMER);

  // Every package our declarations import is one a user's install brings (a dependency, or Node's
  // own types): a missing one would make its types `any` without an error where skipLibCheck is on,
  // as it is in most projects and here. (skipLibCheck off would check every dependency's .d.ts:
  // 10 s of the test's 13 s, for the same assurance.)
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  const shipped = new Set([...Object.keys(manifest.dependencies ?? {}), 'node']);
  // The declarations a user's project loads: index.d.ts and what it imports, transitively.
  const seen = new Set<string>();
  const pending = ['index.d.ts'];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(installed, 'dist', file), 'utf8');
    for (const [, spec] of text.matchAll(/(?:from |import\()'([^']+)'/g)) {
      if (spec!.startsWith('.')) {
        pending.push(join(dirname(file), spec!.replace(/\.js$/, '.d.ts')));
        continue;
      }
      const name = spec!.startsWith('node:') ? 'node' : spec!.startsWith('@') ? spec!.split('/').slice(0, 2).join('/') : spec!.split('/')[0]!;
      assert.ok(shipped.has(name), `dist/${file} imports ${spec}, which is not a dependency`);
    }
  }
  assert.ok(seen.size > 20, `declarations reached from index.d.ts: ${seen.size}`);

  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { cwd: project, encoding: 'utf8' });
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);

  // The router it opens is trained by the packed CLI itself.
  const trained = spawnSync(process.execPath, [join(installed, 'bin', 'router.js'), 'train', DEMO, '--name', 'demo'], { cwd: project, encoding: 'utf8' });
  assert.equal(trained.status, 0, trained.stderr);
  const run = spawnSync(process.execPath, [join(project, 'out', 'index.js'), DEMO], { cwd: project, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.deepEqual(result.pair, { weak: 'sim-small', strong: 'sim-large' });
  assert.ok(['sim-small', 'sim-large'].includes(result.model));
  assert.equal(result.tiers.length, 2);
  assert.equal(result.exact, 0.5);
  assert.ok(result.apgr > 0.6, `held-out APGR ${result.apgr}`);
  assert.match(result.refused, /no such file, and no router named "nosuch"/);
  assert.ok(['sim-small', 'sim-large'].includes(result.routedModel));
  assert.match(result.table, /│ Where is my order\? │ sim-/);
  assert.equal(result.estimatePath, 'artifacts/estimates/estimate/v1.json');
  assert.equal(result.badOption, 'options.threshold: expected a share in [0,1], e.g. 0.2 or 20%');

  // An option that needs an optional peer says which, and how to add it, in one line.
  const mlp = spawnSync(process.execPath, [join(installed, 'bin', 'router.js'), 'train', DEMO, '--name', 'mlp', '--router', 'mlp'], { cwd: project, encoding: 'utf8' });
  assert.equal(mlp.status, 2, mlp.stderr);
  assert.equal(mlp.stderr.trim().split('\n').at(-1), 'router: training an mlp or mf router needs @tensorflow/tfjs, which is not installed; add it with: npm install @tensorflow/tfjs');

  // The same numbers as the CLI's eval of that router.
  const cli = runCli(['eval', DEMO, '--router', 'demo', '--bootstrap', '0', '--json'], project);
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(JSON.parse(cli.stdout).body.routers[0].summary.apgr, result.apgr);
});
