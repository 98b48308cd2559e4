import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProgram, type Commands, type Io, type View } from '../src/cli/main.ts';
import { trainOptionsSchema } from '../src/cli/commands/train.ts';
import { evalOptionsSchema } from '../src/cli/commands/eval.ts';
import { estimateOptionsSchema } from '../src/cli/commands/estimate.ts';
import { routeOptionsSchema } from '../src/cli/commands/route.ts';
import { labelOptionsSchema } from '../src/cli/commands/label.ts';
import { serveOptionsSchema } from '../src/cli/commands/serve.ts';
import { monitorOptionsSchema } from '../src/cli/commands/monitor.ts';
import { flagOf, validateOptions } from '../src/cli/options.ts';
import { msg, option, UserError } from '../src/errors.ts';

// argv -> options: what each command's run function is given for a command line. The command
// tests call run and render (or main in-process); this table covers the parsing between them.

const SCHEMAS = { train: trainOptionsSchema, eval: evalOptionsSchema, estimate: estimateOptionsSchema, route: routeOptionsSchema, label: labelOptionsSchema, serve: serveOptionsSchema, monitor: monitorOptionsSchema };
type Verb = keyof typeof SCHEMAS;

async function parse(args: string[]): Promise<{ verb: Verb; options: Record<string, unknown>; view: View }> {
  let seen: { verb: Verb; options: Record<string, unknown>; view: View } | undefined;
  const record = (verb: Verb) => async (options: object, view: View) => void (seen = { verb, options: options as Record<string, unknown>, view });
  const commands: Commands = { train: record('train'), eval: record('eval'), estimate: record('estimate'), route: record('route'), label: record('label'), serve: record('serve'), monitor: record('monitor') };
  const io: Io = { stdout() {}, stderr() {}, env: {}, interactive: false };
  const program = buildProgram(io, commands);
  program.exitOverride();
  program.commands.forEach((c) => c.exitOverride());
  await program.parseAsync(['node', 'router', ...args]);
  assert.ok(seen, `no command ran for ${args.join(' ')}`);
  // Whatever commander gives is what the command's schema accepts: no flag is missing from it.
  validateOptions(SCHEMAS[seen.verb], seen.options);
  return seen;
}

const LABEL_DEFAULTS = { artifacts: 'artifacts', mode: 'pairwise', match: 'exact', encoding: 'utf8', concurrency: 8, retries: 4, timeout: 120, maxTokens: 1024, judgeMaxTokens: 1024, cache: '.router-cache', assumeOutputTokens: 300 };
const INPUT_DEFAULTS = { artifacts: 'artifacts', encoding: 'utf8', format: 'auto', modelACol: 'model_a', modelBCol: 'model_b', winnerCol: 'winner' };

