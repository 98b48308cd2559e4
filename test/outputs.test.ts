import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WriteSet } from '../src/artifacts/atomic-write.ts';
import { BIN, DEMO, filesUnder, tempDir } from './helpers.ts';
import { cli } from './cli.ts';

// Outputs never destroy inputs or artifacts, are checked before any work, and are written all or
// none; temp files of a killed write are swept; fs errors on the user's paths are exit 2.

async function trainedDemo(): Promise<string> {
  const dir = tempDir();
  copyFileSync(DEMO, join(dir, 'd.jsonl'));
  const r = await cli(['train', 'd.jsonl', '--name', 'demo'], dir);
  assert.equal(r.code, 0, r.stderr);
  return dir;
}

async function refused(dir: string, args: string[], line: string): Promise<void> {
  const before = filesUnder(dir);
  const r = await cli(args, dir);
  assert.equal(r.stderr, `router: ${line}\n`, args.join(' '));
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.deepEqual(filesUnder(dir), before, `${args.join(' ')} wrote nothing`);
}

test('an output onto an input, inside an input folder or the artifacts store is refused before any work', async () => {
  const dir = await trainedDemo();
  symlinkSync('d.jsonl', join(dir, 'soft.json'));
  linkSync(join(dir, 'd.jsonl'), join(dir, 'hard.csv'));
  copyFileSync(DEMO, join(dir, 'd.json'));
  mkdirSync(join(dir, 'folder'));
  copyFileSync(DEMO, join(dir, 'folder', 'd.jsonl'));
  writeFileSync(join(dir, 'afile'), 'x');
  const ev = ['eval', 'd.jsonl', '--router', 'demo', '--bootstrap', '0'];
  await refused(dir, [...ev, '-o', 'soft.json'], 'soft.json: -o: this is an input of the command (d.jsonl); writing there would destroy it');
  await refused(dir, [...ev, '-o', 'hard.csv'], 'hard.csv: -o: this is an input of the command (d.jsonl); writing there would destroy it');
  await refused(dir, ['eval', 'folder', '--router', 'demo', '-o', 'folder/r.html'], 'folder/r.html: -o: this is inside the input folder folder, where the next read would take it as data');
  await refused(dir, [...ev, '-o', 'artifacts/routers/demo/v1.json'], 'artifacts/routers/demo/v1.json: -o: this is inside the artifacts folder artifacts, which only the tool writes (as new versions); choose a path outside it');
  await refused(dir, ['eval', 'd.jsonl', '--router', 'artifacts/routers/demo/v1.json', '-o', 'artifacts/routers/demo/v1.json'], 'artifacts/routers/demo/v1.json: -o: this is an input of the command (artifacts/routers/demo/v1.json); writing there would destroy it');
  await refused(dir, [...ev, '-o', 'artifacts/report.md'], 'artifacts/report.md: -o: this is inside the artifacts folder artifacts, which only the tool writes (as new versions); choose a path outside it');
  await refused(dir, [...ev, '--junit', 'folder'], 'folder: --junit: is a folder, expected a file');
  symlinkSync('/dev/null', join(dir, 'null.csv'));
  await refused(dir, [...ev, '-o', 'null.csv'], 'null.csv: -o: is not a regular file (a device, pipe or socket); name a file');
  await refused(dir, [...ev, '-o', 'afile/x.md'], `afile/x.md: -o: afile is a file, so nothing can be created under it`);
  await refused(dir, [...ev, '-o', 'r.html', '--junit', './r.html'], './r.html: --junit: the same file is also given to -o; each output needs its own file');
  await refused(dir, [...ev, '-o', 'x'.repeat(300) + '.md'], `${'x'.repeat(300)}.md: -o: the name is too long (a file name has at most 255 bytes, a path 4095)`);
  // An artifact anywhere (the bundled dataset, a router copied out of the store) is never replaced,
  // also by a command for which it is not an input: estimate reads the report, not its dataset.
  copyFileSync(join(dir, 'artifacts/routers/demo/v1.json'), join(dir, 'copy.json'));
  await refused(dir, [...ev, '-o', 'copy.json'], 'copy.json: -o: this file is a router artifact, which is never replaced; choose another path');
  assert.equal((await cli([...ev, '--target-share', '0.3'], dir)).code, 0);
  await refused(dir, ['estimate', '--eval', 'demo', '--volume', '1k/day', '-o', 'd.json'], 'd.json: -o: this file is a dataset artifact, which is never replaced; choose another path');
  writeFileSync(join(dir, 'q.csv'), 'query\nhello\n');
  await refused(dir, ['estimate', '--queries', 'q.csv', '-o', 'q.csv', '--volume', '1k/day', '--weak-share', '0.5', '--weak-model', 'gpt-4o-mini', '--strong-model', 'gpt-4o', '--output-tokens', '100'], 'q.csv: -o: this is an input of the command (q.csv); writing there would destroy it');
});

