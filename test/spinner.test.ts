import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { WriteStream } from 'node:tty';
import { fitLine, MIN_COLUMNS, openSpinner, spinnerWanted, stopSpinners } from '../src/ui/spinner.ts';
import { withProgress } from '../src/ui/progress.ts';
import { onInterrupt } from '../src/cli/signals.ts';
import { ROOT } from './helpers.ts';

// The spinner on a fake terminal: what it writes at each width, with and without colour, and
// that it never outlives its work or takes a signal from the process.

const TERM = { TERM: 'xterm-256color' };

/** A terminal stream that records what is written, with cursor moves as their escape codes. */
class FakeTerminal extends EventEmitter {
  isTTY = true;
  rows = 24;
  writes: string[] = [];
  constructor(public columns: number) {
    super();
  }
  write(chunk: string | Uint8Array, encoding?: unknown, cb?: () => void): boolean {
    this.writes.push(String(chunk));
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') done();
    return true;
  }
  cursorTo(x: number): boolean {
    return this.write(`\x1b[${x + 1}G`);
  }
  moveCursor(dx: number, dy: number): boolean {
    return this.write(dy < 0 ? `\x1b[${-dy}A` : '');
  }
  clearLine(): boolean {
    return this.write('\x1b[0K');
  }
  hasColors(count?: number | object, env?: object): boolean {
    return WriteStream.prototype.hasColors.call(this, count as number, env as NodeJS.ProcessEnv);
  }
  resize(columns: number): void {
    this.columns = columns;
    this.emit('resize');
  }
  get text(): string {
    return this.writes.join('');
  }
}

const asStream = (t: FakeTerminal) => t as unknown as NodeJS.WriteStream;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// eslint-disable-next-line no-control-regex
const strip = (s: string) => s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '');

/** The lines the spinner drew: ora writes each frame in one call, cursor moves in others. */
function frames(t: FakeTerminal): string[] {
  return t.writes.map(strip).filter((w) => w !== '');
}

test('fitLine keeps a status on one line of the width it is given', () => {
  assert.equal(fitLine('embedding 12/40', 40), 'embedding 12/40');
  assert.equal(fitLine('abcdefghij', 5), 'abc…');
  assert.equal(fitLine('two\nlines\tand\x1b[31m red', 80), 'two lines and red');
  // Wide characters count two columns, so the cut never wraps.
  const wide = fitLine('日本語のテキストです', 9);
  assert.ok([...wide].reduce((w, ch) => w + (ch.charCodeAt(0) < 0x7f ? 1 : 2), 0) <= 9, wide);
  assert.equal(fitLine('anything', 0), '…');
});

test('a spinner needs a terminal that can move the cursor, outside CI', () => {
  const tty = asStream(new FakeTerminal(80));
  assert.equal(spinnerWanted(tty, TERM), true);
  assert.equal(spinnerWanted(tty, { ...TERM, CI: 'true' }), false);
  assert.equal(spinnerWanted(tty, { ...TERM, CI: 'false' }), true);
  assert.equal(spinnerWanted(tty, { ...TERM, CI: '' }), true);
  assert.equal(spinnerWanted(tty, { TERM: 'dumb' }), false);
  assert.equal(spinnerWanted({ isTTY: false } as NodeJS.WriteStream, TERM), false);
});

test('at 0 columns, and below the minimum, the spinner writes nothing at all', async () => {
  for (const cols of [0, 1, MIN_COLUMNS - 1]) {
    const t = new FakeTerminal(cols);
    const s = await openSpinner({ stream: asStream(t), env: TERM });
    s.show('embedding with use: 0/1,821');
    await sleep(250);
    s.show('embedding with use: 32/1,821');
    s.stop();
    assert.deepEqual(t.writes, [], `${cols} columns`);
  }
});

test('at 80 columns every frame is one line that fits, however long the text', async () => {
  const t = new FakeTerminal(80);
  const s = await openSpinner({ stream: asStream(t), env: TERM });
  s.show('x'.repeat(500));
  await sleep(250);
  s.stop();
  const drawn = frames(t);
  assert.ok(drawn.length >= 2, `the spinner ticked: ${drawn.length} frames`);
  // The last column stays empty, so the cursor never wraps to a line the spinner would not clear.
  for (const f of drawn) assert.ok([...f].length <= 79, `frame of ${[...f].length} columns`);
  assert.ok(drawn[0]!.endsWith('…'));
  assert.ok(!t.text.includes('\x1b[1A'), 'never moves up a line: nothing above the spinner is erased');
  assert.ok(t.text.endsWith('\x1b[1G\x1b[0K'), 'the line is cleared at the end');
});

