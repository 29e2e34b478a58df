// One store transaction as the engine sees it: the transaction, the time it runs at, and effects
// (metrics, wake-ups) to run only once it has committed. A PostgreSQL serialization retry runs the
// callback again with a fresh unit, so effects of an attempt that rolled back are never emitted.
import { chainOf } from './ports/journal-store.js';
import { assertTransition } from './life-cycle.js';
import type { EngineContext } from './engine-context.js';
import type { PaymentRecord } from './payment.js';
import type { PaymentPatch } from './ports/payment-store.js';
import type { StoreTx } from './ports/store.js';

export interface UnitOfWork {
  readonly tx: StoreTx;
  readonly now: number;
  afterCommit(effect: () => void): void;
}

export async function inTransaction<T>(ctx: EngineContext, fn: (work: UnitOfWork) => Promise<T>): Promise<T> {
  let effects: Array<() => void> = [];
  const result = await ctx.store.transaction(async (tx) => {
    effects = [];
    const attempt: Array<() => void> = effects;
    return fn({ tx, now: ctx.clock.now(), afterCommit: (effect) => attempt.push(effect) });
  });
  for (const effect of effects) effect();
  return result;
}

/**
 * Moves a payment to a new status if it is still in the status it was read in (compare and set),
 * journals the move in the same transaction and counts it once committed. Returns the moved
 * payment, or undefined when another request moved it first. An illegal move throws.
 */
export async function movePayment(
  ctx: EngineContext,
  work: UnitOfWork,
  payment: PaymentRecord,
  patch: PaymentPatch,
  event: { name: string; data?: Record<string, unknown> },
): Promise<PaymentRecord | undefined> {
  assertTransition(payment, patch.status);
  const moved = await work.tx.updatePaymentStatus(payment.id, payment.status, patch, work.now);
  if (!moved) return undefined;
  await work.tx.appendJournal({
    chain: chainOf(payment.merchantId, payment.terminalId),
    at: work.now,
    paymentId: payment.id,
    event: event.name,
    fromStatus: payment.status,
    toStatus: patch.status,
    data: JSON.stringify(event.data ?? {}),
  });
  work.afterCommit(() => ctx.metrics.paymentStatus(payment.kind, patch.status));
  const next: PaymentRecord = {
    ...payment,
    status: patch.status,
    updatedAt: work.now,
    ...(patch.authCode !== undefined ? { authCode: patch.authCode } : {}),
    ...(patch.responseCode !== undefined ? { responseCode: patch.responseCode } : {}),
    ...(patch.reversalReason !== undefined ? { reversalReason: patch.reversalReason } : {}),
    ...(patch.duplicate ?? {}),
    ...(patch.walletPaid !== undefined && payment.qr !== null
      ? { qr: { ...payment.qr, ...patch.walletPaid } }
      : {}),
  };
  return next;
}
