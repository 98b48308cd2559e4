import { InvalidArgumentError } from 'commander';

// Argument parsers for commander: each rejects a bad value with a message commander prints as one
// line (exit 2), so every command validates its flags the same way before doing any work.

export function share(value: string): number {
  const x = Number(value.endsWith('%') ? Number(value.slice(0, -1)) / 100 : value);
  if (value.trim() === '' || !Number.isFinite(x) || x < 0 || x > 1) throw new InvalidArgumentError('expected a share in [0,1], e.g. 0.2 or 20%.');
  return x;
}

export function openShare(value: string): number {
  const x = share(value);
  if (x === 0 || x === 1) throw new InvalidArgumentError('expected a share strictly between 0 and 1.');
  return x;
}

export function positive(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x <= 0) throw new InvalidArgumentError('expected a positive number.');
  return x;
}

export function nonNegative(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x < 0) throw new InvalidArgumentError('expected a number >= 0.');
  return x;
}

export function integer(value: string): number {
  const x = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(x)) throw new InvalidArgumentError('expected an integer.');
  return x;
}

/** A count: an integer >= 0 (e.g. --bootstrap 0 turns resampling off). */
export function nonNegativeInteger(value: string): number {
  const x = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(x)) throw new InvalidArgumentError('expected an integer >= 0.');
  return x;
}

export function list(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function thresholds(value: string, previous: number[] = []): number[] {
  const xs = value.split(',').map((s) => Number(s.trim()));
  const bad = value.split(',').find((s, i) => s.trim() === '' || !(xs[i]! >= 0 && xs[i]! <= 1));
  if (bad !== undefined) throw new InvalidArgumentError(`threshold "${bad.trim()}" is not a number in [0,1].`);
  return [...previous, ...xs];
}

export function gradeScale(value: string): [number, number] {
  const m = /^\s*(-?[\d.]+)\s*[:-]\s*(-?[\d.]+)\s*$/.exec(value);
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2]);
  if (!m || !Number.isFinite(lo) || !Number.isFinite(hi) || hi <= lo) throw new InvalidArgumentError('expected MIN:MAX with MIN < MAX, e.g. 1:10.');
  return [lo, hi];
}

const SUFFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6, b: 1e9 };

/**
 * Above this, sums of dollars per query stop being exact to the cent; no real service is near it,
 * so a larger count is a typo (a hundred digits) rather than a volume.
 */
export const MAX_VOLUME = 1e15;

const VOLUME_HINT = 'expected a count per day or month, e.g. 1000000/day, 50k/day or 30M/month.';

/** "1000000/day", "1,000,000/day", "1.5M/day", "30M/month": returns queries per day or per month as given. */
export function volume(value: string): { count: number; per: 'day' | 'month' } {
  if (/^\s*-/.test(value)) throw new InvalidArgumentError(`a volume cannot be negative; ${VOLUME_HINT}`);
  const m = /^\s*([\d.,_]+)\s*([kmb]?)\s*\/\s*(day|month|d|mo)\s*$/i.exec(value);
  if (!m) throw new InvalidArgumentError(VOLUME_HINT);
  const digits = m[1]!;
  // "5,5" is a decimal comma, not 55: a comma is only read as a thousands separator where it is one.
  if (digits.includes(',') && !/^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(digits)) {
    throw new InvalidArgumentError(`"${digits}": a comma can only separate thousands (1,000,000); write a decimal point as ".", e.g. 5.5k/day.`);
  }
  if (!/^(?:\d{1,3}(?:,\d{3})+|\d+(?:_\d+)*|)(?:\.\d+)?$/.test(digits) || !/\d/.test(digits)) throw new InvalidArgumentError(VOLUME_HINT);
  const count = Number(digits.replace(/[,_]/g, '')) * SUFFIX[m[2]!.toLowerCase()]!;
  if (!Number.isFinite(count) || count > MAX_VOLUME) {
    throw new InvalidArgumentError(`too large: at most 10^15 queries per day or month; ${VOLUME_HINT}`);
  }
  return { count, per: m[3]!.toLowerCase().startsWith('d') ? 'day' : 'month' };
}

/** A comma-separated list of shares in [0,1] ("0.5,0.7,90%"). */
export function shareList(value: string): number[] {
  return value.split(',').map((s) => {
    try {
      return share(s.trim());
    } catch {
      throw new InvalidArgumentError(`"${s.trim()}" is not a share in [0,1]; expected a comma-separated list, e.g. 0.5,0.7,0.9.`);
    }
  });
}

/** A comma-separated list of positive numbers ("2,5,10"). */
export function positiveList(value: string): number[] {
  return value.split(',').map((s) => {
    const x = Number(s.trim());
    if (s.trim() === '' || !Number.isFinite(x) || x <= 0) throw new InvalidArgumentError(`"${s.trim()}" is not a positive number; expected a comma-separated list, e.g. 2,5,10.`);
    return x;
  });
}

export function positiveInteger(value: string): number {
  const x = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(x) || x < 1) throw new InvalidArgumentError('expected a whole number >= 1.');
  return x;
}

/** A positive number, or "auto" to let the command choose it (e.g. train's -C, --k). */
export function positiveOrAuto(value: string): number | 'auto' {
  if (value.trim().toLowerCase() === 'auto') return 'auto';
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x <= 0) throw new InvalidArgumentError('expected a positive number or "auto".');
  return x;
}

/** A whole number >= 2 (cross-validation folds). */
export function foldCount(value: string): number {
  const x = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(x) || x < 2) throw new InvalidArgumentError('expected a whole number >= 2.');
  return x;
}

/** `MODEL=USD`, repeatable and comma-joinable (`a=0.001,b=0.01`): dollars per call by model. Model ids may hold `=`; the last one splits. */
export function modelCosts(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const out = { ...previous };
  for (const part of value.split(',')) {
    const at = part.lastIndexOf('=');
    const model = at > 0 ? part.slice(0, at).trim() : '';
    const cost = at > 0 ? Number(part.slice(at + 1)) : Number.NaN;
    if (!model || part.slice(at + 1).trim() === '' || !Number.isFinite(cost) || cost < 0) throw new InvalidArgumentError(`expected MODEL=USD (dollars per call, e.g. gpt-4o=0.01), got "${part}".`);
    out[model] = cost;
  }
  return out;
}

/**
 * `MODEL=URL`, repeatable: a base URL by model id. Model ids may hold `=` and URLs may too (in a
 * query), so the split is at the `=` that starts the URL's scheme.
 */
export function modelURLs(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.search(/=https?:\/\//i);
  const model = at > 0 ? value.slice(0, at).trim() : '';
  if (!model) throw new InvalidArgumentError(`expected MODEL=URL (e.g. openai:llama3.1:8b=http://localhost:11434/v1), got "${value}".`);
  return { ...previous, [model]: value.slice(at + 1).trim() };
}
