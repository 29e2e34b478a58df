// POST /v1/payments with a wallet payment code (issue 20): the sale, its answer and replay, the
// refusals of a bad code (each with its own code, never the code itself), and the cashier's words
// when a terminal's QR sale is unresolved. Every answer is checked against the OpenAPI document.
import { describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { makeHttpHarness, type HttpHarness } from '../test-support/http-harness.js';
import { terminalId } from '../../payments/test-support/engine-harness.js';
import { ScriptedWallet } from '../../payments/test-support/scripted-wallet.js';

const wechatCode = '134567890123456789';

async function qrHttpHarness(): Promise<{ h: HttpHarness; wallet: ScriptedWallet }> {
  let wallet: ScriptedWallet | undefined;
  const h = await makeHttpHarness({
    wallets: (clock) => ({ wechat: (wallet = new ScriptedWallet({ clock })) }),
  });
  if (wallet === undefined) throw new Error('the harness built no wallet');
  return { h, wallet };
}

const qrBody = (paymentCode: unknown, extra: Record<string, unknown> = {}) => ({
  terminalId,
  amount: 1280,
  currency: 'CNY',
  paymentCode,
  ...extra,
});

function post(h: HttpHarness, key: string, payload: unknown): Promise<LightMyRequestResponse> {
  return h.drive(
    h.call({
      method: 'POST',
      url: '/v1/payments',
      headers: { 'idempotency-key': key },
      payload: payload as object,
    }),
  );
}

describe('POST /v1/payments with a payment code', () => {
  it('charges the wallet once and answers with the method, the wallet and the masked code; a replay is the same bytes', async () => {
    const { h, wallet } = await qrHttpHarness();
    const first = await post(h, 'qr-1', qrBody(wechatCode, { reference: 'table 4' }));
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      status: 'approved',
      responseCode: '00',
      cardMasked: null,
      method: 'qr',
      wallet: 'wechat',
      paymentCodeMasked: '**************6789',
      reference: 'table 4',
    });
    // The QR fields come last, in the answer and in a GET.
    expect(Object.keys(first.json<object>()).slice(-4)).toEqual([
      'updatedAt',
      'method',
      'wallet',
      'paymentCodeMasked',
    ]);
    expect(first.body).not.toContain(wechatCode);
    const again = await post(h, 'qr-1', qrBody(wechatCode, { reference: 'table 4' }));
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    const { id } = first.json<{ id: string }>();
    const read = await h.call({ method: 'GET', url: `/v1/payments/${id}` });
    expect(read.body).toBe(first.body);
    const list = await h.call({ method: 'GET', url: '/v1/payments' });
    expect(list.json<{ data: unknown[] }>().data).toEqual([first.json()]);
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('answers a card sale as it always did: no method, wallet or masked code', async () => {
    const { h } = await qrHttpHarness();
    const card = await post(h, 'card-1', {
      terminalId,
      amount: 1280,
      currency: 'CNY',
      card: { pan: '6212345678901232', expiry: '2812' },
      entryMode: 'chip',
    });
    expect(card.statusCode).toBe(201);
    expect(Object.keys(card.json<object>())).not.toContain('method');
    expect(card.body).not.toMatch(/wallet|paymentCode/);
  });

  it('answers once the customer has confirmed on the phone', async () => {
    const { h, wallet } = await qrHttpHarness();
    wallet.next({ pay: [{ do: 'ask_payer' }], query: [{ do: 'tell' }, { do: 'payer_confirms' }] });
    const started = h.clock.now();
    const answer = await post(h, 'qr-slow', qrBody(wechatCode));
    expect(answer.json()).toMatchObject({ status: 'approved', method: 'qr' });
    expect(h.clock.now() - started).toBe(10_000);
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  const badCodes: Array<[string, unknown, string]> = [
    ['non-digits', '13456789012345678a', 'POS_ERR_QR_CODE_NOT_DIGITS'],
    ['an empty code', '', 'POS_ERR_QR_CODE_NOT_DIGITS'],
    ['an unknown prefix', '994567890123456789', 'POS_ERR_QR_CODE_UNKNOWN_WALLET'],
    ['a wrong length for WeChat Pay', '1345678901234567890', 'POS_ERR_QR_CODE_WRONG_LENGTH'],
    ['a wrong length for Alipay', '25123456789012', 'POS_ERR_QR_CODE_WRONG_LENGTH'],
    ['a number, not a string', 134567890123456, 'POS_ERR_HTTP_INVALID_REQUEST'],
    ['a code longer than 64 characters', '1'.repeat(65), 'POS_ERR_HTTP_INVALID_REQUEST'],
  ];
  for (const [what, code, errorCode] of badCodes) {
    it(`refuses ${what} with 400 ${errorCode}, echoing no code and storing nothing`, async () => {
      const { h, wallet } = await qrHttpHarness();
      const answer = await post(h, 'bad-1', qrBody(code));
      expect(answer.statusCode).toBe(400);
      const body = answer.json<{
        code: string;
        problems: Array<{ field: string }>;
        cashierMessage?: unknown;
      }>();
      expect(body.code).toBe(errorCode);
      expect(body.problems.map((p) => p.field)).toEqual(['paymentCode']);
      if (errorCode.startsWith('POS_ERR_QR_')) {
        expect(body.cashierMessage).toEqual({
          zh: expect.stringContaining('付款码') as unknown,
          en: expect.any(String) as unknown,
        });
      }
      const text = String(code);
      if (text.length >= 4) expect(answer.body).not.toContain(text);
      expect(h.logLines.join('\n')).not.toContain(text.length >= 4 ? text : '\u0000');
      expect(await h.engine.listPayments({ merchantId: 'M0001', limit: 10 })).toEqual([]);
      expect(wallet.calls.pay).toEqual([]);
    });
  }

  it('takes exactly one of card and paymentCode', async () => {
    const { h } = await qrHttpHarness();
    const both = await post(h, 'both', {
      ...qrBody(wechatCode),
      card: { pan: '6212345678901232', expiry: '2812' },
      entryMode: 'chip',
    });
    expect(both.statusCode).toBe(400);
    expect(both.json()).toMatchObject({
      code: 'POS_ERR_HTTP_INVALID_REQUEST',
      problems: [{ field: 'body', expected: 'paymentCode alone: a QR sale takes no card and no entryMode' }],
    });
    const neither = await post(h, 'neither', { terminalId, amount: 1, currency: 'CNY' });
    expect(neither.statusCode).toBe(400);
    expect(neither.json<{ problems: Array<{ field: string; expected: string }> }>().problems).toEqual([
      { field: 'card', expected: 'a value (it is required)', actual: 'nothing' },
      { field: 'entryMode', expected: 'a value (it is required)', actual: 'nothing' },
      {
        field: 'body',
        expected: 'either card and entryMode (a card sale) or paymentCode (a QR sale)',
        actual: 'an object',
      },
    ]);
  });

  it("refuses a new code while the terminal's QR sale is unresolved, telling the cashier in Chinese and English", async () => {
    const { h, wallet } = await qrHttpHarness();
    wallet.next({ pay: [{ do: 'ask_payer' }], query: [{ do: 'tell' }, { do: 'payer_confirms' }] });
    const first = h.call({
      method: 'POST',
      url: '/v1/payments',
      headers: { 'idempotency-key': 'qr-first' },
      payload: qrBody(wechatCode),
    });
    const second = (async () => {
      await h.clock.sleep(3_000);
      return h.call({
        method: 'POST',
        url: '/v1/payments',
        headers: { 'idempotency-key': 'qr-second' },
        payload: qrBody('134567890123450000', { amount: 999 }),
      });
    })();
    const [approved, refused] = await h.drive(Promise.all([first, second]));
    expect(approved.json()).toMatchObject({ status: 'approved' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({
      code: 'POS_ERR_QR_SALE_UNRESOLVED',
      cashierMessage: {
        zh: '上一笔扫码付款尚未完成，请等待结果，不要让顾客再次付款。',
        en: 'The last QR payment on this terminal is not finished yet: wait for its result and do not ask the customer to pay again.',
      },
    });
    expect(refused.body).not.toContain('134567890123450000');
    // Its key was not taken: once the first is settled, the same request goes through.
    const later = await post(h, 'qr-second', qrBody('134567890123450000', { amount: 999 }));
    expect(later.json()).toMatchObject({ status: 'approved' });
    expect(wallet.ledger()).toMatchObject({ charges: 2, refunds: 0 });
  });

  it('refuses a code of a wallet the host has no provider for with 422', async () => {
    const { h, wallet } = await qrHttpHarness();
    const answer = await post(h, 'alipay-1', qrBody('2812345678901234'));
    expect(answer.statusCode).toBe(422);
    expect(answer.json()).toMatchObject({
      code: 'POS_ERR_QR_WALLET_UNAVAILABLE',
      cashierMessage: {
        zh: expect.any(String) as unknown,
        en: 'This wallet is not accepted here: ask the customer to pay another way.',
      },
    });
    expect(answer.body).not.toContain('2812345678901234');
    expect(wallet.calls.pay).toEqual([]);
  });
});
