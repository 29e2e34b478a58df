// The WeChat Pay adapter against the simulated wallet over real HTTP, with both sign types: every
// method's success path, every fault the simulated wallet injects and the port answer it becomes,
// signatures failing both ways, and notifications (duplicated, late, forged, unknown order).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../cards/secret.js';
import type { WalletPayRequest, WalletPrecreateRequest } from '../../payments/ports/wallet.js';
import { isPosError } from '../../pos-error.js';
import { buyerId } from '../../simulated-wallet/payment-codes.js';
import { noWalletFaults } from '../../simulated-wallet/wallet-faults.js';
import { wechatNotificationBody } from '../../simulated-wallet/wechat-gateway.js';
import {
  eventually,
  startHarness,
  startTamperingProxy,
  type Harness,
} from '../test-support/wallet-harness.js';
import type { WechatSignType } from './wechat-sign.js';
import { WechatProvider } from './wechat-provider.js';

let orderSeq = 0;
const nextOrder = (): string => `WX${Date.now()}${(orderSeq += 1)}`;
const wait = (): AbortSignal => AbortSignal.timeout(5_000);

function payRequest(orderNo: string, code: string, amount = 1280): WalletPayRequest {
  return {
    orderNo,
    merchantId: 'M100',
    terminalId: 'T1',
    amount,
    currency: 'CNY',
    code: new Secret(code, 'payment code'),
    subject: '面馆 1号收银台',
  };
}

function shownOrder(h: Harness, orderNo: string, amount: number): WalletPrecreateRequest {
  return {
    orderNo,
    merchantId: 'M100',
    terminalId: 'T1',
    amount,
    currency: 'CNY',
    subject: '奶茶',
    expiresAtMs: h.clock.now() + 120_000,
  };
}

function chargesOf(ledger: Awaited<ReturnType<Harness['ledger']>>, orderNo: string): number {
  return ledger.charges.filter((c) => c.orderNo === orderNo).length;
}

function errorCode(read: () => unknown): string | undefined {
  try {
    read();
  } catch (error) {
    return isPosError(error) ? `${error.code}: ${error.message}` : 'not a PosError';
  }
  return undefined;
}

