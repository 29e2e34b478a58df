// Recording what a wallet finally said about a QR sale, in one transaction with the answer kept
// under the sale's key. Paid: approved, once the amount is the sale's and the duplicate guard has
// seen the payer (known only now, after the charge, unlike a card's fingerprint). Refused or
// closed: declined, nothing was charged. Anything else (still unresolved at the window's end, the
// wrong amount, already refunded, a duplicate held) is cancelled by the durable reversal queue,
// whose worker calls the wallet's cancel: that closes an unpaid order and refunds a paid one.
import { chainOf } from './ports/journal-store.js';
import { assert } from '../assert.js';
import { payerFingerprint } from './payment-code.js';
import { PosError } from '../pos-error.js';
import type { PaymentPatch } from './ports/payment-store.js';
import type { WalletPaid } from './ports/wallet.js';
import { recordDuplicateDecision, requireMerchant } from './authorize-sale.js';
import { decideDuplicate } from './duplicate-guard.js';
import type { EngineContext } from './engine-context.js';
import {
  hostResponseCodes,
  type DuplicatePolicy,
  type EngineAnswer,
  type PaymentRecord,
  type QrDetails,
} from './payment.js';
import { paymentAnswer } from './payment-view.js';
import { qrResponseCodes, refusalResponseCode } from './qr-order.js';
import { movePayment, type UnitOfWork } from './unit-of-work.js';
import type { WalletVerdict } from './wallet-poll.js';

export type QrSale = PaymentRecord & { readonly qr: QrDetails };
type PaymentAnswer = EngineAnswer & { kind: 'payment' };

/** Moves the sale on and queues the wallet's cancel of its order, in this transaction. */
async function cancelAtWallet(
  ctx: EngineContext,
  work: UnitOfWork,
  sale: QrSale,
  patch: PaymentPatch & { readonly status: 'reversal_pending' | 'duplicate_suspected' },
  event: { name: string; data: Record<string, unknown> },
): Promise<PaymentRecord | undefined> {
  const moved = await movePayment(ctx, work, sale, patch, event);
  if (moved === undefined) return undefined;
  await work.tx.enqueueReversal({
    paymentId: sale.id,
    rrn: sale.rrn ?? '',
    reason: patch.reversalReason ?? 'other',
    nextAttemptAt: work.now,
    now: work.now,
  });
  work.afterCommit(ctx.onReversalQueued);
  return moved;
}

type WalletPaidPatch = NonNullable<PaymentPatch['walletPaid']>;

/**
 * A charge the duplicate guard holds (or blocks): the charge is made, so holding it means
 * cancelling it, which refunds the customer; the operator sees it as a suspected duplicate.
 */
async function holdPaidDuplicate(
  ctx: EngineContext,
  work: UnitOfWork,
  sale: QrSale,
  walletPaid: WalletPaidPatch,
  decision: { readonly action: 'hold' | 'block'; readonly duplicateOf: string },
  policy: DuplicatePolicy,
): Promise<PaymentRecord | undefined> {
  const held = await cancelAtWallet(
    ctx,
    work,
    sale,
    {
      status: 'duplicate_suspected',
      responseCode: hostResponseCodes.duplicateTransmission,
      reversalReason: 'other',
      walletPaid,
      duplicate: { duplicateOf: decision.duplicateOf, duplicateConfirmed: false, flaggedForReview: false },
    },
    {
      name: 'wallet.paid_duplicate_held',
      data: { tradeNo: walletPaid.tradeNo, duplicateOf: decision.duplicateOf, policy },
    },
  );
  if (held === undefined) return undefined;
  const hold = decision.action === 'hold';
  await work.tx.insertDuplicate({
    id: ctx.ids.next('dup'),
    merchantId: sale.merchantId,
    terminalId: sale.terminalId,
    paymentId: sale.id,
    duplicateOf: decision.duplicateOf,
    source: 'authorization',
    resolution: hold ? 'awaiting_confirmation' : 'blocked',
    amount: sale.amount,
    operatorId: sale.operatorId,
    confirmedPaymentId: null,
    kind: null,
    cause: null,
    rrn: sale.rrn,
    relatedRrn: null,
    detail: hold
      ? 'held after the wallet charged: same payer and amount on this terminal within the duplicate window; the charge is cancelled and refunded; rescan with confirmDuplicate to charge again'
      : "blocked by the merchant's duplicate policy after the wallet charged; the charge is cancelled and refunded",
    detectedAt: work.now,
    resolvedAt: hold ? null : work.now,
  });
  work.afterCommit(() => ctx.metrics.duplicatePrevented(hold ? 'suspect_held' : 'suspect_blocked'));
  return held;
}

/**
 * A pending QR sale the wallet says was paid: approved (the amount is the sale's and the duplicate
 * guard lets it through), held as a duplicate, or cancelled for the wrong amount. Undefined when
 * another request moved the sale first. Shown codes (qr-order-settle.ts) settle through it too.
 */
