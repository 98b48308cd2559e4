import { msg, option, UserError } from '../errors.js';
import type { DatasetRow } from '../data/dataset.js';
import { exactCurve, pointAtThreshold, type Outcomes } from '../metrics/curve.js';
import { apgr } from '../metrics/summary.js';

// `--by COLUMN`: the key metrics again on each value of a metadata column, every strategy at its
// overall operating threshold (a deployment has one threshold, not one per slice).

export interface SliceStrategy {
  name: string;
  scores: ArrayLike<number>;
  outcomes: Outcomes;
  /** Per-query always-strong cost when it differs from outcomes.cStrong (cascades). */
  strongCostRows?: ArrayLike<number>;
  operatingScore: number;
}

export interface SliceMetrics {
  name: string;
  apgr: number | null;
  strongShare: number;
  quality: number;
  qualityGap: number | null;
  costReduction: number | null;
}

export interface Slice {
  value: string;
  rows: number;
  qWeak: number;
  qStrong: number;
  strategies: SliceMetrics[];
}

export interface SliceReport {
  column: string;
  slices: Slice[];
}

const MISSING = '(missing)';
// Past this a "slice" is mostly single queries (an id column, a free-text field): a mistake, not a breakdown.
const MAX_SLICES = 200;

export function sliceValues(rows: DatasetRow[], column: string): string[] {
  const values = rows.map((r) => {
    const v = r.meta?.[column];
    return v === undefined || v === null ? MISSING : String(v);
  });
  const distinct = new Set(values).size;
  if (distinct > MAX_SLICES) {
    throw new UserError(msg`metadata column "${column}" has ${distinct} distinct values on the test rows; ${option('by')} needs a categorical column (at most ${MAX_SLICES} values)`);
  }
  if (values.every((v) => v === MISSING)) {
    const known = [...new Set(rows.flatMap((r) => Object.keys(r.meta ?? {})))].sort();
    throw new UserError(msg`no test row has a metadata column "${column}" for ${option('by')} (${known.length ? `columns: ${known.join(', ')}` : msg`the rows have no metadata; keep CSV columns with ${option('meta')}`})`);
  }
  return values;
}

function pick(values: ArrayLike<number>, idx: number[]): Float64Array {
  const out = new Float64Array(idx.length);
  idx.forEach((i, k) => (out[k] = values[i]!));
  return out;
}

export function slices(column: string, values: string[], strategies: SliceStrategy[]): SliceReport {
  const groups = new Map<string, number[]>();
  values.forEach((v, i) => {
    const g = groups.get(v);
    if (g) g.push(i);
    else groups.set(v, [i]);
  });
  const names = [...groups.keys()].sort((a, b) => (a === MISSING ? 1 : b === MISSING ? -1 : a.localeCompare(b, 'en', { numeric: true })));
  return {
    column,
    slices: names.map((value) => {
      const idx = groups.get(value)!;
      let qWeak = 0;
      let qStrong = 0;
      const metrics = strategies.map((s): SliceMetrics => {
        const o: Outcomes = { qWeak: pick(s.outcomes.qWeak, idx), qStrong: pick(s.outcomes.qStrong, idx), cWeak: pick(s.outcomes.cWeak, idx), cStrong: pick(s.outcomes.cStrong, idx) };
        const curve = exactCurve(pick(s.scores, idx), o);
        qWeak = curve.qWeak;
        qStrong = curve.qStrong;
        const p = pointAtThreshold(curve, s.operatingScore);
        let costReduction = p.costReduction;
        if (s.strongCostRows) {
          const cs = pick(s.strongCostRows, idx).reduce((a, b) => a + b, 0) / idx.length;
          costReduction = p.cost === 0 ? null : cs / p.cost;
        }
        return { name: s.name, apgr: apgr(curve), strongShare: p.strongShare, quality: p.quality, qualityGap: p.qualityGap, costReduction };
      });
      return { value, rows: idx.length, qWeak, qStrong, strategies: metrics };
    }),
  };
}