describe.each<WechatSignType>(['HMAC-SHA256', 'MD5'])('WeChat Pay adapter signing %s', (signType) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ wechatSignType: signType });
    await h.payer('alice', 1_000_000);
    await h.payer('bob', 500);
  });
  afterAll(async () => h.close());
  afterEach(() => h.sim.setFaults(noWalletFaults));

  it('pays a scanned code and queries it paid, with the openid, amount and time', async () => {
    const orderNo = nextOrder();
    const answer = await h.wechat.pay(payRequest(orderNo, await h.code('wechat', 'alice')), wait());
    expect(answer).toMatchObject({ outcome: 'paid', amount: 1280, payerId: buyerId('wechat', 'alice') });
    if (answer.outcome !== 'paid') throw new Error('not paid');
    expect(answer.tradeNo).toMatch(/^4200\d{24}$/);
    expect(Math.abs(answer.paidAtMs - Date.now())).toBeLessThan(2_000);
    expect(await h.wechat.query(orderNo, wait())).toMatchObject({ state: 'paid', tradeNo: answer.tradeNo });
    expect(await h.wechat.query(nextOrder(), wait())).toEqual({ state: 'not_found' });
    expect(chargesOf(await h.ledger(), orderNo)).toBe(1);
  });

  it('reverses a paid order and one never sent; a late pay under a reversed number is refused', async () => {
    const orderNo = nextOrder();
    await h.wechat.pay(payRequest(orderNo, await h.code('wechat', 'alice'), 600), wait());
    expect(await h.wechat.cancel(orderNo, wait())).toEqual({ outcome: 'cancelled', refunded: false });
    expect(await h.wechat.query(orderNo, wait())).toEqual({ state: 'closed' });
    const never = nextOrder();
    expect(await h.wechat.cancel(never, wait())).toEqual({ outcome: 'cancelled', refunded: false });
    expect(await h.wechat.pay(payRequest(never, await h.code('wechat', 'alice')), wait())).toMatchObject({
      outcome: 'refused',
      refusal: 'order_closed',
    });
    const ledger = await h.ledger();
    expect(ledger.refunds.filter((r) => r.orderNo === orderNo).map((r) => r.amount)).toEqual([600]);
    expect(chargesOf(ledger, never)).toBe(0);
  });

  it('refunds once per refund number (accepted, then confirmed by refundquery), and refuses too much', async () => {
    const orderNo = nextOrder();
    await h.wechat.pay(payRequest(orderNo, await h.code('wechat', 'alice'), 1000), wait());
    const refund = { orderNo, refundNo: `${orderNo}R1`, amount: 300, orderAmount: 1000, reason: '退货' };
    expect(await h.wechat.queryRefund(refund, wait())).toEqual({ state: 'not_found' });
    expect(await h.wechat.refund(refund, wait())).toEqual({ outcome: 'accepted' });
    expect(await h.wechat.refund(refund, wait())).toEqual({ outcome: 'accepted' });
    expect(await h.wechat.queryRefund(refund, wait())).toEqual({ state: 'refunded' });
    expect(await h.wechat.query(orderNo, wait())).toEqual({ state: 'refunded', refundedAmount: 300 });
    expect(await h.wechat.refund({ ...refund, refundNo: `${orderNo}R2`, amount: 800 }, wait())).toMatchObject(
      {
        outcome: 'refused',
        message: expect.stringContaining('INVALID_REQUEST') as unknown,
      },
    );
    expect((await h.ledger()).refunds.filter((r) => r.orderNo === orderNo)).toHaveLength(1);
  });

  it('shows a NATIVE code, reads the signed notification, and closes only what is unpaid', async () => {
    const orderNo = nextOrder();
    const shown = await h.wechat.precreate(shownOrder(h, orderNo, 880), wait());
    expect(shown).toMatchObject({
      outcome: 'created',
      qrContent: expect.stringMatching(/^weixin:\/\/wxpay\/bizpayurl\?pr=/) as unknown,
    });
    if (shown.outcome !== 'created') throw new Error('not created');
    expect(await h.wechat.precreate(shownOrder(h, orderNo, 880), wait())).toEqual(shown);
    expect(await h.wechat.query(orderNo, wait())).toEqual({ state: 'not_paid' });
    await h.scan(shown.qrContent, 'alice');
    await eventually(() => h.receiver.received.some((r) => r.read?.orderNo === orderNo));
    expect(h.receiver.received.find((r) => r.read?.orderNo === orderNo)?.read).toMatchObject({
      wallet: 'wechat',
      paid: { amount: 880, payerId: buyerId('wechat', 'alice') },
    });
    expect(await h.wechat.close(orderNo, wait())).toEqual({ outcome: 'already_paid' });
    const unpaid = nextOrder();
    await h.wechat.precreate(shownOrder(h, unpaid, 500), wait());
    expect(await h.wechat.close(unpaid, wait())).toEqual({ outcome: 'closed' });
    expect(await h.wechat.query(unpaid, wait())).toEqual({ state: 'closed' });
    expect(await h.wechat.precreate(shownOrder(h, unpaid, 500), wait())).toMatchObject({
      outcome: 'refused',
      refusal: 'order_closed',
    });
  });

  it('an answer altered on the way is unknown, though the wallet charged', async () => {
    const proxy = await startTamperingProxy(h.sim.url, (answer) =>
      answer.replace('<total_fee><![CDATA[1280]]>', '<total_fee><![CDATA[1]]>'),
    );
    const forged = new WechatProvider({
      baseUrl: proxy.url,
      appId: 'wx0000000000000001',
      mchId: '1900000001',
      apiKey: new Secret(h.keys.wechatApiKey),
      signType,
    });
    try {
      const orderNo = nextOrder();
      expect(await forged.pay(payRequest(orderNo, await h.code('wechat', 'alice')), wait())).toEqual({
        outcome: 'unknown',
        reason: "the answer's signature does not verify with the API key",
      });
      expect(chargesOf(await h.ledger(), orderNo)).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('a request signed with the wrong API key is refused (return_code FAIL: unknown) and charges nobody', async () => {
    const impostor = new WechatProvider({
      baseUrl: h.sim.wechatBaseUrl,
      appId: 'wx0000000000000001',
      mchId: '1900000001',
      apiKey: new Secret('0'.repeat(32)),
      signType,
    });
    const orderNo = nextOrder();
    expect(await impostor.pay(payRequest(orderNo, await h.code('wechat', 'alice')), wait())).toEqual({
      outcome: 'unknown',
      reason: 'return_code FAIL: 签名错误',
    });
    expect(chargesOf(await h.ledger(), orderNo)).toBe(0);
  });

  it('reads a notification for an order it never sent; refuses forged, tampered and foreign ones', () => {
    const facts = {
      orderNo: 'NEVER-SENT-2',
      tradeNo: '4200000000202405010000000001',
      openid: 'oAAAA',
      amount: 1500,
      paidAtMs: Date.UTC(2024, 4, 1, 4),
    };
    const keys = { appId: 'wx0000000000000001', mchId: '1900000001', apiKey: h.keys.wechatApiKey };
    const xml = 'text/xml';
    const genuine = wechatNotificationBody(keys, facts, signType, 'nonce1');
    expect(h.wechat.readNotification({ body: Buffer.from(genuine), contentType: xml })).toEqual({
      wallet: 'wechat',
      orderNo: 'NEVER-SENT-2',
      paid: { tradeNo: facts.tradeNo, payerId: 'oAAAA', amount: 1500, paidAtMs: facts.paidAtMs },
    });
    const invalid = 'POS_ERR_WALLET_NOTIFICATION_INVALID';
    const forged = wechatNotificationBody({ ...keys, apiKey: 'f'.repeat(32) }, facts, signType, 'nonce1');
    expect(
      errorCode(() => h.wechat.readNotification({ body: Buffer.from(forged), contentType: xml })),
    ).toContain(invalid);
    const tampered = genuine.replace('<total_fee><![CDATA[1500]]>', '<total_fee><![CDATA[15]]>');
    expect(
      errorCode(() => h.wechat.readNotification({ body: Buffer.from(tampered), contentType: xml })),
    ).toContain('does not verify');
    const foreign = wechatNotificationBody({ ...keys, mchId: '1900000999' }, facts, signType, 'nonce1');
    expect(
      errorCode(() => h.wechat.readNotification({ body: Buffer.from(foreign), contentType: xml })),
    ).toContain('another appid');
    const entity = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>`;
    expect(
      errorCode(() => h.wechat.readNotification({ body: Buffer.from(entity), contentType: xml })),
    ).toContain('DOCTYPE');
    const failed = wechatNotificationBody(keys, { ...facts, resultCode: 'FAIL' }, signType, 'nonce1');
    expect(
      errorCode(() => h.wechat.readNotification({ body: Buffer.from(failed), contentType: xml })),
    ).toContain('POS_ERR_WALLET_NOTIFICATION_NOT_A_PAYMENT');
  });
});

describe('WeChat Pay adapter: refusals and faults', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ autoCloseMs: { wechat: 45_000 } });
    await h.payer('alice', 1_000_000);
    await h.payer('bob', 500);
  });
  afterAll(async () => h.close());
  afterEach(() => h.sim.setFaults(noWalletFaults));

  it('refuses a used code (code_used), an unknown one, an expired one, and a payer short of money', async () => {
    const code = await h.code('wechat', 'alice');
    await h.wechat.pay(payRequest(nextOrder(), code, 100), wait());
    expect(await h.wechat.pay(payRequest(nextOrder(), code, 100), wait())).toMatchObject({
      outcome: 'refused',
      refusal: 'code_used',
    });
    expect(await h.wechat.pay(payRequest(nextOrder(), '134567890123456789'), wait())).toMatchObject({
      refusal: 'code_invalid',
    });
    const old = await h.code('wechat', 'alice');
    h.clock.advance(61_000);
    expect(await h.wechat.pay(payRequest(nextOrder(), old), wait())).toMatchObject({
      refusal: 'code_expired',
    });
    expect(
      await h.wechat.pay(payRequest(nextOrder(), await h.code('wechat', 'bob'), 5_000), wait()),
    ).toMatchObject({
      refusal: 'insufficient_funds',
      message: expect.stringContaining('NOTENOUGH') as unknown,
    });
  });

  it('a second pay under a paid order number (ORDERPAID) answers the first payment, never a second charge', async () => {
    const orderNo = nextOrder();
    const first = await h.wechat.pay(payRequest(orderNo, await h.code('wechat', 'alice'), 1000), wait());
    const again = await h.wechat.pay(payRequest(orderNo, await h.code('wechat', 'alice'), 1200), wait());
    expect(again).toEqual(first);
    expect(again).toMatchObject({ amount: 1000 });
    expect(chargesOf(await h.ledger(), orderNo)).toBe(1);
  });

  it('a lost answer is unknown, and the query finds the one charge', async () => {
    h.sim.setFaults({ lostAnswerRate: 1, faultMethods: ['pay'] });
    const orderNo = nextOrder();
    expect(
      await h.wechat.pay(payRequest(orderNo, await h.code('wechat', 'alice')), AbortSignal.timeout(300)),
    ).toMatchObject({
      outcome: 'unknown',
    });
    h.sim.setFaults(noWalletFaults);
    expect(await h.wechat.query(orderNo, wait())).toMatchObject({ state: 'paid' });
    expect(chargesOf(await h.ledger(), orderNo)).toBe(1);
  });

  it('USERPAYING polls to paid; one that never confirms is revoked by the wallet at 45 s', async () => {
    h.sim.setFaults({ userPayingRate: 1, confirmAfterMs: 250 });
    const confirms = nextOrder();
    expect(await h.wechat.pay(payRequest(confirms, await h.code('wechat', 'alice')), wait())).toEqual({
      outcome: 'user_paying',
    });
    expect(await h.wechat.query(confirms, wait())).toEqual({ state: 'user_paying' });
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await h.wechat.query(confirms, wait())).toMatchObject({ state: 'paid' });
    h.sim.setFaults({ userPayingRate: 1, confirmAfterMs: null });
    const never = nextOrder();
    expect(await h.wechat.pay(payRequest(never, await h.code('wechat', 'alice')), wait())).toEqual({
      outcome: 'user_paying',
    });
    h.clock.advance(46_000);
    expect(await h.wechat.query(never, wait())).toEqual({ state: 'closed' });
    const ledger = await h.ledger();
    expect([chargesOf(ledger, confirms), chargesOf(ledger, never)]).toEqual([1, 0]);
  });

  it('a refund still PROCESSING is processing by refundquery until the money is back', async () => {
    const orderNo = nextOrder();
    await h.wechat.pay(payRequest(orderNo, await h.code('wechat', 'alice'), 1000), wait());
    const refund = { orderNo, refundNo: `${orderNo}R1`, amount: 1000, orderAmount: 1000, reason: '撤销' };
    h.sim.setFaults({ refundProcessingRate: 1, refundProcessingMs: 60_000 });
    expect(await h.wechat.refund(refund, wait())).toEqual({ outcome: 'accepted' });
    expect(await h.wechat.queryRefund(refund, wait())).toEqual({ state: 'processing' });
    expect((await h.ledger()).refunds.filter((r) => r.orderNo === orderNo)).toEqual([]);
    h.clock.advance(61_000);
    expect(await h.wechat.queryRefund(refund, wait())).toEqual({ state: 'refunded' });
    expect((await h.ledger()).refunds.filter((r) => r.orderNo === orderNo).map((r) => r.amount)).toEqual([
      1000,
    ]);
  });

  it('a refund whose answer is lost is unknown; refundquery finds it, and sending it again refunds once', async () => {
    const orderNo = nextOrder();
    await h.wechat.pay(payRequest(orderNo, await h.code('wechat', 'alice'), 700), wait());
    const refund = { orderNo, refundNo: `${orderNo}R1`, amount: 200, orderAmount: 700, reason: '退货' };
    h.sim.setFaults({ lostAnswerRate: 1, faultMethods: ['refund'] });
    expect(await h.wechat.refund(refund, AbortSignal.timeout(300))).toMatchObject({ outcome: 'unknown' });
    h.sim.setFaults(noWalletFaults);
    h.sim.setFaults({ systemErrorRate: 1, systemErrorAppliedShare: 0, faultMethods: ['refund'] });
    expect(await h.wechat.refund({ ...refund, refundNo: `${orderNo}R2` }, wait())).toMatchObject({
      outcome: 'unknown',
      reason: expect.stringContaining('SYSTEMERROR') as unknown,
    });
    h.sim.setFaults(noWalletFaults);
    expect(await h.wechat.queryRefund(refund, wait())).toEqual({ state: 'refunded' });
    expect(await h.wechat.queryRefund({ ...refund, refundNo: `${orderNo}R2` }, wait())).toEqual({
      state: 'not_found',
    });
    expect(await h.wechat.refund(refund, wait())).toEqual({ outcome: 'accepted' });
    expect((await h.ledger()).refunds.filter((r) => r.orderNo === orderNo).map((r) => r.amount)).toEqual([
      200,
    ]);
  });

  it('SYSTEMERROR and BANKERROR are unknown; the query tells whether the pay was applied', async () => {
    h.sim.setFaults({ systemErrorRate: 1, systemErrorAppliedShare: 1, faultMethods: ['pay'] });
    const applied = nextOrder();
    expect(await h.wechat.pay(payRequest(applied, await h.code('wechat', 'alice')), wait())).toMatchObject({
      outcome: 'unknown',
      reason: expect.stringContaining('BANKERROR') as unknown,
    });
    h.sim.setFaults({ systemErrorRate: 1, systemErrorAppliedShare: 0, faultMethods: ['pay'] });
    const notApplied = nextOrder();
    expect(await h.wechat.pay(payRequest(notApplied, await h.code('wechat', 'alice')), wait())).toMatchObject(
      {
        outcome: 'unknown',
        reason: expect.stringContaining('SYSTEMERROR') as unknown,
      },
    );
    h.sim.setFaults(noWalletFaults);
    expect(await h.wechat.query(applied, wait())).toMatchObject({ state: 'paid' });
    expect(await h.wechat.query(notApplied, wait())).toEqual({ state: 'not_found' });
  });

  it('a code the wallet says was used is refused as used', async () => {
    h.sim.setFaults({ codeUsedRate: 1 });
    const orderNo = nextOrder();
    expect(await h.wechat.pay(payRequest(orderNo, await h.code('wechat', 'alice')), wait())).toMatchObject({
      refusal: 'code_used',
    });
    expect(await h.wechat.query(orderNo, wait())).toEqual({ state: 'not_found' });
  });

  it('a reverse answered recall=Y is retried until it takes effect, refunding once', async () => {
    const orderNo = nextOrder();
    await h.wechat.pay(payRequest(orderNo, await h.code('wechat', 'alice'), 300), wait());
    h.sim.setFaults({ cancelRetries: 3 });
    for (let i = 0; i < 3; i += 1)
      expect(await h.wechat.cancel(orderNo, wait())).toMatchObject({ outcome: 'retry' });
    expect(await h.wechat.cancel(orderNo, wait())).toEqual({ outcome: 'cancelled', refunded: false });
    expect((await h.ledger()).refunds.filter((r) => r.orderNo === orderNo).map((r) => r.amount)).toEqual([
      300,
    ]);
  });

  it('duplicate and late notifications: the same trade twice, and only after a query', async () => {
    h.sim.setFaults({ duplicateNotificationRate: 1, lateNotificationRate: 1 });
    const orderNo = nextOrder();
    const shown = await h.wechat.precreate(shownOrder(h, orderNo, 450), wait());
    if (shown.outcome !== 'created') throw new Error('not created');
    await h.scan(shown.qrContent, 'alice');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.receiver.received.some((r) => r.read?.orderNo === orderNo)).toBe(false);
    expect(await h.wechat.query(orderNo, wait())).toMatchObject({ state: 'paid' });
    await eventually(() => h.receiver.received.filter((r) => r.read?.orderNo === orderNo).length === 2);
    const trades = h.receiver.received
      .filter((r) => r.read?.orderNo === orderNo)
      .map((r) => r.read?.paid.tradeNo);
    expect(new Set(trades).size).toBe(1);
    expect(chargesOf(await h.ledger(), orderNo)).toBe(1);
  });
});

describe('WeChat Pay adapter settings', () => {
  it('refuses an https base URL without the client certificate, and names the setting', () => {
    const build = (): WechatProvider =>
      new WechatProvider({
        baseUrl: 'https://api.mch.weixin.qq.com',
        appId: 'wx1',
        mchId: '1900000001',
        apiKey: new Secret('k'.repeat(32)),
      });
    expect(errorCode(build)).toContain(
      'POS_ERR_WALLET_CONFIG_INVALID: invalid wechat setting clientCertificate',
    );
    const withCert = new WechatProvider({
      baseUrl: 'https://api.mch.weixin.qq.com',
      appId: 'wx1',
      mchId: '1900000001',
      apiKey: new Secret('k'.repeat(32)),
      clientCertificate: { pfx: Buffer.from('not used until a call'), passphrase: new Secret('1900000001') },
    });
    expect(withCert.timing).toEqual({
      queryIntervalMs: 5_000,
      payWindowMs: 45_000,
      cancelRetryMs: 5_000,
      cancelNotBeforeMs: 15_000,
      refundQueryIntervalMs: 5_000,
      refundWindowMs: 20_000,
    });
  });

  it('refuses a base URL that is not http(s) and an API key with spaces, without echoing the key', () => {
    expect(
      errorCode(
        () => new WechatProvider({ baseUrl: 'ftp://x', appId: 'a', mchId: 'm', apiKey: new Secret('k') }),
      ),
    ).toContain('baseUrl');
    const message = errorCode(
      () =>
        new WechatProvider({ baseUrl: 'http://x', appId: 'a', mchId: 'm', apiKey: new Secret('secret key') }),
    );
    expect(message).toContain('apiKey');
    expect(message).not.toContain('secret key');
  });
});
