// The durable store-and-forward reversal queue's worker. Every host runs one; each leases due
// reversals (a lease that expires if its holder dies, so none is lost), sends them upstream by the
// original's RRN, and on acknowledgement marks the payment `reversed`. Unacknowledged reversals
// are retried with bounded exponential backoff; after `reversalMaxAttempts` the payment becomes
// `reversal_failed` and is shown for manual action. A QR sale's reversal is its wallet's cancel
// by order number (closing an unpaid order, refunding a paid one), retried the same way while the
// wallet asks to call again or its answer is unknown. A code the terminal showed is closed (and a
// payment for it refunded) by qr-order-close.ts. A void or refund of a QR sale cannot be undone at
// a wallet: its entry is the follow-up of its refund, asked about (and sent again) under the same
// refund number until the wallet settles it (qr-refund.ts).
import { chainOf } from './ports/journal-store.js';
import { PosError } from '../pos-error.js';
import type { ReversalRecord } from './ports/reversal-store.js';
import type { ReversalAnswer } from './ports/upstream.js';
import type { EngineContext } from './engine-context.js';
import type { PaymentRecord, QrDetails } from './payment.js';
import { closeShownAtWallet, type QueueSteps } from './qr-order-close.js';
import { isShownOrder } from './qr-order-settle.js';
import { followRefundInQueue, isQrChild } from './qr-refund.js';
import { inTransaction, movePayment, type UnitOfWork } from './unit-of-work.js';
import { callWithDeadline } from './upstream-call.js';
import { callWallet, withoutLongDigits } from './wallet-call.js';

/** The wait before attempt `attempts + 1`: base * 2^(attempts-1), capped. */
export function reversalBackoffMs(settings: EngineContext['settings'], attempts: number): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(settings.reversalBaseDelayMs * 2 ** exponent, settings.reversalMaxDelayMs);
}

/** Journals a fact about a payment that does not move it. */
async function note(
  work: UnitOfWork,
  payment: PaymentRecord,
  event: string,
  data: Record<string, unknown>,
): Promise<void> {
  await work.tx.appendJournal({
    chain: chainOf(payment.merchantId, payment.terminalId),
    at: work.now,
    paymentId: payment.id,
    event,
    fromStatus: payment.status,
    toStatus: payment.status,
    data: JSON.stringify(data),
  });
}

async function finish(
  ctx: EngineContext,
  reversal: ReversalRecord,
  payment: PaymentRecord,
  acknowledged: { name: string; data?: Record<string, unknown> } = { name: 'reversal.acknowledged' },
): Promise<void> {
  await inTransaction(ctx, async (work) => {
    const current = await work.tx.lockPayment(payment.id);
    if (current === undefined) return;
    const mine = await work.tx.updateReversal(reversal.paymentId, ctx.instanceId, {
      state: 'done',
      attempts: reversal.attempts + 1,
      nextAttemptAt: work.now,
      lastError: null,
      now: work.now,
    });
    if (!mine) return; // The lease expired and another host took it over.
    if (current.status === 'duplicate_suspected') {
      // A QR sale held after the charge keeps its status: held, and now not charged.
      await note(work, current, acknowledged.name, acknowledged.data ?? {});
      return;
    }
    if (current.status !== 'reversal_pending' && current.status !== 'reversal_failed') return;
    await movePayment(ctx, work, current, { status: 'reversed' }, acknowledged);
    if (current.kind === 'void' && current.originalId !== null) {
      // A void that had been approved is undone: its sale is approved again.
      const sale = await work.tx.lockPayment(current.originalId);
      if (sale?.status === 'voided') {
        await movePayment(
          ctx,
          work,
          sale,
          { status: 'approved' },
          { name: 'payment.void_reversed', data: { voidId: current.id } },
        );
      }
    }
  });
}

async function retryLater(
  ctx: EngineContext,
  reversal: ReversalRecord,
  why: string,
  minDelayMs = 0,
): Promise<void> {
  await inTransaction(ctx, async (work) => {
    const attempts = reversal.attempts + 1;
    const exhausted = attempts >= ctx.settings.reversalMaxAttempts;
    const mine = await work.tx.updateReversal(reversal.paymentId, ctx.instanceId, {
      state: exhausted ? 'failed' : 'queued',
      attempts,
      nextAttemptAt: work.now + Math.max(minDelayMs, reversalBackoffMs(ctx.settings, attempts)),
      lastError: why,
      now: work.now,
    });
    if (!mine || !exhausted) return;
    const payment = await work.tx.lockPayment(reversal.paymentId);
    if (isQrChild(payment) && payment.status === 'pending') {
      // A refund at a wallet is never undone nor sent under another number: it stays pending,
      // counted against its sale, until someone settles it (a reversal request asks again).
      await note(work, payment, 'wallet.refund_unresolved', { attempts, why });
      work.afterCommit(() =>
        ctx.log.error(
          { paymentId: payment.id, rrn: payment.rrn, attempts },
          'a QR refund is still unsettled after every retry: check it at the wallet',
        ),
      );
      return;
    }
    if (payment?.status === 'reversal_pending' || payment?.status === 'duplicate_suspected') {
      await movePayment(
        ctx,
        work,
        payment,
        { status: 'reversal_failed' },
        { name: 'reversal.failed', data: { attempts, why } },
      );
      work.afterCommit(() =>
        ctx.log.error(
          { paymentId: payment.id, rrn: payment.rrn, attempts },
          'reversal failed after every retry: needs manual action',
        ),
      );
    }
  });
}

