// A code the terminal shows (merchant-presented, a dynamic QR code): the terminal asks for an
// order, shows the code the wallet made for it, and learns the result by the wallet's notification
// or by asking (qr-order-read.ts). One open order per terminal: a new order first closes the open
// one at the wallet, and
//  - if the wallet says the customer paid it already, that sale is approved and the new order is
//    refused (POS_ERR_QR_ORDER_EARLIER_PAID), so the customer is never asked to pay twice;
//  - if the close gets no clear answer, the new order is refused until it has one
//    (POS_ERR_QR_ORDER_UNRESOLVED); the key stays free for the same request's next attempt.
// The close here only learns whether the old code was paid and stops it being paid; it never moves
// money. The old order then goes to `reversal_pending` and the durable queue owns its close from
// there (qr-order-close.ts), refunding any payment that still arrives for it.
//  1. In one transaction: the key (or its holder), the terminal's open QR sale, and the order
//     stored `pending` with its order number (from the key, qr-order.ts) and expiry, journaled.
//  2. The wallet's precreate; 3. in a second transaction, the code (or the refusal) and the answer.
import { chainOf } from './ports/journal-store.js';
import type { Currency } from '../money/money.js';
import type { Channel } from './payment.js';
import { PosError } from '../pos-error.js';
import type { RequestRecord } from './ports/idempotency-store.js';
import type { Wallet, WalletPaid, WalletPrecreateAnswer, WalletProvider } from './ports/wallet.js';
import { requireMerchant, type PaymentResult } from './authorize-sale.js';
import type { EngineContext } from './engine-context.js';
import { requireFreeText } from './free-text.js';
import { answerExistingKey, newRequestRecord } from './idempotency.js';
import { paymentAnswer } from './payment-view.js';
import { refusalResponseCode } from './qr-order.js';
import { pendingQrSale } from './qr-pending-sale.js';
import { isShownOrder, queueShownClose, settleShownPaid, type ShownOrder } from './qr-order-settle.js';
import { requestHash } from './request-hash.js';
import { inTransaction, movePayment, type UnitOfWork } from './unit-of-work.js';
import { callWallet, withoutLongDigits } from './wallet-call.js';

export interface QrOrderCommand {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly idempotencyKey: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly wallet: Wallet;
  readonly operatorId: string | null;
  readonly reference: string | null;
  /** The cashier confirms a second payment of the same payer and amount is meant (duplicate guard). */
  readonly confirmDuplicate: boolean;
  /**
   * The door it came through; HTTP when absent. An ISO 8583 terminal's order carries its STAN and
   * batch, so an order paid stands in that batch's totals as the terminal's sale.
   */
  readonly channel?: Channel;
  readonly stan?: string | null;
  readonly batchNo?: string | null;
}

/** Same key, same content; never the hash of a sale (its method says `shown`). */
export function qrOrderRequestHash(command: QrOrderCommand): string {
  return requestHash('sale', {
    method: 'qr',
    flow: 'shown',
    terminalId: command.terminalId,
    amount: command.amount,
    currency: command.currency,
    wallet: command.wallet,
    operatorId: command.operatorId,
    reference: command.reference,
    confirmDuplicate: command.confirmDuplicate,
    // Only a terminal's order names them: the hash of an HTTP order is what it always was.
    ...(command.channel === 'iso'
      ? { channel: 'iso', stan: command.stan ?? null, batchNo: command.batchNo ?? null }
      : {}),
  });
}

/** What the cashier is told when the previous code turns out to have been paid. */
const earlierCodePaid = {
  zh: '上一个收款码顾客已付款，该笔交易已完成，请勿让顾客再次付款。',
  en: 'The customer has paid the previous code: that sale is complete. Do not ask the customer to pay again.',
} as const;

/** What the cashier is told while the previous code's close is not confirmed. */
const earlierCodeUnresolved = {
  zh: '上一个收款码尚未确认关闭，请稍后重试，不要让顾客再次付款。',
  en: 'The previous code is not confirmed closed yet: try again in a moment, and do not ask the customer to pay again.',
} as const;

