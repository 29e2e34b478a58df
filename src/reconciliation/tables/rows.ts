// The three views of a day's business as typed records, independent of any file format: what the
// terminal showed, what posguard's host recorded, and what the acquirer settled. Readers (CSV files,
// mapping profiles, later the store) produce these; the matcher only ever sees them or their
// columnar form (`tables.ts`). Field meanings follow the v1 reconciliation formats
// (docs/reference/reconciliation-csv.md).

import type { EntryMode } from '../../payments/payment.js';
import type { Wallet } from '../../payments/ports/wallet.js';

export const txnTypes = ['sale', 'void', 'refund'] as const;
export type TxnType = (typeof txnTypes)[number];

export const settlementTxnTypes = ['sale', 'refund'] as const;
export type SettlementTxnType = (typeof settlementTxnTypes)[number];

export const terminalResults = ['approved', 'declined', 'reversed', 'unknown'] as const;
export type TerminalResult = (typeof terminalResults)[number];

/** Sales use all six; voids and refunds only `approved` and `declined`. */
export const hostStatuses = [
  'approved',
  'declined',
  'reversed',
  'voided',
  'refunded',
  'partially_refunded',
] as const;
export type HostStatus = (typeof hostStatuses)[number];

/**
 * One line of the terminal journal. Text fields are '' when unknown; `txnTimeMs` and `amountMinor`
 * are null when the cell was empty.
 */
export interface TerminalRow {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly batchNo: string;
  readonly stan: string;
  readonly rrn: string;
  readonly authCode: string;
  /** Epoch milliseconds, the offset of the original text already applied. */
  readonly txnTimeMs: number | null;
  readonly txnType: TxnType;
  readonly result: TerminalResult;
  readonly amountMinor: number | null;
  readonly cardMasked: string;
}

/** One payment in posguard's own journal: a sale, or a void or refund acting on `originalRrn`. */
export interface HostRow {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly batchNo: string;
  readonly stan: string;
  readonly rrn: string;
  readonly authCode: string;
  readonly txnTimeMs: number | null;
  readonly txnType: TxnType;
  readonly status: HostStatus;
  readonly amountMinor: number;
  /** ISO 4217 alphabetic code, '' when unknown. */
  readonly currency: string;
  readonly cardMasked: string;
  /** Keyed hash of the card number; '' when unknown. Never the number itself. */
  readonly cardFingerprint: string;
  readonly entryMode: EntryMode | null;
  readonly operatorId: string;
  readonly duplicateConfirmed: boolean;
  /** For voids and refunds, the RRN of the sale they act on; '' for sales. */
  readonly originalRrn: string;
  /** A QR payment's wallet facts; absent or null for a card payment. */
  readonly qr?: HostQr | null;
}

/**
 * What a QR sale adds to a host row (issue 20): the wallet, the merchant order number every call
 * to the wallet named (what a wallet's bill calls 商户订单号), the wallet's own trade number once
 * it charged ('' before), and the keyed fingerprint of the payer ('' when unknown), which takes
 * the card fingerprint's place in the duplicate rule.
 */
export interface HostQr {
  readonly wallet: Wallet;
  readonly orderNo: string;
  readonly tradeNo: string;
  readonly payerFingerprint: string;
}

/** A wallet bill line's order and trade numbers ('' when the bill leaves the trade number out). */
export interface SettlementQr {
  readonly orderNo: string;
  readonly tradeNo: string;
}

/** One line of the acquirer's settlement detail. Amounts are positive for sales and refunds alike. */
export interface SettlementRow {
  readonly settlementDate: string;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly batchNo: string;
  readonly stan: string;
  readonly rrn: string;
  readonly authCode: string;
  readonly txnTimeMs: number | null;
  readonly txnType: SettlementTxnType;
  readonly amountMinor: number;
  readonly feeMinor: number | null;
  readonly currency: string;
  readonly cardMasked: string;
  /** Set on every line of a wallet's bill (the settlement source names the wallet), never on others. */
  readonly qr?: SettlementQr | null;
}
