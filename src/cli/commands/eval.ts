import { dirname, extname, relative } from 'node:path';
import { z } from 'zod';
import { datasetLineage, readDataset } from '../../data/read-dataset.js';
import { writeJsonArtifact } from '../../artifacts/store.js';
import { WriteSet } from '../../artifacts/atomic-write.js';
import type { Envelope, LineageRef } from '../../artifacts/envelope.js';
import type { Hash } from '../../artifacts/hash.js';
import { msg, option, UserError } from '../../errors.js';
import type { Target } from '../../metrics/operating-point.js';
import { deploymentOf } from '../../eval/deployment.js';
import { evaluate, type EvalReportBody, type LoadedRouter } from '../../eval/evaluate.js';
import { failureMessage, gateRequested, junitXml, runGate, type GateReport, type GateSpec } from '../../eval/gate.js';
import { perQuery, perQueryCsv } from '../../eval/per-query.js';
import { metaLine, renderEval as renderEvalText, renderEvalHtml, renderEvalMarkdown, type ReportMeta, type Written } from '../../ui/render-eval.js';
import { multiQualityCostSvg, qualityCostSvg } from '../../ui/svg-chart.js';
import { readOptions } from '../input-options.js';
import type { Dataset } from '../../data/dataset.js';
import { NO_PROVENANCE, type CostProvenance } from '../../cost/cost-basis.js';
import { priceDataset } from '../../cost/price-dataset.js';
import { pricingRequested, quotePrices } from '../../cost/quote-prices.js';
import { readTextFile } from '../../text-file.js';
import { loadAnyRouter, type LoadedMultiRouter, type LoadOptions } from '../../routers/load.js';
import { evaluateMulti, type MultiEvalReportBody, type MultiEvalTarget } from '../../eval/evaluate-multi.js';
import { renderEvalMulti } from '../../ui/render-eval-multi.js';
import type { MultiDeploymentBody } from '../../routers/multi-deployment.js';
import { loadAnyDeployment, type LoadedMultiDeployment } from '../../routers/open.js';
import { checkCommonOptions, checkOutputs, type OutputRequest } from '../../user-paths.js';
import { inputShape, integerSchema, nameSchema, nonNegativeIntegerSchema, nonNegativeSchema, oneOf, positiveSchema, shareSchema, validateOptions } from '../options.js';
import { jsonText, NO_PROGRESS, noteLine, readLines, versionOf, warningLine, type ReadRef, type Rendered, type RenderView, type RunDeps } from '../rendered.js';

const names = z.array(nameSchema, { message: 'expected a list' });

export const evalOptionsSchema = z.strictObject({
  /** Labelled dataset to evaluate on (the held-out part when it is the training dataset). */
  data: nameSchema,
  ...inputShape,
  router: names.optional(),
  deployment: nameSchema.optional(),
  weak: nameSchema.optional(),
  strong: nameSchema.optional(),
  split: oneOf(['auto', 'holdout', 'all']).default('auto'),
  thresholds: z.array(shareSchema, { message: 'expected a list of thresholds in [0,1]' }).optional(),
  maxQualityGap: shareSchema.optional(),
  targetGap: shareSchema.optional(),
  targetShare: shareSchema.optional(),
  targetBudget: nonNegativeSchema.optional(),
  /** Over more than two models: the operating point is the cheapest whose quality is at least this. */
  targetQuality: shareSchema.optional(),
  /** Over more than two models: the rule whose sweep gives the curve and the operating point. */
  rule: oneOf(['lambda', 'tau']).optional(),
  /** Over more than two models: gate on the AIQ gain over the zero router. */
  minAiqGain: z.number({ message: 'expected a number' }).finite().optional(),
  /** Over more than two models: dollars per call of a model whose rows record no cost. */
  unitCost: z.record(z.string(), z.number().nonnegative().finite(), { message: 'expected { model: dollars per call }' }).optional(),
  /** Prices for data without recorded costs: a price file, the price database, or per-role flags as for estimate. */
  prices: nameSchema.optional(),
  catalogPrices: z.boolean({ message: 'expected true or false' }).optional(),
  weakModel: nameSchema.optional(),
  strongModel: nameSchema.optional(),
  weakInputPrice: nonNegativeSchema.optional(),
  weakOutputPrice: nonNegativeSchema.optional(),
  strongInputPrice: nonNegativeSchema.optional(),
  strongOutputPrice: nonNegativeSchema.optional(),
  /** Output tokens per answer where the data records neither tokens nor the response (default 300). */
  outputTokens: nonNegativeIntegerSchema.optional(),
  minCostReduction: positiveSchema.optional(),
  minApgr: nonNegativeSchema.optional(),
  gateOn: oneOf(['point', 'bound']).default('point'),
  bootstrap: nonNegativeIntegerSchema.default(1000),
  seed: integerSchema.default(1),
  monitoring: shareSchema.default(0),
  by: nameSchema.optional(),
  output: names.optional(),
  junit: nameSchema.optional(),
  name: nameSchema.optional(),
});

