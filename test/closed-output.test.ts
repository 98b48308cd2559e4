import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { BIN, DEMO, tempDir, writeFile } from './helpers.ts';
import { cli } from './cli.ts';

// A reader that goes away (`router ... | head`) closes the pipe under the next write. The process
// ends as it would have, with its own exit code and no EPIPE stack trace.

interface Closed {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with stdout and/or stderr closed by the reader before anything is written. */
function withClosed(args: string[], cwd: string, close: ('stdout' | 'stderr')[]): Promise<Closed> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  for (const name of ['stdout', 'stderr'] as const) {
    if (close.includes(name)) child[name].destroy();
    else child[name].on('data', (d) => (name === 'stdout' ? (stdout += d) : (stderr += d)));
  }
  const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(deadline);
      resolve({ code: code ?? -1, stdout, stderr });
    }),
  );
}

let shared: string | undefined;
/** One trained demo router (trained in-process; the tests below are about the binary's pipes). */
async function trained(): Promise<string> {
  if (shared) return shared;
  const dir = tempDir('router-pipe-');
  const r = await cli(['train', DEMO, '--name', 'demo'], dir);
  assert.equal(r.code, 0, r.stderr);
  shared = dir;
  return dir;
}

test('a closed stdout: --help, route and eval end quietly with their own exit codes', async () => {
  const dir = await trained();
  for (const [args, code] of [
    [['--help'], 0],
    [['route', '--router', 'demo', 'How do I reset my password?'], 0],
    [['eval', DEMO, '--router', 'demo', '--bootstrap', '100'], 0],
    // The gate's verdict still reaches CI when the report has nowhere to go.
    [['eval', DEMO, '--router', 'demo', '--bootstrap', '100', '--min-apgr', '0.99'], 1],
  ] as [string[], number][]) {
    const r = await withClosed(args, dir, ['stdout']);
    assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|at .*\.js/, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    if (code === 1) assert.match(r.stderr, /^router: gate failed: /m);
  }
});

test('a closed stderr: an error still exits 2; with both closed, train still succeeds', async () => {
  const dir = await trained();
  const error = await withClosed(['route', '--router', 'nosuch', 'hi'], dir, ['stderr']);
  assert.equal(error.code, 2);
  const both = await withClosed(['train', DEMO, '--name', 'again', '--holdout', '0.999'], dir, ['stdout', 'stderr']);
  assert.equal(both.code, 0);
});

test('router route --json | head -1 over a large output: one line, no stack trace', async () => {
  const dir = await trained();
  writeFile(dir, 'q.csv', 'id,query\n' + Array.from({ length: 3000 }, (_, i) => `q${i},where is order ${i}`).join('\n') + '\n');
  const r = spawnSync('bash', ['-c', `'${process.execPath}' '${BIN}' route --router demo --file q.csv --json | head -1; echo "exit \${PIPESTATUS[0]}" >&2`], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.stdout, '{\n');
  assert.equal(r.stderr, 'read router demo@1 (artifacts/routers/demo/v1.json)\nexit 0\n');
});
