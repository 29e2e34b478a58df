// The wallet port: where the host sends QR payments (Alipay, WeChat Pay, UnionPay QR). One
// provider per wallet, each an adapter speaking that wallet's own wire format (form POST with RSA2
// for Alipay, XML with MD5 or HMAC-SHA256 for WeChat Pay). The engine owns the outcome rules (poll
// a "user paying" order, query an unknown one, cancel what stays unknown): an adapter only
// translates one call and its answer, and says `unknown` whenever the wallet's answer does not
// settle the question (a system error, a timeout, a signature that does not verify).
//
// Every call about one sale names the same merchant order number (`orderNo`), which the host
// derives from the sale's idempotency key, so a wallet never sees one sale under two numbers.
// The payment code is a bearer token: it travels only inside `Secret` and only to the wallet.
import type { Secret } from '../../cards/secret.js';
import type { Currency } from '../../money/money.js';

export const wallets = ['alipay', 'wechat', 'unionpay'] as const;
export type Wallet = (typeof wallets)[number];

/** Why a wallet refused a payment for good (the sale is declined, nothing was charged). */
export const walletRefusals = [
  'code_expired',
  'code_used',
  'code_invalid',
  'insufficient_funds',
  'payer_refused',
  'risk_refused',
  'order_closed',
  'other',
] as const;
export type WalletRefusal = (typeof walletRefusals)[number];

/** A charge the wallet confirms: its own trade number, the payer's id in the wallet, the amount. */
export interface WalletPaid {
  readonly tradeNo: string;
  /** Alipay's buyer_user_id, WeChat's openid: the host keeps only a keyed fingerprint of it. */
  readonly payerId: string;
  /** Minor units (fen); the host checks it against the order. */
  readonly amount: number;
  readonly paidAtMs: number;
}

export interface WalletPayRequest {
  readonly orderNo: string;
  readonly merchantId: string;
  readonly terminalId: string;
  /** Minor units (fen). */
  readonly amount: number;
  readonly currency: Currency;
  /** The customer's payment code as scanned (付款码). */
  readonly code: Secret<string>;
  /** What the customer sees in the wallet (the merchant's name and the terminal). */
  readonly subject: string;
}

export type WalletPayAnswer =
  | ({ readonly outcome: 'paid' } & WalletPaid)
  | { readonly outcome: 'refused'; readonly refusal: WalletRefusal; readonly message: string }
  /** The customer must confirm on the phone (Alipay 10003, WeChat USERPAYING): poll the order. */
  | { readonly outcome: 'user_paying' }
  | { readonly outcome: 'unknown'; readonly reason: string };

/** Where an order stands at the wallet. */
export type WalletOrderState =
  | ({ readonly state: 'paid' } & WalletPaid)
  | { readonly state: 'user_paying' }
  /** Created (a shown code not yet scanned, or a pay not yet taken) and not paid. */
  | { readonly state: 'not_paid' }
  | { readonly state: 'closed' }
  | { readonly state: 'refunded'; readonly refundedAmount: number }
  | { readonly state: 'refused'; readonly refusal: WalletRefusal; readonly message: string }
  | { readonly state: 'not_found' }
  | { readonly state: 'unknown'; readonly reason: string };

/** Cancel (Alipay trade.cancel, WeChat reverse): closes an unpaid order, refunds a paid one. */
export type WalletCancelAnswer =
  /** `refunded` is true only when the wallet says so (Alipay's action=refund); WeChat never says. */
  | { readonly outcome: 'cancelled'; readonly refunded: boolean }
  /** The wallet asks to call again (Alipay retry_flag=Y, WeChat recall=Y). */
  | { readonly outcome: 'retry'; readonly reason: string }
  | { readonly outcome: 'unknown'; readonly reason: string };

export interface WalletPrecreateRequest {
  readonly orderNo: string;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly subject: string;
  /** The wallet closes the order itself at this time (epoch ms). */
  readonly expiresAtMs: number;
}

export type WalletPrecreateAnswer =
  /** `qrContent` is what the terminal shows as a QR code (a URL of the wallet's). */
  | { readonly outcome: 'created'; readonly qrContent: string }
  | { readonly outcome: 'refused'; readonly refusal: WalletRefusal; readonly message: string }
  | { readonly outcome: 'unknown'; readonly reason: string };

/** Close an order nobody has paid (Alipay trade.close, WeChat closeorder). */
export type WalletCloseAnswer =
  | { readonly outcome: 'closed' }
  /** Too late: the customer paid it; the host refunds. */
  | { readonly outcome: 'already_paid' }
  | { readonly outcome: 'unknown'; readonly reason: string };