/** Options of `router eval`, as a script passes them. */
export type EvalOptions = z.input<typeof evalOptionsSchema>;
type Parsed = z.output<typeof evalOptionsSchema>;

/** The eval of routers over more than two models. */
export interface MultiEvalResult {
  kind: 'multi';
  report: string;
  envelope: Envelope<MultiEvalReportBody>;
  reused: boolean;
  /** Deployments written (one per router, when a target chose the operating point), and artifacts found identical. */
  deployments: string[];
  reusedPaths: string[];
  /** A failed gate's message: the CLI prints the report, then exits 1 with it. */
  gateFailure?: string;
  notes: string[];
  warnings: string[];
  reads: ReadRef[];
}

export type AnyEvalResult = EvalResult | MultiEvalResult;

export interface EvalResult {
  kind: 'pair';
  /** The report artifact (body included), the deployments and files written, and which artifacts were already there. */
  report: string;
  envelope: Envelope<EvalReportBody>;
  written: Written;
  /** A failed gate's message: the CLI prints the report, then exits 1 with it. */
  gateFailure?: string;
  notes: string[];
  warnings: string[];
  reads: ReadRef[];
}

const FORMATS = ['json', 'csv', 'md', 'svg', 'html'] as const;
type Format = (typeof FORMATS)[number];

/** Output files and their formats, checked before any work so a typo costs nothing. */
function outputFormats(files: string[]): { file: string; format: Format }[] {
  return files.map((file) => {
    const ext = extname(file).slice(1).toLowerCase();
    if (!(FORMATS as readonly string[]).includes(ext)) {
      throw new UserError(`cannot tell the output format from the extension; use one of ${FORMATS.map((f) => '.' + f).join(', ')}`, { file });
    }
    return { file, format: ext as Format };
  });
}

function targetOf(o: Parsed, deployment: boolean): { target: Target | null; explicit: boolean } {
  const pickers = (['targetGap', 'targetShare', 'targetBudget'] as const).filter((k) => o[k] !== undefined).map(option);
  if (deployment) {
    if (pickers.length) throw new UserError(msg`${pickers[0]!} chooses a threshold, but ${option('deployment')} fixes it; use one or the other`);
    return { target: null, explicit: false };
  }
  if (pickers.length > 1) throw new UserError(msg`${pickers[0]!} and ${pickers[1]!}${pickers.length > 2 ? msg` and ${pickers[2]!}` : ''} each choose the threshold; give one`);
  if (o.targetShare !== undefined) return { target: { kind: 'strong-share', value: o.targetShare }, explicit: true };
  if (o.targetBudget !== undefined) return { target: { kind: 'budget-per-1k', value: o.targetBudget }, explicit: true };
  // The cheapest threshold within a quality gap: --target-gap, else a lone --max-quality-gap (as
  // before that flag was only a gate), else 5%.
  const gap = o.targetGap ?? o.maxQualityGap;
  return { target: { kind: 'max-quality-gap', value: gap ?? 0.05 }, explicit: gap !== undefined };
}

/**
 * A gate whose every check holds by construction is refused: a quality-gap limit checked, on the
 * point estimate, at the very point chosen for being within that gap passes whatever the router.
 */
