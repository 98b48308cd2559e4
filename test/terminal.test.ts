import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO, runCli, tempDir, writeFile } from './helpers.ts';
import { startFakeLlmServer } from './fake-llm-server.ts';
import { hasScript, inTerminal, plain, screen, type TerminalRun } from './terminal.ts';

// The CLI on a real pseudo-terminal at 0, 1, 30 and 80 columns: no hang, no flood, every spinner
// gone before an error is printed, colour only where allowed, and SIGTERM ending each command at
// once. Each run has a deadline, so a hang fails here instead of stalling the suite.

const skip = !hasScript && 'needs util-linux script';
// The spinner's frames (braille dots: the tests' TERM is xterm-256color).
const FRAME = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

let shared: string | undefined;
/** A folder with a logistic and a knn router trained on the demo data, and 50,000 queries to route. */
function workspace(): string {
  if (shared) return shared;
  const dir = tempDir('router-term-');
  for (const [name, type] of [['demo', 'logistic'], ['slow', 'knn']]) {
    const r = runCli(['train', DEMO, '--name', name!, '--router', type!], dir);
    assert.equal(r.code, 0, r.stderr);
  }
  const rows = Array.from({ length: 50_000 }, (_, i) => `q${i},"Where is my order #${i}? It was due ${i % 30} days ago and the invoice INV-${i} was charged twice"`);
  writeFile(dir, 'many.csv', 'id,query\n' + rows.join('\n') + '\n');
  shared = dir;
  return dir;
}

/** The last line with text on it, as the person sees the screen when the command has ended. */
function lastLine(run: TerminalRun): string {
  return screen(run.raw).filter((l) => l.trim() !== '').at(-1) ?? '';
}

function assertEndedWithError(run: TerminalRun, message: RegExp, what: string): void {
  assert.equal(run.timedOut, false, `${what}: still running at the deadline:\n${plain(run.raw).slice(-500)}`);
  assert.equal(run.code, 2, `${what}:\n${plain(run.raw)}`);
  assert.match(lastLine(run), message, what);
  const after = run.raw.slice(run.raw.lastIndexOf('router: '));
  assert.doesNotMatch(after, FRAME, `${what}: a spinner frame after the error`);
}

test('route --router nosuch in a terminal: the error, then the prompt back (the spinner once spun forever)', { skip }, async () => {
  const dir = workspace();
  const run = await inTerminal(['route', '--router', 'nosuch', 'hi'], { cwd: dir, cols: 80, deadlineMs: 15_000 });
  assertEndedWithError(run, /^router: nosuch: no such file, and no router named "nosuch"/, 'route');
});

test('an error at any stage while a spinner runs clears the line and ends the process', { skip }, async () => {
  const dir = workspace();
  const cases: [string[], RegExp][] = [
    // Loading the router, inside route's progress.
    [['route', '--router', 'demo', '--embedder', 'use', 'hi'], /trained with embedder tfidf, not use/],
    // Opening a pretrained embedder, inside train's progress.
    [['train', DEMO, '--name', 'x', '--embedder', 'onnx:no-such-folder'], /no-such-folder/],
    // A router type that needs more than it was given, during training.
    [['train', DEMO, '--name', 'x', '--router', 'ensemble'], /ensemble router needs an embedder of two or more parts/],
    // Loading routers and reading the data, inside eval's progress.
    [['eval', DEMO, '--router', 'nosuch'], /no router named "nosuch"/],
    [['eval', 'missing.jsonl', '--router', 'demo'], /missing\.jsonl/],
  ];
  for (const [args, message] of cases) {
    const run = await inTerminal(args, { cwd: dir, cols: 80, deadlineMs: 20_000 });
    assertEndedWithError(run, message, args.join(' '));
  }
  assert.equal(existsSync(join(dir, 'artifacts/routers/x')), false, 'no router written by a failed train');
});

