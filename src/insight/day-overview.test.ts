import { describe, expect, it } from 'vitest';
import { chinaDayBounds, summarizeDay } from './day-overview.js';

describe("a merchant's day", () => {
  it('runs from midnight to midnight in China time', () => {
    const { fromMs, toMs } = chinaDayBounds('2026-11-25');
    expect(new Date(fromMs).toISOString()).toBe('2026-11-24T16:00:00.000Z');
    expect(toMs - fromMs).toBe(86_400_000);
  });

  it('refuses a day that is not a calendar date, naming it', () => {
    for (const day of ['2026-02-31', '2026-13-01', '25/11/2026']) {
      expect(() => chinaDayBounds(day)).toThrow(/day/);
    }
  });

  it('counts sales, approvals, declines and the amount approved by hour, leaving held duplicates out', () => {
    const overview = summarizeDay({
      day: '2026-11-25',
      payments: [
        { hour: 9, kind: 'sale', status: 'approved', count: 3, amount: 3000 },
        { hour: 9, kind: 'sale', status: 'refunded', count: 1, amount: 500 },
        { hour: 10, kind: 'sale', status: 'declined', count: 2, amount: 2000 },
        { hour: 10, kind: 'sale', status: 'duplicate_suspected', count: 1, amount: 1000 },
        { hour: 10, kind: 'refund', status: 'approved', count: 1, amount: 500 },
      ],
      duplicates: [
        { source: 'authorization', resolution: 'awaiting_confirmation', count: 1 },
        { source: 'authorization', resolution: 'confirmed', count: 2 },
        { source: 'reconciliation', resolution: 'found_after_the_fact', count: 1 },
      ],
      open: [{ status: 'reversal_failed', count: 1 }],
      examples: { reversal_failed: ['pay_x'] },
    });
    expect(overview.sales).toEqual({ count: 6, approved: 4, declined: 2, amountApproved: 3500 });
    expect(overview.byHour).toHaveLength(24);
    expect(overview.byHour[9]).toEqual({ hour: 9, count: 4, amount: 3500 });
    expect(overview.byHour[10]).toEqual({ hour: 10, count: 2, amount: 0 });
    expect(overview.duplicatesPrevented.total).toBe(1);
    expect(overview.openReversals).toEqual({ pending: 0, failed: 1 });
    expect(overview.alerts).toEqual([
      { kind: 'reversal_failed', count: 1, paymentIds: ['pay_x'] },
      { kind: 'awaiting_confirmation', count: 1, paymentIds: [] },
      { kind: 'reconciliation_duplicate', count: 1, paymentIds: [] },
    ]);
  });
});