function checkGateCanFail(gate: GateSpec, target: Target | null): void {
  if (!gateRequested(gate) || gate.on !== 'point' || gate.minCostReduction !== undefined || gate.minApgr !== undefined) return;
  if (target?.kind !== 'max-quality-gap' || gate.maxQualityGap === undefined || target.value > gate.maxQualityGap) return;
  throw new UserError(
    msg`${option('maxQualityGap')} ${gate.maxQualityGap} would check the operating point chosen for being within that gap, so it always passes; add ${option('minCostReduction')} X, gate a deployment on fresh data (${option('deployment')} REF), or compare the bootstrap bound (${option('gateOn')} bound)`,
  );
}

export async function runEval(options: EvalOptions, deps: RunDeps = {}): Promise<AnyEvalResult> {
  const o = validateOptions(evalOptionsSchema, options);
  checkCommonOptions(o, 'write', deps.env ?? process.env);
  const progress = deps.progress ?? NO_PROGRESS;
  const root = o.artifacts;
  const data = o.data;
  const outputs = outputFormats(o.output ?? []);
  if (o.deployment && o.router?.length) throw new UserError(msg`give ${option('router')} or ${option('deployment')}, not both (a deployment names its router)`);
  if (!o.deployment && !o.router?.length) throw new UserError(msg`name the router to evaluate with ${option('router')}, or a deployment with ${option('deployment')}`);
  if (o.gateOn === 'bound' && o.bootstrap === 0) throw new UserError(msg`${option('gateOn')} bound compares bootstrap bounds; it cannot be used with ${option('bootstrap')} 0`);
  const requests: OutputRequest[] = [...outputs.map((f) => ({ path: f.file, option: 'output' })), ...(o.junit !== undefined ? [{ path: o.junit, option: 'junit' }] : [])];
  checkOutputs(requests, { inputs: [data, ...(o.router ?? []), ...(o.deployment ? [o.deployment] : [])], artifacts: root });

  // The artifacts say whether this is a pair or more models; reading them is cheap, the data comes after.
  const load: LoadOptions = { ...(deps.env ? { env: deps.env } : {}), onProgress: (what, done, total) => progress.embed(what, done, total) };
  const anyDeployment = o.deployment ? loadAnyDeployment(o.deployment, root, load) : undefined;
  const loaded = anyDeployment ? [] : o.router!.map((ref) => loadAnyRouter(ref, root, load));
  const many = loaded.filter((r) => r.kind === 'multi');
  if (many.length && many.length < loaded.length) throw new UserError('routers over a pair and routers over more models cannot be compared in one report; evaluate them separately');
  if (anyDeployment?.kind === 'multi') return evalOverMany(o, [anyDeployment.router], anyDeployment, progress, outputs);
  if (many.length) return evalOverMany(o, many as LoadedMultiRouter[], undefined, progress, outputs);
  if (o.targetQuality !== undefined || o.unitCost !== undefined || o.minAiqGain !== undefined || o.rule !== undefined) {
    const name = o.targetQuality !== undefined ? 'targetQuality' : o.unitCost !== undefined ? 'unitCost' : o.minAiqGain !== undefined ? 'minAiqGain' : 'rule';
    throw new UserError(msg`${option(name)} applies to routers over more than two models`);
  }
  const deployment = anyDeployment?.kind === 'pair' ? anyDeployment : undefined;
  const gate: GateSpec = { maxQualityGap: o.maxQualityGap, minCostReduction: o.minCostReduction, minApgr: o.minApgr, on: o.gateOn };
  const chosen = targetOf(o, o.deployment !== undefined);
  checkGateCanFail(gate, chosen.target);

  progress.stage(`evaluating on ${data}`);
  const warnings: string[] = [];
  const notice = deps.notice ?? ((m: string) => warnings.push(m));
  const routers = deployment ? [deployment.router] : loaded.map((r) => (r.kind === 'pair' ? r : null)).filter((r) => r !== null);
  const reads: ReadRef[] = [...(deployment ? [{ kind: 'deployment', path: deployment.path }] : []), ...routers.map((r) => ({ kind: 'router', path: r.path }))];
  const target: Target = deployment ? { kind: 'threshold', value: deployment.body.threshold } : chosen.target!;
  const read = readDataset(data, readOptions(o));
  if (read.source.isArtifact && versionOf(read.source.path)) reads.push({ kind: 'dataset', path: read.source.path });
  const pair = { weak: o.weak ?? deployment?.body.pair.weak ?? routers[0]!.body.pair.weak, strong: o.strong ?? deployment?.body.pair.strong ?? routers[0]!.body.pair.strong };
  const { dataset, provenance } = await priced(read, o, [pair.weak, pair.strong], pair);
  progress.stage(`evaluating ${routers.map((r) => r.name).join(', ')} on ${data}`);
  const { body, detail, warnings: found } = await evaluate({
    dataset,
    provenance,
    routers,
    pair: { weak: o.weak ?? deployment?.body.pair.weak, strong: o.strong ?? deployment?.body.pair.strong },
    split: o.split,
    thresholds: o.thresholds,
    target,
    bootstrap: { resamples: o.bootstrap, seed: o.seed, level: 0.95 },
    by: o.by,
    notice,
  });
  warnings.push(...found);
  if (gateRequested(gate)) body.gate = runGate(gate, body.routers);

  const lineage: LineageRef[] = [
    datasetLineage(dataset, 'test'),
    ...priceLineage(o),
    ...routers.map((r) => ({ kind: 'router' as const, hash: r.hash, path: r.path, role: 'router' })),
    ...(deployment ? [{ kind: 'deployment' as const, hash: deployment.hash, path: deployment.path, role: 'threshold' }] : []),
  ];
  // All or nothing: if a later output fails (a full disk), the versions and files this run created are removed.
  const files = new WriteSet();
  let written: ReturnType<typeof writeAll>;
  try {
    written = writeAll(body, detail, lineage, { o, routers, target, explicit: chosen.explicit, outputs, files });
    files.commit();
  } catch (err) {
    files.abort();
    throw err;
  }
  const { envelope, ...paths } = written;
  return {
    kind: 'pair',
    report: paths.report,
    envelope,
    written: paths,
    ...(body.gate && !body.gate.passed ? { gateFailure: failureMessage(body.gate) } : {}),
    notes: dataset.notes ?? [],
    warnings,
    reads,
  };
}

