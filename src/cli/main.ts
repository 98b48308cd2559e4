import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { GateFailure, UserError } from '../errors.js';
import { canAsk } from '../ui/environment.js';
import { stopSpinners } from '../ui/spinner.js';
import type { Progress } from '../ui/progress.js';
import { NO_PROGRESS, warningLine, type Rendered, type RenderView } from './rendered.js';
import { layOut, streamLayout, type Layout } from '../ui/layout.js';
import type { TrainOptions } from './commands/train.js';
import type { EvalOptions } from './commands/eval.js';
import type { EstimateOptions } from './commands/estimate.js';
import type { RouteOptions } from './commands/route.js';
import type { LabelOptions } from './commands/label.js';
import type { ServeOptions } from './commands/serve.js';
import type { MonitorOptions } from './commands/monitor.js';
import { toolVersion } from '../version.js';
import { flagOf } from './flags.js';
import { addInputOptions, encodingOption } from './input-options.js';
import { foldCount, integer, list, modelCosts, modelURLs, nonNegative, nonNegativeInteger, openShare, positive, positiveInteger, positiveList, positiveOrAuto, repeatable, share, shareList, thresholds, volume } from './parse.js';

// Declares every command and is the only place that turns outcomes into exit codes:
// 0 success, 1 a failed quality gate, 2 a usage or input error, 70 a bug, 130 a label run
// stopped by Ctrl-C (what a shell reports for a command ended by it).
// Command modules are imported inside their actions so `router --help` loads no heavy dependency.

export const EXIT = { ok: 0, gate: 1, usage: 2, bug: 70, interrupted: 130 } as const;

/** A label run stopped by Ctrl-C: what is done is written and closed, and main exits 130. */
class Interrupted extends Error {}

function examples(lines: string[]): string {
  return '\nExamples:\n' + lines.map((l) => `  $ ${l}`).join('\n') + '\n';
}

/** The per-role price options `eval` and `estimate` share: a catalog model's price, or the prices themselves. */
function rolePrices(cmd: Command): Command {
  return cmd
    .option('--weak-model <name>', 'weak model, priced from the catalog by this name (e.g. openai:gpt-4o-mini, mixtral-8x7b)')
    .option('--strong-model <name>', 'strong model, priced from the catalog by this name (e.g. gpt-4o)')
    .option('--weak-input-price <usd>', 'weak model input price, dollars per million tokens', nonNegative)
    .option('--weak-output-price <usd>', 'weak model output price, dollars per million tokens', nonNegative)
    .option('--strong-input-price <usd>', 'strong model input price, dollars per million tokens', nonNegative)
    .option('--strong-output-price <usd>', 'strong model output price, dollars per million tokens', nonNegative);
}

function common(cmd: Command): Command {
  return cmd
    .option('--artifacts <dir>', 'folder for versioned artifacts', 'artifacts')
    .option('--json', 'print machine-readable JSON on stdout')
    .option('--debug', 'show stack traces for errors');
}

/** Where main writes, and what it reads of its surroundings: the process's by default, a test's in-process. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Whether a person at a terminal can be asked for missing input (estimate's questions). */
  interactive: boolean;
  /** What stdout can show (width, colour) and how wide stderr is; none: no limit and no colour. */
  screen?: Layout & { stderrWidth?: number };
}


export function processIo(): Io {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    interactive: canAsk(process.env),
    screen: { ...streamLayout(process.stdout, process.env), stderrWidth: streamLayout(process.stderr, process.env).width },
  };
}

/**
 * Prints a command's output: its stderr lines around its stdout, each ending in a newline, wrapped
 * to stderr's width. --quiet keeps stdout and warnings: the notes and read lines go.
 */
export function emit(r: Rendered, io: Io, view: View = {}): void {
  const line = (t: string) => {
    const text = layOut([t.replace(/\n$/, '')], { width: io.screen?.stderrWidth });
    return text + '\n';
  };
  const shown = (t: string) => !view.quiet || t.startsWith('warning:');
  for (const t of r.before) if (shown(t)) io.stderr(line(t));
  // An interrupted label run has nothing for stdout: no empty line there.
  if (r.stdout !== '') io.stdout(r.stdout.endsWith('\n') ? r.stdout : r.stdout + '\n');
  for (const t of r.after) if (shown(t)) io.stderr(line(t));
}

/** The layout of a command's text on stdout: the terminal's width and colour, less what the flags turn off. */
export function layoutOf(view: View, io: Io): RenderView {
  const screen = io.screen ?? {};
  return {
    json: view.json,
    ...(screen.width !== undefined ? { width: screen.width } : {}),
    ...(view.wide ? { wide: true } : {}),
    color: screen.color === true && view.color !== false,
  };
}

/** Runs `work` with a spinner's progress on stderr (when it is a terminal and not turned off), ended however `work` ends. */
async function withSpinner<T>(view: View, work: (progress: Progress) => Promise<T>): Promise<T> {
  if (!showsProgress(view)) return work(NO_PROGRESS);
  const { openSpinner } = await import('../ui/spinner.js');
  const { spinnerProgress } = await import('../ui/progress.js');
  const spinner = await openSpinner(view.color === false ? { color: false } : {});
  try {
    return await work(spinnerProgress(spinner));
  } finally {
    spinner.stop();
  }
}