function providerFor(ctx: EngineContext, wallet: Wallet): WalletProvider {
  const provider = ctx.wallets[wallet];
  if (provider === undefined || ctx.fingerprintKey === null) {
    throw new PosError(
      'POS_ERR_QR_WALLET_UNAVAILABLE',
      `wallet: this host takes no ${wallet} payments; no code was made`,
      {
        details: {
          wallet,
          cashierMessage: {
            zh: '本机不支持该钱包付款，请顾客换用其他方式付款。',
            en: 'This wallet is not accepted here: ask the customer to pay another way.',
          },
        },
      },
    );
  }
  return provider;
}

/** The order as first stored (qr-pending-sale.ts): no code of the customer's, and its expiry. */
function newShownOrder(
  command: QrOrderCommand,
  at: { id: string; rrn: string; now: number; expiresAt: number },
): ShownOrder {
  return pendingQrSale(
    {
      ...command,
      channel: command.channel ?? 'http',
      stan: command.stan ?? null,
      batchNo: command.batchNo ?? null,
      // The cashier's confirmation, kept for when the payment comes (settlePaid reads it then).
      duplicateConfirmed: command.confirmDuplicate,
      qr: {
        wallet: command.wallet,
        flow: 'shown',
        codeMasked: null,
        codeFingerprint: null,
        expiresAt: at.expiresAt,
      },
    },
    at,
  );
}

type Begun =
  | { readonly kind: 'existing'; readonly record: RequestRecord }
  /** The terminal has an open order: close it before making another. */
  | { readonly kind: 'close_first'; readonly open: ShownOrder }
  | { readonly kind: 'precreate'; readonly order: ShownOrder; readonly subject: string };

function unknownTerminal(command: QrOrderCommand): PosError {
  return new PosError(
    'POS_ERR_PAYMENT_UNKNOWN_TERMINAL',
    `terminalId: expected a terminal registered to merchant ${command.merchantId}, got ${JSON.stringify(command.terminalId)}`,
    { details: { merchantId: command.merchantId, terminalId: command.terminalId } },
  );
}

async function begin(
  ctx: EngineContext,
  work: UnitOfWork,
  command: QrOrderCommand,
  hash: string,
): Promise<Begun> {
  const { tx, now } = work;
  const merchant = await requireMerchant(tx, command.merchantId);
  const terminal = await tx.lockTerminal(command.merchantId, command.terminalId);
  if (terminal === undefined) throw unknownTerminal(command);
  // The key first: a retransmission must get its own order back, never close it as "the old one".
  const held = await tx.getRequest(command.merchantId, command.idempotencyKey);
  if (held !== undefined) return { kind: 'existing', record: held };
  // Under the terminal's lock: one open QR sale per terminal, scanned or shown.
  const open = await tx.findPendingQrSale(command.merchantId, command.terminalId);
  if (isShownOrder(open)) return { kind: 'close_first', open };
  if (open !== undefined) {
    throw new PosError(
      'POS_ERR_QR_SALE_UNRESOLVED',
      `terminal ${command.terminalId} has a QR sale (${open.id}) the wallet has not settled yet; no code was made: wait for that sale's answer`,
      {
        details: {
          paymentId: open.id,
          cashierMessage: {
            zh: '上一笔扫码付款尚未完成，请等待结果，不要让顾客再次付款。',
            en: 'The last QR payment on this terminal is not finished yet: wait for its result and do not ask the customer to pay again.',
          },
        },
      },
    );
  }
  const id = ctx.ids.next('pay');
  const taken = await tx.insertRequest(
    newRequestRecord(ctx, {
      merchantId: command.merchantId,
      idempotencyKey: command.idempotencyKey,
      operation: 'sale',
      requestHash: hash,
      paymentId: id,
      now,
    }),
  );
  if (taken !== undefined) return { kind: 'existing', record: taken };
  const expiresAt = now + ctx.settings.shownCodeLifetimeMs;
  const order = newShownOrder(command, { id, rrn: await tx.nextRrn(), now, expiresAt });
  await tx.insertPayment(order);
  await tx.appendJournal({
    chain: chainOf(command.merchantId, command.terminalId),
    at: now,
    paymentId: id,
    event: 'payment.created',
    fromStatus: null,
    toStatus: 'pending',
    data: JSON.stringify({
      rrn: order.rrn,
      method: 'qr',
      flow: 'shown',
      wallet: command.wallet,
      orderNo: order.qr.orderNo,
      expiresAt,
    }),
  });
  work.afterCommit(() => ctx.metrics.paymentStatus('sale', 'pending'));
  return { kind: 'precreate', order, subject: `${merchant.name} ${command.terminalId}` };
}

