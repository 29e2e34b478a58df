// Counting what each customer paid against what each customer meant to buy. The issuer's ledger is
// the ground truth of card charges; each posting is traced back to the intent (and the cause) that
// made it, through the RRN, the host's record of the RRN, and the terminal attempt behind it. The
// wallet's books are the ground truth of QR charges: each charge and refund of an order is traced
// back through the order number to the attempt that sent it. Counts are kept per payment method;
// a protocol's totals are their sum.
import { assert } from '../assert.js';
import type { LedgerEntry } from '../simulated-issuer/issuer-ledger.js';
import { causes, type Cause } from '../reconciliation/index.js';
import type { Intent, PaymentMethod } from './intents.js';

/** Why a sale was sent: the original try (null) or the cause of the fault that made someone send it again. */
export type AttemptCause = Cause | null;

export interface Attempt {
  readonly intent: number;
  readonly cause: AttemptCause;
  /** 0 for the intent's first sale sent, 1 for the next, ...: the same in both protocols. */
  readonly ordinal: number;
}

/** What the simulation learnt about one intent while it ran. */
export interface IntentTrace {
  /** The customer saw an approval (screen or receipt) and left believing they paid. */
  believesPaid: boolean;
  /** The merchant's record (the terminal) shows the sale as done. */
  merchantShowsPaid: boolean;
  /** The duplicate guard stopped a sale of this intent at least once and it never went through. */
  blockedByGuard: boolean;
}

/** The counts of a protocol's day, or of its sales of one payment method. */
export interface Counts {
  readonly duplicateCharges: number;
  readonly duplicateChargesBeforeReconciliation: number;
  readonly lostSales: number;
  readonly falseBlocks: number;
  readonly operatorPrompts: number;
  readonly reversals: number;
  readonly byCause: Readonly<Record<Cause, number>>;
}

/** The counts of one payment method's sales, with how many purchases were paid that way. */
export type MethodCounts = Counts & { readonly intents: number };

/** A protocol's counts: the totals, and the same per payment method simulated (they sum to the totals). */
export type ProtocolResult = Counts & {
  readonly byMethod: Readonly<Partial<Record<PaymentMethod, MethodCounts>>>;
};

export interface Charge {
  readonly rrn: string;
  readonly cause: AttemptCause;
  /** Minor units, positive for a charge, negative for a credit. */
  readonly amount: number;
  /** Whose sale it was and when the issuer posted it: what fees are priced on (sim-fees.ts). */
  readonly merchantId: string;
  readonly terminalId: string;
  readonly at: number;
}

/**
 * One charge beyond the purchase, as the cardholder saw it before reconciliation (or after, for a
 * charge only reconciliation left standing): carried so that `--fees` can price what duplicates
 * cost the merchant.
 */
export interface DuplicateCharge {
  /** Card or QR: a QR duplicate is priced at the plan's QR rate. */
  readonly method: PaymentMethod;
  readonly merchantId: string;
  readonly terminalId: string;
  /** Fen. */
  readonly amountFen: number;
  /** When the issuer posted it. */
  readonly atMs: number;
  /** When the refund reconciliation called for reached the cardholder; null while it stands. */
  readonly refundedAtMs: number | null;
}

/** A protocol's counts, and its duplicate charges one by one. */
export interface ProtocolTally {
  readonly counts: ProtocolResult;
  readonly duplicates: readonly DuplicateCharge[];
}

/** Charges per intent from the ledger, each with its cause. Reversed and declined entries charge nothing. */
export function chargesByIntent(
  entries: Iterable<LedgerEntry>,
  attemptOfRrn: (rrn: string) => Attempt | undefined,
): Map<number, Charge[]> {
  const byIntent = new Map<number, Charge[]>();
  const add = (intent: number, charge: Charge): void => {
    const list = byIntent.get(intent);
    if (list === undefined) byIntent.set(intent, [charge]);
    else list.push(charge);
  };
  const sorted = [...entries].sort((a, b) => a.at - b.at || (a.rrn < b.rrn ? -1 : a.rrn > b.rrn ? 1 : 0));
  for (const entry of sorted) {
    if (entry.state !== 'posted') continue;
    const rrn = entry.kind === 'sale' ? entry.rrn : (entry.originalRrn ?? '');
    const attempt = attemptOfRrn(rrn);
    if (attempt === undefined) continue;
    const where = { merchantId: entry.merchantId, terminalId: entry.terminalId, at: entry.at };
    if (entry.kind === 'sale') {
      add(attempt.intent, { rrn, cause: attempt.cause, amount: entry.amount, ...where });
      // A second posting of the same sale is the issuer's doing.
      for (let extra = 1; extra < entry.postings; extra += 1) {
        add(attempt.intent, { rrn, cause: 'third_party', amount: entry.amount, ...where });
      }
    } else {
      add(attempt.intent, { rrn, cause: null, amount: -entry.amount * entry.postings, ...where });
    }
  }
  return byIntent;
}

