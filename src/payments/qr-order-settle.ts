// What a code the terminal shows (a QR order, merchant-presented) becomes when the wallet says it
// was paid, and how an open one is closed. One rule keeps one sale one charge, whatever the order
// in which notifications, queries and closes arrive: while the order is `pending` (the terminal
// may still be showing the code and has not been told otherwise), a payment the host learns of is
// the sale's, settled as a scanned code's is (amount, duplicate guard). Once the order has left
// `pending` (expired, cancelled by the cashier, replaced by a new order), the terminal has been
// told it is not paid, so a payment that still arrives is refunded through the reversal queue and
// reported: journaled, and listed as an exception the dashboard and reconciliation read.
import { chainOf } from './ports/journal-store.js';
import { assert } from '../assert.js';
import type { WalletPaid } from './ports/wallet.js';
import type { EngineContext } from './engine-context.js';
import type { PaymentRecord, QrDetails, ReversalReason } from './payment.js';
import { payerFingerprint } from './payment-code.js';
import { paymentAnswer } from './payment-view.js';
import { settlePaid } from './qr-settle.js';
import { inTransaction, movePayment, type UnitOfWork } from './unit-of-work.js';
import { callWallet } from './wallet-call.js';

/** A QR order: a QR sale whose code the terminal showed. */
export type ShownOrder = PaymentRecord & { readonly qr: QrDetails };

export function isShownOrder(payment: PaymentRecord | undefined): payment is ShownOrder {
  return payment?.qr?.flow === 'shown';
}

/** Why an open order is closed; the journal says it, and the reversal reason follows from it. */
export type CloseCause = 'expired' | 'cancelled' | 'replaced' | 'not_created';

/** What a payment the wallet reported did to its order. */
export type PaidEffect =
  /** The order was open: approved. */
  | 'approved'
  /** The order was open, and the same payer paid the same amount moments ago: held and refunded. */
  | 'held_duplicate'
  /** The order was open and the wallet reports another amount: not approved, refunded. */
  | 'amount_mismatch'
  /** The order had been closed: the payment is refunded (or listed for a manual refund). */
  | 'paid_after_close'
  /** The same trade again (a repeated notification, a query after a notification): nothing to do. */
  | 'already_known';

/** An exception the dashboard (`GET /v1/duplicates`) and reconciliation list: idempotent by its id. */
async function reportException(
  ctx: EngineContext,
  work: UnitOfWork,
  order: ShownOrder,
  found: { readonly kind: string; readonly amount: number; readonly detail: string },
): Promise<void> {
  await work.tx.insertDuplicate({
    id: `dup_${found.kind}_${order.id}`,
    merchantId: order.merchantId,
    terminalId: order.terminalId,
    paymentId: order.id,
    duplicateOf: null,
    source: 'authorization',
    resolution: 'found_after_the_fact',
    amount: found.amount,
    operatorId: order.operatorId,
    confirmedPaymentId: null,
    kind: found.kind,
    cause: null,
    rrn: order.rrn,
    relatedRrn: null,
    detail: found.detail,
    detectedAt: work.now,
    resolvedAt: null,
  });
}

async function note(work: UnitOfWork, order: PaymentRecord, event: string, data: Record<string, unknown>) {
  await work.tx.appendJournal({
    chain: chainOf(order.merchantId, order.terminalId),
    at: work.now,
    paymentId: order.id,
    event,
    fromStatus: order.status,
    toStatus: order.status,
    data: JSON.stringify(data),
  });
}

function fingerprintOf(ctx: EngineContext, order: ShownOrder, paid: WalletPaid): string {
  const key = ctx.fingerprintKey;
  // The engine refuses wallets without the key (engine.ts), and no order is made without one.
  assert(key !== null, 'a host that takes QR orders has the fingerprint key');
  return payerFingerprint(order.qr.wallet, paid.payerId, key);
}

/**
 * A payment for an order no longer open. The first time the host hears of it (its trade is kept
 * only if none is), it is journaled and reported, and the order's queued close, which refunds a
 * paid order, is brought forward. An order closed for good (`reversed`, `declined`) cannot be paid
 * at a wallet that keeps its word (the queue finishes a close only once the code has expired):
 * such a payment is reported for a manual refund and logged as an error.
 */
async function paidAfterClose(
  ctx: EngineContext,
  work: UnitOfWork,
  order: ShownOrder,
  paid: WalletPaid,
): Promise<PaidEffect> {
  if (order.qr.tradeNo === paid.tradeNo) return 'already_known';
  const trade = { tradeNo: paid.tradeNo, payerFingerprint: fingerprintOf(ctx, order, paid) };
  const first = await work.tx.noteWalletTrade(order.id, trade, work.now);
  const queued = order.status === 'reversal_pending' || order.status === 'duplicate_suspected';
  await note(work, order, first ? 'wallet.paid_after_close' : 'wallet.second_trade', {
    tradeNo: paid.tradeNo,
    amount: paid.amount,
    refund: queued ? 'queued' : 'manual',
  });
  if (queued) {
    if (await work.tx.hastenReversal(order.id, work.now, work.now)) work.afterCommit(ctx.onReversalQueued);
  } else {
    work.afterCommit(() =>
      ctx.log.error(
        { paymentId: order.id, orderNo: order.qr.orderNo, status: order.status },
        'a wallet reports a payment for a QR order closed for good: refund it by hand',
      ),
    );
  }
  await reportException(ctx, work, order, {
    kind: first ? 'qr_paid_after_close' : 'qr_second_trade',
    amount: paid.amount,
    detail: queued
      ? `the customer paid order ${order.qr.orderNo} (trade ${paid.tradeNo}, ${paid.amount} fen) after its code was closed: the payment is refunded automatically through the reversal queue`
      : `a wallet reports trade ${paid.tradeNo} (${paid.amount} fen) for order ${order.qr.orderNo}, which is ${order.status}: needs a manual refund at the wallet`,
  });
  return 'paid_after_close';
}

