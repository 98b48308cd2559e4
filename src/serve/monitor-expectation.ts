import { existsSync } from 'node:fs';
import { readJsonArtifact } from '../artifacts/store.js';
import type { Hash } from '../artifacts/hash.js';
import { lookupPrice, type Catalog } from '../cost/catalog.js';
import { readDataset } from '../data/read-dataset.js';
import type { Dataset } from '../data/dataset.js';
import { msg, option, UserError } from '../errors.js';
import { chooseRows } from '../eval/evaluate.js';
import type { MultiEvalReportBody } from '../eval/evaluate-multi.js';
import type { FeaturizerState } from '../embed/features.js';
import type { AnyLoadedDeployment, LoadedDeployment, LoadedMultiDeployment } from '../routers/open.js';
import type { MonitorExpectation } from './monitor.js';

// What a deployment expects of live traffic, for `router monitor` to compare the log with: the
// traffic share per model (monitoring included), the router's scores on the eval data the
// deployment was chosen on (rescored now, on the same rows eval scored), the cost of
// always-reference, and the price of the router's own embedder calls.

export interface ExpectationOptions {
  /** Eval data to score instead of the one the deployment records (its file moved or changed). */
  evalData?: string;
  catalog: Catalog;
}

export interface Expectation {
  expectation: MonitorExpectation;
  /** The eval data scored, and how its rows were chosen. */
  data: { path: string; rows: number; split: 'holdout' | 'all' };
  warnings: string[];
}

/** The eval data a deployment names, read and checked against its hash (unless the user named another). */
function evalDataOf(recorded: { path: string; hash: string } | null, given: string | undefined, deploymentPath: string): Dataset {
  if (given !== undefined) return readDataset(given);
  if (recorded === null) throw new UserError(msg`the deployment records no eval data; name the data to compare scores with, with ${option('evalData')} FILE`, { file: deploymentPath });
  if (!existsSync(recorded.path)) throw new UserError(msg`the deployment's eval data ${recorded.path} is not there (moved?); name it with ${option('evalData')} FILE`, { file: deploymentPath });
  let dataset: Dataset;
  try {
    dataset = readDataset(recorded.path);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    throw new UserError(msg`${err.text}; name the eval data with ${option('evalData')} FILE`, err.where);
  }
  if (dataset.source.hash !== recorded.hash) {
    throw new UserError(msg`the deployment's eval data ${recorded.path} has changed since (hash ${dataset.source.hash.slice(0, 19)}…, recorded ${recorded.hash.slice(0, 19)}…); name the data it was chosen on with ${option('evalData')} FILE`, { file: deploymentPath });
  }
  return dataset;
}

function routerPriceOf(embedder: FeaturizerState, catalog: Catalog): MonitorExpectation['routerPrice'] {
  const paid = embedder.spec.split('+').find((part) => part.startsWith('openai:'));
  if (paid === undefined) return { dollars: 0, why: `the ${embedder.spec} embedder runs in-process: no dollars per request` };
  const found = lookupPrice(catalog, paid);
  if (!found) return { dollars: null, why: `unpriced: the price catalog has no ${paid} (add it in a price file)` };
  return { perInputToken: found.entry.inputPerMTok / 1e6, embedder: paid };
}

/** The expected live cost reduction: always-reference against the deployment's cost with the monitoring share sent to the reference. */
function liveCostReduction(referenceCost: number | null | undefined, routedCost: number | null | undefined, monitoring: number): number | null {
  if (referenceCost == null || routedCost == null) return null;
  const live = monitoring * referenceCost + (1 - monitoring) * routedCost;
  return live > 0 ? referenceCost / live : null;
}