test('names and artifact folders are checked when the command starts', async () => {
  const dir = tempDir();
  copyFileSync(DEMO, join(dir, 'd.jsonl'));
  writeFileSync(join(dir, 'afile'), 'x');
  await refused(dir, ['train', 'd.jsonl', '--name', '../bad'], 'invalid artifact name "../bad": use letters, digits, ".", "_" and "-", starting with a letter or digit');
  await refused(dir, ['train', 'd.jsonl', '--artifacts', 'afile'], 'afile: --artifacts: is a file, expected a folder');
  await refused(dir, ['train', 'd.jsonl', '--artifacts', 'afile/sub'], 'afile/sub: --artifacts: afile is a file, so nothing can be created under it');
  await refused(dir, ['train', 'd.jsonl', '--artifacts', ''], '--artifacts is empty: name a folder (default: artifacts)');
  await refused(dir, ['eval', 'd.jsonl', '--router', 'x', '--artifacts', ''], '--artifacts is empty: name a folder (default: artifacts)');
  await refused(dir, ['train', 'd.jsonl', '--router', 'semantic', '--routes', 'nosuch.json'], 'nosuch.json: no such file');
  await refused(dir, ['train', 'd.jsonl', '--cache-dir', 'afile'], 'afile: --cache-dir: is a file, expected a folder');
  await refused(dir, ['train', 'd.jsonl', '--name', 'n'.repeat(201)], `invalid artifact name "${'n'.repeat(20)}…": at most 200 characters`);
});

test('eval writes its report, deployments and files all together: a failure at the last leaves nothing', async (t) => {
  const dir = await trainedDemo();
  const tiny = join(dir, 'tiny');
  mkdirSync(tiny);
  // A 32 KiB file system fills up while the JSON report with per-query results (~400 KiB) is written: ENOSPC at the last output.
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=32k', 'tmpfs', tiny]).status === 0;
  if (!mounted) {
    t.skip('cannot mount a tmpfs here (needs root)');
    return;
  }
  try {
    const r = await cli(['eval', 'd.jsonl', '--router', 'demo', '--target-share', '0.3', '--bootstrap', '0', '-o', 'ok.svg', '-o', 'tiny/report.json'], dir);
    assert.equal(r.stderr, 'router: tiny/report.json: cannot write: no space left on the device (ENOSPC)\n');
    assert.equal(r.code, 2);
    assert.deepEqual(readdirSync(tiny), [], 'no temp file left on the full disk');
    assert.equal(existsSync(join(dir, 'ok.svg')), false, 'the other output is not written either');
    assert.equal(existsSync(join(dir, 'artifacts/reports')) && readdirSync(join(dir, 'artifacts/reports/demo')).length > 0, false, 'the report version is removed');
    assert.equal(existsSync(join(dir, 'artifacts/deployments/demo/v1.json')), false, 'the deployment is removed');

    // The artifacts store itself on a full disk: exit 2 naming the folder, no temp file left.
    const full = await cli(['train', 'd.jsonl', '--name', 'big', '--artifacts', 'tiny'], dir);
    assert.match(full.stderr, /^router: tiny\/routers\/big\/v1\.json: cannot write: no space left on the device \(ENOSPC\)\n$/);
    assert.equal(full.code, 2);
    assert.deepEqual(readdirSync(join(tiny, 'routers', 'big')), []);
  } finally {
    spawnSync('umount', [tiny]);
  }
});

test('temp files of a killed write are swept by the next write; a live writer\'s are kept', async () => {
  const dir = await trainedDemo();
  const folder = join(dir, 'artifacts/routers/demo');
  // A pid far above pid_max is never alive.
  const dead = ['.99999999-deadbeef.tmp', '.tmp-99999999-0badf00d', '.report.html.99999999.tmp'];
  for (const f of dead) writeFileSync(join(folder, f), 'half a file');
  const mine = `.${process.pid}-cafebabe.tmp`;
  writeFileSync(join(folder, mine), 'in progress');
  assert.equal((await cli(['train', 'd.jsonl', '--name', 'demo', '--seed', '2'], dir)).code, 0);
  const left = readdirSync(folder).filter((f) => f.startsWith('.'));
  assert.deepEqual(left, [mine]);

  // The same sweep runs beside every exported file.
  mkdirSync(join(dir, 'out'));
  writeFileSync(join(dir, 'out', '.99999999-deadbeef.tmp'), 'x');
  assert.equal((await cli(['eval', 'd.jsonl', '--router', 'demo', '--bootstrap', '0', '-o', 'out/chart.svg'], dir)).code, 0);
  assert.deepEqual(readdirSync(join(dir, 'out')), ['chart.svg']);
});

test('WriteSet: commit renames every staged file; abort removes the temps and the versions it claimed', async () => {
  const dir = tempDir();
  const claimed = join(dir, 'v1.json');
  writeFileSync(claimed, '{}');
  const set = new WriteSet();
  set.claim(claimed);
  set.stage(join(dir, 'a.md'), 'a');
  writeFileSync(join(dir, 'plain'), '');
  assert.throws(() => set.stage(join(dir, 'plain', 'b.md'), 'b'), (e: Error) => /plain\/b\.md: cannot write: a part of the path is a file, not a folder \(ENOTDIR\)$/.test((e as any).describe()));
  set.abort();
  assert.deepEqual(readdirSync(dir), ['plain']);
  rmSync(join(dir, 'plain'));
  const ok = new WriteSet();
  ok.stage(join(dir, 'sub', 'x.txt'), 'x');
  assert.deepEqual(readdirSync(dir).filter((f) => !f.startsWith('.')), ['sub']);
  ok.commit();
  assert.deepEqual(readdirSync(join(dir, 'sub')), ['x.txt']);
  rmSync(dir, { recursive: true });
});

