import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const BIN = join(ROOT, 'bin', 'router.js');
export const DEMO = join(ROOT, 'datasets', 'demo-support.jsonl');
export const MMLU = resolve(ROOT, '..', 'shared', 'data', 'routellm-mmlu');
export const ROUTERBENCH = resolve(ROOT, '..', 'shared', 'data', 'routerbench');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `router` binary as a user would, in `cwd`, with colour off and no TTY. */
export function runCli(args: string[], cwd: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix = 'router-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Every file under `dir`, relative; used to prove a rejected input wrote nothing. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p, rel + f + '/');
      else out.push(rel + f);
    }
  };
  walk(dir, '');
  return out.sort();
}
