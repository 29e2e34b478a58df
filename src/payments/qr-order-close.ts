// The reversal queue's work for a code the terminal showed (a QR order): the queue owns every
// cancellation, and a shown code is cancelled by closing its order (Alipay trade.close, WeChat
// closeorder; WeChat's reverse is for scanned codes only) and, if the customer paid it, by
// refunding the payment under a refund number derived from the order (qr-order.ts), so a retried
// refund refunds once.
//  - closed: done once the code has expired. Before that the wallet may still take a payment for
//    it (a shown Alipay code nobody has scanned has no trade to close: trade.close answers
//    TRADE_NOT_EXIST, and the code stays payable until its time_expire), so the queue closes it
//    again after the expiry and a grace, and only then finishes;
//  - already paid: the payment is learnt by a query, kept and reported if it is news (a payment
//    after the close), and refunded; done once the wallet says refunded (or its query says the
//    order is refunded already: a refund whose answer was lost);
//  - unknown, or a refund refused or unknown: retried with the queue's backoff, until
//    `reversal_failed` for manual action.
import { chainOf } from './ports/journal-store.js';
import type { ReversalRecord } from './ports/reversal-store.js';
import type { WalletPaid, WalletProvider } from './ports/wallet.js';
import type { EngineContext } from './engine-context.js';
import { qrResponseCodes, refundNoFor } from './qr-order.js';
import { settleShownPaid, type ShownOrder } from './qr-order-settle.js';
import { inTransaction } from './unit-of-work.js';
import { callWallet, withoutLongDigits } from './wallet-call.js';
import { checkRefund, sendRefund } from './wallet-refund.js';

/**
 * How long after a shown code's expiry the queue waits before its last close: the wallet's clock
 * and ours may differ by some seconds, and a customer confirming right at the expiry may be let
 * through by the wallet. Half a minute covers both without holding the order long.
 */
export const shownExpiryGraceMs = 30_000;

/** What the queue's worker does with the outcome (reversal-queue.ts provides them). */
export interface QueueSteps {
  finish(event: { name: string; data: Record<string, unknown> }): Promise<void>;
  retryLater(why: string, minDelayMs?: number): Promise<void>;
  /** Due again at `at`, without counting an attempt: nothing failed, it is too early. */
  waitUntil(at: number, why: string): Promise<void>;
}

/** What the customer reads in the wallet about the refund, in both languages (at most 80 bytes). */
function refundReasonOf(order: ShownOrder): string {
  if (order.status === 'duplicate_suspected') return '疑似重复付款，款项退回 / suspected duplicate: refunded';
  if (order.responseCode === qrResponseCodes.amountMismatch)
    return '金额与订单不符，款项退回 / amount differs from the order: refunded';
  return '订单已关闭，款项自动退回 / order closed: refunded automatically';
}

async function journal(ctx: EngineContext, order: ShownOrder, event: string, data: Record<string, unknown>) {
  await inTransaction(ctx, async (work) => {
    const status = (await work.tx.lockPayment(order.id))?.status ?? order.status;
    await work.tx.appendJournal({
      chain: chainOf(order.merchantId, order.terminalId),
      at: work.now,
      paymentId: order.id,
      event,
      fromStatus: status,
      toStatus: status,
      data: JSON.stringify(data),
    });
  });
}

/** The order is paid at the wallet: what was paid (reported if it is news), then its refund. */
async function refundPaid(
  ctx: EngineContext,
  provider: WalletProvider,
  order: ShownOrder,
  queue: QueueSteps,
): Promise<void> {
  const { orderNo } = order.qr;
  const query = await callWallet(ctx, ctx.settings.upstreamTimeoutMs, (signal) =>
    provider.query(orderNo, signal),
  );
  if (query.kind === 'answer' && query.answer.state === 'refunded') {
    // Refunded already: an earlier attempt's refund whose answer was lost, or a refund made at the
    // wallet by hand. The customer has the money back; nothing is left to do.
    await queue.finish({
      name: 'wallet.refunded',
      data: { orderNo, refundNo: refundNoFor(orderNo), amount: query.answer.refundedAmount, earlier: true },
    });
    return;
  }
  if (query.kind !== 'answer' || query.answer.state !== 'paid') {
    const said = query.kind === 'answer' ? query.answer.state : 'unknown';
    await queue.retryLater(
      `the close says paid, the query says ${said}: the refund waits for the payment's facts`,
    );
    return;
  }
  const paid: WalletPaid = query.answer;
  // Under the order's lock, as a notification would: keeps the trade and reports it if it is news.
  const { order: current } = await inTransaction(ctx, (work) => settleShownPaid(ctx, work, order.id, paid));
  const refundNo = refundNoFor(orderNo);
  await journal(ctx, current, 'wallet.refund_asked', { orderNo, refundNo, amount: paid.amount });
  const request = {
    orderNo,
    refundNo,
    amount: paid.amount,
    // The wallet's total of the order: what the customer paid, whatever the order said.
    orderAmount: paid.amount,
    reason: refundReasonOf(current),
  };
  let verdict = await sendRefund(ctx, provider, request, ctx.settings.upstreamTimeoutMs);
  // Taken but not confirmed (WeChat refunds asynchronously): one question about it now.
  if (verdict.kind === 'unsettled' && verdict.processing) {
    verdict = await checkRefund(ctx, provider, current, request, () => ctx.settings.upstreamTimeoutMs);
  }
  if (verdict.kind === 'refunded') {
    await queue.finish({
      name: 'wallet.refunded',
      data: { orderNo, refundNo, tradeNo: paid.tradeNo, amount: paid.amount },
    });
  } else {
    const said = verdict.kind === 'refused' ? `refused: ${verdict.message}` : `not settled: ${verdict.why}`;
    await queue.retryLater(`the wallet's refund is ${said}`);
  }
}

/** One attempt of the queue at a shown code's order. */
export async function closeShownAtWallet(
  ctx: EngineContext,
  reversal: ReversalRecord,
  order: ShownOrder,
  queue: QueueSteps,
): Promise<void> {
  const { wallet, orderNo } = order.qr;
  const provider = ctx.wallets[wallet];
  if (provider === undefined) {
    await queue.retryLater(`this host has no ${wallet} provider to close order ${orderNo} with`);
    return;
  }
  await journal(ctx, order, 'wallet.close_asked', { orderNo, attempt: reversal.attempts + 1 });
  const close = await callWallet(ctx, ctx.settings.upstreamTimeoutMs, (signal) =>
    provider.close(orderNo, signal),
  );
  if (close.kind === 'unknown') {
    await queue.retryLater(close.why);
    return;
  }
  switch (close.answer.outcome) {
    case 'unknown':
      await queue.retryLater(
        `the wallet's close answer is unknown: ${withoutLongDigits(close.answer.reason)}`,
      );
      return;
    case 'already_paid':
      await refundPaid(ctx, provider, order, queue);
      return;
    case 'closed': {
      const dead = (order.qr.expiresAt ?? order.createdAt) + shownExpiryGraceMs;
      if (ctx.clock.now() < dead) {
        await queue.waitUntil(
          dead,
          'closed; closed again once the code has expired, as it may still be paid until then',
        );
        return;
      }
      await queue.finish({ name: 'wallet.order_closed', data: { orderNo } });
    }
  }
}
