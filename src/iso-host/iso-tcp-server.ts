// The ISO 8583 TCP channel: a thin adapter that cuts each connection's byte stream into
// length-prefixed frames (2 bytes, big-endian), hands them one at a time to the IsoHost, and
// writes its answers back in order. All protocol logic is in iso-host.ts.
//
// Limits: a frame longer than `maxFrameBytes` is refused as soon as its two length bytes arrive
// and the connection is closed (a stream cannot be resynchronised after a bad length); at most
// `maxQueuedFrames` frames may wait on one connection (a terminal sends one request and waits);
// a connection idle for `idleTimeoutMs` is closed (never one whose request is still being
// answered); at most `maxConnections` connections at once. Everything that goes wrong with one
// connection is logged and ends that connection only. `close()` stops accepting, lets every
// connection finish the requests it has sent, then closes them.
import { createServer, type Server, type Socket } from 'node:net';
import { splitFrame } from '../iso8583/index.js';
import type { EngineLog } from '../payments/engine-context.js';
import { isPosError } from '../pos-error.js';
import type { IsoConnection, IsoReply } from './iso-host.js';

/** What the server hands frames to: an IsoHost, or in tests anything that answers frames. */
export interface FrameHandler {
  handle(frame: Buffer, connection: IsoConnection): Promise<IsoReply>;
  /**
   * Bytes that never made a frame closed a connection (a length over the maximum, or the peer
   * ending mid-frame): told so the handler can count them with the frames it refused.
   */
  unframed?(connection: IsoConnection): void;
}

export interface IsoServerOptions {
  readonly host: FrameHandler;
  readonly log: EngineLog;
  readonly port: number;
  readonly address: string;
  readonly idleTimeoutMs?: number;
  readonly maxFrameBytes?: number;
  readonly maxQueuedFrames?: number;
  readonly maxConnections?: number;
  /** How long `close()` waits for connections to finish before cutting them. */
  readonly closeTimeoutMs?: number;
}

type ServerLimits = Readonly<
  Record<'idleTimeoutMs' | 'maxFrameBytes' | 'maxQueuedFrames' | 'maxConnections' | 'closeTimeoutMs', number>
>;

export const isoServerDefaults: ServerLimits = {
  idleTimeoutMs: 120_000,
  // The largest CUP POS request is well under 1 KiB (field 62 of a sign-in answer, 55 of a chip sale).
  maxFrameBytes: 4096,
  maxQueuedFrames: 8,
  maxConnections: 1024,
  closeTimeoutMs: 30_000,
};

export interface IsoServer {
  /** The port it listens on (the one picked when 0 was asked). */
  readonly port: number;
  /** Open connections, for tests and metrics. */
  connections(): number;
  close(): Promise<void>;
}

interface Connection {
  readonly socket: Socket;
  readonly id: string;
  readonly remote: string;
  buffered: Buffer;
  readonly queue: Buffer[];
  busy: boolean;
  /** The peer has finished sending (half close): answer what it sent, then close. */
  peerEnded: boolean;
  /** Close once the request being answered has its answer written; take nothing more. */
  closeAfterAnswer: boolean;
  /** end() was called. */
  ended: boolean;
}

