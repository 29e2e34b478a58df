// Reversal (冲正) requests from a terminal or client that never saw an answer, or could not finish:
// by payment id, or by the original's idempotency key when the client never learnt the id. The
// host moves the payment to `reversal_pending` and the durable queue does the upstream work.
// A reversal naming a key the host has never seen leaves a tombstone under that key: an original
// arriving later with it is refused without being sent upstream.
import { chainOf } from './ports/journal-store.js';
import { PosError } from '../pos-error.js';
import type { RequestRecord } from './ports/idempotency-store.js';
import type { EngineContext } from './engine-context.js';
import { answerExistingKey, newRequestRecord, type EngineResult } from './idempotency.js';
import type { EngineAnswer, PaymentKind, PaymentRecord, ReversalReason } from './payment.js';
import { paymentAnswer, reversalAnswer } from './payment-view.js';
import { queueReversalOf, requireMerchant } from './authorize-sale.js';
import { requireFreeText } from './free-text.js';
import { pendingHorizonMs } from './pending-horizon.js';
import { isQrChild, type QrPayment } from './qr-refund.js';
import { requestHash } from './request-hash.js';
import { inTransaction, movePayment, type UnitOfWork } from './unit-of-work.js';

export interface ReverseCommand {
  readonly merchantId: string;
  /** The reversal request's own key. */
  readonly idempotencyKey: string;
  readonly target:
    | { readonly paymentId: string }
    | {
        readonly originalKey: string;
        /**
         * What the reversal says the original was (an ISO 0400 is a copy of it): when given, a
         * payment under the key of another kind or amount is not reversed. It guards against a
         * 0400 that names, by a reused STAN, another transaction than the one it means to undo.
         */
        readonly expect?: { readonly kind?: PaymentKind; readonly amount?: number };
      };
  readonly reason: ReversalReason;
}

/** How `payment` differs from what a reversal says its original was; undefined when it does not. */
function differenceFromExpected(
  payment: PaymentRecord,
  expect: { readonly kind?: PaymentKind; readonly amount?: number } | undefined,
): string | undefined {
  if (expect?.kind !== undefined && expect.kind !== payment.kind) {
    return `it reverses a ${expect.kind}, the key holds a ${payment.kind}`;
  }
  if (expect?.amount !== undefined && expect.amount !== payment.amount) {
    return `it is for ${expect.amount} fen, the ${payment.kind} under the key for ${payment.amount}`;
  }
  return undefined;
}

type ReversalAnswer = EngineAnswer & { kind: 'reversal' };

/** A reversal's answer. */
export type ReversalResult = EngineResult<ReversalAnswer>;

async function reverse(
  ctx: EngineContext,
  work: UnitOfWork,
  payment: PaymentRecord,
  reason: ReversalReason,
): Promise<ReversalAnswer> {
  if (isQrChild(payment)) return reverseQrChild(ctx, work, payment, reason);
  switch (payment.status) {
    case 'pending': {
      // The original is in flight right now. Its own call ends by the upstream timeout (a QR
      // sale's polling by its wallet's pay window); the queue waits until then so the reversal
      // never overtakes the original upstream. A code the terminal shows has no call in flight to
      // wait for: it is closed at once, and its request keeps the answer that gave the code.
      const shown = payment.qr?.flow === 'shown';
      const moved = await queueReversalOf(
        ctx,
        work,
        payment,
        reason,
        'reversal requested while the original was in flight',
        shown ? work.now : payment.createdAt + pendingHorizonMs(ctx, payment),
      );
      if (moved === undefined) return reverseCurrent(ctx, work, payment.id, reason);
      if (!shown) await work.tx.completeRequest(moved.merchantId, moved.idempotencyKey, paymentAnswer(moved));
      return reversalAnswer('queued', reason, moved);
    }
    case 'approved':
      return reverseApproved(ctx, work, payment, reason);
    case 'reversal_pending':
      return reversalAnswer('queued', reason, payment);
    case 'reversal_failed':
      return retryFailedReversal(ctx, work, payment, reason);
    case 'reversed':
      return reversalAnswer('done', reason, payment);
    case 'duplicate_suspected': {
      // A QR sale held after the wallet charged it: its cancel is in the queue or done.
      const queued = payment.qr === null ? undefined : await work.tx.getReversal(payment.id);
      if (queued !== undefined)
        return reversalAnswer(queued.state === 'done' ? 'done' : 'queued', reason, payment);
      return reversalAnswer('not_needed', reason, payment);
    }
    case 'declined':
      return reversalAnswer('not_needed', reason, payment);
    default:
      throw new PosError(
        'POS_ERR_PAYMENT_ILLEGAL_TRANSITION',
        `${payment.kind} ${payment.id} is ${payment.status} and cannot be reversed (void or refund it instead)`,
        { details: { paymentId: payment.id, from: payment.status, to: 'reversal_pending' } },
      );
  }
}

