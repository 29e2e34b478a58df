import { describe, expect, it } from 'vitest';
import {
  buildRequest,
  decodeFrame,
  encodeFrame,
  keyFromHex,
  openSignInKeys,
  parseSettlementTotals,
  verifyFrameMac,
  type IsoMessage,
} from '../iso8583/index.js';
import { merchantId, terminalId, testPan, otherPan } from '../payments/test-support/engine-harness.js';
import { netChargeOfSale } from '../simulated-issuer/issuer-ledger.js';
import { noFaults } from '../simulated-issuer/simulated-issuer.js';
import {
  balanceRequest,
  echoRequest,
  refundRequest,
  reversalMessage,
  saleRequest,
  settlementRequest,
  signOffRequest,
  uploadEndRequest,
  uploadRequest,
  voidRequest,
  type CardInput,
} from '../terminal/terminal-messages.js';
import type { TransactionRecord } from '../terminal/journal.js';
import { identity, makeIsoHarness, tmkHex, type IsoHarness } from './test-support/iso-harness.js';

const chip: CardInput = { pan: testPan, expiry: '2812', entryMode: 'chip' };
const batchNo = '000001';

function sale(
  stan: number,
  overrides: { amount?: number; card?: CardInput; confirm?: boolean } = {},
): IsoMessage {
  return saleRequest({
    identity,
    stan,
    batchNo,
    amount: overrides.amount ?? 1280,
    card: overrides.card ?? chip,
    operatorId: '01',
    confirmDuplicate: overrides.confirm ?? false,
  });
}

function header(answer: IsoMessage): { processingRequirement: number } {
  return { processingRequirement: Number.parseInt((answer.header ?? '000000')[5] ?? '0', 16) };
}

async function payments(h: IsoHarness) {
  return h.engine.listPayments({ merchantId, limit: 100 });
}

