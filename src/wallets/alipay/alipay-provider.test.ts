// The Alipay adapter against the simulated wallet over real HTTP: every method's success path,
// every fault the simulated wallet injects and the port answer it becomes, signatures failing both
// ways, and notifications (duplicated, late, forged, for an unknown order, not a payment).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../cards/secret.js';
import type { WalletPayRequest } from '../../payments/ports/wallet.js';
import { PosError } from '../../pos-error.js';
import { alipayNotificationBody } from '../../simulated-wallet/alipay-gateway.js';
import { buyerId } from '../../simulated-wallet/payment-codes.js';
import { noWalletFaults } from '../../simulated-wallet/wallet-faults.js';
import {
  eventually,
  rsaPair,
  startHarness,
  startTamperingProxy,
  type Harness,
} from '../test-support/wallet-harness.js';
import { AlipayProvider } from './alipay-provider.js';
import { readPrivateKey } from './alipay-sign.js';

let h: Harness;
let orderSeq = 0;
const nextOrder = (): string => `AP${Date.now()}${(orderSeq += 1)}`;
const wait = (): AbortSignal => AbortSignal.timeout(5_000);

function payRequest(orderNo: string, code: string, amount = 1280): WalletPayRequest {
  return {
    orderNo,
    merchantId: 'M100',
    terminalId: 'T1',
    amount,
    currency: 'CNY',
    code: new Secret(code, 'payment code'),
    subject: 'Noodle shop, till 1',
  };
}

function chargesOf(ledger: Awaited<ReturnType<Harness['ledger']>>, orderNo: string): number {
  return ledger.charges.filter((c) => c.orderNo === orderNo).length;
}

beforeAll(async () => {
  h = await startHarness();
  await h.payer('alice', 1_000_000);
  await h.payer('bob', 500);
});
afterAll(async () => h.close());
afterEach(() => h.sim.setFaults(noWalletFaults));

