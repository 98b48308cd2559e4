import { dirname, extname, relative } from 'node:path';
import { datasetLineage, readDataset } from '../../data/read-dataset.js';
import { writeJsonArtifact } from '../../artifacts/store.js';
import { WriteSet } from '../../artifacts/atomic-write.js';
import type { Envelope, LineageRef } from '../../artifacts/envelope.js';
import { GateFailure, UserError } from '../../errors.js';
import type { Target } from '../../metrics/operating-point.js';
import { deploymentOf } from '../../eval/deployment.js';
import { evaluate, type LoadedRouter } from '../../eval/evaluate.js';
import { failureMessage, gateRequested, junitXml, runGate, type GateSpec } from '../../eval/gate.js';
import { perQuery, perQueryCsv } from '../../eval/per-query.js';
import { renderEval, renderEvalHtml, renderEvalMarkdown, type Written } from '../../ui/render-eval.js';
import { withProgress } from '../../ui/progress.js';
import { qualityCostSvg } from '../../ui/svg-chart.js';
import { readOptions, type InputFlags } from '../input-options.js';
import { loadRouter, type LoadOptions } from '../../routers/load.js';
import { loadDeployment } from '../../routers/open.js';
import { note, out, printJson, readNote, versionOf, warn } from '../output.js';
import { checkOutputs, type OutputRequest } from '../paths.js';

interface EvalFlags extends InputFlags {
  router?: string[];
  deployment?: string;
  weak?: string;
  strong?: string;
  split: 'auto' | 'holdout' | 'all';
  thresholds?: number[];
  maxQualityGap?: number;
  targetGap?: number;
  targetShare?: number;
  targetBudget?: number;
  minCostReduction?: number;
  minApgr?: number;
  gateOn: 'point' | 'bound';
  bootstrap: number;
  seed: number;
  monitoring: number;
  by?: string;
  output?: string[];
  junit?: string;
  name?: string;
  json?: boolean;
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

function targetOf(flags: EvalFlags, deployment: boolean): { target: Target | null; explicit: boolean } {
  const pickers = [
    ['--target-gap', flags.targetGap],
    ['--target-share', flags.targetShare],
    ['--target-budget', flags.targetBudget],
  ].filter(([, v]) => v !== undefined) as [string, number][];
  if (deployment) {
    if (pickers.length) throw new UserError(`${pickers[0]![0]} chooses a threshold, but --deployment fixes it; use one or the other`);
    return { target: null, explicit: false };
  }
  if (pickers.length > 1) throw new UserError(`${pickers.map(([f]) => f).join(' and ')} each choose the threshold; give one`);
  if (flags.targetShare !== undefined) return { target: { kind: 'strong-share', value: flags.targetShare }, explicit: true };
  if (flags.targetBudget !== undefined) return { target: { kind: 'budget-per-1k', value: flags.targetBudget }, explicit: true };
  // The cheapest threshold within a quality gap: --target-gap, else a lone --max-quality-gap (as
  // before that flag was only a gate), else 5%.
  const gap = flags.targetGap ?? flags.maxQualityGap;
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
    `--max-quality-gap ${gate.maxQualityGap} would check the operating point chosen for being within that gap, so it always passes; ` +
      'add --min-cost-reduction X, gate a deployment on fresh data (--deployment REF), or compare the bootstrap bound (--gate-on bound)',
  );
}

