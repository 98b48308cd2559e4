// The library: what a TypeScript service or script uses in-process, and what the CLI is built on.
// Everything here is typed and documented; modules not exported here are internal.

// Route in-process with a trained router or a deployment.
export { openRouter, loadDeployment, loadAnyDeployment, type AnyLoadedDeployment, type LoadedMultiDeployment, type OpenRouter, type OpenOptions, type RouterRef, type RouteDecision, type LoadedDeployment } from './routers/open.js';
export { loadRouter, loadAnyRouter, defaultCacheDir, type AnyLoadedRouter, type LoadedMultiRouter, type LoadedRouter, type LoadOptions } from './routers/load.js';
export type { MultiMetrics, MultiRouterBody } from './routers/multi-router.js';
export type { MultiPrediction } from './routers/multi-pipeline.js';
export { chooseModels, modelTable, type ModelChoice, type ModelTable } from './data/model-table.js';
export { decide, isMonitored, type Decision } from './routers/monitoring.js';
export type { RouterBody, Metrics } from './routers/router.js';

// Read labelled data.
export { readDataset, datasetLineage, type ReadOptions } from './data/read-dataset.js';
export type { Dataset, DatasetRow, ModelInfo } from './data/dataset.js';
export { choosePair, type Pair } from './data/pair.js';

// Train, evaluate, estimate.
export { trainRouter, type TrainRequest, type Trained, type Tuning } from './routers/train.js';
export { evaluate, type EvalRequest, type EvalOutcome, type EvalReportBody, type RouterResult, type OperatingPoint } from './eval/evaluate.js';
export type { Target } from './metrics/operating-point.js';
export { runGate, type GateSpec, type GateReport, type GateCheck } from './eval/gate.js';
export type { DeploymentBody } from './routers/deployment.js';
export { estimate, type EstimateRequest, type EstimateOutcome, type EstimateBody, type Volume } from './cost/estimate.js';
export { loadCatalog, resolvePrice, lookupPrice, featuredModels, type Catalog, type PriceEntry, type Resolution } from './cost/catalog.js';
export { costBasis, type CostBasis, type CostKind, type CostProvenance, type PriceQuote } from './cost/cost-basis.js';
export { priceDataset, DEFAULT_OUTPUT_TOKENS, type PricingRequest } from './cost/price-dataset.js';

// The CLI's commands as functions: `run*` does a command's work (reads, computes, writes its
// artifacts and files) and returns what it did, printing nothing; `render*` gives the text the CLI
// prints for a result. Options are validated once, and bad ones are UserErrors naming the flag.
export { runTrain, renderTrain, trainOptionsSchema, type MultiTrainResult, type PairTrainResult, type TrainOptions, type TrainResult } from './cli/commands/train.js';
export { runEval, renderEval, evalOptionsSchema, type AnyEvalResult, type EvalOptions, type EvalResult, type MultiEvalResult } from './cli/commands/eval.js';
export { runEstimate, renderEstimate, estimateOptionsSchema, type EstimateOptions, type EstimateResult, type MultiEstimateResult, type PairEstimateResult, type EstimateDeps } from './cli/commands/estimate.js';
export { estimateMulti, type MultiEstimateBody, type MultiEstimateRequest } from './cost/estimate-multi.js';
export { runRoute, renderRoute, routeOptionsSchema, type AnyRouteResult, type MultiRouteResult, type RouteOptions, type RouteResult } from './cli/commands/route.js';
export { routeOverModels, type MultiDecision } from './routers/multi-route.js';
// Watching live routing: `router serve`'s request log read back and checked against the deployment.
export { runMonitor, renderMonitor, monitorOptionsSchema, sampleCsv, type MonitorOptions, type MonitorResult } from './cli/commands/monitor.js';
export { readLog, type ReadLogOptions, type LogSummary, type BadLine } from './serve/read-log.js';
export { LogTally, monitorReport, psi, psiBins, psiOf, wilson, PSI_BINS, PSI_EPSILON, type MonitorExpectation, type MonitorReport, type MonitorWindow, type ShareCheck, type PsiResult, type SampleRow, type ReferenceCost, type PsiBins } from './serve/monitor.js';
export { expectationOf, type Expectation, type ExpectationOptions } from './serve/monitor-expectation.js';
// Labelling spends money: runLabel asks deps.confirm first (none, or `yes`: it proceeds), stops
// starting calls once deps.signal is aborted, and returns what it wrote.
export { runLabel, renderLabel, labelOptionsSchema, type LabelOptions, type LabelDeps, type LabelResult } from './cli/commands/label.js';
export type { LabelSummary, LabelProgress } from './label/label-run.js';
export type { RunEstimate } from './label/estimate.js';
export type { Rendered, RenderView, RunDeps, ReadRef } from './cli/rendered.js';
// How render* lays text out: `{ width: process.stdout.columns, color: true }` for a terminal; none of it for a file.
export { streamLayout, type Layout } from './ui/layout.js';
export type { Progress } from './ui/progress.js';
export { MissingInput, type Need } from './cost/estimate.js';

