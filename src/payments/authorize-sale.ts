// Authorising a sale: the heart of "one sale, one charge".
//  1. In one transaction: take the idempotency key (or find who holds it), run the duplicate guard
//     under the terminal's lock, and store the sale as `pending` with its own RRN, journaled.
//  2. Only then call the upstream, bounded by the timeout.
//  3. In a second transaction: record the answer (approved / declined), or, when the outcome is
//     unknown, move the sale to `reversal_pending` and queue its reversal; store the answer under
//     the key so a retransmission gets it again.
// A crash between 1 and 3 leaves a `pending` sale that recovery reverses (see recovery.ts).
import { chainOf } from './ports/journal-store.js';
import { cardExpired, type Card } from '../cards/card.js';
import type { Currency } from '../money/money.js';
import { PosError } from '../pos-error.js';
import type { RequestRecord } from './ports/idempotency-store.js';
import type { StoreTx } from './ports/store.js';
import type { AuthorizationAnswer } from './ports/upstream.js';
import { decideDuplicate, type DuplicateDecision } from './duplicate-guard.js';
import type { EngineContext } from './engine-context.js';
import { answerExistingKey, newRequestRecord, type EngineResult } from './idempotency.js';
import { possiblyChargedStatuses } from './life-cycle.js';
import type {
  Channel,
  EngineAnswer,
  EntryMode,
  MerchantRecord,
  PaymentRecord,
  TerminalRecord,
} from './payment.js';
import { hostResponseCodes } from './payment.js';
import { paymentAnswer } from './payment-view.js';
import { noteRepeatedRequest } from './repeat-note.js';
import { requireFreeText } from './free-text.js';
import { requestHash } from './request-hash.js';
import { inTransaction, movePayment, type UnitOfWork } from './unit-of-work.js';
import { callWithDeadline } from './upstream-call.js';

export interface SaleCommand {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly idempotencyKey: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly card: Card;
  readonly entryMode: EntryMode;
  readonly operatorId: string | null;
  readonly confirmDuplicate: boolean;
  readonly reference: string | null;
  readonly channel: Channel;
  /** ISO terminals: the trace number and batch of the request. */
  readonly stan: string | null;
  readonly batchNo: string | null;
}

export function saleRequestHash(command: SaleCommand): string {
  return requestHash('sale', {
    terminalId: command.terminalId,
    amount: command.amount,
    currency: command.currency,
    card: command.card.fingerprint,
    expiry: command.card.expiry,
    entryMode: command.entryMode,
    operatorId: command.operatorId,
    confirmDuplicate: command.confirmDuplicate,
    reference: command.reference,
    stan: command.stan,
    batchNo: command.batchNo,
  });
}

export async function requireMerchant(tx: StoreTx, merchantId: string): Promise<MerchantRecord> {
  return foundMerchant(await tx.getMerchant(merchantId), merchantId);
}

function foundMerchant(merchant: MerchantRecord | undefined, merchantId: string): MerchantRecord {
  if (merchant === undefined) {
    throw new PosError(
      'POS_ERR_PAYMENT_UNKNOWN_MERCHANT',
      `no merchant ${JSON.stringify(merchantId)} is registered`,
      {
        details: { merchantId },
      },
    );
  }
  return merchant;
}

/** A sale's, void's or refund's answer. */
export type PaymentResult = EngineResult<EngineAnswer & { kind: 'payment' }>;

type Begun =
  | { kind: 'existing'; record: RequestRecord }
  | { kind: 'result'; result: PaymentResult }
  | { kind: 'send'; sale: PaymentRecord };

