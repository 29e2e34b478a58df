// The ISO 8583 TCP channel: a thin adapter that cuts each connection's byte stream into
// length-prefixed frames (2 bytes, big-endian), hands them one at a time to the IsoHost, and
// writes its answers back in order. All protocol logic is in iso-host.ts.
//
// Limits: a frame longer than `maxFrameBytes` is refused as soon as its two length bytes arrive
// and the connection is closed (a stream cannot be resynchronised after a bad length); at most
// `maxQueuedFrames` frames may wait on one connection (a terminal sends one request and waits);
// a connection idle for `idleTimeoutMs` is closed (never one whose request is still being
// answered). Slow clients (issue 13): once the first byte of a frame arrived, the whole frame must
// arrive within `frameDeadlineMs` (the idle timer restarts on every byte, this one does not); one
// source address may hold at most `maxConnectionsPerAddress` connections; at most
// `maxConnections` connections at once, and when that many are open a new one takes the place of
// the oldest connection that has not yet sent a MAC-proven request (a slow or silent client), so
// connections of signed-in terminals are never the ones refused. Everything that goes wrong with
// one connection is logged and ends that connection only. `close()` stops accepting, lets every
// connection finish the requests it has sent, then closes them.
import { haltOnInvariant } from '../assert.js';
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
  readonly frameDeadlineMs?: number;
  readonly maxConnectionsPerAddress?: number;
  /** How long `close()` waits for connections to finish before cutting them. */
  readonly closeTimeoutMs?: number;
}

type ServerLimits = Readonly<
  Record<
    | 'idleTimeoutMs'
    | 'maxFrameBytes'
    | 'maxQueuedFrames'
    | 'maxConnections'
    | 'closeTimeoutMs'
    | 'frameDeadlineMs'
    | 'maxConnectionsPerAddress',
    number
  >
>;

export const isoServerDefaults: ServerLimits = {
  idleTimeoutMs: 120_000,
  // The largest CUP POS request is well under 1 KiB (field 62 of a sign-in answer, 55 of a chip sale).
  maxFrameBytes: 4096,
  maxQueuedFrames: 8,
  maxConnections: 1024,
  closeTimeoutMs: 30_000,
  // A terminal writes a whole frame (under 1 KiB) at once; 10 s allows a very slow GPRS link.
  frameDeadlineMs: 10_000,
  // Terminals of one shop, or behind a carrier's NAT, share an address: room for many, not all.
  maxConnectionsPerAddress: 64,
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
  /** The peer's address without the port: what the per-address cap counts. */
  readonly address: string;
  /** Runs from a frame's first byte until the frame is whole. */
  frameTimer: NodeJS.Timeout | undefined;
  /** A request on it had its MAC proven: a signed-in terminal, never closed to make room. */
  proven: boolean;
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

/** Starts the channel: listens, and hands each accepted socket to an `IsoChannel`. */
export async function startIsoServer(options: IsoServerOptions): Promise<IsoServer> {
  const limits = { ...isoServerDefaults, ...definedOnly(options) };
  const { log } = options;
  const channel = new IsoChannel(limits, options.host, log);
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => channel.accept(socket));
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
    connections: () => channel.connections(),
    close() {
      closed ??= channel.close(() => new Promise<void>((resolve) => server.close(() => resolve())));
      return closed;
    },
  };
}

/**
 * The connections of one server and what happens to them: admitting a socket (or making room for
 * it), cutting its bytes into frames, answering them one at a time, and ending it. The connection
 * set, the per-address counts and the closing state are shared by all of these.
 */
class IsoChannel {
  readonly #limits: ServerLimits;
  readonly #host: FrameHandler;
  readonly #log: EngineLog;
  readonly #open = new Set<Connection>();
  readonly #perAddress = new Map<string, number>();
  readonly #allClosed: Array<() => void> = [];
  #closing = false;
  #sequence = 0;
  #refusedLoggedAt = 0;
  #refusedSinceLog = 0;

  constructor(limits: ServerLimits, host: FrameHandler, log: EngineLog) {
    this.#limits = limits;
    this.#host = host;
    this.#log = log;
  }

  connections(): number {
    return this.#open.size;
  }

  /** A socket the server accepted: refused, or made a connection whose events are watched. */
  accept(socket: Socket): void {
    this.#sequence += 1;
    const address = socket.remoteAddress ?? '?';
    if (this.#closing || !this.#admit(address)) {
      socket.destroy();
      return;
    }
    this.#perAddress.set(address, (this.#perAddress.get(address) ?? 0) + 1);
    const connection: Connection = {
      socket,
      id: `iso-${this.#sequence}`,
      remote: `${address}:${socket.remotePort ?? '?'}`,
      address,
      frameTimer: undefined,
      proven: false,
      buffered: Buffer.alloc(0),
      queue: [],
      busy: false,
      peerEnded: false,
      closeAfterAnswer: false,
      ended: false,
    };
    this.#open.add(connection);
    this.#watch(connection);
  }

