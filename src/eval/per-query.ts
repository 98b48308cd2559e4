import type { EvalDetail } from './evaluate.js';

// Per-query results: the outcomes each decision was scored on, every strategy's score and where
// it routes the query at its operating threshold, so any number in a report can be re-derived.

export interface QueryResult {
  id: string;
  query: string;
  slice?: string;
  weakQuality: number;
  strongQuality: number;
  weakCost: number;
  strongCost: number;
  strongWins: boolean;
  /** Per strategy: its score (the cascade: the weak model's confidence) and the model it picks. */
  strategies: Record<string, { score: number; route: 'weak' | 'strong' }>;
}

export function perQuery(d: EvalDetail): QueryResult[] {
  const t = d.table;
  return t.rows.map((r, i) => {
    const strategies: QueryResult['strategies'] = {};
    for (const s of d.strategies) {
      const score = s.scores[i]!;
      // The cascade scores -confidence internally; people read the confidence itself.
      strategies[s.name] = { score: s.kind === 'cascade' ? -score : score, route: score >= s.operatingScore ? 'strong' : 'weak' };
    }
    return {
      id: r.id,
      query: r.query,
      ...(d.sliceValues ? { slice: d.sliceValues[i]! } : {}),
      weakQuality: t.qWeak[i]!,
      strongQuality: t.qStrong[i]!,
      weakCost: t.cWeak[i]!,
      strongCost: t.cStrong[i]!,
      strongWins: t.qStrong[i]! > t.qWeak[i]!,
      strategies,
    };
  });
}

/** One CSV cell, quoted when it must be (and when it has edge spaces, which readers trim). */
export function csvField(v: string | number | boolean): string {
  const s = String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV, one row per query; `by` names the slice column when there is one. */
export function perQueryCsv(d: EvalDetail, by?: string): string {
  const names = d.strategies.map((s) => s.name);
  const head = ['id', 'query', ...(d.sliceValues && by ? [by] : []), 'weak_quality', 'strong_quality', 'weak_cost', 'strong_cost', 'strong_wins'];
  for (const s of d.strategies) head.push(s.kind === 'cascade' ? `${s.name}_confidence` : `${s.name}_score`, `${s.name}_route`);
  const lines = [head.map(csvField).join(',')];
  for (const q of perQuery(d)) {
    const cells: (string | number | boolean)[] = [q.id, q.query, ...(q.slice !== undefined ? [q.slice] : []), q.weakQuality, q.strongQuality, q.weakCost, q.strongCost, q.strongWins ? 1 : 0];
    for (const n of names) cells.push(q.strategies[n]!.score, q.strategies[n]!.route);
    lines.push(cells.map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}
