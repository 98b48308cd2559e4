// Shared plumbing for the benchmark scripts: where the real data is, how results are stored,
// and how repeated timings are summarised. Benchmarks are run by `npm run bench*`, never by `npm test`.
import { existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { writeJsonArtifact } from '../src/artifacts/store.ts';
import { mulberry32 } from '../src/random.ts';
import type { LineageRef } from '../src/artifacts/envelope.ts';

export const DEFAULT_MMLU = resolve(import.meta.dirname, '..', '..', 'shared', 'data', 'routellm-mmlu');
export const DEFAULT_ROUTERBENCH = resolve(import.meta.dirname, '..', '..', 'shared', 'data', 'routerbench');

/** A data folder from `--data DIR`, else `fallback`; stops with one line when absent. */
function dataPath(argv: string[], fallback: string, hint: string): string {
  const i = argv.indexOf('--data');
  const path = i >= 0 ? argv[i + 1]! : fallback;
  if (!existsSync(path)) {
    process.stderr.write(`bench: no benchmark data at ${path}; pass --data DIR${hint}\n`);
    process.exit(2);
  }
  return path;
}

/** The MMLU folder from `--data DIR`, $ROUTER_BENCH_DATA or ../shared; stops with one line when absent. */
export function mmluPath(argv = process.argv.slice(2)): string {
  return dataPath(argv, process.env.ROUTER_BENCH_DATA ?? DEFAULT_MMLU, ' or set ROUTER_BENCH_DATA');
}

/** RouterBench's folder of CSVs (11 models, recorded costs) from `--data DIR` or ../shared; stops with one line when absent. */
export function routerbenchPath(argv = process.argv.slice(2)): string {
  return dataPath(argv, DEFAULT_ROUTERBENCH, '');
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** Runs `fn` `runs` times and returns every duration in seconds (the first run included: callers decide about warm-up). */
export async function timeRuns(runs: number, fn: () => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push((performance.now() - t) / 1000);
  }
  return out;
}

export function machine(): { cpu: string; cores: number; memoryGiB: number; node: string; platform: string } {
  const c = cpus();
  return { cpu: c[0]?.model ?? 'unknown', cores: c.length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}` };
}

/** Stores a benchmark result as a versioned `bench` artifact under artifacts/bench/NAME/. */
export function saveResult(name: string, body: Record<string, unknown>, lineage: LineageRef[] = []): string {
  const root = process.env.ROUTER_BENCH_ARTIFACTS ?? resolve(import.meta.dirname, '..', 'artifacts');
  const { path } = writeJsonArtifact('bench', { machine: machine(), date: new Date().toISOString(), ...body }, lineage, { root, name });
  process.stderr.write(`bench: wrote ${path}\n`);
  return path;
}

/**
 * k-fold assignment shared with scripts/compare-sklearn.py: a Fisher-Yates shuffle driven by
 * mulberry32(seed), cut into k contiguous parts, so both sides score identical folds.
 */
export function foldsOf(n: number, k: number, seed: number): Int32Array {
  const next = mulberry32(seed);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  const fold = new Int32Array(n);
  perm.forEach((row, p) => (fold[row] = Math.floor((p * k) / n)));
  return fold;
}
