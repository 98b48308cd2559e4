import type { PairTable } from '../data/pair.js';
import { curveLength, indexAtThreshold, type Curve } from '../metrics/curve.js';
import { prepareLatency, type LatencyColumns } from '../metrics/latency.js';
import type { Strategy } from './sweep.js';

// The cascade: the weak model answers every query and reports a confidence; below the threshold
// the query escalates to the strong model, whose answer is kept. So the weak call is always paid
// (and waited for), and an escalated query costs c_w + c_s. Modelled as a router whose score is
// -confidence, so it reuses the exact curve: "score >= s" is "confidence <= -s".

/** The next double above x, so "confidence < t" can be written as "-confidence >= nextUp(-t)". */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Number.POSITIVE_INFINITY) return x;
  if (x === 0) return Number.MIN_VALUE;
  const f = new Float64Array([x]);
  const bits = new BigInt64Array(f.buffer);
  bits[0] = x > 0 ? bits[0]! + 1n : bits[0]! - 1n;
  return f[0]!;
}

/**
 * The confidence threshold a person reads for an exact cascade point: escalate when confidence < t,
 * with t the lowest confidence that stays with the weak model. Null when every query escalates.
 */
function confidenceDisplay(curve: Curve, s: number): number | null {
  const k = indexAtThreshold(curve, s);
  return k + 1 < curveLength(curve) ? -curve.columns.threshold[k + 1]! : null;
}

export interface CascadeInput {
  strategy: Strategy;
  /** Per-query cost of the strong model alone: the cost-reduction baseline, for the bootstrap. */
  strongCostRows: Float64Array;
  confidence: Float64Array;
}

/** The cascade of a pair, or the reason it cannot be evaluated (no confidences recorded). */
export function cascadeOf(table: PairTable, latency: LatencyColumns | null): CascadeInput | { skipped: string } | null {
  const n = table.rows.length;
  const confidence = new Float64Array(n);
  let have = 0;
  table.rows.forEach((r, i) => {
    const c = r.models[table.weak]!.confidence;
    if (c !== undefined) {
      confidence[i] = c;
      have++;
    }
  });
  if (have === 0) return null;
  if (have < n) return { skipped: `${table.weak} records a confidence on only ${have} of ${n} test rows; the cascade is not evaluated` };
  const scores = new Float64Array(n);
  const cascadeStrong = new Float64Array(n);
  let strongCost = 0;
  for (let i = 0; i < n; i++) {
    scores[i] = -confidence[i]!;
    cascadeStrong[i] = table.cWeak[i]! + table.cStrong[i]!;
    strongCost += table.cStrong[i]!;
  }
  return {
    confidence,
    strongCostRows: table.cStrong,
    strategy: {
      scores,
      outcomes: { qWeak: table.qWeak, qStrong: table.qStrong, cWeak: table.cWeak, cStrong: cascadeStrong },
      strongCost: strongCost / n,
      latency: latency && prepareLatency({ ...latency, sequential: true }),
      display: confidenceDisplay,
      toScore: (t) => nextUp(-t),
    },
  };
}
