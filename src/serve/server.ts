import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { msg, option, UserError } from '../errors.js';
import type { RouterHandler } from './handler.js';

// Listening, and stopping without dropping a request: `close` stops accepting, waits for the
// requests in flight (up to a deadline), then cuts what is left and closes the request log.

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** A server reachable from other machines must check a token; on loopback it is optional. */
export function checkBind(host: string, token: string | undefined): void {
  if (!LOOPBACK.has(host) && !token) {
    throw new UserError(msg`${option('host')} ${host} makes the server reachable from other machines; set ROUTER_SERVER_TOKEN so every request must carry it (Authorization: Bearer ...)`);
  }
}

export interface RunningServer {
  host: string;
  port: number;
  url: string;
  server: Server;
  /** Stops accepting, waits up to `drainTimeoutMs` for requests in flight, then closes the log. True when every request finished. */
  close(drainTimeoutMs: number): Promise<boolean>;
}

export async function listen(handler: RouterHandler, host: string, port: number): Promise<RunningServer> {
  let stopping = false;
  const server = createServer((req, res) => {
    // While draining, a keep-alive connection gets its answer and is then closed, so it cannot hold the drain open.
    if (stopping) res.shouldKeepAlive = false;
    handler(req, res);
  });
  // Clients that keep connections alive (the SDKs do) should not see a reset mid-request.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new UserError(msg`${option('port')} ${port}: the address ${host}:${port} is in use`) : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' ? new UserError(msg`${option('host')} ${host}: no such address on this machine`) : err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closing: Promise<boolean> | undefined;
  return {
    host: addr.address,
    port: addr.port,
    url: `http://${shown}:${addr.port}`,
    server,
    close(drainTimeoutMs) {
      closing ??= (async () => {
        stopping = true;
        server.close();
        server.closeIdleConnections();
        let timer: NodeJS.Timeout | undefined;
        const drained = await Promise.race([handler.idle().then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), drainTimeoutMs)))]);
        clearTimeout(timer);
        server.closeAllConnections();
        handler.close();
        return drained;
      })();
      return closing;
    },
  };
}
