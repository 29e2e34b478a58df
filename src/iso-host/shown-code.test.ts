// Codes the terminal shows (QR orders) over ISO 8583 (issue 20 point 4): the 0200 with field 59
// ST 02 that makes an order, the transaction query that follows it, the QRC echo that closes it,
// through the real host and engine against the scripted wallet on a manual clock. Every test that
// could charge ends on the wallet's ledger, and every bad frame leaves nothing stored and no
// wallet call.
import { describe, expect, it } from 'vitest';
import type { Secret } from '../cards/secret.js';
import {
  buildField59,
  decodeFrame,
  encodeSignedFrame,
  parseShownCodeAnswer,
  type IsoMessage,
} from '../iso8583/index.js';
import { orderNoFor } from '../payments/qr-order.js';
import { merchantId } from '../payments/test-support/engine-harness.js';
import { ScriptedShownWallet } from '../payments/test-support/scripted-shown-wallet.js';
import { echoRequest, orderCloseRequest, showCodeRequest } from '../terminal/terminal-messages.js';
import { isoIdempotencyKey } from './idempotency-key.js';
import { identity, makeIsoHarness, type IsoHarness } from './test-support/iso-harness.js';

const batchNo = '000001';

function order(stan: number, options: { amount?: number; wallet?: string | null } = {}): IsoMessage {
  return showCodeRequest({
    identity,
    stan,
    batchNo,
    amount: options.amount ?? 1280,
    wallet: options.wallet === undefined ? 'alipay' : options.wallet,
    operatorId: '01',
    confirmDuplicate: false,
  });
}

function with59(message: IsoMessage, fields: Record<string, string>): IsoMessage {
  return { ...message, fields: { ...message.fields, ...fields } };
}

async function shownHost(): Promise<{ h: IsoHarness; wallet: ScriptedShownWallet; macKey: Secret<Buffer> }> {
  let wallet: ScriptedShownWallet | undefined;
  const h = await makeIsoHarness({
    engineLogs: true,
    engineSettings: { reversalBaseDelayMs: 1000 },
    wallets: (clock) => ({ alipay: (wallet = new ScriptedShownWallet({ clock, wallet: 'alipay' })) }),
  });
  if (wallet === undefined) throw new Error('the harness built no wallet');
  return { h, wallet, macKey: await h.signIn() };
}

/** The merchant order number of the order made by the 0200 of this STAN. */
const orderNoOf = (stan: number): string =>
  orderNoFor(
    merchantId,
    isoIdempotencyKey({ terminalId: identity.terminalId, batchNo, stan: String(stan).padStart(6, '0') }),
  );

async function query(h: IsoHarness, macKey: Secret<Buffer>, stan: number, of: number) {
  const { answer } = await h.send(
    echoRequest({ identity, stan, batchNo, query: `${batchNo}${String(of).padStart(6, '0')}` }),
    macKey,
  );
  return { code: answer.fields['39'], order: parseShownCodeAnswer(answer.fields['59']), answer };
}

async function close(h: IsoHarness, macKey: Secret<Buffer>, stan: number, of: number) {
  const { answer } = await h.send(
    orderCloseRequest({ identity, stan, batchNo, order: { batchNo, stan: String(of).padStart(6, '0') } }),
    macKey,
  );
  return { code: answer.fields['39'], order: parseShownCodeAnswer(answer.fields['59']), answer };
}

