// Voids and refunds of QR sales. Both are a refund at the wallet, with the promise card refunds
// keep: the request's idempotency key names one refund number (qr-order.ts, `childRefundNoFor`),
// every call about the refund uses it, so a retry, the background worker or a host restarted after
// a crash never refunds twice; the wallet dedupes by the number. A void is a full refund: both
// wallets keep their cancel (Alipay trade.cancel, WeChat reverse) for a pay whose outcome is not
// known, and ask for their refund API for a paid order (docs/qr.md, "Voids and refunds of QR sales").
//  - The request (child-operation.ts stored the void or refund `pending` and queued its follow-up
//    in the durable queue, due after the refund window): the refund is sent and, while the wallet
//    has not settled it, asked about within the wallet's refund window (wallet-refund.ts).
//  - Settled: `approved` (the sale becomes voided, refunded or partially refunded) or `declined`
//    (nothing refunded), journaled, and the answer kept under the key.
//  - Not settled at the window's end: the void or refund stays `pending`, its key in flight (a
//    retry waits, then 409), and the queue's worker asks again later under the same number
//    (`followRefundInQueue`), never under another one. A refund the wallet has on its way
//    (processing) is followed without counting attempts, for at most `processingWatchMs`.
import { assert } from '../assert.js';
import { chainOf } from './ports/journal-store.js';
import type { ReversalRecord } from './ports/reversal-store.js';
import type { WalletRefundRequest } from './ports/wallet.js';
import type { PaymentResult } from './authorize-sale.js';
import { onChildApproved } from './child-effects.js';
import type { EngineContext } from './engine-context.js';
import { hostResponseCodes, type EngineAnswer, type PaymentRecord, type QrDetails } from './payment.js';
import { paymentAnswer } from './payment-view.js';
import { childRefundNoFor, qrResponseCodes } from './qr-order.js';
import type { QueueSteps } from './qr-order-close.js';
import { inTransaction, movePayment, type UnitOfWork } from './unit-of-work.js';
import {
  checkRefund,
  noteOn,
  refundTiming,
  refundWithinWindow,
  type RefundVerdict,
} from './wallet-refund.js';

export type QrPayment = PaymentRecord & { readonly qr: QrDetails };

/**
 * How often the worker asks again about a refund the wallet has on its way (WeChat PROCESSING),
 * without counting it as a failed attempt: WeChat advises querying a minute after the refund,
 * then less and less often; a refund to a bank card takes it one to three working days.
 */
export const processingRecheckMs = 10 * 60_000;

/** How long a processing refund is followed that way; after it, the queue's attempts count. */
export const processingWatchMs = 10 * 24 * 3_600_000;

/** True for a void or refund of a QR sale. */
export function isQrChild(payment: PaymentRecord | undefined): payment is QrPayment {
  return payment !== undefined && payment.kind !== 'sale' && payment.qr !== null;
}

/**
 * What a void or refund of a QR sale keeps of its sale: the wallet, the masked code, the order and
 * trade numbers every call names. No fingerprints: the duplicate guards look at sales only.
 */
export function qrChildDetails(sale: QrPayment): QrDetails {
  return {
    wallet: sale.qr.wallet,
    flow: 'scanned',
    codeMasked: sale.qr.codeMasked,
    codeFingerprint: null,
    orderNo: sale.qr.orderNo,
    tradeNo: sale.qr.tradeNo,
    payerFingerprint: null,
    qrContent: null,
    expiresAt: null,
  };
}

/** When the queue first looks at a void or refund: its request's window, and a grace, later. */
export function followUpAt(ctx: EngineContext, sale: QrPayment, now: number): number {
  const provider = ctx.wallets[sale.qr.wallet];
  const windowMs = provider === undefined ? 0 : refundTiming(provider).windowMs;
  return now + windowMs + ctx.settings.recoveryGraceMs;
}

/** The refund the wallet is asked for: the sale's order, this request's number and amount. */
function refundRequestOf(child: QrPayment, saleAmount: number): WalletRefundRequest {
  return {
    orderNo: child.qr.orderNo,
    refundNo: childRefundNoFor(child.merchantId, child.idempotencyKey),
    amount: child.amount,
    orderAmount: saleAmount,
    // What the customer reads in the wallet, in both languages (at most 80 bytes).
    reason: child.kind === 'void' ? '商户撤销交易，款项退回 / sale voided: refunded' : '商户退款 / refund',
  };
}

type PaymentAnswer = EngineAnswer & { kind: 'payment' };

/**
 * Records a settled verdict (approved or declined, the sale moved with it, the answer kept under
 * the key), or journals an unsettled one and answers the void or refund as it stands (pending).
 */
