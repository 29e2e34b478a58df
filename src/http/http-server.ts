// The Node HTTP server under the API, with the limits a slow or greedy client meets: the whole
// request (headers and body) must arrive within `requestTimeoutMs` (checked every second, not
// Node's default 30 s), a connection silent for `idleTimeoutMs` is closed, and connections are
// capped in all and per client address. Fastify's own options cannot set the checking interval,
// hence a server factory.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface HttpLimits {
  /** The whole request, headers and body, must arrive within this (a slow client gets 408). */
  readonly requestTimeoutMs: number;
  /** A connection with no traffic this long is closed; longer than the upstream timeout and a pay window. */
  readonly idleTimeoutMs: number;
  /** How long a keep-alive connection waits for its next request. */
  readonly keepAliveTimeoutMs: number;
  /** Open connections in all; those over it are closed at once. */
  readonly maxConnections: number;
  /** Open connections from one client address; 0 for no such cap (behind a proxy, for instance). */
  readonly maxConnectionsPerAddress: number;
  /** Wrong API keys one address may send per minute before it is answered 429; 0 for no limit. */
  readonly authFailuresPerMinute: number;
}

export const defaultHttpLimits: HttpLimits = {
  requestTimeoutMs: 10_000,
  // More than the upstream timeout and the longest QR pay window (60 s, payments/pending-horizon.ts).
  idleTimeoutMs: 65_000,
  // Longer than the 60 s idle timeout of common load balancers, as Fastify's own default is.
  keepAliveTimeoutMs: 72_000,
  maxConnections: 1024,
  maxConnectionsPerAddress: 128,
  authFailuresPerMinute: 20,
};

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export function limitedServer(limits: HttpLimits, handler: Handler): Server {
  const server = createServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.requestTimeoutMs),
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  // With no 'timeout' listener, Node destroys a socket idle this long.
  server.setTimeout(limits.idleTimeoutMs);
  if (limits.maxConnectionsPerAddress > 0) {
    const open = new Map<string, number>();
    server.on('connection', (socket) => {
      const address = socket.remoteAddress ?? 'unknown';
      const count = (open.get(address) ?? 0) + 1;
      if (count > limits.maxConnectionsPerAddress) {
        socket.destroy();
        return;
      }
      open.set(address, count);
      socket.once('close', () => {
        const left = (open.get(address) ?? 1) - 1;
        if (left === 0) open.delete(address);
        else open.set(address, left);
      });
    });
  }
  return server;
}
