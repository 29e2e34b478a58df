// Scan-code (QR) sales over ISO 8583 (issue 20): a 0200 sale with the customer's payment code in
// field 59, through the real host and engine against the scripted wallet, on a manual clock. Every
// test that could charge ends on the wallet's ledger: exactly one charge, or none; and no payment
// code is ever in an answer's echo or in a log line of the door or the engine.
import { describe, expect, it } from 'vitest';
import {
  buildField59,
  decodeFrame,
  encodeSignedFrame,
  parseScanAnswer,
  type IsoMessage,
} from '../iso8583/index.js';
import { merchantId } from '../payments/test-support/engine-harness.js';
import { ScriptedWallet, scriptedTiming } from '../payments/test-support/scripted-wallet.js';
import type { Secret } from '../cards/secret.js';
import {
  echoRequest,
  refundRequest,
  reversalMessage,
  scanRequest,
  voidRequest,
} from '../terminal/terminal-messages.js';
import { identity, makeIsoHarness, type IsoHarness } from './test-support/iso-harness.js';

const batchNo = '000001';
/** A fresh WeChat Pay code (18 digits starting 13) for each number. */
const wechatCode = (n: number): string => `13${String(7_392_015_570_000_000 + n * 7919).padStart(16, '0')}`;

function scan(stan: number, code: string, options: { amount?: number; confirm?: boolean } = {}): IsoMessage {
  return scanRequest({
    identity,
    stan,
    batchNo,
    amount: options.amount ?? 1280,
    code,
    operatorId: '01',
    confirmDuplicate: options.confirm ?? false,
  });
}

async function scanHost(): Promise<{ h: IsoHarness; wallet: ScriptedWallet; macKey: Secret<Buffer> }> {
  let wallet: ScriptedWallet | undefined;
  const h = await makeIsoHarness({
    engineLogs: true,
    engineSettings: { reversalBaseDelayMs: 1000 },
    wallets: (clock) => ({ wechat: (wallet = new ScriptedWallet({ clock })) }),
  });
  if (wallet === undefined) throw new Error('the harness built no wallet');
  const macKey = await h.signIn();
  return { h, wallet, macKey };
}

/** Runs the reversal queue until nothing is queued, moving the clock to each attempt. */
async function drainAll(h: IsoHarness): Promise<void> {
  for (let round = 0; round < 50; round += 1) {
    await h.drive(h.engine.drainReversals());
    const due = await h.store.read((r) => r.nextReversalDueAt());
    if (due === null) return;
    await h.clock.advanceTo(due);
  }
  throw new Error('the reversal queue did not empty');
}

async function paymentsOf(h: IsoHarness) {
  return h.engine.listPayments({ merchantId, limit: 100 });
}