describe('the ISO 8583 host: sign-in and session keys', () => {
  it('issues PIN and MAC keys under the TMK with check values and the batch the terminal adopts', async () => {
    const h = await makeIsoHarness();
    const { answer } = await h.send(
      buildRequest({ ...base(1), type: 'sign-in', networkManagementCode: '003', fields: { '63': '01 ' } }),
    );
    expect(answer.mti).toBe('0810');
    expect(answer.fields['39']).toBe('00');
    expect(answer.fields['60']).toBe('00000001003');
    // The terminal opens them with its TMK; every check value must match.
    const keys = openSignInKeys({
      mode: '003',
      tmk: keyFromHex(tmkHex, 'TMK'),
      field62: answer.fields['62'] ?? '',
    });
    expect(keys.macKey.reveal()).toHaveLength(8);
    // Offered, not adopted: the keys are pending until a request MACed under them arrives.
    const offered = await h.store.read((r) => r.getTerminal(merchantId, terminalId));
    expect(offered).toMatchObject({
      signedIn: false,
      pendingKeyMode: '003',
      pendingKeysIssuedAt: h.clock.now(),
    });
    const signedAt = h.clock.now();
    expect((await h.send(sale(2), keys.macKey)).answer.fields['39']).toBe('00');
    const terminal = await h.store.read((r) => r.getTerminal(merchantId, terminalId));
    expect(terminal).toMatchObject({
      signedIn: true,
      keyMode: '003',
      keysIssuedAt: signedAt,
      pendingMacKeyEncrypted: null,
    });
    // Stored sealed, never in clear.
    expect(terminal?.macKeyEncrypted).not.toContain(keys.macKey.reveal().toString('hex'));
    expect(h.logText()).not.toContain(keys.macKey.reveal().toString('hex').toUpperCase());
  });

  it('issues keys in each CUP sign-in mode: 001 single length, 003 double, 004 with a track key', async () => {
    const h = await makeIsoHarness();
    for (const [stan, mode] of [
      [1, '001'],
      [2, '003'],
      [3, '004'],
    ] as const) {
      const { answer } = await h.send(
        buildRequest({
          ...base(stan),
          type: 'sign-in',
          networkManagementCode: mode,
          fields: { '63': '01 ' },
        }),
      );
      const keys = openSignInKeys({
        mode,
        tmk: keyFromHex(tmkHex, 'TMK'),
        field62: answer.fields['62'] ?? '',
      });
      expect([
        keys.pinKey.reveal().length,
        keys.macKey.reveal().length,
        keys.trackKey?.reveal().length,
      ]).toEqual(mode === '001' ? [8, 8, undefined] : mode === '003' ? [16, 8, undefined] : [16, 8, 16]);
    }
  });

  it('refuses to sign in a terminal that has no master key, naming the fix in the log', async () => {
    const h = await makeIsoHarness({ withTmk: false });
    const { answer } = await h.send(buildRequest({ ...base(1), type: 'sign-in', fields: { '63': '01 ' } }));
    expect(answer.fields['39']).toBe('58');
    expect(answer.fields['62']).toBeUndefined();
    expect(h.logText()).toContain('no terminal master key');
  });

  it('refuses a sale from a terminal that never signed in with A0 and processing requirement 3', async () => {
    const h = await makeIsoHarness();
    const { answer } = await h.send(sale(1));
    expect(answer.fields['39']).toBe('A0');
    expect(header(answer).processingRequirement).toBe(3);
    expect(await payments(h)).toEqual([]);
  });

  it('refuses a sale signed with stale keys (older than the key age limit) the same way', async () => {
    const h = await makeIsoHarness({ settings: { keyMaxAgeMs: 3_600_000 } });
    const macKey = await h.signIn();
    await h.clock.advance(3_600_001);
    const { answer, frame } = await h.send(sale(2), macKey);
    expect(answer.fields['39']).toBe('A0');
    expect(header(answer).processingRequirement).toBe(3);
    // Not signed: the request's MAC was never proven, so its answer carries none (issue 13).
    expect(answer.fields['64']).toBeUndefined();
    expect(frame.length).toBeGreaterThan(0);
    expect(await payments(h)).toEqual([]);
  });

  it('refuses a sale in another batch than the current one with 77 and processing requirement 3', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    const { answer } = await h.send(
      saleRequest({
        identity,
        stan: 2,
        batchNo: '000002',
        amount: 1280,
        card: chip,
        operatorId: '01',
        confirmDuplicate: false,
      }),
      macKey,
    );
    expect(answer.fields['39']).toBe('77');
    expect(header(answer).processingRequirement).toBe(3);
    expect(await payments(h)).toEqual([]);
  });

  it('answers A0 to a bad MAC and changes nothing: no payment, no issuer call', async () => {
    const h = await makeIsoHarness();
    await h.signIn();
    const wrongKey = keyFromHex('1111111111111111', 'wrong MAC key');
    const { answer } = await h.send(sale(2), wrongKey);
    expect(answer.fields['39']).toBe('A0');
    expect(header(answer).processingRequirement).toBe(3);
    expect(await payments(h)).toEqual([]);
    expect(h.issuer.calls.authorize).toBe(0);
  });

  it('answers A0 to a sale without a MAC', async () => {
    const h = await makeIsoHarness();
    await h.signIn();
    const { answer } = await h.send(sale(2));
    expect(answer.fields['39']).toBe('A0');
    expect(await payments(h)).toEqual([]);
  });

  it('answers echo tests without a session, and after a MACed sign-off refuses money until the next sign-in', async () => {
    const h = await makeIsoHarness();
    expect((await h.send(echoRequest({ identity, stan: 1, batchNo }))).answer.fields['39']).toBe('00');
    const macKey = await h.signIn(2);
    expect((await h.send(signOffRequest({ identity, stan: 3, batchNo }), macKey)).answer.fields['39']).toBe(
      '00',
    );
    expect((await h.send(sale(4), macKey)).answer.fields['39']).toBe('A0');
    const again = await h.signIn(5);
    expect((await h.send(sale(6), again)).answer.fields['39']).toBe('00');
  });
});

function base(stan: number) {
  return {
    tpdu: identity.tpdu,
    header: identity.header,
    stan,
    batchNumber: 1,
    terminalId: identity.terminalId.padEnd(8),
    merchantId: identity.merchantId.padEnd(15),
  };
}

