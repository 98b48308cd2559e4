import { msg, option, UserError } from '../errors.js';
import type { Dataset, DatasetRow, ModelInfo, ModelOutcome } from './dataset.js';

export interface Pair {
  weak: string;
  strong: string;
}

/** The columns eval and train need for one weak/strong pair, over the rows that have both. */
export interface PairTable extends Pair {
  rows: DatasetRow[];
  qWeak: Float64Array;
  qStrong: Float64Array;
  cWeak: Float64Array;
  cStrong: Float64Array;
  /** Dollars when every row has a price for both models; otherwise 1 unit per strong call. */
  costUnit: 'usd' | 'units';
  /** Why the pair was chosen, when the user did not name it. */
  chosenBy?: string;
}

/** Picks the pair: the flags, else the dataset's own pair, else the only two models (weaker = lower mean quality). */
export function choosePair(dataset: Dataset, wanted: Partial<Pair>): Pair & { chosenBy?: string } {
  const ids = dataset.models.map((m) => m.id);
  const check = (id: string, name: 'weak' | 'strong') => {
    if (!ids.includes(id)) {
      throw new UserError(msg`unknown model "${id}" for ${option(name)}; the dataset has: ${ids.join(', ')}`, { file: dataset.source.path });
    }
    return id;
  };
  if (wanted.weak && wanted.strong) {
    if (wanted.weak === wanted.strong) throw new UserError(msg`${option('weak')} and ${option('strong')} name the same model`);
    return { weak: check(wanted.weak, 'weak'), strong: check(wanted.strong, 'strong') };
  }
  if (!wanted.weak && !wanted.strong && dataset.defaultPair) return { ...dataset.defaultPair, chosenBy: 'the dataset' };
  const others = (id: string) => ids.filter((m) => m !== id);
  if (wanted.weak) {
    const rest = others(check(wanted.weak, 'weak'));
    if (rest.length !== 1) throw new UserError(msg`name the strong model with ${option('strong')} (one of: ${rest.join(', ')})`);
    return { weak: wanted.weak, strong: rest[0]! };
  }
  if (wanted.strong) {
    const rest = others(check(wanted.strong, 'strong'));
    if (rest.length !== 1) throw new UserError(msg`name the weak model with ${option('weak')} (one of: ${rest.join(', ')})`);
    return { weak: rest[0]!, strong: wanted.strong };
  }
  if (ids.length !== 2) {
    throw new UserError(msg`the dataset has ${ids.length} models (${ids.join(', ')}); choose the pair with ${option('weak')} and ${option('strong')}`, { file: dataset.source.path });
  }
  const [x, y] = ids as [string, string];
  const mean = (id: string) => {
    let s = 0;
    let n = 0;
    for (const r of dataset.rows) {
      const o = r.models[id];
      if (o) {
        s += o.quality;
        n++;
      }
    }
    return n ? s / n : 0;
  };
  const [weak, strong] = mean(x) <= mean(y) ? [x, y] : [y, x];
  return { weak, strong, chosenBy: 'mean quality' };
}

/** Dollars for one call: recorded cost, else tokens x price, else the per-call price. */
export function callCost(o: ModelOutcome, info: ModelInfo | undefined): number | undefined {
  if (o.cost !== undefined) return o.cost;
  const p = info?.price;
  if (p && o.inputTokens !== undefined && o.outputTokens !== undefined && p.inputPerMTok !== undefined && p.outputPerMTok !== undefined) {
    return (o.inputTokens * p.inputPerMTok + o.outputTokens * p.outputPerMTok) / 1e6;
  }
  return p?.perCall;
}

/**
 * The rows pairTable leaves out (no outcome for one of the pair's models), counted by cause, as
 * one note: "3 rows left out: no outcome for strong-m (2), weak-m (1)". Undefined when none is.
 */
export function leftOutNote(rows: DatasetRow[], pair: Pair): string | undefined {
  const causes = new Map<string, number>();
  let n = 0;
  for (const r of rows) {
    const missing = [pair.weak, pair.strong].filter((m) => !r.models[m]);
    if (missing.length === 0) continue;
    n++;
    const cause = missing.join(' or ');
    causes.set(cause, (causes.get(cause) ?? 0) + 1);
  }
  if (n === 0) return undefined;
  const rowsWord = (k: number) => `${k.toLocaleString('en-US')} ${k === 1 ? 'row' : 'rows'}`;
  const parts = [...causes].sort((a, b) => b[1] - a[1]);
  const detail = parts.length === 1 ? parts[0]![0] : parts.map(([c, k]) => `${c} (${k.toLocaleString('en-US')})`).join(', ');
  return `${rowsWord(n)} left out: no outcome for ${detail}`;
}

export function pairTable(dataset: Dataset, pair: Pair & { chosenBy?: string }, rows: DatasetRow[] = dataset.rows): PairTable {
  const both = rows.filter((r) => r.models[pair.weak] && r.models[pair.strong]);
  if (both.length === 0) {
    throw new UserError(`no row has outcomes for both ${pair.weak} and ${pair.strong}`, { file: dataset.source.path });
  }
  const n = both.length;
  const info = new Map(dataset.models.map((m) => [m.id, m]));
  const qWeak = new Float64Array(n);
  const qStrong = new Float64Array(n);
  const cWeak = new Float64Array(n);
  const cStrong = new Float64Array(n);
  let priced = true;
  both.forEach((r, i) => {
    const w = r.models[pair.weak]!;
    const s = r.models[pair.strong]!;
    qWeak[i] = w.quality;
    qStrong[i] = s.quality;
    const cw = callCost(w, info.get(pair.weak));
    const cs = callCost(s, info.get(pair.strong));
    if (cw === undefined || cs === undefined) priced = false;
    cWeak[i] = cw ?? 0;
    cStrong[i] = cs ?? 0;
  });
  if (!priced) {
    cWeak.fill(0);
    cStrong.fill(1);
  }
  return { ...pair, rows: both, qWeak, qStrong, cWeak, cStrong, costUnit: priced ? 'usd' : 'units' };
}

/** The default training target: the strong model's answer is strictly better than the weak one's. */
export function strongWins(t: Pick<PairTable, 'qWeak' | 'qStrong'>): Uint8Array {
  const y = new Uint8Array(t.qWeak.length);
  for (let i = 0; i < y.length; i++) y[i] = t.qStrong[i]! > t.qWeak[i]! ? 1 : 0;
  return y;
}
