// Random and damaged frames against a live `posguard serve --iso-port` process, over several
// connections, while a valid terminal sells on another. The host must answer only with well-formed
// refusals (30 where it can read the MTI and terminal, otherwise a closed connection with a log
// line), never crash, lose or double the valid sale, and pass `posguard verify` afterwards.
// A failing run prints its seed and the command that replays it.
import { spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Secret } from '../src/cards/secret.js';
import { systemClock } from '../src/clock/clock.js';
import { decodeFrame, encodeSignedFrame, isResponseMti, keyFromHex } from '../src/iso8583/index.js';
import { demo } from '../src/main.js';
import { SeededRandom } from '../src/random/random.js';
import { MemoryJournal } from '../src/terminal/memory-journal.js';
import { TcpTransport } from '../src/terminal/tcp-transport.js';
import { TerminalClient } from '../src/terminal/terminal-client.js';
import { echoRequest, saleRequest, settlementRequest } from '../src/terminal/terminal-messages.js';
import { netChargeOfSale } from '../src/simulated-issuer/issuer-ledger.js';
import { SqliteIssuerLedger } from '../src/simulated-issuer/sqlite-issuer-ledger.js';
import { cliPath, startHostProcess, tempDataDir } from './support/host-process.js';

const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 1_000_000);
const replay = `FUZZ_SEED=${seed} npx vitest run test/iso-channel.fuzz.test.ts`;
const connections = 6;
const framesPerConnection = 40;

