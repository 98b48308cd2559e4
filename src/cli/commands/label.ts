import { onInterrupt } from '../signals.js';
import { canAsk } from '../../ui/environment.js';
import { basename, extname } from 'node:path';
import { UserError } from '../../errors.js';
import type { Encoding } from '../../text-file.js';
import { labelQueries, type LabelOptions, type LabelResult } from '../../label/label-run.js';
import type { RunEstimate } from '../../label/estimate.js';
import type { Mode } from '../../label/row.js';
import type { MatchKind } from '../../label/reference.js';
import { confirmSpending, startProgress } from '../../ui/label-progress.js';
import { renderLabelEstimate, renderLabelSummary } from '../../ui/render-label.js';
import { count, usd } from '../../ui/format.js';
import { displayPath } from '../../artifacts/store.js';
import { note, out, warn } from '../output.js';
import { jsonText, type Rendered } from '../rendered.js';

interface LabelFlags {
  weak?: string;
  strong?: string;
  judge?: string;
  weakBaseUrl?: string;
  strongBaseUrl?: string;
  judgeBaseUrl?: string;
  config?: string;
  mode: Mode;
  referenceCol?: string;
  match: MatchKind;
  confidence?: boolean;
  template?: string;
  queryCol?: string;
  encoding?: Encoding;
  idCol?: string;
  name?: string;
  concurrency: number;
  rpm?: number;
  tpm?: number;
  retries: number;
  timeout: number;
  maxTokens: number;
  judgeMaxTokens: number;
  temperature?: number;
  maxCost?: number;
  prices?: string;
  cache: string | false;
  retryErrors?: boolean;
  limit?: number;
  assumeOutputTokens: number;
  dryRun?: boolean;
  yes?: boolean;
  artifacts: string;
  json?: boolean;
}

/** The dataset's name from the CSV's (`queries/support.csv` -> `support`), as train names routers. */
function nameOf(path: string): string {
  return basename(path, extname(path)).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'labelled';
}


function spendLine(e: RunEstimate): string {
  const calls = e.calls - e.stored;
  const money = e.usd !== undefined ? ` (estimated ${usd(e.usd)}, at most ${usd(e.maxUsd ?? e.usd)})` : '';
  return `${count(calls)} calls${money}`;
}

/**
 * The first Ctrl-C aborts the signal: the run stops starting calls, lets those in flight finish
 * and closes the journal. A second one exits at once; the calls it cuts off are in the journal as
 * sent, and the next run counts them as possibly billed. SIGTERM is left alone (see signals.ts): it
 * ends the process at once, with the same journal guarantees as a second Ctrl-C, and the run lock
 * of a dead process is taken over by the next run.
 */
function stopOnCtrlC(stopProgress: () => void, dryRun: boolean): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const dispose = onInterrupt((times) => {
    stopProgress();
    if (dryRun) {
      note('\nrouter: interrupted; a dry run calls nothing and wrote nothing');
      process.exit(130);
    }
    if (times === 1) {
      // The spinner would draw over the line; the summary line follows once the calls finish.
      note('\nrouter: stopping: no new calls; waiting for the calls in flight (Ctrl-C again to quit at once)');
      controller.abort();
      return;
    }
    note('router: quit at once; calls that were in flight are in the journal as sent and are counted as possibly billed when you run the same command again');
    process.exit(130);
  });
  return { signal: controller.signal, dispose };
}

export async function label(queries: string, flags: LabelFlags): Promise<void> {
  const options: LabelOptions = {
    queries,
    weak: flags.weak,
    strong: flags.strong,
    judge: flags.judge,
    baseURLs: { weak: flags.weakBaseUrl, strong: flags.strongBaseUrl, judge: flags.judgeBaseUrl },
    config: flags.config,
    mode: flags.mode,
    match: flags.match,
    referenceCol: flags.referenceCol,
    queryCol: flags.queryCol,
    encoding: flags.encoding,
    idCol: flags.idCol,
    confidence: flags.confidence ?? false,
    template: flags.template,
    concurrency: flags.concurrency,
    rpm: flags.rpm,
    tpm: flags.tpm,
    retries: flags.retries,
    timeoutMs: Math.round(flags.timeout * 1000),
    maxTokens: flags.maxTokens,
    judgeMaxTokens: flags.judgeMaxTokens,
    temperature: flags.temperature,
    maxCost: flags.maxCost,
    prices: flags.prices,
    cache: flags.cache,
    retryErrors: flags.retryErrors ?? false,
    limit: flags.limit,
    assumed: { answer: flags.assumeOutputTokens, judge: 250, confidence: 16 },
    artifacts: flags.artifacts,
    name: flags.name ?? nameOf(queries),
    dryRun: flags.dryRun ?? false,
  };
  const tty = canAsk();
  const progress = await startProgress(tty && !flags.dryRun);
  const interrupt = stopOnCtrlC(() => progress.stop(), options.dryRun);
  let result;
  try {
    result = await labelQueries(options, {
      env: process.env,
      warn,
      signal: interrupt.signal,
      ...(flags.yes
        ? {}
        : {
            confirm: async (estimate: RunEstimate) => {
              if (!tty) {
                throw new UserError(`this run makes ${spendLine(estimate)}: confirm with --yes (there is no terminal to ask on), or see the estimate with --dry-run`);
              }
              note(renderLabelEstimate(estimate, { rows: estimate.rows, alreadyDone: 0 }));
              return confirmSpending(estimate);
            },
          }),
      onStart: ({ resumed, total, journal }) => {
        if (tty && resumed) note(`resuming: ${count(resumed)} of ${count(total)} rows were done earlier (${journal})`);
        progress.begin();
      },
      onProgress: (p) => progress.update(p),
    });
  } finally {
    interrupt.dispose();
    progress.stop();
  }
  if (result.kind === 'interrupted') {
    note(`router: interrupted: ${count(result.done)} of ${count(result.rows)} rows are done and kept in ${displayPath(result.journal)} (${usd(result.spentUsd)} spent); run the same command again to continue, without paying again for what is done`);
    // 130 is what a shell reports for a run stopped by Ctrl-C; everything is written and closed.
    process.exit(130);
  }
  const r = renderLabel(result, { json: flags.json });
  for (const line of r.before) note(line);
  out(r.stdout);
  for (const line of r.after) note(line);
}

/** The text `router label` prints for a finished or dry run: the estimate, or the summary of the dataset written. */
export function renderLabel(result: Exclude<LabelResult, { kind: 'interrupted' }>, view: { json?: boolean } = {}): Rendered {
  if (result.kind === 'dry-run') {
    return {
      before: [],
      stdout: view.json
        ? jsonText({ dryRun: true, ...result.estimate, scheduledRows: result.rows, alreadyDone: result.alreadyDone, journal: result.journal })
        : renderLabelEstimate(result.estimate, { rows: result.rows, alreadyDone: result.alreadyDone }),
      after: [],
    };
  }
  const { envelope, summary } = result;
  const pair = envelope.body.defaultPair!;
  return {
    before: [],
    stdout: view.json
      ? jsonText({ path: result.path, kind: envelope.kind, name: envelope.name, version: envelope.version, contentHash: envelope.contentHash, lineage: envelope.lineage, body: envelope.body, summary })
      : renderLabelSummary(summary, result.path, envelope.contentHash, pair.weak, pair.strong, result.reused),
    after: [],
  };
}
