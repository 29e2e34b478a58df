// The attacks of issue 13 on the ISO 8583 door, performed as an attacker would: each passes only
// with its fix. The forged sale is built exactly as the issue describes: take an answer the host
// signed, craft a sale (the attacker's card and amount) whose 8-byte-block XOR equals the signed
// answer's by choosing filler bytes in field 55, and reuse the answer's MAC.
import { afterEach, describe, expect, it } from 'vitest';
import { verifyStore } from '../audit/verify-store.js';
import { Secret } from '../cards/secret.js';
import {
  buildRequest,
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
import { merchantId, otherPan, terminalId, testPan } from '../payments/test-support/engine-harness.js';
import { echoRequest, saleRequest, signOffRequest, type CardInput } from '../terminal/terminal-messages.js';
import { forge, signatureOf } from './test-support/forgery.js';
import { identity, makeIsoHarness as makeHarness, type IsoHarness } from './test-support/iso-harness.js';

/** Every harness of a test, checked afterwards as `posguard verify` checks a store. */
const harnesses: IsoHarness[] = [];

async function makeIsoHarness(): Promise<IsoHarness> {
  const h = await makeHarness();
  harnesses.push(h);
  return h;
}

afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    const report = await verifyStore(h.store, {
      now: h.clock.now(),
      pendingCutoffMs: 12_000,
      issuerLedger: h.ledger,
    });
    expect(report.breaches).toEqual([]);
  }
});

const batchNo = '000001';
const chip: CardInput = { pan: testPan, expiry: '2812', entryMode: 'chip' };
const attackerCard: CardInput = { pan: otherPan, expiry: '2812', entryMode: 'chip' };

function sale(stan: number, card: CardInput = chip, amount = 1000 + stan): IsoMessage {
  return saleRequest({ identity, stan, batchNo, amount, card, operatorId: '01', confirmDuplicate: false });
}

async function answerTo(h: IsoHarness, frame: Buffer) {
  const reply = await h.handle(frame);
  if (reply.kind !== 'answer') throw new Error(`expected an answer, got ${reply.kind}`);
  return { answer: decodeFrame(reply.frame), frame: reply.frame };
}

async function paymentCount(h: IsoHarness): Promise<number> {
  return (await h.engine.listPayments({ merchantId, limit: 100 })).length;
}

/** A working terminal: signed in, its keys adopted by a first sale. */
async function workingTerminal(h: IsoHarness): Promise<{ macKey: Secret<Buffer>; saleAnswer: Buffer }> {
  const macKey = await h.signIn(1);
  const { answer, frame } = await h.send(sale(2), macKey);
  expect(answer.fields['39']).toBe('00');
  return { macKey, saleAnswer: frame };
}

