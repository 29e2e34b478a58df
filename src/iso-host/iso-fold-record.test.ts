// Issue 13's last gap, performed as an attacker would: the record of signed MAC folds is in the
// store, so a signed answer or request captured on the line cannot be turned into a forged sale
// after the host restarts (a new host on the same SQLite file), nor on another host sharing one
// PostgreSQL database; a true retransmission of the same bytes is still answered as one.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Secret } from '../cards/secret.js';
import { systemClock } from '../clock/clock.js';
import {
  decodeFrame,
  encodeFrame,
  encodeSignedFrame,
  keyFromHex,
  macFold,
  macInput,
  openSignInKeys,
  verifyFrameMac,
  type IsoMessage,
} from '../iso8583/index.js';
import { sealKey } from '../merchants/key-vault.js';
import { addMerchant, addTerminal } from '../merchants/merchant-admin.js';
import { defaultEngineSettings, noMetrics, type EngineLog } from '../payments/engine-context.js';
import { PaymentEngine } from '../payments/engine.js';
import { randomIdSource } from '../payments/id-source.js';
import type { Store, StoreTx } from '../payments/ports/store.js';
import { PosError } from '../pos-error.js';
import {
  fingerprintKey,
  merchantId,
  otherPan,
  terminalId,
  testPan,
} from '../payments/test-support/engine-harness.js';
import { SeededRandom } from '../random/random.js';
import { MemoryIssuerLedger } from '../simulated-issuer/issuer-ledger.js';
import { SimulatedIssuer } from '../simulated-issuer/simulated-issuer.js';
import { openPostgresStore } from '../store/postgres/open-postgres-store.js';
import { freshSchemaUrl } from '../store/postgres/test-support/test-database.js';
import { openSqliteStore } from '../store/sqlite/open-sqlite-store.js';
import { saleRequest, signInRequest, type CardInput } from '../terminal/terminal-messages.js';
import { IsoHost, type IsoReply } from './iso-host.js';
import { forge, signatureOf } from './test-support/forgery.js';
import { identity, terminalKeyKey, tmkHex } from './test-support/iso-harness.js';
import { keyContext } from './terminal-session.js';

const batchNo = '000001';
const chip: CardInput = { pan: testPan, expiry: '2812', entryMode: 'chip' };
const attackerCard: CardInput = { pan: otherPan, expiry: '2812', entryMode: 'chip' };

function sale(stan: number, card: CardInput = chip, amount = 1000 + stan): IsoMessage {
  return saleRequest({ identity, stan, batchNo, amount, card, operatorId: '01', confirmDuplicate: false });
}

/** One host process: its own engine and ISO door on `store`, on the real clock. */
interface Host {
  readonly engine: PaymentEngine;
  readonly refusals: string[];
  handle(frame: Buffer): Promise<IsoReply>;
  exchange(frame: Buffer): Promise<{ answer: IsoMessage; frame: Buffer }>;
  signIn(): Promise<Secret<Buffer>>;
}

async function seed(store: Store): Promise<void> {
  const random = new SeededRandom(13);
  await addMerchant(
    store,
    { id: merchantId, name: 'Test shop', duplicatePolicy: 'off', duplicateWindowS: 0, apiKey: 'pgk_folds' },
    { random, now: Date.now() },
  );
  const tmkEncrypted = sealKey(
    keyFromHex(tmkHex, 'TMK'),
    terminalKeyKey,
    keyContext({ merchantId, terminalId }, 'tmk'),
    (n) => random.bytes(n),
  );
  await addTerminal(store, { merchantId, terminalId, tmkEncrypted }, { now: Date.now() });
}

