// `posguard simulate --fees`: what a protocol's duplicate charges cost the merchants in fees. Each
// duplicate charge is a sale the acquirer settles, so the merchant pays its fee; a duplicate that
// reconciliation refunded returns its fee ("fee returned on duplicate"), one left standing keeps
// it. The pricing is the fee core's (src/fees/), under a demo plan or the plan file given.
import {
  binTableFromEntries,
  columnsFromRecords,
  compilePlan,
  chinaUtcOffsetMinutes,
  parseDay,
  priceColumns,
  validateFeePlan,
  type BinTable,
  type FeePlan,
  type FeeTransaction,
} from '../fees/index.js';
import type { DuplicateCharge } from './accounting.js';
import { simulatedCardBin } from './intents.js';

/**
 * The plan simulated merchants are priced under without `--fee-plan`: the README's demo plan
 * (0.60% on cards, debit capped at 20 CNY, 0.38% on QR codes, 2.5% on foreign cards).
 */
export const demoFeePlan: FeePlan = validateFeePlan({
  format: 'posguard-fee-plan/1',
  merchantId: 'SIMULATED',
  currency: 'CNY',
  devicePriceFen: 0,
  activation: { feeFen: 0 },
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      changedBy: 'posguard:simulate',
      changedAt: '2025-12-20T10:00:00+08:00',
      rates: {
        debit: { ratePpm: 6000, capFen: 2000 },
        credit: { ratePpm: 6000 },
        qr: { ratePpm: 3800 },
        foreign: { ratePpm: 25000, minimumFen: 100 },
      },
    },
  ],
});

/** Every simulated card shares one BIN (see `panOf`): a debit card, as in the README's BIN table. */
export const simulatedBinTable: BinTable = binTableFromEntries([
  { bin: simulatedCardBin, cardKind: 'debit' },
]);

/** What one protocol's duplicate charges cost, in fen. */
export interface DuplicateFees {
  /** Duplicate charges the cardholders saw (for the guarded run, before reconciliation). */
  readonly duplicateCharges: number;
  readonly duplicateChargesFen: number;
  /** The fees the merchant was charged on them. */
  readonly feesChargedFen: number;
  /** Of them, the ones reconciliation refunded, and the fees those refunds returned. */
  readonly refundedCount: number;
  readonly refundedFen: number;
  readonly feesReturnedFen: number;
  /** What the merchant paid in the end: fees charged less fees returned. */
  readonly feesNetFen: number;
}

export interface ProtocolFees extends DuplicateFees {
  /** The same figures per merchant, by merchant id. */
  readonly byMerchant: Readonly<Record<string, DuplicateFees>>;
}

/** Naive minus guarded. */
export interface FeesDifference {
  readonly duplicateCharges: number;
  readonly duplicateChargesFen: number;
  readonly feesChargedFen: number;
  readonly feesNetFen: number;
}

const zero: DuplicateFees = {
  duplicateCharges: 0,
  duplicateChargesFen: 0,
  feesChargedFen: 0,
  refundedCount: 0,
  refundedFen: 0,
  feesReturnedFen: 0,
  feesNetFen: 0,
};

function plus(a: DuplicateFees, b: Partial<DuplicateFees>): DuplicateFees {
  const sum: Record<keyof DuplicateFees, number> = { ...a };
  for (const key of Object.keys(zero) as (keyof DuplicateFees)[]) sum[key] += b[key] ?? 0;
  return sum;
}

export interface PriceDuplicatesInput {
  readonly duplicates: readonly DuplicateCharge[];
  /** Priced for every simulated merchant, whatever merchant the plan file names. */
  readonly plan: FeePlan;
  readonly binTable?: BinTable;
}

/**
 * Prices each duplicate charge as a sale, and each refund reconciliation made of one as a refund of
 * a duplicate. A simulated day before the plan's first version is priced under that first version,
 * as `fees compare` prices an offer that starts today.
 */
export function priceDuplicates(input: PriceDuplicatesInput): ProtocolFees {
  const transactions: FeeTransaction[] = [];
  input.duplicates.forEach((d, index) => {
    // A QR duplicate is priced at the plan's QR rate; a card one by its card's BIN.
    const sale: FeeTransaction = {
      id: `D${index}`,
      merchantId: d.merchantId,
      terminalId: d.terminalId,
      kind: 'sale',
      amountFen: d.amountFen,
      ...(d.method === 'qr'
        ? { channel: 'qr' as const }
        : { channel: 'card' as const, bin: simulatedCardBin }),
      atMs: d.atMs,
    };
    transactions.push(sale);
    if (d.refundedAtMs !== null) {
      transactions.push({
        ...sale,
        id: `D${index}:refund`,
        kind: 'refund',
        atMs: d.refundedAtMs,
        originalId: sale.id,
        duplicateRefunded: true,
      });
    }
  });
  const laid = columnsFromRecords({
    transactions,
    binTable: input.binTable ?? simulatedBinTable,
    utcOffsetMinutes: chinaUtcOffsetMinutes,
  });
  const compiled = compilePlan(input.plan, parseDay);
  const priced = priceColumns({
    columns: laid.columns,
    plans: laid.merchantIds.map(() => compiled),
    earliestVersionForPast: true,
    describeRow: (row) => `duplicate charge ${laid.records[row]?.id ?? row}`,
  });
  const byIndex = laid.merchantIds.map(() => zero);
  for (let row = 0; row < laid.columns.count; row += 1) {
    const merchant = laid.columns.merchant[row]!;
    const amountFen = laid.columns.amountFen[row]!;
    const feeFen = priced.feeFen[row]!;
    byIndex[merchant] = plus(
      byIndex[merchant]!,
      laid.records[row]?.kind === 'sale'
        ? { duplicateCharges: 1, duplicateChargesFen: amountFen, feesChargedFen: feeFen, feesNetFen: feeFen }
        : { refundedCount: 1, refundedFen: amountFen, feesReturnedFen: -feeFen, feesNetFen: feeFen },
    );
  }
  const order = laid.merchantIds.map((id, index) => ({ id, index })).sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    ...byIndex.reduce(plus, zero),
    byMerchant: Object.fromEntries(order.map(({ id, index }) => [id, byIndex[index]!])),
  };
}

export function feesDifference(naive: DuplicateFees, guarded: DuplicateFees): FeesDifference {
  return {
    duplicateCharges: naive.duplicateCharges - guarded.duplicateCharges,
    duplicateChargesFen: naive.duplicateChargesFen - guarded.duplicateChargesFen,
    feesChargedFen: naive.feesChargedFen - guarded.feesChargedFen,
    feesNetFen: naive.feesNetFen - guarded.feesNetFen,
  };
}
