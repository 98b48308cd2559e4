// Number formatting shared by every table and message, so a share or a dollar figure reads the
// same everywhere.

/** toFixed without a "-0.000" for values that round to zero (a quality gap of -1e-17, say). */
export function fixed(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

export function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : `${fixed(x * 100, digits)}%`;
}

export function times(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(2)}x`;
}

export function usd(x: number, digits?: number): string {
  const d = digits ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 1 ? 2 : 4);
  const s = Math.abs(x).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  return `${x < 0 ? '-' : ''}$${s}`;
}

export function count(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

/** Cost per query as a person reads it: dollars per 1,000 queries, or strong calls per query for unit costs. */
export function costLabel(unit: 'usd' | 'units'): string {
  return unit === 'usd' ? '$/1k queries' : 'strong calls/query';
}

export function costValue(x: number, unit: 'usd' | 'units'): string {
  return unit === 'usd' ? usd(x * 1000, 4) : fixed(x, 3);
}

/** "Router written to PATH", or, when a re-run found the same content already there, that nothing was added. */
export function writtenLine(what: string, path: string, reused: boolean): string {
  return reused ? `${what} unchanged: identical to ${path} (same content from the same inputs), no new version written` : `${what} written to ${path}`;
}
