// Pricing the simulator's duplicate charges (`posguard simulate --fees`), every figure worked out by
// hand from the plan.
import { describe, expect, it } from 'vitest';
import { readFeePlanFile } from '../fees/index.js';
import type { DuplicateCharge } from './accounting.js';
import { demoFeePlan, feesDifference, priceDuplicates } from './sim-fees.js';

/** 2026-11-25 10:00 in Beijing, the simulated day. */
const t0 = Date.UTC(2026, 10, 25, 2, 0, 0);
const dup = (
  merchantId: string,
  amountFen: number,
  refundedAtMs: number | null = null,
  atMs = t0,
): DuplicateCharge => ({ method: 'card', merchantId, terminalId: 'T0000001', amountFen, atMs, refundedAtMs });

describe('the fees of duplicate charges', () => {
  it('prices each under the demo plan, returns the fee of each one reconciliation refunded, per merchant', () => {
    const fees = priceDuplicates({
      plan: demoFeePlan,
      duplicates: [
        dup('M1', 1_000), // 10.00 x 0.60% = 0.06
        dup('M1', 500_000), // 5,000.00 x 0.60% = 30.00, debit cap 20.00
        dup('M1', 12_345, t0 + 3_600_000), // 123.45 x 0.60% = 0.7407 -> 0.74, returned in full
        dup('M2', 88_888), // 888.88 x 0.60% = 5.33328 -> 5.33
      ],
    });
    expect(fees.byMerchant).toEqual({
      M1: {
        duplicateCharges: 3,
        duplicateChargesFen: 513_345,
        feesChargedFen: 6 + 2000 + 74,
        refundedCount: 1,
        refundedFen: 12_345,
        feesReturnedFen: 74,
        feesNetFen: 2006,
      },
      M2: {
        duplicateCharges: 1,
        duplicateChargesFen: 88_888,
        feesChargedFen: 533,
        refundedCount: 0,
        refundedFen: 0,
        feesReturnedFen: 0,
        feesNetFen: 533,
      },
    });
    expect(fees).toMatchObject({
      duplicateCharges: 4,
      duplicateChargesFen: 602_233,
      feesChargedFen: 2613,
      refundedCount: 1,
      feesReturnedFen: 74,
      feesNetFen: 2539,
    });
    const none = priceDuplicates({ plan: demoFeePlan, duplicates: [] });
    expect(none).toEqual({
      duplicateCharges: 0,
      duplicateChargesFen: 0,
      feesChargedFen: 0,
      refundedCount: 0,
      refundedFen: 0,
      feesReturnedFen: 0,
      feesNetFen: 0,
      byMerchant: {},
    });
    expect(feesDifference(fees, none)).toEqual({
      duplicateCharges: 4,
      duplicateChargesFen: 602_233,
      feesChargedFen: 2613,
      feesNetFen: 2539,
    });
  });

  it('prices under a plan file for any merchant, with its first version when it starts after the day, add-on and minimum included', () => {
    const plan = readFeePlanFile(
      JSON.stringify({
        format: 'posguard-fee-plan/1',
        merchantId: 'SOMEONE',
        currency: 'CNY',
        devicePriceFen: 0,
        activation: { feeFen: 0 },
        versions: [
          {
            version: 1,
            effectiveFrom: '2027-01-01',
            changedBy: 'ops:test',
            changedAt: '2026-12-01T00:00:00+08:00',
            rates: {
              debit: { ratePpm: 10_000, minimumFen: 100 },
              credit: { ratePpm: 10_000 },
              qr: { ratePpm: 3800 },
              foreign: { ratePpm: 25_000 },
            },
            addOn: { name: { zh: '秒到', en: 'instant settlement' }, feeFen: 300, instantSettlement: true },
          },
        ],
      }),
    );
    const fees = priceDuplicates({
      plan,
      duplicates: [dup('898310048990001', 2_000), dup('898310048990001', 30_050, t0 + 1)],
    });
    // 20.00 x 1% = 0.20, minimum 1.00, + 3.00; 300.50 x 1% = 3.005 -> 3.01 (half up), + 3.00, all returned.
    expect(fees).toMatchObject({ feesChargedFen: 400 + 601, feesReturnedFen: 601, feesNetFen: 400 });
  });
});