/** The dataset with the prices the options give applied (priceDataset), or as read when they give none. */
async function priced(dataset: Dataset, o: Parsed, models: string[], roles: { weak: string; strong: string } | null): Promise<{ dataset: Dataset; provenance: CostProvenance }> {
  if (!pricingRequested(o)) {
    if (o.outputTokens !== undefined) throw new UserError(msg`${option('outputTokens')} is the output tokens assumed where the data has none, for pricing; give prices too (${option('catalogPrices')}, ${option('prices')} FILE or per-model price options)`);
    return { dataset, provenance: NO_PROVENANCE };
  }
  const known = new Set(dataset.models.map((m) => m.id));
  const quotes = await quotePrices(o, dataset, models.filter((m) => known.has(m)), roles);
  return priceDataset(dataset, { prices: quotes, ...(o.outputTokens !== undefined ? { outputTokens: o.outputTokens } : {}) });
}

function priceLineage(o: Parsed): LineageRef[] {
  return o.prices !== undefined ? [{ kind: 'file', hash: readTextFile(o.prices).hash, path: o.prices, role: 'prices' }] : [];
}

async function evalOverMany(o: Parsed, routers: LoadedMultiRouter[], deployment: LoadedMultiDeployment | undefined, progress: NonNullable<RunDeps['progress']>, outputs: { file: string; format: Format }[]): Promise<MultiEvalResult> {
  const pairOnly = (['targetShare', 'thresholds', 'minApgr', 'weak', 'strong'] as const).find((k) => o[k] !== undefined);
  if (pairOnly) throw new UserError(msg`${option(pairOnly)} applies to a router over a pair; ${routers[0]!.name} routes over ${routers[0]!.body.models.length} models`);
  const pickers = (['targetGap', 'targetBudget', 'targetQuality'] as const).filter((k) => o[k] !== undefined);
  if (deployment && o.rule !== undefined) throw new UserError(msg`${option('rule')} chooses the rule, but ${option('deployment')} fixes it; use one or the other`);
  if (deployment && pickers.length) throw new UserError(msg`${option(pickers[0]!)} chooses an operating point, but ${option('deployment')} fixes it; use one or the other`);
  if (pickers.length > 1) throw new UserError(msg`${option(pickers[0]!)} and ${option(pickers[1]!)} each choose the operating point; give one`);
  const target: MultiEvalTarget | null = deployment
    ? { kind: 'rule', rule: deployment.body.rule }
    : o.targetBudget !== undefined ? { kind: 'budget-per-1k', value: o.targetBudget }
    : o.targetQuality !== undefined ? { kind: 'quality-floor', value: o.targetQuality }
    : o.targetGap !== undefined ? { kind: 'max-quality-gap', value: o.targetGap }
    : null;
  const gate: GateSpec = { maxQualityGap: o.maxQualityGap, minCostReduction: o.minCostReduction, minAiqGain: o.minAiqGain, on: o.gateOn };
  if (target?.kind === 'max-quality-gap' && gate.on === 'point' && gate.maxQualityGap !== undefined && target.value <= gate.maxQualityGap && gate.minCostReduction === undefined && gate.minAiqGain === undefined) {
    throw new UserError(msg`${option('maxQualityGap')} ${gate.maxQualityGap} would check the operating point chosen for being within that gap, so it always passes; add ${option('minCostReduction')} X or ${option('minAiqGain')} X, gate a deployment on fresh data (${option('deployment')} REF), or compare the bootstrap bound (${option('gateOn')} bound)`);
  }
  const reads: ReadRef[] = [...(deployment ? [{ kind: 'deployment', path: deployment.path }] : []), ...routers.map((r) => ({ kind: 'router', path: r.path }))];
  const read = readDataset(o.data, readOptions(o));
  if (read.source.isArtifact && versionOf(read.source.path)) reads.push({ kind: 'dataset', path: read.source.path });
  const { dataset, provenance } = await priced(read, o, routers[0]!.body.models, null);
  progress.stage(`evaluating ${routers.map((r) => r.name).join(', ')} over ${routers[0]!.body.models.length} models on ${o.data}`);
  const { body, warnings, detail } = await evaluateMulti({
    dataset,
    provenance,
    routers,
    split: o.split,
    target,
    ...(o.unitCost ? { unitCosts: o.unitCost } : {}),
    bootstrap: { resamples: o.bootstrap, seed: o.seed, level: 0.95 },
    ...(o.by ? { by: o.by } : {}),
    ...(o.rule ? { rule: o.rule } : {}),
  });
  if (deployment) body.deployment = { path: deployment.path, hash: deployment.hash, expected: deployment.body.expected };
  if (gateRequested(gate)) {
    body.gate = runGate(
      gate,
      body.routers.map((r) => ({
        name: r.name,
        operatingPoint: { point: r.operatingPoint, ...(r.ci ? { ci: { level: r.ci.level, qualityGap: r.ci.qualityGap, costReduction: r.ci.costReduction } } : {}) },
        summary: { aiqGain: r.summary.aiqGain, ...(r.ci ? { ci: { level: r.ci.level, aiqGain: r.ci.aiqGain } } : {}) },
      })),
    );
  }
  const lineage: LineageRef[] = [
    datasetLineage(dataset, 'test'),
    ...priceLineage(o),
    ...routers.map((r) => ({ kind: 'router' as const, hash: r.hash, path: r.path, role: 'router' })),
    ...(deployment ? [{ kind: 'deployment' as const, hash: deployment.hash, path: deployment.path, role: 'rule' }] : []),
  ];
  // All or nothing, as for a pair: a later write that fails removes what this run created.
  const files = new WriteSet();
  try {
    const report = writeJsonArtifact('eval-report', body, lineage, { root: o.artifacts, name: o.name ?? routers[0]!.name });
    if (!report.reused) files.claim(report.path);
    const deployments: string[] = [];
    const reused = report.reused ? [report.path] : [];
    if (target !== null && target.kind !== 'rule') {
      body.routers.forEach((r, k) => {
        const dep = multiDeploymentOf(r, body, target, o.monitoring, { path: report.path, hash: report.envelope.contentHash });
        const w = writeJsonArtifact('deployment', dep, [
          { kind: 'eval-report', hash: report.envelope.contentHash, path: report.path, role: 'calibration' },
          { kind: 'router', hash: routers[k]!.hash, path: routers[k]!.path, role: 'router' },
        ], { root: o.artifacts, name: r.name });
        if (w.reused) reused.push(w.path);
        else files.claim(w.path);
        deployments.push(w.path);
      });
    }
    stageJunit(files, o, body.gate, routers, report);
    const svg = outputs.find((f) => f.format === 'svg')?.file;
    for (const f of outputs) {
      const text = renderEvalMulti(body, { report: report.path, reused, deployments });
      const chart = () => multiQualityCostSvg(body);
      files.stage(
        f.file,
        f.format === 'json'
          ? JSON.stringify({ path: report.path, ...report.envelope, deployments }, null, 2) + '\n'
          : f.format === 'csv'
            ? multiPerQueryCsv(body, detail)
            : f.format === 'svg'
              ? chart()
              : f.format === 'md'
                ? `# Routing over ${body.models.length} models\n\n${svg ? `![quality against cost](${relative(dirname(f.file), svg)})\n\n` : ''}\`\`\`\n${plainText(text)}\n\`\`\`\n`
                : multiHtml(plainText(text), chart(), report.envelope, report.path, routers.map((x) => x.name)),
      );
    }
    files.commit();
    return {
      kind: 'multi',
      report: report.path,
      envelope: report.envelope,
      reused: report.reused === true,
      deployments,
      reusedPaths: reused,
      ...(body.gate && !body.gate.passed ? { gateFailure: failureMessage(body.gate) } : {}),
      notes: dataset.notes ?? [],
      warnings,
      reads,
    } as MultiEvalResult;
  } catch (err) {
    files.abort();
    throw err;
  }
}