async function begin(
  ctx: EngineContext,
  work: UnitOfWork,
  command: SaleCommand,
  hash: string,
): Promise<Begun> {
  const { tx, now } = work;
  // Statements started together leave together (one round trip on PostgreSQL); the server still
  // runs them in the order they were started, so the guard's lookup runs under the terminal's
  // lock and after the key is taken, as if each had been awaited in turn.
  const [merchantRow, terminal] = await Promise.all([
    tx.getMerchant(command.merchantId),
    tx.lockTerminal(command.merchantId, command.terminalId),
  ]);
  const merchant = foundMerchant(merchantRow, command.merchantId);
  requireOwnTerminal(terminal, command);
  const id = ctx.ids.next('pay');
  const [existing, candidates] = await Promise.all([
    takeKey(ctx, work, command, { hash, paymentId: id }),
    merchant.duplicatePolicy === 'off'
      ? []
      : tx.findRecentSales({
          merchantId: command.merchantId,
          terminalId: command.terminalId,
          cardFingerprint: command.card.fingerprint,
          amount: command.amount,
          sinceMs: now - merchant.duplicateWindowS * 1000,
          statuses: possiblyChargedStatuses,
        }),
  ]);
  // Deciding about a taken key may wait for an in-flight request: done after this commit.
  if (existing !== undefined) return { kind: 'existing', record: existing };
  if (cardExpired({ expiry: command.card.expiry, atMs: now })) {
    return { kind: 'result', result: await declineExpired(ctx, work, command, id) };
  }

  const decision = decideDuplicate({
    policy: merchant.duplicatePolicy,
    candidates,
    confirmDuplicate: command.confirmDuplicate,
  });
  const base: SaleBase = {
    id,
    kind: 'sale' as const,
    merchantId: command.merchantId,
    terminalId: command.terminalId,
    idempotencyKey: command.idempotencyKey,
    amount: command.amount,
    currency: command.currency,
    cardMasked: command.card.masked,
    cardFingerprint: command.card.fingerprint,
    entryMode: command.entryMode,
    operatorId: command.operatorId,
    reference: command.reference,
    originalId: null,
    channel: command.channel,
    stan: command.stan,
    batchNo: command.batchNo,
    qr: null,
    createdAt: now,
  };

  if (decision.action !== 'proceed') {
    return { kind: 'result', result: await holdSuspect(ctx, work, { command, merchant, base, decision }) };
  }

  return { kind: 'send', sale: await storePending(ctx, work, base, decision) };
}

/** Takes the sale's key; when it is taken already, notes the repeat and returns who holds it. */
async function takeKey(
  ctx: EngineContext,
  work: UnitOfWork,
  command: SaleCommand,
  sale: { hash: string; paymentId: string },
): Promise<RequestRecord | undefined> {
  const { merchantId, terminalId, idempotencyKey } = command;
  const existing = await work.tx.insertRequest(
    newRequestRecord(ctx, {
      merchantId,
      idempotencyKey,
      operation: 'sale',
      requestHash: sale.hash,
      paymentId: sale.paymentId,
      now: work.now,
    }),
  );
  if (existing !== undefined) {
    await noteRepeatedRequest(work, {
      merchantId,
      terminalId,
      operation: 'sale',
      requestHash: sale.hash,
      existing,
    });
  }
  return existing;
}

/** The sale's terminal, locked for the duplicate guard: one of the merchant's, or refused. */
function requireOwnTerminal(terminal: TerminalRecord | undefined, command: SaleCommand): void {
  if (terminal === undefined) {
    throw new PosError(
      'POS_ERR_PAYMENT_UNKNOWN_TERMINAL',
      `terminalId: expected a terminal registered to merchant ${command.merchantId}, got ${JSON.stringify(command.terminalId)}`,
      { details: { merchantId: command.merchantId, terminalId: command.terminalId } },
    );
  }
}

/** The fields every new sale record starts with. */
type SaleBase = Omit<
  PaymentRecord,
  | 'status'
  | 'rrn'
  | 'authCode'
  | 'responseCode'
  | 'duplicateOf'
  | 'duplicateConfirmed'
  | 'flaggedForReview'
  | 'reversalReason'
  | 'updatedAt'
>;

