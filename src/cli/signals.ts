// Who acts on which signal. SIGTERM is caught nowhere in this tool but by `router serve` (below), on purpose: with no JavaScript
// listener the kernel ends the process at once, even in the middle of a synchronous fit, where a
// listener would only run once that work yielded (a 10 s knn fit once ignored SIGTERM, then wrote
// its router). Nothing may listen to SIGTERM: test/spinner.test.ts checks the sources, and
// test/terminal.test.ts kills every command.
// SIGINT (Ctrl-C) ends the process the same way unless a command takes it over with onInterrupt
// (for `router label`: a first Ctrl-C that lets the calls in flight finish).

/**
 * Calls `handler` on each Ctrl-C instead of ending the process, with the number of Ctrl-Cs so far
 * (the handler decides what a second one does). The returned function gives Ctrl-C back to the default.
 */
export function onInterrupt(handler: (times: number) => void): () => void {
  let times = 0;
  const listener = () => handler(++times);
  process.on('SIGINT', listener);
  return () => {
    process.off('SIGINT', listener);
  };
}

/**
 * `router serve` alone takes SIGTERM (with SIGINT) over, to drain: a server does no long
 * synchronous work, so the listener runs at once, and a load balancer's SIGTERM must not cut the
 * requests in flight. SIGHUP reloads the deployment. The returned function gives every signal back.
 */
export function onServeSignals(handlers: { stop: (signal: NodeJS.Signals) => void; reload: () => void }): () => void {
  const stop = (signal: NodeJS.Signals) => handlers.stop(signal);
  const reload = () => handlers.reload();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', reload);
  return () => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    process.off('SIGHUP', reload);
  };
}
