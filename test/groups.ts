import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// `npm test` runs the suite as GROUPS processes, not one per file: each process pays for tsx and
// for loading the module graph once (about 1.3 s of CPU per file here, measured: 27 small files
// took 60 s of CPU one process each and 23 s in one process), and on two cores the suite is bound
// by CPU. Every test/*.test.ts belongs to exactly one group, found by listing the folder, so a new
// test file runs without being named anywhere. A file still runs alone as
// `node --import tsx --test test/x.test.ts`.

export const GROUPS = 4;

/**
 * CPU seconds of the slow files, each run alone (`/usr/bin/time node --import tsx --test FILE`,
 * 2 December 2026); any other file counts as SMALL. Only the balance between groups depends on
 * these, never which tests run.
 */
const CPU_SECONDS: Record<string, number> = {
  'terminal.test.ts': 44,
  'consumer.test.ts': 10,
  'end-to-end.test.ts': 17,
  'multi-heads.test.ts': 12,
  'label-resume.test.ts': 11,
  'routers-heads.test.ts': 10.5,
  'train-cli.test.ts': 9.6,
  'outputs.test.ts': 9.4,
  'multi-cli.test.ts': 9.1,
  'closed-output.test.ts': 8.8,
  'label-faults.test.ts': 7.7,
  'label-cli.test.ts': 7.5,
  'label-models.test.ts': 6.9,
  'eval-cli.test.ts': 5.4,
  'serve.test.ts': 6,
  'monitor.test.ts': 7,
};
const SMALL = 2;

const folder = fileURLToPath(new URL('.', import.meta.url));

/** The files of each group: heaviest first, each to the lightest group so far (deterministic). */
export function groups(): string[][] {
  const files = readdirSync(folder).filter((f) => f.endsWith('.test.ts')).sort();
  const weight = (f: string): number => CPU_SECONDS[f] ?? SMALL;
  files.sort((a, b) => weight(b) - weight(a) || (a < b ? -1 : 1));
  const bins = Array.from({ length: GROUPS }, () => ({ files: [] as string[], load: 0 }));
  for (const f of files) {
    const bin = bins.reduce((min, b) => (b.load < min.load ? b : min));
    bin.files.push(f);
    bin.load += weight(f);
  }
  return bins.map((b) => b.files);
}

/** Imports group `n`'s test files into this process; node:test runs their tests one file after another. */
export async function runGroup(n: number): Promise<void> {
  for (const f of groups()[n - 1] ?? []) await import(new URL(f, new URL('.', import.meta.url)).href);
}
