import { listArtifacts, resolveArtifact } from '../artifacts/store.js';
import type { PriceFlags } from '../cost/quote-prices.js';
import { share, volume } from './parse.js';
import { featuredModels, lookupPrice, type Catalog } from '../cost/catalog.js';
import type { Need, Role, Volume } from '../cost/estimate.js';
import { fixed } from '../ui/format.js';

// The questions `router estimate` asks in a terminal when an input is missing: one question (or two)
// per missing input, answered as flag values so the caller can print the command line that
// reproduces the answer. @inquirer/prompts is imported here, on first use, never at startup.

/** Where a prompt reads and draws (the context argument every @inquirer prompt takes). */
type Context = NonNullable<Parameters<typeof import('@inquirer/prompts').input>[1]>;

/** The answers the prompts give; the per-role prices are the options eval takes too. */
export interface EstimateAnswers extends Omit<PriceFlags, 'prices' | 'catalogPrices'> {
  volume?: Volume;
  weakShare?: number;
  eval?: string;
  deployment?: string;
  tokens?: number;
  inputTokens?: number;
  outputTokens?: number;
}

export interface AskContext {
  catalog: Catalog;
  artifacts: string;
  /** Where the prompts read and draw: stdin and stderr, so stdout carries only the result. */
  io: Context;
}

const DEFAULT_MODELS: Record<Role, string> = { weak: 'openai:gpt-4o-mini', strong: 'openai:gpt-4o' };

/** Runs a commander parser as an inquirer validator: true, or the parser's message. */
function check(parse: (v: string) => unknown): (v: string) => true | string {
  return (v) => {
    try {
      parse(v);
      return true;
    } catch (err) {
      return (err as Error).message;
    }
  };
}

function number(min: number, inclusive: boolean): (v: string) => number {
  return (v) => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x) || x < min || (!inclusive && x === min)) throw new Error(`expected a number ${inclusive ? '>=' : '>'} ${min}.`);
    return x;
  };
}

const positiveNumber = number(0, false);
const nonNegativeNumber = number(0, true);

export async function askFor(need: Need, ctx: AskContext): Promise<EstimateAnswers> {
  const { input, select } = await import('@inquirer/prompts');
  const io = ctx.io;
  const ask = async <T>(message: string, parse: (v: string) => T, dflt?: string): Promise<T> =>
    parse(await input({ message, default: dflt, validate: check(parse) }, io));

  switch (need.kind) {
    case 'volume':
      return { volume: await ask('Query volume (per day or per month, e.g. 50k/day or 30M/month)', volume, '100k/day') };
    case 'weak-share': {
      const from = await select(
        {
          // Reports and deployments over any number of models answer it; a typed share is the pair's.
          message: 'Where does the traffic mix (which model gets how many queries) come from?',
          choices: [
            { value: 'share', name: "I will type the weak model's share (two models)" },
            { value: 'eval', name: 'an eval report (its operating point; two or more models)' },
            { value: 'deployment', name: 'a deployment (two or more models)' },
          ],
        },
        io,
      );
      if (from === 'share') return { weakShare: await ask('Share of queries the router sends to the weak model (0-1 or %)', share, '0.7') };
      const kind = from === 'eval' ? 'eval-report' : 'deployment';
      // The artifacts already there, to pick from; a file elsewhere is typed.
      const known = listArtifacts(kind, ctx.artifacts);
      const picked = known.length
        ? await select({ message: `Which ${from === 'eval' ? 'eval report' : 'deployment'}?`, choices: [...known.map((n) => ({ value: n, name: n })), { value: '', name: 'another: type a file or NAME@VERSION' }] }, io)
        : '';
      if (picked !== '') return from === 'eval' ? { eval: picked } : { deployment: picked };
      const ref = await ask(`${from === 'eval' ? 'Eval report' : 'Deployment'} (a file, NAME or NAME@VERSION)`, (v) => {
        resolveArtifact(v.trim(), kind, ctx.artifacts);
        return v.trim();
      });
      return from === 'eval' ? { eval: ref } : { deployment: ref };
    }
    case 'price': {
      const role = need.role;
      const known = need.model !== null && lookupPrice(ctx.catalog, need.model) !== undefined;
      let model: string | undefined;
      if (need.model === null || known) {
        const models = featuredModels(ctx.catalog);
        const ids = models.map((m) => m.id);
        const choice = await select(
          {
            message: `${role === 'weak' ? 'Weak (cheap)' : 'Strong (expensive)'} model`,
            choices: [
              ...models.map(({ id, entry: p }) => {
                return { value: id, name: `${id}  $${fixed(p.inputPerMTok, 2)} in / $${fixed(p.outputPerMTok, 2)} out per M tokens${p.asOf ? ` (${p.asOf})` : ''}` };
              }),
              { value: '', name: 'another model: type its prices' },
            ],
            default: ids.includes(DEFAULT_MODELS[role]) ? DEFAULT_MODELS[role] : undefined,
            pageSize: 12,
          },
          ctx.io,
        );
        if (choice !== '') return role === 'weak' ? { weakModel: choice } : { strongModel: choice };
        model = (await input({ message: `${role} model name (for the report; leave empty to skip)` }, io)).trim() || undefined;
      }
      const label = need.model ?? model ?? `the ${role} model`;
      const inPrice = await ask(`Input price of ${label}, dollars per million tokens`, nonNegativeNumber);
      const outPrice = await ask(`Output price of ${label}, dollars per million tokens`, nonNegativeNumber);
      return role === 'weak'
        ? { ...(model ? { weakModel: model } : {}), weakInputPrice: inPrice, weakOutputPrice: outPrice }
        : { ...(model ? { strongModel: model } : {}), strongInputPrice: inPrice, strongOutputPrice: outPrice };
    }
    case 'tokens':
      return { tokens: await ask('Tokens per query (input and output together)', positiveNumber, '500') };
    case 'input-tokens':
      return { inputTokens: await ask('Input tokens per query (prompt, system prompt and context)', positiveNumber, '500') };
    case 'output-tokens':
      return { outputTokens: await ask('Output tokens per query', nonNegativeNumber, '250') };
  }
}
