// Slow and greedy clients on the ISO 8583 TCP channel (issue 13, item 4), over real sockets from
// several loopback addresses: a frame must be whole within the frame deadline of its first byte,
// one address holds at most its share of connections, and when the channel is full a silent or
// slow connection makes room, never a signed-in terminal's.
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { EngineLog } from '../payments/engine-context.js';
import type { IsoReply } from './iso-host.js';
import { startIsoServer, type FrameHandler, type IsoServer } from './iso-tcp-server.js';

function frame(payload: string): Buffer {
  const body = Buffer.from(payload, 'latin1');
  const out = Buffer.alloc(2 + body.length);
  out.writeUInt16BE(body.length, 0);
  body.copy(out, 2);
  return out;
}

/** Answers `ok:<payload>`; a `signed` frame is answered as a request whose MAC was proven. */
class TestHandler implements FrameHandler {
  unframedCount = 0;
  unframed(): void {
    this.unframedCount += 1;
  }
  handle(bytes: Buffer): Promise<IsoReply> {
    const payload = bytes.subarray(2).toString('latin1');
    return Promise.resolve({
      kind: 'answer',
      frame: frame(`ok:${payload}`),
      authenticated: payload.startsWith('signed'),
    });
  }
}

interface Client {
  readonly socket: Socket;
  /** The next whole frame's payload, or 'closed'. */
  next(): Promise<string>;
  /** Resolves when the host closed the connection. */
  readonly closed: Promise<void>;
}

async function client(port: number, localAddress: string): Promise<Client> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffered = Buffer.alloc(0);
  const frames: string[] = [];
  let isClosed = false;
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
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) =>
    socket.on('close', () => {
      isClosed = true;
      waiter?.();
      resolve();
    }),
  );
  return {
    socket,
    closed,
    async next() {
      for (;;) {
        const first = frames.shift();
        if (first !== undefined) return first;
        if (isClosed) return 'closed';
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
  limits: { frameDeadlineMs?: number; maxConnections?: number; maxConnectionsPerAddress?: number },
): Promise<{ server: IsoServer; lines: string[] }> {
  const { log, lines } = recordingLog();
  return {
    server: await startIsoServer({
      host: handler,
      log,
      port: 0,
      address: '127.0.0.1',
      idleTimeoutMs: 60_000,
      ...limits,
    }),
    lines,
  };
}

describe('the ISO 8583 TCP channel against slow clients', () => {
  it('closes a client trickling a frame one byte every 40 ms once the frame deadline passes', async () => {
    const handler = new TestHandler();
    const { server: s, lines } = await server(handler, { frameDeadlineMs: 400 });
    const slow = await client(s.port, '127.0.0.2');
    const bytes = frame('x'.repeat(200));
    const startedAt = performance.now();
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < bytes.length && !slow.socket.destroyed) slow.socket.write(bytes.subarray(sent, ++sent));
    }, 40);
    await slow.closed;
    clearInterval(trickle);
    const closedAfterMs = performance.now() - startedAt;
    // The idle timer (60 s) restarts on every byte; only the deadline can have closed it.
    expect(closedAfterMs).toBeGreaterThanOrEqual(400);
    expect(closedAfterMs).toBeLessThan(5000);
    expect(sent).toBeLessThan(bytes.length);
    expect(handler.unframedCount).toBe(1);
    expect(lines.some((l) => l.includes('not whole within 400 ms of its first byte'))).toBe(true);
    // A whole frame, however many writes it takes within the deadline, is answered; the deadline
    // does not run between frames: a terminal idle after its answer stays connected.
    const quick = await client(s.port, '127.0.0.2');
    for (const byte of frame('quick')) quick.socket.write(Buffer.from([byte]));
    expect(await quick.next()).toBe('ok:quick');
    const idleSince = performance.now();
    const stillOpen = await Promise.race([
      quick.closed.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 800)),
    ]);
    expect(stillOpen, `closed after ${performance.now() - idleSince} ms idle`).toBe(true);
    quick.socket.write(frame('later'));
    expect(await quick.next()).toBe('ok:later');
    quick.socket.destroy();
    await s.close();
  });

  it('refuses connections from one address past its cap and serves other addresses', async () => {
    const { server: s } = await server(new TestHandler(), { maxConnectionsPerAddress: 3 });
    const held = await Promise.all([1, 2, 3].map(() => client(s.port, '127.0.0.3')));
    const extra = await client(s.port, '127.0.0.3');
    expect(await extra.next()).toBe('closed');
    const other = await client(s.port, '127.0.0.4');
    other.socket.write(frame('other'));
    expect(await other.next()).toBe('ok:other');
    // A closed connection gives its place back.
    held[0]?.socket.destroy();
    await held[0]?.closed;
    await new Promise((resolve) => setImmediate(resolve));
    const again = await client(s.port, '127.0.0.3');
    again.socket.write(frame('again'));
    expect(await again.next()).toBe('ok:again');
    for (const c of [...held, again, other]) c.socket.destroy();
    await s.close();
  });

  it('when full, closes the oldest connection that proved nothing for a new one, never a signed-in terminal', async () => {
    const { server: s, lines } = await server(new TestHandler(), {
      maxConnections: 4,
      maxConnectionsPerAddress: 10,
      frameDeadlineMs: 60_000,
    });
    const terminal = await client(s.port, '127.0.0.5');
    terminal.socket.write(frame('signed sale'));
    expect(await terminal.next()).toBe('ok:signed sale');
    // Three slow clients fill the channel, each one byte into a frame.
    const slow: Client[] = [];
    for (let i = 0; i < 3; i += 1) {
      const c = await client(s.port, '127.0.0.6');
      c.socket.write(Buffer.from([0x00]));
      slow.push(c);
    }
    // The host accepts a moment after the client's handshake: wait (bounded) until it counted them.
    for (let i = 0; i < 200 && s.connections() < 4; i += 1) await new Promise((r) => setTimeout(r, 5));
    expect(s.connections()).toBe(4);
    // A second terminal comes: the oldest slow client gives way.
    const second = await client(s.port, '127.0.0.7');
    second.socket.write(frame('signed echo'));
    expect(await second.next()).toBe('ok:signed echo');
    await slow[0]?.closed;
    expect(lines.some((l) => l.includes('making room for a new one'))).toBe(true);
    // The first terminal was never the one closed.
    terminal.socket.write(frame('signed again'));
    expect(await terminal.next()).toBe('ok:signed again');
    for (const c of [terminal, second, ...slow]) c.socket.destroy();
    await s.close();
  });

  it('refuses a new connection when every open one belongs to a signed-in terminal', async () => {
    const { server: s } = await server(new TestHandler(), {
      maxConnections: 2,
      maxConnectionsPerAddress: 10,
    });
    const terminals = [await client(s.port, '127.0.0.8'), await client(s.port, '127.0.0.8')];
    for (const t of terminals) t.socket.write(frame('signed'));
    expect(await Promise.all(terminals.map((t) => t.next()))).toEqual(['ok:signed', 'ok:signed']);
    const late = await client(s.port, '127.0.0.9');
    expect(await late.next()).toBe('closed');
    terminals[0]?.socket.write(frame('signed still'));
    expect(await terminals[0]?.next()).toBe('ok:signed still');
    for (const t of terminals) t.socket.destroy();
    await s.close();
  });
});
