// Issue 13, "done means": after both doors were attacked with card numbers (in their own fields,
// in free text, in URLs, expired), no card number is in clear in the SQLite database file, its WAL
// or the logs, and `posguard verify` finds every invariant holding. The ISO door answers an
// expired card 54, as the engine decides for both doors.
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Secret } from '../src/cards/secret.js';
import { runCli } from '../src/cli/test-support/run-cli.js';
import { makeHttpHarness } from '../src/http/test-support/http-harness.js';
import {
  decodeFrame,
  encodeFrame,
  encodeSignedFrame,
  keyFromHex,
  openSignInKeys,
  type IsoMessage,
} from '../src/iso8583/index.js';
import { IsoHost } from '../src/iso-host/iso-host.js';
import { keyContext } from '../src/iso-host/terminal-session.js';
import { sealKey } from '../src/merchants/key-vault.js';
import type { EngineLog } from '../src/payments/engine-context.js';
import { fingerprintKey, merchantId, terminalId } from '../src/payments/test-support/engine-harness.js';
import { SeededRandom } from '../src/random/random.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import { saleRequest, signInRequest } from '../src/terminal/terminal-messages.js';

const folder = mkdtempSync(join(tmpdir(), 'posguard-at-rest-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const tmkHex = '0123456789ABCDEFFEDCBA9876543210';
const terminalKeyKey = new Secret(Buffer.alloc(32, 9), 'terminal-key key');
const identity = { merchantId, terminalId, tpdu: '6000030000', header: '603100000000' };

/** Card numbers sent through the doors, each a valid (Luhn) number. */
const httpPan = '6212345678901232';
const isoPan = '6222021234567890128';
const swipePan = '4111111111111111';
const freeTextPan = '5500005555555559';
const urlPan = '4929123456789012';

function clearForms(pan: string): RegExp {
  // Together, or grouped by spaces or dashes as people write them.
  return new RegExp(pan.split('').join('[ -]?'));
}

describe('card data at rest after attacks on both doors', () => {
  it('leaves no card number in clear in the database, its WAL or the logs, and verify passes', async () => {
    const dbPath = join(folder, 'posguard.db');
    const store = await openSqliteStore(dbPath, { now: Date.UTC(2026, 10, 25, 6) });
    const h = await makeHttpHarness({ store });
    const isoLogs: string[] = [];
    const log: EngineLog = {
      info: (fields, message) => isoLogs.push(`${message} ${JSON.stringify(fields)}`),
      warn: (fields, message) => isoLogs.push(`${message} ${JSON.stringify(fields)}`),
      error: (fields, message) => isoLogs.push(`${message} ${JSON.stringify(fields)}`),
    };
    const random = new SeededRandom(13);
    await store.transaction((tx) =>
      tx.updateTerminal(merchantId, terminalId, {
        tmkEncrypted: sealKey(
          keyFromHex(tmkHex, 'TMK'),
          terminalKeyKey,
          keyContext({ merchantId, terminalId }, 'tmk'),
          (n) => random.bytes(n),
        ),
      }),
    );
    const host = new IsoHost({
      engine: h.engine,
      log,
      random: random.fork(1),
      fingerprintKey,
      terminalKeyKey,
    });
    const exchange = async (message: IsoMessage, macKey?: Secret<Buffer>): Promise<IsoMessage> => {
      const frame =
        macKey === undefined ? encodeSignedFrameless(message) : encodeSignedFrame(message, macKey);
      const reply = await h.drive(host.handle(frame, { id: 'test', remote: 'test' }));
      if (reply.kind !== 'answer') throw new Error(`no answer: ${reply.kind}`);
      return decodeFrame(reply.frame);
    };

    // The HTTP door: a good sale, card numbers in free text and URLs, an expired card.
    const post = (url: string, key: string, payload: Record<string, unknown>) =>
      h.call({ method: 'POST', url, headers: { 'idempotency-key': key }, payload });
    const sale = {
      terminalId,
      amount: 1280,
      currency: 'CNY',
      card: { pan: httpPan, expiry: '2812' },
      entryMode: 'chip',
    };
    const approved = await post('/v1/payments', 'good-1', sale);
    expect(approved.json()).toMatchObject({ status: 'approved' });
    const refused = [
      await post('/v1/payments', 'free-1', { ...sale, reference: `card ${freeTextPan}` }),
      await post('/v1/payments', 'free-2', { ...sale, operatorId: freeTextPan }),
      await post('/v1/payments', `key-${freeTextPan}`, sale),
      await post('/v1/reversals', 'free-3', { idempotencyKey: freeTextPan, reason: 'timeout' }),
      await post('/v1/payments', 'free-4', {
        ...sale,
        reference: freeTextPan.replace(/(\d{4})(?=\d)/g, '$1 '),
      }),
    ];
    expect(refused.map((r) => r.statusCode)).toEqual([400, 400, 400, 400, 400]);
    expect((await h.call({ method: 'GET', url: `/v1/payments/${urlPan}` })).statusCode).toBe(404);
    expect((await h.call({ method: 'GET', url: `/v1/payments?cursor=${urlPan}` })).statusCode).toBe(400);
    const expired = await post('/v1/payments', 'expired-1', {
      ...sale,
      card: { pan: httpPan, expiry: '2001' },
    });
    expect(expired.json()).toMatchObject({ status: 'declined', responseCode: '54' });
    const { id } = approved.json<{ id: string }>();
    expect((await post(`/v1/payments/${id}/refunds`, 'refund-1', { amount: 280 })).statusCode).toBe(201);

    // The ISO door: sign in, a chip sale, a swiped sale (track 2) and expired cards.
    const signIn = await exchange(
      signInRequest({ identity, stan: 1, batchNo: '000001', mode: '003', operatorId: '01' }),
    );
    expect(signIn.fields['39']).toBe('00');
    const { macKey } = openSignInKeys({
      mode: '003',
      tmk: keyFromHex(tmkHex, 'TMK'),
      field62: signIn.fields['62'] ?? '',
    });
    const isoSale = (
      stan: number,
      card: { pan: string; expiry: string; entryMode: 'chip' | 'swipe' },
      operatorId = '01',
    ) =>
      exchange(
        saleRequest({
          identity,
          stan,
          batchNo: '000001',
          amount: 500 + stan,
          card,
          operatorId,
          confirmDuplicate: false,
        }),
        macKey,
      );
    expect((await isoSale(2, { pan: isoPan, expiry: '2812', entryMode: 'chip' })).fields['39']).toBe('00');
    expect((await isoSale(3, { pan: swipePan, expiry: '2812', entryMode: 'swipe' })).fields['39']).toBe('00');
    expect((await isoSale(4, { pan: isoPan, expiry: '2001', entryMode: 'chip' })).fields['39']).toBe('54');
    expect((await isoSale(5, { pan: isoPan, expiry: '2610', entryMode: 'chip' })).fields['39']).toBe('54');
    // (A control character in field 63 cannot even be framed: the codec takes printable ASCII only.)
    // One HTTP sale, its refund and two ISO sales reached the issuer; no expired card did.
    expect(h.issuer.calls.authorize).toBe(4);

    // What is on disk now (the WAL still holds the recent pages), and what was logged.
    const files = [dbPath, `${dbPath}-wal`].filter((path) => existsSync(path));
    expect(files).toContain(`${dbPath}-wal`);
    const onDisk = files.map((path) => readFileSync(path).toString('latin1')).join('\n');
    const logs = [...h.logLines, ...isoLogs].join('\n');
    expect(onDisk).toContain(approved.json<{ id: string }>().id); // the files hold the payments...
    for (const pan of [httpPan, isoPan, swipePan, freeTextPan, urlPan]) {
      expect([pan, clearForms(pan).test(onDisk)]).toEqual([pan, false]); // ...and no card number
      expect([pan, clearForms(pan).test(logs)]).toEqual([pan, false]);
    }
    await h.app.close();
    await store.close();

    const verified = await runCli(['verify', '--db', dbPath], { cwd: folder });
    expect(verified.stdout).toContain('all invariants hold');
    expect(verified.code).toBe(0);
  });
});

/** An unsigned frame (sign-in carries no MAC). */
function encodeSignedFrameless(message: IsoMessage): Buffer {
  return encodeFrame(message);
}
