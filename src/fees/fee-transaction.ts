// The input of fee pricing: a plain record per money-moving operation, whatever recorded it (the
// store, a reconciliation file, the simulator), and its columnar form for the pricing loop. Card
// kind comes either as a kind or as a BIN (at most 11 digits: never a card number).
import { PosError, describeValue, type FieldProblem } from '../pos-error.js';
import { maxAmountMinor } from '../money/money.js';
import { cardKindOfBin, maxBinDigits, type BinTable } from './bin-table.js';
import { cardKinds, type CardKind } from './fee-plan.js';
import { localDayOf } from './local-day.js';

export const transactionKinds = ['sale', 'void', 'refund', 'reversal'] as const;
export type TransactionKind = (typeof transactionKinds)[number];
export const kindCode = { sale: 0, void: 1, refund: 2, reversal: 3 } as const;
export const channels = ['card', 'qr'] as const;
export type Channel = (typeof channels)[number];

/**
 * The channel a payment is priced on, from the method its record carries ('card' or 'qr', issue 20):
 * a QR payment (Alipay, WeChat Pay, UnionPay QR) pays the plan's QR rate whatever funds the wallet,
 * and is never an unknown card; a card payment pays its card kind's rate. Records written before
 * payments had a method are card payments.
 */
export function channelOfPaymentMethod(method: 'card' | 'qr' | undefined | null): Channel {
  return method === 'qr' ? 'qr' : 'card';
}

export interface FeeTransaction {
  readonly id: string;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly kind: TransactionKind;
  /** The sale's amount; a void's or reversal's is its sale's; a refund's what it gives back. */
  readonly amountFen: number;
  readonly channel: Channel;
  /** The card's kind, if known; otherwise `bin` is looked up in the BIN table. */
  readonly cardKind?: CardKind;
  readonly bin?: string;
  /** When it happened (epoch milliseconds); its local day is the day it is priced on. */
  readonly atMs: number;
  /** The sale a void, refund or reversal acts on. */
  readonly originalId?: string;
  /** A refund that reconciliation made because the sale was a duplicate charge. */
  readonly duplicateRefunded?: boolean;
}

/** The same records as columns, sorted by time, originals resolved to row numbers. */
export interface TransactionColumns {
  readonly count: number;
  readonly kind: Uint8Array;
  readonly amountFen: Float64Array;
  readonly channel: Uint8Array;
  /** Index in `cardKinds`. */
  readonly cardKind: Uint8Array;
  readonly day: Int32Array;
  /** Index of the merchant (and so of its plan). */
  readonly merchant: Int32Array;
  readonly terminal: Int32Array;
  /** Row of the original sale, -1 for a sale. */
  readonly original: Int32Array;
  readonly duplicateRefunded: Uint8Array;
}

export function allocateColumns(count: number): TransactionColumns {
  return {
    count,
    kind: new Uint8Array(count),
    amountFen: new Float64Array(count),
    channel: new Uint8Array(count),
    cardKind: new Uint8Array(count),
    day: new Int32Array(count),
    merchant: new Int32Array(count),
    terminal: new Int32Array(count),
    original: new Int32Array(count),
    duplicateRefunded: new Uint8Array(count),
  };
}

/** At most this many transactions in one call of the record form (the bulk form has no objects). */
export const maxRecordsPerCall = 5_000_000;
const maxProblemsListed = 50;

export interface ColumnsFromRecords {
  readonly columns: TransactionColumns;
  /** Sorted records: row i of the columns is `records[i]`. */
  readonly records: readonly FeeTransaction[];
  readonly merchantIds: readonly string[];
  readonly terminalIds: readonly string[];
}

export interface ToColumnsOptions {
  readonly transactions: readonly FeeTransaction[];
  readonly binTable?: BinTable;
  readonly utcOffsetMinutes: number;
}

/**
 * Checks every record (all problems at once, up to 50) and lays them out as columns, oldest first
 * (ties keep the input order), so every original comes before what acts on it.
 */
export function columnsFromRecords(options: ToColumnsOptions): ColumnsFromRecords {
  const { transactions, binTable, utcOffsetMinutes } = options;
  const problems: FieldProblem[] = [];
  if (transactions.length > maxRecordsPerCall) {
    problems.push({
      field: 'transactions',
      expected: `at most ${maxRecordsPerCall}`,
      actual: String(transactions.length),
    });
    throw PosError.invalidInput('POS_ERR_FEES_TRANSACTION_INVALID', 'transactions', problems);
  }
  const seen = new Set<string>();
  transactions.forEach((t, index) => checkRecord(t, index, seen, problems));
  const records = transactions
    .map((t, index) => ({ t, index }))
    .sort((a, b) => a.t.atMs - b.t.atMs || a.index - b.index)
    .map((e) => e.t);
  const rowOf = new Map<string, number>();
  records.forEach((t, row) => rowOf.set(t.id, row));
  const columns = allocateColumns(records.length);
  const merchantIds: string[] = [];
  const terminalIds: string[] = [];
  const merchantIndex = new Map<string, number>();
  const terminalIndex = new Map<string, number>();
  const indexOf = (map: Map<string, number>, list: string[], key: string): number => {
    let found = map.get(key);
    if (found === undefined) {
      found = list.length;
      map.set(key, found);
      list.push(key);
    }
    return found;
  };
  records.forEach((t, row) => {
    columns.kind[row] = kindCode[t.kind] ?? 0;
    columns.amountFen[row] = t.amountFen;
    columns.channel[row] = t.channel === 'qr' ? 1 : 0;
    const kind =
      t.cardKind ??
      (t.bin !== undefined && binTable !== undefined ? cardKindOfBin(binTable, t.bin) : 'unknown');
    columns.cardKind[row] = cardKinds.indexOf(kind);
    columns.day[row] = localDayOf(t.atMs, utcOffsetMinutes);
    columns.merchant[row] = indexOf(merchantIndex, merchantIds, t.merchantId);
    columns.terminal[row] = indexOf(terminalIndex, terminalIds, `${t.merchantId}/${t.terminalId}`);
    columns.duplicateRefunded[row] = t.duplicateRefunded === true ? 1 : 0;
    columns.original[row] = t.kind === 'sale' ? -1 : originalRow({ t, row, rowOf, records, problems });
  });
  if (problems.length > 0) throw transactionError(problems);
  return { columns, records, merchantIds, terminalIds };
}