/**
 * A void or refund of a QR sale: a wallet has no way to take a refund back, so there is nothing to
 * reverse. Declined: nothing happened. Pending after every attempt of the queue (its follow-up
 * failed): a reversal request is the manual retry, the wallet asked again under the same refund
 * number. Anything else is refused, saying where the refund stands.
 */
async function reverseQrChild(
  ctx: EngineContext,
  work: UnitOfWork,
  payment: QrPayment,
  reason: ReversalReason,
): Promise<ReversalAnswer> {
  if (payment.status === 'declined') return reversalAnswer('not_needed', reason, payment);
  if (payment.status === 'pending' && (await work.tx.getReversal(payment.id))?.state === 'failed') {
    await work.tx.requeueReversal(payment.id, work.now);
    await work.tx.appendJournal({
      chain: chainOf(payment.merchantId, payment.terminalId),
      at: work.now,
      paymentId: payment.id,
      event: 'wallet.refund_retried',
      fromStatus: payment.status,
      toStatus: payment.status,
      data: JSON.stringify({ reason }),
    });
    work.afterCommit(ctx.onReversalQueued);
    return reversalAnswer('queued', reason, payment);
  }
  const where =
    payment.status === 'pending'
      ? 'the host is still asking the wallet about it under its refund number, and it ends approved or declined'
      : `it is ${payment.status}`;
  throw new PosError(
    'POS_ERR_QR_REFUND_IRREVERSIBLE',
    `${payment.kind} ${payment.id} of a ${payment.qr.wallet} sale cannot be reversed: a wallet cannot take a refund back (${where}); GET /v1/payments/${payment.id} shows its outcome`,
    { details: { paymentId: payment.id, status: payment.status, wallet: payment.qr.wallet } },
  );
}

/** An approved payment: reversed through the queue, unless a void or refund still acts on the sale. */
async function reverseApproved(
  ctx: EngineContext,
  work: UnitOfWork,
  payment: PaymentRecord,
  reason: ReversalReason,
): Promise<ReversalAnswer> {
  if (payment.kind === 'sale') {
    const children = await work.tx.listChildren(payment.id, ['pending', 'approved', 'reversal_pending']);
    const blocking = children[0];
    if (blocking !== undefined) {
      throw new PosError(
        'POS_ERR_PAYMENT_ILLEGAL_TRANSITION',
        `sale ${payment.id} cannot be reversed: ${blocking.kind} ${blocking.id} (${blocking.status}) acts on it`,
        { details: { paymentId: payment.id, blockedBy: blocking.id } },
      );
    }
  }
  const moved = await queueReversalOf(ctx, work, payment, reason, 'reversal requested by the terminal');
  if (moved === undefined) return reverseCurrent(ctx, work, payment.id, reason);
  return reversalAnswer('queued', reason, moved);
}

/** A manual retry of a failed reversal: the payment goes back to the queue, whose attempts start over. */
async function retryFailedReversal(
  ctx: EngineContext,
  work: UnitOfWork,
  payment: PaymentRecord,
  reason: ReversalReason,
): Promise<ReversalAnswer> {
  const moved = await movePayment(
    ctx,
    work,
    payment,
    { status: 'reversal_pending' },
    { name: 'reversal.retried', data: { reason } },
  );
  if (moved === undefined) return reverseCurrent(ctx, work, payment.id, reason);
  await work.tx.requeueReversal(payment.id, work.now);
  work.afterCommit(ctx.onReversalQueued);
  return reversalAnswer('queued', reason, moved);
}