/** A suspected duplicate, held or blocked: never sent upstream, stored so operator and support see it. */
async function holdSuspect(
  ctx: EngineContext,
  work: UnitOfWork,
  input: {
    command: SaleCommand;
    merchant: MerchantRecord;
    base: SaleBase;
    decision: DuplicateDecision & { action: 'hold' | 'block' };
  },
): Promise<PaymentResult> {
  const { tx, now } = work;
  const { command, merchant, base, decision } = input;
  const id = base.id;
  // Not sent upstream: stored as a suspected duplicate so the operator and support can see it.
  const held = {
    ...base,
    status: 'duplicate_suspected' as const,
    rrn: null,
    responseCode: hostResponseCodes.duplicateTransmission,
    duplicateOf: decision.duplicateOf,
    duplicateConfirmed: false,
    flaggedForReview: false,
  };
  await tx.insertPayment(held);
  await tx.insertDuplicate({
    id: ctx.ids.next('dup'),
    merchantId: command.merchantId,
    terminalId: command.terminalId,
    paymentId: id,
    duplicateOf: decision.duplicateOf,
    source: 'authorization',
    resolution: decision.action === 'hold' ? 'awaiting_confirmation' : 'blocked',
    amount: command.amount,
    operatorId: command.operatorId,
    confirmedPaymentId: null,
    kind: null,
    cause: null,
    rrn: null,
    relatedRrn: null,
    detail:
      decision.action === 'hold'
        ? 'held: same card and amount on this terminal within the duplicate window; resend with confirmDuplicate to charge again'
        : "blocked by the merchant's duplicate policy",
    detectedAt: now,
    resolvedAt: decision.action === 'hold' ? null : now,
  });
  await tx.appendJournal({
    chain: chainOf(command.merchantId, command.terminalId),
    at: now,
    paymentId: id,
    event: 'payment.created',
    fromStatus: null,
    toStatus: 'duplicate_suspected',
    data: JSON.stringify({ duplicateOf: decision.duplicateOf, policy: merchant.duplicatePolicy }),
  });
  const record: PaymentRecord = { ...held, authCode: null, reversalReason: null, updatedAt: now };
  await tx.completeRequest(command.merchantId, command.idempotencyKey, paymentAnswer(record));
  work.afterCommit(() => {
    ctx.metrics.paymentStatus('sale', 'duplicate_suspected');
    ctx.metrics.duplicatePrevented(decision.action === 'hold' ? 'suspect_held' : 'suspect_blocked');
  });
  return { kind: 'answered', answer: paymentAnswer(record), replayed: false };
}

/** The sale stored `pending` with its own RRN, journaled, before the upstream sees it. */
async function storePending(
  ctx: EngineContext,
  work: UnitOfWork,
  base: SaleBase,
  decision: DuplicateDecision & { action: 'proceed' },
): Promise<PaymentRecord> {
  const { tx, now } = work;
  const id = base.id;
  const sale: PaymentRecord = {
    ...base,
    status: 'pending',
    rrn: await tx.nextRrn(),
    authCode: null,
    responseCode: null,
    duplicateOf: decision.duplicateOf,
    duplicateConfirmed: decision.confirmed,
    flaggedForReview: decision.flagged,
    reversalReason: null,
    updatedAt: now,
  };
  await tx.insertPayment(sale);
  if (decision.duplicateOf !== null) {
    await recordDuplicateDecision(
      ctx,
      work,
      sale,
      decision.duplicateOf,
      decision.confirmed,
      decision.flagged,
    );
  }
  await tx.appendJournal({
    chain: chainOf(base.merchantId, base.terminalId),
    at: now,
    paymentId: id,
    event: 'payment.created',
    fromStatus: null,
    toStatus: 'pending',
    data: JSON.stringify({ rrn: sale.rrn, duplicateOf: decision.duplicateOf }),
  });
  work.afterCommit(() => ctx.metrics.paymentStatus('sale', 'pending'));
  return sale;
}

/**
 * A card past its expiry month is declined by the host itself with 54 (expired card, CUP response
 * codes), as an issuer would: stored, journaled and answered under the key, never sent upstream.
 */
