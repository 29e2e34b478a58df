// Adds priced rows up per group (merchant or terminal) and local day: the figures of a daily
// statement, for one merchant or ten million rows alike. A row counts on its own day: a sale's fee
// on the sale's day, what a refund returns on the refund's day.
import { assert } from '../assert.js';
import { kindCode, type TransactionColumns } from './fee-transaction.js';
import type { PricedColumns } from './price-columns.js';

/** The figures kept per group and day, in this order in the table. */
export const totalNames = [
  'salesCount',
  'salesFen',
  'voidsCount',
  'voidsFen',
  'refundsCount',
  'refundsFen',
  'duplicateRefundsCount',
  'duplicateRefundsFen',
  'reversalsCount',
  'reversalsFen',
  'feesChargedFen',
  'addOnFeesFen',
  'feesReturnedOnVoidFen',
  'feesReturnedOnRefundFen',
  'feesReturnedOnDuplicateFen',
  'feesReturnedOnReversalFen',
  'feesDebitFen',
  'feesCreditFen',
  'feesQrFen',
  'feesForeignFen',
  'feesUnknownCardFen',
  'unknownCardCount',
  'capAppliedCount',
  'minimumAppliedCount',
  'aboveCappedFeesCount',
] as const;
export type TotalName = (typeof totalNames)[number];
const metricCount = totalNames.length;
const at = Object.fromEntries(totalNames.map((name, index) => [name, index])) as Record<TotalName, number>;

/** Figures of one group's day, with the derived ones: gross, net fees and net to be paid. */
export type DayTotals = Readonly<Record<TotalName, number>> & {
  /** Sales less voids, refunds (duplicates included) and reversals. */
  readonly grossFen: number;
  /** Fees charged less fees returned. */
  readonly feesNetFen: number;
  /** Gross less net fees: what the merchant is paid. */
  readonly netFen: number;
};

export interface TotalsTable {
  readonly groups: number;
  readonly fromDay: number;
  readonly days: number;
  readonly values: Float64Array;
}

export interface AggregateOptions {
  readonly columns: TransactionColumns;
  readonly priced: PricedColumns;
  /** Which column groups the rows: merchants or terminals. */
  readonly groupBy: 'merchant' | 'terminal';
  readonly groups: number;
  readonly fromDay: number;
  readonly days: number;
}

/** Where each line kind (sale, void, refund, duplicate refund, reversal) adds its figures. */
const countAt = Int32Array.of(
  at.salesCount,
  at.voidsCount,
  at.refundsCount,
  at.duplicateRefundsCount,
  at.reversalsCount,
);
const amountAt = Int32Array.of(
  at.salesFen,
  at.voidsFen,
  at.refundsFen,
  at.duplicateRefundsFen,
  at.reversalsFen,
);
const feeAt = Int32Array.of(
  at.feesChargedFen,
  at.feesReturnedOnVoidFen,
  at.feesReturnedOnRefundFen,
  at.feesReturnedOnDuplicateFen,
  at.feesReturnedOnReversalFen,
);
/** Charged fees count as they are; returned fees (negative on the line) count as positive amounts. */
const feeSign = Float64Array.of(1, -1, -1, -1, -1);
/** By the sale's bucket (see PricedColumns.bucket): debit, credit, QR, foreign, unknown. */
const bucketAt = Int32Array.of(
  at.feesDebitFen,
  at.feesCreditFen,
  at.feesQrFen,
  at.feesForeignFen,
  at.feesUnknownCardFen,
);

/** The table of totals; rows outside [fromDay, fromDay + days) are left out. */
export function aggregateDays(options: AggregateOptions): TotalsTable {
  const { columns, priced, groups, fromDay, days } = options;
  assert(groups * days * metricCount <= 2 ** 28, 'a totals table of at most 2^28 figures');
  const values = new Float64Array(groups * days * metricCount);
  const group = options.groupBy === 'merchant' ? columns.merchant : columns.terminal;
  const { kind, amountFen, day, duplicateRefunded, cardKind, channel } = columns;
  const { feeFen, addOnFen, bound, aboveCappedFees, bucket } = priced;
  for (let row = 0; row < columns.count; row += 1) {
    const offset = day[row]! - fromDay;
    if (offset < 0 || offset >= days) continue;
    const base = (group[row]! * days + offset) * metricCount;
    const k = kind[row]!;
    // Line kinds: the transaction kinds, with refunds of duplicates apart and reversals last.
    const line = k === kindCode.reversal ? 4 : k === kindCode.refund && duplicateRefunded[row] === 1 ? 3 : k;
    const fee = feeFen[row]!;
    values[base + countAt[line]!]! += 1;
    values[base + amountAt[line]!]! += amountFen[row]!;
    values[base + feeAt[line]!]! += feeSign[line]! * fee;
    values[base + bucketAt[bucket[row]!]!]! += fee;
    if (line !== 0) continue;
    values[base + at.addOnFeesFen]! += addOnFen[row]!;
    if (channel[row] === 0 && cardKind[row] === 3) values[base + at.unknownCardCount]! += 1;
    const b = bound[row]!;
    if (b !== 0) values[base + (b === 1 ? at.capAppliedCount : at.minimumAppliedCount)]! += 1;
    values[base + at.aboveCappedFeesCount]! += aboveCappedFees[row]!;
  }
  return { groups, fromDay, days, values };
}

/** One group's day from the table, with the derived figures. */
export function dayTotals(table: TotalsTable, group: number, day: number): DayTotals {
  const offset = day - table.fromDay;
  assert(
    offset >= 0 && offset < table.days && group >= 0 && group < table.groups,
    'a day and group inside the table',
  );
  const base = (group * table.days + offset) * metricCount;
  const figures = Object.fromEntries(
    totalNames.map((name, index) => [name, table.values[base + index] ?? 0]),
  ) as Record<TotalName, number>;
  return withDerived(figures);
}

/** Adds days (or groups) together: a month's totals from its days. */
export function sumTotals(list: readonly DayTotals[]): DayTotals {
  const figures = Object.fromEntries(
    totalNames.map((name) => [name, list.reduce((sum, t) => sum + t[name], 0)]),
  ) as Record<TotalName, number>;
  return withDerived(figures);
}

function withDerived(f: Record<TotalName, number>): DayTotals {
  const grossFen = f.salesFen - f.voidsFen - f.refundsFen - f.duplicateRefundsFen - f.reversalsFen;
  const feesNetFen =
    f.feesChargedFen -
    f.feesReturnedOnVoidFen -
    f.feesReturnedOnRefundFen -
    f.feesReturnedOnDuplicateFen -
    f.feesReturnedOnReversalFen;
  return { ...f, grossFen, feesNetFen, netFen: grossFen - feesNetFen };
}