test('a 0-column terminal: no spinner, no flood, every command finishes (ora once wrote 436 MB in 10 minutes)', { skip }, async () => {
  const dir = workspace();
  for (const args of [['route', '--router', 'demo', 'How do I reset my password?'], ['eval', DEMO, '--router', 'demo', '--bootstrap', '100'], ['train', DEMO, '--name', 'zero'], ['route', '--router', 'nosuch', 'hi']]) {
    const run = await inTerminal(args, { cwd: dir, cols: 0, deadlineMs: 30_000 });
    assert.equal(run.timedOut, false, `${args[0]}: hung at 0 columns (${run.bytes} bytes written)`);
    assert.equal(run.code, args.includes('nosuch') ? 2 : 0, plain(run.raw).slice(-500));
    assert.ok(run.bytes < 20_000, `${args[0]}: ${run.bytes} bytes at 0 columns`);
    assert.doesNotMatch(run.raw, FRAME, `${args[0]}: spinner drawn at 0 columns`);
  }
});

test('a 0-column terminal during 2 s of training: a few bytes, then SIGTERM ends it', { skip }, async () => {
  const dir = workspace();
  const run = await inTerminal(['train', DEMO, '--name', 'mlp0', '--router', 'mlp'], { cwd: dir, cols: 0, kill: { when: /^/, afterMs: 2000 }, deadlineMs: 30_000 });
  assert.equal(run.timedOut, false);
  assert.equal(run.code, 128 + 15, 'ended by SIGTERM');
  assert.ok(run.bytes < 1000, `${run.bytes} bytes in 2 s`);
  assert.ok(run.killToExitMs! < 2000, `${Math.round(run.killToExitMs!)} ms from SIGTERM to exit`);
});

test('1 and 80 columns: tables render whole; the spinner shows only where it fits', { skip }, async () => {
  const dir = workspace();
  for (const cols of [1, 80]) {
    const route = await inTerminal(['route', '--router', 'demo', 'How do I reset my password?', 'Our webhook returns 502 since we rotated the secret'], { cwd: dir, cols, deadlineMs: 20_000 });
    assert.equal(route.code, 0, plain(route.raw));
    assert.match(plain(route.raw), /│ How do I reset my password\? +│ sim-(small|large) +│/);
    const evalRun = await inTerminal(['eval', DEMO, '--router', 'demo', '--bootstrap', '100'], { cwd: dir, cols, deadlineMs: 30_000 });
    assert.equal(evalRun.code, 0, plain(evalRun.raw).slice(-500));
    assert.match(plain(evalRun.raw), /Threshold sweep: demo/);
    const estimate = await inTerminal(['estimate', '--eval', 'demo', '--volume', '50k/day'], { cwd: dir, cols, deadlineMs: 20_000 });
    assert.equal(estimate.code, 0, plain(estimate.raw).slice(-500));
    const train = await inTerminal(['train', DEMO, '--name', `w${cols}`], { cwd: dir, cols, deadlineMs: 30_000 });
    assert.equal(train.code, 0, plain(train.raw).slice(-500));
    assert.match(plain(train.raw), /held-out/);
    if (cols === 1) for (const r of [route, evalRun, train]) assert.doesNotMatch(r.raw, FRAME, 'no spinner in one column');
    else assert.match(train.raw, FRAME, 'a spinner at 80 columns');
  }
});