export async function startIsoServer(options: IsoServerOptions): Promise<IsoServer> {
  const limits = { ...isoServerDefaults, ...definedOnly(options) };
  const { host, log } = options;
  const open = new Set<Connection>();
  let closing = false;
  let sequence = 0;
  const allClosed: Array<() => void> = [];

  /**
   * Ends a connection: at once when it is idle; otherwise after the request being answered has
   * its answer written (the engine may have charged for it), taking nothing more from it.
   */
  const finish = (connection: Connection, why: string, level: 'info' | 'warn' = 'info'): void => {
    if (connection.ended) return;
    connection.queue.length = 0;
    if (!connection.closeAfterAnswer && level === 'warn')
      log.warn({ connection: connection.id, remote: connection.remote }, `iso connection closed: ${why}`);
    if (connection.busy) {
      connection.closeAfterAnswer = true;
      connection.socket.pause();
      return;
    }
    connection.ended = true;
    connection.socket.end();
    // A peer that never reads would keep a half-closed socket forever: cut it after a grace period.
    setTimeout(() => connection.socket.destroy(), 5_000).unref();
  };

  const pump = async (connection: Connection): Promise<void> => {
    if (connection.busy) return;
    connection.busy = true;
    try {
      for (let frame = connection.queue.shift(); frame !== undefined; frame = connection.queue.shift()) {
        const reply = await host.handle(frame, { id: connection.id, remote: connection.remote });
        if (connection.socket.destroyed) return;
        if (reply.kind === 'answer') connection.socket.write(reply.frame);
        else if (reply.kind === 'close') {
          connection.closeAfterAnswer = true;
          return;
        }
      }
    } catch (error) {
      // IsoHost.handle never throws; if it ever does, only this connection pays for it.
      log.error({ connection: connection.id, err: error }, 'iso connection failed');
      connection.socket.destroy();
    } finally {
      connection.busy = false;
      connection.socket.setTimeout(limits.idleTimeoutMs);
      if (connection.closeAfterAnswer) finish(connection, 'closed after the answer');
      else if (connection.queue.length === 0 && closing) finish(connection, 'host stopping');
      else if (connection.queue.length === 0 && connection.peerEnded) finish(connection, 'peer ended');
    }
  };

  const onData = (connection: Connection, chunk: Buffer): void => {
    if (connection.ended || connection.closeAfterAnswer) return;
    connection.buffered =
      connection.buffered.length === 0 ? chunk : Buffer.concat([connection.buffered, chunk]);
    for (;;) {
      let split;
      try {
        split = splitFrame(connection.buffered, { maxFrameBytes: limits.maxFrameBytes });
      } catch (error) {
        const why = isPosError(error) ? error.message : String(error);
        log.warn(
          {
            connection: connection.id,
            remote: connection.remote,
            code: isPosError(error) ? error.code : undefined,
          },
          `iso frame refused (${why}): connection closed`,
        );
        connection.buffered = Buffer.alloc(0);
        host.unframed?.({ id: connection.id, remote: connection.remote });
        finish(connection, 'frame too long');
        return;
      }
      if (split.kind === 'incomplete') break;
      // Copies: the frame outlives the chunk it was cut from while it waits in the queue.
      connection.queue.push(Buffer.from(split.frame));
      connection.buffered = split.rest.length === 0 ? Buffer.alloc(0) : Buffer.from(split.rest);
      if (connection.queue.length > limits.maxQueuedFrames) {
        finish(
          connection,
          `more than ${limits.maxQueuedFrames} frames sent without waiting for answers`,
          'warn',
        );
        return;
      }
    }
    void pump(connection);
  };

  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sequence += 1;
    const connection: Connection = {
      socket,
      id: `iso-${sequence}`,
      remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
      buffered: Buffer.alloc(0),
      queue: [],
      busy: false,
      peerEnded: false,
      closeAfterAnswer: false,
      ended: false,
    };
    if (closing) {
      socket.destroy();
      return;
    }
    open.add(connection);
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleTimeoutMs);
    socket.on('timeout', () => {
      // Never while a request is being answered: the engine may wait for the issuer that long.
      if (!connection.busy) finish(connection, `idle for ${limits.idleTimeoutMs} ms`, 'warn');
    });
    socket.on('data', (chunk: Buffer) => onData(connection, chunk));
    socket.on('end', () => {
      // The terminal finished sending; answer what it sent, then close our side.
      connection.peerEnded = true;
      if (connection.buffered.length > 0) {
        const declared = connection.buffered.length >= 2 ? connection.buffered.readUInt16BE(0) : undefined;
        log.warn(
          { connection: connection.id, remote: connection.remote, bytes: connection.buffered.length },
          `iso frame refused (the terminal ended the connection ${connection.buffered.length} bytes into a frame${
            declared === undefined ? '' : ` that announced ${declared} bytes after its length`
          }): connection closed`,
        );
        connection.buffered = Buffer.alloc(0);
        host.unframed?.({ id: connection.id, remote: connection.remote });
      }
      if (!connection.busy && connection.queue.length === 0) finish(connection, 'peer ended');
    });
    socket.on('error', (error) => {
      log.warn(
        { connection: connection.id, remote: connection.remote, err: error.message },
        'iso connection error',
      );
      socket.destroy();
    });
    socket.on('close', () => {
      open.delete(connection);
      if (open.size === 0) for (const resolve of allClosed.splice(0)) resolve();
    });
  });
  server.maxConnections = limits.maxConnections;
  server.on('error', (error) => log.error({ err: error }, 'iso server error'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;

  let closed: Promise<void> | undefined;
  return {
    port,
    connections: () => open.size,
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const connection of open) {
          if (!connection.busy && connection.queue.length === 0) finish(connection, 'host stopping');
        }
        if (open.size > 0) {
          const drained = new Promise<void>((resolve) => allClosed.push(resolve));
          const timer = setTimeout(() => {
            for (const connection of open) connection.socket.destroy();
          }, limits.closeTimeoutMs);
          timer.unref();
          await drained;
          clearTimeout(timer);
        }
        await stopped;
      })();
      return closed;
    },
  };
}

function definedOnly(options: IsoServerOptions): Partial<ServerLimits> {
  const out: Partial<Record<keyof ServerLimits, number>> = {};
  for (const key of Object.keys(isoServerDefaults) as Array<keyof ServerLimits>) {
    const value = options[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