async function declineExpired(
  ctx: EngineContext,
  work: UnitOfWork,
  command: SaleCommand,
  id: string,
): Promise<PaymentResult> {
  const { tx, now } = work;
  const record: PaymentRecord = {
    id,
    kind: 'sale',
    merchantId: command.merchantId,
    terminalId: command.terminalId,
    idempotencyKey: command.idempotencyKey,
    status: 'declined',
    amount: command.amount,
    currency: command.currency,
    cardMasked: command.card.masked,
    cardFingerprint: command.card.fingerprint,
    entryMode: command.entryMode,
    operatorId: command.operatorId,
    reference: command.reference,
    rrn: null,
    authCode: null,
    responseCode: hostResponseCodes.expiredCard,
    originalId: null,
    duplicateOf: null,
    duplicateConfirmed: false,
    flaggedForReview: false,
    channel: command.channel,
    stan: command.stan,
    batchNo: command.batchNo,
    reversalReason: null,
    qr: null,
    createdAt: now,
    updatedAt: now,
  };
  await tx.insertPayment(record);
  await tx.appendJournal({
    chain: chainOf(command.merchantId, command.terminalId),
    at: now,
    paymentId: id,
    event: 'payment.created',
    fromStatus: null,
    toStatus: 'declined',
    data: JSON.stringify({ responseCode: hostResponseCodes.expiredCard, reason: 'card expired' }),
  });
  const answer = paymentAnswer(record);
  await tx.completeRequest(command.merchantId, command.idempotencyKey, answer);
  work.afterCommit(() => ctx.metrics.paymentStatus('sale', 'declined'));
  return { kind: 'answered', answer, replayed: false };
}

export async function recordDuplicateDecision(
  ctx: EngineContext,
  work: UnitOfWork,
  sale: PaymentRecord,
  duplicateOf: string,
  confirmed: boolean,
  flagged: boolean,
): Promise<void> {
  const { tx, now } = work;
  if (confirmed) {
    const awaiting = await tx.findAwaitingDuplicate(sale.merchantId, duplicateOf);
    if (awaiting !== undefined) {
      await tx.resolveDuplicate(awaiting.id, {
        resolution: 'confirmed',
        operatorId: sale.operatorId,
        confirmedPaymentId: sale.id,
        resolvedAt: now,
      });
      return;
    }
  }
  await tx.insertDuplicate({
    id: ctx.ids.next('dup'),
    merchantId: sale.merchantId,
    terminalId: sale.terminalId,
    paymentId: sale.id,
    duplicateOf,
    source: 'authorization',
    resolution: confirmed ? 'confirmed' : 'flagged',
    amount: sale.amount,
    operatorId: sale.operatorId,
    confirmedPaymentId: confirmed ? sale.id : null,
    kind: null,
    cause: null,
    rrn: sale.rrn,
    relatedRrn: null,
    detail: flagged
      ? "sent upstream and flagged for review by the merchant's duplicate policy"
      : 'confirmed by the operator as a genuine second purchase',
    detectedAt: now,
    resolvedAt: now,
  });
}

export async function authorizeSale(ctx: EngineContext, command: SaleCommand): Promise<PaymentResult> {
  requireFreeText({
    idempotencyKey: command.idempotencyKey,
    operatorId: command.operatorId,
    reference: command.reference,
  });
  const hash = saleRequestHash(command);
  const begun = await inTransaction(ctx, (work) => begin(ctx, work, command, hash));
  if (begun.kind === 'existing') {
    return answerExistingKey(ctx, begun.record, {
      operation: 'sale',
      requestHash: hash,
      answerKind: 'payment',
    });
  }
  if (begun.kind === 'result') return begun.result;
  const { sale } = begun;
  const outcome = await callWithDeadline(
    ctx,
    'authorize',
    (signal) =>
      ctx.upstream.authorize(
        {
          kind: 'sale',
          rrn: sale.rrn ?? '',
          originalRrn: null,
          merchantId: sale.merchantId,
          terminalId: sale.terminalId,
          amount: sale.amount,
          currency: sale.currency,
          pan: command.card.pan,
          cardFingerprint: sale.cardFingerprint,
          expiry: command.card.expiry,
          entryMode: sale.entryMode,
          batchNo: sale.batchNo,
          stan: sale.stan,
        },
        signal,
      ),
    (answer) => answer.outcome,
  );
  const answer = await inTransaction(ctx, (work) => recordAnswer(ctx, work, sale, outcome));
  return { kind: 'answered', answer, replayed: false };
}