test('the CI gate: a gap limit checked at the point chosen for that gap is refused; the gates that can fail run', async () => {
  const dir = await trainedDemo();
  const ev = ['eval', 'd.jsonl', '--router', 'demo', '--bootstrap', '100'];
  const vacuous = (g: string) =>
    `--max-quality-gap ${g} would check the operating point chosen for being within that gap, so it always passes; add --min-cost-reduction X, gate a deployment on fresh data (--deployment REF), or compare the bootstrap bound (--gate-on bound)`;
  await refused(dir, [...ev, '--max-quality-gap', '0.05'], vacuous('0.05'));
  await refused(dir, [...ev, '--max-quality-gap', '0'], vacuous('0'));
  await refused(dir, [...ev, '--target-gap', '0.03', '--max-quality-gap', '0.05'], vacuous('0.05'));
  // Each of these can fail, so each runs (and reports its checks).
  for (const extra of [['--max-quality-gap', '0.05', '--gate-on', 'bound'], ['--target-gap', '0.1', '--max-quality-gap', '0.05'], ['--max-quality-gap', '0.05', '--min-cost-reduction', '1.1'], ['--target-share', '0.3', '--max-quality-gap', '0.05']]) {
    const r = await cli([...ev, ...extra, '--json'], dir);
    assert.ok(r.code === 0 || r.code === 1, `${extra.join(' ')}: ${r.stderr}`);
    assert.ok(JSON.parse(r.stdout).body.gate.checks.length > 0);
  }
  // --target-gap alone picks the operating point and writes a deployment, with no gate.
  const picked = await cli([...ev, '--target-gap', '0.02', '--json'], dir);
  assert.equal(picked.code, 0, picked.stderr);
  assert.equal(JSON.parse(picked.stdout).body.gate ?? null, null);
  assert.equal(JSON.parse(picked.stdout).deployments.length, 1);
});

test('every command names the exact version it read; re-running a finished command adds no version', async () => {
  const dir = await trainedDemo();
  assert.equal((await cli(['train', 'd.jsonl', '--name', 'demo', '--seed', '3'], dir)).code, 0);
  const first = await cli(['eval', 'd.jsonl', '--router', 'demo', '--bootstrap', '0'], dir);
  assert.equal(first.stderr, 'read router demo@2 (artifacts/routers/demo/v2.json)\n');
  assert.match(first.stdout, /Report written to artifacts\/reports\/demo\/v1\.json/);
  const again = await cli(['eval', 'd.jsonl', '--router', 'demo@2', '--bootstrap', '0'], dir);
  assert.match(again.stdout, /Report unchanged: identical to artifacts\/reports\/demo\/v1\.json/);
  assert.deepEqual(readdirSync(join(dir, 'artifacts/reports/demo')), ['v1.json']);
  const est = await cli(['estimate', '--eval', 'demo', '--volume', '1k/day'], dir);
  assert.equal(est.code, 0, est.stderr);
  assert.equal(est.stderr, 'read eval report demo@1 (artifacts/reports/demo/v1.json)\n');
});

test('a folder the user cannot write is refused at the start, as that user (EACCES)', (t) => {
  const runuser = '/usr/sbin/runuser';
  // nobody must be able to run the built binary (a checkout in a private temp folder is not reachable).
  if (process.getuid?.() !== 0 || !existsSync(runuser) || spawnSync(runuser, ['-u', 'nobody', '--', 'test', '-r', BIN]).status !== 0) {
    t.skip('needs root, runuser, and a checkout that the user nobody can read');
    return;
  }
  const dir = tempDir();
  chmodSync(dir, 0o755);
  copyFileSync(DEMO, join(dir, 'd.jsonl'));
  chmodSync(join(dir, 'd.jsonl'), 0o644);
  const asNobody = (args: string[]) => spawnSync(runuser, ['-u', 'nobody', '--', process.execPath, BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, HOME: '/tmp' } });
  const train = asNobody(['train', 'd.jsonl']);
  assert.equal(train.stderr, `router: artifacts: --artifacts: permission denied: cannot create files in ${dir}\n`);
  assert.equal(train.status, 2);
  const est = asNobody(['estimate', '--volume', '1k/day', '--weak-share', '0.5', '--tokens', '100', '--weak-price', '1', '--strong-price', '2', '--artifacts', '/tmp/router-nobody-artifacts', '-o', join(dir, 'x.md')]);
  assert.equal(est.stderr, `router: ${join(dir, 'x.md')}: -o: permission denied: cannot create files in ${dir}\n`);
  assert.equal(est.status, 2);
  assert.deepEqual(readdirSync(dir), ['d.jsonl']);
});
