// Codes the terminal shows (QR orders) through the real engine against the scripted wallet: the
// order, its payment by notification or by query, expiry, one open order per terminal, payments
// that arrive for closed orders, repeated and out-of-order notifications, the wrong amount. Every
// test ends on the wallet's ledger: exactly one charge kept, or none (every other refunded).
import { describe, expect, it } from 'vitest';
import { verifyStore } from '../audit/verify-store.js';
import { readPaymentCode } from './payment-code.js';
import { toPaymentView } from './payment-view.js';
import type { DuplicatePolicy, PaymentView } from './payment.js';
import { orderNoFor, refundNoFor } from './qr-order.js';
import type { QrOrderCommand } from './qr-order-create.js';
import { shownExpiryGraceMs } from './qr-order-close.js';
import {
  fingerprintKey,
  makeHarness,
  merchantId,
  terminalId,
  viewOf,
} from './test-support/engine-harness.js';
import { ScriptedShownWallet } from './test-support/scripted-shown-wallet.js';

async function orderHarness(options: { payableAfterClose?: boolean; policy?: DuplicatePolicy } = {}) {
  let wallet: ScriptedShownWallet | undefined;
  const h = await makeHarness({
    ...(options.policy === undefined ? {} : { policy: options.policy }),
    settings: { reversalBaseDelayMs: 1000 },
    wallets: (clock) => ({
      alipay: (wallet = new ScriptedShownWallet({
        clock,
        wallet: 'alipay',
        payableAfterClose: options.payableAfterClose ?? false,
      })),
    }),
  });
  if (wallet === undefined) throw new Error('the harness built no wallet');
  const w = wallet;
  let keySeq = 0;
  const command = (overrides: Partial<QrOrderCommand> = {}): QrOrderCommand => ({
    merchantId,
    terminalId,
    idempotencyKey: `order-${(keySeq += 1)}`,
    amount: 1280,
    currency: 'CNY',
    wallet: 'alipay',
    operatorId: '01',
    reference: null,
    confirmDuplicate: false,
    ...overrides,
  });
  const create = async (c: QrOrderCommand): Promise<PaymentView> =>
    viewOf(await h.drive(h.engine.createQrOrder(c)));
  const read = (id: string) => h.drive(h.engine.readQrOrder(merchantId, id));
  const notify = (raw: { body: Buffer; contentType: string }) =>
    h.drive(h.engine.takeWalletNotification('alipay', raw));
  /** The customer pays the order's code now; the notification the wallet would post. */
  const pay = (c: QrOrderCommand, how: { amount?: number; payerId?: string } = {}) => {
    const raw = w.customerPays(orderNoFor(merchantId, c.idempotencyKey), { ...how, nowMs: h.clock.now() });
    if (raw === 'refused') throw new Error('the wallet refused the payment');
    return raw;
  };
  const drainAll = async (): Promise<void> => {
    for (let round = 0; round < 50; round += 1) {
      await h.drive(h.engine.drainReversals());
      const due = await h.store.read((r) => r.nextReversalDueAt());
      if (due === null) return;
      if (due > h.clock.now()) await h.clock.advanceTo(due);
    }
    throw new Error('the reversal queue did not empty');
  };
  const events = async (paymentId: string): Promise<string[]> => {
    const rows = [];
    for (let chain = 0; chain < 16; chain += 1)
      rows.push(...(await h.store.read((r) => r.readJournal(chain, 0, 1000))));
    return rows.filter((row) => row.paymentId === paymentId).map((row) => row.event);
  };
  const exceptions = () => h.engine.listDuplicates({ merchantId, limit: 100 });
  return { h, wallet: w, command, create, read, notify, pay, drainAll, events, exceptions };
}

