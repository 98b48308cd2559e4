import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { runTrain, renderTrain, runEval, renderEval, runEstimate, renderEstimate, runRoute, renderRoute, runLabel, renderLabel } from '../src/index.ts';
import type { Rendered } from '../src/cli/rendered.ts';
import type { EvalResult, MultiEvalResult } from '../src/cli/commands/eval.ts';
import { renderEvalHtml, renderEvalMarkdown, sliceOrder } from '../src/ui/render-eval.ts';
import { multiQualityCostSvg, qualityCostSvg } from '../src/ui/svg-chart.ts';
import { terminalChart } from '../src/ui/chart-terminal.ts';
import { fitColumns, renderTable } from '../src/ui/table.ts';
import { layOut, streamLayout, wrapLine } from '../src/ui/layout.ts';
import { cli } from './cli.ts';
import { DEMO, ROOT, tempDir, writeFile } from './helpers.ts';

// Human output fits the terminal it is printed on: every line of every command's text within
// the width (columns measured as a terminal draws them), columns left out with a note naming
// --wide, prose wrapped at word boundaries, and colour only where the layout allows it.

// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/;

function assertFits(text: string, width: number, what: string): void {
  for (const line of text.split('\n')) assert.ok(stringWidth(line) <= width, `${what} at ${width} columns: ${stringWidth(line)} wide: "${line}"`);
}

const QUERIES = ['How do I reset my password?', 'Our webhook endpoint started returning 502 after we rotated the signing secret, and invoices INV-2231 and INV-2240 were both charged twice. Can you reconcile and refund?'];

type Results = { name: string; render: (view: object) => Rendered }[] & { evalPair?: EvalResult; evalN?: MultiEvalResult };
let shared: Promise<Results> | undefined;
/** Every command's result on the demo data, pair and three models, with its render. */
function results(): Promise<Results> {
  shared ??= (async () => {
    const artifacts = tempDir('router-fit-');
    const train = await runTrain({ data: DEMO, name: 'demo', artifacts });
    const trainN = await runTrain({ data: DEMO, name: 'ladder', models: ['sim-small', 'sim-medium', 'sim-large'], artifacts });
    const evalPair = await runEval({ data: DEMO, router: ['demo'], artifacts, bootstrap: 50, by: 'category' });
    const evalN = await runEval({ data: DEMO, router: ['ladder'], artifacts, bootstrap: 50 });
    const estimate = await runEstimate({ eval: 'demo', volume: { count: 50_000, per: 'day' }, artifacts, name: 'fit' });
    const estimateN = await runEstimate({ eval: 'ladder', volume: { count: 50_000, per: 'day' }, artifacts, name: 'fit-n' });
    const route = await runRoute({ router: 'demo', queries: QUERIES, artifacts });
    const routeN = await runRoute({ router: 'ladder', queries: QUERIES, artifacts });
    const csv = writeFile(artifacts, 'q.csv', 'id,query\n1,hello there\n2,how do I reset my password\n');
    const label = await runLabel(
      { queries: csv, weak: 'openai:gpt-4o-mini', strong: 'anthropic:claude-opus-4-1', judge: 'openai:gpt-4o', dryRun: true, artifacts, cache: join(artifacts, 'cache') },
      { env: { OPENAI_API_KEY: 'sk-test', ANTHROPIC_API_KEY: 'sk-test' } },
    );
    const all: Results = [
      { name: 'train', render: (v) => renderTrain(train, v) },
      { name: 'train over 3 models', render: (v) => renderTrain(trainN, v) },
      { name: 'eval', render: (v) => renderEval(evalPair, v) },
      { name: 'eval over 3 models', render: (v) => renderEval(evalN, v) },
      { name: 'estimate', render: (v) => renderEstimate(estimate, v) },
      { name: 'estimate over 3 models', render: (v) => renderEstimate(estimateN, v) },
      { name: 'route', render: (v) => renderRoute(route, v) },
      { name: 'route over 3 models', render: (v) => renderRoute(routeN, v) },
      { name: 'label --dry-run', render: (v) => renderLabel(label, v) },
    ];
    all.evalPair = evalPair as EvalResult;
    all.evalN = evalN as MultiEvalResult;
    return all;
  })();
  return shared;
}