interface OriginalLookup {
  readonly t: FeeTransaction;
  readonly row: number;
  readonly rowOf: ReadonlyMap<string, number>;
  readonly records: readonly FeeTransaction[];
  readonly problems: FieldProblem[];
}

/** The row of the sale a void, refund or reversal acts on; -1 (and a problem) when there is none. */
function originalRow({ t, row, rowOf, records, problems }: OriginalLookup): number {
  if (t.originalId === undefined) return -1; // already reported by checkRecord
  const found = rowOf.get(t.originalId);
  const sale = found === undefined ? undefined : records[found];
  const field = `transactions[id=${t.id}]`;
  if (found === undefined || sale === undefined) {
    problems.push({
      field: `${field}.originalId`,
      expected: 'the id of a sale among the transactions (pass the originals of what is priced)',
      actual: describeValue(t.originalId),
    });
  } else if (sale.kind !== 'sale' || sale.merchantId !== t.merchantId) {
    problems.push({
      field: `${field}.originalId`,
      expected: 'a sale of the same merchant',
      actual: `a ${sale.kind} of merchant ${describeValue(sale.merchantId)}`,
    });
  } else if (found > row) {
    problems.push({
      field: `${field}.atMs`,
      expected: `not before its sale ${describeValue(sale.id)}`,
      actual: new Date(t.atMs).toISOString(),
    });
  } else {
    return found;
  }
  return -1;
}

export function transactionError(problems: readonly FieldProblem[]): PosError {
  const listed = problems.slice(0, maxProblemsListed);
  if (problems.length > listed.length) {
    listed.push({
      field: 'more transactions',
      expected: 'valid records',
      actual: `${problems.length - listed.length} more problems`,
    });
  }
  return PosError.invalidInput('POS_ERR_FEES_TRANSACTION_INVALID', 'transactions', listed);
}

function checkRecord(t: FeeTransaction, index: number, seen: Set<string>, problems: FieldProblem[]): void {
  const at = `transactions[${index}]`;
  const add = (field: string, expected: string, actual: unknown): void => {
    problems.push({ field: `${at}.${field}`, expected, actual: describeValue(actual) });
  };
  if (typeof t.id !== 'string' || t.id === '' || t.id.length > 64)
    add('id', 'text of 1 to 64 characters', t.id);
  else if (seen.has(t.id)) add('id', 'an id not used by another transaction', t.id);
  else seen.add(t.id);
  if (typeof t.merchantId !== 'string' || t.merchantId === '')
    add('merchantId', 'a merchant id', t.merchantId);
  if (typeof t.terminalId !== 'string' || t.terminalId === '')
    add('terminalId', 'a terminal id', t.terminalId);
  if (!transactionKinds.includes(t.kind)) add('kind', 'sale, void, refund or reversal', t.kind);
  const least = t.kind === 'sale' || t.kind === 'refund' ? 1 : 0;
  if (!Number.isSafeInteger(t.amountFen) || t.amountFen < least || t.amountFen > maxAmountMinor) {
    add('amountFen', `a whole number of fen from ${least} to ${maxAmountMinor}`, t.amountFen);
  }
  if (!channels.includes(t.channel)) add('channel', 'card or qr', t.channel);
  if (t.cardKind !== undefined && !cardKinds.includes(t.cardKind))
    add('cardKind', 'debit, credit, foreign or unknown', t.cardKind);
  if (t.bin !== undefined && !new RegExp(`^\\d{6,${maxBinDigits}}$`).test(t.bin))
    add('bin', `6 to ${maxBinDigits} digits (a BIN, never a card number)`, t.bin);
  if (!Number.isSafeInteger(t.atMs) || t.atMs < 0) add('atMs', 'epoch milliseconds', t.atMs);
  if (t.kind === 'sale' && t.originalId !== undefined) add('originalId', 'nothing on a sale', t.originalId);
  if (t.kind !== 'sale' && t.originalId === undefined)
    add('originalId', `the sale this ${t.kind} acts on`, t.originalId);
  if (t.duplicateRefunded === true && t.kind !== 'refund')
    add('duplicateRefunded', 'true only on a refund', t.kind);
}