describe('the ISO 8583 host: sales', () => {
  it('approves a sale through the engine with an RRN, an auth code and a MAC the terminal can check', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    const { answer, frame } = await h.send(sale(2), macKey);
    expect(answer.mti).toBe('0210');
    expect(answer.fields).toMatchObject({ '39': '00', '11': '000002', '4': '000000001280' });
    expect(answer.fields['37']).toMatch(/^\d{12}$/);
    expect(answer.fields['38']).toMatch(/^\d{6}$/);
    expect(answer.fields['2']).toBeUndefined();
    expect(verifyFrameMac(frame, macKey)).toBe(true);
    const [payment] = await payments(h);
    expect(payment).toMatchObject({
      channel: 'iso',
      stan: '000002',
      batchNo,
      status: 'approved',
      idempotencyKey: `iso:${terminalId}:000001:000002`,
    });
    expect(netChargeOfSale(h.ledger, answer.fields['37'] ?? '')).toBe(1280);
  });

  it('answers a retransmission with the stored answer and a fresh MAC, and charges once', async () => {
    const h = await makeIsoHarness();
    const firstKey = await h.signIn();
    const first = await h.send(sale(2), firstKey);
    // The terminal lost the answer, signs in again (new keys) and sends the same request.
    const secondKey = await h.signIn(3);
    const again = await h.send(sale(2), secondKey);
    expect(again.answer.fields['39']).toBe(first.answer.fields['39']);
    expect(again.answer.fields['37']).toBe(first.answer.fields['37']);
    expect(again.answer.fields['38']).toBe(first.answer.fields['38']);
    expect(verifyFrameMac(again.frame, secondKey)).toBe(true);
    expect(again.answer.fields['64']).not.toBe(first.answer.fields['64']);
    expect(await payments(h)).toHaveLength(1);
    expect(h.issuer.calls.authorize).toBe(1);
    expect(h.logs.some((l) => l.fields['replayed'] === true)).toBe(true);
  });

  it('answers 94 to the same STAN with other content and sends nothing', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    await h.send(sale(2), macKey);
    const other = await h.send(sale(2, { amount: 1380 }), macKey);
    expect(other.answer.fields['39']).toBe('94');
    expect(other.answer.fields['63']).toContain('STAN was already used');
    expect(await payments(h)).toHaveLength(1);
    expect(h.issuer.calls.authorize).toBe(1);
  });

  it('maps a decline to the issuer code and a timeout to 98 with the reversal queued', async () => {
    const h = await makeIsoHarness({ faults: { ...noFaults, declineRate: 1 } });
    const macKey = await h.signIn();
    expect((await h.send(sale(2), macKey)).answer.fields['39']).toBe('51');
    h.issuer.setFaults({ ...noFaults, lostAnswerRate: 1 });
    const lost = await h.send(sale(3, { amount: 990 }), macKey);
    expect(lost.answer.fields['39']).toBe('98');
    expect(lost.answer.fields['38']).toBeUndefined();
    const payment = await h.engine.findByRrn(merchantId, lost.answer.fields['37'] ?? '');
    expect(payment?.status).toBe('reversal_pending');
  });

  it('reads the card from track 2 for a swipe and from field 2 otherwise, and never logs it in clear', async () => {
    const h = await makeIsoHarness({ policy: 'off' });
    const macKey = await h.signIn();
    const swipe: CardInput = { pan: otherPan, expiry: '2912', entryMode: 'swipe' };
    const swiped = await h.send(sale(2, { card: swipe }), macKey);
    expect(swiped.answer.fields['39']).toBe('00');
    const keyed = await h.send(sale(3, { card: { ...chip, entryMode: 'manual' } }), macKey);
    expect(keyed.answer.fields['39']).toBe('00');
    const tapped = await h.send(sale(4, { card: { ...chip, entryMode: 'contactless' } }), macKey);
    expect(tapped.answer.fields['39']).toBe('00');
    const list = await payments(h);
    expect(list.map((p) => `${p.stan} ${p.entryMode} ${p.cardMasked}`).sort()).toEqual([
      '000002 swipe 411111******1111',
      '000003 manual 621234******1232',
      '000004 contactless 621234******1232',
    ]);
    expect(h.logText()).toContain('411111******1111');
    expect(h.logText()).not.toContain(otherPan);
    expect(h.logText()).not.toContain(testPan);
  });

  it('answers 14 to a card number that fails the Luhn check and 30 to a sale without card data', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    const bad = await h.send(sale(2, { card: { ...chip, pan: '6212345678901233' } }), macKey);
    expect(bad.answer.fields['39']).toBe('14');
    const withoutCard = buildRequest({ ...base(3), type: 'sale', amountMinor: 100 });
    const missing = await h.send(withoutCard, macKey);
    expect(missing.answer.fields['39']).toBe('30');
    expect(h.logText()).toContain('field 2: expected the card number');
    expect(await payments(h)).toEqual([]);
  });
});

