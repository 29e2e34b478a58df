// Counting what each cardholder paid against what each customer meant to buy. The issuer's ledger
// is the ground truth of charges; each posting is traced back to the intent (and the cause) that
// made it, through the RRN, the host's record of the RRN, and the terminal attempt behind it.
import type { LedgerEntry } from '../simulated-issuer/issuer-ledger.js';
import { causes, type Cause } from '../reconciliation/index.js';
import type { Intent } from './intents.js';

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

export interface ProtocolResult {
  readonly duplicateCharges: number;
  readonly duplicateChargesBeforeReconciliation: number;
  readonly lostSales: number;
  readonly falseBlocks: number;
  readonly operatorPrompts: number;
  readonly reversals: number;
  readonly byCause: Readonly<Record<Cause, number>>;
}

interface Charge {
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
function duplicatesOf(before: readonly Charge[], after: readonly Charge[]): DuplicateCharge[] {
  const key = (c: Charge): string => `${c.rrn}|${c.cause ?? ''}`;
  const standingAfter = new Map<string, number>();
  for (const c of extraCharges(after)) standingAfter.set(key(c), (standingAfter.get(key(c)) ?? 0) + 1);
  // The refunds reconciliation made reach the cardholder at the last credit of the intent.
  const lastCreditMs = after.reduce((last, c) => (c.amount < 0 ? Math.max(last, c.at) : last), -Infinity);
  const duplicate = (c: Charge, refundedAtMs: number | null): DuplicateCharge => ({
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

export function tally(input: {
  intents: readonly Intent[];
  traces: ReadonlyMap<number, IntentTrace>;
  before: ReadonlyMap<number, Charge[]>;
  after: ReadonlyMap<number, Charge[]>;
  operatorPrompts: number;
  reversals: number;
}): ProtocolTally {
  const byCause = Object.fromEntries(causes.map((c) => [c, 0])) as Record<Cause, number>;
  let duplicateCharges = 0;
  let duplicateChargesBeforeReconciliation = 0;
  let lostSales = 0;
  let falseBlocks = 0;
  const duplicates: DuplicateCharge[] = [];
  for (const intent of input.intents) {
    const trace = input.traces.get(intent.id);
    duplicateChargesBeforeReconciliation += Math.max(0, netUnits(input.before.get(intent.id)) - 1);
    const charges = input.after.get(intent.id) ?? [];
    const units = netUnits(charges);
    for (const { cause } of extraCharges(charges)) {
      duplicateCharges += 1;
      // An extra charge with no fault behind it would be a posguard defect: count it as software.
      byCause[cause ?? 'software'] += 1;
    }
    duplicates.push(...duplicatesOf(input.before.get(intent.id) ?? [], charges));
    const believesPaid = trace?.believesPaid ?? false;
    const merchantShowsPaid = trace?.merchantShowsPaid ?? false;
    if ((believesPaid && units === 0) || (!merchantShowsPaid && units > 0)) lostSales += 1;
    if (intent.repeatOf !== null && units === 0 && trace?.blockedByGuard === true) falseBlocks += 1;
  }
  const counts: ProtocolResult = {
    duplicateCharges,
    duplicateChargesBeforeReconciliation,
    lostSales,
    falseBlocks,
    operatorPrompts: input.operatorPrompts,
    reversals: input.reversals,
    byCause,
  };
  return { counts, duplicates };
}
