// The one place where database rows become records: one mapper per table, each built from the
// same few column readers, which check what the database gives (a string, a safe integer, one of
// a closed set of values). A row the code did not write stops with an assertion instead of
// travelling on as a value the types promise cannot exist. The mappers are written out field by
// field rather than derived from a table of columns: rows are mapped on every read, and a
// generic loop measured about five times slower than these literals.
import { assert } from '../../assert.js';
import { currencies, type Currency } from '../../money/money.js';
import type { BatchSettlementRecord } from '../../payments/ports/batch-store.js';
import { batchSettlementStates } from '../../payments/ports/batch-store.js';
import type { BinEntry, FeePlanVersionRecord } from '../../payments/ports/fee-store.js';
import { validateFeePlan } from '../../fees/index.js';
import type { DuplicateRecord } from '../../payments/ports/duplicate-store.js';
import { duplicateResolutions, duplicateSources } from '../../payments/ports/duplicate-store.js';
import type { JournalRow } from '../../payments/ports/journal-store.js';
import type { ReversalRecord } from '../../payments/ports/reversal-store.js';
import { reversalStates } from '../../payments/ports/reversal-store.js';
import { wallets } from '../../payments/ports/wallet.js';
import {
  duplicatePolicies,
  entryModes,
  paymentMethods,
  paymentKinds,
  paymentStatuses,
  qrFlows,
  reversalReasons,
  type Channel,
  type MerchantRecord,
  type PaymentMethod,
  type PaymentRecord,
  type QrDetails,
  type TerminalRecord,
} from '../../payments/payment.js';

/** A row as a driver returns it: column name to value. */
export type Row = Record<string, unknown>;

/** Reads one column of a row as the value of one field. */
export type ColumnReader<T> = (row: Row, column: string) => T;

export const text: ColumnReader<string> = (row, column) => {
  const value = row[column];
  assert(typeof value === 'string', `column ${column} holds a string`);
  return value;
};

export const textOrNull: ColumnReader<string | null> = (row, column) => {
  const value = row[column];
  if (value === null || value === undefined) return null;
  assert(typeof value === 'string', `column ${column} holds a string or null`);
  return value;
};

/** PostgreSQL gives BIGINT (and COUNT, SUM) as text; both databases' integers become numbers. */
export const integer: ColumnReader<number> = (row, column) => {
  const value = Number(row[column]);
  assert(Number.isSafeInteger(value), `column ${column} holds a safe integer`);
  return value;
};

export const integerOrNull: ColumnReader<number | null> = (row, column) => {
  const value = row[column];
  return value === null || value === undefined ? null : integer(row, column);
};

export const flag: ColumnReader<boolean> = (row, column) => Number(row[column]) === 1;

/** A column holding one of a closed set of values. */
export function oneOf<T extends string>(values: readonly T[]): ColumnReader<T> {
  const known: ReadonlySet<string> = new Set(values);
  const expected = values.join(', ');
  return (row, column) => {
    const value = text(row, column);
    // The message is built only when the check fails: rows are mapped on every read.
    if (!known.has(value)) assert(false, `column ${column} holds one of ${expected}`);
    return value as T;
  };
}

export function oneOfOrNull<T extends string>(values: readonly T[]): ColumnReader<T | null> {
  const some = oneOf(values);
  return (row, column) => (row[column] === null || row[column] === undefined ? null : some(row, column));
}

/** SUM of no rows is NULL (and so is a row that is not there): both count as 0. */
export function sumOf(row: Row | undefined, column: string): number {
  const value = row?.[column];
  return value === null || value === undefined ? 0 : integer(row ?? {}, column);
}

// Written as records so that the compiler names a value added to (or dropped from) either type.
const channelNames: Record<Channel, true> = { http: true, iso: true };
const channels = Object.keys(channelNames) as Channel[];
const currencyCodes = Object.keys(currencies) as Currency[];

// Each closed set's reader is built once, not per row.
const duplicatePolicy = oneOf(duplicatePolicies);
export const paymentKind = oneOf(paymentKinds);
export const paymentStatus = oneOf(paymentStatuses);
export const currency = oneOf(currencyCodes);
const entryModeOrNull = oneOfOrNull(entryModes);
const channel = oneOf(channels);
const reversalReasonOrNull = oneOfOrNull(reversalReasons);
const duplicateSource = oneOf(duplicateSources);
const duplicateResolution = oneOf(duplicateResolutions);
export const reversalReason = oneOf(reversalReasons);
const reversalState = oneOf(reversalStates);
const paymentStatusOrNull = oneOfOrNull(paymentStatuses);
const batchSettlementState = oneOf(batchSettlementStates);
const paymentMethod = oneOf(paymentMethods);
const wallet = oneOf(wallets);
const qrFlowOrNull = oneOfOrNull(qrFlows);

