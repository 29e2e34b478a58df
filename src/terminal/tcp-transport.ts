// The terminal's TCP transport: length-prefixed frames (2 bytes, big-endian) to `HOST:PORT`. One
// connection is kept open between exchanges and opened again when the host has closed it. After
// an exchange without an answer the connection is dropped, so an answer that comes late can never
// be taken for the answer to the next request. Waiting goes through the Clock port.
import { rethrowInvariant } from '../assert.js';
import { connect, type Socket } from 'node:net';
import type { Clock } from '../clock/clock.js';
import { splitFrame } from '../iso8583/index.js';
import { isPosError } from '../pos-error.js';
import type { Transport, TransportResult } from './transport.js';

export interface TcpTransportOptions {
  readonly host: string;
  readonly port: number;
  readonly clock: Clock;
  readonly connectTimeoutMs?: number;
  readonly maxFrameBytes?: number;
}

type Waiter = (result: TransportResult) => void;

export class TcpTransport implements Transport {
  readonly #options: TcpTransportOptions;
  #socket: Socket | undefined;
  #buffered: Buffer = Buffer.alloc(0);
  #waiter: Waiter | undefined;

  constructor(options: TcpTransportOptions) {
    this.#options = options;
  }

  async #connect(): Promise<Socket | string> {
    const current = this.#socket;
    if (current !== undefined && !current.destroyed && current.readyState === 'open') return current;
    this.#drop();
    const { host, port, clock } = this.#options;
    const stop = new AbortController();
    const socket = connect({ host, port });
    const opened = await Promise.race([
      new Promise<true | string>((resolve) => {
        socket.once('connect', () => resolve(true));
        socket.once('error', (error) => resolve(`cannot connect to ${host}:${port}: ${error.message}`));
      }),
      clock
        .sleep(this.#options.connectTimeoutMs ?? 10_000, stop.signal)
        .then((elapsed) =>
          elapsed
            ? `no connection to ${host}:${port} within ${this.#options.connectTimeoutMs ?? 10_000} ms`
            : true,
        ),
    ]);
    stop.abort();
    if (opened !== true) {
      socket.destroy();
      return opened;
    }
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(socket, chunk));
    socket.on('error', () => this.#fail(socket, 'the connection failed'));
    socket.on('close', () => this.#fail(socket, 'the host closed the connection'));
    this.#socket = socket;
    this.#buffered = Buffer.alloc(0);
    return socket;
  }

  #onData(socket: Socket, chunk: Buffer): void {
    if (socket !== this.#socket) return;
    this.#buffered = Buffer.concat([this.#buffered, chunk]);
    for (;;) {
      let split;
      try {
        split = splitFrame(this.#buffered, { maxFrameBytes: this.#options.maxFrameBytes ?? 4096 });
      } catch (error) {
        rethrowInvariant(error);
        this.#fail(socket, isPosError(error) ? error.message : 'an unreadable frame');
        return;
      }
      if (split.kind === 'incomplete') return;
      this.#buffered = Buffer.from(split.rest);
      // A frame nobody waits for answers nothing the client asked for now: it is dropped.
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter?.({ kind: 'answer', frame: Buffer.from(split.frame) });
    }
  }

  #fail(socket: Socket, detail: string): void {
    if (socket !== this.#socket) return;
    this.#drop();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.({ kind: 'no-answer', detail });
  }

  #drop(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
    this.#buffered = Buffer.alloc(0);
  }

  async exchange(request: Buffer, options: { readonly timeoutMs: number }): Promise<TransportResult> {
    const socket = await this.#connect();
    if (typeof socket === 'string') return { kind: 'not-sent', detail: socket };
    const stop = new AbortController();
    const answered = new Promise<TransportResult>((resolve) => {
      this.#waiter = resolve;
    });
    socket.write(request);
    const result = await Promise.race([
      answered,
      this.#options.clock.sleep(options.timeoutMs, stop.signal).then((): TransportResult => ({
        kind: 'no-answer',
        detail: `no answer within ${options.timeoutMs} ms`,
      })),
    ]);
    stop.abort();
    this.#waiter = undefined;
    if (result.kind !== 'answer') this.#drop();
    return result;
  }

  close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket === undefined || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }
}