describe('a QR order (a code the terminal shows)', () => {
  it('answers the code to show and its expiry, and is approved by the notification of its payment', async () => {
    const { h, wallet, command, create, read, notify, pay, events } = await orderHarness();
    const c = command();
    const created = await create(c);
    const orderNo = orderNoFor(merchantId, c.idempotencyKey);
    expect(created).toMatchObject({
      status: 'pending',
      responseCode: null,
      qr: {
        wallet: 'alipay',
        codeMasked: null,
        shown: { qrContent: `https://scripted.invalid/qr/${orderNo}`, expiresAt: h.clock.now() + 120_000 },
      },
    });
    expect(wallet.shownCalls.precreate).toEqual([orderNo]);
    expect(await notify(pay(c))).toMatchObject({ effect: 'approved', paymentId: created.id });
    const order = await read(created.id);
    expect(order).toMatchObject({ status: 'approved', responseCode: '00' });
    expect(order.qr?.tradeNo).toMatch(/^TR/);
    // Paid: the code is no longer shown.
    expect(toPaymentView(order).qr?.shown).toEqual({ qrContent: null, expiresAt: h.clock.now() + 120_000 });
    expect(await events(created.id)).toEqual(['payment.created', 'wallet.code_created', 'wallet.paid']);
    expect(wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('is approved by a query when the notification never comes, asking the wallet at most once per interval', async () => {
    const { h, wallet, command, create, read, pay } = await orderHarness();
    const c = command();
    const created = await create(c);
    expect(await read(created.id)).toMatchObject({ status: 'pending' });
    expect(await read(created.id)).toMatchObject({ status: 'pending' });
    expect(wallet.calls.query).toHaveLength(1);
    pay(c); // its notification is lost
    expect(await read(created.id)).toMatchObject({ status: 'pending' });
    expect(wallet.calls.query).toHaveLength(1);
    await h.clock.advance(5_000);
    expect(await read(created.id)).toMatchObject({ status: 'approved' });
    expect(wallet.calls.query).toHaveLength(2);
    expect(wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('closes an order unpaid at its expiry through the queue, which finishes once the code has expired', async () => {
    const { h, wallet, command, create, drainAll, events } = await orderHarness();
    const created = await create(command());
    await h.clock.advance(119_000);
    expect(await h.drive(h.engine.expireShownOrders())).toBe(0);
    await h.clock.advance(1_000);
    expect(await h.drive(h.engine.expireShownOrders())).toBe(1);
    expect(await h.engine.getPayment(merchantId, created.id)).toMatchObject({
      status: 'reversal_pending',
      reversalReason: 'timeout',
    });
    const expiredAt = h.clock.now();
    await drainAll();
    const order = await h.engine.getPayment(merchantId, created.id);
    expect(order.status).toBe('reversed');
    // Closed at once, and again after the grace, when the code can no longer be paid anywhere.
    expect(wallet.shownCalls.close).toHaveLength(2);
    expect(h.clock.now()).toBeGreaterThanOrEqual(expiredAt + shownExpiryGraceMs);
    expect(await events(created.id)).toEqual([
      'payment.created',
      'wallet.code_created',
      'reversal.queued',
      'wallet.close_asked',
      'wallet.close_asked',
      'wallet.order_closed',
    ]);
    expect(wallet.shownLedger()).toMatchObject({ charges: 0, refunds: 0 });
  });

  it('approves a payment made in time that the expiry finds by its query, and closes nothing', async () => {
    const { h, wallet, command, create, pay } = await orderHarness();
    const c = command();
    const created = await create(c);
    await h.clock.advance(100_000);
    pay(c); // notification lost
    await h.clock.advance(20_000);
    await h.drive(h.engine.expireShownOrders());
    expect(await h.engine.getPayment(merchantId, created.id)).toMatchObject({ status: 'approved' });
    expect(wallet.shownCalls.close).toEqual([]);
    expect(wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('closes the open order of the terminal before making a new one', async () => {
    const { h, wallet, command, create, drainAll } = await orderHarness();
    const first = await create(command());
    const second = await create(command({ amount: 1500 }));
    expect(second).toMatchObject({ status: 'pending', amount: 1500 });
    expect(await h.engine.getPayment(merchantId, first.id)).toMatchObject({ status: 'reversal_pending' });
    await drainAll();
    expect(await h.engine.getPayment(merchantId, first.id)).toMatchObject({ status: 'reversed' });
    expect(await h.engine.getPayment(merchantId, second.id)).toMatchObject({ status: 'pending' });
    expect(wallet.shownLedger()).toMatchObject({ charges: 0, refunds: 0 });
  });

  it('refuses a new order when the customer paid the old code, and approves the old one: never paid twice', async () => {
    const { h, wallet, command, create, pay } = await orderHarness();
    const old = command();
    const first = await create(old);
    pay(old); // paid, the notification not here yet
    const next = command();
    await expect(h.drive(h.engine.createQrOrder(next))).rejects.toMatchObject({
      code: 'POS_ERR_QR_ORDER_EARLIER_PAID',
      details: {
        paymentId: first.id,
        cashierMessage: {
          zh: expect.stringContaining('已付款') as unknown,
          en: expect.stringContaining('previous code') as unknown,
        },
      },
    });
    expect(await h.engine.getPayment(merchantId, first.id)).toMatchObject({ status: 'approved' });
    expect(await h.engine.paymentOfKey(merchantId, next.idempotencyKey)).toBeUndefined();
    expect(wallet.shownCalls.precreate).toHaveLength(1);
    // The key stayed free: the same request, sent again, makes its code now that nothing is open.
    expect(await create(next)).toMatchObject({ status: 'pending' });
    expect(wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('refuses a new order while the old one cannot be confirmed closed, and leaves the old one open', async () => {
    const { h, wallet, command, create } = await orderHarness();
    const first = await create(command());
    wallet.nextShown({ close: [{ do: 'unknown' }] });
    const next = command();
    await expect(h.drive(h.engine.createQrOrder(next))).rejects.toMatchObject({
      code: 'POS_ERR_QR_ORDER_UNRESOLVED',
      details: {
        cashierMessage: {
          zh: expect.stringContaining('尚未确认关闭') as unknown,
          en: expect.stringContaining('not confirmed closed') as unknown,
        },
      },
    });
    expect(await h.engine.getPayment(merchantId, first.id)).toMatchObject({ status: 'pending' });
    expect(await h.engine.paymentOfKey(merchantId, next.idempotencyKey)).toBeUndefined();
    expect(await create(next)).toMatchObject({ status: 'pending' });
    expect(await h.engine.getPayment(merchantId, first.id)).toMatchObject({ status: 'reversal_pending' });
  });

  it('answers a retransmission with its own order, never closing it as the old one', async () => {
    const { h, wallet, command, create } = await orderHarness();
    const c = command();
    const first = await create(c);
    const again = await h.drive(h.engine.createQrOrder(c));
    expect(again).toMatchObject({ kind: 'answered', replayed: true });
    expect(viewOf(again)).toEqual(first);
    expect(wallet.shownCalls.close).toEqual([]);
    expect(await h.engine.getPayment(merchantId, first.id)).toMatchObject({ status: 'pending' });
    const other = await h.drive(h.engine.createQrOrder({ ...c, amount: 1 }));
    expect(other).toEqual({ kind: 'key_reused', operation: 'sale' });
  });

  it('refunds and reports a payment that arrives after the cashier cancelled the order (a code still payable)', async () => {
    const { h, wallet, command, create, notify, pay, drainAll, events, exceptions } = await orderHarness({
      payableAfterClose: true,
    });
    const c = command();
    const created = await create(c);
    expect(await h.drive(h.engine.cancelQrOrder(merchantId, created.id))).toMatchObject({
      status: 'reversal_pending',
    });
    const raw = pay(c); // the customer scans the closed code anyway; the wallet takes it
    expect(await notify(raw)).toMatchObject({ effect: 'paid_after_close' });
    expect(await notify(raw)).toMatchObject({ effect: 'already_known' });
    expect(await exceptions()).toMatchObject([
      {
        kind: 'qr_paid_after_close',
        paymentId: created.id,
        resolution: 'found_after_the_fact',
        amount: 1280,
      },
    ]);
    await drainAll();
    const order = await h.engine.getPayment(merchantId, created.id);
    expect(order.status).toBe('reversed');
    expect(toPaymentView(order).message).toContain('refunded');
    expect(wallet.shownCalls.refund).toEqual([refundNoFor(order.qr?.orderNo ?? '')]);
    expect(await events(created.id)).toEqual(
      expect.arrayContaining(['wallet.paid_after_close', 'wallet.refund_asked', 'wallet.refunded']),
    );
    expect(wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 1, netCharges: 0 });
  });

  it('refunds a payment after the close that no notification told of, found by the last close after the expiry', async () => {
    const { h, wallet, command, create, pay, drainAll, exceptions } = await orderHarness({
      payableAfterClose: true,
    });
    const c = command();
    const created = await create(c);
    await h.drive(h.engine.cancelQrOrder(merchantId, created.id));
    await h.drive(h.engine.drainReversals()); // closed; the queue waits for the expiry
    expect((await h.engine.getPayment(merchantId, created.id)).status).toBe('reversal_pending');
    pay(c); // notification lost
    await drainAll();
    expect(await h.engine.getPayment(merchantId, created.id)).toMatchObject({ status: 'reversed' });
    expect(await exceptions()).toMatchObject([{ kind: 'qr_paid_after_close' }]);
    expect(wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 1, netCharges: 0 });
  });

  it('retries a refund the wallet does not answer, and refunds once under one refund number', async () => {
    const { h, wallet, command, create, pay, notify, drainAll } = await orderHarness({
      payableAfterClose: true,
    });
    const c = command();
    const created = await create(c);
    await h.drive(h.engine.cancelQrOrder(merchantId, created.id));
    wallet.nextShown({ refund: [{ do: 'unknown' }, { do: 'unknown' }] });
    await notify(pay(c));
    await drainAll();
    expect(new Set(wallet.shownCalls.refund).size).toBe(1);
    expect(wallet.shownCalls.refund).toHaveLength(3);
    expect(await h.engine.getPayment(merchantId, created.id)).toMatchObject({ status: 'reversed' });
    expect(wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 1 });
  });

  it('finishes when a refund was made but its answer lost: the next attempt finds the order refunded', async () => {
    const { h, wallet, command, create, pay, notify, drainAll, events } = await orderHarness({
      payableAfterClose: true,
    });
    const c = command();
    const created = await create(c);
    await h.drive(h.engine.cancelQrOrder(merchantId, created.id));
    wallet.nextShown({ refund: [{ do: 'refund_unanswered' }] });
    await notify(pay(c));
    await drainAll();
    expect(await h.engine.getPayment(merchantId, created.id)).toMatchObject({ status: 'reversed' });
    expect(wallet.shownCalls.refund).toHaveLength(1);
    expect((await events(created.id)).filter((e) => e === 'wallet.refunded')).toHaveLength(1);
    expect(wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 1, netCharges: 0 });
  });

  it('takes notifications in any order with queries: a query first, a repeat, a closed-trade notice', async () => {
    const { wallet, command, create, read, notify, pay, events } = await orderHarness();
    const c = command();
    const created = await create(c);
    const raw = pay(c);
    expect(await read(created.id)).toMatchObject({ status: 'approved' }); // learnt by query first
    expect(await notify(raw)).toMatchObject({ effect: 'already_known' });
    expect(await notify(raw)).toMatchObject({ effect: 'already_known' });
    const orderNo = orderNoFor(merchantId, c.idempotencyKey);
    expect(await notify(wallet.closedNotification(orderNo))).toMatchObject({ effect: 'not_a_payment' });
    expect(await events(created.id)).toEqual(['payment.created', 'wallet.code_created', 'wallet.paid']);
    expect(wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('refuses a forged notification and one for an order it does not know, storing nothing', async () => {
    const { h, wallet, command, create, notify, pay, events } = await orderHarness();
    const c = command();
    const created = await create(c);
    pay(c);
    const orderNo = orderNoFor(merchantId, c.idempotencyKey);
    const forged = wallet.notificationOf(orderNo, true);
    if (forged === undefined) throw new Error('no notification');
    await expect(notify(forged)).rejects.toMatchObject({ code: 'POS_ERR_WALLET_NOTIFICATION_INVALID' });
    const stranger = new ScriptedShownWallet({ clock: h.clock, wallet: 'alipay' });
    await stranger.precreate({
      orderNo: 'PG000000000000000000000000000000',
      merchantId,
      terminalId,
      amount: 5,
      currency: 'CNY',
      subject: 'x',
      expiresAtMs: h.clock.now() + 1000,
    });
    const unknown = stranger.customerPays('PG000000000000000000000000000000', { nowMs: h.clock.now() });
    if (unknown === 'refused') throw new Error('refused');
    await expect(notify(unknown)).rejects.toMatchObject({
      code: 'POS_ERR_WALLET_NOTIFICATION_UNKNOWN_ORDER',
    });
    expect(await events(created.id)).not.toContain('wallet.paid');
  });

  it('does not approve a payment of another amount: it is refunded and reported', async () => {
    const { h, wallet, command, create, notify, pay, drainAll, exceptions } = await orderHarness();
    const c = command();
    const created = await create(c);
    expect(await notify(pay(c, { amount: 128 }))).toMatchObject({ effect: 'amount_mismatch' });
    expect(await h.engine.getPayment(merchantId, created.id)).toMatchObject({
      status: 'reversal_pending',
      responseCode: '13',
    });
    expect(await exceptions()).toMatchObject([{ kind: 'qr_amount_mismatch', amount: 128 }]);
    await drainAll();
    expect(await h.engine.getPayment(merchantId, created.id)).toMatchObject({ status: 'reversed' });
    expect(wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 1, netCharges: 0 });
  });

  it('holds the same customer paying the same amount again within the window, and refunds it', async () => {
    const { h, wallet, command, create, notify, pay, drainAll } = await orderHarness({ policy: 'confirm' });
    const a = command();
    await create(a);
    await notify(pay(a, { payerId: 'alice' }));
    const b = command();
    const second = await create(b);
    expect(await notify(pay(b, { payerId: 'alice' }))).toMatchObject({ effect: 'held_duplicate' });
    await drainAll();
    expect(await h.engine.getPayment(merchantId, second.id)).toMatchObject({ status: 'duplicate_suspected' });
    expect(wallet.shownLedger()).toMatchObject({ charges: 2, refunds: 1, netCharges: 1 });
    // With the cashier's confirmation it is a sale.
    const c = command({ confirmDuplicate: true });
    const third = await create(c);
    expect(await notify(pay(c, { payerId: 'alice' }))).toMatchObject({ effect: 'approved' });
    expect(await h.engine.getPayment(merchantId, third.id)).toMatchObject({ duplicateConfirmed: true });
  });

  it('declines an order the wallet refuses to make, and closes one whose precreate is unknown', async () => {
    const { h, wallet, command, create, drainAll } = await orderHarness();
    wallet.nextShown({ precreate: [{ do: 'refuse' }] });
    expect(await create(command())).toMatchObject({
      status: 'declined',
      responseCode: '05',
      qr: { shown: { qrContent: null } },
    });
    wallet.nextShown({ precreate: [{ do: 'unknown' }] });
    const unknown = await create(command());
    expect(unknown).toMatchObject({ status: 'reversal_pending', qr: { shown: { qrContent: null } } });
    await drainAll();
    expect(await h.engine.getPayment(merchantId, unknown.id)).toMatchObject({ status: 'reversed' });
    expect(wallet.shownLedger()).toMatchObject({ charges: 0 });
  });

  it('is no orphan for crash recovery while it waits for its customer, and blocks a scanned code meanwhile', async () => {
    const { h, command, create } = await orderHarness();
    const created = await create(command());
    await h.clock.advance(90_000);
    expect(await h.drive(h.engine.recoverOrphans())).toBe(0);
    expect(await h.engine.getPayment(merchantId, created.id)).toMatchObject({ status: 'pending' });
    const scan = h.engine.authorizeQrSale({
      merchantId,
      terminalId,
      idempotencyKey: 'scan-1',
      amount: 1280,
      currency: 'CNY',
      code: readPaymentCode({ code: '281234567890123456', fingerprintKey }),
      operatorId: null,
      confirmDuplicate: false,
      reference: null,
      channel: 'http',
      stan: null,
      batchNo: null,
    });
    await expect(h.drive(scan)).rejects.toMatchObject({ code: 'POS_ERR_QR_SALE_UNRESOLVED' });
  });

  it('keeps the store consistent for posguard verify: an open code is no orphan until it expires', async () => {
    const { h, command, create, notify, pay, drainAll } = await orderHarness({ payableAfterClose: true });
    const paidLate = command();
    const late = await create(paidLate);
    await h.drive(h.engine.cancelQrOrder(merchantId, late.id));
    await notify(pay(paidLate));
    await drainAll();
    const open = await create(command());
    const verify = (now: number) => verifyStore(h.store, { now, pendingCutoffMs: 12_000 });
    expect(await verify(h.clock.now() + 100_000)).toMatchObject({ ok: true, breaches: [] });
    const expiresAt = open.qr?.shown?.expiresAt ?? 0;
    const stuck = await verify(expiresAt + 12_000 + 1);
    expect(stuck.breaches).toEqual([
      expect.objectContaining({ invariant: 'no_orphan_pending', paymentId: open.id }),
    ]);
  });

  it("reads another merchant's order, or a card payment, as not found", async () => {
    const { h, command, create } = await orderHarness();
    const created = await create(command());
    await expect(h.engine.readQrOrder('M9999', created.id)).rejects.toMatchObject({
      code: 'POS_ERR_QR_ORDER_NOT_FOUND',
    });
    const card = viewOf(await h.drive(h.engine.authorizeSale(h.sale({ terminalId: 'T0001' })))).id;
    await expect(h.engine.readQrOrder(merchantId, card)).rejects.toMatchObject({
      code: 'POS_ERR_QR_ORDER_NOT_FOUND',
    });
  });
});
