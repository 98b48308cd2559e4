import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonArtifact } from '../src/artifacts/store.ts';
import { BIN, runCli, tempDir } from './helpers.ts';
import { ladderCsv } from './ladder.ts';

// `router estimate` in a terminal: it asks for what is missing and prints the command line that
// gives the same estimate. util-linux `script` gives the process a pseudo-terminal; the test types
// into it once each question has appeared. Skipped where `script` is not installed.

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const DOWN = '\x1b[B';
const ENTER = '\r';

interface Session {
  code: number;
  /** Everything the terminal showed, escape sequences removed. */
  screen: string;
}

/** Runs `router estimate ARGS` on a pseudo-terminal, answering each question when its text appears. */
async function inTerminal(args: string[], cwd: string, answers: [RegExp, string][], env: Record<string, string> = {}): Promise<Session> {
  const command = [process.execPath, BIN, 'estimate', ...args].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, CI: '', NO_COLOR: '1', ...env } });
  let raw = '';
  child.stdout.on('data', (d) => (raw += d));
  child.stderr.on('data', (d) => (raw += d));
  const closed = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  const plain = () => raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  let seen = 0;
  for (const [question, keys] of answers) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const rest = plain().slice(seen);
      const m = question.exec(rest);
      if (m) {
        seen += m.index + m[0].length;
        break;
      }
      if (Date.now() > deadline) {
        child.kill();
        assert.fail(`no question matching ${question} on the terminal:\n${plain()}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    child.stdin.write(keys);
  }
  const code = await closed;
  return { code, screen: plain() };
}

function reproduced(screen: string): string[] {
  const m = /To get this estimate again without questions:\s+router estimate ([^\r\n]+)/.exec(screen);
  assert.ok(m, `no command line printed:\n${screen}`);
  return m[1]!.trim().split(' ');
}

test('in a terminal it asks for every missing input, and prints the command line that reproduces the estimate', { skip: !hasScript && 'needs util-linux script' }, async () => {
  const dir = tempDir();
  const s = await inTerminal([], dir, [
    [/Query volume/, `2000000/day${ENTER}`],
    [/come from\?/, ENTER], // "I will type it"
    [/Share of queries the router sends to the weak model/, `0.6${ENTER}`],
    [/Weak \(cheap\) model/, ENTER], // the default, openai:gpt-4o-mini
    [/Strong \(expensive\) model/, `${DOWN}${ENTER}`], // one below the default openai:gpt-4o
    [/Input tokens per query/, `800${ENTER}`],
    [/Output tokens per query/, ENTER], // default 250
  ]);
  assert.equal(s.code, 0, s.screen);
  const args = reproduced(s.screen);
  assert.deepEqual(args, ['--volume', '2000000/day', '--weak-share', '0.6', '--weak-model', 'openai:gpt-4o-mini', '--strong-model', 'openai:gpt-4.1', '--input-tokens', '800', '--output-tokens', '250']);
  assert.match(s.screen, /Estimate written to artifacts\/estimates\/estimate\/v1\.json/);

  // The printed command, run without a terminal, asks nothing and gives the same estimate byte for byte.
  const again = runCli(['estimate', ...args, '--json'], dir);
  assert.equal(again.code, 0, again.stderr);
  const first = JSON.parse(readFileSync(join(dir, 'artifacts/estimates/estimate/v1.json'), 'utf8'));
  assert.equal(JSON.parse(again.stdout).contentHash, first.contentHash);
  // 60M queries; gpt-4o-mini 800 x 0.15 + 250 x 0.6 = $0.00027; gpt-4.1 800 x 2 + 250 x 8 = $0.0036 (genai-prices 0.1.8).
  const p = first.body.projection;
  assert.ok(Math.abs(p.alwaysStrong - 60e6 * 0.0036) < 1e-6, String(p.alwaysStrong));
  assert.ok(Math.abs(p.routed - 60e6 * (0.43 * 0.0036 + 0.57 * 0.00027)) < 1e-6, String(p.routed));
});

test('in a terminal the weak share can come from an eval report, whose costs need no more questions', { skip: !hasScript && 'needs util-linux script' }, async () => {
  const dir = tempDir();
  writeJsonArtifact(
    'eval-report',
    {
      pair: { weak: 'small', strong: 'large' },
      costUnit: 'usd',
      usage: { small: { meanCost: 0.0004 }, large: { meanCost: 0.0075 } },
      routers: [{ name: 'lr', operatingPoint: { point: { threshold: 0.5, strongShare: 0.3, qualityGap: 0.04 } } }],
    },
    [],
    { root: join(dir, 'artifacts'), name: 'rep' },
  );
  const s = await inTerminal(['--monitoring', '0'], dir, [
    [/Query volume/, ENTER], // default 100k/day
    [/come from\?/, `${DOWN}${ENTER}`], // an eval report
    [/Which eval report\?/, `${DOWN}${ENTER}`], // the existing ones (rep), then "another"
    [/Eval report \(a file, NAME or NAME@VERSION\)/, `nope${ENTER}`],
    [/no eval-report named "nope" \(known: rep\)/, `\x15rep${ENTER}`], // Ctrl-U clears the rejected answer
  ]);
  assert.equal(s.code, 0, s.screen);
  assert.deepEqual(reproduced(s.screen), ['--volume', '100000/day', '--eval', 'rep', '--monitoring', '0']);
  assert.match(s.screen, /routed\s+│\s+30\.0% │\s+\$7,590 │/); // 3M x (0.3 x 0.0075 + 0.7 x 0.0004)
});

test('under CI=true it never prompts, even on a terminal', { skip: !hasScript && 'needs util-linux script' }, async () => {
  const s = await inTerminal([], tempDir(), [], { CI: 'true' });
  assert.equal(s.code, 2);
  assert.match(s.screen, /^router: missing --volume: the query volume, e\.g\. --volume 50k\/day or --volume 30M\/month\s*$/);
});

test('in a terminal an eval report over three models answers for the traffic mix: the estimate is over all three', { skip: !hasScript && 'needs util-linux script' }, async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'ladder.csv'), ladderCsv());
  assert.equal(runCli(['train', 'ladder.csv', '--name', 'ladder'], dir).code, 0);
  const evaluated = runCli(['eval', 'ladder.csv', '--router', 'ladder', '--bootstrap', '0', '--name', 'ladder'], dir);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const s = await inTerminal([], dir, [
    [/Query volume/, ENTER], // default 100k/day
    [/traffic mix \(which model gets how many queries\) come from\?/, `${DOWN}${ENTER}`], // an eval report
    [/Which eval report\?/, ENTER], // the one there is
  ]);
  assert.equal(s.code, 0, s.screen);
  assert.deepEqual(reproduced(s.screen), ['--volume', '100000/day', '--eval', 'ladder']);
  assert.match(s.screen, /tiny/);
  assert.match(s.screen, /mid/);
  assert.match(s.screen, /routing 3,000,000 queries over 3 models, against \$[\d,]+ always big/);
});