describe('Alipay adapter: success paths', () => {
  it('pays a scanned code, and the answer carries the trade, the buyer and the amount', async () => {
    const orderNo = nextOrder();
    const answer = await h.alipay.pay(payRequest(orderNo, await h.code('alipay', 'alice')), wait());
    expect(answer).toMatchObject({ outcome: 'paid', amount: 1280, payerId: buyerId('alipay', 'alice') });
    if (answer.outcome !== 'paid') throw new Error('not paid');
    expect(answer.tradeNo).toMatch(/^\d{28}$/);
    expect(Math.abs(answer.paidAtMs - h.clock.now())).toBeLessThan(2_000);
    expect(await h.alipay.query(orderNo, wait())).toMatchObject({
      state: 'paid',
      tradeNo: answer.tradeNo,
      amount: 1280,
    });
    expect(chargesOf(await h.ledger(), orderNo)).toBe(1);
  });

  it('the buyer id is stable per payer across codes and orders', async () => {
    const first = await h.alipay.pay(payRequest(nextOrder(), await h.code('alipay', 'alice'), 100), wait());
    const second = await h.alipay.pay(payRequest(nextOrder(), await h.code('alipay', 'alice'), 200), wait());
    expect(first.outcome === 'paid' && second.outcome === 'paid' && first.payerId === second.payerId).toBe(
      true,
    );
    expect(first.outcome === 'paid' && first.payerId).toMatch(/^2088\d{12}$/);
  });

  it('queries an order it never sent as not_found', async () => {
    expect(await h.alipay.query(nextOrder(), wait())).toEqual({ state: 'not_found' });
  });

  it('cancels a paid order (refund) and an order never sent (close), and refunds the payer', async () => {
    const orderNo = nextOrder();
    await h.alipay.pay(payRequest(orderNo, await h.code('alipay', 'alice'), 700), wait());
    expect(await h.alipay.cancel(orderNo, wait())).toEqual({ outcome: 'cancelled', refunded: true });
    expect(await h.alipay.query(orderNo, wait())).toEqual({ state: 'refunded', refundedAmount: 700 });
    const never = nextOrder();
    expect(await h.alipay.cancel(never, wait())).toEqual({ outcome: 'cancelled', refunded: false });
    // The cancel left a tombstone: a pay arriving late under that number charges nobody.
    const late = await h.alipay.pay(payRequest(never, await h.code('alipay', 'alice')), wait());
    expect(late).toMatchObject({ outcome: 'refused', refusal: 'order_closed' });
    const ledger = await h.ledger();
    expect(ledger.refunds.filter((r) => r.orderNo === orderNo)).toHaveLength(1);
    expect(chargesOf(ledger, never)).toBe(0);
  });

  it('refunds once per refund number (a repeat moves no money: fund_change N), and refuses more than was paid', async () => {
    const orderNo = nextOrder();
    await h.alipay.pay(payRequest(orderNo, await h.code('alipay', 'alice'), 1000), wait());
    const refund = { orderNo, refundNo: `${orderNo}R1`, amount: 400, orderAmount: 1000, reason: 'returned' };
    expect(await h.alipay.refund(refund, wait())).toEqual({ outcome: 'refunded' });
    expect(await h.alipay.refund(refund, wait())).toEqual({ outcome: 'accepted' });
    expect(await h.alipay.queryRefund(refund, wait())).toEqual({ state: 'refunded' });
    expect(await h.alipay.query(orderNo, wait())).toMatchObject({ state: 'paid' });
    const tooMuch = await h.alipay.refund({ ...refund, refundNo: `${orderNo}R2`, amount: 700 }, wait());
    expect(tooMuch).toMatchObject({
      outcome: 'refused',
      message: expect.stringContaining('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL') as unknown,
    });
    expect(await h.alipay.refund({ ...refund, refundNo: `${orderNo}R3`, amount: 600 }, wait())).toEqual({
      outcome: 'refunded',
    });
    expect(await h.alipay.query(orderNo, wait())).toEqual({ state: 'refunded', refundedAmount: 1000 });
    expect((await h.ledger()).refunds.filter((r) => r.orderNo === orderNo).map((r) => r.amount)).toEqual([
      400, 600,
    ]);
  });

  it('asks about a refund by its number (fastpay.refund.query): made, never made, or of no trade', async () => {
    const orderNo = nextOrder();
    await h.alipay.pay(payRequest(orderNo, await h.code('alipay', 'alice'), 900), wait());
    const refund = { orderNo, refundNo: `${orderNo}R1`, amount: 900, orderAmount: 900, reason: 'void' };
    expect(await h.alipay.queryRefund(refund, wait())).toEqual({ state: 'not_found' });
    expect(await h.alipay.refund(refund, wait())).toEqual({ outcome: 'refunded' });
    expect(await h.alipay.queryRefund(refund, wait())).toEqual({ state: 'refunded' });
    expect(await h.alipay.queryRefund({ orderNo, refundNo: `${orderNo}R9` }, wait())).toEqual({
      state: 'not_found',
    });
    expect(await h.alipay.queryRefund({ orderNo: nextOrder(), refundNo: 'RQ1' }, wait())).toEqual({
      state: 'not_found',
    });
    expect(h.sim.wallet.calls.get('alipay.query')).toBeGreaterThanOrEqual(4);
  });

  it('shows a code, learns the payment by notification and by query, and closes only what is unpaid', async () => {
    const orderNo = nextOrder();
    const shown = await h.alipay.precreate(
      {
        orderNo,
        merchantId: 'M100',
        terminalId: 'T1',
        amount: 990,
        currency: 'CNY',
        subject: 'Tea',
        expiresAtMs: h.clock.now() + 120_000,
      },
      wait(),
    );
    expect(shown).toMatchObject({
      outcome: 'created',
      qrContent: expect.stringMatching(/^https:\/\/qr\.alipay\.com\//) as unknown,
    });
    if (shown.outcome !== 'created') throw new Error('not created');
    // Alipay has no trade for a shown code until it is scanned.
    expect(await h.alipay.query(orderNo, wait())).toEqual({ state: 'not_found' });
    expect(await h.scan(shown.qrContent, 'alice')).toMatchObject({ outcome: 'paid', orderNo });
    await eventually(() => h.receiver.received.some((r) => r.read?.orderNo === orderNo));
    const note = h.receiver.received.find((r) => r.read?.orderNo === orderNo)?.read;
    expect(note).toMatchObject({
      wallet: 'alipay',
      paid: { amount: 990, payerId: buyerId('alipay', 'alice') },
    });
    expect(await h.alipay.query(orderNo, wait())).toMatchObject({
      state: 'paid',
      tradeNo: note?.paid.tradeNo,
    });
    expect(await h.alipay.close(orderNo, wait())).toEqual({ outcome: 'already_paid' });

    const unpaid = nextOrder();
    await h.alipay.precreate(
      {
        orderNo: unpaid,
        merchantId: 'M100',
        terminalId: 'T1',
        amount: 500,
        currency: 'CNY',
        subject: 'Tea',
        expiresAtMs: h.clock.now() + 120_000,
      },
      wait(),
    );
    expect(await h.alipay.close(unpaid, wait())).toEqual({ outcome: 'closed' });
    const ledger = await h.ledger();
    expect(
      ledger.notifications.filter((n) => n['orderNo'] === orderNo && n['acknowledged'] === true),
    ).toHaveLength(1);
    expect(chargesOf(ledger, unpaid)).toBe(0);
  });

  it('refuses a currency Alipay does not take without calling it', async () => {
    const before = (await h.ledger()).calls['alipay.pay'] ?? 0;
    const answer = await h.alipay.pay(
      { ...payRequest(nextOrder(), '280000000000000000'), currency: 'USD' },
      wait(),
    );
    expect(answer).toMatchObject({ outcome: 'refused', refusal: 'other' });
    expect((await h.ledger()).calls['alipay.pay'] ?? 0).toBe(before);
  });
});

describe('Alipay adapter: refusals and bad codes', () => {
  it('refuses a code used before, an unknown code, an expired code, and a payer short of money', async () => {
    const code = await h.code('alipay', 'alice');
    await h.alipay.pay(payRequest(nextOrder(), code, 100), wait());
    expect(await h.alipay.pay(payRequest(nextOrder(), code, 100), wait())).toMatchObject({
      outcome: 'refused',
      refusal: 'code_invalid',
      message: expect.stringContaining('ACQ.PAYMENT_AUTH_CODE_INVALID') as unknown,
    });
    expect(await h.alipay.pay(payRequest(nextOrder(), '281234567890123456'), wait())).toMatchObject({
      refusal: 'code_invalid',
    });
    const old = await h.code('alipay', 'alice');
    h.clock.advance(61_000);
    expect(await h.alipay.pay(payRequest(nextOrder(), old), wait())).toMatchObject({
      refusal: 'code_invalid',
    });
    expect(
      await h.alipay.pay(payRequest(nextOrder(), await h.code('alipay', 'bob'), 5_000), wait()),
    ).toMatchObject({
      outcome: 'refused',
      refusal: 'insufficient_funds',
    });
  });

  it('a second pay under the same order number never charges twice, and shows the first amount', async () => {
    const orderNo = nextOrder();
    const first = await h.alipay.pay(payRequest(orderNo, await h.code('alipay', 'alice'), 1000), wait());
    const same = await h.alipay.pay(payRequest(orderNo, await h.code('alipay', 'alice'), 1000), wait());
    expect(same).toEqual(first);
    // Another amount under the same number: Alipay says the data differs; the order's own state
    // answers, and the amount the wallet charged (1000) differs from the one asked (1200).
    const other = await h.alipay.pay(payRequest(orderNo, await h.code('alipay', 'alice'), 1200), wait());
    expect(other).toMatchObject({ outcome: 'paid', amount: 1000 });
    expect(chargesOf(await h.ledger(), orderNo)).toBe(1);
  });
});

describe('Alipay adapter: faults', () => {
  it('a lost answer is unknown; the query finds the charge, and a retry with a fresh code does not charge again', async () => {
    h.sim.setFaults({ lostAnswerRate: 1, faultMethods: ['pay'] });
    const orderNo = nextOrder();
    const lost = await h.alipay.pay(
      payRequest(orderNo, await h.code('alipay', 'alice')),
      AbortSignal.timeout(300),
    );
    expect(lost).toMatchObject({
      outcome: 'unknown',
      reason: expect.stringContaining('stopped waiting') as unknown,
    });
    h.sim.setFaults(noWalletFaults);
    expect(await h.alipay.query(orderNo, wait())).toMatchObject({ state: 'paid' });
    expect(await h.alipay.pay(payRequest(orderNo, await h.code('alipay', 'alice')), wait())).toMatchObject({
      outcome: 'paid',
    });
    expect(chargesOf(await h.ledger(), orderNo)).toBe(1);
  });

  it('"user paying" polls to paid once the customer confirms', async () => {
    h.sim.setFaults({ userPayingRate: 1, confirmAfterMs: 300 });
    const orderNo = nextOrder();
    expect(await h.alipay.pay(payRequest(orderNo, await h.code('alipay', 'alice')), wait())).toEqual({
      outcome: 'user_paying',
    });
    expect(await h.alipay.query(orderNo, wait())).toEqual({ state: 'user_paying' });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await h.alipay.query(orderNo, wait())).toMatchObject({ state: 'paid' });
    expect(chargesOf(await h.ledger(), orderNo)).toBe(1);
  });

  it('"user paying" that never confirms is cancelled with nothing charged', async () => {
    h.sim.setFaults({ userPayingRate: 1, confirmAfterMs: null });
    const orderNo = nextOrder();
    expect(await h.alipay.pay(payRequest(orderNo, await h.code('alipay', 'alice')), wait())).toEqual({
      outcome: 'user_paying',
    });
    expect(await h.alipay.cancel(orderNo, wait())).toEqual({ outcome: 'cancelled', refunded: false });
    expect(await h.alipay.query(orderNo, wait())).toEqual({ state: 'closed' });
    expect(chargesOf(await h.ledger(), orderNo)).toBe(0);
  });

  it('a system error is unknown whether or not it was applied; the query tells which', async () => {
    h.sim.setFaults({ systemErrorRate: 1, systemErrorAppliedShare: 1, faultMethods: ['pay'] });
    const applied = nextOrder();
    expect(await h.alipay.pay(payRequest(applied, await h.code('alipay', 'alice')), wait())).toMatchObject({
      outcome: 'unknown',
      reason: expect.stringContaining('ACQ.SYSTEM_ERROR') as unknown,
    });
    h.sim.setFaults({ systemErrorRate: 1, systemErrorAppliedShare: 0, faultMethods: ['pay'] });
    const notApplied = nextOrder();
    expect(await h.alipay.pay(payRequest(notApplied, await h.code('alipay', 'alice')), wait())).toMatchObject(
      {
        outcome: 'unknown',
        reason: expect.stringContaining('20000') as unknown,
      },
    );
    expect(await h.alipay.query(applied, wait())).toMatchObject({ state: 'paid' });
    expect(await h.alipay.query(notApplied, wait())).toEqual({ state: 'not_found' });
    const ledger = await h.ledger();
    expect([chargesOf(ledger, applied), chargesOf(ledger, notApplied)]).toEqual([1, 0]);
  });

  it('a code the wallet says was used is refused', async () => {
    h.sim.setFaults({ codeUsedRate: 1 });
    const orderNo = nextOrder();
    expect(await h.alipay.pay(payRequest(orderNo, await h.code('alipay', 'alice')), wait())).toMatchObject({
      outcome: 'refused',
      refusal: 'code_invalid',
      message: expect.stringContaining('已使用') as unknown,
    });
    expect(chargesOf(await h.ledger(), orderNo)).toBe(0);
  });

  it('a refund whose answer is lost is unknown; its query finds it made, and sending it again refunds nothing more', async () => {
    const orderNo = nextOrder();
    await h.alipay.pay(payRequest(orderNo, await h.code('alipay', 'alice'), 800), wait());
    const refund = { orderNo, refundNo: `${orderNo}R1`, amount: 300, orderAmount: 800, reason: 'refund' };
    h.sim.setFaults({ lostAnswerRate: 1, faultMethods: ['refund'] });
    expect(await h.alipay.refund(refund, AbortSignal.timeout(300))).toMatchObject({ outcome: 'unknown' });
    h.sim.setFaults(noWalletFaults);
    expect(await h.alipay.queryRefund(refund, wait())).toEqual({ state: 'refunded' });
    expect(await h.alipay.refund(refund, wait())).toEqual({ outcome: 'accepted' });
    expect((await h.ledger()).refunds.filter((r) => r.orderNo === orderNo).map((r) => r.amount)).toEqual([
      300,
    ]);
  });

  it('a refund answered with a system error before it was made is found not made, and made once when sent again', async () => {
    const orderNo = nextOrder();
    await h.alipay.pay(payRequest(orderNo, await h.code('alipay', 'alice'), 800), wait());
    const refund = { orderNo, refundNo: `${orderNo}R1`, amount: 800, orderAmount: 800, reason: 'void' };
    h.sim.setFaults({ systemErrorRate: 1, systemErrorAppliedShare: 0, faultMethods: ['refund'] });
    expect(await h.alipay.refund(refund, wait())).toMatchObject({
      outcome: 'unknown',
      reason: expect.stringContaining('20000') as unknown,
    });
    h.sim.setFaults(noWalletFaults);
    expect(await h.alipay.queryRefund(refund, wait())).toEqual({ state: 'not_found' });
    expect(await h.alipay.refund(refund, wait())).toEqual({ outcome: 'refunded' });
    expect((await h.ledger()).refunds.filter((r) => r.orderNo === orderNo).map((r) => r.amount)).toEqual([
      800,
    ]);
  });

  it('a cancel answered "retry" is retried until it takes effect, refunding once', async () => {
    const orderNo = nextOrder();
    await h.alipay.pay(payRequest(orderNo, await h.code('alipay', 'alice'), 300), wait());
    h.sim.setFaults({ cancelRetries: 2 });
    expect(await h.alipay.cancel(orderNo, wait())).toMatchObject({ outcome: 'retry' });
    expect(await h.alipay.cancel(orderNo, wait())).toMatchObject({ outcome: 'retry' });
    expect(await h.alipay.cancel(orderNo, wait())).toEqual({ outcome: 'cancelled', refunded: true });
    expect(await h.alipay.cancel(orderNo, wait())).toEqual({ outcome: 'cancelled', refunded: true });
    expect((await h.ledger()).refunds.filter((r) => r.orderNo === orderNo)).toHaveLength(1);
  });

  it('latency slows an answer without changing it', async () => {
    h.sim.setFaults({ latencyMs: { min: 150, max: 150 } });
    const started = Date.now();
    expect(await h.alipay.query(nextOrder(), wait())).toEqual({ state: 'not_found' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('a duplicated notification reads twice as the same trade; the payer is charged once', async () => {
    h.sim.setFaults({ duplicateNotificationRate: 1 });
    const orderNo = nextOrder();
    const shown = await h.alipay.precreate(
      {
        orderNo,
        merchantId: 'M100',
        terminalId: 'T1',
        amount: 420,
        currency: 'CNY',
        subject: 'Tea',
        expiresAtMs: h.clock.now() + 120_000,
      },
      wait(),
    );
    if (shown.outcome !== 'created') throw new Error('not created');
    await h.scan(shown.qrContent, 'alice');
    await eventually(() => h.receiver.received.filter((r) => r.read?.orderNo === orderNo).length === 2);
    const reads = h.receiver.received
      .filter((r) => r.read?.orderNo === orderNo)
      .map((r) => r.read?.paid.tradeNo);
    expect(new Set(reads).size).toBe(1);
    expect(chargesOf(await h.ledger(), orderNo)).toBe(1);
  });

  it('a late notification arrives only after the order was queried', async () => {
    h.sim.setFaults({ lateNotificationRate: 1 });
    const orderNo = nextOrder();
    const shown = await h.alipay.precreate(
      {
        orderNo,
        merchantId: 'M100',
        terminalId: 'T1',
        amount: 430,
        currency: 'CNY',
        subject: 'Tea',
        expiresAtMs: h.clock.now() + 120_000,
      },
      wait(),
    );
    if (shown.outcome !== 'created') throw new Error('not created');
    await h.scan(shown.qrContent, 'alice');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.receiver.received.some((r) => r.read?.orderNo === orderNo)).toBe(false);
    expect((await h.ledger()).heldNotifications).toContain(`alipay:${orderNo}`);
    expect(await h.alipay.query(orderNo, wait())).toMatchObject({ state: 'paid' });
    await eventually(() => h.receiver.received.some((r) => r.read?.orderNo === orderNo));
  });
});

describe('Alipay adapter: signatures', () => {
  it('an answer altered on the way is unknown, even though the wallet charged', async () => {
    const proxy = await startTamperingProxy(h.sim.url, (answer) =>
      answer.replace('"total_amount":"12.80"', '"total_amount":"0.01"'),
    );
    const forged = new AlipayProvider({
      gatewayUrl: `${proxy.url}/gateway.do`,
      appId: '2021000000000001',
      merchantPrivateKey: new Secret(h.keys.merchant.privatePem),
      alipayPublicKey: h.keys.alipay.publicPem,
    });
    try {
      const orderNo = nextOrder();
      const answer = await forged.pay(payRequest(orderNo, await h.code('alipay', 'alice')), wait());
      expect(answer).toEqual({
        outcome: 'unknown',
        reason: "the answer's signature does not verify with Alipay's public key",
      });
      expect(chargesOf(await h.ledger(), orderNo)).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('an answer signed by someone else is unknown; an unsigned one too', async () => {
    const stranger = new AlipayProvider({
      gatewayUrl: h.sim.alipayGatewayUrl,
      appId: '2021000000000001',
      merchantPrivateKey: new Secret(h.keys.merchant.privatePem),
      alipayPublicKey: rsaPair().publicPem,
    });
    expect(await stranger.query(nextOrder(), wait())).toMatchObject({
      state: 'unknown',
      reason: expect.stringContaining('does not verify') as unknown,
    });
    const proxy = await startTamperingProxy(h.sim.url, (answer) => answer.replace(/,"sign":"[^"]*"/, ''));
    const unsigned = new AlipayProvider({
      gatewayUrl: `${proxy.url}/gateway.do`,
      appId: '2021000000000001',
      merchantPrivateKey: new Secret(h.keys.merchant.privatePem),
      alipayPublicKey: h.keys.alipay.publicPem,
    });
    try {
      expect(await unsigned.query(nextOrder(), wait())).toEqual({
        state: 'unknown',
        reason: 'the answer is not signed',
      });
    } finally {
      await proxy.close();
    }
  });

  it('a request signed with the wrong merchant key is refused by the wallet and charges nobody', async () => {
    const impostor = new AlipayProvider({
      gatewayUrl: h.sim.alipayGatewayUrl,
      appId: '2021000000000001',
      merchantPrivateKey: new Secret(rsaPair().privatePem),
      alipayPublicKey: h.keys.alipay.publicPem,
    });
    const orderNo = nextOrder();
    expect(await impostor.pay(payRequest(orderNo, await h.code('alipay', 'alice')), wait())).toMatchObject({
      outcome: 'refused',
      refusal: 'other',
      message: expect.stringContaining('isv.invalid-signature') as unknown,
    });
    expect(chargesOf(await h.ledger(), orderNo)).toBe(0);
  });
});

describe('Alipay adapter: notifications read directly', () => {
  const signedBy = (
    privatePem: string,
    facts: Partial<Parameters<typeof alipayNotificationBody>[1]> = {},
  ): Buffer =>
    Buffer.from(
      alipayNotificationBody(
        { appId: '2021000000000001', alipayPrivateKey: readPrivateKey('test', privatePem) },
        {
          orderNo: 'NEVER-SENT-1',
          tradeNo: '2024050122000000000000000001',
          buyerId: '2088000000000001',
          amount: 1500,
          paidAtMs: Date.UTC(2024, 4, 1, 4, 0, 0),
          subject: 'x',
          ...facts,
        },
        'n1',
        Date.UTC(2024, 4, 1, 4, 0, 1),
      ),
    );
  const form = 'application/x-www-form-urlencoded; charset=utf-8';

  it('reads a notification for an order it never sent as it is: the host decides what it means', () => {
    const read = h.alipay.readNotification({ body: signedBy(h.keys.alipay.privatePem), contentType: form });
    expect(read).toEqual({
      wallet: 'alipay',
      orderNo: 'NEVER-SENT-1',
      paid: {
        tradeNo: '2024050122000000000000000001',
        payerId: '2088000000000001',
        amount: 1500,
        paidAtMs: Date.UTC(2024, 4, 1, 4, 0, 0),
      },
    });
  });

  it('refuses a forged notification, a tampered one, one for another app, and one in another format', () => {
    const attempts: Array<[Buffer, string]> = [
      [signedBy(rsaPair().privatePem), 'does not verify'],
      [
        Buffer.from(
          signedBy(h.keys.alipay.privatePem).toString().replace('total_amount=15.00', 'total_amount=0.15'),
        ),
        'does not verify',
      ],
      [
        Buffer.from(
          signedBy(h.keys.alipay.privatePem)
            .toString()
            .replace(/&sign=[^&]*/, ''),
        ),
        'not signed',
      ],
    ];
    for (const [body, why] of attempts) {
      expect(() => h.alipay.readNotification({ body, contentType: form })).toThrow(why);
    }
    const otherApp = Buffer.from(
      alipayNotificationBody(
        { appId: '2021000000000999', alipayPrivateKey: readPrivateKey('test', h.keys.alipay.privatePem) },
        { orderNo: 'X', tradeNo: '1', buyerId: '2088000000000001', amount: 1, paidAtMs: 0, subject: 'x' },
        'n',
        0,
      ),
    );
    expect(() => h.alipay.readNotification({ body: otherApp, contentType: form })).toThrow('another app_id');
    expect(() =>
      h.alipay.readNotification({
        body: signedBy(h.keys.alipay.privatePem),
        contentType: 'application/json',
      }),
    ).toThrow(PosError);
    try {
      h.alipay.readNotification({ body: signedBy(rsaPair().privatePem), contentType: form });
    } catch (error) {
      expect((error as PosError).code).toBe('POS_ERR_WALLET_NOTIFICATION_INVALID');
    }
  });

  it('a verified notification of a closed trade is not a payment', () => {
    let caught: unknown;
    try {
      h.alipay.readNotification({
        body: signedBy(h.keys.alipay.privatePem, { status: 'TRADE_CLOSED' }),
        contentType: form,
      });
    } catch (error) {
      caught = error;
    }
    expect((caught as PosError).code).toBe('POS_ERR_WALLET_NOTIFICATION_NOT_A_PAYMENT');
  });
});