export interface WalletRefundRequest {
  readonly orderNo: string;
  /** The host's number for this refund; a repeat with the same number refunds once. */
  readonly refundNo: string;
  readonly amount: number;
  readonly orderAmount: number;
  readonly reason: string;
}

export type WalletRefundAnswer =
  /** The money went back (Alipay 10000 with fund_change=Y). */
  | { readonly outcome: 'refunded' }
  /**
   * Taken under its number, not yet confirmed: ask `queryRefund` (WeChat refunds asynchronously,
   * its SUCCESS only accepts the request; Alipay answers a repeat of a number fund_change=N).
   */
  | { readonly outcome: 'accepted' }
  | { readonly outcome: 'refused'; readonly message: string }
  | { readonly outcome: 'unknown'; readonly reason: string };

/** Where one refund, named by the host's refund number, stands at the wallet. */
export type WalletRefundState =
  | { readonly state: 'refunded' }
  /** Accepted and still on its way to the payer (WeChat PROCESSING). */
  | { readonly state: 'processing' }
  /** Failed for good (WeChat REFUNDCLOSE): nothing was given back under this number. */
  | { readonly state: 'failed'; readonly message: string }
  /** The wallet holds no refund under this number: it never arrived (send it again, same number). */
  | { readonly state: 'not_found' }
  | { readonly state: 'unknown'; readonly reason: string };

/** A payment notification whose signature verified: the wallet says this order was paid. */
export interface WalletNotification {
  readonly wallet: Wallet;
  readonly orderNo: string;
  readonly paid: WalletPaid;
}

/** What to answer the wallet's notification request with (each wallet has its own words). */
export interface WalletAcknowledgement {
  readonly contentType: string;
  readonly body: string;
}

/** How long and how often the engine polls this wallet, as its documentation asks. */
export interface WalletTiming {
  /** Query interval while the customer confirms or the outcome is unknown. */
  readonly queryIntervalMs: number;
  /** After this long from the pay request, stop querying and cancel. */
  readonly payWindowMs: number;
  /** Wait between cancel calls the wallet asked to repeat. */
  readonly cancelRetryMs: number;
  /**
   * Cancel no sooner than this long after the pay request (WeChat Pay asks for 15 s before a
   * reverse); absent means no such rule.
   */
  readonly cancelNotBeforeMs?: number;
  /**
   * How often a refund not yet confirmed is asked about while its request waits (the engine's
   * default, 5 s, when absent).
   */
  readonly refundQueryIntervalMs?: number;
  /**
   * How long a void or refund request waits for the wallet to confirm its refund before it answers
   * `pending` and leaves the rest to the background worker (the engine's default, 15 s, when absent).
   */
  readonly refundWindowMs?: number;
}

export interface WalletProvider {
  readonly wallet: Wallet;
  readonly timing: WalletTiming;
  /** Each call may never settle (a lost answer): the engine bounds it and treats it as unknown. */
  pay(request: WalletPayRequest, signal: AbortSignal): Promise<WalletPayAnswer>;
  query(orderNo: string, signal: AbortSignal): Promise<WalletOrderState>;
  cancel(orderNo: string, signal: AbortSignal): Promise<WalletCancelAnswer>;
  precreate(request: WalletPrecreateRequest, signal: AbortSignal): Promise<WalletPrecreateAnswer>;
  close(orderNo: string, signal: AbortSignal): Promise<WalletCloseAnswer>;
  /** A refund under the host's refund number; a repeat of the number never refunds twice. */
  refund(request: WalletRefundRequest, signal: AbortSignal): Promise<WalletRefundAnswer>;
  /** Where the refund under this number stands (Alipay fastpay.refund.query, WeChat refundquery). */
  queryRefund(
    request: { readonly orderNo: string; readonly refundNo: string },
    signal: AbortSignal,
  ): Promise<WalletRefundState>;
  /**
   * Verifies a notification as the wallet posted it (raw body and content type) and reads it;
   * throws a PosError (POS_ERR_WALLET_NOTIFICATION_INVALID) naming what was wrong when the
   * signature does not verify or the body is not the wallet's format; a notification that
   * verifies but reports no payment (Alipay's TRADE_CLOSED after a full refund) throws
   * POS_ERR_WALLET_NOTIFICATION_NOT_A_PAYMENT: acknowledge it and record nothing.
   */
  readNotification(raw: { readonly body: Buffer; readonly contentType: string }): WalletNotification;
  /** The body that tells the wallet the notification was taken (it repeats it until then). */
  readonly acknowledgement: WalletAcknowledgement;
}

/** The providers a host has, by wallet; a wallet without one refuses its codes. */
export type WalletProviders = Readonly<Partial<Record<Wallet, WalletProvider>>>;