test('every command\'s text fits 80, 60 and 200 columns; with no width it is whole', async () => {
  for (const { name, render } of await results()) {
    for (const width of [80, 60, 200]) assertFits(render({ width }).stdout, width, name);
    const whole = render({}).stdout;
    assert.doesNotMatch(whole, /--wide shows them/, `${name}: no width, nothing hidden`);
  }
});

test('columns left out are named with --wide; --wide keeps every column', async () => {
  const evalRun = (await results()).find((r) => r.name === 'eval')!;
  const at80 = evalRun.render({ width: 80 }).stdout;
  assert.match(at80, /\(hidden to fit 80 columns: p50 ms, p95 ms; --wide shows them\)/);
  assert.doesNotMatch(at80, /p95 ms │/);
  const wide = evalRun.render({ width: 80, wide: true }).stdout;
  assert.doesNotMatch(wide, /hidden to fit/);
  assert.match(wide, /│ threshold │ strong share │ quality │ quality gap │ \$\/1k queries │ cost reduction │ +PGR │ p50 ms │ p95 ms │/);
  assert.equal(wide, evalRun.render({}).stdout, '--wide is the whole output, as a pipe gets it');
});

test('operating points and notes wrap at word boundaries, continuation lines indented', async () => {
  const evalRun = (await results()).find((r) => r.name === 'eval')!;
  const lines = evalRun.render({ width: 60 }).stdout.split('\n');
  const start = lines.findIndex((l) => /^demo \(cheapest with quality gap <= 5\.0%\): threshold/.test(l));
  assert.ok(start >= 0, lines.join('\n'));
  assert.match(lines[start + 1]!, /^ {2}\S/, 'the operating point goes on, indented');
  // No word is cut: joined back, the wrapped lines are the unwrapped one.
  const whole = evalRun.render({}).stdout.split('\n').find((l) => l.startsWith('demo (cheapest'))!;
  let k = start + 1;
  let joined = lines[start]!;
  while (lines[k]?.startsWith('  ')) joined += ' ' + lines[k++]!.trim();
  assert.equal(joined, whole);
});

test('colour only when the layout has it: bold headings in a terminal, none with --no-color or in a pipe', async () => {
  const train = (await results()).find((r) => r.name === 'train')!;
  assert.match(train.render({ width: 80, color: true }).stdout, SGR);
  for (const view of [{ width: 80 }, { width: 80, color: false }, {}]) assert.doesNotMatch(train.render(view).stdout, SGR);
  // A pipe gets no colour even when its reader would take it; CI neither, even on a terminal.
  const pipe = { isTTY: false, hasColors: () => true } as unknown as NodeJS.WriteStream;
  const tty = { isTTY: true, columns: 100, hasColors: () => true } as unknown as NodeJS.WriteStream;
  assert.deepEqual(streamLayout(pipe, {}), { color: false });
  assert.deepEqual(streamLayout(pipe, { COLUMNS: '72' }), { width: 72, color: false });
  assert.deepEqual(streamLayout(tty, {}), { width: 100, color: true });
  assert.deepEqual(streamLayout(tty, {}, { color: false, wide: true }), { width: 100, wide: true, color: false });
  assert.equal(streamLayout(tty, { CI: 'true' }).color, false);
});