function showsProgress(view: View): boolean {
  return view.progress !== false && view.quiet !== true;
}

function isPromptExit(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError');
}

/**
 * `router estimate`: in a terminal, each missing input is asked for (stdin, drawn on stderr) and
 * the estimate runs again; then the command line that gives it without questions is printed.
 */
async function estimateCommand(given: EstimateOptions, view: View, io: Io): Promise<void> {
  const { json } = view;
  const { runEstimate, renderEstimate, reproduceCommand } = await import('./commands/estimate.js');
  const { MissingInput } = await import('../cost/estimate.js');
  const options = { ...given };
  const measured = new Map();
  let asked = false;
  for (let round = 0; ; round++) {
    try {
      const result = await runEstimate(options, { env: io.env, measured });
      const rendered = renderEstimate(result, layoutOf(view, io));
      if (asked) rendered.before.unshift(`To get this estimate again without questions:\n  ${reproduceCommand({ ...options, json })}\n`);
      emit(rendered, io, view);
      return;
    } catch (err) {
      // Each answer fills one missing input; the bound only guards against a question that cannot be answered.
      if (!(err instanceof MissingInput) || !io.interactive || round > 12) throw err;
      const { askFor } = await import('./prompt-estimate.js');
      const { loadCatalog } = await import('../cost/catalog.js');
      try {
        Object.assign(options, await askFor(err.need, { catalog: await loadCatalog(options.prices), artifacts: options.artifacts ?? 'artifacts', io: { input: process.stdin, output: process.stderr } }));
      } catch (e) {
        if (isPromptExit(e)) throw new UserError('cancelled');
        throw e;
      }
      asked = true;
    }
  }
}

/**
 * `router label` at a terminal: the spending question, the progress line, and Ctrl-C. The first
 * Ctrl-C aborts the run's signal: it stops starting calls, lets those in flight finish and closes
 * the journal. A second one exits at once; the calls it cuts off are in the journal as sent, and
 * the next run counts them as possibly billed. SIGTERM is left alone (see signals.ts): it ends the
 * process at once, with the same journal guarantees as a second Ctrl-C, and the run lock of a dead
 * process is taken over by the next run.
 */
async function labelCommand(options: LabelOptions, view: View, io: Io): Promise<void> {
  const { runLabel, renderLabel, unconfirmed } = await import('./commands/label.js');
  const { confirmSpending, startProgress } = await import('../ui/label-progress.js');
  const { renderLabelEstimate } = await import('../ui/render-label.js');
  const { count } = await import('../ui/format.js');
  const { onInterrupt } = await import('./signals.js');
  const note = (text: string) => io.stderr(text.endsWith('\n') ? text : text + '\n');
  const dryRun = options.dryRun === true;
  const progress = await startProgress(io.interactive && !dryRun && showsProgress(view), view.color === false ? { color: false } : {});
  const controller = new AbortController();
  const dispose = onInterrupt((times) => {
    progress.stop();
    if (dryRun) {
      note('\nrouter: interrupted; a dry run calls nothing and wrote nothing');
      process.exit(EXIT.interrupted);
    }
    if (times === 1) {
      // The spinner would draw over the line; the summary line follows once the calls finish.
      note('\nrouter: stopping: no new calls; waiting for the calls in flight (Ctrl-C again to quit at once)');
      controller.abort();
      return;
    }
    note('router: quit at once; calls that were in flight are in the journal as sent and are counted as possibly billed when you run the same command again');
    process.exit(EXIT.interrupted);
  });
  let result;
  try {
    result = await runLabel(options, {
      env: io.env,
      notice: (text) => note(layOut([warningLine(text)], { width: io.screen?.stderrWidth })),
      signal: controller.signal,
      confirm: async (estimate) => {
        if (!io.interactive) throw unconfirmed(estimate);
        note(renderLabelEstimate(estimate, { rows: estimate.rows, alreadyDone: 0 }, { width: io.screen?.stderrWidth }));
        return confirmSpending(estimate);
      },
      onStart: ({ resumed, total, journal }) => {
        if (io.interactive && resumed && !view.quiet) note(`resuming: ${count(resumed)} of ${count(total)} rows were done earlier (${journal})`);
        progress.begin();
      },
      onProgress: (p) => progress.update(p),
    });
  } finally {
    dispose();
    progress.stop();
  }
  emit(renderLabel(result, layoutOf(view, io)), io, view);
  if (result.kind === 'interrupted') throw new Interrupted();
}

/**
 * `router serve`: listens until SIGTERM or SIGINT, then drains the requests in flight (up to
 * --drain-timeout) and returns, so main exits 0; SIGHUP reloads the deployment, and a reload that
 * fails leaves the old one serving with one line on stderr.
 */