test('a narrow terminal: each spinner line is cut to fit, one line, never wrapped', { skip }, async () => {
  const dir = workspace();
  const run = await inTerminal(['train', DEMO, '--name', 'narrow', '--router', 'knn', '--folds', '3'], { cwd: dir, cols: 30, deadlineMs: 30_000 });
  assert.equal(run.code, 0, plain(run.raw).slice(-500));
  // ora draws each frame after moving to column 1: the text up to the next escape is one frame.
  const drawn = run.raw.split('\x1b[1G').map((s) => plain(s.split('\x1b[?2026l')[0]!)).filter((s) => FRAME.test(s));
  assert.ok(drawn.length > 0, 'the spinner was drawn');
  for (const f of drawn) assert.ok([...f].length <= 29, `"${f}" is ${[...f].length} columns wide`);
  assert.ok(drawn.some((f) => f.endsWith('…')), `long stages are cut: ${drawn.join(' | ')}`);
  assert.doesNotMatch(run.raw, /\x1b\[\d*A/, 'never moves the cursor up');
});

test('NO_COLOR: no colour anywhere; TERM=dumb: no escape sequence at all; CI: no spinner', { skip }, async () => {
  const dir = workspace();
  const args = ['train', DEMO, '--name', 'colour'];
  const coloured = await inTerminal(args, { cwd: dir, cols: 80, deadlineMs: 30_000 });
  assert.match(coloured.raw, /\x1b\[36m[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/, 'the frame is coloured by default (so the checks below mean something)');
  const noColor = await inTerminal(args, { cwd: dir, cols: 80, env: { NO_COLOR: '1' }, deadlineMs: 30_000 });
  assert.equal(noColor.code, 0);
  assert.match(noColor.raw, FRAME, 'NO_COLOR keeps the spinner');
  assert.doesNotMatch(noColor.raw, /\x1b\[[0-9;]*m/, 'no SGR sequence under NO_COLOR');
  const dumb = await inTerminal(args, { cwd: dir, cols: 80, env: { TERM: 'dumb' }, deadlineMs: 30_000 });
  assert.equal(dumb.code, 0);
  assert.doesNotMatch(dumb.raw, /\x1b/, 'no escape sequence on a dumb terminal');
  assert.match(plain(dumb.raw), /Router (written to|unchanged: identical to)/);
  const ci = await inTerminal(args, { cwd: dir, cols: 80, env: { CI: 'true' }, deadlineMs: 30_000 });
  assert.equal(ci.code, 0);
  assert.doesNotMatch(ci.raw, FRAME, 'no spinner under CI, even on a terminal');
});

test('SIGTERM ends train, eval and route at once, in the middle of their work', { skip }, async () => {
  const dir = workspace();
  const cases: [string, string[], RegExp][] = [
    // A knn fit and an mlp fit are synchronous: a JavaScript SIGTERM handler would wait for them (it did: 10 s, then wrote the router).
    ['train', ['train', DEMO, '--name', 'killed', '--router', 'mlp'], /tuning mlp/],
    ['eval', ['eval', DEMO, '--router', 'demo', '--bootstrap', '200000'], /evaluating demo on/],
    ['route', ['route', '--router', 'slow', '--file', 'many.csv', '--json'], /routing 50,000 queries/],
  ];
  for (const [name, args, when] of cases) {
    const run = await inTerminal(args, { cwd: dir, cols: 80, kill: { when, afterMs: 300 }, deadlineMs: 60_000 });
    assert.equal(run.timedOut, false, `${name}: not ended`);
    assert.equal(run.code, 128 + 15, `${name}: ended by SIGTERM, not by finishing:\n${plain(run.raw).slice(-300)}`);
    assert.ok(run.killToExitMs! < 1500, `${name}: ${Math.round(run.killToExitMs!)} ms from SIGTERM to exit`);
  }
  assert.equal(existsSync(join(dir, 'artifacts/routers/killed')), false, 'a killed train writes no router');
});

test('label: a failing API under the progress line ends the line and the process', { skip }, async () => {
  const dir = workspace();
  writeFile(dir, 'q.csv', 'id,query\n' + Array.from({ length: 20 }, (_, i) => `q${i},question ${i}`).join('\n') + '\n');
  const server = await startFakeLlmServer({ requireKey: 'another-key' });
  try {
    const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.openaiBaseURL };
    for (const cols of [80, 0]) {
      const run = await inTerminal(['label', 'q.csv', '--weak', 'openai:fake-weak', '--strong', 'openai:fake-strong', '--judge', 'openai:fake-judge', '--yes', '--no-cache'], { cwd: dir, cols, env, deadlineMs: 30_000 });
      assertEndedWithError(run, /^router: openai:fake-weak cannot answer \(401/, `label at ${cols} columns`);
    }
  } finally {
    await server.close();
  }
});

test('label in a terminal shows the estimate and asks before spending: no spends nothing, yes labels', { skip }, async () => {
  const dir = workspace();
  writeFile(dir, 'ask.csv', 'id,query\n' + Array.from({ length: 4 }, (_, i) => `q${i},question ${i}`).join('\n') + '\n');
  const server = await startFakeLlmServer();
  try {
    const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.openaiBaseURL };
    const args = ['label', 'ask.csv', '--weak', 'openai:fake-weak', '--strong', 'openai:fake-strong', '--judge', 'openai:fake-judge', '--no-cache'];
    const no = await inTerminal(args, { cwd: dir, cols: 200, env, type: { when: /Make 16 calls\?/, keys: 'n\r' }, deadlineMs: 30_000 });
    assert.equal(no.timedOut, false, plain(no.raw).slice(-300));
    assert.match(plain(no.raw), /^4 queries to label: 16 calls to make\./m, 'the estimate comes before the question');
    assert.match(plain(no.raw), /router: cancelled; nothing was spent\n/);
    assert.equal(no.code, 2);
    assert.equal(server.requests.length, 0);

    const yes = await inTerminal(args, { cwd: dir, cols: 200, env, type: { when: /Make 16 calls\?/, keys: 'y\r' }, deadlineMs: 30_000 });
    assert.equal(yes.code, 0, plain(yes.raw).slice(-300));
    assert.match(plain(yes.raw), /Labelled 4 of 4 queries/);
  } finally {
    await server.close();
  }
});

test('SIGTERM ends label while calls are in flight, and estimate at a question', { skip }, async () => {
  const dir = workspace();
  writeFile(dir, 'q.csv', 'id,query\n' + Array.from({ length: 20 }, (_, i) => `q${i},question ${i}`).join('\n') + '\n');
  const server = await startFakeLlmServer({ fault: () => ({ kind: 'hang' }) });
  try {
    const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.openaiBaseURL };
    const label = await inTerminal(['label', 'q.csv', '--weak', 'openai:fake-weak', '--strong', 'openai:fake-strong', '--judge', 'openai:fake-judge', '--yes', '--no-cache'], {
      cwd: dir, cols: 80, env, kill: { when: /labelling/, afterMs: 500 }, deadlineMs: 30_000,
    });
    assert.equal(label.timedOut, false, `label: not ended:\n${plain(label.raw).slice(-300)}`);
    assert.equal(label.code, 128 + 15, plain(label.raw).slice(-300));
    assert.ok(label.killToExitMs! < 1500, `label: ${Math.round(label.killToExitMs!)} ms from SIGTERM to exit`);
  } finally {
    await server.close();
  }
  const estimate = await inTerminal(['estimate'], { cwd: dir, cols: 80, kill: { when: /\?/, afterMs: 300 }, deadlineMs: 30_000 });
  assert.equal(estimate.timedOut, false);
  assert.equal(estimate.code, 128 + 15);
  assert.ok(estimate.killToExitMs! < 1500, `estimate: ${Math.round(estimate.killToExitMs!)} ms`);
});

test('Ctrl-C (SIGINT) still ends training at once: the spinner takes no signal', { skip }, async () => {
  const dir = workspace();
  const run = await inTerminal(['train', DEMO, '--name', 'interrupted', '--router', 'mlp'], { cwd: dir, cols: 80, kill: { when: /tuning mlp/, signal: 'SIGINT', afterMs: 300 }, deadlineMs: 60_000 });
  assert.equal(run.timedOut, false);
  assert.equal(run.code, 128 + 2);
  assert.ok(run.killToExitMs! < 1500, `${Math.round(run.killToExitMs!)} ms from SIGINT to exit`);
});

test('80 columns: eval fits the screen and names --wide; --wide --no-color prints every column without escape codes', { skip }, async () => {
  const dir = workspace();
  const fitted = await inTerminal(['eval', DEMO, '--router', 'demo', '--bootstrap', '50'], { cwd: dir, cols: 80, deadlineMs: 30_000 });
  assert.equal(fitted.code, 0, plain(fitted.raw).slice(-500));
  const lines = screen(fitted.raw);
  for (const l of lines) assert.ok([...l].length <= 80, `${[...l].length} columns: "${l}"`);
  assert.match(lines.join('\n'), /\(hidden to fit 80 columns: p50 ms, p95 ms; --wide shows them\)/);
  assert.match(fitted.raw, /\x1b\[1mThreshold sweep: demo/, 'headings are bold on a terminal');
  const wide = await inTerminal(['eval', DEMO, '--router', 'demo', '--bootstrap', '50', '--wide', '--no-color'], { cwd: dir, cols: 80, deadlineMs: 30_000 });
  assert.equal(wide.code, 0, plain(wide.raw).slice(-500));
  assert.match(plain(wide.raw), /│ p50 ms │ p95 ms │/);
  assert.ok(screen(wide.raw).some((l) => [...l].length > 80), 'wider than the terminal, as asked');
  assert.doesNotMatch(wide.raw, /\x1b\[[0-9;]*m/, 'no SGR sequence with --no-color, the spinner\'s frame included');
});