const TRAIN_DEFAULTS = { ...INPUT_DEFAULTS, router: 'logistic', holdout: 0.2, seed: 1, validation: 0.2, calibration: 'platt', targetGap: 0.05, cache: true };
const TABLE: [string[], Verb, Record<string, unknown>, View?][] = [
  [['monitor', 'log', 'log.1', '--deployment', 'prod'], 'monitor', { logs: ['log', 'log.1'], deployment: 'prod', artifacts: 'artifacts', maxPsi: 0.2, failOnDrift: true, cache: true }],
  [
    ['monitor', 'log', '--deployment', 'p@2', '--since', '2026-12-01', '--until', '2026-12-02T00:00:00Z', '--max-psi', '0.1', '--no-fail-on-drift', '--sample-out', 's.csv', '--eval-data', 'e.jsonl', '--skip-bad-lines', '--prices', 'p.json', '-o', 'm.json', '-o', 'm.md', '--json'],
    'monitor',
    { logs: ['log'], deployment: 'p@2', artifacts: 'artifacts', since: '2026-12-01', until: '2026-12-02T00:00:00Z', maxPsi: 0.1, failOnDrift: false, sampleOut: 's.csv', evalData: 'e.jsonl', skipBadLines: true, prices: 'p.json', output: ['m.json', 'm.md'], cache: true },
    { json: true },
  ],
  [['train', 'd.jsonl'], 'train', { data: 'd.jsonl', ...TRAIN_DEFAULTS }],
  // The global flags, before or after the subcommand's name: the view's, never the command's options.
  [['train', 'd.jsonl', '--quiet', '--no-color', '--wide', '--no-progress'], 'train', { data: 'd.jsonl', ...TRAIN_DEFAULTS }],
  [['-q', '--wide', 'train', 'd.jsonl'], 'train', { data: 'd.jsonl', ...TRAIN_DEFAULTS }],
  [['route', '--router', 'r', 'hi', '--no-progress', '-q'], 'route', { queries: ['hi'], router: 'r', artifacts: 'artifacts', cache: true, encoding: 'utf8' }],
  [['estimate', '--volume', '1k/day', '--no-color'], 'estimate', { volume: { count: 1000, per: 'day' }, artifacts: 'artifacts', overhead: 0, overheadMs: 0, fixedMonthly: 0, days: 30, name: 'estimate', encoding: 'utf8' }],
  [
    ['train', 'd.csv', '--no-holdout', '-C', 'auto', '--k', '5', '--folds', '3', '--no-cache', '--cache-dir', 'c', '--models', 'a,b', '--grade-scale', '1:10', '--router', 'knn', '--json', '--name', 'n', '--validation', '30%'],
    'train',
    { data: 'd.csv', ...INPUT_DEFAULTS, router: 'knn', holdout: false, seed: 1, validation: 0.3, calibration: 'platt', targetGap: 0.05, cache: false, cacheDir: 'c', c: 'auto', k: 5, folds: 3, models: ['a', 'b'], gradeScale: [1, 10], name: 'n' },
    { json: true },
  ],
  [
    ['eval', 'd.jsonl', '--router', 'a', '--router', 'b@2', '-o', 'r.json', '-o', 'c.svg', '--target-share', '20%', '--thresholds', '0.3,0.5', '--bootstrap', '0', '--junit', 'j.xml'],
    'eval',
    { data: 'd.jsonl', ...INPUT_DEFAULTS, router: ['a', 'b@2'], output: ['r.json', 'c.svg'], targetShare: 0.2, thresholds: [0.3, 0.5], bootstrap: 0, junit: 'j.xml', split: 'auto', gateOn: 'point', seed: 1, monitoring: 0 },
  ],
  [
    ['estimate', '--volume', '50k/day', '--weak-share', '0.7', '--grid-ratios', '2,5', '--cascade', '--json'],
    'estimate',
    { artifacts: 'artifacts', encoding: 'utf8', volume: { count: 50000, per: 'day' }, weakShare: 0.7, gridRatios: [2, 5], cascade: true, overhead: 0, overheadMs: 0, fixedMonthly: 0, days: 30, name: 'estimate' },
    { json: true },
  ],
  [['route', '--router', 'demo', 'q one', 'q two', '--no-cache', '--threshold', '0.7'], 'route', { queries: ['q one', 'q two'], router: 'demo', threshold: 0.7, cache: false, artifacts: 'artifacts', encoding: 'utf8' }],
  [['route', '--deployment', 'prod', '--file', 'q.csv', '--monitoring', '5%'], 'route', { queries: [], deployment: 'prod', file: 'q.csv', monitoring: 0.05, cache: true, artifacts: 'artifacts', encoding: 'utf8' }],
  [['label', 'q.csv'], 'label', { queries: 'q.csv', ...LABEL_DEFAULTS }],
  [['serve', '--deployment', 'prod'], 'serve', { deployment: 'prod', host: '127.0.0.1', port: 8080, routeOn: 'last-user', log: 'router-requests.jsonl', artifacts: 'artifacts' }],
  [
    ['serve', '--deployment', 'p@2', '--port', '0', '--upstream', 'a=openai:x', '--upstream', 'b=anthropic:y', '--base-url', 'a=http://127.0.0.1:9/v1', '--no-log', '--log-queries', '--timeout', '5', '--retries', '0', '--drain-timeout', '2', '--route-on', 'user', '--json'],
    'serve',
    { deployment: 'p@2', host: '127.0.0.1', port: 0, upstream: ['a=openai:x', 'b=anthropic:y'], baseUrl: ['a=http://127.0.0.1:9/v1'], log: false, logQueries: true, timeout: 5, retries: 0, drainTimeout: 2, routeOn: 'user', artifacts: 'artifacts' },
    { json: true },
  ],
  [
    ['label', 'q.csv', '--weak', 'openai:llama3.1:8b', '--weak-base-url', 'http://localhost:11434/v1', '--strong', 'anthropic:claude-opus-4-1', '--judge', 'openai:gpt-4o', '-j', '16', '--max-cost', '20', '--no-cache', '-y', '--dry-run', '--json', '--timeout', '30', '--temperature', '0', '--rpm', '500', '--limit', '5', '--retry-errors', '--confidence', '--name', 'n', '--encoding', 'latin1'],
    'label',
    { queries: 'q.csv', ...LABEL_DEFAULTS, weak: 'openai:llama3.1:8b', weakBaseUrl: 'http://localhost:11434/v1', strong: 'anthropic:claude-opus-4-1', judge: 'openai:gpt-4o', concurrency: 16, maxCost: 20, cache: false, yes: true, dryRun: true, timeout: 30, temperature: 0, rpm: 500, limit: 5, retryErrors: true, confidence: true, name: 'n', encoding: 'latin1' },
    { json: true },
  ],
  [
    ['label', 'gsm8k.csv', '--mode', 'reference', '--reference-col', 'answer', '--match', 'number', '--cache', 'c', '--config', 'label.json', '--template', 't.json', '--prices', 'p.json', '--assume-output-tokens', '50', '--max-tokens', '256', '--judge-max-tokens', '64', '--retries', '0', '--query-col', 'question', '--id-col', 'key', '--artifacts', 'a'],
    'label',
    { queries: 'gsm8k.csv', ...LABEL_DEFAULTS, mode: 'reference', referenceCol: 'answer', match: 'number', cache: 'c', config: 'label.json', template: 't.json', prices: 'p.json', assumeOutputTokens: 50, maxTokens: 256, judgeMaxTokens: 64, retries: 0, queryCol: 'question', idCol: 'key', artifacts: 'a' },
  ],
];