test('fitColumns: shorter headers, then optional columns in order, then wrapped cells; wide characters count two', () => {
  const head = ['name', 'strong share', 'p50 ms', 'p95 ms'];
  const rows = [['a fairly long label here', '10.0%', '1,442', '3,093']];
  assert.deepEqual(fitColumns(head, rows, undefined), { keep: [0, 1, 2, 3], head, dropped: [] });
  assert.deepEqual(fitColumns(head, rows, 200).dropped, []);
  const short = fitColumns(head, rows, 56, { short: { 1: 'strong' }, optional: [[2, 3]] });
  assert.deepEqual(short.head, ['name', 'strong', 'p50 ms', 'p95 ms'], 'shorter headers are enough at 56');
  const dropped = fitColumns(head, rows, 42, { short: { 1: 'strong' }, optional: [[2, 3]] });
  assert.deepEqual(dropped.dropped, ['p50 ms', 'p95 ms']);
  const table = renderTable(head, rows, { layout: { width: 42 }, short: { 1: 'strong' }, optional: [[2, 3]] });
  assertFits(table, 42, 'table');
  assert.match(table, /hidden to fit 42 columns: p50 ms, p95 ms;\s+--wide shows them/);
  // East Asian characters take two columns each: 20 of them do not fit 40.
  const cjk = renderTable(['query', 'model'], [['漢字'.repeat(10) + ' 漢字漢字', 'sim-small']], { layout: { width: 40 } });
  assertFits(cjk, 40, 'wide characters');
  assert.ok(cjk.split('\n').length > 4, 'the cell wrapped');
  // A cut column keeps one line per row and ends in an ellipsis.
  const cut = renderTable(['query', 'model'], [[QUERIES[1]!, 'sim-large']], { layout: { width: 45 }, truncate: [0] });
  assertFits(cut, 45, 'cut');
  assert.equal(cut.split('\n').length, 4);
  assert.match(cut, /…/);
});

test('wrapLine and layOut: word boundaries to the width, one-line parts only, terminals under 40 columns left alone', () => {
  const line = '  the router may cost up to $0.002617 per query (all in) at this volume before routing stops paying';
  const wrapped = wrapLine(line, 40).split('\n');
  assert.deepEqual(wrapped, ['  the router may cost up to $0.002617', '    per query (all in) at this volume', '    before routing stops paying']);
  assert.equal(wrapLine(line, undefined), line);
  assert.equal(wrapLine('\x1b[1mSavings\x1b[22m: $3,925 a month', 30), '\x1b[1mSavings\x1b[22m: $3,925 a month', 'escape codes take no room');
  for (const l of wrapLine('hash sha256:' + 'a'.repeat(90), 50).split('\n')) assert.ok(l.length <= 50, 'a word longer than the line is broken');
  const table = '┌──┐\n│ x long table row that is kept as it is │\n└──┘';
  assert.equal(layOut([table, 'short'], { width: 40 }), `${table}\nshort`);
  assert.equal(layOut([line], { width: 1 }), line, 'a 1-column terminal gets the output whole, as before');
});

test('--quiet: the results only; --no-progress, --no-color and --wide are accepted after the subcommand', async () => {
  const dir = tempDir('router-quiet-');
  const trained = await cli(['train', DEMO, '--name', 'q', '--quiet'], dir);
  assert.equal(trained.code, 0, trained.stderr);
  assert.equal(trained.stderr, '');
  assert.match(trained.stdout, /Router written to/);
  const loud = await cli(['route', '--router', 'q', 'hi there'], dir);
  assert.match(loud.stderr, /^read router q@1/m, 'without --quiet the read line is there');
  const quiet = await cli(['route', '--router', 'q', 'hi there', '--no-progress', '--no-color', '--wide', '-q'], dir);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
  assert.equal(quiet.stdout, loud.stdout);
  const bad = await cli(['route', '--router', 'nosuch', 'hi', '-q'], dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^router: nosuch: no such file/, 'errors are still printed');
});

test('the demo routes with the deployment eval chose, and says so', () => {
  const demo = readFileSync(join(ROOT, 'scripts', 'demo.sh'), 'utf8');
  const evalLine = demo.split('\n').find((l) => /^router eval datasets\/demo-support\.jsonl --router demo /.test(l));
  assert.ok(evalLine && /--target-gap \S+/.test(evalLine), 'eval writes a deployment (an explicit target)');
  assert.match(demo, /^router estimate --deployment demo /m);
  assert.match(demo, /^router route --deployment demo /m);
  assert.doesNotMatch(demo, /^router route --router demo /m, 'not the router\'s own default threshold');
  assert.match(demo, /^echo .*deployment/m);
});

