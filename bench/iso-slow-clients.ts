// A measurement, not a benchmark (run: `npx tsx bench/iso-slow-clients.ts`): the slow-client
// attack of issue 13 against the ISO 8583 TCP channel with its default limits. Ten signed-in
// terminals hold connections; 1,300 attacker connections from 21 loopback addresses each send one
// byte every 3 s; meanwhile 20 new terminal connections come one every 500 ms. Prints how many
// attacker connections the host held, how many it refused, how long a slow client lived after its
// first byte, and whether every terminal was served.
import { connect, type Socket } from 'node:net';
import { isoServerDefaults, startIsoServer, type FrameHandler } from '../src/iso-host/iso-tcp-server.js';
import type { IsoReply } from '../src/iso-host/iso-host.js';

const attackerAddresses = 21;
const attackerPerAddress = 62;
const trickleMs = 3000;

function frame(payload: string): Buffer {
  const body = Buffer.from(payload, 'latin1');
  return Buffer.concat([Buffer.from([body.length >> 8, body.length & 255]), body]);
}

const handler: FrameHandler = {
  handle(bytes: Buffer): Promise<IsoReply> {
    const payload = bytes.subarray(2).toString('latin1');
    return Promise.resolve({ kind: 'answer', frame: frame(`ok:${payload}`), authenticated: true });
  },
};

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const server = await startIsoServer({ host: handler, log: quiet, port: 0, address: '127.0.0.1' });

function open(localAddress: string): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: server.port, localAddress });
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve(socket));
    socket.once('close', () => resolve(socket));
  });
}

/** Sends a frame and waits for its answer (or the close); the time it took in ms, or -1 when closed. */
function exchange(socket: Socket, payload: string): Promise<number> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    socket.once('data', () => resolve(performance.now() - startedAt));
    socket.once('close', () => resolve(-1));
    socket.write(frame(payload));
  });
}

const terminals: Socket[] = [];
for (let i = 0; i < 10; i += 1) {
  const socket = await open('127.0.0.1');
  await exchange(socket, `signed ${i}`);
  terminals.push(socket);
}

const lifetimesMs: number[] = [];
const attackers: Socket[] = [];
const attackStartedAt = performance.now();
for (let a = 0; a < attackerAddresses; a += 1) {
  for (let n = 0; n < attackerPerAddress; n += 1) {
    const socket = await open(`127.0.${10 + a}.1`);
    attackers.push(socket);
    const firstByteAt = performance.now();
    socket.write(Buffer.from([0x01]));
    const timer = setInterval(() => socket.write(Buffer.from([0x41])), trickleMs);
    socket.once('close', () => {
      clearInterval(timer);
      lifetimesMs.push(performance.now() - firstByteAt);
    });
  }
}
const attemptMs = performance.now() - attackStartedAt;
await new Promise((resolve) => setTimeout(resolve, 200));
const heldAfterAttack = server.connections() - terminals.length;

// One address alone: how many connections may it hold?
const oneAddress = await Promise.all(Array.from({ length: 100 }, () => open('127.0.99.1')));
await new Promise((resolve) => setTimeout(resolve, 200));
const heldByOneAddress = oneAddress.filter((socket) => !socket.destroyed).length;
for (const socket of oneAddress) socket.destroy();

const newTerminalMs: number[] = [];
for (let i = 0; i < 20; i += 1) {
  const socket = await open('127.0.0.2');
  newTerminalMs.push(await exchange(socket, `signed new ${i}`));
  socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 500));
}
const oldTerminalsServed = await Promise.all(terminals.map((t, i) => exchange(t, `signed again ${i}`)));
await new Promise((resolve) => setTimeout(resolve, isoServerDefaults.frameDeadlineMs + 2000));
const stillOpen = server.connections() - terminals.length;

lifetimesMs.sort((x, y) => x - y);
const at = (q: number): number => Math.round(lifetimesMs[Math.floor(q * (lifetimesMs.length - 1))] ?? -1);
console.log(
  JSON.stringify(
    {
      limits: isoServerDefaults,
      attackerConnectionsAttempted: attackerAddresses * attackerPerAddress,
      attemptSeconds: Math.round(attemptMs / 100) / 10,
      closedToMakeRoom: lifetimesMs.filter((ms) => ms < isoServerDefaults.frameDeadlineMs - 500).length,
      heldByOneAddressOf100: heldByOneAddress,
      attackerConnectionsHeldAfterAttack: heldAfterAttack,
      attackerConnectionsOpenAfterDeadline: stillOpen,
      slowClientLifetimeMs: {
        min: at(0),
        median: at(0.5),
        p99: at(0.99),
        max: at(1),
        count: lifetimesMs.length,
      },
      newTerminalsServed: `${newTerminalMs.filter((ms) => ms >= 0).length}/20`,
      newTerminalAnswerMsMax: Math.round(Math.max(...newTerminalMs)),
      signedInTerminalsServed: `${oldTerminalsServed.filter((ms) => ms >= 0).length}/10`,
    },
    null,
    2,
  ),
);
for (const socket of [...terminals, ...attackers]) socket.destroy();
await server.close();
