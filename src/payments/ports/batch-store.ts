// The batches port: what terminal settlement (ISO 8583 0500) and batch upload (0320) keep.
import type { Currency } from '../../money/money.js';
import type { PaymentStatus } from '../payment.js';

/** One terminal batch (ISO 8583 60.2): what settlement and batch upload are about. */
export interface BatchRef {
  readonly merchantId: string;
  readonly terminalId: string;
  /** 60.2 as six digits, as payments store it. */
  readonly batchNo: string;
}

/** Debit (sales) and credit (refunds) totals of a batch, in minor units, with their counts. */
export interface BatchTotals {
  readonly debitTotal: number;
  readonly debitCount: number;
  readonly creditTotal: number;
  readonly creditCount: number;
}

export interface BatchTotalsQuery extends BatchRef {
  /** Sales in these statuses count as debits. */
  readonly saleStatuses: readonly PaymentStatus[];
  /** Refunds in these statuses count as credits. */
  readonly refundStatuses: readonly PaymentStatus[];
}

/** What a batch-upload record (0320) says the terminal did; kind from its 60.1. */
export type BatchUploadKind = 'sale' | 'refund' | 'void' | 'other';

/** One record a terminal uploaded (ISO 8583 0320), identified by its batch and STAN. */
export interface BatchUploadRecord extends BatchRef {
  readonly stan: string;
  readonly kind: BatchUploadKind;
  readonly messageTypeCode: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly rrn: string | null;
  readonly authCode: string | null;
  readonly receivedAt: number;
}

/**
 * Where a batch's settlement stands: `unbalanced` after a 0500 whose totals differed from the
 * host's, `uploaded` once the terminal has finished uploading the batch (0320 with 60.3 = 202 or
 * 207), `balanced` once a 0500 agreed (the batch is closed).
 */
export const batchSettlementStates = ['unbalanced', 'uploaded', 'balanced'] as const;
export type BatchSettlementState = (typeof batchSettlementStates)[number];

export interface BatchSettlementRecord extends BatchRef {
  readonly state: BatchSettlementState;
  /** Field 48 of the terminal's last 0500, as sent (62 digits), or null before any 0500. */
  readonly terminalTotals: string | null;
  /** The host's own totals of the batch when it was last settled or uploaded. */
  readonly hostTotals: BatchTotals;
  /** The record count of the closing 0320, once the upload is finished. */
  readonly uploadedCount: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface BatchReader {
  /** Totals of the payments of one terminal batch, in the given statuses. */
  batchTotals(query: BatchTotalsQuery): Promise<BatchTotals>;
  /** Totals of the records a terminal uploaded for one batch, and how many there are. */
  batchUploadTotals(batch: BatchRef): Promise<BatchTotals & { readonly records: number }>;
  getBatchSettlement(batch: BatchRef): Promise<BatchSettlementRecord | undefined>;
}

export interface BatchWriter {
  /** Stores an uploaded batch record unless one with its batch and STAN is held; says if it stored it. */
  insertBatchUpload(record: BatchUploadRecord): Promise<boolean>;
  /** Creates or replaces the settlement record of a batch. */
  putBatchSettlement(record: BatchSettlementRecord): Promise<void>;
}