async function serveCommand(options: ServeOptions, view: View, io: Io): Promise<void> {
  const { runServe, renderServe, renderReload, renderStop } = await import('./commands/serve.js');
  const { onServeSignals } = await import('./signals.js');
  const result = await runServe(options, { env: io.env });
  emit(renderServe(result, { json: view.json }), io, view);
  await new Promise<void>((resolve) => {
    let reloading = Promise.resolve();
    const dispose = onServeSignals({
      stop: () => {
        dispose();
        io.stderr('router serve: stopping: no new connections; draining the requests in flight\n');
        const inFlight = () => result.handler.inFlight();
        void result.stop().then((drained) => {
          io.stderr(renderStop(drained, inFlight()) + '\n');
          resolve();
        });
      },
      // One reload at a time: a second SIGHUP waits for the first.
      reload: () => {
        reloading = reloading.then(async () => {
          try {
            const d = await result.handler.reload();
            io.stderr(renderReload({ ok: true, ref: d.ref, description: d.describe() }) + '\n');
          } catch (err) {
            const text = err instanceof UserError ? err.describe(flagOf) : err instanceof Error ? err.message : String(err);
            io.stderr(renderReload({ ok: false, error: text }) + '\n');
          }
        });
      },
    });
  });
}

/**
 * How the CLI shows a result: a table, or JSON with --json; and the global flags, each set only
 * when given: --no-color (color false), --no-progress (progress false), --quiet, --wide.
 */
export interface View {
  json?: boolean;
  color?: boolean;
  progress?: boolean;
  quiet?: boolean;
  wide?: boolean;
}

/**
 * What each command's action does with the options parsed from argv. The CLI's runs, renders and
 * prints; a test of the argv -> options mapping passes handlers that only record them.
 */
export interface Commands {
  train(options: TrainOptions, view: View): Promise<void>;
  eval(options: EvalOptions, view: View): Promise<void>;
  estimate(options: EstimateOptions, view: View): Promise<void>;
  route(options: RouteOptions, view: View): Promise<void>;
  label(options: LabelOptions, view: View): Promise<void>;
  serve(options: ServeOptions, view: View): Promise<void>;
  monitor(options: MonitorOptions, view: View): Promise<void>;
}

/** The CLI's commands: run with the spinner's progress, print what render gives, a failed gate exits 1. */
export function cliCommands(io: Io): Commands {
  return {
    async train(options, view) {
      const { runTrain, renderTrain } = await import('./commands/train.js');
      const result = await withSpinner(view, (progress) => runTrain(options, { progress, env: io.env }));
      emit(renderTrain(result, layoutOf(view, io)), io, view);
    },
    async eval(options, view) {
      const { runEval, renderEval } = await import('./commands/eval.js');
      // Shown at once: it says how long the work about to start takes.
      const notice = (text: string) => io.stderr(`${layOut([warningLine(text)], { width: io.screen?.stderrWidth })}\n`);
      const result = await withSpinner(view, (progress) => runEval(options, { progress, env: io.env, notice }));
      emit(renderEval(result, layoutOf(view, io)), io, view);
      if (result.gateFailure !== undefined) throw new GateFailure(result.gateFailure);
    },
    estimate: (options, view) => estimateCommand(options, view, io),
    async route(options, view) {
      const { runRoute, renderRoute } = await import('./commands/route.js');
      const result = await withSpinner(view, (progress) => runRoute(options, { progress, env: io.env }));
      emit(renderRoute(result, layoutOf(view, io)), io, view);
    },
    label: (options, view) => labelCommand(options, view, io),
    serve: (options, view) => serveCommand(options, view, io),
    async monitor(options, view) {
      const { runMonitor, renderMonitor } = await import('./commands/monitor.js');
      const result = await withSpinner(view, (progress) => runMonitor(options, { progress, env: io.env }));
      emit(renderMonitor(result, layoutOf(view, io)), io, view);
      // Drift is a failed check, as a quality gate is: exit 1 for CI (--no-fail-on-drift reports it only).
      if (result.driftFailure !== undefined) throw new GateFailure(`drift: ${result.driftFailure}`);
    },
  };
}