export function toMerchant(row: Row): MerchantRecord {
  return {
    id: text(row, 'id'),
    name: text(row, 'name'),
    apiKeyHash: text(row, 'api_key_hash'),
    duplicatePolicy: duplicatePolicy(row, 'duplicate_policy'),
    duplicateWindowS: integer(row, 'duplicate_window_s'),
    createdAt: integer(row, 'created_at'),
  };
}

export function toTerminal(row: Row): TerminalRecord {
  return {
    merchantId: text(row, 'merchant_id'),
    terminalId: text(row, 'terminal_id'),
    tmkEncrypted: textOrNull(row, 'tmk_encrypted'),
    pinKeyEncrypted: textOrNull(row, 'pin_key_encrypted'),
    macKeyEncrypted: textOrNull(row, 'mac_key_encrypted'),
    keyMode: textOrNull(row, 'key_mode'),
    keysIssuedAt: integerOrNull(row, 'keys_issued_at'),
    pendingPinKeyEncrypted: textOrNull(row, 'pending_pin_key_encrypted'),
    pendingMacKeyEncrypted: textOrNull(row, 'pending_mac_key_encrypted'),
    pendingKeyMode: textOrNull(row, 'pending_key_mode'),
    pendingKeysIssuedAt: integerOrNull(row, 'pending_keys_issued_at'),
    batchNo: text(row, 'batch_no'),
    signedIn: flag(row, 'signed_in'),
    createdAt: integer(row, 'created_at'),
  };
}

export function toPayment(row: Row): PaymentRecord {
  return {
    id: text(row, 'id'),
    kind: paymentKind(row, 'kind'),
    merchantId: text(row, 'merchant_id'),
    terminalId: text(row, 'terminal_id'),
    idempotencyKey: text(row, 'idempotency_key'),
    status: paymentStatus(row, 'status'),
    amount: integer(row, 'amount'),
    currency: currency(row, 'currency'),
    cardMasked: textOrNull(row, 'card_masked'),
    cardFingerprint: textOrNull(row, 'card_fingerprint'),
    entryMode: entryModeOrNull(row, 'entry_mode'),
    operatorId: textOrNull(row, 'operator_id'),
    reference: textOrNull(row, 'reference'),
    rrn: textOrNull(row, 'rrn'),
    authCode: textOrNull(row, 'auth_code'),
    responseCode: textOrNull(row, 'response_code'),
    originalId: textOrNull(row, 'original_id'),
    duplicateOf: textOrNull(row, 'duplicate_of'),
    duplicateConfirmed: flag(row, 'duplicate_confirmed'),
    flaggedForReview: flag(row, 'flagged_for_review'),
    channel: channel(row, 'channel'),
    stan: textOrNull(row, 'stan'),
    batchNo: textOrNull(row, 'batch_no'),
    reversalReason: reversalReasonOrNull(row, 'reversal_reason'),
    qr: paymentMethod(row, 'method') === 'qr' ? toQrDetails(row) : null,
    createdAt: integer(row, 'created_at'),
    updatedAt: integer(row, 'updated_at'),
  };
}

function toQrDetails(row: Row): QrDetails {
  // A row written before migration 9 has no flow: it is a scanned code.
  const flow = qrFlowOrNull(row, 'qr_flow') ?? 'scanned';
  const expiresAt = flow === 'shown' ? integerOrNull(row, 'qr_expires_at') : null;
  // Checked here: integer() would read a NULL as 0, an order expired since 1970.
  assert(flow === 'scanned' || expiresAt !== null, 'column qr_expires_at holds a shown code expiry');
  // A scanned code's sale has both; a void or refund of a QR sale keeps its sale's mask (none for a
  // shown code's) and no fingerprint.
  const sale = text(row, 'kind') === 'sale';
  return {
    wallet: wallet(row, 'wallet'),
    flow,
    codeMasked:
      flow !== 'scanned'
        ? null
        : sale
          ? text(row, 'payment_code_masked')
          : textOrNull(row, 'payment_code_masked'),
    codeFingerprint:
      flow === 'scanned' && sale
        ? text(row, 'payment_code_fingerprint')
        : textOrNull(row, 'payment_code_fingerprint'),
    orderNo: text(row, 'order_no'),
    tradeNo: textOrNull(row, 'wallet_trade_no'),
    payerFingerprint: textOrNull(row, 'payer_fingerprint'),
    qrContent: textOrNull(row, 'qr_content'),
    expiresAt,
  };
}