async function settleQrChild(
  ctx: EngineContext,
  work: UnitOfWork,
  child: QrPayment,
  refundNo: string,
  verdict: RefundVerdict,
): Promise<PaymentAnswer> {
  const { orderNo } = child.qr;
  if (verdict.kind === 'unsettled') {
    await work.tx.appendJournal({
      chain: chainOf(child.merchantId, child.terminalId),
      at: work.now,
      paymentId: child.id,
      event: 'wallet.refund_unsettled',
      fromStatus: child.status,
      toStatus: child.status,
      data: JSON.stringify({ refundNo, processing: verdict.processing, why: verdict.why }),
    });
    return paymentAnswer((await work.tx.lockPayment(child.id)) ?? child);
  }
  const moved =
    verdict.kind === 'refunded'
      ? await movePayment(
          ctx,
          work,
          child,
          { status: 'approved', responseCode: hostResponseCodes.approved },
          { name: 'wallet.refunded', data: { orderNo, refundNo, amount: child.amount } },
        )
      : await movePayment(
          ctx,
          work,
          child,
          { status: 'declined', responseCode: qrResponseCodes.refused },
          { name: 'wallet.refund_refused', data: { orderNo, refundNo, message: verdict.message } },
        );
  if (moved === undefined) {
    // Settled meanwhile (the worker and the request both asked): the first record stands.
    const current = await work.tx.lockPayment(child.id);
    const stored = (await work.tx.getRequest(child.merchantId, child.idempotencyKey))?.answer;
    return stored?.kind === 'payment' ? stored : paymentAnswer(current ?? child);
  }
  if (moved.status === 'approved') {
    const sale = await work.tx.lockPayment(child.originalId ?? '');
    assert(sale !== undefined, `the sale of ${child.kind} ${child.id} exists`);
    await onChildApproved(ctx, work, moved, sale);
  }
  const answer = paymentAnswer(moved);
  await work.tx.completeRequest(moved.merchantId, moved.idempotencyKey, answer);
  return answer;
}

/**
 * The request's part: the refund sent and followed within the wallet's refund window, then the
 * verdict recorded. A verdict not settled by then answers `pending` and leaves the key in flight.
 */
export async function refundQrChild(
  ctx: EngineContext,
  child: QrPayment,
  sale: QrPayment,
): Promise<PaymentResult> {
  const provider = ctx.wallets[child.qr.wallet];
  // child-operation.ts stores no void or refund of a wallet this host has no provider for.
  assert(provider !== undefined, `a ${child.qr.wallet} provider refunds ${child.id}`);
  const request = refundRequestOf(child, sale.amount);
  const windowEnd = child.createdAt + refundTiming(provider).windowMs;
  const verdict = await refundWithinWindow(ctx, provider, child, request, windowEnd);
  const answer = await inTransaction(ctx, (work) =>
    settleQrChild(ctx, work, child, request.refundNo, verdict),
  );
  return { kind: 'answered', answer, replayed: false };
}

/** Marks the queue's entry done and records the verdict, in one transaction, if the lease is still ours. */
async function settleFromQueue(
  ctx: EngineContext,
  reversal: ReversalRecord,
  child: QrPayment,
  refundNo: string,
  verdict: RefundVerdict,
): Promise<void> {
  await inTransaction(ctx, async (work) => {
    const mine = await work.tx.updateReversal(reversal.paymentId, ctx.instanceId, {
      state: 'done',
      attempts: reversal.attempts + 1,
      nextAttemptAt: work.now,
      lastError: null,
      now: work.now,
    });
    if (!mine) return; // The lease expired and another host took it over.
    await settleQrChild(ctx, work, child, refundNo, verdict);
  });
}

/**
 * One attempt of the queue's worker at a void or refund of a QR sale: nothing to do once it is
 * settled; else the refund is asked about under its number, sent again if the wallet never got
 * it, and its verdict recorded. Unknown: retried with the queue's backoff (manual action once
 * the attempts are spent); processing: asked again later without counting an attempt.
 */
export async function followRefundInQueue(
  ctx: EngineContext,
  reversal: ReversalRecord,
  child: QrPayment,
  queue: QueueSteps,
): Promise<void> {
  if (child.status !== 'pending') {
    await queue.finish({ name: 'wallet.refund_followed', data: { status: child.status } });
    return;
  }
  const provider = ctx.wallets[child.qr.wallet];
  if (provider === undefined) {
    await queue.retryLater(`this host has no ${child.qr.wallet} provider to ask about refund ${child.id}`);
    return;
  }
  const sale = await ctx.store.read((reader) => reader.getPayment(child.originalId ?? ''));
  assert(sale !== undefined, `the sale of ${child.kind} ${child.id} exists`);
  const request = refundRequestOf(child, sale.amount);
  await noteOn(ctx, child, 'wallet.refund_checked', {
    refundNo: request.refundNo,
    attempt: reversal.attempts + 1,
  });
  const verdict = await checkRefund(ctx, provider, child, request, () => ctx.settings.upstreamTimeoutMs);
  if (verdict.kind !== 'unsettled') {
    await settleFromQueue(ctx, reversal, child, request.refundNo, verdict);
    return;
  }
  const now = ctx.clock.now();
  if (verdict.processing && now < child.createdAt + processingWatchMs) {
    await queue.waitUntil(now + processingRecheckMs, verdict.why);
    return;
  }
  await queue.retryLater(verdict.why, refundTiming(provider).intervalMs);
}
