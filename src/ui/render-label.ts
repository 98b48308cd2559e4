import { displayPath } from '../artifacts/store.js';
import type { RunEstimate } from '../label/estimate.js';
import type { LabelSummary } from '../label/label-run.js';
import { count, fixed, pct, usd } from './format.js';
import { layOut, type Layout } from './layout.js';
import { renderTable } from './table.js';

// Tables of `router label`: the estimate (dry run and confirmation) and the summary of a run.

const PURPOSE: Record<string, string> = { weak: 'weak answer', strong: 'strong answer', answer: 'answer', judge: 'judge', confidence: 'weak confidence', 'model-confidence': 'confidence' };

function money(x: number | undefined): string {
  return x === undefined ? 'no price' : usd(x);
}

export function renderLabelEstimate(e: RunEstimate, info: { rows: number; alreadyDone: number }, layout: Layout = {}): string {
  const table = renderTable(
    ['call', 'model', 'calls', 'answered already', 'input tokens', 'output tokens (assumed)', 'estimate', 'at most'],
    [
      ...e.roles.map((r) => [PURPOSE[r.purpose] ?? r.purpose, r.model, count(r.calls), count(r.stored), count(r.inputTokens), count(r.outputTokens), money(r.usd), money(r.maxUsd)]),
      ['total', '', count(e.calls), count(e.stored), count(e.inputTokens), count(e.outputTokens), money(e.usd), money(e.maxUsd)],
    ],
    { alignLeft: [0, 1], layout, short: { 3: 'cached', 4: 'input tok', 5: 'output (assumed)' }, optional: [3, 7] },
  );
  const lines = [
    `${count(e.rows)} queries to label${info.alreadyDone ? ` (${count(info.alreadyDone)} of ${count(info.rows)} already done in the run journal)` : ''}: ${count(e.calls - e.stored)} calls to make.`,
    table,
    `Input tokens counted with the o200k tokenizer (other providers tokenise differently). Output tokens assume ${e.assumed.answer} per answer, ${e.assumed.judge} per judge reply and ${e.assumed.confidence} per confidence reply (--assume-output-tokens); "at most" has every output at its max tokens.`,
  ];
  if (e.unpriced.length) lines.push(`No price for ${e.unpriced.join(', ')}: not in the dollar figures (add prices with --prices FILE).`);
  return layOut(lines, layout);
}

/** `pair`: the dataset's pair (the pair form); without one, the models of `s.meanQuality`. */
export function renderLabelSummary(s: LabelSummary, path: string, hash: string, pair: { weak: string; strong: string } | undefined, reused = false, layout: Layout = {}): string {
  const lines = [
    `Labelled ${count(s.labelled)} of ${count(s.rows)} queries: ${displayPath(path)} (${hash.slice(0, 19)}…)` +
      (reused ? '; the same rows as this version, so no new version was written' : ''),
  ];
  lines.push(
    renderTable(
      ['call', 'model', 'calls made', 'from cache', 'input tokens', 'output tokens', 'spent', 'errors'],
      s.roles.map((r) => [PURPOSE[r.purpose] ?? r.purpose, r.model, count(r.apiCalls), count(r.storedCalls), count(r.inputTokens), count(r.outputTokens), usd(r.spentUsd), count(r.errors)]),
      { alignLeft: [0, 1], layout, short: { 2: 'calls', 3: 'cached', 4: 'input tok', 5: 'output tok' } },
    ),
  );
  const n = s.labelled;
  if (pair) {
    const { weak, strong } = pair;
    lines.push(
      `Strong better on ${count(s.strongBetter ?? 0)} (${pct((s.strongBetter ?? 0) / n)}), weak better on ${count(s.weakBetter ?? 0)}, equal on ${count(s.ties ?? 0)}. ` +
        `Mean quality: ${weak} ${fixed(s.meanQuality[weak])}, ${strong} ${fixed(s.meanQuality[strong])}.`,
    );
  } else {
    const models = Object.keys(s.meanQuality);
    const best = s.best;
    lines.push(
      `Mean quality: ${models.map((m) => `${m} ${fixed(s.meanQuality[m])}`).join(', ')}.` +
        (best ? ` Best alone on: ${models.map((m) => `${m} ${count(best.alone[m] ?? 0)}`).join(', ')}; several tied for best on ${count(best.tied)}.` : ''),
    );
  }
  lines.push(`Spent ${usd(s.spentUsd)} in this run (${usd(s.runSpentUsd)} in all runs of this journal); ${count(s.calls.api)} calls made, ${count(s.calls.cache + s.calls.journal)} answered from cache or journal, ${count(s.calls.retries)} retries.`);
  if (s.unlabelled) lines.push(`${count(s.unlabelled)} rows left out: the judge's verdict could not be read (see the dataset's provenance.leftOut).`);
  if (s.failed) lines.push(`${count(s.failed)} rows failed and are left out; run the same command with --retry-errors to try them again.`);
  if (s.possiblyBilledTwice.calls) {
    lines.push(`${count(s.possiblyBilledTwice.calls)} calls were sent by an earlier run that stopped before their answer was recorded: they were made again and may have been billed twice (counted in the spend at their maximum, ${usd(s.possiblyBilledTwice.maxUsd)}).`);
  }
  if (s.maxCost !== undefined && s.runSpentUsd > s.maxCost) {
    lines.push(`Over --max-cost by ${usd(s.runSpentUsd - s.maxCost)}: the providers counted more tokens than the estimate of the calls' maximum.`);
  }
  if (s.stopped?.kind === 'budget') lines.push(`Stopped at the budget: ${usd(s.stopped.spent)} of --max-cost ${usd(s.stopped.maxUsd)}; ${count(s.notRun)} rows not run. Raise --max-cost and run the same command to continue.`);
  else if (s.notRun) lines.push(`${count(s.notRun)} rows not run.`);
  lines.push(`Journal: ${displayPath(s.journal)}`);
  return layOut(lines, layout);
}