/** What closing the terminal's open order found. */
type Replaced = 'closed' | { readonly paid: ShownOrder } | 'unresolved';

/** The old order is paid: its payment, settled under its lock; the new order waits if it is not approved. */
async function settleEarlierPayment(
  ctx: EngineContext,
  old: ShownOrder,
  paid: WalletPaid,
): Promise<Replaced> {
  const { order } = await inTransaction(ctx, (work) => settleShownPaid(ctx, work, old.id, paid));
  // Approved: the customer paid this sale. Held or the wrong amount: refunded, so a new code is fine.
  return order.status === 'approved' ? { paid: order } : 'closed';
}

/**
 * Closes the terminal's open order at the wallet and says what that found. The close is called
 * here, not queued, because its answer decides the new order; the old order then goes to the
 * queue, which closes it again once its code has expired (a shown Alipay code nobody scanned has
 * no trade to close, and could still be paid until then) and refunds whatever arrives.
 */
async function replaceOpenOrder(ctx: EngineContext, old: ShownOrder): Promise<Replaced> {
  const provider = ctx.wallets[old.qr.wallet];
  if (provider === undefined) return 'unresolved';
  const deadline = ctx.settings.upstreamTimeoutMs;
  const close = await callWallet(ctx, deadline, (signal) => provider.close(old.qr.orderNo, signal));
  const said = close.kind === 'answer' ? close.answer.outcome : 'unknown';
  if (said === 'unknown') return 'unresolved';
  if (said === 'already_paid') {
    const query = await callWallet(ctx, deadline, (signal) => provider.query(old.qr.orderNo, signal));
    if (query.kind !== 'answer' || query.answer.state !== 'paid') return 'unresolved';
    return settleEarlierPayment(ctx, old, query.answer);
  }
  return inTransaction(ctx, async (work) => {
    const current = await work.tx.lockPayment(old.id);
    // Paid meanwhile (a notification while the close was out): that sale stands.
    if (isShownOrder(current) && current.status === 'approved') return { paid: current };
    if (isShownOrder(current) && current.status === 'pending') {
      await queueShownClose(ctx, work, current, 'replaced', 'a new order replaced it on the terminal');
    }
    return 'closed' as const;
  });
}