export function toDuplicate(row: Row): DuplicateRecord {
  return {
    id: text(row, 'id'),
    merchantId: text(row, 'merchant_id'),
    terminalId: text(row, 'terminal_id'),
    paymentId: textOrNull(row, 'payment_id'),
    duplicateOf: textOrNull(row, 'duplicate_of'),
    source: duplicateSource(row, 'source'),
    resolution: duplicateResolution(row, 'resolution'),
    amount: integer(row, 'amount'),
    operatorId: textOrNull(row, 'operator_id'),
    confirmedPaymentId: textOrNull(row, 'confirmed_payment_id'),
    kind: textOrNull(row, 'kind'),
    cause: textOrNull(row, 'cause'),
    rrn: textOrNull(row, 'rrn'),
    relatedRrn: textOrNull(row, 'related_rrn'),
    detail: textOrNull(row, 'detail'),
    detectedAt: integer(row, 'detected_at'),
    resolvedAt: integerOrNull(row, 'resolved_at'),
  };
}

export function toReversal(row: Row): ReversalRecord {
  return {
    paymentId: text(row, 'payment_id'),
    rrn: text(row, 'rrn'),
    reason: reversalReason(row, 'reason'),
    state: reversalState(row, 'state'),
    attempts: integer(row, 'attempts'),
    nextAttemptAt: integer(row, 'next_attempt_at'),
    leaseOwner: textOrNull(row, 'lease_owner'),
    leaseUntil: integerOrNull(row, 'lease_until'),
    lastError: textOrNull(row, 'last_error'),
    createdAt: integer(row, 'created_at'),
    updatedAt: integer(row, 'updated_at'),
  };
}

export function toJournal(row: Row): JournalRow {
  return {
    chain: integer(row, 'chain'),
    seq: integer(row, 'seq'),
    at: integer(row, 'at'),
    paymentId: textOrNull(row, 'payment_id'),
    event: text(row, 'event'),
    fromStatus: paymentStatusOrNull(row, 'from_status'),
    toStatus: paymentStatusOrNull(row, 'to_status'),
    data: text(row, 'data'),
    prevHash: text(row, 'prev_hash'),
    hash: text(row, 'hash'),
  };
}

export function toBatchSettlement(row: Row): BatchSettlementRecord {
  return {
    merchantId: text(row, 'merchant_id'),
    terminalId: text(row, 'terminal_id'),
    batchNo: text(row, 'batch_no'),
    state: batchSettlementState(row, 'state'),
    terminalTotals: textOrNull(row, 'terminal_totals'),
    hostTotals: {
      debitTotal: integer(row, 'host_debit_total'),
      debitCount: integer(row, 'host_debit_count'),
      creditTotal: integer(row, 'host_credit_total'),
      creditCount: integer(row, 'host_credit_count'),
    },
    uploadedCount: integerOrNull(row, 'uploaded_count'),
    createdAt: integer(row, 'created_at'),
    updatedAt: integer(row, 'updated_at'),
  };
}

export function toFeePlanVersion(row: Row): FeePlanVersionRecord {
  return {
    merchantId: text(row, 'merchant_id'),
    version: integer(row, 'version'),
    effectiveFrom: text(row, 'effective_from'),
    // Written by appendFeePlanVersion from a validated plan; validated again so a row edited by
    // hand is refused with the plan's own error rather than priced.
    plan: validateFeePlan(JSON.parse(text(row, 'plan_json'))),
    changedBy: text(row, 'changed_by'),
    changedAt: integer(row, 'changed_at'),
  };
}

const binKinds = ['debit', 'credit', 'foreign'] as const;

export function toBinEntry(row: Row): BinEntry {
  return { bin: text(row, 'bin'), cardKind: oneOf(binKinds)(row, 'card_kind') };
}

/** A payment as the fee query reads it: only what pricing needs, and the BIN, never the card. */
export interface FeeOperationRow {
  readonly id: string;
  readonly kind: PaymentRecord['kind'];
  readonly status: PaymentRecord['status'];
  readonly terminalId: string;
  readonly amount: number;
  readonly bin: string | undefined;
  readonly originalId: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly method: PaymentMethod;
}

export function toFeeOperation(row: Row): FeeOperationRow {
  const masked = textOrNull(row, 'card_masked') ?? '';
  // maskPan keeps the first six digits (cards/card.ts): the BIN, and no more of the number.
  const bin = /^\d{6}/.test(masked) ? masked.slice(0, 6) : undefined;
  return {
    id: text(row, 'id'),
    kind: paymentKind(row, 'kind'),
    status: paymentStatus(row, 'status'),
    terminalId: text(row, 'terminal_id'),
    amount: integer(row, 'amount'),
    bin,
    originalId: textOrNull(row, 'original_id'),
    createdAt: integer(row, 'created_at'),
    updatedAt: integer(row, 'updated_at'),
    method: paymentMethod(row, 'method'),
  };
}
