import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFeePlanFile } from './fee-plan-file.js';
import { channelOfPaymentMethod, type FeeTransaction } from './fee-transaction.js';
import { roundHalfUp, roundProductHalfUp } from './price-columns.js';
import { dailyStatement, priceMerchant } from './statement.js';

const plan = readFeePlanFile(readFileSync('test/fixtures/fees/plan-m1.json', 'utf8'));
const march = (day: number, hour = 10): number =>
  Date.parse(`2026-03-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00+08:00`);
const sale = (id: string, amountFen: number, more: Partial<FeeTransaction> = {}): FeeTransaction => ({
  id,
  merchantId: 'M1',
  terminalId: 'T1',
  kind: 'sale',
  amountFen,
  channel: 'card',
  cardKind: 'debit',
  atMs: march(2),
  ...more,
});
const after = (
  id: string,
  kind: FeeTransaction['kind'],
  originalId: string,
  amountFen: number,
  day = 3,
): FeeTransaction => ({
  id,
  merchantId: 'M1',
  terminalId: 'T1',
  kind,
  amountFen,
  channel: 'card',
  atMs: march(day),
  originalId,
});
function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code ?? 'not a PosError';
  }
  return 'nothing thrown';
}
const fees = (transactions: FeeTransaction[]): number[] => [
  ...priceMerchant({ plan, transactions }).priced.feeFen,
];