test('the HTML report: the answer first, which report it is, slices in a sensible order', async () => {
  const r = (await results()).evalPair!;
  const body = r.envelope.body;
  const page = renderEvalHtml(body, r.written, qualityCostSvg(body), r.envelope);
  const answer = page.indexOf('<h2>Answer</h2>');
  assert.ok(answer > 0 && answer < page.indexOf('Threshold sweep') && answer < page.indexOf('Evaluated on'), 'the answer comes before everything else');
  assert.match(page, /<p>demo saves \d+\.\d% of the always-strong cost \(\d+\.\d\dx cheaper\) at a quality gap of \d+\.\d% \(95% CI [^)]+\), sending \d+\.\d% of queries to sim-large: threshold 0\.\d{3}, cheapest with quality gap &lt;= 5\.0%\.<\/p>/);
  const meta = `Eval report demo@${r.envelope.version}, ${r.envelope.contentHash}, written ${r.envelope.createdAt.slice(0, 10)} `;
  assert.ok(page.includes(meta), `the version, hash and date: ${meta}`);
  assert.match(page, new RegExp(`by router ${r.envelope.toolVersion.replace(/\./g, '\\.')}`));
  assert.match(renderEvalMarkdown(body, r.written, undefined, r.envelope), /^# Router eval report\n\nEval report demo@\d+, sha256:[0-9a-f]{64}, written .*\n\n## Answer\n\n- demo saves /);
  // Categories: the largest first; levels low to high; numbers as numbers; (missing) last.
  const rows = [...page.matchAll(/<tr><td>([a-z-]+)<\/td><td class="num">(\d+)<\/td>/g)].map((m) => Number(m[2]));
  assert.ok(rows.length >= 3 && rows.every((n, k) => k === 0 || rows[k - 1]! >= n), `slices by size: ${rows.join(', ')}`);
  const s = (value: string, n = 1) => ({ value, rows: n });
  assert.deepEqual(sliceOrder([s('hard'), s('(missing)', 9), s('easy'), s('medium')]).map((x) => x.value), ['easy', 'medium', 'hard', '(missing)']);
  assert.deepEqual(sliceOrder([s('10'), s('9'), s('100')]).map((x) => x.value), ['9', '10', '100']);
  assert.deepEqual(sliceOrder([s('b', 2), s('a', 2), s('c', 5)]).map((x) => x.value), ['c', 'a', 'b']);
});

test('the charts: operating points labelled, the target line drawn; the terminal chart takes the width it has', async () => {
  const all = await results();
  const body = all.evalPair!.envelope.body;
  const svg = qualityCostSvg(body);
  assert.match(svg, /<text [^>]*>target: quality gap 5\.0% \(quality 0\.\d{3}\)<\/text>/);
  assert.match(svg, /<text [^>]*>demo: threshold 0\.\d{3}, gap \d+\.\d%<\/text>/);
  assert.match(svg, /<text [^>]*>cascade: threshold 0\.\d{3}, gap \d+\.\d%<\/text>/);
  // No two labels of the plot on top of each other (their boxes as the chart estimates them).
  const labels = [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)" font-size="11" fill="[^"]+">([^<]+)<\/text>/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), w: m[3]!.length * 6.2 }));
  assert.ok(labels.length >= 3);
  for (const [i, a] of labels.entries()) for (const b of labels.slice(i + 1)) assert.ok(a.x + a.w <= b.x || b.x + b.w <= a.x || Math.abs(a.y - b.y) >= 14, `labels overlap: ${JSON.stringify([a, b])}`);
  assert.match(multiQualityCostSvg(all.evalN!.envelope.body), /<text [^>]*>ladder: lambda \d+\.\d\d, gap \d+\.\d%<\/text>/);
  for (const width of [60, 80, 200]) {
    const chart = terminalChart(body, { width });
    assertFits(chart, width, 'terminal chart');
    const axis = chart.split('\n').find((l) => /^ +\+-+$/.test(l))!;
    assert.equal(axis.length, Math.min(width - 1, 108), `the plot uses the width at ${width}`);
  }
});