/** The global flags a command line gives, as the view carries them (each only when given). */
function globals(args: string[]): Record<string, boolean> {
  return {
    ...(args.includes('--no-color') ? { color: false } : {}),
    ...(args.includes('--no-progress') ? { progress: false } : {}),
    ...(args.includes('-q') || args.includes('--quiet') ? { quiet: true } : {}),
    ...(args.includes('--wide') ? { wide: true } : {}),
  };
}

for (const [args, verb, options, view] of TABLE) {
  test(`argv -> options: router ${args.join(' ')}`, async () => {
    const seen = await parse(args);
    assert.equal(seen.verb, verb);
    assert.deepEqual(seen.options, options);
    assert.deepEqual(seen.view, { json: view?.json, ...globals(args) });
  });
}

test('flag names in messages come from one table: the kebab-case rule and its exceptions', () => {
  assert.equal(flagOf('targetShare'), '--target-share');
  assert.equal(flagOf('maxQualityGap'), '--max-quality-gap');
  assert.equal(flagOf('c'), '-C');
  assert.equal(flagOf('output'), '-o');
  assert.equal(flagOf('router'), '--router');
  assert.equal(flagOf('concurrency'), '-j');
  assert.equal(flagOf('dryRun'), '--dry-run');
});

test('options a script passes are validated once, with the flag in the message', () => {
  const refused = (schema: (typeof SCHEMAS)[Verb], value: unknown, message: string) =>
    assert.throws(() => validateOptions(schema, value), (err: unknown) => err instanceof UserError && err.describe(flagOf) === message);
  refused(evalOptionsSchema, { data: 'd', targetShare: 1.5 }, '--target-share: expected a share in [0,1], e.g. 0.2 or 20%');
  refused(trainOptionsSchema, { data: 'd', holdout: 1 }, '--holdout: expected a share strictly between 0 and 1, or false');
  refused(trainOptionsSchema, { data: 'd', c: -1 }, '-C: expected a positive number or "auto"');
  refused(trainOptionsSchema, { data: 'd', router: 'forest' }, '--router: expected one of logistic, mf, mlp, knn, semantic, ensemble, random');
  refused(routeOptionsSchema, { queries: ['q'], routr: 'demo' }, 'unknown option "routr"');
  refused(estimateOptionsSchema, { volume: { count: 5, per: 'week' } }, '--volume: expected { count, per: "day" | "month" }, e.g. { count: 50000, per: "day" }');
  refused(trainOptionsSchema, {}, '<data>: expected a text');
  // A positional argument commander always supplies: only a script can leave it out, and sees the option's name.
  assert.throws(() => validateOptions(labelOptionsSchema, {}), (err: unknown) => err instanceof UserError && err.message === 'options.queries: expected a text');
  refused(labelOptionsSchema, { queries: 'q.csv', concurrency: 0 }, '-j: expected a whole number >= 1');
  refused(labelOptionsSchema, { queries: 'q.csv', mode: 'vote' }, '--mode: expected one of pairwise, grade, reference');
  refused(labelOptionsSchema, { queries: 'q.csv', maxCost: 0 }, '--max-cost: expected a positive number');
  refused(labelOptionsSchema, { queries: 'q.csv', cache: true }, '--cache: expected a folder name, or false for no cache');
  refused(labelOptionsSchema, { queries: 'q.csv', dryrun: true }, 'unknown option "dryrun"');
});

test('a core message names options: options.x from the library, the flag from the CLI table', () => {
  const inner = new UserError(msg`pass ${option('inputTokens')} N`);
  const err = new UserError(msg`${option('c')} and ${option('targetShare')} clash; ${inner.text}`, { file: 'f.csv' });
  assert.equal(err.message, 'options.c and options.targetShare clash; pass options.inputTokens N');
  assert.equal(err.describe(), 'f.csv: options.c and options.targetShare clash; pass options.inputTokens N');
  assert.equal(err.describe(flagOf), 'f.csv: -C and --target-share clash; pass --input-tokens N');
  // Interpolated values stay text, even when they look like an option.
  assert.equal(new UserError(msg`no column "${'--weak'}"`).describe(flagOf), 'no column "--weak"');
});
