// One query's choice as the rule's value moves: the breakpoints where chooseByLambda or
// chooseByTau (choice.ts) changes its answer, and the model chosen after each. The sweep
// (sweep.ts) merges these over all queries; the brute-force test checks them against the rules.
//
// Both start from the models sorted by predicted cost (ties: higher q̂, then lower index) and kept
// only where q̂ beats every cheaper model's: the "records". A model that is not a record costs at
// least as much as one that predicts at least as well, and neither rule ever prefers it.
// - tau: the choice at tau is the first record with q̂ >= tau (else the last record), so the
//   choice moves to the next record just above each record's q̂.
// - lambda: lines q̂_m - lambda ĉ_m; going from +Infinity down to 0, the maximum is the cheapest
//   record first and the best one last, visiting the records on the upper convex hull of their
//   points (ĉ, q̂); it passes from vertex a to the next vertex b where their lines cross, at
//   lambda = (q̂_b - q̂_a) / (ĉ_b - ĉ_a). A record on or below that chord never wins: at the crossing
//   its score ties and the tie goes to the cheaper model a, and below it b wins.

/** Scratch space for one query at a time, reused across queries so the sweep allocates nothing per row. */
export class EnvelopeWorkspace {
  /** Every model, sorted by the current row's predicted cost; kept between rows, since rows often share an order. */
  readonly order: Int32Array;
  /** The envelope's models: verts[0] at the start of the sweep, verts[j + 1] after breakpoint j. */
  readonly verts: Int32Array;
  readonly breakpoints: Float64Array;

  constructor(readonly models: number) {
    if (!(Number.isInteger(models) && models >= 1)) throw new RangeError(`models must be a positive integer, got ${models}`);
    this.order = new Int32Array(models);
    for (let m = 0; m < models; m++) this.order[m] = m;
    this.verts = new Int32Array(models);
    this.breakpoints = new Float64Array(models);
  }
}

/** Writes the row's records into ws.verts; returns how many. */
function records(qHat: ArrayLike<number>, cHat: ArrayLike<number>, at: number, ws: EnvelopeWorkspace): number {
  const { order, verts, models } = ws;
  // Insertion sort from the previous row's order: O(M) when the order did not change, which is
  // the usual case (prices make the same model cheapest on most queries).
  for (let k = 1; k < models; k++) {
    const p = order[k]!;
    const c = cHat[at + p]!;
    const q = qHat[at + p]!;
    let j = k;
    while (j > 0) {
      const o = order[j - 1]!;
      const co = cHat[at + o]!;
      const qo = qHat[at + o]!;
      if (co > c || (co === c && (qo < q || (qo === q && o > p)))) {
        order[j] = o;
        j--;
      } else break;
    }
    order[j] = p;
  }
  let r = 1;
  verts[0] = order[0]!;
  let top = qHat[at + order[0]!]!;
  for (let k = 1; k < models; k++) {
    const p = order[k]!;
    const q = qHat[at + p]!;
    if (q > top) {
      verts[r++] = p;
      top = q;
    }
  }
  return r;
}

/**
 * The lambda envelope of the row at `at`: fills ws.verts (the chosen models, from lambda = +Infinity
 * down to 0) and ws.breakpoints (strictly positive, descending); returns the number of models.
 */
export function lambdaVertices(qHat: ArrayLike<number>, cHat: ArrayLike<number>, at: number, ws: EnvelopeWorkspace): number {
  const r = records(qHat, cHat, at, ws);
  const { verts, breakpoints } = ws;
  // Records rise in both cost and quality, so their upper hull is one pass of a monotone chain.
  let h = 0;
  for (let k = 0; k < r; k++) {
    const p = verts[k]!;
    const cp = cHat[at + p]!;
    const qp = qHat[at + p]!;
    while (h >= 2) {
      const a = verts[h - 2]!;
      const b = verts[h - 1]!;
      const ca = cHat[at + a]!;
      const qa = qHat[at + a]!;
      if ((cHat[at + b]! - ca) * (qp - qa) - (qHat[at + b]! - qa) * (cp - ca) >= 0) h--;
      else break;
    }
    verts[h++] = p;
  }
  // The slopes fall along a concave chain; rounding in the division could still put two a few
  // ulps out of order, and the sweep applies a row's breakpoints in lambda order, so each is held
  // at or below the one before (MAX_VALUE first: a slope over a subnormal cost gap overflows).
  let prev = Number.MAX_VALUE;
  for (let j = 1; j < h; j++) {
    const a = verts[j - 1]!;
    const b = verts[j]!;
    const slope = Math.min(prev, (qHat[at + b]! - qHat[at + a]!) / (cHat[at + b]! - cHat[at + a]!));
    breakpoints[j - 1] = slope;
    prev = slope;
  }
  return h;
}

/**
 * The tau envelope of the row at `at`: fills ws.verts (the chosen models, from tau = -Infinity up)
 * and ws.breakpoints (ascending: verts[j + 1] is chosen for tau above breakpoints[j], the q̂ of
 * verts[j]); returns the number of models.
 */
export function tauVertices(qHat: ArrayLike<number>, cHat: ArrayLike<number>, at: number, ws: EnvelopeWorkspace): number {
  const r = records(qHat, cHat, at, ws);
  for (let j = 1; j < r; j++) ws.breakpoints[j - 1] = qHat[at + ws.verts[j - 1]!]!;
  return r;
}

/** One query's envelope: models[0] is chosen at the start of the sweep, models[j + 1] past breakpoints[j]. */
export interface QueryEnvelope {
  models: number[];
  breakpoints: number[];
}

function envelopeOf(vertices: typeof lambdaVertices, qHat: ArrayLike<number>, cHat: ArrayLike<number>): QueryEnvelope {
  if (cHat.length !== qHat.length) throw new RangeError(`cHat has ${cHat.length} values, qHat ${qHat.length}`);
  const ws = new EnvelopeWorkspace(qHat.length);
  const h = vertices(qHat, cHat, 0, ws);
  return { models: Array.from(ws.verts.subarray(0, h)), breakpoints: Array.from(ws.breakpoints.subarray(0, h - 1)) };
}

/** Where one query's chooseByLambda changes, lambda going from +Infinity down to 0 (breakpoints descending). */
export function lambdaEnvelope(qHat: ArrayLike<number>, cHat: ArrayLike<number>): QueryEnvelope {
  return envelopeOf(lambdaVertices, qHat, cHat);
}

/** Where one query's chooseByTau changes, tau going up from -Infinity (breakpoints ascending). */
export function tauEnvelope(qHat: ArrayLike<number>, cHat: ArrayLike<number>): QueryEnvelope {
  return envelopeOf(tauVertices, qHat, cHat);
}
