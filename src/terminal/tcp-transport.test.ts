// The TCP transport over real sockets, with time on a manual clock: an answer, no answer in time,
// a connection that cannot be opened, and a late answer that must never pass for the next one.
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { VirtualClock, settle } from '../clock/virtual-clock.js';
import { TcpTransport } from './tcp-transport.js';

function frame(text: string): Buffer {
  const body = Buffer.from(text, 'latin1');
  return Buffer.concat([Buffer.from([body.length >> 8, body.length & 255]), body]);
}

/** A host that hands each received frame to `reply` with its socket. */
async function host(reply: (payload: string, socket: Socket) => void) {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const length = buffered.readUInt16BE(0);
        reply(buffered.subarray(2, 2 + length).toString('latin1'), socket);
        buffered = buffered.subarray(2 + length);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('the TCP transport', () => {
  it('sends a frame and returns the answer, keeping the connection for the next exchange', async () => {
    const h = await host((payload, socket) => socket.write(frame(`re:${payload}`)));
    const clock = new VirtualClock();
    const transport = new TcpTransport({ host: '127.0.0.1', port: h.port, clock });
    const first = await transport.exchange(frame('one'), { timeoutMs: 1000 });
    const second = await transport.exchange(frame('two'), { timeoutMs: 1000 });
    expect(first.kind === 'answer' && first.frame.subarray(2).toString()).toBe('re:one');
    expect(second.kind === 'answer' && second.frame.subarray(2).toString()).toBe('re:two');
    await transport.close();
    await h.close();
  });

  it('says not sent when the connection cannot be opened', async () => {
    const h = await host(() => undefined);
    await h.close();
    const transport = new TcpTransport({ host: '127.0.0.1', port: h.port, clock: new VirtualClock() });
    const result = await transport.exchange(frame('x'), { timeoutMs: 1000 });
    expect(result).toMatchObject({ kind: 'not-sent' });
  });

  it('gives up after the timeout on the clock, and never takes the late answer for the next one', async () => {
    const pending: Array<() => void> = [];
    const h = await host((payload, socket) => {
      const answer = (): boolean => socket.write(frame(`re:${payload}`));
      if (payload === 'slow') pending.push(answer);
      else answer();
    });
    const clock = new VirtualClock();
    const transport = new TcpTransport({ host: '127.0.0.1', port: h.port, clock });
    const slow = transport.exchange(frame('slow'), { timeoutMs: 30_000 });
    while (pending.length === 0) await settle();
    await clock.advance(30_000);
    expect(await slow).toMatchObject({ kind: 'no-answer', detail: 'no answer within 30000 ms' });
    pending.shift()?.();
    const next = await transport.exchange(frame('next'), { timeoutMs: 30_000 });
    expect(next.kind === 'answer' && next.frame.subarray(2).toString()).toBe('re:next');
    await transport.close();
    await h.close();
  });

  it('says no answer when the host closes the connection instead of answering', async () => {
    const h = await host((_payload, socket) => socket.destroy());
    const transport = new TcpTransport({ host: '127.0.0.1', port: h.port, clock: new VirtualClock() });
    expect(await transport.exchange(frame('x'), { timeoutMs: 30_000 })).toMatchObject({
      kind: 'no-answer',
      detail: 'the host closed the connection',
    });
    await h.close();
  });
});
