// The fees port (issue 17): a merchant's fee plan as append-only versions (a change is a new row,
// never an update), the BIN table that says which card kind a card is, and the merchant's
// money-moving operations of a period as the fee core's `FeeTransaction` records.
import type { CardKind, FeePlan, FeeTransaction } from '../../fees/index.js';

/** One stored version of a merchant's plan: the whole plan as it stood once this version was added. */
export interface FeePlanVersionRecord {
  readonly merchantId: string;
  readonly version: number;
  /** The version's first local day, `YYYY-MM-DD`. */
  readonly effectiveFrom: string;
  /** The plan with versions 1 to `version`. */
  readonly plan: FeePlan;
  readonly changedBy: string;
  /** When it was stored (epoch milliseconds). */
  readonly changedAt: number;
}

export interface BinEntry {
  /** A prefix of 1 to 11 digits (never a card number). */
  readonly bin: string;
  readonly cardKind: Exclude<CardKind, 'unknown'>;
}

export interface FeeTransactionQuery {
  readonly merchantId: string;
  readonly terminalId?: string;
  /** Operations created at or after this time... */
  readonly fromMs: number;
  /** ...and before this one. */
  readonly toMs: number;
  /** Refused (POS_ERR_FEES_TOO_MANY_TRANSACTIONS) when the period holds more. */
  readonly limit: number;
}

export interface FeeReader {
  /** The merchant's plan as of its last version; undefined when it has none. */
  getFeePlan(merchantId: string): Promise<FeePlanVersionRecord | undefined>;
  /** Every version, oldest first. */
  listFeePlanVersions(merchantId: string): Promise<FeePlanVersionRecord[]>;
  listBins(): Promise<BinEntry[]>;
  /**
   * The merchant's approved sales, voids, refunds and reversed sales (as a sale and a reversal)
   * created in the period, plus the sales outside it that its voids and refunds act on. A refund of
   * a sale that reconciliation stored as a duplicate finding is `duplicateRefunded`. The card kind
   * comes from the BIN: the first six digits the masked card number keeps.
   */
  listFeeTransactions(query: FeeTransactionQuery): Promise<FeeTransaction[]>;
}

export interface FeeWriter {
  /** Appends a version unless the merchant already has one with its number; says if it did. */
  appendFeePlanVersion(record: FeePlanVersionRecord): Promise<boolean>;
  /** Replaces the whole BIN table (loads are whole files). */
  replaceBins(entries: readonly BinEntry[]): Promise<void>;
}
