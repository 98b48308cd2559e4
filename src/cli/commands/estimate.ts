import { extname } from 'node:path';
import { readJsonArtifact, resolveArtifact, writeJsonArtifact } from '../../artifacts/store.js';
import { WriteSet } from '../../artifacts/atomic-write.js';
import type { LineageRef } from '../../artifacts/envelope.js';
import { loadCatalog } from '../../cost/catalog.js';
import { estimate as estimateCore, MissingInput, type EstimateRequest, type Volume } from '../../cost/estimate.js';
import { fromDeployment, fromEvalReport, type OperatingSource } from '../../cost/operating-source.js';
import type { MeasuredTokens } from '../../cost/query-tokens.js';
import { UserError } from '../../errors.js';
import { readTextFile, type Encoding } from '../../text-file.js';
import type { EstimateAnswers } from '../../ui/prompt-estimate.js';
import { renderEstimate, renderEstimateMarkdown } from '../../ui/render-estimate.js';
import { note, out, printJson, readNote, warn } from '../output.js';
import { checkOutputs } from '../../user-paths.js';

interface EstimateFlags extends EstimateAnswers {
  router?: string;
  prices?: string;
  weakPrice?: number;
  strongPrice?: number;
  weakOutputTokens?: number;
  strongOutputTokens?: number;
  queries?: string;
  queryCol?: string;
  encoding?: Encoding;
  monitoring?: number;
  cascade?: boolean;
  overhead: number;
  overheadMs: number;
  fixedMonthly: number;
  days: number;
  gridShares?: number[];
  gridRatios?: number[];
  name: string;
  output?: string;
  artifacts: string;
  json?: boolean;
}

/** Prompts only for a person at a terminal: never in a pipe, a test or CI. */
function canPrompt(): boolean {
  const ci = process.env.CI;
  const inCi = ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
  return process.stdin.isTTY === true && process.stderr.isTTY === true && !inCi;
}

function readSource(flags: EstimateFlags, lineage: LineageRef[]): OperatingSource | undefined {
  if (flags.eval !== undefined && flags.deployment !== undefined) throw new UserError('give --eval or --deployment, not both');
  if (flags.router !== undefined && flags.eval === undefined) throw new UserError('--router chooses a router of an eval report; it needs --eval');
  if (flags.eval !== undefined) {
    const path = resolveArtifact(flags.eval, 'eval-report', flags.artifacts);
    const env = readJsonArtifact(path, 'eval-report');
    readNote('eval report', path);
    lineage.push({ kind: 'eval-report', hash: env.contentHash, path, role: 'operating-point' });
    return fromEvalReport(env.body, env.name ?? flags.eval, path, flags.router);
  }
  if (flags.deployment !== undefined) {
    const path = resolveArtifact(flags.deployment, 'deployment', flags.artifacts);
    const env = readJsonArtifact(path, 'deployment');
    readNote('deployment', path);
    lineage.push({ kind: 'deployment', hash: env.contentHash, path, role: 'operating-point' });
    return fromDeployment(env.body, env.name ?? flags.deployment, path);
  }
  return undefined;
}

const measuredCache = new Map<string, MeasuredTokens>();

async function measure(flags: EstimateFlags, models: { weak: string | null; strong: string | null }): Promise<MeasuredTokens | undefined> {
  if (flags.queries === undefined) return undefined;
  const key = JSON.stringify([flags.queries, flags.queryCol, flags.encoding, models]);
  let m = measuredCache.get(key);
  if (!m) {
    const { measureQueryTokens } = await import('../../cost/query-tokens.js');
    m = await measureQueryTokens(flags.queries, flags.queryCol, models, flags.encoding);
    measuredCache.set(key, m);
  }
  return m;
}