describe('the ISO 8583 host: the duplicate guard over ISO', () => {
  it('declines a suspected duplicate with 94 and the way to confirm, and lets the confirmed second purchase through', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    const first = await h.send(sale(2), macKey);
    expect(first.answer.fields['39']).toBe('00');
    const rerun = await h.send(sale(3), macKey);
    expect(rerun.answer.fields['39']).toBe('94');
    expect(rerun.answer.fields['63']).toMatch(/^CUP SUSPECTED DUPLICATE/);
    expect(rerun.answer.fields['63']).toContain('field 63 = operator + DUPCONFIRM');
    expect(rerun.answer.fields['37']).toBeUndefined();
    expect(h.issuer.calls.authorize).toBe(1);
    // The operator confirms a genuine second purchase: new STAN, field 63 = operator + DUPCONFIRM.
    const confirmed = await h.send(sale(4, { confirm: true }), macKey);
    expect(confirmed.answer.fields['39']).toBe('00');
    expect(confirmed.answer.fields['37']).not.toBe(first.answer.fields['37']);
    const duplicates = await h.engine.listDuplicates({ merchantId, limit: 10 });
    expect(duplicates.map((d) => [d.resolution, d.operatorId])).toEqual([['confirmed', '01']]);
    // The confirmation reusing the held request's STAN is another request under that key: 94.
    expect((await h.send(sale(3, { confirm: true }), macKey)).answer.fields['39']).toBe('94');
  });
});

describe('the ISO 8583 host: reversals', () => {
  it('answers a 0400 whose original has not arrived with 00, and refuses the late original without sending it', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    const original = sale(2);
    const reversal = await h.send(reversalMessage(original, 'no-answer'), macKey);
    expect(reversal.answer.mti).toBe('0410');
    expect(reversal.answer.fields['39']).toBe('00');
    const late = await h.send(original, macKey);
    expect(late.answer.fields['39']).toBe('94');
    expect(late.answer.fields['63']).toContain('reversed before it arrived');
    expect(h.issuer.calls.authorize).toBe(0);
    expect(await payments(h)).toEqual([]);
  });

  it('reverses an approved sale named by terminal, batch and STAN, so the card is not charged', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    const original = sale(2);
    const approved = await h.send(original, macKey);
    const rrn = approved.answer.fields['37'] ?? '';
    for (const reason of ['no-answer', 'mac-failed', 'terminal-failed', 'other'] as const) {
      const answer = await h.send(reversalMessage(original, reason), macKey);
      expect(answer.answer.fields['39']).toBe('00');
    }
    await h.drive(h.engine.drainReversals());
    expect((await h.engine.findByRrn(merchantId, rrn))?.status).toBe('reversed');
    expect(netChargeOfSale(h.ledger, rrn)).toBe(0);
    expect(h.logs.filter((l) => l.fields['type'] === 'reversal').map((l) => l.fields['reason'])).toEqual([
      'timeout',
      'mac_error',
      'terminal_failure',
      'other',
    ]);
  });

  it('refuses with 25, signed, a 0400 whose amount or kind is not that of the payment under its STAN, and reverses nothing', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    const approved = await h.send(sale(2), macKey);
    const rrn = approved.answer.fields['37'] ?? '';
    // A terminal that lost its journal reuses STAN 2 for a sale of 0.01 and reverses that one.
    const otherAmount = await h.send(reversalMessage(sale(2, { amount: 1 }), 'no-answer'), macKey);
    expect(otherAmount.answer.fields['39']).toBe('25');
    expect(verifyFrameMac(otherAmount.frame, macKey)).toBe(true);
    const asVoid = reversalMessage(
      voidRequest({
        identity,
        stan: 2,
        batchNo,
        original: { batchNo, stan: '000001', rrn, authCode: null, date: null, amount: 1280 },
        operatorId: '01',
      }),
      'no-answer',
    );
    expect((await h.send(asVoid, macKey)).answer.fields['39']).toBe('25');
    await h.drive(h.engine.drainReversals());
    expect((await h.engine.findByRrn(merchantId, rrn))?.status).toBe('approved');
    expect(netChargeOfSale(h.ledger, rrn)).toBe(1280);
    expect(h.logs.filter((l) => l.fields['type'] === 'reversal').map((l) => l.fields['refused'])).toEqual([
      'the reversal does not match the sale it names (it is for 1 fen, the sale under the key for 1280): nothing was reversed',
      'the reversal does not match the sale it names (it reverses a void, the key holds a sale): nothing was reversed',
    ]);
    // The true copy of the sale still reverses it.
    expect((await h.send(reversalMessage(sale(2), 'no-answer'), macKey)).answer.fields['39']).toBe('00');
    await h.drive(h.engine.drainReversals());
    expect((await h.engine.findByRrn(merchantId, rrn))?.status).toBe('reversed');
  });
});