// Files carry no terminal colour, whatever stdout takes.
function plainText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}

/** The N-model report as a page: which report it is, the answer (each router's operating point), the chart, then the rest. */
function multiHtml(text: string, svg: string, meta: ReportMeta, path: string, names: string[]): string {
  // The text leads with the operating points; the comparison tables start at the AIQ line.
  const cut = text.indexOf('\nAIQ over');
  const [answer, rest] = cut < 0 ? [text, ''] : [text.slice(0, cut), text.slice(cut + 1)];
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>router eval: ${escapeHtml(names.join(', '))}</title></head><body>\n` +
    `<p>${escapeHtml(metaLine(meta, path))}</p>\n<pre>${escapeHtml(answer)}</pre>\n${svg}\n<pre>${escapeHtml(rest)}</pre>\n</body></html>\n`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One row per test query: each router's chosen model, and that model's quality and cost there. */
function multiPerQueryCsv(body: MultiEvalReportBody, d: { ids: string[]; queries: string[]; choices: Int32Array[]; outcomes: { models: number; q: Float64Array; c: Float64Array } }): string {
  const cell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const head = ['id', 'query', ...body.routers.flatMap((r) => [`${r.name}:model`, `${r.name}:quality`, `${r.name}:cost`])];
  const M = d.outcomes.models;
  const rows = d.ids.map((id, i) => [id, d.queries[i]!, ...d.choices.flatMap((ch) => [body.models[ch[i]!]!, String(d.outcomes.q[i * M + ch[i]!]), String(d.outcomes.c[i * M + ch[i]!])])].map(cell).join(','));
  return [head.map(cell).join(','), ...rows].join('\n') + '\n';
}

/** The JUnit file, written with or without a gate (then with no test cases), so a CI step that collects it always finds it. */
function stageJunit(files: WriteSet, o: Parsed, gate: GateReport | null | undefined, routers: { name: string }[], report: { path: string; envelope: { createdAt: string } }): void {
  if (!o.junit) return;
  const checks = gate ?? { on: o.gateOn, passed: true, checks: [] };
  files.stage(o.junit, junitXml(checks, { name: `router eval ${routers.map((r) => r.name).join(', ')}`, timestamp: report.envelope.createdAt, report: report.path }));
}

/** The deployment of one router at the operating point an explicit target chose. */
function multiDeploymentOf(r: MultiEvalReportBody['routers'][number], body: MultiEvalReportBody, target: Exclude<MultiEvalTarget, { kind: 'rule' }>, monitoring: number, report: { path: string; hash: Hash }): MultiDeploymentBody {
  const op = r.operatingPoint;
  return {
    kind: 'multi',
    router: { name: r.name, path: r.path, hash: r.hash as Hash },
    models: body.models,
    reference: body.reference,
    rule: op.rule,
    monitoring,
    target: { kind: target.kind, value: target.value },
    expected: {
      quality: op.quality,
      cost: op.cost,
      qualityGap: op.qualityGap,
      costReduction: op.costReduction,
      shares: op.shares,
      spend: op.spend,
      ...(r.ci ? { ci: { level: r.ci.level, quality: r.ci.quality, cost: r.ci.cost, qualityGap: r.ci.qualityGap, costReduction: r.ci.costReduction } } : {}),
    },
    costUnit: 'usd',
    report,
  };
}

export function renderEval(r: AnyEvalResult, view: RenderView = {}): Rendered {
  const before = [...r.notes.map(noteLine), ...r.warnings.map(warningLine), ...readLines(r.reads)];
  if (r.kind === 'multi') {
    const stdout = view.json ? jsonText({ path: r.report, ...r.envelope, deployments: r.deployments }) : renderEvalMulti(r.envelope.body, { report: r.report, reused: r.reusedPaths, deployments: r.deployments }, view);
    return { before, stdout, after: [] };
  }
  const stdout = view.json ? jsonText({ path: r.report, ...r.envelope, deployments: r.written.deployments, outputs: r.written.files }) : renderEvalText(r.envelope.body, r.written, view);
  return { before, stdout, after: [] };
}

type Evaluated = Awaited<ReturnType<typeof evaluate>>;

function writeAll(
  body: Evaluated['body'],
  detail: Evaluated['detail'],
  lineage: LineageRef[],
  ctx: { o: Parsed; routers: LoadedRouter[]; target: Target; explicit: boolean; outputs: { file: string; format: Format }[]; files: WriteSet },
): Written & { envelope: Envelope<Evaluated['body']> } {
  const { o, routers, target, explicit, outputs, files } = ctx;
  const root = o.artifacts;
  const report = writeJsonArtifact('eval-report', body, lineage, { root, name: o.name ?? routers[0]!.name });
  if (!report.reused) files.claim(report.path);
  const written: Written = {
    report: report.path,
    reused: report.reused ? [report.path] : [],
    deployments: [],
    files: [...outputs.map((f) => f.file), ...(o.junit ? [o.junit] : [])],
  };

  if (explicit && target.kind !== 'threshold') {
    body.routers.forEach((r, i) => {
      const scores = detail.strategies[i]!.scores;
      let max = -Infinity;
      for (let k = 0; k < scores.length; k++) if (scores[k]! > max) max = scores[k]!;
      const dep = deploymentOf(r, body, target, detail.strategies[i]!.operatingScore, max, o.monitoring);
      dep.report = { path: report.path, hash: report.envelope.contentHash };
      const w = writeJsonArtifact('deployment', dep, [
        { kind: 'eval-report', hash: report.envelope.contentHash, path: report.path, role: 'calibration' },
        { kind: 'router', hash: r.hash, path: r.path, role: 'router' },
      ], { root, name: r.name });
      if (w.reused) written.reused!.push(w.path);
      else files.claim(w.path);
      written.deployments.push(w.path);
    });
  }

  const svgFile = outputs.find((f) => f.format === 'svg')?.file;
  for (const f of outputs) {
    let text: string;
    if (f.format === 'json') text = JSON.stringify({ path: report.path, ...report.envelope, queries: perQuery(detail) }, null, 2) + '\n';
    else if (f.format === 'csv') text = perQueryCsv(detail, o.by);
    else if (f.format === 'svg') text = qualityCostSvg(body);
    else if (f.format === 'md') text = renderEvalMarkdown(body, written, svgFile && relative(dirname(f.file), svgFile), report.envelope);
    else text = renderEvalHtml(body, written, qualityCostSvg(body), report.envelope);
    files.stage(f.file, text);
  }
  stageJunit(files, o, body.gate, routers, report);
  return { ...written, envelope: report.envelope };
}
