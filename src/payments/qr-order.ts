// The facts of a QR sale that are rules rather than flow: the merchant order number it is known
// by at the wallet, and the response code (CUP field 39 values, as for cards) each wallet outcome
// is answered with, so both doors and the reports read a QR sale as they read a card sale.
import { createHash } from 'node:crypto';
import type { WalletRefusal } from './ports/wallet.js';

/**
 * The merchant order number (Alipay out_trade_no, WeChat out_trade_no) of the sale made under
 * this merchant's idempotency key: `PG` and 30 hex digits of SHA-256 of both, 32 characters of
 * [A-Za-z0-9], WeChat Pay's limit. The same request, retried or run again after a crash, always
 * names the same order, so the wallet never sees one sale under two numbers; two keys (which the
 * payments table keeps unique per merchant) never share one but by a 120-bit collision.
 */
export function orderNoFor(merchantId: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${merchantId}\u0000${idempotencyKey}`, 'utf8').digest('hex');
  return `PG${digest.slice(0, 30)}`;
}

/**
 * The merchant refund number (Alipay out_request_no, WeChat out_refund_no) of the one refund the
 * host may owe on an order: a payment that arrived after its code was closed, of another amount,
 * or held as a duplicate. Derived from the order number (`RF` and its 30 hex digits), so every
 * retry of the queue names the same refund and the wallet refunds once.
 */
export function refundNoFor(orderNo: string): string {
  return `RF${orderNo.slice(2)}`;
}

/**
 * The refund number (Alipay out_request_no, WeChat out_refund_no) of a void or refund of a QR
 * sale, derived from the merchant and that request's own idempotency key: `RQ` and 30 hex digits
 * of SHA-256 (in a domain of its own, so it never equals an order number). A retried request, the
 * background worker and a host restarted after a crash all name the same refund, and the wallet
 * refunds it once; a second refund of the sale is a second request, with a key and a number of
 * its own. 32 characters of [A-Za-z0-9], within both wallets' 64.
 */
export function childRefundNoFor(merchantId: string, idempotencyKey: string): string {
  const digest = createHash('sha256')
    .update(`refund\u0000${merchantId}\u0000${idempotencyKey}`, 'utf8')
    .digest('hex');
  return `RQ${digest.slice(0, 30)}`;
}

/** Response codes a QR sale is answered with beyond the host's own (payment.ts). */
export const qrResponseCodes = {
  /** The wallet charged another amount than the sale's: not approved, cancelled (CUP 13). */
  amountMismatch: '13',
  /** Refused by the wallet for a reason of its own (CUP 05, do not honour). */
  refused: '05',
} as const;

/**
 * The response code of a wallet's refusal. A code the customer must refresh is answered as a
 * card would be: expired 54, used or unreadable 14 (invalid card number); no money 51; anything
 * else the wallet refused (the payer said no, its risk control, a closed order) 05.
 */
export function refusalResponseCode(refusal: WalletRefusal): string {
  switch (refusal) {
    case 'code_expired':
      return '54';
    case 'code_used':
    case 'code_invalid':
      return '14';
    case 'insufficient_funds':
      return '51';
    case 'payer_refused':
    case 'risk_refused':
    case 'order_closed':
    case 'other':
      return qrResponseCodes.refused;
  }
}

/** What a declined QR sale's answer says, by response code (the cashier's next step in it). */
export const qrDeclineMessages: Readonly<Record<string, string>> = {
  '54': 'the payment code has expired: ask the customer to refresh it and scan again',
  '14': 'the payment code is invalid or already used: ask the customer for a fresh code',
  '51': "insufficient funds in the customer's wallet",
  '05': 'refused by the wallet',
};