describe('a scan-code sale over ISO 8583', () => {
  it('is approved with its RRN, and field 59 gives the wallet, the masked code and the trade number', async () => {
    const { h, wallet, macKey } = await scanHost();
    const code = wechatCode(1);
    const { answer, frame } = await h.send(scan(2, code), macKey);
    expect(answer.mti).toBe('0210');
    expect(answer.fields['39']).toBe('00');
    expect(answer.fields['37']).toMatch(/^\d{12}$/);
    expect(answer.fields['38']).toBeUndefined(); // a wallet gives no authorisation code
    const [payment] = await paymentsOf(h);
    expect(parseScanAnswer(answer.fields['59'])).toEqual({
      wallet: 'wechat',
      codeMasked: `**************${code.slice(-4)}`,
      tradeNo: payment?.qr?.tradeNo,
    });
    expect(payment?.qr?.tradeNo).toMatch(/^T/);
    expect(payment).toMatchObject({ channel: 'iso', stan: '000002', batchNo, status: 'approved' });
    // Nothing of the code but its last four digits leaves the host, in the answer or a log line.
    expect(frame.toString('latin1')).not.toContain(code);
    expect(h.logText()).not.toContain(code);
    expect(h.logText()).toContain('"wallet":"wechat"');
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('refuses each bad code with its answer code, never echoing or logging it, and charges nothing', async () => {
    const { h, wallet, macKey } = await scanHost();
    const cases: Array<[string, string, string]> = [
      ['13456789012345678x', '14', 'POS_ERR_QR_CODE_NOT_DIGITS'],
      ['994567890123456789', '15', 'POS_ERR_QR_CODE_UNKNOWN_WALLET'],
      ['134567890123456', '14', 'POS_ERR_QR_CODE_WRONG_LENGTH'],
      ['', '14', 'POS_ERR_QR_CODE_NOT_DIGITS'],
      // An Alipay code on a host with only a WeChat Pay provider.
      ['2845678901234567', '58', 'POS_ERR_QR_WALLET_UNAVAILABLE'],
    ];
    let stan = 2;
    for (const [code, expected, errorCode] of cases) {
      const { answer, frame } = await h.send(scan((stan += 1), code), macKey);
      expect(answer.fields['39'], code).toBe(expected);
      expect(answer.fields['64'], 'signed: the MAC was good').toBeDefined();
      expect(answer.fields['59']).toBeUndefined();
      expect(answer.fields['63']).toMatch(/^CUP .*(ask the customer|not accepted)/);
      if (code !== '') expect(frame.toString('latin1')).not.toContain(code);
      expect(h.logs.at(-1)?.fields).toMatchObject({ errorCode, responseCode: expected });
    }
    const logs = h.logText();
    for (const [code] of cases) if (code !== '') expect(logs).not.toContain(code);
    expect(await paymentsOf(h)).toEqual([]);
    expect(wallet.calls.pay).toEqual([]);
  });

  it('answers 30 for a field 59 not in the scan-code layout, naming where, not what', async () => {
    const { h, wallet, macKey } = await scanHost();
    const code = wechatCode(2);
    const bad = [
      code, // the bare code: no TLV
      buildField59([['PC', code]]), // no scan type
      buildField59([
        ['ST', '02'],
        ['PC', code],
      ]), // merchant-presented is not a scan sale
      buildField59([
        ['ST', '01'],
        ['PC', code],
        ['XX', '1'],
      ]), // a tag of no use
      `ST00201PC018${code.slice(0, 10)}`, // cut short
    ];
    let stan = 2;
    for (const field59 of bad) {
      const message = scan((stan += 1), code);
      const { answer } = await h.send({ ...message, fields: { ...message.fields, '59': field59 } }, macKey);
      expect(answer.fields['39'], field59.length.toString()).toBe('30');
    }
    expect(h.logText()).not.toContain(code.slice(2, 14));
    expect(wallet.calls.pay).toEqual([]);
  });

  it('refuses card fields on a scan-code sale, and field 59 where a request does not use it', async () => {
    const { h, wallet, macKey } = await scanHost();
    const code = wechatCode(3);
    const cardParts: Array<Record<string, string>> = [
      { '2': '6212345678901232', '14': '2812' },
      { '22': '052' },
      { '35': '6212345678901232=2812101' },
      { '52': '0123456789ABCDEF' },
      { '22': '052', '55': '9F2608DEAE676D1C' },
    ];
    let stan = 2;
    for (const extra of cardParts) {
      const message = scan((stan += 1), code);
      const { answer } = await h.send({ ...message, fields: { ...message.fields, ...extra } }, macKey);
      expect(answer.fields['39'], Object.keys(extra).join(',')).toBe('30');
      expect(JSON.stringify(h.logs.at(-1)?.fields)).toContain('a scan-code sale (field 59)');
    }
    // Field 59 on an echo or a void: a field those requests do not use.
    const echo = echoRequest({ identity, stan: (stan += 1), batchNo });
    const echoAnswer = await h.send({ ...echo, fields: { ...echo.fields, '59': 'ST00201' } }, macKey);
    expect(echoAnswer.answer.fields['39']).toBe('30');
    const voidMessage = voidRequest({
      identity,
      stan: stan + 1,
      batchNo,
      original: { batchNo, stan: '000002', rrn: '000000000001', authCode: null, date: null, amount: 1280 },
      operatorId: '01',
    });
    const voidAnswer = await h.send(
      { ...voidMessage, fields: { ...voidMessage.fields, '59': 'ST00201' } },
      macKey,
    );
    expect(voidAnswer.answer.fields['39']).toBe('30');
    expect(wallet.calls.pay).toEqual([]);
    expect(await paymentsOf(h)).toEqual([]);
  });

  it('refuses a scan-code sale without a MAC or with a bad one (A0), sending nothing to the wallet', async () => {
    const { h, wallet, macKey } = await scanHost();
    const unsigned = await h.send(scan(2, wechatCode(4)));
    expect(unsigned.answer.fields['39']).toBe('A0');
    expect(unsigned.answer.fields['64']).toBeUndefined();
    const signed = encodeSignedFrame(scan(3, wechatCode(5)), macKey);
    signed[signed.length - 1] = signed[signed.length - 1] === 0x30 ? 0x31 : 0x30;
    const reply = await h.handle(signed);
    if (reply.kind !== 'answer') throw new Error(reply.kind);
    expect(decodeFrame(reply.frame).fields['39']).toBe('A0');
    expect(wallet.calls.pay).toEqual([]);
    expect(await paymentsOf(h)).toEqual([]);
    expect(wallet.ledger().charges).toBe(0);
  });

  it('answers a retransmission from the store (same RRN, one wallet call), and 94 for the STAN with another code', async () => {
    const { h, wallet, macKey } = await scanHost();
    const first = await h.send(scan(2, wechatCode(6)), macKey);
    const again = await h.send(scan(2, wechatCode(6)), macKey);
    expect(again.answer.fields).toEqual(first.answer.fields);
    expect(again.frame).toEqual(first.frame);
    expect(h.logs.at(-1)?.fields).toMatchObject({ replayed: true });
    const other = await h.send(scan(2, wechatCode(7)), macKey);
    expect(other.answer.fields['39']).toBe('94');
    expect(wallet.calls.pay).toHaveLength(1);
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('answers a retransmission sent while the first is polled with the same answer once the customer confirms', async () => {
    const { h, wallet, macKey } = await scanHost();
    // The customer confirms at the fifth query, 25 s in: longer than a card sale's in-flight wait.
    wallet.next({
      pay: [{ do: 'ask_payer' }],
      query: [{ do: 'tell' }, { do: 'tell' }, { do: 'tell' }, { do: 'tell' }, { do: 'payer_confirms' }],
    });
    const frame = encodeSignedFrame(scan(2, wechatCode(8)), macKey);
    const connection = { id: 'c', remote: 'test' };
    const [first, second] = await h.drive(
      Promise.all([
        h.host.handle(frame, connection),
        (async () => {
          await h.clock.sleep(3_000);
          return h.host.handle(frame, connection);
        })(),
      ]),
    );
    if (first.kind !== 'answer' || second.kind !== 'answer') throw new Error('no answer');
    expect(decodeFrame(first.frame).fields['39']).toBe('00');
    expect(decodeFrame(second.frame).fields).toEqual(decodeFrame(first.frame).fields);
    expect(wallet.calls.pay).toHaveLength(1);
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('refuses a new code (22) while the terminal has a scan-code sale the wallet has not settled', async () => {
    const { h, wallet, macKey } = await scanHost();
    wallet.next({ pay: [{ do: 'ask_payer' }], query: [{ do: 'tell' }, { do: 'payer_confirms' }] });
    const connection = { id: 'c', remote: 'test' };
    const [first, second] = await h.drive(
      Promise.all([
        h.host.handle(encodeSignedFrame(scan(2, wechatCode(9)), macKey), connection),
        (async () => {
          await h.clock.sleep(2_000);
          return h.host.handle(encodeSignedFrame(scan(3, wechatCode(10)), macKey), connection);
        })(),
      ]),
    );
    if (first.kind !== 'answer' || second.kind !== 'answer') throw new Error('no answer');
    expect(decodeFrame(first.frame).fields['39']).toBe('00');
    const refused = decodeFrame(second.frame);
    expect(refused.fields['39']).toBe('22');
    expect(refused.fields['63']).toContain('do not ask the customer to pay again');
    expect(wallet.calls.pay).toHaveLength(1);
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('declines what the wallet refuses, and cancels another amount (13) and what stays unsettled (98)', async () => {
    const { h, wallet, macKey } = await scanHost();
    wallet.next({ pay: [{ do: 'refuse', refusal: 'insufficient_funds' }] });
    const declined = await h.send(scan(2, wechatCode(11)), macKey);
    expect(declined.answer.fields['39']).toBe('51');
    expect(declined.answer.fields['63']).toBe("CUP insufficient funds in the customer's wallet");
    expect(parseScanAnswer(declined.answer.fields['59'])).toMatchObject({ wallet: 'wechat', tradeNo: null });
    wallet.next({ pay: [{ do: 'charge', amount: 1 }] }); // the wallet charged 1 fen
    const otherAmount = await h.send(scan(4, wechatCode(17)), macKey);
    expect(otherAmount.answer.fields['39']).toBe('13');
    expect(otherAmount.answer.fields['63']).toContain('charged another amount');
    wallet.next({ pay: [{ do: 'ask_payer' }] }); // the customer never confirms
    const unsettled = await h.send(scan(3, wechatCode(12)), macKey);
    expect(unsettled.answer.fields['39']).toBe('98');
    expect(unsettled.answer.fields['63']).toContain('being cancelled');
    await drainAll(h);
    expect(wallet.calls.cancel).toHaveLength(2);
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 1, netCharges: 0 });
  });

  it('is reversed by a 0400 (without field 59), which cancels it at the wallet and refunds it', async () => {
    const { h, wallet, macKey } = await scanHost();
    const request = scan(2, wechatCode(13));
    const { answer } = await h.send(request, macKey);
    expect(answer.fields['39']).toBe('00');
    const reversal = reversalMessage(request, 'no-answer');
    expect(reversal.fields['59']).toBeUndefined();
    const acknowledged = await h.send(reversal, macKey);
    expect(acknowledged.answer.mti).toBe('0410');
    expect(acknowledged.answer.fields['39']).toBe('00');
    await drainAll(h);
    const [payment] = await paymentsOf(h);
    expect(payment?.status).toBe('reversed');
    expect(wallet.calls.cancel).toHaveLength(1);
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 1, netCharges: 0 });
  });

  it('takes a 0400 that copies its scan-code sale literally (field 59 and all) while the sale is polled', async () => {
    const { h, wallet, macKey } = await scanHost();
    wallet.next({ pay: [{ do: 'ask_payer' }], query: [{ do: 'tell' }, { do: 'payer_confirms' }] });
    const request = scan(2, wechatCode(14));
    const literal: IsoMessage = { ...request, mti: '0400', fields: { ...request.fields, '39': '98' } };
    const connection = { id: 'c', remote: 'test' };
    const [sale, reversal] = await h.drive(
      Promise.all([
        h.host.handle(encodeSignedFrame(request, macKey), connection),
        (async () => {
          await h.clock.sleep(7_000);
          return h.host.handle(encodeSignedFrame(literal, macKey), connection);
        })(),
      ]),
    );
    if (sale.kind !== 'answer' || reversal.kind !== 'answer') throw new Error('no answer');
    expect(decodeFrame(reversal.frame).fields['39']).toBe('00');
    expect(decodeFrame(sale.frame).fields['39']).toBe('98');
    expect(h.logText()).not.toContain(wechatCode(14));
    await drainAll(h);
    expect(wallet.ledger().netCharges).toBe(0);
    expect(scriptedTiming.payWindowMs).toBeGreaterThan(7_000);
  });

  it('tells a transaction query the wallet and masked code, and voids a QR sale named by its RRN (a refund at the wallet)', async () => {
    const { h, wallet, macKey } = await scanHost();
    const code = wechatCode(15);
    const { answer } = await h.send(scan(2, code), macKey);
    const query = await h.send(
      echoRequest({ identity, stan: 3, batchNo, query: `${batchNo}000002` }),
      macKey,
    );
    expect(query.answer.fields['63']).toContain(';s=approved;');
    expect(query.answer.fields['63']).toContain(`;w=wechat;q=**************${code.slice(-4)}`);
    const original = {
      batchNo,
      stan: '000002',
      rrn: answer.fields['37'] ?? '',
      authCode: null,
      date: null,
      amount: 1280,
    };
    const voided = await h.send(
      voidRequest({ identity, stan: 4, batchNo, original, operatorId: '01' }),
      macKey,
    );
    expect(voided.answer.fields['39']).toBe('00');
    expect(voided.answer.fields['37']).toMatch(/^\d{12}$/);
    expect(voided.answer.fields['37']).not.toBe(original.rrn);
    const sale = (await paymentsOf(h)).find((p) => p.rrn === original.rrn);
    expect(sale?.status).toBe('voided');
    expect(wallet.ledger().refundLines).toEqual([expect.objectContaining({ amount: 1280 })]);
    expect(wallet.calls.cancel).toEqual([]);
  });

  it('refunds part of a QR sale named by its RRN over a 0220, and refuses another currency (64)', async () => {
    const { h, wallet, macKey } = await scanHost();
    const { answer } = await h.send(scan(2, wechatCode(16)), macKey);
    const original = {
      batchNo,
      stan: '000002',
      rrn: answer.fields['37'] ?? '',
      authCode: null,
      date: null,
      amount: 1280,
    };
    const refund = refundRequest({ identity, stan: 3, batchNo, original, amount: 280, operatorId: '01' });
    const made = await h.send(refund, macKey);
    expect([made.answer.mti, made.answer.fields['39']]).toEqual(['0230', '00']);
    const base = refundRequest({ identity, stan: 4, batchNo, original, amount: 100, operatorId: '01' });
    const inUsd: IsoMessage = { ...base, fields: { ...base.fields, '49': '840' } };
    const refused = await h.send(inUsd, macKey);
    expect(refused.answer.fields['39']).toBe('64');
    expect(h.logs.at(-1)?.fields).toMatchObject({ errorCode: 'POS_ERR_PAYMENT_CURRENCY_MISMATCH' });
    expect(wallet.ledger().refundLines).toEqual([expect.objectContaining({ amount: 280 })]);
  });

  it('sends no answer to a refund the wallet has not settled, and the retransmission gets the final one', async () => {
    const { h, wallet, macKey } = await scanHost();
    const { answer } = await h.send(scan(2, wechatCode(17)), macKey);
    const original = {
      batchNo,
      stan: '000002',
      rrn: answer.fields['37'] ?? '',
      authCode: null,
      date: null,
      amount: 1280,
    };
    wallet.next({
      refund: [{ do: 'unknown', then: 'refund' }],
      refundQuery: [{ do: 'unknown' }, { do: 'unknown' }, { do: 'unknown' }],
    });
    const refund = refundRequest({ identity, stan: 3, batchNo, original, amount: 500, operatorId: '01' });
    const first = await h.handle(encodeSignedFrame(refund, macKey));
    expect(first.kind).toBe('withheld');
    await drainAll(h);
    const again = await h.send(refund, macKey);
    expect(again.answer.fields['39']).toBe('00');
    expect(wallet.ledger().refundLines).toEqual([expect.objectContaining({ amount: 500 })]);
  });
});