describe('issue 13, ISO 8583: forged sales from signed messages', () => {
  it('answers a sale with an all-zero or a wrong MAC with A0 and no MAC at all', async () => {
    const h = await makeIsoHarness();
    await workingTerminal(h);
    const zeroMac = encodeFrame({
      ...sale(3, attackerCard),
      fields: { ...sale(3, attackerCard).fields, '64': '0'.repeat(16) },
    });
    const wrongKey = new Secret(Buffer.alloc(8, 0x5a), 'attacker key');
    for (const frame of [zeroMac, encodeSignedFrame(sale(4, attackerCard), wrongKey)]) {
      const { answer } = await answerTo(h, frame);
      expect(answer.fields['39']).toBe('A0');
      expect(answer.fields['64']).toBeUndefined();
    }
    expect(await paymentCount(h)).toBe(1);
  });

  it('refuses a sale forged from each kind of signed answer (0210, 0830, a 77 refusal): nothing charged', async () => {
    const h = await makeIsoHarness();
    const { macKey, saleAnswer } = await workingTerminal(h);
    const echo = await h.send(echoRequest({ identity, stan: 3, batchNo }), macKey);
    const wrongBatch = await h.send(
      saleRequest({
        identity,
        stan: 4,
        batchNo: '000009',
        amount: 5,
        card: chip,
        operatorId: '01',
        confirmDuplicate: false,
      }),
      macKey,
    );
    expect([echo.answer.mti, wrongBatch.answer.fields['39']]).toEqual(['0830', '77']);
    const authorizedBefore = h.issuer.calls.authorize;
    let stan = 10;
    for (const signed of [saleAnswer, echo.frame, wrongBatch.frame]) {
      expect(verifyFrameMac(signed, macKey)).toBe(true);
      const forged = forge(sale(stan, attackerCard, 999_999), signatureOf(signed));
      stan += 1;
      // The forgery is real: its MAC verifies under the terminal's key.
      expect(verifyFrameMac(forged, macKey)).toBe(true);
      expect(macFold(macInput(forged))).toEqual(signatureOf(signed).fold);
      const { answer } = await answerTo(h, forged);
      expect(answer.fields['39']).toBe('A0');
      expect(answer.fields['64']).toBeUndefined();
    }
    expect(h.issuer.calls.authorize).toBe(authorizedBefore);
    expect(await paymentCount(h)).toBe(1);
    expect(h.logText()).toContain('an answer this host signed');
    // The terminal itself goes on working.
    expect((await h.send(sale(20), macKey)).answer.fields['39']).toBe('00');
  });

  it('refuses a sale forged from a captured request, and still answers a true retransmission', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn(1);
    const request = encodeSignedFrame(sale(2), macKey);
    const first = await answerTo(h, request);
    expect(first.answer.fields['39']).toBe('00');
    const forged = forge(sale(3, attackerCard, 888_888), signatureOf(request));
    expect(verifyFrameMac(forged, macKey)).toBe(true);
    const { answer } = await answerTo(h, forged);
    expect(answer.fields['39']).toBe('A0');
    expect(h.logText()).toContain('an earlier request with other content');
    const again = await answerTo(h, request);
    expect(again.answer.fields).toMatchObject({ '39': '00', '37': first.answer.fields['37'] });
    expect(await paymentCount(h)).toBe(1);
  });

  it('refuses fields a transaction does not use: field 55 or 58 on a stripe sale, 62 on a sale', async () => {
    const h = await makeIsoHarness();
    const { macKey } = await workingTerminal(h);
    const swipe: CardInput = { pan: otherPan, expiry: '2812', entryMode: 'swipe' };
    const cases: Array<[Record<string, string>, string]> = [
      [{ '55': '9F2608' + '00'.repeat(8) }, 'field 55'],
      [{ '58': 'ECASH' }, 'field 58'],
    ];
    let stan = 5;
    for (const [extra, named] of cases) {
      const message = sale(stan, swipe);
      stan += 1;
      const { answer } = await h.send({ ...message, fields: { ...message.fields, ...extra } }, macKey);
      expect(answer.fields['39']).toBe('30');
      expect(h.logs.at(-1)?.fields['problems']).toEqual(
        expect.arrayContaining([expect.stringContaining(named)]),
      );
    }
    const withF62 = sale(stan);
    const { answer } = await h.send(
      { ...withF62, fields: { ...withF62.fields, '62': 'AB'.repeat(40) } },
      macKey,
    );
    expect(answer.fields['39']).toBe('30');
    expect(await paymentCount(h)).toBe(1);
  });
});