/** Records the wallet's answer to the precreate and answers the request, in one transaction. */
async function recordPrecreate(
  ctx: EngineContext,
  work: UnitOfWork,
  order: ShownOrder,
  answer: WalletPrecreateAnswer,
): Promise<PaymentResult> {
  const current = await work.tx.lockPayment(order.id);
  if (!isShownOrder(current))
    throw new PosError('POS_ERR_PAYMENT_NOT_FOUND', `order ${order.id} disappeared`);
  let latest: ShownOrder = current;
  if (current.status !== 'pending') {
    // Closed meanwhile (a new order on the terminal, the cashier): that stands; the queue closes it.
    await work.tx.appendJournal({
      chain: chainOf(current.merchantId, current.terminalId),
      at: work.now,
      paymentId: current.id,
      event: 'wallet.late_answer',
      fromStatus: current.status,
      toStatus: current.status,
      data: JSON.stringify({ precreate: answer.outcome }),
    });
  } else if (answer.outcome === 'created') {
    await work.tx.setShownCode(current.id, answer.qrContent, work.now);
    await work.tx.appendJournal({
      chain: chainOf(current.merchantId, current.terminalId),
      at: work.now,
      paymentId: current.id,
      event: 'wallet.code_created',
      fromStatus: 'pending',
      toStatus: 'pending',
      data: JSON.stringify({ orderNo: current.qr.orderNo }),
    });
    latest = { ...current, qr: { ...current.qr, qrContent: answer.qrContent }, updatedAt: work.now };
  } else if (answer.outcome === 'refused') {
    const responseCode = refusalResponseCode(answer.refusal);
    const data = { refusal: answer.refusal, responseCode };
    const moved = await movePayment(
      ctx,
      work,
      current,
      { status: 'declined', responseCode },
      { name: 'wallet.refused', data },
    );
    latest = isShownOrder(moved) ? moved : current;
  } else {
    // The wallet may have made the order without our knowing its code: closed through the queue.
    const why = `the precreate's answer is unknown: ${withoutLongDigits(answer.reason)}`;
    latest = (await queueShownClose(ctx, work, current, 'not_created', why)) ?? current;
  }
  const view = paymentAnswer(latest);
  await work.tx.completeRequest(latest.merchantId, latest.idempotencyKey, view);
  return { kind: 'answered', answer: view, replayed: false };
}

async function precreate(ctx: EngineContext, order: ShownOrder, subject: string): Promise<PaymentResult> {
  const provider = providerFor(ctx, order.qr.wallet);
  const expiresAtMs = order.qr.expiresAt ?? order.createdAt + ctx.settings.shownCodeLifetimeMs;
  const call = await callWallet(ctx, ctx.settings.upstreamTimeoutMs, (signal) =>
    provider.precreate(
      {
        orderNo: order.qr.orderNo,
        merchantId: order.merchantId,
        terminalId: order.terminalId,
        amount: order.amount,
        currency: order.currency,
        subject,
        expiresAtMs,
      },
      signal,
    ),
  );
  const answer: WalletPrecreateAnswer =
    call.kind === 'answer' ? call.answer : { outcome: 'unknown', reason: call.why };
  return inTransaction(ctx, (work) => recordPrecreate(ctx, work, order, answer));
}

/** Terminals rarely race themselves; a few rounds settle it, and more means something is wrong. */
const maxRounds = 3;

export async function createQrOrder(ctx: EngineContext, command: QrOrderCommand): Promise<PaymentResult> {
  requireFreeText({
    idempotencyKey: command.idempotencyKey,
    operatorId: command.operatorId,
    reference: command.reference,
  });
  providerFor(ctx, command.wallet);
  const hash = qrOrderRequestHash(command);
  for (let round = 0; round < maxRounds; round += 1) {
    const begun: Begun = await inTransaction(ctx, (work) => begin(ctx, work, command, hash));
    if (begun.kind === 'existing') {
      return answerExistingKey(ctx, begun.record, {
        operation: 'sale',
        requestHash: hash,
        answerKind: 'payment',
      });
    }
    if (begun.kind === 'precreate') return precreate(ctx, begun.order, begun.subject);
    const replaced = await replaceOpenOrder(ctx, begun.open);
    if (replaced === 'unresolved') break;
    if (replaced !== 'closed') {
      ctx.metrics.duplicatePrevented('earlier_code_paid_refused');
      throw new PosError(
        'POS_ERR_QR_ORDER_EARLIER_PAID',
        `terminal ${command.terminalId}'s previous code (order ${replaced.paid.id}) was paid by the customer: that sale is approved and no new code was made`,
        { details: { paymentId: replaced.paid.id, cashierMessage: earlierCodePaid } },
      );
    }
  }
  throw new PosError(
    'POS_ERR_QR_ORDER_UNRESOLVED',
    `terminal ${command.terminalId}'s previous code is not confirmed closed at the wallet; no new code was made: try again`,
    { details: { cashierMessage: earlierCodeUnresolved } },
  );
}