function approvedRecord(answer: IsoMessage, stan: string, amount = 1280): TransactionRecord {
  return {
    batchNo,
    stan,
    kind: 'sale',
    state: 'approved',
    amount,
    cardMasked: null,
    entryMode: 'chip',
    operatorId: '01',
    original: null,
    responseCode: '00',
    message: null,
    rrn: answer.fields['37'] ?? null,
    authCode: answer.fields['38'] ?? null,
    uploaded: false,
    printed: true,
    createdAt: 0,
    updatedAt: 0,
  };
}

describe('the ISO 8583 host: voids, refunds and balance', () => {
  it('voids a sale named by RRN and field 61, and refuses one whose field 61 or amount does not fit', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    const approved = await h.send(sale(2), macKey);
    const original = {
      batchNo,
      stan: '000002',
      rrn: approved.answer.fields['37'] ?? '',
      authCode: approved.answer.fields['38'] ?? null,
      date: null,
      amount: 1280,
    };
    const wrongStan = await h.send(
      voidRequest({
        identity,
        stan: 3,
        batchNo,
        original: { ...original, stan: '000009' },
        operatorId: '01',
      }),
      macKey,
    );
    expect(wrongStan.answer.fields['39']).toBe('25');
    const wrongAmount = await h.send(
      voidRequest({ identity, stan: 4, batchNo, original: { ...original, amount: 1000 }, operatorId: '01' }),
      macKey,
    );
    expect(wrongAmount.answer.fields['39']).toBe('64');
    const voided = await h.send(
      voidRequest({ identity, stan: 5, batchNo, original, operatorId: '01' }),
      macKey,
    );
    expect(voided.answer.fields['39']).toBe('00');
    expect((await h.engine.findByRrn(merchantId, original.rrn))?.status).toBe('voided');
    expect(netChargeOfSale(h.ledger, original.rrn)).toBe(0);
    const before = h.logs.length;
    const twice = await h.send(
      voidRequest({ identity, stan: 6, batchNo, original, operatorId: '01' }),
      macKey,
    );
    expect(twice.answer.fields['39']).toBe('22');
    // An engine refusal to a terminal whose MAC was good is signed like any other answer.
    expect(verifyFrameMac(twice.frame, macKey)).toBe(true);
    expect(verifyFrameMac(wrongStan.frame, macKey)).toBe(true);
    // One line for the request, naming the engine's refusal.
    expect(h.logs.slice(before).map((l) => [l.message, l.fields['errorCode']])).toEqual([
      ['iso request answered', 'POS_ERR_PAYMENT_ILLEGAL_TRANSITION'],
    ]);
  });

  it('refunds part of a sale (0220) and refuses a refund beyond what is left with 61', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    const approved = await h.send(sale(2, { amount: 800 }), macKey);
    const original = {
      batchNo,
      stan: '000002',
      rrn: approved.answer.fields['37'] ?? '',
      authCode: null,
      date: '1125',
      amount: 800,
    };
    const refund = await h.send(
      refundRequest({ identity, stan: 3, batchNo, original, amount: 300, operatorId: '01' }),
      macKey,
    );
    expect(refund.answer.mti).toBe('0230');
    expect(refund.answer.fields['39']).toBe('00');
    const beyond = await h.send(
      refundRequest({ identity, stan: 4, batchNo, original, amount: 600, operatorId: '01' }),
      macKey,
    );
    expect(beyond.answer.fields['39']).toBe('61');
    expect((await h.engine.findByRrn(merchantId, original.rrn))?.status).toBe('partially_refunded');
    expect(netChargeOfSale(h.ledger, original.rrn)).toBe(500);
    const unknown = await h.send(
      refundRequest({
        identity,
        stan: 5,
        batchNo,
        original: { ...original, rrn: '999999999999' },
        amount: 1,
        operatorId: '01',
      }),
      macKey,
    );
    expect(unknown.answer.fields['39']).toBe('25');
  });

  it('answers a balance inquiry with the demo balance in field 54 and moves no money', async () => {
    const h = await makeIsoHarness({ settings: { demoBalanceMinor: 123_456 } });
    const macKey = await h.signIn();
    const { answer } = await h.send(balanceRequest({ identity, stan: 2, batchNo, card: chip }), macKey);
    expect(answer.fields['39']).toBe('00');
    expect(answer.fields['54']).toBe('1002156C000000123456');
    expect(await payments(h)).toEqual([]);
  });

  it('answers 40 to transactions it does not support (pre-authorisation)', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    const preAuth = buildRequest({
      ...base(2),
      type: 'pre-auth',
      amountMinor: 100,
      fields: { '2': testPan, '14': '2812', '22': '052' },
    });
    expect((await h.send(preAuth, macKey)).answer.fields['39']).toBe('40');
  });
});