// The exact curve and its metrics (GUIDE.md "Definitions").
export { exactCurve, type Curve, type CurvePoint, type Outcomes } from './metrics/curve.js';
export { apgr, cpt, auc, aiq, summarize, randomBaseline, oracle, type Summary } from './metrics/summary.js';

// N models (GUIDE.md "Definitions", the N-model part): the two decision rules, written once for
// eval and deployment alike; their exact sweeps; the single models, the zero router and the
// oracle; the summary read off a curve's hull; operating points; the bootstrap.
export { chooseByLambda, chooseByTau, choicesAt, trafficShares, realizedAt, type DecisionRule, type RuleKind } from './metrics/multi/choice.js';
export { lambdaEnvelope, tauEnvelope, type QueryEnvelope } from './metrics/multi/envelope.js';
export type { MultiPredictions, MultiOutcomes } from './metrics/multi/inputs.js';
export { lambdaSweep, tauSweep, prepareLambdaSweep, prepareTauSweep, sweepCurve, breakpointsOf, ruleValueAt, sharesAt, type LambdaCurve, type TauCurve, type MultiCurve, type PreparedSweep } from './metrics/multi/sweep.js';
export { modelPoints, bestSingle, cheapestSingle, zeroRouter, oraclePoint, type ModelPoints } from './metrics/multi/single-models.js';
export { summarizeMulti, routerHull, defaultRange, type MultiSummary, type MultiSummaryOptions, type Reach, type CostRange, type CurvePoints } from './metrics/multi/summary.js';
export { pickMultiPoint, type MultiTarget, type MultiOperatingPoint } from './metrics/multi/operating-point.js';
export { monotoneHull, aiqOver, qualityAt, costToReach, type Hull } from './metrics/hull.js';
export { multiBootstrap, type MultiBootstrapInput, type MultiBootstrapOptions, type MultiIntervals } from './eval/multi-bootstrap.js';

// Serve live traffic: `router serve` as a function, and the same routing server as a request
// handler for your own node:http, Express or Fastify server (routing, monitoring, fallback, log).
export { runServe, renderServe, serveOptionsSchema, type ServeOptions, type ServeResult } from './cli/commands/serve.js';
export { createRouterHandler, SERVE_RETRY, type RouterHandler, type RouterHandlerOptions } from './serve/handler.js';
export { listen, checkBind, type RunningServer } from './serve/server.js';
export { openDeployment, type ServedDeployment, type ServeDecision, type DeploymentRef } from './serve/routing.js';
export { logRecordSchema, LOG_RECORD_VERSION, type LogRecord } from './serve/log-record.js';
export { openRequestLog, type RequestLog, type RequestLogOptions } from './serve/request-log.js';
export type { RouteOn } from './serve/chat-api.js';
export type { RetryPolicy } from './providers/retry.js';

// The artifact store: versioned, content-hashed files with lineage.
export { resolveArtifact, readJsonArtifact, writeJsonArtifact, writeDatasetArtifact, checkName, DEFAULT_ROOT, type Written, type WriteTarget } from './artifacts/store.js';
export type { Envelope, LineageRef, ArtifactKind } from './artifacts/envelope.js';
export type { Hash } from './artifacts/hash.js';

// Errors: a UserError is the caller's to fix (bad input, a missing file); a GateFailure a limit that did not hold.
export { UserError, GateFailure, Message, OptionRef, type OptionNamer, type Where } from './errors.js';
