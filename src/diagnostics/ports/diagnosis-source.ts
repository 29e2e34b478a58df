// The diagnosis port (issue 14): what the fleet diagnosis reads from the store for a period, in
// pages, as compact rows that carry only what a rate needs (no card number, no key: the card's
// keyed fingerprint at most, to see a card keyed twice). The store port (payments/ports/store.ts)
// includes these readers, so both SQL adapters implement them and one contract suite
// (store/diagnosis-store.contract.ts) checks them on SQLite and PostgreSQL.
// The records are written here, not borrowed from payments/: payments/ports/store.ts includes
// this port, so the diagnosis core depends on no other folder of the core but fees/ (no folder
// loop with payments/). Their values are the payment records' (payments/payment.ts), as stored.

/** A payment's kind, status, method and reversal reason, with payments/payment.ts's values. */
export type DiagnosisPaymentKind = 'sale' | 'void' | 'refund';
export type DiagnosisMethod = 'card' | 'qr';

/** A merchant as the diagnosis needs it: its duplicate window says what "keyed twice" means. */
export interface DiagnosisMerchant {
  readonly id: string;
  /** confirm, block, flag or off. */
  readonly duplicatePolicy: string;
  readonly duplicateWindowS: number;
}

/** A payment of the period, with what its reversal and its original say about it. */
export interface DiagnosisPayment {
  readonly id: string;
  readonly kind: DiagnosisPaymentKind;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly operatorId: string | null;
  /** The payment's status (approved, declined, duplicate_suspected, reversal_pending...). */
  readonly status: string;
  readonly amount: number;
  readonly method: DiagnosisMethod;
  /** The wallet of a QR sale; null for a card payment. */
  readonly wallet: string | null;
  readonly responseCode: string | null;
  /** timeout, mac_error, terminal_failure or other, once the payment is being reversed. */
  readonly reversalReason: string | null;
  /**
   * The card's keyed fingerprint (a scanned payment code's for a QR sale): two sales with the same
   * one, amount and terminal within the merchant's window are a sale keyed twice.
   */
  readonly fingerprint: string | null;
  readonly rrn: string | null;
  readonly duplicateOf: string | null;
  readonly duplicateConfirmed: boolean;
  /** A void's or refund's sale, and when that sale was made. */
  readonly originalId: string | null;
  readonly originalCreatedAt: number | null;
  /** The payment's reversal in the durable queue, if it has one. */
  /** queued, done or failed. */
  readonly reversalState: string | null;
  readonly reversalAttempts: number | null;
  /**
   * When the reversal was queued: soon after the sale, while its upstream call was still out, it
   * was the terminal's request (its connection failed), not the host giving up on the provider.
   */
  readonly reversalQueuedAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A suspected or found duplicate of the period (the duplicates table), with its payment's method. */
export interface DiagnosisDuplicate {
  readonly id: string;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly paymentId: string | null;
  /** authorization (the guard held, blocked, flagged or confirmed it) or reconciliation (found after). */
  readonly source: string;
  /** awaiting_confirmation, confirmed, blocked, flagged or found_after_the_fact. */
  readonly resolution: string;
  readonly operatorId: string | null;
  /** Reconciliation's exception kind and cause (one of the five), for a duplicate it found. */
  readonly kind: string | null;
  readonly cause: string | null;
  readonly detectedAt: number;
  readonly paymentMethod: DiagnosisMethod | null;
  readonly paymentWallet: string | null;
}

/** The journal events the diagnosis reads (store/sql/diagnosis-events.ts keeps the list in SQL). */
export const diagnosisEvents = ['request.repeated', 'upstream.late_answer', 'wallet.late_answer'] as const;
export type DiagnosisEventName = (typeof diagnosisEvents)[number];

/** One such event, with the payment it is about and that payment's place. */
export interface DiagnosisEvent {
  readonly chain: number;
  readonly seq: number;
  readonly at: number;
  readonly event: DiagnosisEventName;
  readonly paymentId: string;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly operatorId: string | null;
  readonly method: DiagnosisMethod;
  readonly wallet: string | null;
  readonly amount: number;
  /** When the payment was made: how long after it a late answer came. */
  readonly paymentCreatedAt: number;
  /** The event's facts (JSON), e.g. `{"operation":"sale","sameRequest":true}`. */
  readonly data: string;
}

/** A merchant's rows of a period, in pages: times at or after `fromMs` and before `toMs`. */
export interface DiagnosisPage<After> {
  readonly merchantId: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** The last row of the previous page; rows come in its order. */
  readonly after?: After;
  readonly limit: number;
}

/** Events are few: read for the whole fleet at once, or for one merchant. */
export type DiagnosisEventPage = Omit<
  DiagnosisPage<{ readonly at: number; readonly chain: number; readonly seq: number }>,
  'merchantId'
> & { readonly merchantId?: string };

export interface DiagnosisReader {
  /** Merchants ordered by id, after `afterId`. */
  listDiagnosisMerchants(afterId: string, limit: number): Promise<DiagnosisMerchant[]>;
  /** The merchant's payments created in the period, ordered by creation time and id. */
  listDiagnosisPayments(
    page: DiagnosisPage<{ readonly createdAt: number; readonly id: string }>,
  ): Promise<DiagnosisPayment[]>;
  /** The diagnosis events of the period (the fleet's, or one merchant's), by time, chain and sequence. */
  listDiagnosisEvents(page: DiagnosisEventPage): Promise<DiagnosisEvent[]>;
  /** The merchant's duplicates detected in the period, ordered by detection time and id. */
  listDiagnosisDuplicates(
    page: DiagnosisPage<{ readonly detectedAt: number; readonly id: string }>,
  ): Promise<DiagnosisDuplicate[]>;
}