describe('the ISO 8583 host: settlement and batch upload', () => {
  it('answers balanced when the totals agree and moves the terminal to the next batch', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    await h.send(sale(2), macKey);
    const totals = {
      cny: {
        debitTotalMinor: 1280,
        debitCount: 1,
        creditTotalMinor: 0,
        creditCount: 0,
        check: 'not-checked' as const,
      },
      foreign: {
        debitTotalMinor: 0,
        debitCount: 0,
        creditTotalMinor: 0,
        creditCount: 0,
        check: 'not-checked' as const,
      },
    };
    const { answer } = await h.send(settlementRequest({ identity, stan: 3, batchNo, totals }), macKey);
    expect(answer.mti).toBe('0510');
    expect(parseSettlementTotals(answer.fields['48'] ?? '').cny.check).toBe('balanced');
    expect((await h.store.read((r) => r.getTerminal(merchantId, terminalId)))?.batchNo).toBe('000002');
    // A retransmitted 0500 of the closed batch gets the same answer and moves nothing further.
    const again = await h.send(settlementRequest({ identity, stan: 3, batchNo, totals }), macKey);
    expect(parseSettlementTotals(again.answer.fields['48'] ?? '').cny.check).toBe('balanced');
    expect((await h.store.read((r) => r.getTerminal(merchantId, terminalId)))?.batchNo).toBe('000002');
    // The old batch is closed for sales.
    expect((await h.send(sale(4), macKey)).answer.fields['39']).toBe('77');
  });

  it('answers unbalanced, takes the batch upload (94 for a record it holds) and then settles balanced', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    const first = await h.send(sale(2), macKey);
    const second = await h.send(sale(3, { amount: 500 }), macKey);
    // The terminal lost the record of the second sale: its totals say one sale.
    const totals = {
      cny: {
        debitTotalMinor: 1280,
        debitCount: 1,
        creditTotalMinor: 0,
        creditCount: 0,
        check: 'not-checked' as const,
      },
      foreign: {
        debitTotalMinor: 0,
        debitCount: 0,
        creditTotalMinor: 0,
        creditCount: 0,
        check: 'not-checked' as const,
      },
    };
    const unbalanced = await h.send(settlementRequest({ identity, stan: 4, batchNo, totals }), macKey);
    expect(parseSettlementTotals(unbalanced.answer.fields['48'] ?? '').cny.check).toBe('unbalanced');
    expect(unbalanced.answer.fields['63']).toContain('upload the batch');
    const record = approvedRecord(first.answer, '000002');
    expect((await h.send(uploadRequest({ identity, batchNo, record }), macKey)).answer.fields['39']).toBe(
      '00',
    );
    expect((await h.send(uploadRequest({ identity, batchNo, record }), macKey)).answer.fields['39']).toBe(
      '94',
    );
    const end = await h.send(uploadEndRequest({ identity, stan: 5, batchNo, count: 1 }), macKey);
    expect(end.answer.fields['39']).toBe('00');
    const balanced = await h.send(settlementRequest({ identity, stan: 6, batchNo, totals }), macKey);
    expect(parseSettlementTotals(balanced.answer.fields['48'] ?? '').cny.check).toBe('balanced');
    const settled = await h.store.read((r) => r.getBatchSettlement({ merchantId, terminalId, batchNo }));
    expect(settled).toMatchObject({
      state: 'balanced',
      uploadedCount: 1,
      hostTotals: { debitTotal: 1780, debitCount: 2 },
    });
    expect(h.logText()).toContain('differ from the host payments: reconcile them');
    expect(second.answer.fields['39']).toBe('00');
  });

  it('answers 30 to a settlement or a closing upload without field 48 or with one it cannot read', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    const withoutField48 = (message: IsoMessage): IsoMessage => {
      const fields = { ...message.fields };
      delete fields['48'];
      return { ...message, fields };
    };
    const zero = { debitTotalMinor: 0, debitCount: 0, creditTotalMinor: 0, creditCount: 0 };
    const totals = {
      cny: { ...zero, check: 'not-checked' as const },
      foreign: { ...zero, check: 'not-checked' as const },
    };
    const settlement = settlementRequest({ identity, stan: 2, batchNo, totals });
    const end = uploadEndRequest({ identity, stan: 3, batchNo, count: 1 });
    const refused = [
      withoutField48(settlement),
      { ...settlement, fields: { ...settlement.fields, '48': '123' } },
      withoutField48(end),
    ];
    for (const message of refused) {
      expect((await h.send(message, macKey)).answer.fields['39']).toBe('30');
    }
    const problems = h.logs
      .filter((l) => l.fields['responseCode'] === '30')
      .map((l) => JSON.stringify(l.fields['problems']));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('the settlement totals (62 digits)');
    expect(problems[1]).toContain('62 digits');
    expect(problems[2]).toContain('the number of records uploaded (4 digits)');
    // Nothing was settled: the terminal is still in its batch.
    expect((await h.store.read((r) => r.getTerminal(merchantId, terminalId)))?.batchNo).toBe(batchNo);
  });

  it('counts voided sales out and refunds as credits', async () => {
    const h = await makeIsoHarness({ policy: 'off' });
    const macKey = await h.signIn();
    const a = await h.send(sale(2, { amount: 1000 }), macKey);
    const b = await h.send(sale(3, { amount: 700 }), macKey);
    const refOf = (answer: IsoMessage, stan: string, amount: number) => ({
      batchNo,
      stan,
      rrn: answer.fields['37'] ?? '',
      authCode: null,
      date: null,
      amount,
    });
    await h.send(
      voidRequest({ identity, stan: 4, batchNo, original: refOf(b.answer, '000003', 700), operatorId: '01' }),
      macKey,
    );
    await h.send(
      refundRequest({
        identity,
        stan: 5,
        batchNo,
        original: refOf(a.answer, '000002', 1000),
        amount: 250,
        operatorId: '01',
      }),
      macKey,
    );
    const totals = {
      cny: {
        debitTotalMinor: 1000,
        debitCount: 1,
        creditTotalMinor: 250,
        creditCount: 1,
        check: 'not-checked' as const,
      },
      foreign: {
        debitTotalMinor: 0,
        debitCount: 0,
        creditTotalMinor: 0,
        creditCount: 0,
        check: 'not-checked' as const,
      },
    };
    const { answer } = await h.send(settlementRequest({ identity, stan: 6, batchNo, totals }), macKey);
    expect(parseSettlementTotals(answer.fields['48'] ?? '').cny.check).toBe('balanced');
  });
});

