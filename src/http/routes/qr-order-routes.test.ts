// The QR order routes (codes the terminal shows) and the wallets' notification route over HTTP,
// against the scripted wallet: create, replay, read, cancel, the refusals a cashier sees (zh and
// en), and notifications without an API key, verified, taken once, refused when forged, held off
// when an address floods. Every answer is checked against the OpenAPI document.
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { addMerchant, addTerminal } from '../../merchants/merchant-admin.js';
import { orderNoFor } from '../../payments/qr-order.js';
import { merchantId, terminalId } from '../../payments/test-support/engine-harness.js';
import { ScriptedShownWallet } from '../../payments/test-support/scripted-shown-wallet.js';
import { SeededRandom } from '../../random/random.js';
import { makeHttpHarness, type HttpHarness } from '../test-support/http-harness.js';

async function orderHttpHarness(): Promise<{ h: HttpHarness; wallet: ScriptedShownWallet }> {
  let wallet: ScriptedShownWallet | undefined;
  const h = await makeHttpHarness({
    wallets: (clock) => ({ alipay: (wallet = new ScriptedShownWallet({ clock, wallet: 'alipay' })) }),
  });
  if (wallet === undefined) throw new Error('the harness built no wallet');
  return { h, wallet };
}

const orderBody = (extra: Record<string, unknown> = {}) => ({
  terminalId,
  amount: 1280,
  currency: 'CNY',
  wallet: 'alipay',
  ...extra,
});

function create(h: HttpHarness, key: string, payload: unknown): Promise<LightMyRequestResponse> {
  return h.drive(
    h.call({
      method: 'POST',
      url: '/v1/qr-orders',
      headers: { 'idempotency-key': key },
      payload: payload as object,
    }),
  );
}

/** The wallet posts a notification: no API key, no Idempotency-Key, its own body and type. */
function notify(h: HttpHarness, raw: { body: Buffer; contentType: string }, wallet = 'alipay') {
  return h.drive(
    h.app.inject({
      method: 'POST',
      url: `/v1/wallet-notifications/${wallet}`,
      headers: { 'content-type': raw.contentType },
      payload: raw.body,
    }),
  );
}

function pay(h: HttpHarness, wallet: ScriptedShownWallet, key: string, amount?: number) {
  const raw = wallet.customerPays(orderNoFor(merchantId, key), {
    nowMs: h.clock.now(),
    ...(amount === undefined ? {} : { amount }),
  });
  if (raw === 'refused') throw new Error('the wallet refused the payment');
  return raw;
}

