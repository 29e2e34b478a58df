import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bankCardCeilings2016, formatPercent, worstCaseCost } from './bank-card-ceilings.js';
import { comparePlans } from './compare-plans.js';
import { planToFileJson, readFeePlanFile } from './fee-plan-file.js';
import type { CardKind } from './fee-plan.js';
import type { FeeTransaction } from './fee-transaction.js';

const own = readFeePlanFile(readFileSync('test/fixtures/fees/plan-m1.json', 'utf8'));
// Another provider's offer, made today and starting tomorrow: its first version prices the past month.
const offerJson = planToFileJson(own) as { versions: unknown[] } & Record<string, unknown>;
const offer = readFeePlanFile(
  JSON.stringify({
    ...offerJson,
    merchantId: 'OFFER',
    versions: [
      {
        version: 1,
        effectiveFrom: '2026-04-03',
        changedBy: 'provider-b',
        changedAt: '2026-04-02T09:00:00+08:00',
        rates: {
          debit: { ratePpm: 5000, capFen: 2500 },
          credit: { ratePpm: 5500 },
          qr: { ratePpm: 3800 },
          foreign: { ratePpm: 25000 },
        },
        addOn: { name: { zh: '秒到', en: 'instant settlement' }, feeFen: 200, instantSettlement: true },
      },
    ],
  }),
);

const sale = (id: string, amountFen: number, day: number, cardKind: CardKind): FeeTransaction => ({
  id,
  merchantId: 'M1',
  terminalId: 'T1',
  kind: 'sale',
  amountFen,
  channel: 'card',
  cardKind,
  atMs: Date.parse(`2026-03-${String(day).padStart(2, '0')}T10:00:00+08:00`),
});

describe('fees compare', () => {
  const transactions: FeeTransaction[] = [
    sale('A', 100_000, 2, 'debit'), // own 6.00; offer 5.00 + 2.00
    sale('B', 1_000_000, 25, 'credit'), // own 63.00 + 3.00 (version 2); offer 55.00 + 2.00
    { ...sale('C', 100_000, 26, 'debit'), kind: 'refund', originalId: 'A' }, // own -6.00; offer -7.00
  ];

  it('prices the same transactions under each plan, cheapest first', () => {
    const result = comparePlans({
      plans: [
        { label: 'current', plan: own },
        { label: 'provider B', plan: offer },
      ],
      transactions,
    });
    expect(result.costs.map((c) => [c.label, c.feesNetFen, c.aboveCheapestFen])).toEqual([
      ['provider B', 5700, 0],
      ['current', 6600, 900],
    ]);
    expect(result.summary[1]).toEqual({
      zh: '2. current：2 笔交易手续费净额 66.00 元，比最便宜的方案多 9.00 元。',
      en: '2. current: 66.00 CNY of net fees on 2 sales, 9.00 CNY more than the cheapest.',
    });
  });

  it('needs at least two plans', () => {
    expect(() => comparePlans({ plans: [{ label: 'current', plan: own }], transactions })).toThrow(
      /2 to 20 plans/,
    );
  });
});

describe('the 2016 ceilings', () => {
  it('add up to the worst case the acquirer pays', () => {
    expect(worstCaseCost(bankCardCeilings2016, 'debit')).toEqual({ ratePpm: 3825, cappedFen: 1625 });
    expect(worstCaseCost(bankCardCeilings2016, 'credit')).toEqual({ ratePpm: 4825, cappedFen: Infinity });
    expect(bankCardCeilings2016.source.reference).toBe('发改价格〔2016〕557号');
  });

  it('print rates as percentages without float arithmetic', () => {
    expect([325, 3500, 6000, 25000, 1_000_000, 1].map(formatPercent)).toEqual([
      '0.0325%',
      '0.35%',
      '0.60%',
      '2.50%',
      '100.00%',
      '0.0001%',
    ]);
  });
});