export async function evalCommand(data: string, flags: EvalFlags): Promise<void> {
  const root = flags.artifacts;
  const outputs = outputFormats(flags.output ?? []);
  if (flags.deployment && flags.router?.length) throw new UserError('give --router or --deployment, not both (a deployment names its router)');
  if (!flags.deployment && !flags.router?.length) throw new UserError('name the router to evaluate with --router, or a deployment with --deployment');
  const gate: GateSpec = { maxQualityGap: flags.maxQualityGap, minCostReduction: flags.minCostReduction, minApgr: flags.minApgr, on: flags.gateOn };
  if (gate.on === 'bound' && flags.bootstrap === 0) throw new UserError('--gate-on bound compares bootstrap bounds; it cannot be used with --bootstrap 0');
  const chosen = targetOf(flags, flags.deployment !== undefined);
  checkGateCanFail(gate, chosen.target);
  const requests: OutputRequest[] = [...outputs.map((o) => ({ path: o.file, option: '-o' })), ...(flags.junit !== undefined ? [{ path: flags.junit, option: '--junit' }] : [])];
  checkOutputs(requests, { inputs: [data, ...(flags.router ?? []), ...(flags.deployment ? [flags.deployment] : [])], artifacts: root });

  const { deployment, routers, target, explicit, dataset, body, warnings, detail } = await withProgress(`evaluating on ${data}`, async (progress) => {
    const load: LoadOptions = { onProgress: (what, done, total) => progress.embed(what, done, total) };
    const deployment = flags.deployment ? loadDeployment(flags.deployment, root, load) : undefined;
    const routers = deployment ? [deployment.router] : await Promise.all(flags.router!.map((ref) => loadRouter(ref, root, load)));
    if (deployment) readNote('deployment', deployment.path);
    for (const r of routers) readNote('router', r.path);
    const target: Target = deployment ? { kind: 'threshold', value: deployment.body.threshold } : chosen.target!;
    const explicit = chosen.explicit;
    const dataset = readDataset(data, readOptions(flags));
    if (dataset.source.isArtifact && versionOf(dataset.source.path)) readNote('dataset', dataset.source.path);
    progress.stage(`evaluating ${routers.map((r) => r.name).join(', ')} on ${data}`);
    const result = await evaluate({
      dataset,
      routers,
      pair: { weak: flags.weak ?? deployment?.body.pair.weak, strong: flags.strong ?? deployment?.body.pair.strong },
      split: flags.split,
      thresholds: flags.thresholds,
      target,
      bootstrap: { resamples: flags.bootstrap, seed: flags.seed, level: 0.95 },
      by: flags.by,
      notice: (m) => warn(m),
    });
    return { deployment, routers, target, explicit, dataset, ...result };
  });
  for (const n of dataset.notes ?? []) note(`note: ${n}`);
  for (const w of warnings) warn(w);
  if (gateRequested(gate)) body.gate = runGate(gate, body.routers);

  const lineage: LineageRef[] = [
    datasetLineage(dataset, 'test'),
    ...routers.map((r) => ({ kind: 'router' as const, hash: r.hash, path: r.path, role: 'router' })),
    ...(deployment ? [{ kind: 'deployment' as const, hash: deployment.hash, path: deployment.path, role: 'threshold' }] : []),
  ];
  // All or nothing: if a later output fails (a full disk), the versions and files this run created are removed.
  const files = new WriteSet();
  try {
    const written = writeAll(body, detail, lineage, { flags, root, routers, target, explicit, outputs, files });
    files.commit();
    if (flags.json) printJson({ path: written.report, ...written.envelope, deployments: written.deployments, outputs: written.files });
    else out(renderEval(body, written));
  } catch (err) {
    files.abort();
    throw err;
  }
  if (body.gate && !body.gate.passed) throw new GateFailure(failureMessage(body.gate));
}

type EvalResult = Awaited<ReturnType<typeof evaluate>>;

function writeAll(
  body: EvalResult['body'],
  detail: EvalResult['detail'],
  lineage: LineageRef[],
  ctx: { flags: EvalFlags; root: string; routers: LoadedRouter[]; target: Target; explicit: boolean; outputs: { file: string; format: Format }[]; files: WriteSet },
): Written & { envelope: Envelope<EvalResult['body']> } {
  const { flags, root, routers, target, explicit, outputs, files } = ctx;
  const report = writeJsonArtifact('eval-report', body, lineage, { root, name: flags.name ?? routers[0]!.name });
  if (!report.reused) files.claim(report.path);
  const written: Written = {
    report: report.path,
    reused: report.reused ? [report.path] : [],
    deployments: [],
    files: [...outputs.map((o) => o.file), ...(flags.junit ? [flags.junit] : [])],
  };

  if (explicit && target.kind !== 'threshold') {
    body.routers.forEach((r, i) => {
      const scores = detail.strategies[i]!.scores;
      let max = -Infinity;
      for (let k = 0; k < scores.length; k++) if (scores[k]! > max) max = scores[k]!;
      const dep = deploymentOf(r, body, target, detail.strategies[i]!.operatingScore, max, flags.monitoring);
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

  const svgFile = outputs.find((o) => o.format === 'svg')?.file;
  for (const o of outputs) {
    let text: string;
    if (o.format === 'json') text = JSON.stringify({ path: report.path, ...report.envelope, queries: perQuery(detail) }, null, 2) + '\n';
    else if (o.format === 'csv') text = perQueryCsv(detail, flags.by);
    else if (o.format === 'svg') text = qualityCostSvg(body);
    else if (o.format === 'md') text = renderEvalMarkdown(body, written, svgFile && relative(dirname(o.file), svgFile));
    else text = renderEvalHtml(body, written, qualityCostSvg(body));
    files.stage(o.file, text);
  }
  if (flags.junit) {
    // Written with or without a gate (then with no test cases), so a CI step that collects it always finds it.
    const checks = body.gate ?? { on: flags.gateOn, passed: true, checks: [] };
    files.stage(flags.junit, junitXml(checks, { name: `router eval ${routers.map((r) => r.name).join(', ')}`, timestamp: report.envelope.createdAt, report: report.path }));
  }
  return { ...written, envelope: report.envelope };
}