  /** Stops taking connections, lets each finish what it sent, then cuts any left after the timeout. */
  async close(stopListening: () => Promise<void>): Promise<void> {
    this.#closing = true;
    const stopped = stopListening();
    for (const connection of this.#open) {
      if (!connection.busy && connection.queue.length === 0) this.#finish(connection, 'host stopping');
    }
    if (this.#open.size > 0) {
      const drained = new Promise<void>((resolve) => this.#allClosed.push(resolve));
      const timer = setTimeout(() => {
        for (const connection of this.#open) connection.socket.destroy();
      }, this.#limits.closeTimeoutMs);
      timer.unref();
      await drained;
      clearTimeout(timer);
    }
    await stopped;
  }

  /** Refused connections are logged at most once a second, with a count: a flood floods no log. */
  #logRefused(address: string, why: string): void {
    this.#refusedSinceLog += 1;
    const now = Date.now();
    if (now - this.#refusedLoggedAt < 1000) return;
    this.#log.warn({ remote: address, refused: this.#refusedSinceLog }, `iso connection refused: ${why}`);
    this.#refusedLoggedAt = now;
    this.#refusedSinceLog = 0;
  }

  /** Whether a new connection from `address` may be taken, making room for it if it can. */
  #admit(address: string): boolean {
    const limits = this.#limits;
    if ((this.#perAddress.get(address) ?? 0) >= limits.maxConnectionsPerAddress) {
      this.#logRefused(
        address,
        `${limits.maxConnectionsPerAddress} connections from this address already open`,
      );
      return false;
    }
    if (this.#open.size < limits.maxConnections) return true;
    // Full: the oldest connection that proved nothing and is not being answered gives way.
    for (const candidate of this.#open) {
      if (!candidate.proven && !candidate.busy && !candidate.ended) {
        this.#log.warn(
          { connection: candidate.id, remote: candidate.remote },
          `iso connection closed: ${limits.maxConnections} connections open, making room for a new one (this one never sent a MAC-proven request)`,
        );
        candidate.ended = true;
        clearTimeout(candidate.frameTimer);
        candidate.socket.destroy();
        return true;
      }
    }
    this.#logRefused(
      address,
      `${limits.maxConnections} connections open, all of signed-in terminals or busy`,
    );
    return false;
  }

  #watch(connection: Connection): void {
    const { socket } = connection;
    socket.setNoDelay(true);
    socket.setTimeout(this.#limits.idleTimeoutMs);
    socket.on('timeout', () => {
      // Never while a request is being answered: the engine may wait for the issuer that long.
      if (!connection.busy) this.#finish(connection, `idle for ${this.#limits.idleTimeoutMs} ms`, 'warn');
    });
    socket.on('data', (chunk: Buffer) => this.#onData(connection, chunk));
    socket.on('end', () => this.#onPeerEnd(connection));
    socket.on('error', (error) => {
      this.#log.warn(
        { connection: connection.id, remote: connection.remote, err: error.message },
        'iso connection error',
      );
      socket.destroy();
    });
    socket.on('close', () => {
      clearTimeout(connection.frameTimer);
      if (this.#open.delete(connection)) {
        const left = (this.#perAddress.get(connection.address) ?? 1) - 1;
        if (left <= 0) this.#perAddress.delete(connection.address);
        else this.#perAddress.set(connection.address, left);
      }
      if (this.#open.size === 0) for (const resolve of this.#allClosed.splice(0)) resolve();
    });
  }

  /** The terminal finished sending; answer what it sent, then close our side. */
  #onPeerEnd(connection: Connection): void {
    connection.peerEnded = true;
    if (connection.buffered.length > 0) {
      const declared = connection.buffered.length >= 2 ? connection.buffered.readUInt16BE(0) : undefined;
      this.#log.warn(
        { connection: connection.id, remote: connection.remote, bytes: connection.buffered.length },
        `iso frame refused (the terminal ended the connection ${connection.buffered.length} bytes into a frame${
          declared === undefined ? '' : ` that announced ${declared} bytes after its length`
        }): connection closed`,
      );
      connection.buffered = Buffer.alloc(0);
      this.#host.unframed?.({ id: connection.id, remote: connection.remote });
    }
    if (!connection.busy && connection.queue.length === 0) this.#finish(connection, 'peer ended');
  }

  /**
   * Ends a connection: at once when it is idle; otherwise after the request being answered has
   * its answer written (the engine may have charged for it), taking nothing more from it.
   */
  #finish(connection: Connection, why: string, level: 'info' | 'warn' = 'info'): void {
    if (connection.ended) return;
    connection.queue.length = 0;
    if (!connection.closeAfterAnswer && level === 'warn')
      this.#log.warn(
        { connection: connection.id, remote: connection.remote },
        `iso connection closed: ${why}`,
      );
    if (connection.busy) {
      connection.closeAfterAnswer = true;
      connection.socket.pause();
      return;
    }
    connection.ended = true;
    clearTimeout(connection.frameTimer);
    connection.socket.end();
    // A peer that never reads would keep a half-closed socket forever: cut it after a grace period.
    setTimeout(() => connection.socket.destroy(), 5_000).unref();
  }

