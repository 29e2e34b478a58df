// Voids and refunds share one shape: each is a payment of its own (own key, own RRN, own upstream
// call and reversal) that acts on an approved sale. This runs that shape; `void-sale.ts` and
// `refund-sale.ts` say what each checks, `child-effects.ts` what it does to the sale once approved.
// A void or refund of a QR sale is a refund at the sale's wallet (qr-refund.ts): it never reaches
// the card upstream, and its follow-up is queued with it, in the transaction that stores it.
import { chainOf } from './ports/journal-store.js';
import type { Currency } from '../money/money.js';
import { describeValue, PosError } from '../pos-error.js';
import type { RequestRecord } from './ports/idempotency-store.js';
import type { EngineContext } from './engine-context.js';
import { answerExistingKey, newRequestRecord } from './idempotency.js';
import { activeChildStatuses } from './life-cycle.js';
import type { Channel, PaymentRecord } from './payment.js';
import { recordAnswer, requireMerchant, type PaymentResult } from './authorize-sale.js';
import { onChildApproved } from './child-effects.js';
import { requireFreeText } from './free-text.js';
import { followUpAt, qrChildDetails, refundQrChild, type QrPayment } from './qr-refund.js';
import { requestHash } from './request-hash.js';
import { inTransaction, type UnitOfWork } from './unit-of-work.js';
import { callWithDeadline } from './upstream-call.js';

export interface ChildCommand {
  readonly merchantId: string;
  readonly saleId: string;
  readonly idempotencyKey: string;
  readonly operatorId: string | null;
  readonly channel: Channel;
  /** ISO terminals: the terminal sending it, its trace number and batch. */
  readonly terminalId: string | null;
  readonly stan: string | null;
  readonly batchNo: string | null;
  /**
   * The currency the request names, when it names one (a refund's body, an ISO 0220's F49): it
   * must be the sale's. Absent: the sale's currency.
   */
  readonly currency?: Currency;
}

export interface ChildRules {
  readonly kind: 'void' | 'refund';
  /** Checks the sale and the voids/refunds already acting on it; returns the amount, or throws. */
  amountFor(sale: PaymentRecord, activeChildren: readonly PaymentRecord[]): number;
  /** Content that makes two requests the same one, beyond the sale and the operator. */
  readonly hashContent: Readonly<Record<string, string | number | null>>;
}

export async function loadOwnSale(
  work: UnitOfWork,
  merchantId: string,
  saleId: string,
): Promise<PaymentRecord> {
  const sale = await work.tx.lockPayment(saleId);
  if (sale === undefined || sale.merchantId !== merchantId || sale.kind !== 'sale') {
    throw new PosError('POS_ERR_PAYMENT_NOT_FOUND', `no sale ${describeValue(saleId)} for this merchant`, {
      details: { paymentId: describeValue(saleId) },
    });
  }
  return sale;
}

/**
 * A void or refund must be in the sale's currency. Checked before the key is taken, so a request in
 * another currency is refused whether or not its key was used: a sale's currency never changes.
 */
async function requireSaleCurrency(ctx: EngineContext, command: ChildCommand): Promise<void> {
  const currency = command.currency;
  if (currency === undefined) return;
  const sale = await ctx.store.read((reader) => reader.getPayment(command.saleId));
  if (sale === undefined || sale.merchantId !== command.merchantId || sale.currency === currency) return;
  throw new PosError(
    'POS_ERR_PAYMENT_CURRENCY_MISMATCH',
    `currency: expected ${sale.currency}, the currency of sale ${sale.id}, got ${currency}`,
    { details: { paymentId: sale.id, expected: sale.currency, actual: currency } },
  );
}

/** A void or refund of a QR sale goes to the sale's wallet: one this host has a provider for. */
function requireWalletOf(ctx: EngineContext, sale: QrPayment, kind: ChildRules['kind']): void {
  if (ctx.wallets[sale.qr.wallet] !== undefined) return;
  throw new PosError(
    'POS_ERR_QR_WALLET_UNAVAILABLE',
    `sale ${sale.id} was paid with ${sale.qr.wallet} and this host has no ${sale.qr.wallet} provider: the ${kind} cannot reach the wallet; nothing was stored`,
    { details: { paymentId: sale.id, wallet: sale.qr.wallet } },
  );
}

type Begun =
  { kind: 'existing'; record: RequestRecord } | { kind: 'send'; child: PaymentRecord; sale: PaymentRecord };