export async function settlePaid(
  ctx: EngineContext,
  work: UnitOfWork,
  sale: QrSale,
  paid: WalletPaid,
  confirmDuplicate: boolean,
): Promise<PaymentRecord | undefined> {
  const key = ctx.fingerprintKey;
  // The engine refuses wallets without the key (engine.ts), and qr-sale.ts sends nothing without one.
  assert(key !== null, 'a host that takes QR sales has the fingerprint key');
  const walletPaid = {
    tradeNo: paid.tradeNo,
    payerFingerprint: payerFingerprint(sale.qr.wallet, paid.payerId, key),
  };
  if (paid.amount !== sale.amount) {
    return cancelAtWallet(
      ctx,
      work,
      sale,
      {
        status: 'reversal_pending',
        responseCode: qrResponseCodes.amountMismatch,
        reversalReason: 'other',
        walletPaid,
      },
      { name: 'wallet.amount_mismatch', data: { tradeNo: paid.tradeNo, paidAmount: paid.amount } },
    );
  }
  const merchant = await requireMerchant(work.tx, sale.merchantId);
  const candidates =
    merchant.duplicatePolicy === 'off'
      ? []
      : await work.tx.findRecentPayerSales({
          merchantId: sale.merchantId,
          terminalId: sale.terminalId,
          payerFingerprint: walletPaid.payerFingerprint,
          amount: sale.amount,
          sinceMs: sale.createdAt - merchant.duplicateWindowS * 1000,
          statuses: ['approved'],
        });
  const decision = decideDuplicate({ policy: merchant.duplicatePolicy, candidates, confirmDuplicate });
  if (decision.action !== 'proceed') {
    return holdPaidDuplicate(ctx, work, sale, walletPaid, decision, merchant.duplicatePolicy);
  }
  const { duplicateOf, confirmed, flagged } = decision;
  const approved = await movePayment(
    ctx,
    work,
    sale,
    {
      status: 'approved',
      responseCode: hostResponseCodes.approved,
      walletPaid,
      duplicate: { duplicateOf, duplicateConfirmed: confirmed, flaggedForReview: flagged },
    },
    { name: 'wallet.paid', data: { tradeNo: paid.tradeNo, duplicateOf } },
  );
  if (approved !== undefined && duplicateOf !== null) {
    await recordDuplicateDecision(ctx, work, approved, duplicateOf, confirmed, flagged);
  }
  return approved;
}

function settle(
  ctx: EngineContext,
  work: UnitOfWork,
  sale: QrSale,
  verdict: Exclude<WalletVerdict, { kind: 'moved' }>,
  confirmDuplicate: boolean,
): Promise<PaymentRecord | undefined> {
  switch (verdict.kind) {
    case 'paid':
      return settlePaid(ctx, work, sale, verdict.paid, confirmDuplicate);
    case 'refused': {
      const responseCode = refusalResponseCode(verdict.refusal);
      return movePayment(
        ctx,
        work,
        sale,
        { status: 'declined', responseCode },
        { name: 'wallet.refused', data: { refusal: verdict.refusal, responseCode } },
      );
    }
    case 'closed':
      return movePayment(
        ctx,
        work,
        sale,
        { status: 'declined', responseCode: qrResponseCodes.refused },
        { name: 'wallet.closed', data: { responseCode: qrResponseCodes.refused } },
      );
    case 'refunded':
      return cancelAtWallet(
        ctx,
        work,
        sale,
        { status: 'reversal_pending', responseCode: qrResponseCodes.refused, reversalReason: 'other' },
        { name: 'reversal.queued', data: { reason: 'other', why: 'the wallet says the order was refunded' } },
      );
    case 'unresolved':
      return cancelAtWallet(
        ctx,
        work,
        sale,
        {
          status: 'reversal_pending',
          responseCode: hostResponseCodes.issuerTimeout,
          reversalReason: 'timeout',
        },
        { name: 'reversal.queued', data: { reason: 'timeout', why: verdict.why } },
      );
  }
}

/**
 * Records the wallet's verdict about a pending QR sale and completes its key. When the sale was
 * moved meanwhile (a reversal request, which the queue will carry out as a cancel at the window's
 * end), it keeps that status; the verdict is journaled and the cancel undoes any charge.
 */
export async function recordWalletVerdict(
  ctx: EngineContext,
  work: UnitOfWork,
  sale: QrSale,
  verdict: WalletVerdict,
  confirmDuplicate: boolean,
): Promise<PaymentAnswer> {
  const moved =
    verdict.kind === 'moved' ? undefined : await settle(ctx, work, sale, verdict, confirmDuplicate);
  if (moved !== undefined) {
    const answer = paymentAnswer(moved);
    await work.tx.completeRequest(moved.merchantId, moved.idempotencyKey, answer);
    return answer;
  }
  const current = await work.tx.lockPayment(sale.id);
  if (current === undefined) {
    throw new PosError('POS_ERR_PAYMENT_NOT_FOUND', `payment ${sale.id} disappeared while it was in flight`);
  }
  // A verdict that came after the move is kept; 'moved' means the host stopped asking.
  if (verdict.kind !== 'moved')
    await work.tx.appendJournal({
      chain: chainOf(current.merchantId, current.terminalId),
      at: work.now,
      paymentId: current.id,
      event: 'wallet.late_answer',
      fromStatus: current.status,
      toStatus: current.status,
      data: JSON.stringify({ verdict: verdict.kind }),
    });
  const stored = (await work.tx.getRequest(current.merchantId, current.idempotencyKey))?.answer;
  return stored?.kind === 'payment' ? stored : paymentAnswer(current);
}