describe('POST /v1/qr-orders', () => {
  it('answers the code to show, once per key; the replay is the same bytes', async () => {
    const { h, wallet } = await orderHttpHarness();
    const first = await create(h, 'order-1', orderBody({ reference: 'table 4' }));
    expect(first.statusCode).toBe(201);
    const orderNo = orderNoFor(merchantId, 'order-1');
    expect(first.json()).toMatchObject({
      status: 'pending',
      amount: 1280,
      reference: 'table 4',
      method: 'qr',
      wallet: 'alipay',
      paymentCodeMasked: null,
      qrFlow: 'shown',
      qrContent: `https://scripted.invalid/qr/${orderNo}`,
      expiresAt: new Date(h.clock.now() + 120_000).toISOString(),
    });
    expect(Object.keys(first.json<object>()).slice(-6)).toEqual([
      'method',
      'wallet',
      'paymentCodeMasked',
      'qrFlow',
      'qrContent',
      'expiresAt',
    ]);
    const again = await create(h, 'order-1', orderBody({ reference: 'table 4' }));
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    const { id } = first.json<{ id: string }>();
    // The same order through the payments API, with the same fields.
    expect((await h.call({ method: 'GET', url: `/v1/payments/${id}` })).body).toBe(first.body);
    expect((await h.call({ method: 'GET', url: `/v1/qr-orders/${id}` })).body).toBe(first.body);
    expect(wallet.shownCalls.precreate).toEqual([orderNo]);
  });

  it('refuses a body of the wrong form, naming every field, and needs an Idempotency-Key', async () => {
    const { h, wallet } = await orderHttpHarness();
    const bad = await create(h, 'bad-1', {
      terminalId,
      amount: 0,
      currency: 'CNY',
      wallet: 'paypal',
      card: {},
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json<{ problems: Array<{ field: string }> }>()
        .problems.map((p) => p.field)
        .sort(),
    ).toEqual(['amount', 'card', 'wallet']);
    const noKey = await h.call({ method: 'POST', url: '/v1/qr-orders', payload: orderBody() });
    expect(noKey.json()).toMatchObject({ code: 'POS_ERR_IDEMPOTENCY_KEY_MISSING' });
    const wechat = await create(h, 'wechat-1', orderBody({ wallet: 'wechat' }));
    expect([wechat.statusCode, wechat.json<{ code: string }>().code]).toEqual([
      422,
      'POS_ERR_QR_WALLET_UNAVAILABLE',
    ]);
    expect(wallet.shownCalls.precreate).toEqual([]);
  });

  it("closes the terminal's open code first, and refuses when the customer had paid it: 409 with the cashier's words", async () => {
    const { h, wallet } = await orderHttpHarness();
    const first = (await create(h, 'order-a', orderBody())).json<{ id: string }>();
    pay(h, wallet, 'order-a');
    const refused = await create(h, 'order-b', orderBody());
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({
      code: 'POS_ERR_QR_ORDER_EARLIER_PAID',
      cashierMessage: {
        zh: '上一个收款码顾客已付款，该笔交易已完成，请勿让顾客再次付款。',
        en: 'The customer has paid the previous code: that sale is complete. Do not ask the customer to pay again.',
      },
    });
    expect((await h.call({ method: 'GET', url: `/v1/qr-orders/${first.id}` })).json()).toMatchObject({
      status: 'approved',
      qrContent: null,
    });
    wallet.nextShown({ close: [{ do: 'unknown' }] });
    const open = await create(h, 'order-b', orderBody());
    expect(open.statusCode).toBe(201);
    const unresolved = await create(h, 'order-c', orderBody());
    expect([unresolved.statusCode, unresolved.json<{ code: string }>().code]).toEqual([
      409,
      'POS_ERR_QR_ORDER_UNRESOLVED',
    ]);
    expect(wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 0 });
  });
});

describe('GET and DELETE /v1/qr-orders/{id}', () => {
  it('reads the order as it stands, and lets the cashier cancel an open one', async () => {
    const { h } = await orderHttpHarness();
    const { id } = (await create(h, 'order-1', orderBody())).json<{ id: string }>();
    const read = await h.drive(h.call({ method: 'GET', url: `/v1/qr-orders/${id}` }));
    expect(read.json()).toMatchObject({ status: 'pending' });
    const cancelled = await h.drive(h.call({ method: 'DELETE', url: `/v1/qr-orders/${id}` }));
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'reversal_pending', qrContent: null });
    const again = await h.drive(h.call({ method: 'DELETE', url: `/v1/qr-orders/${id}` }));
    expect(again.json()).toMatchObject({ status: 'reversal_pending' });
  });

  it("answers 404 for another merchant's order, a card payment and an id it does not know", async () => {
    const { h } = await orderHttpHarness();
    const { id } = (await create(h, 'order-1', orderBody())).json<{ id: string }>();
    await addMerchant(
      h.store,
      {
        id: 'M0002',
        name: 'Other shop',
        duplicatePolicy: 'confirm',
        duplicateWindowS: 120,
        apiKey: 'pgk_other',
      },
      { random: new SeededRandom(7), now: h.clock.now() },
    );
    await addTerminal(
      h.store,
      { merchantId: 'M0002', terminalId, tmkEncrypted: null },
      { now: h.clock.now() },
    );
    const other = { authorization: 'Bearer pgk_other' };
    for (const method of ['GET', 'DELETE'] as const) {
      const answer = await h.call({ method, url: `/v1/qr-orders/${id}`, headers: other });
      expect([answer.statusCode, answer.json<{ code: string }>().code]).toEqual([
        404,
        'POS_ERR_QR_ORDER_NOT_FOUND',
      ]);
    }
    const card = await h.drive(
      h.call({
        method: 'POST',
        url: '/v1/payments',
        headers: { 'idempotency-key': 'card-1' },
        payload: {
          terminalId,
          amount: 5,
          currency: 'CNY',
          card: { pan: '6212345678901232', expiry: '2812' },
          entryMode: 'chip',
        },
      }),
    );
    const cardId = card.json<{ id: string }>().id;
    expect((await h.call({ method: 'GET', url: `/v1/qr-orders/${cardId}` })).statusCode).toBe(404);
    expect((await h.call({ method: 'GET', url: '/v1/qr-orders/pay_nothing' })).statusCode).toBe(404);
  });
});