describe('a code the terminal shows, over ISO 8583', () => {
  it('answers 00 with the RRN and, in field 59, the wallet, order number, code to show and expiry', async () => {
    const { h, wallet, macKey } = await shownHost();
    const { answer } = await h.send(order(2), macKey);
    expect(answer.mti).toBe('0210');
    expect(answer.fields['39']).toBe('00');
    expect(answer.fields['37']).toMatch(/^\d{12}$/);
    expect(answer.fields['38']).toBeUndefined();
    expect(answer.fields['64']).toBeDefined();
    expect(parseShownCodeAnswer(answer.fields['59'])).toEqual({
      wallet: 'alipay',
      orderNo: orderNoOf(2),
      state: 'pending',
      qrContent: `https://scripted.invalid/qr/${orderNoOf(2)}`,
      // Whole seconds on the wire: the harness clock starts on one.
      expiresAt: h.clock.now() + 120_000,
      tradeNo: null,
    });
    expect(answer.fields['63']).toBe('CUP show the code to the customer: it can be paid until it expires');
    const [payment] = await h.engine.listPayments({ merchantId, limit: 10 });
    expect(payment).toMatchObject({
      channel: 'iso',
      stan: '000002',
      batchNo,
      status: 'pending',
      rrn: answer.fields['37'],
    });
    expect(wallet.shownCalls.precreate).toEqual([orderNoOf(2)]);
    expect(h.logs.at(-1)?.fields).toMatchObject({
      type: 'sale',
      responseCode: '00',
      state: 'pending',
      wallet: 'alipay',
    });
  });

  it('takes the first wallet the host has when the terminal names none', async () => {
    const { h, macKey } = await shownHost();
    const { answer } = await h.send(order(2, { wallet: null }), macKey);
    expect(answer.fields['39']).toBe('00');
    expect(parseShownCodeAnswer(answer.fields['59'])?.wallet).toBe('alipay');
  });

  it('answers a retransmission with the same order (one precreate), and as it stands once paid', async () => {
    const { h, wallet, macKey } = await shownHost();
    const first = await h.send(order(2), macKey);
    const again = await h.send(order(2), macKey);
    expect(again.frame).toEqual(first.frame);
    expect(h.logs.at(-1)?.fields).toMatchObject({ replayed: true });
    expect(wallet.shownCalls.precreate).toHaveLength(1);
    const paid = wallet.customerPays(orderNoOf(2), { nowMs: h.clock.now() });
    if (paid === 'refused') throw new Error('the wallet refused the payment');
    await h.drive(h.engine.takeWalletNotification('alipay', paid));
    const late = await h.send(order(2), macKey);
    expect(late.answer.fields['39']).toBe('00');
    expect(late.answer.fields['37']).toBe(first.answer.fields['37']);
    expect(parseShownCodeAnswer(late.answer.fields['59'])).toMatchObject({
      state: 'paid',
      qrContent: null,
      tradeNo: expect.stringMatching(/^TR/) as unknown,
    });
    // The same STAN for another amount is another request: 94, nothing made.
    const other = await h.send(order(2, { amount: 999 }), macKey);
    expect(other.answer.fields['39']).toBe('94');
    expect(wallet.shownCalls.precreate).toHaveLength(1);
    expect(wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('tells the state through the transaction query, asking the wallet when the notification is late', async () => {
    const { h, wallet, macKey } = await shownHost();
    await h.send(order(2), macKey);
    const open = await query(h, macKey, 3, 2);
    expect(open.code).toBe('00');
    expect(open.order).toMatchObject({
      state: 'pending',
      qrContent: `https://scripted.invalid/qr/${orderNoOf(2)}`,
    });
    expect(open.answer.fields['63']).toMatch(/^QRY;k=sale;s=pending;/);
    wallet.customerPays(orderNoOf(2), { nowMs: h.clock.now() }); // its notification is lost
    await h.clock.advance(5_000);
    const paid = await query(h, macKey, 4, 2);
    expect(paid.order).toMatchObject({
      state: 'paid',
      qrContent: null,
      tradeNo: expect.stringMatching(/^TR/) as unknown,
    });
    expect(paid.answer.fields['63']).toContain(';s=approved;rc=00;');
    expect(paid.answer.fields['63']).toContain(`;rrn=`);
    expect(h.logs.at(-1)?.fields).toMatchObject({ type: 'transaction-query', state: 'paid' });
    // An order past its expiry is closed by the query itself.
    await h.send(order(5), macKey);
    await h.clock.advance(121_000);
    expect((await query(h, macKey, 6, 5)).order).toMatchObject({ state: 'expired', qrContent: null });
    expect(wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('closes an order on QRC, again and again the same, and says paid when the customer was first', async () => {
    const { h, wallet, macKey } = await shownHost();
    await h.send(order(2), macKey);
    const closed = await close(h, macKey, 3, 2);
    expect(closed.code).toBe('00');
    expect(closed.answer.fields['64']).toBeDefined();
    expect(closed.order).toMatchObject({ state: 'closed', qrContent: null, tradeNo: null });
    expect((await close(h, macKey, 4, 2)).order).toMatchObject({ state: 'closed' });
    expect(h.logs.at(-1)?.fields).toMatchObject({ type: 'qr-order-close', state: 'closed' });
    // Paid just before the cashier took it away: the sale stands.
    await h.send(order(5), macKey);
    wallet.customerPays(orderNoOf(5), { nowMs: h.clock.now() });
    const paid = await close(h, macKey, 6, 5);
    expect(paid.order).toMatchObject({ state: 'paid' });
    expect(paid.answer.fields['63']).toContain('the sale stands');
    // No order under that batch and STAN (or no order at all): 25.
    expect((await close(h, macKey, 7, 99)).code).toBe('25');
    const bad = await h.send(
      with59(orderCloseRequest({ identity, stan: 8, batchNo, order: { batchNo, stan: '2' } }), {}),
      macKey,
    );
    expect(bad.answer.fields['39']).toBe('30');
    expect(wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('keeps one open order per terminal: a new one closes the old, or is refused 94 when it was paid', async () => {
    const { h, wallet, macKey } = await shownHost();
    await h.send(order(2), macKey);
    const second = await h.send(order(3, { amount: 900 }), macKey);
    expect(second.answer.fields['39']).toBe('00');
    expect(wallet.shownCalls.close).toContain(orderNoOf(2));
    expect((await query(h, macKey, 4, 2)).order).toMatchObject({ state: 'closed' });
    // The customer pays the open one; the terminal, unaware, asks for another: refused, not made.
    wallet.customerPays(orderNoOf(3), { nowMs: h.clock.now() });
    const third = await h.send(order(5, { amount: 700 }), macKey);
    expect(third.answer.fields['39']).toBe('94');
    expect(third.answer.fields['63']).toContain('Do not ask the customer to pay again');
    expect(third.answer.fields['59']).toBeUndefined();
    expect((await query(h, macKey, 6, 3)).order).toMatchObject({ state: 'paid' });
    expect(wallet.shownCalls.precreate).toEqual([orderNoOf(2), orderNoOf(3)]);
    expect(wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('answers a refused precreate with its code and an unanswered one 98, with no code to show', async () => {
    const { h, wallet, macKey } = await shownHost();
    wallet.nextShown({ precreate: [{ do: 'refuse' }, { do: 'unknown' }] });
    const refused = await h.send(order(2), macKey);
    expect(refused.answer.fields['39']).toBe('05');
    expect(parseShownCodeAnswer(refused.answer.fields['59'])).toMatchObject({
      state: 'declined',
      qrContent: null,
    });
    const unknown = await h.send(order(3, { amount: 900 }), macKey);
    expect(unknown.answer.fields['39']).toBe('98');
    expect(parseShownCodeAnswer(unknown.answer.fields['59'])).toMatchObject({
      state: 'expired',
      qrContent: null,
    });
  });

  it('refuses a missing MAC or a bad one (A0): no order, no wallet call', async () => {
    const { h, wallet, macKey } = await shownHost();
    const unsigned = await h.send(order(2));
    expect(unsigned.answer.fields['39']).toBe('A0');
    expect(unsigned.answer.fields['64']).toBeUndefined();
    const forged = encodeSignedFrame(order(3), macKey);
    forged[forged.length - 1] = forged[forged.length - 1] === 0x30 ? 0x31 : 0x30;
    const reply = await h.handle(forged);
    if (reply.kind !== 'answer') throw new Error(reply.kind);
    expect(decodeFrame(reply.frame).fields['39']).toBe('A0');
    // A close or a query without a MAC is refused too: nobody closes another terminal's code.
    await h.send(order(4), macKey);
    const unsignedClose = await h.send(
      orderCloseRequest({ identity, stan: 5, batchNo, order: { batchNo, stan: '000004' } }),
    );
    expect(unsignedClose.answer.fields['39']).toBe('A0');
    expect((await query(h, macKey, 6, 4)).order).toMatchObject({ state: 'pending' });
    expect(wallet.shownCalls.precreate).toEqual([orderNoOf(4)]);
    expect(await h.engine.listPayments({ merchantId, limit: 10 })).toHaveLength(1);
  });

  it('refuses bad frames with 30 (58 for a wallet without a provider): nothing stored, no wallet call', async () => {
    const { h, wallet, macKey } = await shownHost();
    const code = '134567890123456789';
    const cases: Array<[string, IsoMessage, string]> = [
      [
        'an unknown tag',
        with59(order(2), {
          '59': buildField59([
            ['ST', '02'],
            ['XX', 'x'],
          ]),
        }),
        '30',
      ],
      [
        'a payment code beside ST 02',
        with59(order(3), {
          '59': buildField59([
            ['ST', '02'],
            ['PC', code],
          ]),
        }),
        '30',
      ],
      ['an element running past the end', with59(order(4), { '59': 'ST00202WL030alipay' }), '30'],
      [
        'an unknown wallet',
        with59(order(5), {
          '59': buildField59([
            ['ST', '02'],
            ['WL', 'paypal'],
          ]),
        }),
        '30',
      ],
      [
        'no amount',
        {
          ...order(6),
          fields: Object.fromEntries(Object.entries(order(6).fields).filter(([k]) => k !== '4')),
        },
        '30',
      ],
      ['a card number beside it', with59(order(7), { '2': '6212345678901232', '14': '2812' }), '30'],
      ['track 2 beside it', with59(order(8), { '35': '6212345678901232=2812101' }), '30'],
      ['an entry mode beside it', with59(order(9), { '22': '052' }), '30'],
      ['a wallet this host has no provider for', order(10, { wallet: 'wechat' }), '58'],
    ];
    for (const [what, message, expected] of cases) {
      const { answer } = await h.send(message, macKey);
      expect(answer.fields['39'], what).toBe(expected);
      expect(answer.fields['59'], what).toBeUndefined();
    }
    expect(h.logText()).not.toContain(code);
    expect(await h.engine.listPayments({ merchantId, limit: 10 })).toEqual([]);
    expect(wallet.shownCalls.precreate).toEqual([]);
  });
});
