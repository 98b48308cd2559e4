import type { CliResult } from './helpers.ts';

// `router ARGS` in this process: the same argv parsing, checks, rendering and exit codes as the
// built binary (main.ts), without a process spawn per call. Tests that need a real process
// (signals, pipes, terminals, two processes at once) spawn the binary with runCli instead.

// Colour is decided when picocolors loads: off, as NO_COLOR does for the spawned binary.
process.env.NO_COLOR = '1';
delete process.env.FORCE_COLOR;
const { main } = await import('../src/cli/main.ts');

let busy = false;

/**
 * Runs `router ARGS` with `cwd` as the working folder and `env` added to the environment, both
 * restored afterwards. Calls may not overlap: the working folder is the process's.
 */
export async function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  if (busy) throw new Error('cli(): one call at a time (it changes the working folder)');
  busy = true;
  const home = process.cwd();
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  let stdout = '';
  let stderr = '';
  try {
    Object.assign(process.env, env);
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
    process.chdir(cwd);
    const code = await main(['node', 'router', ...args], {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      env: process.env,
      interactive: false,
    });
    return { code, stdout, stderr };
  } finally {
    process.chdir(home);
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    busy = false;
  }
}