async function request(flags: EstimateFlags, lineage: LineageRef[]): Promise<EstimateRequest> {
  const catalog = loadCatalog(flags.prices);
  if (flags.prices !== undefined) lineage.push({ kind: 'file', hash: readTextFile(flags.prices).hash, path: flags.prices, role: 'prices' });
  const source = readSource(flags, lineage);
  const measured = await measure(flags, { weak: flags.weakModel ?? source?.pair.weak ?? null, strong: flags.strongModel ?? source?.pair.strong ?? null });
  if (measured) lineage.push({ kind: 'file', hash: measured.hash, path: measured.file, role: 'queries' });
  return {
    volume: flags.volume,
    days: flags.days,
    weakShare: flags.weakShare,
    source,
    weak: { model: flags.weakModel, price: flags.weakPrice, inputPrice: flags.weakInputPrice, outputPrice: flags.weakOutputPrice, outputTokens: flags.weakOutputTokens },
    strong: { model: flags.strongModel, price: flags.strongPrice, inputPrice: flags.strongInputPrice, outputPrice: flags.strongOutputPrice, outputTokens: flags.strongOutputTokens },
    tokens: flags.tokens,
    inputTokens: flags.inputTokens,
    outputTokens: flags.outputTokens,
    measured,
    catalog,
    monitoring: flags.monitoring,
    cascade: flags.cascade ?? false,
    overheadPerQuery: flags.overhead,
    overheadMs: flags.overheadMs,
    fixedMonthly: flags.fixedMonthly,
    gridWeakShares: flags.gridShares,
    gridPriceRatios: flags.gridRatios,
  };
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line that gives the same estimate without any question. */
export function reproduceCommand(flags: EstimateFlags): string {
  const args: string[] = ['router', 'estimate'];
  const add = (flag: string, value: string | number | undefined, skip?: string | number) => {
    if (value !== undefined && value !== skip) args.push(flag, quote(String(value)));
  };
  const vol = (v: Volume | undefined) => (v ? `${v.count}/${v.per}` : undefined);
  add('--volume', vol(flags.volume));
  add('--eval', flags.eval);
  add('--router', flags.router);
  add('--deployment', flags.deployment);
  add('--weak-share', flags.weakShare);
  add('--prices', flags.prices);
  add('--weak-model', flags.weakModel);
  add('--strong-model', flags.strongModel);
  add('--weak-price', flags.weakPrice);
  add('--strong-price', flags.strongPrice);
  add('--weak-input-price', flags.weakInputPrice);
  add('--weak-output-price', flags.weakOutputPrice);
  add('--strong-input-price', flags.strongInputPrice);
  add('--strong-output-price', flags.strongOutputPrice);
  add('--tokens', flags.tokens);
  add('--input-tokens', flags.inputTokens);
  add('--output-tokens', flags.outputTokens);
  add('--weak-output-tokens', flags.weakOutputTokens);
  add('--strong-output-tokens', flags.strongOutputTokens);
  add('--queries', flags.queries);
  add('--query-col', flags.queryCol);
  add('--encoding', flags.encoding, 'utf8');
  add('--monitoring', flags.monitoring);
  if (flags.cascade) args.push('--cascade');
  add('--overhead', flags.overhead, 0);
  add('--overhead-ms', flags.overheadMs, 0);
  add('--fixed-monthly', flags.fixedMonthly, 0);
  add('--days', flags.days, 30);
  add('--grid-shares', flags.gridShares?.join(','));
  add('--grid-ratios', flags.gridRatios?.join(','));
  add('--name', flags.name, 'estimate');
  add('-o', flags.output);
  add('--artifacts', flags.artifacts, 'artifacts');
  if (flags.json) args.push('--json');
  return args.join(' ');
}

function isPromptExit(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError');
}

export async function estimate(given: EstimateFlags): Promise<void> {
  const flags: EstimateFlags = { ...given };
  const asJson = flags.output !== undefined && extname(flags.output).toLowerCase() === '.json';
  if (flags.output !== undefined) {
    checkOutputs([{ path: flags.output, option: '-o' }], { inputs: [flags.queries, flags.prices].filter((p): p is string => p !== undefined), artifacts: flags.artifacts });
  }
  const interactive = canPrompt();
  let asked = false;
  for (let round = 0; ; round++) {
    const lineage: LineageRef[] = [];
    try {
      const req = await request(flags, lineage);
      const { body, warnings } = estimateCore(req);
      if (asked) note(`To get this estimate again without questions:\n  ${reproduceCommand(flags)}\n`);
      for (const w of warnings) warn(w);
      // The artifact and the document, both or neither (a full disk at the second removes the first).
      const files = new WriteSet();
      let written: ReturnType<typeof writeJsonArtifact<typeof body>>;
      try {
        written = writeJsonArtifact('estimate', body, lineage, { root: flags.artifacts, name: flags.name });
        if (!written.reused) files.claim(written.path);
        if (flags.output !== undefined) {
          const text = asJson ? JSON.stringify({ path: written.path, ...written.envelope }, null, 2) + '\n' : renderEstimateMarkdown(written.envelope, written.path);
          files.stage(flags.output, text);
        }
        files.commit();
      } catch (e) {
        files.abort();
        throw e;
      }
      if (flags.json) printJson({ path: written.path, ...written.envelope });
      else out(renderEstimate(body, written.path, written.reused === true));
      if (flags.output !== undefined) note(`${asJson ? 'JSON' : 'Markdown'} report written to ${flags.output}`);
      return;
    } catch (err) {
      // Each answer fills one missing input; the bound only guards against a question that cannot be answered.
      if (!(err instanceof MissingInput) || !interactive || round > 12) throw err;
      const { askFor } = await import('../../ui/prompt-estimate.js');
      try {
        Object.assign(flags, await askFor(err.need, { catalog: loadCatalog(flags.prices), artifacts: flags.artifacts, io: { input: process.stdin, output: process.stderr } }));
      } catch (e) {
        if (isPromptExit(e)) throw new UserError('cancelled');
        throw e;
      }
      asked = true;
    }
  }
}