describe('issue 13, ISO 8583: sign-off and sign-in by someone without the keys', () => {
  it('keeps the session after a sign-off without a MAC or with a wrong one: the next sale is approved', async () => {
    const h = await makeIsoHarness();
    const { macKey } = await workingTerminal(h);
    const plain = await h.send(signOffRequest({ identity, stan: 3, batchNo }));
    expect(plain.answer.fields['39']).toBe('00');
    const forged = await h.send(
      signOffRequest({ identity, stan: 4, batchNo }),
      new Secret(Buffer.alloc(8, 1), 'k'),
    );
    expect(forged.answer.fields).toMatchObject({ '39': 'A0' });
    expect(forged.answer.fields['64']).toBeUndefined();
    expect((await h.send(sale(5), macKey)).answer.fields['39']).toBe('00');
    expect(await h.store.read((r) => r.getTerminal(merchantId, terminalId))).toMatchObject({
      signedIn: true,
    });
  });

  it('keeps the working keys after a rogue sign-in: the attacker gains nothing, the terminal loses nothing', async () => {
    const h = await makeIsoHarness();
    const { macKey } = await workingTerminal(h);
    const before = await h.store.read((r) => r.getTerminal(merchantId, terminalId));
    // The attacker signs in (an 0800 needs no MAC) and gets field 62, encrypted under a TMK it lacks.
    const rogue = await h.send(
      buildRequest({ ...common(3), type: 'sign-in', networkManagementCode: '003', fields: { '63': '01 ' } }),
    );
    expect(rogue.answer.fields['39']).toBe('00');
    const guessedTmk = keyFromHex('11111111111111112222222222222222', 'TMK');
    expect(() =>
      openSignInKeys({ mode: '003', tmk: guessedTmk, field62: rogue.answer.fields['62'] ?? '' }),
    ).toThrow();
    // The real terminal's next sale, under its working key, is approved and signed with it.
    const next = await h.send(sale(4), macKey);
    expect(next.answer.fields['39']).toBe('00');
    expect(verifyFrameMac(next.frame, macKey)).toBe(true);
    const after = await h.store.read((r) => r.getTerminal(merchantId, terminalId));
    expect(after?.macKeyEncrypted).toBe(before?.macKeyEncrypted);
    // A sale from the attacker under any key it can make is refused, unsigned; nothing charged.
    const attempt = await h.send(sale(5, attackerCard), new Secret(Buffer.alloc(8, 7), 'guess'));
    expect(attempt.answer.fields['39']).toBe('A0');
    expect(attempt.answer.fields['64']).toBeUndefined();
    expect(await h.engine.listPayments({ merchantId, limit: 100 })).toHaveLength(2);
  });

  it('offers the same pending keys again, so a rogue sign-in between the terminal sign-in and its sale changes nothing', async () => {
    const h = await makeIsoHarness();
    const { macKey: oldKey } = await workingTerminal(h);
    const newKey = await h.signIn(3);
    await h.send(
      buildRequest({ ...common(4), type: 'sign-in', networkManagementCode: '003', fields: { '63': '01 ' } }),
    );
    // The terminal's sale under the keys it was given is approved and adopts them.
    expect((await h.send(sale(5), newKey)).answer.fields['39']).toBe('00');
    // The old keys are gone once the new ones are proven.
    expect((await h.send(sale(6), oldKey)).answer.fields['39']).toBe('A0');
    expect((await h.send(sale(7), newKey)).answer.fields['39']).toBe('00');
    const terminal = await h.store.read((r) => r.getTerminal(merchantId, terminalId));
    expect(terminal).toMatchObject({ signedIn: true, pendingMacKeyEncrypted: null });
  });
});

function common(stan: number) {
  return {
    tpdu: identity.tpdu,
    header: identity.header,
    stan,
    batchNumber: 1,
    terminalId: terminalId.padEnd(8),
    merchantId: merchantId.padEnd(15),
  };
}

describe('issue 13, ISO 8583: field 58', () => {
  it('answers a chip sale that carries PBOC e-cash data in field 58 (approved, signed)', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn(1);
    const message = sale(2);
    const { answer, frame } = await h.send(
      { ...message, fields: { ...message.fields, '58': 'ECASH0000100' } },
      macKey,
    );
    expect(answer.fields['39']).toBe('00');
    expect(verifyFrameMac(frame, macKey)).toBe(true);
  });
});
