// The pricing loop: one pass over transactions in time order, each fee computed in whole fen with
// exactly one rounding per transaction (half up, written down in `roundHalfUp`). A sale pays its
// rate (bounded by the rate's minimum and cap) plus the plan's add-on; a void or a reversal
// returns the whole fee; a refund returns the fee in proportion to the amount refunded, computed
// on the running total of refunds so that a sale's fee, less everything its refunds return, never
// goes below zero or above the first fee. Everything is typed arrays so ten million rows fit.
import { PosError } from '../pos-error.js';
import { bankCardCeilings2016, worstCaseCost } from './bank-card-ceilings.js';
import { versionIndexOn, type CompiledPlan } from './fee-plan.js';
import { kindCode, transactionError, type TransactionColumns } from './fee-transaction.js';
import { formatDay } from './local-day.js';

/** How a sale's rate was bounded. */
export const boundNone = 0;
export const boundCap = 1;
export const boundMinimum = 2;

/** Rate key positions (see `rateKeys`). */
const debitKey = 0;
const creditKey = 1;
const qrKey = 2;
const foreignKey = 3;
/** Card kind positions (see `cardKinds`). */
const unknownCard = 3;

export interface PricedColumns {
  /** Signed: what a sale charges (> 0), what a void, reversal or refund returns (< 0). */
  readonly feeFen: Float64Array;
  /** The add-on's part of `feeFen` on a sale. */
  readonly addOnFen: Float64Array;
  /** The version (position in the plan's list) that priced the row, or its sale. */
  readonly version: Int32Array;
  /** The rate key (position in `rateKeys`) the row was priced at. */
  readonly rateKey: Uint8Array;
  /** boundNone, boundCap or boundMinimum. */
  readonly bound: Uint8Array;
  /** 1 on a debit sale whose rate fee is above what the capped ceilings would come to. */
  readonly aboveCappedFees: Uint8Array;
  /** The fees-by-card-kind bucket of the row's sale: debit, credit, QR, foreign, unknown (0 to 4). */
  readonly bucket: Uint8Array;
}

export interface PriceOptions {
  readonly columns: TransactionColumns;
  /** The plan of each merchant, by merchant index. */
  readonly plans: readonly CompiledPlan[];
  /** Names row i in an error message (the record path gives its id). */
  readonly describeRow?: (row: number) => string;
  /** What the issuer and network fees come to on a large debit sale (16.25 CNY by the 2016 rules). */
  readonly debitCappedFeesFen?: number;
  /**
   * Prices rows dated before a plan's first version with that first version instead of refusing
   * them: for `fees compare`, where another provider's plan file starts today.
   */
  readonly earliestVersionForPast?: boolean;
}

/**
 * Rounds numerator / denominator half up to a whole number: the one rounding of fee pricing.
 * Exact for any non-negative safe integers: the remainder is taken before dividing, and products
 * past 2^53 go through BigInt.
 */
export function roundHalfUp(numerator: number, denominator: number): number {
  if (numerator <= Number.MAX_SAFE_INTEGER) {
    // The division may round up to the next whole number when the quotient lies just below it;
    // the remainder, exact in doubles below 2^53, tells and corrects it.
    let quotient = Math.floor(numerator / denominator);
    let remainder = numerator - quotient * denominator;
    if (remainder < 0) {
      quotient -= 1;
      remainder += denominator;
    }
    return remainder * 2 >= denominator ? quotient + 1 : quotient;
  }
  return Number(roundHalfUpBig(BigInt(numerator), BigInt(denominator)));
}

/** roundHalfUp of a * b / d, exact even where a * b passes 2^53. */
export function roundProductHalfUp(a: number, b: number, d: number): number {
  const product = a * b;
  if (product <= Number.MAX_SAFE_INTEGER) return roundHalfUp(product, d);
  return Number(roundHalfUpBig(BigInt(a) * BigInt(b), BigInt(d)));
}

function roundHalfUpBig(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  return (numerator % denominator) * 2n >= denominator ? quotient + 1n : quotient;
}