async function reverseCurrent(
  ctx: EngineContext,
  work: UnitOfWork,
  paymentId: string,
  reason: ReversalReason,
): Promise<ReversalAnswer> {
  const current = await work.tx.lockPayment(paymentId);
  if (current === undefined) throw new PosError('POS_ERR_PAYMENT_NOT_FOUND', `no payment ${paymentId}`);
  return reverse(ctx, work, current, reason);
}

type Begun = { kind: 'existing'; record: RequestRecord } | { kind: 'answered'; answer: ReversalAnswer };

export async function reversePayment(ctx: EngineContext, command: ReverseCommand): Promise<ReversalResult> {
  requireFreeText({
    idempotencyKey: command.idempotencyKey,
    ...('originalKey' in command.target ? { originalKey: command.target.originalKey } : {}),
  });
  const hash = requestHash('reversal', { target: command.target, reason: command.reason });
  const begun = await inTransaction(ctx, async (work): Promise<Begun> => {
    const { tx, now } = work;
    await requireMerchant(tx, command.merchantId);
    const existing = await tx.insertRequest(
      newRequestRecord(ctx, {
        merchantId: command.merchantId,
        idempotencyKey: command.idempotencyKey,
        operation: 'reversal',
        requestHash: hash,
        paymentId: 'paymentId' in command.target ? command.target.paymentId : null,
        now,
      }),
    );
    if (existing !== undefined) return { kind: 'existing', record: existing };
    const answer = await reverseTarget(ctx, work, command);
    await tx.completeRequest(command.merchantId, command.idempotencyKey, answer);
    return { kind: 'answered', answer };
  });
  if (begun.kind === 'existing') {
    return answerExistingKey(ctx, begun.record, {
      operation: 'reversal',
      requestHash: hash,
      answerKind: 'reversal',
    });
  }
  return { kind: 'answered', answer: begun.answer, replayed: false };
}

async function reverseTarget(
  ctx: EngineContext,
  work: UnitOfWork,
  command: ReverseCommand,
): Promise<ReversalAnswer> {
  const { tx, now } = work;
  if ('paymentId' in command.target) {
    const payment = await tx.lockPayment(command.target.paymentId);
    if (payment === undefined || payment.merchantId !== command.merchantId) {
      throw new PosError(
        'POS_ERR_PAYMENT_NOT_FOUND',
        `no payment ${JSON.stringify(command.target.paymentId)} for this merchant`,
        {
          details: { paymentId: command.target.paymentId },
        },
      );
    }
    return reverse(ctx, work, payment, command.reason);
  }
  const originalKey = command.target.originalKey;
  const original = await tx.getRequest(command.merchantId, originalKey);
  if (original === undefined) {
    // The original has not arrived (or never will): leave a tombstone under its key.
    await tx.insertRequest({
      ...newRequestRecord(ctx, {
        merchantId: command.merchantId,
        idempotencyKey: originalKey,
        operation: 'tombstone',
        requestHash: '',
        paymentId: null,
        now,
      }),
      state: 'completed',
    });
    await tx.appendJournal({
      chain: chainOf(command.merchantId, null),
      at: now,
      paymentId: null,
      event: 'reversal.tombstone',
      fromStatus: null,
      toStatus: null,
      data: JSON.stringify({
        merchantId: command.merchantId,
        idempotencyKey: originalKey,
        reason: command.reason,
      }),
    });
    return reversalAnswer('tombstoned', command.reason, null);
  }
  if (original.operation === 'tombstone') return reversalAnswer('tombstoned', command.reason, null);
  const payment = original.paymentId === null ? undefined : await tx.lockPayment(original.paymentId);
  if (payment === undefined || original.operation === 'reversal') {
    throw new PosError(
      'POS_ERR_PAYMENT_NOT_FOUND',
      `idempotencyKey: expected the key of a sale, void or refund, got the key of a ${original.operation}`,
      { details: { idempotencyKey: originalKey } },
    );
  }
  const difference = differenceFromExpected(payment, command.target.expect);
  if (difference !== undefined) {
    throw new PosError(
      'POS_ERR_REVERSAL_MISMATCH',
      `the reversal does not match the ${payment.kind} it names (${difference}): nothing was reversed`,
      { details: { idempotencyKey: originalKey, paymentId: payment.id } },
    );
  }
  return reverse(ctx, work, payment, command.reason);
}
