import type { Metrics, RouterBody } from '../routers/router.js';
import type { MultiRouterBody } from '../routers/multi-router.js';
import { count, fixed, pct, usd, writtenLine } from './format.js';
import { layOut, paintOf, type Layout } from './layout.js';
import { renderTable } from './table.js';

function metricRow(label: string, m: Metrics): string[] {
  return [label, count(m.rows), fixed(m.auc), fixed(m.logLoss), fixed(m.apgr), pct(m.cpt50 ?? null), pct(m.cpt80 ?? null)];
}

function optionText(o: Record<string, unknown>): string {
  return Object.entries(o)
    .map(([k, v]) => `${k === 'c' ? 'C' : k} ${v}`)
    .join(', ');
}

/** What the router was fitted to: the objective's words (calibration and metrics use strong-wins either way). */
function targetText(options: Record<string, unknown>): string {
  return options.objective === 'pairwise' ? "the pair's outcome (strong better 1, tie 0.5, weak better 0)" : 'strong model better';
}

export function renderTraining(body: RouterBody & { embedderDescription?: string; seconds?: number }, path: string, hash: string, pairChosenBy?: string, reused = false, layout: Layout = {}): string {
  const colors = paintOf(layout);
  const t = body.training;
  const v = t.validation;
  const tuning = t.tuning;
  const features = body.embedderDescription ?? body.embedder.spec;
  const lines = [
    `${colors.bold('Trained')} ${body.router} router on ${features} for ${body.pair.weak} (weak) -> ${body.pair.strong} (strong), target: ${targetText(t.options)}`,
    ...(pairChosenBy ? [`  pair chosen by ${pairChosenBy}; name it with --weak and --strong`] : []),
    `  ${count(t.rows)} training rows, ${pct(t.positives / t.rows)} where the strong model is better; trained in ${(body.seconds ?? t.seconds ?? 0).toFixed(2)} s`,
  ];
  if (tuning) {
    const how = tuning.method === 'folds' ? `${tuning.folds}-fold cross-validation` : `a ${pct(tuning.share ?? 0, 0)} validation split`;
    const [chosen, ...others] = tuning.candidates;
    // Name the options the candidates differ in beside each AUC, and the shared ones once.
    const keys = Object.keys(chosen?.options ?? {});
    const varying = keys.filter((k) => others.some((c) => JSON.stringify(c.options[k]) !== JSON.stringify(chosen!.options[k])));
    const pick = (o: Record<string, unknown>, ks: string[]) => Object.fromEntries(ks.map((k) => [k, o[k]]));
    const tried = others.length ? `; also tried ${others.map((c) => `${optionText(pick(c.options, varying))} (AUC ${fixed(c.auc)})`).join(', ')}` : '';
    const shared = keys.filter((k) => !varying.includes(k));
    const chosenText = chosen
      ? `${varying.length ? `${optionText(pick(chosen.options, varying))} ` : ''}(AUC ${fixed(chosen.auc)})${tried}${shared.length ? `; ${optionText(pick(chosen.options, shared))}` : ''}`
      : '';
    const { calibration: _c, ...final } = t.options;
    const refitted = chosen && JSON.stringify(final) !== JSON.stringify(chosen.options) ? `; refitted with ${optionText(final)}` : '';
    lines.push(`  tuned on ${how} of the training rows: ${chosenText}${refitted}`);
  }
  lines.push(`  calibration: ${body.calibration.method}; default threshold ${fixed(body.threshold)}${
    body.thresholdRule?.kind === 'max-quality-gap' ? `, the cheapest point within a ${pct(body.thresholdRule.value, 0)} quality gap on validation data` : ''
  }`);
  const rows: string[][] = [];
  if (tuning) rows.push(metricRow(tuning.method === 'folds' ? 'validation (out-of-fold)' : 'validation (tuning split)', tuning.metrics));
  if (v) rows.push(metricRow('held-out', v));
  if (rows.length) {
    rows.push(['random', '', '0.500', '', '0.500', '50.0%', '80.0%']);
    lines.push('', renderTable(['this router', 'rows', 'AUC', 'log-loss', 'APGR', 'CPT(50%)', 'CPT(80%)'], rows, { layout, optional: [3, 1] }));
  }
  if (!v) lines.push('  trained on every row (--no-holdout): evaluate it on other data');
  for (const n of t.notes ?? []) lines.push(`  note: ${n}`);
  lines.push('', writtenLine('Router', path, reused), `  content hash ${hash}`);
  return layOut(lines, layout);
}