/** What the accounting reads of a wallet's books: every charge and refund, by order number. */
export interface WalletBooks {
  readonly charges: ReadonlyArray<{
    readonly orderNo: string;
    readonly amount: number;
    readonly atMs: number;
  }>;
  readonly refunds: ReadonlyArray<{
    readonly orderNo: string;
    readonly amount: number;
    readonly atMs: number;
  }>;
}

/** The sale attempt behind a wallet order number, and the terminal that sent it. */
export type AttemptOfOrder = (
  orderNo: string,
) => { readonly attempt: Attempt; readonly terminalId: string } | undefined;

/**
 * QR charges per intent from the wallet's books: each charge of an order under the cause of the
 * attempt that sent it, each refund (a cancel's or a refund's) as a credit against it.
 */
export function walletChargesByIntent(
  books: WalletBooks,
  attemptOfOrder: AttemptOfOrder,
  merchantId: string,
): Map<number, Charge[]> {
  const byIntent = new Map<number, Charge[]>();
  const add = (
    line: { readonly orderNo: string; readonly amount: number; readonly atMs: number },
    credit: boolean,
  ): void => {
    const found = attemptOfOrder(line.orderNo);
    if (found === undefined) return;
    const charge: Charge = {
      rrn: line.orderNo,
      cause: credit ? null : found.attempt.cause,
      amount: credit ? -line.amount : line.amount,
      merchantId,
      terminalId: found.terminalId,
      at: line.atMs,
    };
    const list = byIntent.get(found.attempt.intent);
    if (list === undefined) byIntent.set(found.attempt.intent, [charge]);
    else list.push(charge);
  };
  for (const charge of books.charges) add(charge, false);
  for (const refund of books.refunds) add(refund, true);
  return byIntent;
}

/**
 * The charges of one intent still standing once credits (refunds made after reconciliation) have
 * cancelled the ones they were made for: the issuer's double postings first, then charges caused by
 * a fault, the original try last.
 */
function standingCharges(charges: readonly Charge[]): Charge[] {
  let credit = charges.filter((c) => c.amount < 0).reduce((sum, c) => sum - c.amount, 0);
  const positives = charges.filter((c) => c.amount > 0);
  const rank = (c: Charge): number => (c.cause === 'third_party' ? 2 : c.cause === null ? 0 : 1);
  const cancelled = new Set<Charge>();
  for (const charge of [...positives].sort((a, b) => rank(b) - rank(a))) {
    if (credit >= charge.amount) {
      credit -= charge.amount;
      cancelled.add(charge);
    }
  }
  return positives.filter((c) => !cancelled.has(c));
}

/** How many times the intent is charged, net. */
export function netUnits(charges: readonly Charge[] | undefined): number {
  return charges === undefined ? 0 : standingCharges(charges).length;
}

/** The charges beyond the one purchase: the original try, when it stands, is the purchase. */
function extraCharges(charges: readonly Charge[]): Charge[] {
  const standing = standingCharges(charges);
  const purchase = standing.findIndex((c) => c.cause === null);
  return standing.filter((_, i) => i !== (purchase >= 0 ? purchase : 0));
}

/**
 * One intent's duplicate charges: each extra charge before reconciliation, refunded unless it is
 * still among the extras after it (matched by RRN and cause: the issuer's second posting of a sale
 * has the sale's RRN and the cause third_party), and any extra that stands only after it.
 */
function duplicatesOf(
  method: PaymentMethod,
  before: readonly Charge[],
  after: readonly Charge[],
): DuplicateCharge[] {
  const key = (c: Charge): string => `${c.rrn}|${c.cause ?? ''}`;
  const standingAfter = new Map<string, number>();
  for (const c of extraCharges(after)) standingAfter.set(key(c), (standingAfter.get(key(c)) ?? 0) + 1);
  // The refunds reconciliation made reach the cardholder at the last credit of the intent.
  const lastCreditMs = after.reduce((last, c) => (c.amount < 0 ? Math.max(last, c.at) : last), -Infinity);
  const duplicate = (c: Charge, refundedAtMs: number | null): DuplicateCharge => ({
    method,
    merchantId: c.merchantId,
    terminalId: c.terminalId,
    amountFen: c.amount,
    atMs: c.at,
    refundedAtMs,
  });
  const list: DuplicateCharge[] = [];
  for (const c of extraCharges(before)) {
    const left = standingAfter.get(key(c)) ?? 0;
    if (left > 0) {
      standingAfter.set(key(c), left - 1);
      list.push(duplicate(c, null));
    } else {
      list.push(duplicate(c, Math.max(c.at, Number.isFinite(lastCreditMs) ? lastCreditMs : c.at)));
    }
  }
  for (const c of extraCharges(after)) {
    const left = standingAfter.get(key(c)) ?? 0;
    if (left === 0) continue;
    standingAfter.set(key(c), left - 1);
    list.push(duplicate(c, null));
  }
  return list;
}