/**
 * Records the upstream's answer about a pending payment (sale, void or refund) and completes its
 * idempotency record. When someone else moved the payment first (a reversal that arrived while
 * the call was out, or recovery), the payment keeps their status and the answer says so.
 */
export async function recordAnswer(
  ctx: EngineContext,
  work: UnitOfWork,
  pending: PaymentRecord,
  outcome: { kind: 'answer'; answer: AuthorizationAnswer } | { kind: 'unknown'; why: string },
  onApproved?: (payment: PaymentRecord) => Promise<void>,
): Promise<ReturnType<typeof paymentAnswer>> {
  const { tx } = work;
  // Compare and set from `pending`, as stored before the call: no read in the common case.
  let moved: PaymentRecord | undefined;
  if (outcome.kind === 'answer' && outcome.answer.outcome === 'approved') {
    moved = await movePayment(
      ctx,
      work,
      pending,
      { status: 'approved', authCode: outcome.answer.authCode, responseCode: outcome.answer.responseCode },
      { name: 'upstream.approved', data: { authCode: outcome.answer.authCode } },
    );
    if (moved !== undefined && onApproved !== undefined) await onApproved(moved);
  } else if (outcome.kind === 'answer' && outcome.answer.outcome === 'declined') {
    moved = await movePayment(
      ctx,
      work,
      pending,
      { status: 'declined', responseCode: outcome.answer.responseCode },
      { name: 'upstream.declined', data: { responseCode: outcome.answer.responseCode } },
    );
  } else if (outcome.kind === 'answer') {
    // `unavailable`: certainly not processed, so nothing to reverse.
    moved = await movePayment(
      ctx,
      work,
      pending,
      { status: 'declined', responseCode: hostResponseCodes.issuerUnavailable },
      {
        name: 'upstream.unavailable',
        data: { reason: outcome.answer.outcome === 'unavailable' ? outcome.answer.reason : '' },
      },
    );
  } else {
    moved = await queueReversalOf(ctx, work, pending, 'timeout', outcome.why);
  }
  if (moved !== undefined) {
    const answer = paymentAnswer(moved);
    await tx.completeRequest(moved.merchantId, moved.idempotencyKey, answer);
    return answer;
  }
  // Moved while the call was out (a reversal that came in meanwhile, or recovery). The answer is
  // journaled; the reversal already queued undoes any charge it reports.
  const current = await tx.lockPayment(pending.id);
  if (current === undefined) {
    throw new PosError(
      'POS_ERR_PAYMENT_NOT_FOUND',
      `payment ${pending.id} disappeared while it was in flight`,
    );
  }
  await tx.appendJournal({
    chain: chainOf(current.merchantId, current.terminalId),
    at: work.now,
    paymentId: current.id,
    event: 'upstream.late_answer',
    fromStatus: current.status,
    toStatus: current.status,
    data: JSON.stringify(
      outcome.kind === 'answer' ? { outcome: outcome.answer.outcome } : { outcome: 'unknown' },
    ),
  });
  const stored = (await tx.getRequest(current.merchantId, current.idempotencyKey))?.answer;
  return stored?.kind === 'payment' ? stored : paymentAnswer(current);
}

/** Moves a pending or approved payment to reversal_pending and queues its reversal. */
export async function queueReversalOf(
  ctx: EngineContext,
  work: UnitOfWork,
  payment: PaymentRecord,
  reason: PaymentRecord['reversalReason'] & string,
  why: string,
  firstAttemptAt = work.now,
): Promise<PaymentRecord | undefined> {
  const moved = await movePayment(
    ctx,
    work,
    payment,
    {
      status: 'reversal_pending',
      reversalReason: reason,
      ...(payment.status === 'pending' ? { responseCode: hostResponseCodes.issuerTimeout } : {}),
    },
    { name: 'reversal.queued', data: { reason, why } },
  );
  if (moved === undefined) return undefined;
  await work.tx.enqueueReversal({
    paymentId: payment.id,
    rrn: payment.rrn ?? '',
    reason,
    nextAttemptAt: firstAttemptAt,
    now: work.now,
  });
  work.afterCommit(ctx.onReversalQueued);
  return moved;
}