/** Dollars per 1,000 queries, the unit N-model costs are compared in (RouterBench's). */
function per1k(usdPerQuery: number): string {
  return usd(usdPerQuery * 1000, 3);
}

export function renderMultiTraining(body: MultiRouterBody & { embedderDescription?: string; seconds?: number }, path: string, hash: string, referenceChosenBy: string, reused = false, layout: Layout = {}): string {
  const colors = paintOf(layout);
  const t = body.training;
  const v = t.validation;
  const tuning = t.tuning;
  const features = body.embedderDescription ?? String(body.embedder.spec);
  const lines = [
    `${colors.bold('Trained')} ${body.router} router on ${features} over ${body.models.length} models, target: each model's quality`,
    `  reference model ${body.reference}${referenceChosenBy === 'option' ? '' : ` (${referenceChosenBy}; name another with --reference)`}`,
    `  ${count(t.rows)} training rows; trained in ${(body.seconds ?? 0).toFixed(2)} s`,
  ];
  if (tuning) {
    const how = tuning.method === 'folds' ? `${tuning.folds}-fold cross-validation` : `a ${pct(tuning.share ?? 0, 0)} validation split`;
    const [chosen, ...others] = tuning.candidates;
    const tried = others.length ? `; also tried ${others.map((c) => `${optionText(c.options)} (${fixed(c.logLoss)})`).join(', ')}` : '';
    lines.push(`  tuned on ${how} of the training rows: ${chosen ? `${optionText(chosen.options)} (log-loss ${fixed(chosen.logLoss)})` : ''}${tried}`);
  }
  const chosenBy = tuning?.ruleChosenBy;
  lines.push(`  default rule: ${body.rule.kind === 'lambda' ? `lambda ${fixed(body.rule.value, 4)} (quality per dollar)` : `tau ${fixed(body.rule.value)}`}${
    chosenBy?.kind === 'max-quality-gap'
      ? `, the cheapest point within a ${pct(chosenBy.value, 0)} quality gap of the reference on validation data`
      : chosenBy?.kind === 'best-quality'
        ? ', the best point on validation data (no point came within --target-gap of the reference)'
        : ''
  }`);
  const rows = body.models.map((m, j) => [m, per1k(body.costs[j]!.perQuery), body.costs[j]!.basis, ...(v ? [pct(v.shares[j] ?? 0)] : [])]);
  lines.push('', renderTable(['model', 'cost / 1k queries', 'cost from', ...(v ? ['held-out share'] : [])], rows, { layout, short: { 1: 'cost / 1k', 3: 'held-out' } }));
  if (v) {
    lines.push(
      '',
      renderTable(
        ['held-out', 'rows', 'log-loss', 'AIQ', 'vs zero router', 'quality', 'cost / 1k'],
        [['this router', count(v.rows), fixed(v.logLoss), fixed(v.aiq), v.aiqGain === null ? '' : `${v.aiqGain >= 0 ? '+' : ''}${fixed(v.aiqGain)}`, fixed(v.quality), per1k(v.cost)]],
        { layout, short: { 4: 'vs zero' }, optional: [2, 1] },
      ),
    );
  } else lines.push('  trained on every row (--no-holdout): evaluate it on other data');
  lines.push('', writtenLine('Router', path, reused), `  content hash ${hash}`);
  return layOut(lines, layout);
}