/**
 * Records that the wallet says order `orderId` was paid, under the order's lock, whatever its
 * state: the one place notifications, queries and the queue's close agree on what a payment means.
 */
export async function settleShownPaid(
  ctx: EngineContext,
  work: UnitOfWork,
  orderId: string,
  paid: WalletPaid,
): Promise<{ readonly effect: PaidEffect; readonly order: ShownOrder }> {
  const current = await work.tx.lockPayment(orderId);
  assert(isShownOrder(current), `payment ${orderId} is a QR order`);
  if (current.status !== 'pending') {
    const effect = await paidAfterClose(ctx, work, current, paid);
    const order = await work.tx.lockPayment(orderId);
    assert(isShownOrder(order), `payment ${orderId} is a QR order`);
    return { effect, order };
  }
  // Under the order's lock, so the compare-and-set cannot lose.
  const moved = await settlePaid(ctx, work, current, paid, current.duplicateConfirmed);
  assert(moved !== undefined && isShownOrder(moved), `QR order ${orderId} moves under its lock`);
  if (moved.status === 'approved') return { effect: 'approved', order: moved };
  if (moved.status === 'duplicate_suspected') return { effect: 'held_duplicate', order: moved };
  await reportException(ctx, work, moved, {
    kind: 'qr_amount_mismatch',
    amount: paid.amount,
    detail: `the wallet reports ${paid.amount} fen paid for order ${moved.qr.orderNo} of ${moved.amount} fen (trade ${paid.tradeNo}): not approved; the payment is refunded through the reversal queue`,
  });
  work.afterCommit(() =>
    ctx.log.warn(
      { code: 'POS_ERR_WALLET_AMOUNT_MISMATCH', paymentId: moved.id, paidAmount: paid.amount },
      'a wallet reported another amount than the QR order: refunding it',
    ),
  );
  return { effect: 'amount_mismatch', order: moved };
}

/** The create request's answer, when the order leaves `pending` before its code was answered. */
async function completeIfInFlight(work: UnitOfWork, order: PaymentRecord): Promise<void> {
  const held = await work.tx.getRequest(order.merchantId, order.idempotencyKey);
  if (held?.state === 'in_flight') {
    await work.tx.completeRequest(order.merchantId, order.idempotencyKey, paymentAnswer(order));
  }
}

const reasonOf: Readonly<Record<CloseCause, ReversalReason>> = {
  expired: 'timeout',
  cancelled: 'other',
  replaced: 'other',
  not_created: 'timeout',
};

/**
 * Moves an open order to `reversal_pending` and queues its close, in this transaction: from now on
 * a payment for it is refunded. The queue owns the close (qr-order-close.ts).
 */
export async function queueShownClose(
  ctx: EngineContext,
  work: UnitOfWork,
  order: ShownOrder,
  cause: CloseCause,
  why: string,
): Promise<ShownOrder | undefined> {
  const reason = reasonOf[cause];
  const moved = await movePayment(
    ctx,
    work,
    order,
    { status: 'reversal_pending', reversalReason: reason },
    { name: 'reversal.queued', data: { reason, cause, why } },
  );
  if (moved === undefined || !isShownOrder(moved)) return undefined;
  await work.tx.enqueueReversal({
    paymentId: order.id,
    rrn: order.rrn ?? '',
    reason,
    nextAttemptAt: work.now,
    now: work.now,
  });
  work.afterCommit(ctx.onReversalQueued);
  await completeIfInFlight(work, moved);
  return moved;
}

/**
 * Closes an open order that expired or that the cashier cancelled. The wallet is asked first: a
 * payment made while the order was open is the sale's (approved), not one to refund. Any other
 * answer, an unknown one included, closes it; if the customer paid after all, the queue's close
 * finds it paid and refunds it. Returns the order as it now stands.
 */
export async function closeOpenShownOrder(
  ctx: EngineContext,
  order: ShownOrder,
  cause: 'expired' | 'cancelled',
): Promise<ShownOrder> {
  const provider = ctx.wallets[order.qr.wallet];
  if (provider !== undefined) {
    const asked = await callWallet(ctx, ctx.settings.upstreamTimeoutMs, (signal) =>
      provider.query(order.qr.orderNo, signal),
    );
    if (asked.kind === 'answer' && asked.answer.state === 'paid') {
      const paid = asked.answer;
      const settled = await inTransaction(ctx, (work) => settleShownPaid(ctx, work, order.id, paid));
      return settled.order;
    }
  }
  return inTransaction(ctx, async (work) => {
    const current = await work.tx.lockPayment(order.id);
    assert(isShownOrder(current), `payment ${order.id} is a QR order`);
    if (current.status !== 'pending') return current;
    const why = cause === 'expired' ? 'the code expired unpaid' : 'cancelled by the cashier';
    return (await queueShownClose(ctx, work, current, cause, why)) ?? current;
  });
}
