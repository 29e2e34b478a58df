// The wallets' outcome rules for a customer-presented code, as Alipay and WeChat Pay document
// them: a pay request answers paid, refused, "user paying" (the customer confirms on the phone)
// or unknown (a system error, a timeout, a lost answer). The last two are settled by querying the
// order every `queryIntervalMs` until `payWindowMs` from the sale; what is still unresolved then
// is cancelled (by the caller, through the durable reversal queue). Every call names the sale's
// one order number and has its own deadline, cut at the window's end, so the sale is settled by
// `createdAt + payWindowMs` and recovery never has to guess. Each change of what the wallet says
// is journaled as it happens; no store transaction is held across a call.
import { chainOf } from './ports/journal-store.js';
import type {
  WalletOrderState,
  WalletPaid,
  WalletPayAnswer,
  WalletProvider,
  WalletRefusal,
} from './ports/wallet.js';
import type { PaymentCode } from './payment-code.js';
import type { EngineContext } from './engine-context.js';
import type { PaymentRecord, QrDetails } from './payment.js';
import { inTransaction } from './unit-of-work.js';
import { callWallet, withoutLongDigits } from './wallet-call.js';

/** What the wallet finally said about a sale (or that someone else took it over meanwhile). */
export type WalletVerdict =
  | { readonly kind: 'paid'; readonly paid: WalletPaid }
  | { readonly kind: 'refused'; readonly refusal: WalletRefusal }
  /** The wallet closed the order itself: nothing was charged. */
  | { readonly kind: 'closed' }
  /** Paid and refunded already by someone at the wallet: not a sale to approve. */
  | { readonly kind: 'refunded' }
  /** Still not final at the window's end: the order must be cancelled. */
  | { readonly kind: 'unresolved'; readonly why: string }
  /** The payment left `pending` meanwhile (a reversal took it over): stop asking. */
  | { readonly kind: 'moved' };

type QrSale = PaymentRecord & { readonly qr: QrDetails };

/**
 * Appends a journal row about the sale without moving it (what the wallet said meanwhile), in the
 * status it has now: a reversal may have moved it since the host last looked.
 */
async function journal(ctx: EngineContext, sale: QrSale, event: string, data: Record<string, unknown>) {
  await inTransaction(ctx, async (work) => {
    const status = (await work.tx.lockPayment(sale.id))?.status ?? sale.status;
    await work.tx.appendJournal({
      chain: chainOf(sale.merchantId, sale.terminalId),
      at: work.now,
      paymentId: sale.id,
      event,
      fromStatus: status,
      toStatus: status,
      data: JSON.stringify(data),
    });
  });
}

/** A pay answer read as the order state it tells of. */
function stateOf(answer: WalletPayAnswer): WalletOrderState {
  switch (answer.outcome) {
    case 'paid':
      return {
        state: 'paid',
        tradeNo: answer.tradeNo,
        payerId: answer.payerId,
        amount: answer.amount,
        paidAtMs: answer.paidAtMs,
      };
    case 'refused':
      return { state: 'refused', refusal: answer.refusal, message: answer.message };
    case 'user_paying':
      return { state: 'user_paying' };
    case 'unknown':
      return { state: 'unknown', reason: answer.reason };
  }
}

/** The verdict an order state settles, or undefined to keep asking. */
function verdictOf(order: WalletOrderState): WalletVerdict | undefined {
  switch (order.state) {
    case 'paid':
      return {
        kind: 'paid',
        paid: {
          tradeNo: order.tradeNo,
          payerId: order.payerId,
          amount: order.amount,
          paidAtMs: order.paidAtMs,
        },
      };
    case 'refused':
      return { kind: 'refused', refusal: order.refusal };
    case 'closed':
      return { kind: 'closed' };
    case 'refunded':
      return { kind: 'refunded' };
    case 'user_paying':
    case 'not_paid':
    case 'not_found': // the pay request may not have reached the wallet yet
    case 'unknown':
      return undefined;
  }
}

/** What to journal of an unsettled state: never the wallet's free text beyond an unknown's reason. */
function describe(order: WalletOrderState | { state: 'unknown'; reason: string }): Record<string, string> {
  return order.state === 'unknown'
    ? { said: 'unknown', reason: withoutLongDigits(order.reason) }
    : { said: order.state };
}

/** Sends the pay request and polls until the wallet settles the sale or its window ends. */
export async function payAndPoll(
  ctx: EngineContext,
  provider: WalletProvider,
  sale: QrSale,
  code: PaymentCode,
  subject: string,
): Promise<WalletVerdict> {
  const { timing } = provider;
  const windowEnd = sale.createdAt + timing.payWindowMs;
  const deadline = () => Math.min(ctx.settings.upstreamTimeoutMs, windowEnd - ctx.clock.now());
  let callStart = ctx.clock.now();
  const pay = await callWallet(ctx, deadline(), (signal) =>
    provider.pay(
      {
        orderNo: sale.qr.orderNo,
        merchantId: sale.merchantId,
        terminalId: sale.terminalId,
        amount: sale.amount,
        currency: sale.currency,
        code: code.code,
        subject,
      },
      signal,
    ),
  );
  const first = pay.kind === 'answer' ? stateOf(pay.answer) : { state: 'unknown' as const, reason: pay.why };
  const settled = verdictOf(first);
  if (settled !== undefined) return settled;
  let last = describe(first);
  await journal(ctx, sale, 'wallet.pay_unsettled', last);
  for (;;) {
    const nextAt = callStart + timing.queryIntervalMs;
    if (nextAt >= windowEnd) break;
    await ctx.clock.sleep(nextAt - ctx.clock.now());
    const current = await ctx.store.read((reader) => reader.getPayment(sale.id));
    if (current?.status !== 'pending') return { kind: 'moved' };
    callStart = ctx.clock.now();
    const query = await callWallet(ctx, deadline(), (signal) => provider.query(sale.qr.orderNo, signal));
    const order = query.kind === 'answer' ? query.answer : { state: 'unknown' as const, reason: query.why };
    const verdict = verdictOf(order);
    if (verdict !== undefined) return verdict;
    const now = describe(order);
    // Journaled when it changes, not at every query: a slow payer is one row, not twelve.
    if (now['said'] !== last['said']) await journal(ctx, sale, 'wallet.query', now);
    last = now;
  }
  // The customer has the whole window to confirm; the cancel comes when it is over.
  await ctx.clock.sleep(windowEnd - ctx.clock.now());
  return {
    kind: 'unresolved',
    why: `the wallet still said ${String(last['said'])} at the end of its ${timing.payWindowMs} ms pay window`,
  };
}
