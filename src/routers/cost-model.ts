// Each model's predicted cost of a query. A model's cost varies with the query mostly through its
// length (input tokens, and longer questions draw longer answers), so the prediction is a line in
// the query's length, fitted by least squares per model on the training rows: `length`. `mean`
// predicts each model's mean cost for every query, as the scikit-learn reference does.

export type CostModelKind = 'mean' | 'length';

export interface CostLine {
  /** Dollars per query at length 0, and per character of the query. */
  intercept: number;
  perChar: number;
}

/** Least-squares line of cost on query length; flat (the mean) when lengths do not vary. */
export function fitCostLine(lengths: ArrayLike<number>, costs: ArrayLike<number>): CostLine {
  const n = costs.length;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += lengths[i]!;
    sy += costs[i]!;
  }
  const mx = n ? sx / n : 0;
  const my = n ? sy / n : 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = lengths[i]! - mx;
    sxx += dx * dx;
    sxy += dx * (costs[i]! - my);
  }
  const perChar = sxx > 0 ? sxy / sxx : 0;
  return { intercept: my - perChar * mx, perChar };
}

/** Predicted dollars of one model per query: never below zero, which a line can reach for a short query. */
export function predictCosts(line: CostLine, lengths: ArrayLike<number>): Float64Array {
  const out = new Float64Array(lengths.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, line.intercept + line.perChar * lengths[i]!);
  return out;
}

export function queryLengths(queries: readonly string[]): Float64Array {
  return Float64Array.from(queries, (q) => q.length);
}
