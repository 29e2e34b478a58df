// The TCP adapter on its own, over real sockets: framing, order, concurrency, limits, isolation and
// graceful close. The frame handler here is a stand-in; iso-host.test.ts tests what it answers.
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { EngineLog } from '../payments/engine-context.js';
import type { IsoConnection, IsoReply } from './iso-host.js';
import { startIsoServer, type FrameHandler, type IsoServer } from './iso-tcp-server.js';

function frame(payload: string): Buffer {
  const body = Buffer.from(payload, 'latin1');
  const out = Buffer.alloc(2 + body.length);
  out.writeUInt16BE(body.length, 0);
  body.copy(out, 2);
  return out;
}

/** A handler that answers `ok:<payload>`, closes on `close`, throws on `throw`, and waits on `wait`. */
class TestHandler implements FrameHandler {
  readonly gates: Array<() => void> = [];
  /** Connections closed on bytes that never made a frame. */
  readonly unframedOn: string[] = [];

  unframed(connection: IsoConnection): void {
    this.unframedOn.push(connection.id);
  }
  #arrived: Array<() => void> = [];

  /** Resolves once a `wait` frame is being handled. */
  waiting(): Promise<void> {
    return new Promise((resolve) => this.#arrived.push(resolve));
  }

  async handle(bytes: Buffer): Promise<IsoReply> {
    const payload = bytes.subarray(2).toString('latin1');
    if (payload === 'close') return { kind: 'close', reason: 'test' };
    if (payload === 'throw') throw new Error('handler failure (test)');
    if (payload === 'wait') {
      for (const resolve of this.#arrived.splice(0)) resolve();
      await new Promise<void>((resolve) => this.gates.push(resolve));
    }
    return { kind: 'answer', frame: frame(`ok:${payload}`) };
  }
}

interface Client {
  readonly socket: Socket;
  /** Resolves with the next whole frame's payload, or 'closed'. */
  next(): Promise<string>;
}

async function client(port: number): Promise<Client> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffered = Buffer.alloc(0);
  const frames: string[] = [];
  let closed = false;
  let waiter: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
      const length = buffered.readUInt16BE(0);
      frames.push(buffered.subarray(2, 2 + length).toString('latin1'));
      buffered = buffered.subarray(2 + length);
    }
    waiter?.();
  });
  socket.on('close', () => {
    closed = true;
    waiter?.();
  });
  socket.on('error', () => undefined);
  return {
    socket,
    async next() {
      for (;;) {
        const first = frames.shift();
        if (first !== undefined) return first;
        if (closed) return 'closed';
        await new Promise<void>((resolve) => (waiter = resolve));
      }
    },
  };
}

function recordingLog(): { log: EngineLog; lines: string[] } {
  const lines: string[] = [];
  const push = (fields: Record<string, unknown>, message: string): void => {
    lines.push(`${message} ${JSON.stringify(fields)}`);
  };
  return { log: { info: push, warn: push, error: push }, lines };
}

async function server(
  handler: FrameHandler,
  limits: { idleTimeoutMs?: number; maxFrameBytes?: number; maxQueuedFrames?: number } = {},
): Promise<{ server: IsoServer; lines: string[] }> {
  const { log, lines } = recordingLog();
  return {
    server: await startIsoServer({ host: handler, log, port: 0, address: '127.0.0.1', ...limits }),
    lines,
  };
}

