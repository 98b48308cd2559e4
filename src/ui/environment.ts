// What the environment allows a command to do with a person, decided once for every command.

/** CI=true, CI=1, CI=yes: a CI job; unset, empty, 0 or false: not one. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** A person at a terminal can be asked (a confirmation, a missing input): never in a pipe, a test or CI. */
export function canAsk(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true && !inCi(env);
}