describe('the ISO 8583 host: the transaction query', () => {
  it('tells a signed-in terminal the outcome of its latest transaction, or of one by batch and STAN', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    const approved = await h.send(sale(2), macKey);
    const latest = await h.send(echoRequest({ identity, stan: 3, batchNo, query: '' }), macKey);
    expect(latest.answer.fields['39']).toBe('00');
    expect(latest.answer.fields['63']).toContain(
      `;k=sale;s=approved;rc=00;a=1280;cur=CNY;rrn=${approved.answer.fields['37']}`,
    );
    expect(latest.answer.fields['63']).toContain(';b=000001;t=000002;c=621234******1232');
    expect(verifyFrameMac(latest.frame, macKey)).toBe(true);
    const byStan = await h.send(echoRequest({ identity, stan: 4, batchNo, query: '000001000002' }), macKey);
    expect(byStan.answer.fields['63']).toContain('t=000002');
    const none = await h.send(echoRequest({ identity, stan: 5, batchNo, query: '000001000099' }), macKey);
    expect(none.answer.fields['39']).toBe('25');
    const unsigned = await h.send(echoRequest({ identity, stan: 6, batchNo, query: '' }));
    expect(unsigned.answer.fields['39']).toBe('A0');
  });
});

describe('the ISO 8583 host: frames it cannot take', () => {
  it('answers 30 to a frame whose MTI and terminal can be read, echoing its STAN, and logs one line', async () => {
    const h = await makeIsoHarness();
    const frame = encodeFrame(sale(7));
    // Damage field 63 (the last): the fields up to 42 still decode.
    const damaged = Buffer.from(frame);
    damaged[damaged.length - 3] = 0xaa;
    const reply = await h.handle(damaged);
    expect(reply.kind).toBe('answer');
    if (reply.kind !== 'answer') return;
    const answer = decodeFrame(reply.frame);
    expect(answer.mti).toBe('0210');
    expect(answer.fields).toMatchObject({ '39': '30', '11': '000007', '41': terminalId.padEnd(8) });
    const lines = h.logs.filter((l) => l.message.startsWith('iso frame refused'));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.message).toContain('answered 30');
    expect(lines[0]?.fields).toMatchObject({ code: 'POS_ERR_ISO_BAD_CHARACTER', field: '63', terminalId });
  });

  it('closes the connection on bytes without a readable MTI or terminal, and on answers sent as requests', async () => {
    const h = await makeIsoHarness();
    expect((await h.handle(Buffer.from('0005ffffffffff', 'hex'))).kind).toBe('close');
    const truncated = encodeFrame(sale(7)).subarray(0, 25);
    expect((await h.handle(truncated)).kind).toBe('close');
    const answerMti = encodeFrame({ ...sale(7), mti: '0210' });
    expect((await h.handle(answerMti)).kind).toBe('close');
    expect(h.logs.filter((l) => l.message.endsWith('connection closed'))).toHaveLength(3);
  });

  it('answers 96 when the store fails, with one error line naming the fault', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    await h.store.close();
    const before = h.logs.length;
    const { answer } = await h.send(sale(2), macKey);
    expect(answer.fields['39']).toBe('96');
    expect(h.logs.slice(before).map((l) => [l.level, l.message, l.fields['errorCode']])).toEqual([
      ['error', 'iso request failed: answered 96 (system fault)', 'POS_ERR_STORE_CLOSED'],
    ]);
  });

  it('reports every frame to its metrics: the type and the answer, or that the connection closed', async () => {
    const seen: Array<[string, string]> = [];
    const h = await makeIsoHarness({
      metrics: {
        request: (type, outcome, seconds) => {
          expect(seconds).toBeGreaterThanOrEqual(0);
          seen.push([type, outcome]);
        },
        watchConnections: () => undefined,
      },
    });
    const macKey = await h.signIn();
    await h.send(sale(2), macKey);
    await h.send(sale(3)); // no MAC
    const damaged = encodeFrame(sale(4));
    damaged[damaged.length - 3] = 0xaa;
    await h.handle(damaged);
    await h.handle(Buffer.from('0005ffffffffff', 'hex'));
    await h.handle(encodeFrame({ ...sale(5), mti: '0210' }));
    h.host.unframed(); // the TCP channel closed a connection on bytes that never made a frame
    expect(seen).toEqual([
      ['sign-in', '00'],
      ['sale', '00'],
      ['sale', 'A0'],
      ['unreadable', '30'],
      ['unreadable', 'closed'],
      ['response', 'closed'],
      ['unreadable', 'closed'],
    ]);
  });

  it('answers 97 to an unknown terminal and 03 to an unknown merchant', async () => {
    const h = await makeIsoHarness();
    const unknownTerminal = await h.send(
      saleRequest({
        identity: { ...identity, terminalId: 'NOSUCH01' },
        stan: 1,
        batchNo,
        amount: 1,
        card: chip,
        operatorId: null,
        confirmDuplicate: false,
      }),
    );
    expect(unknownTerminal.answer.fields['39']).toBe('97');
    const unknownMerchant = await h.send(
      saleRequest({
        identity: { ...identity, merchantId: 'NOSUCHMERCHANT' },
        stan: 1,
        batchNo,
        amount: 1,
        card: chip,
        operatorId: null,
        confirmDuplicate: false,
      }),
    );
    expect(unknownMerchant.answer.fields['39']).toBe('03');
  });
});