/** What the accounting reads of one protocol's day. */
export interface TallyInput {
  readonly intents: readonly Intent[];
  readonly traces: ReadonlyMap<number, IntentTrace>;
  readonly before: ReadonlyMap<number, Charge[]>;
  readonly after: ReadonlyMap<number, Charge[]>;
  readonly operatorPrompts: Readonly<Record<PaymentMethod, number>>;
  readonly reversals: Readonly<Record<PaymentMethod, number>>;
}

/** The counts of some intents (all of one method), and their duplicate charges one by one. */
function tallyOf(
  input: TallyInput,
  method: PaymentMethod,
  intents: readonly Intent[],
): { counts: MethodCounts; duplicates: DuplicateCharge[] } {
  const byCause = Object.fromEntries(causes.map((c) => [c, 0])) as Record<Cause, number>;
  let duplicateCharges = 0;
  let duplicateChargesBeforeReconciliation = 0;
  let lostSales = 0;
  let falseBlocks = 0;
  const duplicates: DuplicateCharge[] = [];
  for (const intent of intents) {
    const trace = input.traces.get(intent.id);
    duplicateChargesBeforeReconciliation += Math.max(0, netUnits(input.before.get(intent.id)) - 1);
    const charges = input.after.get(intent.id) ?? [];
    const units = netUnits(charges);
    for (const { cause } of extraCharges(charges)) {
      duplicateCharges += 1;
      // An extra charge with no fault behind it would be a posguard defect: count it as software.
      byCause[cause ?? 'software'] += 1;
    }
    duplicates.push(...duplicatesOf(method, input.before.get(intent.id) ?? [], charges));
    const believesPaid = trace?.believesPaid ?? false;
    const merchantShowsPaid = trace?.merchantShowsPaid ?? false;
    if ((believesPaid && units === 0) || (!merchantShowsPaid && units > 0)) lostSales += 1;
    if (intent.repeatOf !== null && units === 0 && trace?.blockedByGuard === true) falseBlocks += 1;
  }
  const counts: MethodCounts = {
    duplicateCharges,
    duplicateChargesBeforeReconciliation,
    lostSales,
    falseBlocks,
    operatorPrompts: input.operatorPrompts[method],
    reversals: input.reversals[method],
    byCause,
    intents: intents.length,
  };
  return { counts, duplicates };
}

/** The sum of counts (a protocol's totals are the sum of its methods'). */
export function addCounts(a: Counts, b: Counts): Counts {
  return {
    duplicateCharges: a.duplicateCharges + b.duplicateCharges,
    duplicateChargesBeforeReconciliation:
      a.duplicateChargesBeforeReconciliation + b.duplicateChargesBeforeReconciliation,
    lostSales: a.lostSales + b.lostSales,
    falseBlocks: a.falseBlocks + b.falseBlocks,
    operatorPrompts: a.operatorPrompts + b.operatorPrompts,
    reversals: a.reversals + b.reversals,
    byCause: Object.fromEntries(causes.map((c) => [c, a.byCause[c] + b.byCause[c]])) as Record<Cause, number>,
  };
}

/** A protocol's counts over the methods its intents were paid with, and the totals, their sum. */
export function tally(input: TallyInput, methods: readonly PaymentMethod[] = ['card']): ProtocolTally {
  const byMethod: Partial<Record<PaymentMethod, MethodCounts>> = {};
  const duplicates: DuplicateCharge[] = [];
  let totals: Counts | undefined;
  for (const method of methods) {
    const one = tallyOf(
      input,
      method,
      input.intents.filter((intent) => intent.method === method),
    );
    byMethod[method] = one.counts;
    duplicates.push(...one.duplicates);
    const { intents: _intents, ...counts } = one.counts;
    totals = totals === undefined ? counts : addCounts(totals, counts);
  }
  assert(totals !== undefined, 'a tally counts at least one payment method');
  return { counts: { ...totals, byMethod }, duplicates };
}
