// The wallets' outcome rules for a refund under one refund number, as each documents them. Alipay's
// trade.refund answers at once (fund_change=Y: the money is back; a repeat of the number answers N);
// WeChat Pay's refund only accepts the request, and refundquery says when the money is back. So a
// refund is sent, and what is not settled by its answer (accepted, unknown, no answer) is asked
// about with the wallet's refund query; a refund the wallet says it never got is sent again under
// the same number, which the wallet refunds once. Never another number: a second number would be a
// second refund. Every call has its own deadline, cut at the window's end.
import { chainOf } from './ports/journal-store.js';
import type { WalletProvider, WalletRefundRequest, WalletRefundState } from './ports/wallet.js';
import type { EngineContext } from './engine-context.js';
import type { PaymentRecord } from './payment.js';
import { inTransaction } from './unit-of-work.js';
import { callWallet, withoutLongDigits } from './wallet-call.js';

/** What the wallet says of a refund for now. */
export type RefundVerdict =
  | { readonly kind: 'refunded' }
  /** Refused or failed for good: nothing was given back under this number. */
  | { readonly kind: 'refused'; readonly message: string }
  /**
   * Not settled: the wallet has it on its way (`processing`: accepted, or WeChat's PROCESSING),
   * or what it did is not known (no answer, a system error).
   */
  | { readonly kind: 'unsettled'; readonly processing: boolean; readonly why: string };

/** The engine's defaults when a provider's timing names no refund interval or window. */
export const defaultRefundQueryIntervalMs = 5_000;
export const defaultRefundWindowMs = 15_000;

export function refundTiming(provider: WalletProvider): { intervalMs: number; windowMs: number } {
  return {
    intervalMs: provider.timing.refundQueryIntervalMs ?? defaultRefundQueryIntervalMs,
    windowMs: provider.timing.refundWindowMs ?? defaultRefundWindowMs,
  };
}

/**
 * Journals a fact about a payment without moving it, in the status it has now (someone else may
 * have moved it since it was read).
 */
export async function noteOn(
  ctx: EngineContext,
  payment: PaymentRecord,
  event: string,
  data: Record<string, unknown>,
): Promise<void> {
  await inTransaction(ctx, async (work) => {
    const status = (await work.tx.lockPayment(payment.id))?.status ?? payment.status;
    await work.tx.appendJournal({
      chain: chainOf(payment.merchantId, payment.terminalId),
      at: work.now,
      paymentId: payment.id,
      event,
      fromStatus: status,
      toStatus: status,
      data: JSON.stringify(data),
    });
  });
}

/** Sends the refund (again, under the same number) and reads its answer. */
export async function sendRefund(
  ctx: EngineContext,
  provider: WalletProvider,
  request: WalletRefundRequest,
  deadlineMs: number,
): Promise<RefundVerdict> {
  const called = await callWallet(ctx, deadlineMs, (signal) => provider.refund(request, signal));
  if (called.kind === 'unknown') return { kind: 'unsettled', processing: false, why: called.why };
  const answer = called.answer;
  switch (answer.outcome) {
    case 'refunded':
      return { kind: 'refunded' };
    case 'refused':
      return { kind: 'refused', message: withoutLongDigits(answer.message) };
    case 'accepted':
      return {
        kind: 'unsettled',
        processing: true,
        why: 'the wallet took the refund and has not confirmed it yet',
      };
    case 'unknown':
      return { kind: 'unsettled', processing: false, why: withoutLongDigits(answer.reason) };
  }
}

function verdictOfState(state: WalletRefundState): RefundVerdict | 'not_found' {
  switch (state.state) {
    case 'refunded':
      return { kind: 'refunded' };
    case 'failed':
      return { kind: 'refused', message: withoutLongDigits(state.message) };
    case 'processing':
      return { kind: 'unsettled', processing: true, why: 'the wallet says the refund is processing' };
    case 'unknown':
      return { kind: 'unsettled', processing: false, why: withoutLongDigits(state.reason) };
    case 'not_found':
      return 'not_found';
  }
}

/**
 * Asks where the refund stands; a refund the wallet says it never got (or, at Alipay, never made)
 * is sent again under the same number. Two calls at most, each with `deadlineMs`.
 */
export async function checkRefund(
  ctx: EngineContext,
  provider: WalletProvider,
  payment: PaymentRecord,
  request: WalletRefundRequest,
  deadlineMs: () => number,
): Promise<RefundVerdict> {
  const queried = await callWallet(ctx, deadlineMs(), (signal) =>
    provider.queryRefund({ orderNo: request.orderNo, refundNo: request.refundNo }, signal),
  );
  if (queried.kind === 'unknown') return { kind: 'unsettled', processing: false, why: queried.why };
  const verdict = verdictOfState(queried.answer);
  if (verdict !== 'not_found') return verdict;
  if (deadlineMs() <= 0) {
    return { kind: 'unsettled', processing: false, why: 'the wallet has no refund under this number yet' };
  }
  await noteOn(ctx, payment, 'wallet.refund_asked', {
    orderNo: request.orderNo,
    refundNo: request.refundNo,
    amount: request.amount,
    again: 'the wallet has no refund under this number',
  });
  return sendRefund(ctx, provider, request, deadlineMs());
}

/**
 * Sends the refund and, while its outcome is not settled, asks about it every interval until
 * `windowEndMs`. Journals each send and each change of what the wallet says on `payment`.
 */
export async function refundWithinWindow(
  ctx: EngineContext,
  provider: WalletProvider,
  payment: PaymentRecord,
  request: WalletRefundRequest,
  windowEndMs: number,
): Promise<RefundVerdict> {
  const { intervalMs } = refundTiming(provider);
  const deadline = () => Math.min(ctx.settings.upstreamTimeoutMs, windowEndMs - ctx.clock.now());
  const asked = { orderNo: request.orderNo, refundNo: request.refundNo, amount: request.amount };
  await noteOn(ctx, payment, 'wallet.refund_asked', asked);
  let callStart = ctx.clock.now();
  let verdict = await sendRefund(ctx, provider, request, Math.max(1, deadline()));
  let said = verdict.kind === 'unsettled' ? verdict.why : verdict.kind;
  // Bounded by the window: each round waits the interval, so at most window / interval rounds.
  while (verdict.kind === 'unsettled') {
    const nextAt = callStart + intervalMs;
    if (nextAt >= windowEndMs) break;
    await ctx.clock.sleep(nextAt - ctx.clock.now());
    callStart = ctx.clock.now();
    verdict = await checkRefund(ctx, provider, payment, request, deadline);
    const now = verdict.kind === 'unsettled' ? verdict.why : verdict.kind;
    if (now !== said && verdict.kind === 'unsettled') {
      await noteOn(ctx, payment, 'wallet.refund_said', { refundNo: request.refundNo, said: now });
    }
    said = now;
  }
  return verdict;
}
