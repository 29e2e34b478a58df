// Issue 20, "done means": after QR sales of every outcome (paid, refused, a customer who never
// confirms, a lost answer, the wrong amount, a duplicate held, a second code refused while the
// first is unresolved, a wallet adapter whose error quotes the code) and bad codes of every kind,
// no payment code is in clear in the SQLite database file, its WAL, or the logs (the HTTP
// door's and the engine's), and `posguard verify` finds every invariant holding.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/test-support/run-cli.js';
import { makeHttpHarness } from '../src/http/test-support/http-harness.js';
import type { EngineLog } from '../src/payments/engine-context.js';
import { terminalId } from '../src/payments/test-support/engine-harness.js';
import { ScriptedWallet } from '../src/payments/test-support/scripted-wallet.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';

const folder = mkdtempSync(join(tmpdir(), 'posguard-qr-at-rest-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Payment codes scanned, each a valid WeChat Pay code (18 digits starting 10 to 15). */
const codes = Array.from({ length: 9 }, (_, i) => `1${i % 6}${String(7_392_015_570_000_000 + i * 7919)}`);
/** Codes of no wallet's form, sent to be refused. */
const badCodes = ['134567890123456', '994567890123456789', '13456789012345678x', '6212345678901234'];

describe('payment codes at rest after QR sales', () => {
  it('leaves no payment code in clear in the database, its WAL or the logs, and verify passes', async () => {
    const dbPath = join(folder, 'posguard.db');
    const store = await openSqliteStore(dbPath, { now: Date.UTC(2026, 10, 25, 6) });
    const engineLogs: string[] = [];
    const log: EngineLog = {
      info: (fields, message) => engineLogs.push(`${message} ${JSON.stringify(fields)}`),
      warn: (fields, message) => engineLogs.push(`${message} ${JSON.stringify(fields)}`),
      error: (fields, message) => engineLogs.push(`${message} ${JSON.stringify(fields)}`),
    };
    let wallet: ScriptedWallet | undefined;
    const h = await makeHttpHarness({
      store,
      log,
      settings: { reversalMaxAttempts: 3, reversalBaseDelayMs: 1000 },
      wallets: (clock) => ({ wechat: (wallet = new ScriptedWallet({ clock })) }),
    });
    if (wallet === undefined) throw new Error('no wallet');
    const scripted = wallet;
    const sell = (key: string, code: string, amount: number) =>
      h.drive(
        h.call({
          method: 'POST',
          url: '/v1/payments',
          headers: { 'idempotency-key': key },
          payload: { terminalId, amount, currency: 'CNY', paymentCode: code, operatorId: '01' },
        }),
      );
    const statusOf = async (key: string, code: string, amount: number) =>
      (await sell(key, code, amount)).json<{ status: string }>().status;

    const [c0, c1, c2, c3, c4, c5, c6, c7, c8] = codes as [string, ...string[]];
    expect(await statusOf('paid', c0, 1000)).toBe('approved');
    scripted.next({ pay: [{ do: 'refuse', refusal: 'insufficient_funds' }] });
    expect(await statusOf('refused', c1 ?? '', 1001)).toBe('declined');
    scripted.next({ pay: [{ do: 'ask_payer' }] });
    expect(await statusOf('never', c2 ?? '', 1002)).toBe('reversal_pending');
    scripted.next({ pay: [{ do: 'lose_answer', then: 'charge' }] });
    expect(await statusOf('lost', c3 ?? '', 1003)).toBe('approved');
    scripted.next({ pay: [{ do: 'charge', amount: 1 }] });
    expect(await statusOf('amount', c4 ?? '', 1004)).toBe('reversal_pending');
    expect(await statusOf('held', c5 ?? '', 1000)).toBe('duplicate_suspected');
    scripted.next({ pay: [{ do: 'throw_quoting_code', then: 'nothing' }], cancel: [{ do: 'retry' }] });
    expect(await statusOf('thrown', c6 ?? '', 1006)).toBe('reversal_pending');
    expect(await statusOf('paid', c0, 1000)).toBe('approved'); // a replay
    scripted.next({ pay: [{ do: 'ask_payer' }], query: [{ do: 'tell' }, { do: 'payer_confirms' }] });
    const [first, second] = await h.drive(
      Promise.all([
        sell('slow', c7 ?? '', 1007),
        (async () => {
          await h.clock.sleep(2_000);
          return sell('refused-while-unresolved', c8 ?? '', 1008);
        })(),
      ]),
    );
    expect([first.statusCode, second.statusCode]).toEqual([201, 409]);
    for (const [i, bad] of badCodes.entries()) {
      expect((await sell(`bad-${i}`, bad, 1)).statusCode).toBe(400);
    }
    // Cancels done (one after a 'retry'), reversals settled.
    for (let round = 0; round < 20; round += 1) {
      await h.drive(h.engine.drainReversals());
      const due = await store.read((r) => r.nextReversalDueAt());
      if (due === null) break;
      await h.clock.advanceTo(due);
    }
    expect(await store.read((r) => r.countReversals('queued'))).toBe(0);
    expect(scripted.ledger()).toMatchObject({ charges: 5, refunds: 2, netCharges: 3 });

    const files = [dbPath, `${dbPath}-wal`].filter((path) => existsSync(path));
    expect(files).toContain(`${dbPath}-wal`);
    const onDisk = files.map((path) => readFileSync(path).toString('latin1')).join('\n');
    const logs = [...h.logLines, ...engineLogs].join('\n');
    expect(onDisk).toContain('**************'); // the files hold masked codes...
    expect(onDisk).toContain('auth_code=[18 digits]'); // ...the adapter's error, its code cut out...
    for (const code of [...codes, ...badCodes]) {
      expect([code, onDisk.includes(code)]).toEqual([code, false]); // ...but no code in clear
      expect([code, logs.includes(code)]).toEqual([code, false]);
    }
    await h.app.close();
    await store.close();

    const verified = await runCli(['verify', '--db', dbPath], { cwd: folder });
    expect(verified.stdout).toContain('all invariants hold');
    expect(verified.code).toBe(0);
  });
});
