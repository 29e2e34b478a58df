// A merchant's day at a glance (issue 15): sales, approvals, declines and the amount approved, the
// day by hour, the duplicates the host prevented or found by cause, open reversals, and alerts.
// `summarizeDay` is pure over the store's counts; `dayOverview` reads them. A day is a calendar day
// in China time (UTC+8), as statements count it (fees/local-day.ts).
import { chinaUtcOffsetMinutes, dayFromCivil, msPerDay } from '../fees/local-day.js';
import { describeValue, PosError } from '../pos-error.js';
import type { DuplicateResolution } from '../payments/ports/duplicate-store.js';
import type { StoreReader } from '../payments/ports/store.js';
import type { PaymentStatus } from '../payments/payment.js';
import type { DuplicateTally, MerchantScope, PaymentTally } from '../payments/ports/insight-store.js';

/** Statuses of a sale the issuer approved (some later voided or refunded). */
const approvedStatuses: readonly PaymentStatus[] = ['approved', 'partially_refunded', 'refunded', 'voided'];

export interface DayOverview {
  readonly day: string;
  readonly sales: { count: number; approved: number; declined: number; amountApproved: number };
  readonly byHour: Array<{ hour: number; count: number; amount: number }>;
  readonly duplicatesPrevented: { total: number; byCause: Record<DuplicateResolution, number> };
  readonly openReversals: { pending: number; failed: number };
  readonly alerts: Array<{ kind: AlertKind; count: number; paymentIds: string[] }>;
}

export type AlertKind =
  'reversal_failed' | 'reversal_pending' | 'awaiting_confirmation' | 'reconciliation_duplicate';

/** The day's bounds in epoch milliseconds, from YYYY-MM-DD; a clear error for anything else. */
export function chinaDayBounds(day: string): { fromMs: number; toMs: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const [year, month, date] = (match ?? []).slice(1).map(Number);
  const valid =
    year !== undefined &&
    month !== undefined &&
    date !== undefined &&
    month >= 1 &&
    month <= 12 &&
    date >= 1 &&
    date <= 31;
  const fromMs = valid ? dayFromCivil(year, month, date) * msPerDay - chinaUtcOffsetMinutes * 60_000 : NaN;
  // 2026-02-31 is not a date: the day must come back as itself.
  if (!valid || new Date(fromMs + chinaUtcOffsetMinutes * 60_000).toISOString().slice(0, 10) !== day) {
    throw PosError.invalidInput('POS_ERR_HTTP_INVALID_REQUEST', 'request querystring', [
      { field: 'day', expected: 'a date YYYY-MM-DD', actual: describeValue(day) },
    ]);
  }
  return { fromMs, toMs: fromMs + msPerDay };
}

export interface DayCounts {
  readonly day: string;
  readonly payments: readonly PaymentTally[];
  readonly duplicates: readonly DuplicateTally[];
  readonly open: ReadonlyArray<{ status: PaymentStatus; count: number }>;
  /** Up to a few payment ids per open status, for the alerts' links. */
  readonly examples: Partial<Record<PaymentStatus, string[]>>;
}

export function summarizeDay(counts: DayCounts): DayOverview {
  const byHour = Array.from({ length: 24 }, (_, hour) => ({ hour, count: 0, amount: 0 }));
  const sales = { count: 0, approved: 0, declined: 0, amountApproved: 0 };
  for (const t of counts.payments) {
    // A held duplicate is a prevented charge, not a sale.
    if (t.kind !== 'sale' || t.status === 'duplicate_suspected') continue;
    const slot = byHour[t.hour];
    sales.count += t.count;
    if (slot !== undefined) slot.count += t.count;
    if (approvedStatuses.includes(t.status)) {
      sales.approved += t.count;
      sales.amountApproved += t.amount;
      if (slot !== undefined) slot.amount += t.amount;
    }
    if (t.status === 'declined') sales.declined += t.count;
  }
  const byCause: Record<DuplicateResolution, number> = {
    awaiting_confirmation: 0,
    blocked: 0,
    confirmed: 0,
    flagged: 0,
    found_after_the_fact: 0,
  };
  for (const d of counts.duplicates) byCause[d.resolution] += d.count;
  const openCount = (status: PaymentStatus): number =>
    counts.open.find((o) => o.status === status)?.count ?? 0;
  const alerts: DayOverview['alerts'] = [];
  const alert = (kind: AlertKind, count: number, paymentIds: string[] = []): void => {
    if (count > 0) alerts.push({ kind, count, paymentIds });
  };
  alert('reversal_failed', openCount('reversal_failed'), counts.examples.reversal_failed);
  alert('reversal_pending', openCount('reversal_pending'), counts.examples.reversal_pending);
  alert('awaiting_confirmation', byCause.awaiting_confirmation);
  alert('reconciliation_duplicate', byCause.found_after_the_fact);
  return {
    day: counts.day,
    sales,
    byHour,
    // Prevented: held for the operator, or blocked; a confirmed repeat was charged on purpose.
    duplicatesPrevented: { total: byCause.awaiting_confirmation + byCause.blocked, byCause },
    openReversals: { pending: openCount('reversal_pending'), failed: openCount('reversal_failed') },
    alerts,
  };
}

/** The day of one merchant, or (merchantId null) of every merchant, for acquirer operations. */
export async function dayOverview(
  store: { read<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T> },
  merchantId: MerchantScope,
  day: string,
): Promise<DayOverview> {
  const bounds = chinaDayBounds(day);
  return store.read(async (reader) => {
    const query = { merchantId, ...bounds };
    const openStatuses: PaymentStatus[] = ['reversal_pending', 'reversal_failed'];
    const examples: DayCounts['examples'] = {};
    for (const status of openStatuses) {
      const some = await reader.listPayments({ merchantId, status, limit: 3 });
      examples[status] = some.map((p) => p.id);
    }
    return summarizeDay({
      day,
      payments: await reader.tallyPayments(query),
      duplicates: await reader.tallyDuplicates(query),
      open: await reader.countPaymentsInStatuses(merchantId, openStatuses),
      examples,
    });
  });
}