function hostOn(store: Store, number: number, ledger: MemoryIssuerLedger): Host {
  const random = new SeededRandom(8583 + number);
  const refusals: string[] = [];
  const log: EngineLog = {
    info: () => undefined,
    warn: (fields) => refusals.push(JSON.stringify(fields['refused'] ?? null)),
    error: (fields, message) => refusals.push(message),
  };
  const engine = new PaymentEngine({
    store,
    upstream: new SimulatedIssuer({ clock: systemClock, random: random.fork(1), ledger }),
    clock: systemClock,
    ids: randomIdSource(systemClock, random.fork(2)),
    metrics: noMetrics,
    log,
    settings: defaultEngineSettings,
    instanceId: `host-${number}`,
  });
  const host = new IsoHost({ engine, random: random.fork(3), fingerprintKey, terminalKeyKey, log });
  const handle = (frame: Buffer) => host.handle(frame, { id: `host-${number}`, remote: 'test' });
  const exchange = async (frame: Buffer) => {
    const reply = await handle(frame);
    if (reply.kind !== 'answer') throw new Error(`expected an answer, got ${reply.kind}: ${reply.reason}`);
    return { answer: decodeFrame(reply.frame), frame: reply.frame };
  };
  return {
    engine,
    refusals,
    handle,
    exchange,
    async signIn() {
      const signIn = signInRequest({ identity, stan: 1, batchNo, mode: '003', operatorId: '01' });
      const { answer } = await exchange(encodeFrame(signIn));
      expect(answer.fields['39']).toBe('00');
      return openSignInKeys({
        mode: '003',
        tmk: keyFromHex(tmkHex, 'TMK'),
        field62: answer.fields['62'] ?? '',
      }).macKey;
    },
  };
}

async function paymentCount(host: Host): Promise<number> {
  return (await host.engine.listPayments({ merchantId, limit: 100 })).length;
}

/**
 * The terminal signs in on `first` and makes a sale there: the attacker captures the signed
 * request and the signed answer.
 */
async function capture(first: Host): Promise<{ macKey: Secret<Buffer>; request: Buffer; answer: Buffer }> {
  const macKey = await first.signIn();
  const request = encodeSignedFrame(sale(2), macKey);
  const { answer, frame } = await first.exchange(request);
  expect(answer.fields['39']).toBe('00');
  return { macKey, request, answer: frame };
}

/**
 * On `other` (a host that never saw the captured messages in its memory), sales forged from the
 * captured answer and from the captured request are refused with A0, unsigned, and charge nothing;
 * the captured request itself is a retransmission, answered with the first answer's RRN.
 */
async function expectForgeriesRefused(
  other: Host,
  captured: { macKey: Secret<Buffer>; request: Buffer; answer: Buffer },
): Promise<void> {
  const charged = await paymentCount(other);
  const fromAnswer = forge(sale(3, attackerCard, 999_999), signatureOf(captured.answer));
  const fromRequest = forge(sale(4, attackerCard, 888_888), signatureOf(captured.request));
  for (const forged of [fromAnswer, fromRequest]) {
    // The forgeries are real: their MACs verify under the terminal's key.
    expect(verifyFrameMac(forged, captured.macKey)).toBe(true);
    const { answer } = await other.exchange(forged);
    expect(answer.fields['39']).toBe('A0');
    expect(answer.fields['64']).toBeUndefined();
  }
  expect(other.refusals.join('\n')).toContain('an answer this host signed');
  expect(other.refusals.join('\n')).toContain('an earlier request with other content');
  expect(await paymentCount(other)).toBe(charged);
  const first = decodeFrame(captured.answer);
  const again = await other.exchange(captured.request);
  expect(again.answer.fields).toMatchObject({
    '39': '00',
    '37': first.fields['37'],
    '38': first.fields['38'],
  });
  expect(verifyFrameMac(again.frame, captured.macKey)).toBe(true);
  expect(await paymentCount(other)).toBe(charged);
  // The terminal itself goes on working on this host.
  const next = await other.exchange(encodeSignedFrame(sale(5), captured.macKey));
  expect(next.answer.fields['39']).toBe('00');
}

