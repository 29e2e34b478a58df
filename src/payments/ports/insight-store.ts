// The insight port (issue 15): the reads a merchant's dashboard needs (src/insight/) beyond the
// engine's own: the day's payments counted by hour, kind and status; duplicates counted by
// resolution; a payment's journal rows; the merchant's terminals. The store port (payments/ports/store.ts)
// includes these readers, so the one Store the composition root opens serves them.
import type {
  DuplicateRecord,
  DuplicateSource,
  DuplicateResolution,
} from '../../payments/ports/duplicate-store.js';
import type { JournalRow } from './journal-store.js';
import type { MerchantRecord, PaymentKind, PaymentStatus, TerminalRecord } from '../payment.js';

/**
 * Whose data a read covers: one merchant, or null for every merchant (acquirer operations'
 * fleet-wide views). Always said, never left out, so no merchant-scoped read forgets its merchant.
 */
export type MerchantScope = string | null;

export interface PaymentTallyQuery {
  readonly merchantId: MerchantScope;
  readonly fromMs: number;
  readonly toMs: number;
}

/** Payments of one kind and status created in one hour of the period (hour 0 starts at `fromMs`). */
export interface PaymentTally {
  readonly hour: number;
  readonly kind: PaymentKind;
  readonly status: PaymentStatus;
  readonly count: number;
  /** The sum of their amounts, in minor units. */
  readonly amount: number;
}

/** Duplicate records of one source and resolution detected in the period. */
export interface DuplicateTally {
  readonly source: DuplicateSource;
  readonly resolution: DuplicateResolution;
  readonly count: number;
}

export interface InsightReader {
  tallyPayments(query: PaymentTallyQuery): Promise<PaymentTally[]>;
  tallyDuplicates(query: PaymentTallyQuery): Promise<DuplicateTally[]>;
  /** The merchant's payments in each of these statuses, whenever made. */
  countPaymentsInStatuses(
    merchantId: MerchantScope,
    statuses: readonly PaymentStatus[],
  ): Promise<Array<{ status: PaymentStatus; count: number }>>;
  /** The journal rows of these payments, oldest first, at most `limit`. */
  readPaymentJournal(paymentIds: readonly string[], limit: number): Promise<JournalRow[]>;
  /** Duplicate records naming any of these payments (as the attempt, the original or the confirmed one). */
  listDuplicatesOfPayments(merchantId: string, paymentIds: readonly string[]): Promise<DuplicateRecord[]>;
  /** The merchant's terminals (every merchant's, by merchant) by id, at most `limit`. */
  listTerminals(merchantId: MerchantScope, limit: number): Promise<TerminalRecord[]>;
  /** The merchants by id, at most `limit` (the operations views' merchant filter). */
  listMerchants(limit: number): Promise<MerchantRecord[]>;
}