describe('rounding half up, once', () => {
  it('rounds halves up and the rest to the nearest fen', () => {
    expect(roundHalfUp(74_070_000, 1_000_000)).toBe(74);
    expect(roundHalfUp(74_500_000, 1_000_000)).toBe(75);
    expect(roundHalfUp(74_499_999, 1_000_000)).toBe(74);
    expect(roundHalfUp(0, 7)).toBe(0);
  });

  it('stays exact past 2^53 (property, against BigInt arithmetic)', () => {
    const oracle = (a: number, b: number, d: number): number =>
      Number((BigInt(a) * BigInt(b) * 2n + BigInt(d)) / (2n * BigInt(d)));
    expect(roundProductHalfUp(999_999_999_999, 6000, 1_000_000)).toBe(6_000_000_000); // 5,999,999,999.994
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 999_999_999_999 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (amount, ratePpm) => {
          expect(roundProductHalfUp(amount, ratePpm, 1_000_000)).toBe(oracle(amount, ratePpm, 1_000_000));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('pricing a sale', () => {
  it('charges the rate of its card kind, rounded half up to the fen', () => {
    expect(fees([sale('S', 12_345, { cardKind: 'credit' })])).toEqual([74]); // 74.07
    expect(fees([sale('S', 20_050, { channel: 'qr' })])).toEqual([76]); // 0.38% of 200.50 = 76.19
  });

  it('stops at the cap and rises to the minimum', () => {
    expect(fees([sale('S', 500_000)])).toEqual([2000]); // 0.60% would be 3000
    expect(fees([sale('S', 1000, { cardKind: 'foreign' })])).toEqual([100]); // 2.5% would be 25
  });

  it('prices an unknown card at the plan highest rate', () => {
    expect(fees([sale('S', 100_000, { cardKind: 'unknown' })])).toEqual([2500]); // foreign 2.5%
  });

  it('adds the add-on of the version in effect on the sale day', () => {
    expect(fees([sale('S', 100_000, { cardKind: 'credit', atMs: march(20) })])).toEqual([630 + 300]);
  });

  it('refuses a sale before the plan first day', () => {
    expect(codeOf(() => fees([sale('S', 100, { atMs: Date.parse('2026-02-28T23:59:00+08:00') })]))).toBe(
      'POS_ERR_FEES_NO_PLAN_VERSION',
    );
  });
});

describe('returning fees', () => {
  it('returns the whole fee on a void and on a reversal', () => {
    expect(fees([sale('S', 30_000), after('V', 'void', 'S', 30_000)])).toEqual([180, -180]);
    expect(fees([sale('S', 500_000), after('R', 'reversal', 'S', 500_000)])).toEqual([2000, -2000]);
  });

  it('returns the fee in proportion on refunds, all of it once the sale is refunded in full', () => {
    // Fee 74 on 123.45; refunds of 50.00 then 73.45: round(74 * 5000 / 12345) = 30, then 74 - 30.
    expect(
      fees([
        sale('S', 12_345, { cardKind: 'credit' }),
        after('R1', 'refund', 'S', 5000),
        after('R2', 'refund', 'S', 7345, 4),
      ]),
    ).toEqual([74, -30, -44]);
  });

  it('refuses refunds past the sale, a void after a refund and a second void', () => {
    const code = 'POS_ERR_FEES_TRANSACTION_INVALID';
    expect(
      codeOf(() => fees([sale('S', 1000), after('R1', 'refund', 'S', 600), after('R2', 'refund', 'S', 401)])),
    ).toBe(code);
    expect(
      codeOf(() =>
        fees([sale('S', 1000), after('R1', 'refund', 'S', 600), after('V', 'void', 'S', 1000, 4)]),
      ),
    ).toBe(code);
    expect(
      codeOf(() =>
        fees([sale('S', 1000), after('V1', 'void', 'S', 1000), after('V2', 'void', 'S', 1000, 4)]),
      ),
    ).toBe(code);
    expect(codeOf(() => fees([sale('S', 1000), after('V', 'void', 'S', 999)]))).toBe(code);
  });

  it('refuses a refund whose sale is not among the transactions, or that comes before it', () => {
    const code = 'POS_ERR_FEES_TRANSACTION_INVALID';
    expect(codeOf(() => fees([after('R', 'refund', 'NOPE', 100)]))).toBe(code);
    expect(codeOf(() => fees([sale('S', 1000, { atMs: march(5) }), after('R', 'refund', 'S', 100, 4)]))).toBe(
      code,
    );
  });

  it('keeps the fee of a sale and its refunds between zero and the first fee (property)', () => {
    const saleFen = fc.integer({ min: 1, max: 999_999_999_999 });
    const scenario = saleFen.chain((amount) =>
      fc.record({
        amount: fc.constant(amount),
        kind: fc.constantFrom<FeeTransaction['cardKind']>('debit', 'credit', 'foreign', 'unknown'),
        refunds: fc.array(fc.integer({ min: 1, max: amount }), { maxLength: 8 }),
      }),
    );
    fc.assert(
      fc.property(scenario, ({ amount, kind, refunds }) => {
        const transactions: FeeTransaction[] = [
          sale('S', amount, kind === undefined ? {} : { cardKind: kind }),
        ];
        let left = amount;
        refunds.forEach((wanted, index) => {
          const refund = Math.min(wanted, left);
          if (refund === 0) return;
          left -= refund;
          transactions.push(after(`R${index}`, 'refund', 'S', refund, 3 + (index % 20)));
        });
        const [first = 0, ...returns] = fees(transactions);
        let kept = first;
        for (const returned of returns) {
          expect(returned).toBeLessThanOrEqual(0);
          expect(Number.isInteger(returned)).toBe(true);
          kept += returned;
          expect(kept).toBeGreaterThanOrEqual(0);
          expect(kept).toBeLessThanOrEqual(first);
        }
        if (left === 0) expect(kept).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('transaction records', () => {
  it('refuses every bad field at once, never echoing a card number', () => {
    const bad = { ...sale('', -5, { channel: 'nfc' as 'card', bin: '6217001234567890' }) };
    try {
      fees([bad, sale('S', 100, { kind: 'refund' })]);
      expect.unreachable();
    } catch (error) {
      const e = error as { code: string; problems: { field: string }[]; message: string };
      expect(e.code).toBe('POS_ERR_FEES_TRANSACTION_INVALID');
      expect(e.problems.map((p) => p.field)).toEqual([
        'transactions[0].id',
        'transactions[0].amountFen',
        'transactions[0].channel',
        'transactions[0].bin',
        'transactions[1].originalId',
      ]);
      expect(e.message).not.toContain('6217001234567890');
    }
  });

  it('refuses a transaction of another merchant than the plan', () => {
    expect(() => fees([sale('S', 100, { merchantId: 'M2' })])).toThrow(
      expect.objectContaining({ code: 'POS_ERR_FEES_TRANSACTION_INVALID' }),
    );
  });
});

describe('QR sales (a payment whose method is qr)', () => {
  const qr = (id: string, amountFen: number, more: Partial<FeeTransaction> = {}): FeeTransaction => {
    const { cardKind: _unused, ...card } = sale(id, amountFen, more);
    return { ...card, channel: channelOfPaymentMethod('qr'), ...more };
  };

  it('takes the channel from the payment method: qr for QR payments, card otherwise and for old records', () => {
    expect([
      channelOfPaymentMethod('qr'),
      channelOfPaymentMethod('card'),
      channelOfPaymentMethod(undefined),
    ]).toEqual(['qr', 'card', 'card']);
  });

  it('pays the QR rate, never the highest rate of an unknown card nor the rate of the card behind the wallet', () => {
    // Plan M1: QR 0.38%, foreign (the highest) 2.5%, debit 0.60% capped at 20.00.
    expect(fees([qr('Q1', 20_050)])).toEqual([76]); // 200.50 x 0.38% = 0.7619
    expect(fees([qr('Q2', 20_050, { bin: '99999999' })])).toEqual([76]); // a BIN in no table: still QR
    expect(fees([qr('Q3', 1_000_000, { cardKind: 'debit' })])).toEqual([3800]); // no debit cap: 10,000.00 x 0.38%
    expect(fees([qr('Q4', 100_000, { atMs: march(20) })])).toEqual([380 + 300]); // version 2 adds its add-on
  });

  it('is counted and explained as QR: no unknown card, no debit flag, its fees under QR', () => {
    const day = dailyStatement({
      plan,
      transactions: [qr('Q1', 20_050, { bin: '99999999' }), qr('Q2', 1_000_000, { cardKind: 'debit' })],
      day: '2026-03-02',
      nowMs: march(3),
    });
    expect(day.totals).toMatchObject({
      feesQrFen: 76 + 3800,
      feesDebitFen: 0,
      feesUnknownCardFen: 0,
      unknownCardCount: 0,
      aboveCappedFeesCount: 0,
    });
    expect(day.lines.map((l) => [l.rateKey, l.cardKind, l.ratePpm, l.unknownCard])).toEqual([
      ['qr', null, 3800, false],
      ['qr', null, 3800, false],
    ]);
    expect(day.lines[0]?.explanation.en).toBe(
      'Sale Q1, 200.50 CNY, plan version 1, QR code rate 0.38%: fee 0.76 CNY.',
    );
    expect(day.lines[0]?.explanation.zh).toBe(
      '交易 Q1，200.50 元，费率方案第1版，扫码费率 0.38%：手续费 0.76 元。',
    );
  });

  it('returns the QR fee on a refund in proportion, and all of it on a void', () => {
    // 0.76 x 100.25 / 200.50 = 0.38.
    expect(fees([qr('Q1', 20_050), after('R1', 'refund', 'Q1', 10_025)])).toEqual([76, -38]);
    expect(fees([qr('Q1', 20_050), after('V1', 'void', 'Q1', 20_050)])).toEqual([76, -76]);
  });

  it("applies the QR rate's own cap and minimum", () => {
    const json = JSON.parse(readFileSync('test/fixtures/fees/plan-m1.json', 'utf8')) as {
      versions: { rates: Record<string, unknown> }[];
    };
    json.versions[0]!.rates['qr'] = { ratePpm: 3800, capFen: 500, minimumFen: 10 };
    const capped = readFeePlanFile(JSON.stringify(json));
    const priced = priceMerchant({
      plan: capped,
      transactions: [qr('Q1', 1_000_000), qr('Q2', 1_000)],
    });
    // 10,000.00 x 0.38% = 38.00, capped at 5.00; 10.00 x 0.38% = 0.038, raised to 0.10.
    expect([...priced.priced.feeFen]).toEqual([500, 10]);
    expect([...priced.priced.bound]).toEqual([1, 2]);
  });
});