/** Prices every row. Sequence errors (a refund past the sale, a second void) are refused. */
// Long because: the pricing hot path is one loop with one branch per transaction kind; split, it
// would pass its state (seven output arrays and two per-sale registers) around on every row.
export function priceColumns(options: PriceOptions): PricedColumns {
  const { columns, plans } = options;
  const count = columns.count;
  const describeRow = options.describeRow ?? ((row: number) => `row ${row}`);
  const capped = options.debitCappedFeesFen ?? worstCaseCost(bankCardCeilings2016, 'debit').cappedFen;
  const feeFen = new Float64Array(count);
  const addOnFen = new Float64Array(count);
  const version = new Int32Array(count);
  const rateKey = new Uint8Array(count);
  const bound = new Uint8Array(count);
  const aboveCappedFees = new Uint8Array(count);
  const bucket = new Uint8Array(count);
  // Per sale: how much has been refunded, and whether a void or reversal closed it.
  const refundedFen = new Float64Array(count);
  const closed = new Uint8Array(count);
  const { kind, amountFen, channel, cardKind, day, merchant, original } = columns;
  for (let row = 0; row < count; row += 1) {
    const k = kind[row]!;
    const amount = amountFen[row]!;
    if (k === kindCode.sale) {
      const plan = plans[merchant[row]!];
      if (plan === undefined)
        throw new PosError(
          'POS_ERR_FEES_NO_PLAN_VERSION',
          `no fee plan for the merchant of ${describeRow(row)}`,
        );
      let v = versionIndexOn(plan, day[row]!);
      if (v < 0 && options.earliestVersionForPast === true) v = 0;
      const compiled = plan.versions[v];
      if (compiled === undefined) {
        throw new PosError(
          'POS_ERR_FEES_NO_PLAN_VERSION',
          `no fee plan version in effect for ${describeRow(row)} on ${formatDay(day[row]!)}: the plan of merchant ${plan.plan.merchantId} starts on ${formatDay(plan.firstDay)}`,
        );
      }
      const card = cardKind[row]!;
      let key: number;
      if (channel[row] === 1) key = qrKey;
      else if (card === unknownCard) key = compiled.highestKey;
      else key = card === 0 ? debitKey : card === 1 ? creditKey : foreignKey;
      let rate = roundProductHalfUp(amount, compiled.ratePpm[key]!, 1_000_000);
      let b = boundNone;
      if (rate < compiled.minimumFen[key]!) {
        rate = compiled.minimumFen[key]!;
        b = boundMinimum;
      }
      if (rate > compiled.capFen[key]!) {
        rate = compiled.capFen[key]!;
        b = boundCap;
      }
      feeFen[row] = rate + compiled.addOnFen;
      addOnFen[row] = compiled.addOnFen;
      version[row] = v;
      rateKey[row] = key;
      bound[row] = b;
      aboveCappedFees[row] = key === debitKey && card === 0 && rate > capped ? 1 : 0;
      bucket[row] = channel[row] === 1 ? 2 : card === unknownCard ? 4 : card === 0 ? 0 : card === 1 ? 1 : 3;
      continue;
    }
    const sale = original[row]!;
    const saleAmount = amountFen[sale]!;
    const saleFee = feeFen[sale]!;
    version[row] = version[sale]!;
    rateKey[row] = rateKey[sale]!;
    bucket[row] = bucket[sale]!;
    if (closed[sale] === 1)
      throw sequenceError(describeRow(row), 'a sale not already voided or reversed', describeRow(sale));
    if (k === kindCode.refund) {
      const before = refundedFen[sale]!;
      const after = before + amount;
      if (after > saleAmount) {
        throw sequenceError(
          describeRow(row),
          `refunds adding up to at most the sale's ${saleAmount} fen`,
          `${after} fen refunded`,
        );
      }
      refundedFen[sale] = after;
      // The running total keeps the sum of what refunds return equal to the fee on the total
      // refunded, rounded once: never more than the fee, and all of it on a full refund.
      feeFen[row] = -(
        roundProductHalfUp(saleFee, after, saleAmount) - roundProductHalfUp(saleFee, before, saleAmount)
      );
      continue;
    }
    // A void or a reversal: the whole sale, and so the whole fee.
    if (refundedFen[sale]! > 0)
      throw sequenceError(describeRow(row), 'a sale with nothing refunded', describeRow(sale));
    if (amount !== saleAmount)
      throw sequenceError(describeRow(row), `the sale's amount, ${saleAmount} fen`, `${amount} fen`);
    closed[sale] = 1;
    feeFen[row] = -saleFee;
  }
  return { feeFen, addOnFen, version, rateKey, bound, aboveCappedFees, bucket };
}

function sequenceError(row: string, expected: string, actual: string): PosError {
  return transactionError([{ field: row, expected, actual }]);
}