describe('POST /v1/wallet-notifications/{wallet}', () => {
  it('takes a verified notification without an API key, acknowledges it in the wallet’s words, once per trade', async () => {
    const { h, wallet } = await orderHttpHarness();
    const { id } = (await create(h, 'order-1', orderBody())).json<{ id: string }>();
    const raw = pay(h, wallet, 'order-1');
    const taken = await notify(h, raw);
    expect([taken.statusCode, taken.headers['content-type'], taken.body]).toEqual([
      200,
      wallet.acknowledgement.contentType,
      wallet.acknowledgement.body,
    ]);
    const repeated = await notify(h, raw);
    expect([repeated.statusCode, repeated.body]).toEqual([200, 'success']);
    expect((await h.call({ method: 'GET', url: `/v1/qr-orders/${id}` })).json()).toMatchObject({
      status: 'approved',
    });
    const closed = await notify(h, wallet.closedNotification(orderNoFor(merchantId, 'order-1')));
    expect([closed.statusCode, closed.body]).toEqual([200, 'success']);
    expect(h.logLines.join('\n')).toContain('wallet notification taken');
    expect(wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('refuses a forged notification (400), one for an unknown order (404) and a wallet it has no provider for', async () => {
    const { h, wallet } = await orderHttpHarness();
    const { id } = (await create(h, 'order-1', orderBody())).json<{ id: string }>();
    pay(h, wallet, 'order-1');
    const forged = wallet.notificationOf(orderNoFor(merchantId, 'order-1'), true);
    if (forged === undefined) throw new Error('no notification');
    const refused = await notify(h, forged);
    expect([refused.statusCode, refused.json<{ code: string }>().code]).toEqual([
      400,
      'POS_ERR_WALLET_NOTIFICATION_INVALID',
    ]);
    expect((await h.call({ method: 'GET', url: `/v1/payments/${id}` })).json()).toMatchObject({
      status: 'pending',
    });
    const stranger = new ScriptedShownWallet({ clock: h.clock, wallet: 'alipay' });
    const orderNo = 'PG111111111111111111111111111111';
    await stranger.precreate({
      orderNo,
      merchantId,
      terminalId,
      amount: 5,
      currency: 'CNY',
      subject: 's',
      expiresAtMs: h.clock.now() + 60_000,
    });
    const unknown = stranger.customerPays(orderNo, { nowMs: h.clock.now() });
    if (unknown === 'refused') throw new Error('refused');
    const notFound = await notify(h, unknown);
    expect([notFound.statusCode, notFound.json<{ code: string }>().code]).toEqual([
      404,
      'POS_ERR_WALLET_NOTIFICATION_UNKNOWN_ORDER',
    ]);
    const noProvider = await notify(h, unknown, 'wechat');
    expect(noProvider.json()).toMatchObject({ code: 'POS_ERR_WALLET_NOTIFICATION_INVALID' });
    const noWallet = await notify(h, unknown, 'paypal');
    expect([noWallet.statusCode, noWallet.json<{ code: string }>().code]).toEqual([
      400,
      'POS_ERR_HTTP_INVALID_REQUEST',
    ]);
  });

  it('holds off an address that floods it with invalid notifications, and refuses a body over the limit', async () => {
    const { h } = await orderHttpHarness();
    const junk = {
      body: Buffer.from('sign=forged&out_trade_no=PG1'),
      contentType: 'application/x-www-form-urlencoded',
    };
    for (let i = 0; i < 20; i += 1) expect((await notify(h, junk)).statusCode).toBe(400);
    const held = await notify(h, junk);
    expect([held.statusCode, held.json<{ code: string }>().code]).toEqual([
      429,
      'POS_ERR_WALLET_NOTIFICATION_RATE_LIMITED',
    ]);
    expect(Number(held.headers['retry-after'])).toBeGreaterThan(0);
    await h.clock.advance(60_000);
    expect((await notify(h, junk)).statusCode).toBe(400);
    const big = await notify(h, { body: Buffer.alloc(17 * 1024, 0x61), contentType: 'text/xml' });
    expect([big.statusCode, big.json<{ code: string }>().code]).toEqual([413, 'POS_ERR_HTTP_BODY_TOO_LARGE']);
  });
});