export async function runChildOperation(
  ctx: EngineContext,
  command: ChildCommand,
  rules: ChildRules,
): Promise<PaymentResult> {
  requireFreeText({ idempotencyKey: command.idempotencyKey, operatorId: command.operatorId });
  await requireSaleCurrency(ctx, command);
  const hash = requestHash(rules.kind, {
    saleId: command.saleId,
    operatorId: command.operatorId,
    terminalId: command.terminalId,
    stan: command.stan,
    batchNo: command.batchNo,
    ...rules.hashContent,
  });
  const begun = await inTransaction(ctx, (work) => begin(ctx, work, command, rules, hash));
  if (begun.kind === 'existing') {
    return answerExistingKey(ctx, begun.record, {
      operation: rules.kind,
      requestHash: hash,
      answerKind: 'payment',
    });
  }
  const { child, sale } = begun;
  if (child.qr !== null && sale.qr !== null)
    return refundQrChild(ctx, { ...child, qr: child.qr }, { ...sale, qr: sale.qr });
  const outcome = await callWithDeadline(
    ctx,
    'authorize',
    (signal) =>
      ctx.upstream.authorize(
        {
          kind: rules.kind,
          rrn: child.rrn ?? '',
          originalRrn: sale.rrn,
          merchantId: child.merchantId,
          terminalId: child.terminalId,
          amount: child.amount,
          currency: child.currency,
          pan: null,
          cardFingerprint: child.cardFingerprint,
          entryMode: child.entryMode,
          batchNo: child.batchNo,
          stan: child.stan,
        },
        signal,
      ),
    (answer) => answer.outcome,
  );
  const answer = await inTransaction(ctx, (work) =>
    recordAnswer(ctx, work, child, outcome, async (approved) => {
      const current = await loadOwnSale(work, command.merchantId, sale.id);
      await onChildApproved(ctx, work, approved, current);
    }),
  );
  return { kind: 'answered', answer, replayed: false };
}

/**
 * The first transaction: the key claimed (or the request it already names), the sale checked, and
 * the child stored pending with its RRN and journaled, all before anything goes upstream.
 */
async function begin(
  ctx: EngineContext,
  work: UnitOfWork,
  command: ChildCommand,
  rules: ChildRules,
  hash: string,
): Promise<Begun> {
  const { tx, now } = work;
  await requireMerchant(tx, command.merchantId);
  const id = ctx.ids.next('pay');
  const existing = await tx.insertRequest(
    newRequestRecord(ctx, {
      merchantId: command.merchantId,
      idempotencyKey: command.idempotencyKey,
      operation: rules.kind,
      requestHash: hash,
      paymentId: id,
      now,
    }),
  );
  if (existing !== undefined) return { kind: 'existing', record: existing };
  const sale = await loadOwnSale(work, command.merchantId, command.saleId);
  if (sale.qr !== null) requireWalletOf(ctx, { ...sale, qr: sale.qr }, rules.kind);
  if (command.terminalId !== null && command.terminalId !== sale.terminalId) {
    throw new PosError(
      'POS_ERR_PAYMENT_WRONG_TERMINAL',
      `sale ${sale.id} was made on terminal ${sale.terminalId}, not ${command.terminalId}`,
      { details: { paymentId: sale.id, terminalId: command.terminalId } },
    );
  }
  const children = await tx.listChildren(sale.id, activeChildStatuses);
  const amount = rules.amountFor(sale, children);
  const child = childRecord({ id, kind: rules.kind, sale, command, amount, rrn: await tx.nextRrn(), now });
  await tx.insertPayment(child);
  await tx.appendJournal({
    chain: chainOf(sale.merchantId, sale.terminalId),
    at: now,
    paymentId: id,
    event: 'payment.created',
    fromStatus: null,
    toStatus: 'pending',
    data: JSON.stringify({
      rrn: child.rrn,
      originalId: sale.id,
      amount,
      ...(child.qr === null ? {} : { method: 'qr', wallet: child.qr.wallet, orderNo: child.qr.orderNo }),
    }),
  });
  if (sale.qr !== null) {
    // The follow-up of a refund at a wallet, queued with it: a host that stops mid-call leaves it
    // to the worker of any host, which asks the wallet under the same refund number.
    await tx.enqueueReversal({
      paymentId: id,
      rrn: child.rrn ?? '',
      reason: 'timeout',
      nextAttemptAt: followUpAt(ctx, { ...sale, qr: sale.qr }, now),
      now,
    });
  }
  work.afterCommit(() => ctx.metrics.paymentStatus(rules.kind, 'pending'));
  return { kind: 'send', child, sale };
}

/** A new void or refund, pending: the sale's merchant, terminal, card and currency, its own id and RRN. */
function childRecord(from: {
  id: string;
  kind: ChildRules['kind'];
  sale: PaymentRecord;
  command: ChildCommand;
  amount: number;
  rrn: string;
  now: number;
}): PaymentRecord {
  const { sale, command, now } = from;
  return {
    id: from.id,
    kind: from.kind,
    merchantId: sale.merchantId,
    terminalId: sale.terminalId,
    idempotencyKey: command.idempotencyKey,
    status: 'pending',
    amount: from.amount,
    currency: sale.currency,
    cardMasked: sale.cardMasked,
    cardFingerprint: sale.cardFingerprint,
    entryMode: sale.entryMode,
    operatorId: command.operatorId,
    reference: null,
    rrn: from.rrn,
    authCode: null,
    responseCode: null,
    originalId: sale.id,
    duplicateOf: null,
    duplicateConfirmed: false,
    flaggedForReview: false,
    channel: command.channel,
    stan: command.stan,
    batchNo: command.batchNo,
    reversalReason: null,
    qr: sale.qr === null ? null : qrChildDetails({ ...sale, qr: sale.qr }),
    createdAt: now,
    updatedAt: now,
  };
}
