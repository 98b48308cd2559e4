// Per-fold metrics of out-of-fold scores, for all rows and per MMLU subject group, averaged over
// folds beside each group's oracle. Shared by the per-group table (bench:groups) and the
// router x embedder table (bench:quality), so both compute groups the same way.
import type { PairTable } from '../src/data/pair.ts';
import { oracle, summarize } from '../src/metrics/summary.ts';
import { renderTable } from '../src/ui/table.ts';
import { MMLU_GROUPS, mmluGroup } from './mmlu-groups.ts';

export interface GroupResult {
  group: string;
  rows: number;
  weakAccuracy: number;
  strongAccuracy: number;
  apgr: number;
  apgrMin: number;
  apgrMax: number;
  /** Null when some fold never reaches the share. */
  cpt50: number | null;
  cpt80: number | null;
  auc: number;
  oracleApgr: number;
}

/** The outcome columns of `rows`, in that order, for the curve metrics. */
export function outcomesOf(table: PairTable, rows: number[]) {
  const pick = (a: Float64Array) => Float64Array.from(rows, (i) => a[i]!);
  return { qWeak: pick(table.qWeak), qStrong: pick(table.qStrong), cWeak: pick(table.cWeak), cStrong: pick(table.cStrong) };
}

interface Acc {
  rows: number;
  apgr: number[];
  cpt50: (number | null)[];
  cpt80: (number | null)[];
  auc: number[];
  oracle: number[];
  qWeak: number;
  qStrong: number;
}

const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
const meanOrNull = (xs: (number | null)[]) => (xs.every((x) => x !== null) ? mean(xs as number[]) : null);

export class GroupMetrics {
  private readonly groupOf: string[];
  private readonly acc = new Map<string, Acc>();

  constructor(private readonly table: PairTable) {
    this.groupOf = table.rows.map((r) => mmluGroup(String(r.meta?.source_file ?? '')));
    for (const g of ['all', ...MMLU_GROUPS]) this.acc.set(g, { rows: 0, apgr: [], cpt50: [], cpt80: [], auc: [], oracle: [], qWeak: 0, qStrong: 0 });
  }

  /** One fold's held-out rows (indices into the table) and their scores, in the same order. */
  addFold(test: readonly number[], scores: ArrayLike<number>): void {
    for (const [g, a] of this.acc) {
      const at = test.flatMap((row, j) => (g === 'all' || this.groupOf[row] === g ? [j] : []));
      const rows = at.map((j) => test[j]!);
      const o = outcomesOf(this.table, rows);
      const m = summarize(Float64Array.from(at, (j) => scores[j]!), o);
      a.rows += rows.length;
      a.apgr.push(m.apgr!);
      a.cpt50.push(m.cpt50);
      a.cpt80.push(m.cpt80);
      a.auc.push(m.auc!);
      a.oracle.push(oracle(o).apgr!);
      a.qWeak += o.qWeak.reduce((s, v) => s + v, 0);
      a.qStrong += o.qStrong.reduce((s, v) => s + v, 0);
    }
  }

  /** 'all' first, then the subject groups. */
  results(): GroupResult[] {
    return [...this.acc].map(([group, a]) => ({
      group,
      rows: a.rows,
      weakAccuracy: a.qWeak / a.rows,
      strongAccuracy: a.qStrong / a.rows,
      apgr: mean(a.apgr),
      apgrMin: Math.min(...a.apgr),
      apgrMax: Math.max(...a.apgr),
      cpt50: meanOrNull(a.cpt50),
      cpt80: meanOrNull(a.cpt80),
      auc: mean(a.auc),
      oracleApgr: mean(a.oracle),
    }));
  }
}

const pct = (x: number | null) => (x === null ? 'not reached' : `${(x * 100).toFixed(1)}%`);

/** The per-group table, with random's analytic figures under it. */
export function renderGroups(results: GroupResult[]): string {
  return (
    renderTable(
      ['group', 'rows', 'weak acc.', 'strong acc.', 'APGR (fold range)', 'CPT(50%)', 'CPT(80%)', 'AUC', 'oracle APGR'],
      results.map((r) => [r.group, r.rows, pct(r.weakAccuracy), pct(r.strongAccuracy), `${r.apgr.toFixed(3)} (${r.apgrMin.toFixed(3)}-${r.apgrMax.toFixed(3)})`, pct(r.cpt50), pct(r.cpt80), r.auc.toFixed(3), r.oracleApgr.toFixed(3)]),
    ) + '\nrandom routing: APGR 0.500, CPT(50%) 50.0%, CPT(80%) 80.0% in every group (analytic)'
  );
}
