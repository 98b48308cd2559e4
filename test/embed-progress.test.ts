import { test } from 'node:test';
import assert from 'node:assert/strict';
import { embedCached, type EmbedSource } from '../src/embed/cache.ts';
import { denseFromRows } from '../src/embed/dense.ts';
import { EventEmitter } from 'node:events';
import { withProgress } from '../src/ui/progress.ts';

// A local model (USE on tfjs, an ONNX session) does its work synchronously and resolves at once,
// so an embedding loop that only awaits it never lets a timer run: the spinner sat at
// `0/1,821` for 12 minutes. A fake embedder that blocks like one shows the loop yields.

/** Blocks the thread for `ms` per batch, then resolves without ever leaving the microtask queue. */
function slowEmbedder(ms: number, batchSize: number): EmbedSource & { batches: number } {
  const source = {
    batchSize,
    batches: 0,
    async embedBatch(texts: string[]) {
      const until = performance.now() + ms;
      while (performance.now() < until) {
        // busy, like a tfjs CPU kernel
      }
      source.batches++;
      return denseFromRows(texts.map((t) => [t.length, 1]));
    },
  };
  return source;
}

test('embedding yields to the event loop between batches: progress is reported and timers tick', async () => {
  const source = slowEmbedder(40, 4);
  const texts = Array.from({ length: 24 }, (_, i) => `text number ${i}`);
  const progress: [number, number][] = [];
  // What the spinner's timer sees: each tick records how many batches were done by then.
  const ticks: number[] = [];
  const timer = setInterval(() => ticks.push(source.batches), 5);
  try {
    await embedCached(source, texts, null, (done, total) => progress.push([done, total]));
  } finally {
    clearInterval(timer);
  }
  assert.deepEqual(progress, [[0, 24], [4, 24], [8, 24], [12, 24], [16, 24], [20, 24], [24, 24]]);
  const between = new Set(ticks.filter((b) => b > 0 && b < 6));
  assert.ok(between.size >= 4, `the timer ran between batches (after batches ${[...between].join(', ')}; ticks ${ticks.length})`);
});

test('the progress line moves while a slow embedder works', async () => {
  const written: string[] = [];
  const terminal = Object.assign(new EventEmitter(), {
    isTTY: true,
    columns: 80,
    rows: 24,
    write: (s: string) => (written.push(String(s)), true),
    cursorTo: () => true,
    moveCursor: () => true,
    clearLine: () => true,
    hasColors: () => false,
  });
  const source = slowEmbedder(90, 4);
  const texts = Array.from({ length: 24 }, (_, i) => `text number ${i}`);
  await withProgress('training', (p) => embedCached(source, texts, null, (d, t) => p.embed('slow', d, t)), { stream: terminal as unknown as NodeJS.WriteStream, env: { TERM: 'xterm' } });
  const shown = written.filter((w) => w.includes('embedding with slow'));
  for (const n of ['4/24', '8/24', '12/24', '16/24', '20/24']) assert.ok(shown.some((w) => w.includes(` ${n}`)), `${n} was drawn: ${shown.join(' | ')}`);
});