/** One fuzzing connection: sends a frame, then reads one answer frame, or learns it was closed. */
class RawConnection {
  #buffered = Buffer.alloc(0);
  #closed = false;
  #wake: (() => void) | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buffered = Buffer.concat([this.#buffered, chunk]);
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<RawConnection> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawConnection(socket);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The next answer frame, or 'closed'. `endAfter` half-closes, for frames that promise more bytes than they bring. */
  async exchange(frame: Buffer, endAfter: boolean): Promise<Buffer | 'closed'> {
    if (endAfter) this.socket.end(frame);
    else this.socket.write(frame);
    for (;;) {
      if (this.#buffered.length >= 2) {
        const total = 2 + this.#buffered.readUInt16BE(0);
        if (this.#buffered.length >= total) {
          const answer = this.#buffered.subarray(0, total);
          this.#buffered = this.#buffered.subarray(total);
          return answer;
        }
      }
      if (this.#closed) return 'closed';
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}

describe('the ISO 8583 channel of a live host under random and damaged frames', () => {
  it(`answers with clear refusals or closes, never crashes, and keeps the valid sale exactly once (seed ${seed})`, async () => {
    const dir = tempDataDir();
    const host = await startHostProcess(['--db', join(dir, 'posguard.db'), '--demo', '--iso-port', '0']);
    const port = host.isoPort ?? 0;
    const random = new SeededRandom(seed);
    let closed: number | undefined;
    const terminal = await TerminalClient.open({
      merchantId: demo.merchantId,
      terminalId: demo.terminalId,
      transport: new TcpTransport({ host: '127.0.0.1', port, clock: systemClock }),
      journal: new MemoryJournal(),
      clock: systemClock,
      answerTimeoutMs: 10_000,
    });
    try {
      await terminal.setMasterKey(keyFromHex(demo.tmk, 'demo TMK'));
      expect((await terminal.signIn()).kind, replay).toBe('signed-in');
      const macKey = new Secret(Buffer.from(terminal.state.keys?.macKeyHex ?? '', 'hex'), 'MAC key');
      const identity = {
        merchantId: demo.merchantId,
        terminalId: demo.terminalId,
        tpdu: '6000030000',
        header: '603100000000',
      };
      const valid = [
        saleRequest({
          identity,
          stan: 700_001,
          batchNo: '000001',
          amount: 4321,
          card: { pan: '6212345678901232', expiry: '3012', entryMode: 'chip' },
          operatorId: '01',
          confirmDuplicate: false,
        }),
        echoRequest({ identity, stan: 700_002, batchNo: '000001', query: '' }),
        settlementRequest({
          identity,
          stan: 700_003,
          batchNo: '000009',
          totals: {
            cny: {
              debitTotalMinor: 1,
              debitCount: 1,
              creditTotalMinor: 0,
              creditCount: 0,
              check: 'not-checked',
            },
            foreign: {
              debitTotalMinor: 0,
              debitCount: 0,
              creditTotalMinor: 0,
              creditCount: 0,
              check: 'not-checked',
            },
          },
        }),
      ].map((m) => encodeSignedFrame(m, macKey));

      const makeFrame = (): { frame: Buffer; endAfter: boolean } => {
        const choice = random.int(3);
        if (choice === 0) {
          const body = random.bytes(random.int(120));
          const frame = Buffer.alloc(2 + body.length);
          frame.writeUInt16BE(body.length, 0);
          body.copy(frame, 2);
          return { frame, endAfter: false };
        }
        const frame = Buffer.from(valid[random.int(valid.length)] ?? Buffer.alloc(0));
        for (let flips = 1 + random.int(4); flips > 0; flips -= 1)
          frame[2 + random.int(frame.length - 2)] = random.int(256);
        if (choice === 1) return { frame, endAfter: false };
        // A length prefix that promises more (or fewer) bytes than come.
        frame.writeUInt16BE(random.int(0x1000), 0);
        return { frame, endAfter: true };
      };

      const fuzz = async (): Promise<{ answers: number; closes: number; codes: Set<string> }> => {
        const codes = new Set<string>();
        let answers = 0;
        let closes = 0;
        let connection = await RawConnection.open(port);
        for (let i = 0; i < framesPerConnection; i += 1) {
          const { frame, endAfter } = makeFrame();
          const reply = await connection.exchange(frame, endAfter);
          if (reply === 'closed') {
            closes += 1;
            connection = await RawConnection.open(port);
            continue;
          }
          answers += 1;
          const answer = decodeFrame(reply);
          expect(isResponseMti(answer.mti), replay).toBe(true);
          codes.add(answer.fields['39'] ?? 'none');
          if (endAfter) connection = await RawConnection.open(port);
        }
        connection.socket.destroy();
        return { answers, closes, codes };
      };

      // The fuzzing connections and a valid sale on its own connection, all at once.
      const [sale, ...results] = await Promise.all([
        terminal.sale({ amount: 1280, card: { pan: '4111111111111111', expiry: '3012', entryMode: 'chip' } }),
        ...Array.from({ length: connections }, () => fuzz()),
      ]);
      expect(sale?.kind, replay).toBe('approved');
      const closes = results.reduce((n, r) => n + r.closes, 0);
      const codes = new Set(results.flatMap((r) => [...r.codes]));
      expect(closes, replay).toBeGreaterThan(0);
      closed = closes;
      expect(codes.has('30'), replay).toBe(true);
      // Still serving: the terminal's echo is answered; the valid sale is charged once.
      expect(await terminal.echo(), replay).toEqual({ code: '00' });
      const rrn = sale !== undefined && 'record' in sale ? (sale.record?.rrn ?? '') : '';
      const ledger = new SqliteIssuerLedger(join(dir, 'issuer-ledger.db'), { readonly: true });
      try {
        expect(netChargeOfSale(ledger, rrn), replay).toBe(1280);
      } finally {
        ledger.close();
      }
    } finally {
      await terminal.close();
      expect(await host.stop(), replay).toBe(0);
    }
    // Each closed connection left its line in the log (read once the host has exited and said all).
    const refusedLines = host
      .output()
      .split('\n')
      .filter((l) => l.includes('iso frame refused') && l.includes('connection closed'));
    expect(closed, replay).toBeGreaterThan(0);
    expect(refusedLines.length, replay).toBeGreaterThanOrEqual(closed ?? Number.POSITIVE_INFINITY);
    const verify = spawnSync(
      process.execPath,
      [cliPath, 'verify', '--json', '--db', join(dir, 'posguard.db')],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(verify.stdout), replay).toMatchObject({ ok: true, breaches: [] });
  });
});