export function buildProgram(io: Io = processIo(), commands: Commands = cliCommands(io)): Command {
  const program = new Command('router')
    .configureOutput({ writeOut: (t) => io.stdout(t), writeErr: (t) => io.stderr(t) })
    .description('Train, evaluate and cost-model LLM routers: send each query to the cheapest model that answers it well.')
    .version(toolVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    // Global flags: the program's, so they are accepted before or after the subcommand's name,
    // and listed in every subcommand's help.
    .option('--no-color', 'no colour in the output, as NO_COLOR=1 (colour is only ever used on a terminal)')
    .option('--no-progress', 'no progress line on stderr')
    .option('-q, --quiet', 'results and errors only: no progress, notes or read lines on stderr (warnings stay)')
    .option('--wide', 'every table column, however wide the terminal (a pipe or a file always gets them all)')
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', examples([
      'router train datasets/demo-support.jsonl --name demo',
      'router eval datasets/demo-support.jsonl --router demo',
      'router estimate --eval demo --volume 50k/day',
      'router route --router demo "I was charged twice for invoice INV-2231"',
    ]));

  /** The view of a command: its --json and the program's global flags, each only when given. */
  const view = (json: boolean | undefined): View => {
    const g = program.opts<{ color?: boolean; progress?: boolean; quiet?: boolean; wide?: boolean }>();
    return { json, ...(g.color === false ? { color: false } : {}), ...(g.progress === false ? { progress: false } : {}), ...(g.quiet ? { quiet: true } : {}), ...(g.wide ? { wide: true } : {}) };
  };

  common(
    program
      .command('label')
      .description('answer a query CSV with a weak and a strong model (or any number, --models), judge or grade the answers, and write a labelled dataset')
      .argument('<queries>', 'CSV of queries: a query column, an optional id column; other columns are kept as metadata')
      .option('--weak <provider:model>', 'the cheap model, e.g. openai:gpt-4o-mini (providers: openai, anthropic)')
      .option('--strong <provider:model>', 'the expensive model, e.g. anthropic:claude-opus-4-1')
      .option('--models <provider:model,...>', 'instead of --weak/--strong: every model that answers, comma-separated (two: the pair form, weak first)', list)
      .option('--reference <provider:model>', 'pairwise over --models: the model each other is compared with (default: the last listed); its quality is 0.5, the tie point')
      .option('--judge <provider:model>', 'the judge model, e.g. openai:gpt-4o (not used by --mode reference)')
      .option('--weak-base-url <url>', 'base URL of the weak model\'s server (any OpenAI-compatible server: vLLM, Ollama, LM Studio, llama.cpp)')
      .option('--strong-base-url <url>', 'base URL of the strong model\'s server')
      .option('--judge-base-url <url>', 'base URL of the judge\'s server')
      .option('--base-url <model=url>', 'with --models: base URL of one model\'s server (or the judge\'s), e.g. openai:llama3.1:8b=http://localhost:11434/v1 (repeatable)', modelURLs)
      .option('--config <file>', 'JSON file: models, base URLs, keys and rate limits per provider or model')
      .addOption(new Option('--mode <mode>', 'pairwise: the judge compares both answers, asked in both orders; grade: the judge grades each answer 1-10; reference: compare with known answers, no judge').choices(['pairwise', 'grade', 'reference']).default('pairwise'))
      .option('--reference-col <name>', 'reference mode: the column holding the known answer')
      .addOption(new Option('--match <how>', 'reference mode: exact (normalised text), number (final number, GSM8K style), choice (multiple-choice letter), regex (the reference is a pattern)').choices(['exact', 'number', 'choice', 'regex']).default('exact'))
      .option('--confidence', 'also ask the weak model how sure it is of its answer (recorded for cascade simulation)')
      .option('--template <file>', 'replace judge prompts: JSON with any of pairwise, grade, confidence, each {"system", "user"}')
      .option('--query-col <name>', 'column holding the query (default: query, prompt, question, input or text)')
      .option('--id-col <name>', 'column holding a unique id (default: id or sample_id when present, else FILE:ROW)')
      .addOption(encodingOption())
      .option('--name <name>', 'dataset artifact name (default: the CSV\'s name)')
      .option('-j, --concurrency <n>', 'calls in flight at once', positiveInteger, 8)
      .option('--rpm <n>', 'requests per minute, per provider endpoint (the config file can set each)', positive)
      .option('--tpm <n>', 'tokens per minute, per provider endpoint (input plus max output)', positive)
      .option('--retries <n>', 'retries of a call after a 429, 5xx, timeout or dropped connection (Retry-After is honoured)', nonNegativeInteger, 4)
      .option('--timeout <seconds>', 'time limit of one call', positive, 120)
      .option('--max-tokens <n>', 'output limit of each answer', positiveInteger, 1024)
      .option('--judge-max-tokens <n>', 'output limit of each judge reply', positiveInteger, 1024)
      .option('--temperature <t>', 'temperature of the answers (default: the server\'s)', nonNegative)
      .option('--max-cost <usd>', 'budget in dollars for this run: no row starts once it would be exceeded; finished rows are kept', positive)
      .option('--prices <file>', 'prices per million tokens, adding to or replacing the built-in catalog (same JSON format)')
      .option('--cache <dir>', 'response cache folder, shared by runs', '.router-cache')
      .option('--no-cache', 'neither read nor write the response cache (the run journal still resumes a killed run)')
      .option('--retry-errors', 'run again the rows that failed in an earlier run of the same command')
      .option('--limit <n>', 'label only the first N queries', positiveInteger)
      .option('--assume-output-tokens <n>', 'output tokens per answer that estimates assume', positiveInteger, 300)
      .option('--dry-run', 'print the calls, tokens and dollars it would spend, and call nothing')
      .option('-y, --yes', 'spend without asking (required when there is no terminal to ask on)')
      .addHelpText('after', examples([
        'router label queries.csv --weak openai:gpt-4o-mini --strong anthropic:claude-opus-4-1 --judge openai:gpt-4o --dry-run',
        'router label queries.csv --weak openai:gpt-4o-mini --strong openai:gpt-4o --judge openai:gpt-4o --max-cost 5 -j 16',
        'router label queries.csv --weak openai:llama3.1:8b --weak-base-url http://localhost:11434/v1 --strong openai:gpt-4o --judge openai:gpt-4o --yes',
        'router label gsm8k.csv --mode reference --reference-col answer --match number --weak openai:gpt-4o-mini --strong openai:gpt-4o --yes',
        'router label queries.csv --models openai:gpt-4o-mini,openai:gpt-4o,anthropic:claude-opus-4-1 --mode grade --judge openai:gpt-4o --dry-run',
        'router label queries.csv --config label.json --retry-errors --yes',
      ])),
  ).action(async (queries: string, opts) => {
    const { json, debug: _debug, ...options } = opts;
    await commands.label({ queries, ...options }, view(json));
  });

  addInputOptions(
    common(
      program
        .command('train')
        .description('fit a router on a labelled dataset (target: the strong model is better than the weak one)')
        .argument('<data>', 'labelled dataset: a .jsonl or .csv file, a folder of them, or a dataset artifact name')
        .option('--name <name>', 'artifact name (default: from the data file)')
        .addOption(new Option('--router <type>', 'router type').choices(['logistic', 'mf', 'mlp', 'knn', 'semantic', 'ensemble', 'random']).default('logistic'))
        .option('--embedder <spec>', 'features: tfidf (fitted here), use (offline sentence encoder), onnx:<folder>, openai:<model>; join two with +, e.g. tfidf+use (default: tfidf)')
        .option('--weak <model>', 'weak model of the pair (default: the dataset\'s pair, or the weaker of two)')
        .option('--strong <model>', 'strong model of the pair')
        .option('--multi', 'the N-model router even over two models (the lambda rule; eval reports AIQ against the zero router and the oracle)')
        .option('--reference <model>', 'over more than two models (data with more and no --weak/--strong): the model quality gaps are measured against (default: the best mean quality)')
        .option('--unit-cost <model=usd>', 'over more than two models: dollars per call of a model whose rows record no cost, e.g. llama=0.0004 (repeatable)', modelCosts)
        .addOption(new Option('--cost-model <how>', 'over more than two models: predict each model\'s cost of a query by a line in its length, or as the model\'s mean (default length)').choices(['length', 'mean']))
        .option('--holdout <share>', 'share of queries held out for the report and for eval', openShare, 0.2)
        .option('--no-holdout', 'train on every row (evaluate on other data)')
        .option('--seed <n>', 'seed of the splits and of training', integer, 1)
        .option('--validation <share>', 'share of the training rows used to tune options, calibrate and pick the threshold', openShare, 0.2)
        .option('--folds <k>', 'tune on k-fold cross-validation of the training rows instead of one validation split', foldCount)
        .addOption(new Option('--calibration <method>', 'map scores to probabilities, fitted on validation scores').choices(['platt', 'isotonic', 'none']).default('platt'))
        .option('--target-gap <share>', 'default threshold: the cheapest point within this quality gap on validation data', share, 0.05)
        .addOption(new Option('--objective <what>', 'logistic, knn, mlp, ensemble: fit strong-wins 0/1 labels, or the pair\'s outcome as a soft label (tie 0.5), which ranks by expected gain (default strong-wins)').choices(['strong-wins', 'pairwise']))
        .option('-C, --c <value>', 'logistic, ensemble: inverse L2 regularisation strength, or auto (chosen on validation data)', positiveOrAuto)
        .option('--k <n>', 'knn, ensemble: neighbours, or auto', positiveOrAuto)
        .option('--hidden <n>', 'mlp: hidden units (default 64)', positiveInteger)
        .option('--dim <n>', 'mf: size of the model and query vectors (default 64)', positiveInteger)
        .option('--epochs <n>', 'mlp, mf: train exactly this many epochs (default: early stopping on validation data)', positiveInteger)
        .option('--routes <file>', 'semantic: JSON of routes, each {name, model, utterances}')
        .option('--cache-dir <dir>', 'embedding cache folder (default: $ROUTER_CACHE_DIR or .router-cache)')
        .option('--no-cache', 'embed every text afresh, without reading or writing the cache')
        .addHelpText('after', examples([
          'router train datasets/demo-support.jsonl --name demo',
          'router train mmlu/ --name mmlu --embedder tfidf+use --folds 5',
          'router train data.csv --router mlp --embedder onnx:models/all-MiniLM-L6-v2',
          'router train data.csv --router semantic --routes routes.json --embedder use',
          'router train battles.csv --format battles --router mf --weak mixtral --strong gpt-4',
          'router train routerbench/ --name rb   # every model of the data: routes over all 11',
        ])),
    ),
  ).action(async (data: string, opts) => {
    const { json, debug: _debug, ...options } = opts;
    await commands.train({ data, ...options }, view(json));
  });

  addInputOptions(
    common(
      rolePrices(program
        .command('eval')
        .description('sweep thresholds on held-out data: exact cost-quality curve, APGR, CPT, baselines, cascade, calibration, CI gate')
        .argument('<data>', 'labelled dataset to evaluate on (the held-out part when it is the training dataset)')
        .option('--router <ref>', 'router artifact: a file, NAME or NAME@VERSION (repeatable)', repeatable)
        .option('--deployment <ref>', 'evaluate a deployment artifact\'s router at its threshold (instead of --router)')
        .option('--weak <model>', 'weak model (default: the router\'s pair)')
        .option('--strong <model>', 'strong model (default: the router\'s pair)')
        .addOption(new Option('--split <which>', 'rows to score: auto (held-out rows of the training dataset, else all), holdout or all').choices(['auto', 'holdout', 'all']).default('auto'))
        .option('--thresholds <list>', 'thresholds for the table, comma-separated in [0,1] (default: one row per tenth of strong share)', thresholds)
        .option('--target-gap <share>', 'operating point: the cheapest threshold within this quality gap (default 5%)', share)
        .option('--max-quality-gap <share>', 'gate: quality gap at the operating point at most this; alone, also the operating point\'s gap (then add --min-cost-reduction, --deployment or --gate-on bound, or it could never fail)', share)
        .option('--target-share <share>', 'operating point: the largest strong-call share at most this', share)
        .option('--target-quality <q>', 'over more than two models: operating point, the cheapest of quality at least this', share)
        .addOption(new Option('--rule <rule>', 'over more than two models: lambda (quality minus lambda x cost, the default) or tau (the cheapest model predicted at least tau)').choices(['lambda', 'tau']))
        .option('--min-aiq-gain <x>', 'gate, over more than two models: AIQ minus the zero router\'s at least this (e.g. 0)', (v: string) => { const x = Number(v); if (v.trim() === '' || !Number.isFinite(x)) throw new InvalidArgumentError('expected a number.'); return x; })
        .option('--unit-cost <model=usd>', 'over more than two models: dollars per call of a model whose rows record no cost (repeatable)', modelCosts)
        .option('--catalog-prices', 'price the calls the data has no cost for from the price database, by the data\'s model names')
        .option('--prices <file>', 'price file JSON looked up before the price database (then also prices by the data\'s model names)')
        .option('--output-tokens <n>', 'when pricing: output tokens per answer where the data records neither tokens nor the response (default 300)', nonNegativeInteger)
        .option('--target-budget <usd>', 'operating point: the best quality costing at most this many dollars per 1,000 queries', nonNegative)
        .option('--monitoring <share>', 'share of queries a deployment forces to the strong model to watch quality', share, 0)
        .option('--min-cost-reduction <x>', 'gate: cost reduction against always-strong at the operating point at least this (e.g. 2)', positive)
        .option('--min-apgr <value>', 'gate: APGR at least this', nonNegative)
        .addOption(new Option('--gate-on <what>', 'gate on the point estimate, or on the pessimistic bound of the bootstrap interval').choices(['point', 'bound']).default('point'))
        .option('--junit <file>', 'write the gate\'s checks as JUnit XML')
        .option('--bootstrap <n>', 'bootstrap resamples for confidence intervals (0: none)', nonNegativeInteger, 1000)
        .option('--seed <n>', 'seed of the bootstrap', integer, 1)
        .option('--by <column>', 'repeat the key metrics per value of this metadata column')
        .option('-o, --output <file>', 'also write the report as .json (with per-query results), .csv (per-query), .md, .svg (chart) or .html (repeatable)', repeatable)
        .option('--name <name>', 'report name (default: the first router\'s name)')
        .addHelpText('after', examples([
          'router eval datasets/demo-support.jsonl --router demo',
          'router eval mmlu/ --router mmlu --thresholds 0.3,0.5,0.7 --by source_file',
          'router eval mmlu/ --router mmlu --catalog-prices --output-tokens 5',
          'router eval datasets/demo-support.jsonl --router demo --target-share 0.3 --monitoring 0.02 -o report.html -o chart.svg',
          'router eval new.jsonl --deployment demo --max-quality-gap 0.05 --min-cost-reduction 2 --gate-on bound --junit gate.xml',
        ]) + `
CI gates (exit 1 when a check fails), one example each:
  a deployment on fresh data:   router eval fresh.jsonl --deployment demo --max-quality-gap 0.05
  the saving at a quality gap:  router eval test.jsonl --router demo --target-gap 0.05 --min-cost-reduction 1.5
  the ranking itself:           router eval test.jsonl --router demo --min-apgr 0.6
  a gap with sampling noise:    router eval test.jsonl --router demo --target-share 0.3 --max-quality-gap 0.05 --gate-on bound
`),
      ),
    ),
  ).action(async (data: string, opts) => {
    const { json, debug: _debug, ...options } = opts;
    await commands.eval({ data, ...options }, view(json));
  });

  common(
    rolePrices(program
      .command('estimate')
      .description('project monthly cost and savings from volume, prices and a router\'s weak share')
      // Bad input is one line here: the flag, the value and what was expected, without a usage hint after it.
      .showHelpAfterError(false)
      .option('--volume <n/period>', 'query volume, e.g. 1000000/day, 50k/day or 30M/month', volume)
      .option('--eval <ref>', 'eval report whose operating point gives the weak share, quality gap, costs and tokens')
      .option('--router <name>', 'which router of the --eval report (default: its first; "cascade" for its confidence cascade)')
      .option('--deployment <ref>', 'deployment whose threshold gives the weak share, quality gap and monitoring share')
      .option('--weak-share <share>', 'share of queries the router sends to the weak model', share)
      .option('--prices <file>', 'price file JSON whose models are looked up before the price database')
      .option('--weak-price <usd>', 'weak model, dollars per million tokens, input and output alike (blended)', nonNegative)
      .option('--strong-price <usd>', 'strong model, dollars per million tokens, input and output alike (blended)', nonNegative)
      .option('--tokens <n>', 'tokens per query, input and output together, at blended prices', positive)
      .option('--input-tokens <n>', 'input tokens per query', positive)
      .option('--output-tokens <n>', 'output tokens per query, both models', nonNegative)
      .option('--weak-output-tokens <n>', 'output tokens per query of the weak model', nonNegative)
      .option('--strong-output-tokens <n>', 'output tokens per query of the strong model', nonNegative)
      .option('--queries <csv>', 'CSV of real queries: input tokens per query measured with each model\'s tokenizer')
      .option('--query-col <name>', 'column of --queries holding the query (default: query, prompt, question, input or text)')
      .addOption(encodingOption())
      .option('--monitoring <share>', 'share of queries forced to the strong model to monitor quality (default: 5%, or the deployment\'s)', share)
      .option('--cascade', 'the weak model answers every query; escalations also pay for the strong one')
      .option('--overhead <usd>', 'the router\'s own cost per query in dollars (an embedding call, say)', nonNegative, 0)
      .option('--overhead-ms <ms>', 'the router\'s own latency per query in milliseconds', nonNegative, 0)
      .option('--fixed-monthly <usd>', 'the router\'s fixed cost per month (hosting it), which sets the break-even volume', nonNegative, 0)
      .option('--days <n>', 'days per month', positive, 30)
      .option('--grid-shares <list>', 'weak shares of the sensitivity grid (default 0.5,0.6,0.7,0.8,0.9, plus this estimate\'s)', shareList)
      .option('--grid-ratios <list>', 'strong/weak cost ratios of the sensitivity grid (default 2,5,10,20,50, plus this estimate\'s)', positiveList)
      .option('--name <name>', 'estimate name', 'estimate')
      .option('-o, --output <file>', 'also write the estimate as a Markdown document (JSON when FILE ends in .json)')
      .addHelpText('after', examples([
        'router estimate --eval demo --volume 50k/day',
        'router estimate --volume 1000000/day --tokens 500 --strong-price 15 --weak-price 0.8 --weak-share 0.7 --monitoring 0',
        'router estimate --volume 30M/month --weak-model openai:gpt-4o-mini --strong-model openai:gpt-4o --queries queries.csv --output-tokens 250 --weak-share 0.6',
        'router estimate --deployment support --volume 50k/day --overhead 0.00002 --fixed-monthly 400 -o estimate.md',
        'router estimate    (in a terminal: asks for what is missing, then prints the command line)',
      ]))),
  ).action(async (opts) => {
    const { json, debug: _debug, ...options } = opts;
    await commands.estimate(options, view(json));
  });

  common(
    program
      .command('route')
      .description('score queries with a router and print the model each one goes to')
      .argument('[query...]', 'one or more queries (or --file)')
      .option('--router <ref>', 'router artifact: a file, NAME or NAME@VERSION')
      .option('--deployment <ref>', 'deployment artifact: its router, threshold and monitoring share')
      .option('--file <csv>', 'CSV of queries to route, one per row')
      .option('--query-col <name>', 'column of --file holding the query (default: query, prompt, question, input or text)')
      .addOption(encodingOption())
      .option('--threshold <t>', 'send to strong when the score is at least this (default: the router\'s or the deployment\'s)', share)
      .option('--monitoring <share>', 'share of queries forced to the strong model, chosen by query hash and marked (default 0)', share)
      .option('--embedder <spec>', 'the embedder to use; must be the router\'s (an onnx:<folder> may point at a moved copy of its model)')
      .option('--cache-dir <dir>', 'embedding cache folder (default: $ROUTER_CACHE_DIR or .router-cache)')
      .option('--no-cache', 'embed every query afresh, without reading or writing the cache')
      .addHelpText('after', examples([
        'router route --router demo "Where is my order #4417?"',
        'router route --router demo --threshold 0.7 --json "Why did the webhook return 502?"',
        'router route --router demo --file queries.csv --monitoring 0.05 --json',
      ])),
  ).action(async (queries: string[], opts) => {
    const { json, debug: _debug, ...options } = opts;
    await commands.route({ queries, ...options }, view(json));
  });

  common(
    program
      .command('serve')
      .description('an OpenAI-compatible server that routes each chat request with a deployment (POST /v1/chat/completions, GET /v1/models, /metrics, /healthz)')
      .requiredOption('--deployment <ref>', 'deployment artifact: a file, NAME (its latest version, also on reload) or NAME@VERSION')
      .option('--host <host>', 'address to bind; anything but loopback needs ROUTER_SERVER_TOKEN', '127.0.0.1')
      .option('--port <n>', 'port (0: a free one, printed at start)', nonNegativeInteger, 8080)
      .option('--upstream <name=provider:model>', 'the provider model behind a model name of the deployment, or an extra name to pass through to (repeatable)', repeatable)
      .option('--base-url <name=url>', 'base URL of a served model, e.g. a local OpenAI-compatible server (repeatable)', repeatable)
      .option('--config <file>', 'JSON of providers and models: keys, base URLs (as router label --config)')
      .addOption(new Option('--route-on <text>', 'which text the router scores').choices(['last-user', 'user', 'all']).default('last-user'))
      .option('--log <file>', 'request log, JSONL, rotated by size', 'router-requests.jsonl')
      .option('--no-log', 'write no request log')
      .option('--log-max-bytes <n>', 'rotate the log past this size', positiveInteger)
      .option('--log-keep <n>', 'rotated log files kept', nonNegativeInteger)
      .option('--log-queries', 'write the routed text into the log (off: only its hash)')
      .option('--timeout <s>', 'seconds per upstream attempt (default 60)', positive)
      .option('--retries <n>', 'retries per model before falling back to the next stronger one (default 2)', nonNegativeInteger)
      .option('--drain-timeout <s>', 'on SIGTERM, seconds to wait for requests in flight (default 10)', nonNegative)
      .option('--embedder <spec>', 'the embedder to use; must be the router\'s')
      .option('--prices <file>', 'price file adding to the built-in catalog, for dollars in the log')
      .addHelpText('after', examples([
        'router serve --deployment support --upstream sim-small=openai:gpt-4o-mini --upstream sim-large=openai:gpt-4o',
        'router serve --deployment support@3 --port 0 --json --log-queries',
        'ROUTER_SERVER_TOKEN=s3cret router serve --deployment support --host 0.0.0.0',
      ])),
  ).action(async (opts) => {
    const { json, debug: _debug, ...options } = opts;
    await commands.serve(options, view(json));
  });

  common(
    program
      .command('monitor')
      .description('check live routing in router serve\'s request log against the deployment: traffic shares, score drift (PSI), spend, the router\'s overhead; write the monitoring sample for router label')
      .argument('<log...>', 'request log files: the live one and its rotated ones (LOG LOG.1 ..., or a glob the shell expands)')
      .requiredOption('--deployment <ref>', 'the deployment the server routes with: a file, NAME or NAME@VERSION (only its requests count)')
      .option('--since <time>', 'only requests at or after this ISO 8601 time, e.g. 2026-12-01T00:00:00Z')
      .option('--until <time>', 'only requests before this ISO 8601 time')
      .option('--max-psi <x>', 'score drift when the population-stability index of live scores against the eval data\'s is above this', nonNegative, 0.2)
      .option('--no-fail-on-drift', 'report drift but exit 0 (by default drift exits 1, as a failed gate)')
      .option('--sample-out <file.csv>', 'write the monitored requests as a query CSV for router label (needs a log written with --log-queries)')
      .option('--eval-data <file>', 'score this data for the expected score distribution, instead of the eval data the deployment records')
      .option('--skip-bad-lines', 'count and skip log lines that are not valid records, instead of stopping at the first')
      .option('--prices <file>', 'price catalog JSON adding to the built-in one (prices a paid embedder\'s calls)')
      .option('--cache-dir <dir>', 'embedding cache folder (default: $ROUTER_CACHE_DIR or .router-cache)')
      .option('--no-cache', 'embed the eval data afresh, without reading or writing the cache')
      .option('-o, --output <file>', 'also write the result as .json, .md or .csv (the per-model table) (repeatable)', repeatable)
      .addHelpText('after', examples([
        'router monitor requests.log --deployment support',
        'router monitor requests.log* --deployment support --since 2026-12-01 --sample-out sample.csv',
        'router label sample.csv --weak openai:gpt-4o-mini --strong openai:gpt-4o --judge openai:gpt-4o --name live',
        'router eval artifacts/datasets/live/v1.jsonl --deployment support --max-quality-gap 0.05',
      ]) + `
Exit codes: 0 no drift, 1 drift flagged (a share outside its interval, or PSI above --max-psi), 2 a usage or input error.
`),
  ).action(async (logs: string[], opts) => {
    const { json, debug: _debug, ...options } = opts;
    await commands.monitor({ logs, ...options }, view(json));
  });

  return program;
}

