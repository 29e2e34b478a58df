// The payments port: the record of every sale, void and refund, its queries and the
// compare-and-set that moves its status.
import type { PaymentKind, PaymentRecord, PaymentStatus, ReversalReason } from '../payment.js';

/** A payment as first stored: everything but what only later answers fill in. */
export type NewPayment = Omit<PaymentRecord, 'authCode' | 'reversalReason' | 'updatedAt'>;

export interface PaymentPatch {
  readonly status: PaymentStatus;
  readonly authCode?: string | null;
  readonly responseCode?: string | null;
  readonly reversalReason?: ReversalReason | null;
  /** A QR sale the wallet says it charged: the wallet's trade number and who paid. */
  readonly walletPaid?: { readonly tradeNo: string; readonly payerFingerprint: string };
  /** The duplicate guard's decision once known after the call (a QR sale's payer). */
  readonly duplicate?: {
    readonly duplicateOf: string | null;
    readonly duplicateConfirmed: boolean;
    readonly flaggedForReview: boolean;
  };
}

export interface PaymentQuery {
  /** One merchant's payments, or null for every merchant's (acquirer operations' fleet view). */
  readonly merchantId: string | null;
  readonly terminalId?: string;
  readonly kind?: PaymentKind;
  readonly status?: PaymentStatus;
  readonly fromMs?: number;
  readonly toMs?: number;
  /** Amounts in minor units, both bounds included. */
  readonly amountMin?: number;
  readonly amountMax?: number;
  /** The last four digits of the card (of its masked number). */
  readonly cardLast4?: string;
  /** Keyset cursor: payments strictly older than this (createdAt, id) pair. */
  readonly before?: { readonly createdAt: number; readonly id: string };
  readonly limit: number;
}

export interface RecentSalesQuery {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly cardFingerprint: string;
  readonly amount: number;
  readonly sinceMs: number;
  readonly statuses: readonly PaymentStatus[];
}

/** Earlier QR sales of the same payer, amount and terminal (the QR duplicate guard). */
export interface RecentPayerSalesQuery {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly payerFingerprint: string;
  readonly amount: number;
  readonly sinceMs: number;
  readonly statuses: readonly PaymentStatus[];
}

/**
 * Pending payments past the time their host would have moved them on, by method. A shown code
 * (QR order) is not among them: it waits for its customer until it expires, and the expiry sweep
 * closes it then (qr-order-expiry.ts); nor is a void or refund of a QR sale, whose follow-up the
 * reversal queue holds from the moment it is stored (qr-refund.ts).
 */
export interface OrphanQuery {
  readonly cardCreatedBefore: number;
  readonly qrCreatedBefore: number;
  readonly limit: number;
}

export interface PaymentReader {
  getPayment(id: string): Promise<PaymentRecord | undefined>;
  getPaymentByRrn(rrn: string): Promise<PaymentRecord | undefined>;
  listPayments(query: PaymentQuery): Promise<PaymentRecord[]>;
  lastPaymentForTerminal(merchantId: string, terminalId: string): Promise<PaymentRecord | undefined>;
  findRecentSales(query: RecentSalesQuery): Promise<PaymentRecord[]>;
  /** Voids and refunds acting on a sale, in the given statuses. */
  listChildren(originalId: string, statuses: readonly PaymentStatus[]): Promise<PaymentRecord[]>;
  /** Payments still `pending` that were created before `createdBefore`, oldest first. */
  findPendingCreatedBefore(createdBefore: number, limit: number): Promise<PaymentRecord[]>;
  /** Pending payments of each method created before its cutoff, oldest first (crash recovery). */
  findOrphanedPending(query: OrphanQuery): Promise<PaymentRecord[]>;
  /** The QR sale (never a void or refund) of a terminal still `pending`, if any. */
  findPendingQrSale(merchantId: string, terminalId: string): Promise<PaymentRecord | undefined>;
  /** QR sales matching the query, newest first. */
  findRecentPayerSales(query: RecentPayerSalesQuery): Promise<PaymentRecord[]>;
  /** The QR sale known to its wallet by this merchant order number (unique among sales), if any. */
  getPaymentByOrderNo(orderNo: string): Promise<PaymentRecord | undefined>;
  /** Shown codes (QR orders) still `pending` whose expiry is at or before `now`, soonest first. */
  findExpiredShownOrders(now: number, limit: number): Promise<PaymentRecord[]>;
  countPaymentsByStatus(): Promise<Array<{ status: PaymentStatus; count: number }>>;
  /** Payments ordered by id, after `afterId`, for full scans (verify, export). */
  scanPayments(afterId: string, limit: number): Promise<PaymentRecord[]>;
}

export interface PaymentWriter {
  /** Reads a payment and holds it until commit. */
  lockPayment(id: string): Promise<PaymentRecord | undefined>;
  insertPayment(payment: NewPayment): Promise<void>;
  /** Compare-and-set: applies `patch` only if the payment is still in `expected`; says if it did. */
  updatePaymentStatus(
    id: string,
    expected: PaymentStatus,
    patch: PaymentPatch,
    now: number,
  ): Promise<boolean>;
  /** The next retrieval reference number, unique across every host on this store. */
  nextRrn(): Promise<string>;
  /** Keeps the content of a shown code the wallet created, while its order is `pending`; says if it did. */
  setShownCode(id: string, qrContent: string, now: number): Promise<boolean>;
  /**
   * Keeps the trade a wallet reports for a QR sale that has none recorded yet, without moving it
   * (a payment that arrived for an order being closed); says if it did.
   */
  noteWalletTrade(
    id: string,
    trade: { readonly tradeNo: string; readonly payerFingerprint: string },
    now: number,
  ): Promise<boolean>;
}
