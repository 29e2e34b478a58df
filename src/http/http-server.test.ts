// Slow and greedy clients over real sockets on the loopback (issue 13, item 5): a client that
// sends half a body and then a byte now and then is cut off once the request deadline passes, and
// connections over the per-address cap are closed at once, while a normal request still succeeds.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultHttpLimits, type HttpLimits } from './http-server.js';
import { apiKey, makeHttpHarness, type HttpHarness } from './test-support/http-harness.js';

const limits: HttpLimits = {
  ...defaultHttpLimits,
  requestTimeoutMs: 1_000,
  idleTimeoutMs: 5_000,
  maxConnections: 40,
  maxConnectionsPerAddress: 8,
};

const opened: Socket[] = [];
let harness: HttpHarness | undefined;
afterEach(async () => {
  for (const socket of opened.splice(0)) socket.destroy();
  await harness?.app.close();
  harness = undefined;
});

async function listen(): Promise<{ port: number }> {
  harness = await makeHttpHarness({ limits });
  await harness.app.listen({ port: 0, host: '127.0.0.1' });
  const address = harness.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port };
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.on('error', reject);
    opened.push(socket);
  });
}

/** Resolves with how long after `since` the server closed the socket (bounded by `withinMs`). */
function closedWithin(socket: Socket, since: number, withinMs: number): Promise<number | 'still open'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still open'), withinMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - since);
    });
    socket.on('error', () => undefined);
  });
}

const halfRequest = [
  'POST /v1/payments HTTP/1.1',
  'host: 127.0.0.1',
  `authorization: Bearer ${apiKey}`,
  'idempotency-key: slow-1',
  'content-type: application/json',
  'content-length: 200',
  '',
  '{"terminalId":"T0001",',
].join('\r\n');

describe('slow and greedy HTTP clients (issue 13, item 5)', () => {
  it('cuts off a client that feeds half a body a byte at a time once the request deadline passes', async () => {
    const { port } = await listen();
    const socket = await open(port);
    const started = Date.now();
    socket.write(halfRequest);
    // A byte every 200 ms keeps the idle timer from ever firing: only the request deadline helps.
    const drip = setInterval(() => socket.writable && socket.write(' '), 200);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    const closedAfterMs = await closedWithin(socket, started, 4_000);
    clearInterval(drip);
    expect(closedAfterMs).not.toBe('still open');
    // The deadline (1 s) plus at most one checking interval (1 s), with room for a busy machine.
    expect(closedAfterMs).toBeLessThan(3_500);
    expect(answer.split('\r\n')[0] ?? '').toMatch(/^HTTP\/1\.1 408|^$/);
    expect(await harness?.store.read((r) => r.getRequest('M0001', 'slow-1'))).toBeUndefined();
  });

  it('closes connections over the per-address cap at once and keeps serving within it', async () => {
    const { port } = await listen();
    const held = await Promise.all(Array.from({ length: limits.maxConnectionsPerAddress }, () => open(port)));
    for (const socket of held) socket.write(halfRequest);
    const extra = await open(port);
    expect(await closedWithin(extra, Date.now(), 2_000)).not.toBe('still open');
    held[0]?.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(response.status).toBe(200);
  });
});