let outputGuarded = false;

/**
 * A reader that goes away (`router eval ... | head`) makes the next write fail with EPIPE, which
 * Node raises as an unhandled 'error' event: a stack trace for an ordinary use of a CLI. Writes to
 * the closed stream are dropped instead and the command ends as it would have, with its own exit
 * code (all output comes at the end, so little work is left by then; a failed gate still exits 1).
 */
function dropWritesToClosedOutput(): void {
  if (outputGuarded) return;
  outputGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
}

export async function main(argv: string[], io?: Io): Promise<number> {
  if (io === undefined) {
    dropWritesToClosedOutput();
    io = processIo();
  }
  const debug = argv.includes('--debug');
  const program = buildProgram(io);
  program.exitOverride();
  program.commands.forEach((c) => c.exitOverride());
  let failed = false;
  let err: unknown;
  try {
    await program.parseAsync(argv);
  } catch (e) {
    failed = true;
    err = e;
  }
  // No spinner outlives its command, however it ended: its timer would keep the process alive,
  // and it would draw over the error message below.
  stopSpinners();
  if (!failed) return EXIT.ok;
  if (err instanceof CommanderError) {
    // Commander has already printed its one-line message (or the help text).
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof UserError) {
    io.stderr(`router: ${err.describe(flagOf)}\n`);
    if (debug) io.stderr(`${err.stack}\n`);
    return EXIT.usage;
  }
  if (err instanceof Interrupted) return EXIT.interrupted;
  if (err instanceof GateFailure) {
    io.stderr(`router: gate failed: ${err.message}\n`);
    return EXIT.gate;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  io.stderr(`router: internal error: ${e.message}\n`);
  io.stderr(debug ? `${e.stack}\n` : 'This is a bug; run again with --debug for the stack trace and report it.\n');
  return EXIT.bug;
}

