import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { datasetLineage, readDataset } from '../../data/read-dataset.js';
import { readJsonArtifact, resolveArtifact, writeJsonArtifact } from '../../artifacts/store.js';
import type { LineageRef } from '../../artifacts/envelope.js';
import { GateFailure, UserError } from '../../errors.js';
import type { Target } from '../../eval/calibrate.js';
import { deploymentOf, type DeploymentBody } from '../../eval/deployment.js';
import { evaluate, type LoadedRouter } from '../../eval/evaluate.js';
import { failureMessage, gateRequested, junitXml, runGate, type GateSpec } from '../../eval/gate.js';
import { perQuery, perQueryCsv } from '../../eval/per-query.js';
import { renderEval, renderEvalHtml, renderEvalMarkdown, type Written } from '../../ui/render-eval.js';
import { qualityCostSvg } from '../../ui/svg-chart.js';
import { readOptions, type InputFlags } from '../input-options.js';
import { loadRouter } from '../load-router.js';
import { note, out, printJson, warn } from '../output.js';

interface EvalFlags extends InputFlags {
  router?: string[];
  deployment?: string;
  weak?: string;
  strong?: string;
  split: 'auto' | 'holdout' | 'all';
  thresholds?: number[];
  maxQualityGap?: number;
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

/** Export files are the user's to name; written whole (temp file, rename) so a reader never sees half of one. */
function writeOutput(file: string, text: string): void {
  mkdirSync(dirname(file) || '.', { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

function targetOf(flags: EvalFlags, deployment: DeploymentBody | undefined): { target: Target; explicit: boolean } {
  const pickers = [
    ['--target-share', flags.targetShare],
    ['--target-budget', flags.targetBudget],
  ].filter(([, v]) => v !== undefined) as [string, number][];
  if (deployment) {
    if (pickers.length) throw new UserError(`${pickers[0]![0]} chooses a threshold, but --deployment fixes it; use one or the other`);
    return { target: { kind: 'threshold', value: deployment.threshold }, explicit: false };
  }
  if (pickers.length > 1) throw new UserError('--target-share and --target-budget both choose the threshold; give one');
  if (flags.targetShare !== undefined) return { target: { kind: 'strong-share', value: flags.targetShare }, explicit: true };
  if (flags.targetBudget !== undefined) return { target: { kind: 'budget-per-1k', value: flags.targetBudget }, explicit: true };
  // The default operating point: the cheapest threshold within a 5% quality gap.
  return { target: { kind: 'max-quality-gap', value: flags.maxQualityGap ?? 0.05 }, explicit: flags.maxQualityGap !== undefined };
}

async function loadDeployment(ref: string, root: string): Promise<{ path: string; hash: LineageRef['hash']; body: DeploymentBody; router: LoadedRouter }> {
  const path = resolveArtifact(ref, 'deployment', root);
  const env = readJsonArtifact<DeploymentBody>(path, 'deployment');
  const router = await loadRouter(env.body.router.path, root);
  if (router.hash !== env.body.router.hash) {
    throw new UserError(`deployment names router ${env.body.router.name} with hash ${env.body.router.hash.slice(0, 19)}…, but ${env.body.router.path} has hash ${router.hash.slice(0, 19)}…`, { file: path });
  }
  return { path, hash: env.contentHash, body: env.body, router };
}

export async function evalCommand(data: string, flags: EvalFlags): Promise<void> {
  const root = flags.artifacts;
  const outputs = outputFormats(flags.output ?? []);
  if (flags.deployment && flags.router?.length) throw new UserError('give --router or --deployment, not both (a deployment names its router)');
  if (!flags.deployment && !flags.router?.length) throw new UserError('name the router to evaluate with --router, or a deployment with --deployment');
  const gate: GateSpec = { maxQualityGap: flags.maxQualityGap, minCostReduction: flags.minCostReduction, minApgr: flags.minApgr, on: flags.gateOn };
  if (gate.on === 'bound' && flags.bootstrap === 0) throw new UserError('--gate-on bound compares bootstrap bounds; it cannot be used with --bootstrap 0');

  const deployment = flags.deployment ? await loadDeployment(flags.deployment, root) : undefined;
  const routers = deployment ? [deployment.router] : await Promise.all(flags.router!.map((ref) => loadRouter(ref, root)));
  const { target, explicit } = targetOf(flags, deployment?.body);
  const dataset = readDataset(data, readOptions(flags));
  for (const n of dataset.notes ?? []) note(`note: ${n}`);
  const { body, warnings, detail } = await evaluate({
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
  for (const w of warnings) warn(w);
  if (gateRequested(gate)) body.gate = runGate(gate, body.routers);

  const lineage: LineageRef[] = [
    datasetLineage(dataset, 'test'),
    ...routers.map((r) => ({ kind: 'router' as const, hash: r.hash, path: r.path, role: 'router' })),
    ...(deployment ? [{ kind: 'deployment' as const, hash: deployment.hash, path: deployment.path, role: 'threshold' }] : []),
  ];
  const report = writeJsonArtifact('eval-report', body, lineage, { root, name: flags.name ?? routers[0]!.name });
  const written: Written = { report: report.path, deployments: [], files: [] };

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
    writeOutput(o.file, text);
    written.files.push(o.file);
  }
  if (flags.junit) {
    // Written with or without a gate (then with no test cases), so a CI step that collects it always finds it.
    const checks = body.gate ?? { on: gate.on, passed: true, checks: [] };
    writeOutput(flags.junit, junitXml(checks, { name: `router eval ${routers.map((r) => r.name).join(', ')}`, timestamp: report.envelope.createdAt, report: report.path }));
    written.files.push(flags.junit);
  }

  if (flags.json) printJson({ path: report.path, ...report.envelope, deployments: written.deployments, outputs: written.files });
  else out(renderEval(body, written));
  if (body.gate && !body.gate.passed) throw new GateFailure(failureMessage(body.gate));
}