  /** Answers the connection's queued frames in order, one at a time. */
  async #pump(connection: Connection): Promise<void> {
    if (connection.busy) return;
    connection.busy = true;
    try {
      for (let frame = connection.queue.shift(); frame !== undefined; frame = connection.queue.shift()) {
        const reply = await this.#host.handle(frame, { id: connection.id, remote: connection.remote });
        if (connection.socket.destroyed) return;
        if (reply.kind === 'answer') {
          if (reply.authenticated === true) connection.proven = true;
          connection.socket.write(reply.frame);
        } else if (reply.kind === 'close') {
          connection.closeAfterAnswer = true;
          return;
        }
      }
    } catch (error) {
      // IsoHost.handle never throws; if it ever does, only this connection pays for it, unless it
      // is a broken invariant, which stops the process (assert.ts).
      haltOnInvariant(error);
      this.#log.error({ connection: connection.id, err: error }, 'iso connection failed');
      connection.socket.destroy();
    } finally {
      connection.busy = false;
      connection.socket.setTimeout(this.#limits.idleTimeoutMs);
      if (connection.closeAfterAnswer) this.#finish(connection, 'closed after the answer');
      else if (connection.queue.length === 0 && this.#closing) this.#finish(connection, 'host stopping');
      else if (connection.queue.length === 0 && connection.peerEnded) this.#finish(connection, 'peer ended');
    }
  }

  /** Cuts the bytes received so far into frames, queues them, and starts answering them. */
  #onData(connection: Connection, chunk: Buffer): void {
    const limits = this.#limits;
    if (connection.ended || connection.closeAfterAnswer) return;
    connection.buffered =
      connection.buffered.length === 0 ? chunk : Buffer.concat([connection.buffered, chunk]);
    for (;;) {
      let split;
      try {
        split = splitFrame(connection.buffered, { maxFrameBytes: limits.maxFrameBytes });
      } catch (error) {
        const why = isPosError(error) ? error.message : String(error);
        this.#log.warn(
          {
            connection: connection.id,
            remote: connection.remote,
            code: isPosError(error) ? error.code : undefined,
          },
          `iso frame refused (${why}): connection closed`,
        );
        connection.buffered = Buffer.alloc(0);
        this.#host.unframed?.({ id: connection.id, remote: connection.remote });
        this.#finish(connection, 'frame too long');
        return;
      }
      if (split.kind === 'incomplete') {
        // The deadline runs from the frame's first byte, whatever trickles in after it; between
        // frames (nothing buffered) only the idle timer runs.
        if (connection.buffered.length === 0) break;
        connection.frameTimer ??= setTimeout(() => {
          this.#log.warn(
            { connection: connection.id, remote: connection.remote, bytes: connection.buffered.length },
            `iso frame refused (not whole within ${limits.frameDeadlineMs} ms of its first byte): connection closed`,
          );
          connection.buffered = Buffer.alloc(0);
          this.#host.unframed?.({ id: connection.id, remote: connection.remote });
          this.#finish(connection, 'frame deadline');
        }, limits.frameDeadlineMs);
        break;
      }
      clearTimeout(connection.frameTimer);
      connection.frameTimer = undefined;
      // Copies: the frame outlives the chunk it was cut from while it waits in the queue.
      connection.queue.push(Buffer.from(split.frame));
      connection.buffered = split.rest.length === 0 ? Buffer.alloc(0) : Buffer.from(split.rest);
      if (connection.queue.length > limits.maxQueuedFrames) {
        this.#finish(
          connection,
          `more than ${limits.maxQueuedFrames} frames sent without waiting for answers`,
          'warn',
        );
        return;
      }
    }
    void this.#pump(connection);
  }
}

function definedOnly(options: IsoServerOptions): Partial<ServerLimits> {
  const out: Partial<Record<keyof ServerLimits, number>> = {};
  for (const key of Object.keys(isoServerDefaults) as Array<keyof ServerLimits>) {
    const value = options[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