describe('the ISO 8583 TCP channel', () => {
  it('answers several requests on one connection in order, also when they come in one write or byte by byte', async () => {
    const { server: s } = await server(new TestHandler());
    const c = await client(s.port);
    c.socket.write(Buffer.concat([frame('a'), frame('b'), frame('c')]));
    expect([await c.next(), await c.next(), await c.next()]).toEqual(['ok:a', 'ok:b', 'ok:c']);
    for (const byte of frame('split')) c.socket.write(Buffer.from([byte]));
    expect(await c.next()).toBe('ok:split');
    c.socket.destroy();
    await s.close();
  });

  it('serves many connections at once', async () => {
    const { server: s } = await server(new TestHandler());
    const clients = await Promise.all(Array.from({ length: 25 }, () => client(s.port)));
    clients.forEach((c, i) => c.socket.write(frame(`n${i}`)));
    expect(await Promise.all(clients.map((c) => c.next()))).toEqual(clients.map((_, i) => `ok:n${i}`));
    for (const c of clients) c.socket.destroy();
    await s.close();
  });

  it('closes a connection that announces a frame over the maximum, logging it, and keeps serving the others', async () => {
    const handler = new TestHandler();
    const { server: s, lines } = await server(handler, { maxFrameBytes: 64 });
    const good = await client(s.port);
    const bad = await client(s.port);
    bad.socket.write(Buffer.from([0x00, 0x41]));
    expect(await bad.next()).toBe('closed');
    expect(lines.some((l) => l.includes('frame too long') && l.includes('POS_ERR_ISO_FRAME_TOO_LONG'))).toBe(
      true,
    );
    good.socket.write(frame('still here'));
    expect(await good.next()).toBe('ok:still here');
    // A terminal that ends the connection halfway through a frame is told to the handler too.
    const cut = await client(s.port);
    cut.socket.end(frame('cut short').subarray(0, 5));
    expect(await cut.next()).toBe('closed');
    expect(handler.unframedOn).toHaveLength(2);
    good.socket.destroy();
    await s.close();
  });

  it('closes only the connection whose frame the host says to close, or whose handler fails', async () => {
    const { server: s, lines } = await server(new TestHandler());
    const [a, b, c] = await Promise.all([client(s.port), client(s.port), client(s.port)]);
    a?.socket.write(frame('close'));
    b?.socket.write(frame('throw'));
    expect(await a?.next()).toBe('closed');
    expect(await b?.next()).toBe('closed');
    expect(lines.some((l) => l.includes('iso connection failed'))).toBe(true);
    c?.socket.write(frame('fine'));
    expect(await c?.next()).toBe('ok:fine');
    c?.socket.destroy();
    await s.close();
  });

  it('closes an idle connection, but never one whose request is still being answered', async () => {
    const handler = new TestHandler();
    const { server: s, lines } = await server(handler, { idleTimeoutMs: 40 });
    const idle = await client(s.port);
    expect(await idle.next()).toBe('closed');
    expect(lines.some((l) => l.includes('idle for 40 ms'))).toBe(true);
    const busy = await client(s.port);
    const arrived = handler.waiting();
    busy.socket.write(frame('wait'));
    await arrived;
    // Outlast the idle timeout by waiting for another connection to be closed as idle.
    const witness = await client(s.port);
    expect(await witness.next()).toBe('closed');
    handler.gates.shift()?.();
    expect(await busy.next()).toBe('ok:wait');
    busy.socket.destroy();
    await s.close();
  });

  it('closes a connection that sends more frames than it may have waiting', async () => {
    const handler = new TestHandler();
    const { server: s, lines } = await server(handler, { maxQueuedFrames: 2 });
    const c = await client(s.port);
    const arrived = handler.waiting();
    c.socket.write(frame('wait'));
    await arrived;
    c.socket.write(Buffer.concat([frame('1'), frame('2'), frame('3')]));
    handler.gates.shift()?.();
    expect(await c.next()).toBe('ok:wait');
    expect(await c.next()).toBe('closed');
    expect(lines.some((l) => l.includes('more than 2 frames'))).toBe(true);
    await s.close();
  });

  it('on close stops accepting, finishes the request in flight and writes its answer, then closes', async () => {
    const handler = new TestHandler();
    const { server: s } = await server(handler);
    const c = await client(s.port);
    const idle = await client(s.port);
    const arrived = handler.waiting();
    c.socket.write(frame('wait'));
    await arrived;
    const closing = s.close();
    expect(await idle.next()).toBe('closed');
    await expect(client(s.port)).rejects.toThrow();
    handler.gates.shift()?.();
    expect(await c.next()).toBe('ok:wait');
    expect(await c.next()).toBe('closed');
    await closing;
    expect(s.connections()).toBe(0);
  });

  it('answers what a terminal sent before it half-closed the connection', async () => {
    const { server: s } = await server(new TestHandler());
    const c = await client(s.port);
    c.socket.end(frame('last words'));
    expect(await c.next()).toBe('ok:last words');
    expect(await c.next()).toBe('closed');
    await s.close();
  });
});