/**
 * A QR sale's reversal: the wallet's cancel of its order. Asked and answered are journaled; a
 * cancel that refunded says so (the customer had paid, and has the money back).
 */
async function cancelAtWallet(
  ctx: EngineContext,
  reversal: ReversalRecord,
  payment: PaymentRecord & { readonly qr: QrDetails },
): Promise<void> {
  const { wallet, orderNo } = payment.qr;
  const provider = ctx.wallets[wallet];
  if (provider === undefined) {
    await retryLater(ctx, reversal, `this host has no ${wallet} provider to cancel order ${orderNo} with`);
    return;
  }
  await inTransaction(ctx, (work) =>
    note(work, payment, 'wallet.cancel_asked', { orderNo, attempt: reversal.attempts + 1 }),
  );
  const outcome = await callWallet(ctx, ctx.settings.upstreamTimeoutMs, (signal) =>
    provider.cancel(orderNo, signal),
  );
  if (outcome.kind === 'unknown') {
    await retryLater(ctx, reversal, outcome.why);
  } else if (outcome.answer.outcome === 'retry') {
    // The wallet asks to call again (Alipay retry_flag=Y, WeChat recall=Y): not before it says.
    const why = `the wallet asked to cancel again: ${withoutLongDigits(outcome.answer.reason)}`;
    await retryLater(ctx, reversal, why, provider.timing.cancelRetryMs);
  } else if (outcome.answer.outcome === 'unknown') {
    await retryLater(
      ctx,
      reversal,
      `the wallet's cancel answer is unknown: ${withoutLongDigits(outcome.answer.reason)}`,
    );
  } else {
    const { refunded } = outcome.answer;
    await finish(ctx, reversal, payment, { name: 'wallet.cancelled', data: { orderNo, refunded } });
  }
}

/** Due again at `at` without counting an attempt (a shown code's close that came too early). */
async function waitUntil(
  ctx: EngineContext,
  reversal: ReversalRecord,
  at: number,
  why: string,
): Promise<void> {
  await inTransaction(ctx, (work) =>
    work.tx.updateReversal(reversal.paymentId, ctx.instanceId, {
      state: 'queued',
      attempts: reversal.attempts,
      nextAttemptAt: at,
      lastError: why,
      now: work.now,
    }),
  );
}

/** The queue's steps, as a shown code's close (qr-order-close.ts) uses them. */
function queueSteps(ctx: EngineContext, reversal: ReversalRecord, payment: PaymentRecord): QueueSteps {
  return {
    finish: (event) => finish(ctx, reversal, payment, event),
    retryLater: (why, minDelayMs) => retryLater(ctx, reversal, why, minDelayMs),
    waitUntil: (at, why) => waitUntil(ctx, reversal, at, why),
  };
}

async function process(ctx: EngineContext, reversal: ReversalRecord): Promise<void> {
  const payment = await ctx.store.read((reader) => reader.getPayment(reversal.paymentId));
  if (payment === undefined) {
    throw new PosError(
      'POS_ERR_PAYMENT_NOT_FOUND',
      `queued reversal for unknown payment ${reversal.paymentId}`,
    );
  }
  if (isShownOrder(payment)) {
    await closeShownAtWallet(ctx, reversal, payment, queueSteps(ctx, reversal, payment));
    return;
  }
  if (isQrChild(payment)) {
    await followRefundInQueue(ctx, reversal, payment, queueSteps(ctx, reversal, payment));
    return;
  }
  if (payment.qr !== null) {
    await cancelAtWallet(ctx, reversal, { ...payment, qr: payment.qr });
    return;
  }
  const original =
    payment.originalId === null
      ? undefined
      : await ctx.store.read((reader) => reader.getPayment(payment.originalId ?? ''));
  const outcome = await callWithDeadline<ReversalAnswer>(
    ctx,
    'reverse',
    (signal) =>
      ctx.upstream.reverse(
        {
          kind: payment.kind,
          rrn: reversal.rrn,
          originalRrn: original?.rrn ?? null,
          merchantId: payment.merchantId,
          terminalId: payment.terminalId,
          amount: payment.amount,
          currency: payment.currency,
          reason: reversal.reason,
        },
        signal,
      ),
    (answer) => answer.outcome,
  );
  if (outcome.kind === 'unknown') {
    await retryLater(ctx, reversal, outcome.why);
  } else if (outcome.answer.outcome === 'unavailable') {
    await retryLater(ctx, reversal, `upstream unavailable: ${outcome.answer.reason}`);
  } else {
    await finish(ctx, reversal, payment);
  }
}

/** Claims and sends every due reversal once; returns how many it handled. */
export async function drainReversals(ctx: EngineContext): Promise<number> {
  // A read first: most polls find nothing due, and a read costs far less than a write transaction.
  const due = await ctx.store.read((reader) => reader.nextReversalDueAt());
  if (due === null || due > ctx.clock.now()) return 0;
  const claimed = await inTransaction(ctx, (work) =>
    work.tx.claimReversals({
      now: work.now,
      owner: ctx.instanceId,
      leaseUntil: work.now + ctx.settings.reversalLeaseMs,
      limit: ctx.settings.reversalBatchSize,
    }),
  );
  await Promise.all(claimed.map((reversal) => process(ctx, reversal)));
  return claimed.length;
}