async function pairExpectation(d: LoadedDeployment, o: ExpectationOptions, warnings: string[]): Promise<Expectation> {
  const { body } = d;
  const mon = body.monitoring;
  const ci = body.expected.ci?.strongShare;
  const strong = { model: body.pair.strong, routed: body.expected.strongShare, interval: ci ?? null };
  const weak = { model: body.pair.weak, routed: 1 - strong.routed, interval: ci ? ([1 - ci[1], 1 - ci[0]] as [number, number]) : null };
  const dataset = evalDataOf(body.evaluatedOn ?? null, o.evalData, d.path);
  const chosen = chooseRows({ dataset, routers: [d.router], split: 'auto' }, warnings);
  const scores = await d.router.router.score(chosen.rows.map((r) => r.query));
  const usage = body.usage?.[body.pair.strong];
  const dollars = body.costUnit === 'usd';
  const price = usage?.price;
  const tokens =
    dollars && price?.inputPerMTok !== undefined && price.outputPerMTok !== undefined && usage?.meanOutputTokens != null
      ? { inputPerMTok: price.inputPerMTok, outputPerMTok: price.outputPerMTok, meanOutputTokens: usage.meanOutputTokens }
      : null;
  const meanCost = dollars ? (usage?.meanCost ?? null) : null;
  return {
    expectation: {
      kind: 'pair',
      deploymentHash: d.hash,
      models: [body.pair.weak, body.pair.strong],
      reference: body.pair.strong,
      monitoring: mon,
      shares: [weak, strong],
      evalRows: body.evaluatedOn?.rows ?? null,
      tested: [body.pair.strong],
      expectedScores: scores,
      scoreName: `the router's score, P(${body.pair.strong} needed)`,
      referenceCost: tokens || meanCost !== null ? { meanCost, tokens } : null,
      expectedCostReduction: dollars ? liveCostReduction(meanCost, body.expected.cost, mon) : null,
      routerPrice: routerPriceOf(d.router.body.embedder, o.catalog),
    },
    data: { path: dataset.source.path, rows: chosen.rows.length, split: chosen.split },
    warnings,
  };
}

/** The test data of the eval report a deployment over N models was chosen in (its lineage names it). */
function multiEvalData(d: LoadedMultiDeployment): { recorded: { path: string; hash: Hash } | null; report: MultiEvalReportBody | null } {
  const ref = d.body.report;
  if (!ref || !existsSync(ref.path)) return { recorded: null, report: null };
  const env = readJsonArtifact<MultiEvalReportBody>(ref.path, 'eval-report');
  const test = env.lineage.find((l) => l.role === 'test' && l.path !== undefined);
  return { recorded: test ? { path: test.path!, hash: test.hash } : null, report: env.body };
}

async function multiExpectation(d: LoadedMultiDeployment, o: ExpectationOptions, warnings: string[]): Promise<Expectation> {
  const { body } = d;
  const mon = body.monitoring;
  const { recorded, report } = multiEvalData(d);
  const dataset = evalDataOf(recorded, o.evalData, d.path);
  const chosen = chooseRows({ dataset, routers: [d.router], split: 'auto' }, warnings);
  const predicted = await d.router.router.predict(chosen.rows.map((r) => r.query));
  const ref = body.models.indexOf(body.reference);
  const refCost = report?.singles.find((s) => s.model === body.reference)?.cost ?? null;
  return {
    expectation: {
      kind: 'multi',
      deploymentHash: d.hash,
      models: body.models,
      reference: body.reference,
      monitoring: mon,
      shares: body.models.map((model, m) => ({ model, routed: body.expected.shares[m]!, interval: null })),
      evalRows: report?.rows ?? null,
      tested: body.models,
      expectedScores: predicted.quality[ref]!,
      scoreName: `predicted quality of ${body.reference}`,
      referenceCost: refCost !== null ? { meanCost: refCost, tokens: null } : null,
      expectedCostReduction: liveCostReduction(refCost, body.expected.cost, mon),
      routerPrice: routerPriceOf(d.router.body.embedder, o.catalog),
    },
    data: { path: dataset.source.path, rows: chosen.rows.length, split: chosen.split },
    warnings,
  };
}

/** What the deployment expects, with its eval data rescored by its router. */
export function expectationOf(d: AnyLoadedDeployment, o: ExpectationOptions): Promise<Expectation> {
  const warnings: string[] = [];
  return d.kind === 'pair' ? pairExpectation(d, o, warnings) : multiExpectation(d, o, warnings);
}