describe('issue 13: the record of signed MAC folds outlives the host and is shared by hosts', () => {
  it('refuses, after a restart on the same SQLite file, sales forged from messages signed before it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'posguard-folds-')), 'host.db');
    const ledger = new MemoryIssuerLedger();
    const before = await openSqliteStore(path);
    await seed(before);
    const captured = await capture(hostOn(before, 1, ledger));
    // The host process ends; a new one starts on the same file, with nothing in memory.
    await before.close();
    const after = await openSqliteStore(path);
    try {
      await expectForgeriesRefused(hostOn(after, 2, ledger), captured);
    } finally {
      await after.close();
    }
  });

  it('refuses on one host sales forged from messages another host signed, on one PostgreSQL database', async () => {
    const url = freshSchemaUrl('folds');
    const ledger = new MemoryIssuerLedger();
    const [storeA, storeB] = [await openPostgresStore(url), await openPostgresStore(url)];
    try {
      await seed(storeA);
      const captured = await capture(hostOn(storeA, 1, ledger));
      await expectForgeriesRefused(hostOn(storeB, 2, ledger), captured);
    } finally {
      await Promise.all([storeA.close(), storeB.close()]);
    }
  });

  it('takes only one of a request and a forgery with its fold, sent to two hosts at the same moment', async () => {
    const url = freshSchemaUrl('folds_race');
    const ledger = new MemoryIssuerLedger();
    const [storeA, storeB] = [await openPostgresStore(url), await openPostgresStore(url)];
    try {
      await seed(storeA);
      const a = hostOn(storeA, 1, ledger);
      const b = hostOn(storeB, 2, ledger);
      const macKey = await a.signIn();
      // Adopt the keys first, so the race below is only about the fold.
      expect((await a.exchange(encodeSignedFrame(sale(2), macKey))).answer.fields['39']).toBe('00');
      for (let stan = 3; stan < 13; stan += 2) {
        const request = encodeSignedFrame(sale(stan), macKey);
        const forged = forge(sale(stan + 1, attackerCard, 777_000 + stan), signatureOf(request));
        expect(macFold(macInput(forged))).toEqual(macFold(macInput(request)));
        const answers = await Promise.all([a.exchange(request), b.exchange(forged)]);
        const codes = answers.map((x) => x.answer.fields['39']).sort();
        expect(codes).toEqual(['00', 'A0']);
      }
      expect(await paymentCount(a)).toBe(1 + 5);
    } finally {
      await Promise.all([storeA.close(), storeB.close()]);
    }
  });

  it('withholds a signed answer whose fold cannot be stored: no signature leaves that no host remembers', async () => {
    const store = await openSqliteStore(':memory:');
    await seed(store);
    let failAnswers = false;
    // The store refuses to keep an answer's fold (a database gone away between the sale's commit
    // and the answer): everything else works.
    const failing: Store = {
      kind: store.kind,
      read: (fn) => store.read(fn),
      close: () => store.close(),
      transaction: (fn) =>
        store.transaction((tx) =>
          fn(
            new Proxy(tx, {
              get(target, property, receiver) {
                if (property === 'putSignedFold' && failAnswers) {
                  return (...args: Parameters<StoreTx['putSignedFold']>) =>
                    args[2].kind === 'answer'
                      ? Promise.reject(new PosError('POS_ERR_STORE_UNAVAILABLE', 'the database is away'))
                      : target.putSignedFold(...args);
                }
                return Reflect.get(target, property, receiver) as unknown;
              },
            }),
          ),
        ),
    };
    const host = hostOn(failing, 1, new MemoryIssuerLedger());
    const macKey = await host.signIn();
    expect((await host.exchange(encodeSignedFrame(sale(2), macKey))).answer.fields['39']).toBe('00');
    failAnswers = true;
    const reply = await host.handle(encodeSignedFrame(sale(3), macKey));
    expect(reply.kind).toBe('withheld');
    expect(reply.kind === 'withheld' && reply.reason).toContain('MAC fold');
    // The sale itself was approved and stored: the terminal's timeout leads it to reverse it.
    expect(await paymentCount(host)).toBe(2);
    expect(host.refusals.join('\n')).toContain('not answered');
    await store.close();
  });
});