test('a terminal resized below the minimum stops the spinner, and a wide one brings it back', async () => {
  const t = new FakeTerminal(80);
  const s = await openSpinner({ stream: asStream(t), env: TERM });
  s.show('training');
  await sleep(100);
  t.resize(0);
  const at = t.writes.length;
  await sleep(250);
  s.show('still training');
  assert.equal(t.writes.length, at, 'nothing written at 0 columns');
  t.resize(40);
  assert.ok(t.writes.length > at, 'drawn again');
  s.stop();
  const after = t.writes.length;
  await sleep(150);
  assert.equal(t.writes.length, after, 'nothing after stop');
});

test('the frame is coloured only when stderr may have colour (NO_COLOR, FORCE_COLOR, TERM=dumb)', async () => {
  const draw = async (env: NodeJS.ProcessEnv) => {
    const t = new FakeTerminal(80);
    const s = await openSpinner({ stream: asStream(t), env });
    s.show('scoring');
    s.stop();
    return t.text;
  };
  assert.match(await draw({ ...TERM }), /\x1b\[36m/);
  assert.doesNotMatch(await draw({ ...TERM, NO_COLOR: '1' }), /\x1b\[3\dm/);
  assert.doesNotMatch(await draw({ TERM: 'xterm', NO_COLOR: '1', FORCE_COLOR: '0' }), /\x1b\[3\dm/);
  assert.equal(await draw({ TERM: 'dumb' }), '', 'no spinner on a dumb terminal');
});

test('a running spinner listens to no signal, so SIGTERM and Ctrl-C end the process at once', async () => {
  const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT'), hup: process.listenerCount('SIGHUP') };
  const s = await openSpinner({ stream: asStream(new FakeTerminal(80)), env: TERM });
  s.show('fitting');
  assert.deepEqual({ term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT'), hup: process.listenerCount('SIGHUP') }, before);
  s.stop();
});

test('withProgress ends the spinner when the work fails', async () => {
  const t = new FakeTerminal(80);
  await assert.rejects(
    withProgress('loading', async (p) => {
      p.embed('use', 0, 100);
      await sleep(120);
      throw new Error('no such router');
    }, { stream: asStream(t), env: TERM }),
    /no such router/,
  );
  assert.ok(t.text.endsWith('\x1b[1G\x1b[0K'), 'line cleared');
  const n = t.writes.length;
  await sleep(200);
  assert.equal(t.writes.length, n, 'no frame after the failure');
});

test('stopSpinners ends every spinner still running (the CLI calls it before any error message)', async () => {
  const a = new FakeTerminal(80);
  const b = new FakeTerminal(80);
  (await openSpinner({ stream: asStream(a), env: TERM })).show('one');
  (await openSpinner({ stream: asStream(b), env: TERM })).show('two');
  stopSpinners();
  const counts = [a.writes.length, b.writes.length];
  await sleep(200);
  assert.deepEqual([a.writes.length, b.writes.length], counts);
});

test('onInterrupt takes Ctrl-C over, counts them, and gives it back', () => {
  const before = process.listenerCount('SIGINT');
  const seen: number[] = [];
  const release = onInterrupt((n) => seen.push(n));
  assert.equal(process.listenerCount('SIGINT'), before + 1);
  process.emit('SIGINT', 'SIGINT');
  process.emit('SIGINT', 'SIGINT');
  assert.deepEqual(seen, [1, 2]);
  release();
  assert.equal(process.listenerCount('SIGINT'), before);
  assert.equal(process.listenerCount('SIGTERM'), 0, 'nothing listens to SIGTERM');
});

test('one spinner helper: only src/ui/spinner.ts loads ora, and no source file but serve\'s signal helper listens to SIGTERM', () => {
  const files = (readdirSync(join(ROOT, 'src'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(ROOT, 'src', f));
  const ora = files.filter((f) => /from 'ora'|import\('ora'\)/.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f));
  assert.deepEqual(ora, ['src/ui/spinner.ts']);
  const sigterm = files.filter((f) => /\.(on|once|addListener|prependListener)\(\s*'SIGTERM'/.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f));
  // `router serve` drains on SIGTERM (src/cli/signals.ts onServeSignals); no other command may catch it.
  assert.deepEqual(sigterm, ['src/cli/signals.ts']);
});
