// The diagnosis port (issue 14): what the fleet diagnosis reads from the store for a period, in
// pages, as compact rows that carry only what a rate needs (no card number, no key: the card's
// keyed fingerprint at most, to see a card keyed twice). The store port (payments/ports/store.ts)
// includes these readers, so both SQL adapters implement them and one contract suite
// (store/diagnosis-store.contract.ts) checks them on SQLite and PostgreSQL.
import type { DuplicateRecord } from '../../payments/ports/duplicate-store.js';
import type {
  DuplicatePolicy,
  PaymentKind,
  PaymentMethod,
  PaymentStatus,
  ReversalReason,
} from '../../payments/payment.js';
import type { ReversalState } from '../../payments/ports/reversal-store.js';

/** A merchant as the diagnosis needs it: its duplicate window says what "keyed twice" means. */
export interface DiagnosisMerchant {
  readonly id: string;
  readonly duplicatePolicy: DuplicatePolicy;
  readonly duplicateWindowS: number;
}

/** A payment of the period, with what its reversal and its original say about it. */
export interface DiagnosisPayment {
  readonly id: string;
  readonly kind: PaymentKind;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly operatorId: string | null;
  readonly status: PaymentStatus;
  readonly amount: number;
  readonly method: PaymentMethod;
  /** The wallet of a QR sale; null for a card payment. */
  readonly wallet: string | null;
  readonly responseCode: string | null;
  readonly reversalReason: ReversalReason | null;
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
  readonly reversalState: ReversalState | null;
  readonly reversalAttempts: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A duplicate of the period, with the method and wallet of its payment (null when it has none). */
export interface DiagnosisDuplicate extends DuplicateRecord {
  readonly paymentMethod: PaymentMethod | null;
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
  readonly method: PaymentMethod;
  readonly wallet: string | null;
  readonly amount: number;
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
