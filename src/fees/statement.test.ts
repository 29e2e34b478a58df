// The statement computed by hand (issue 17, "Done means"): merchant M1's March 2026 under
// test/fixtures/fees/plan-m1.json, with a cap hit, a refund, a void, a reversal, a duplicate
// refunded, an annual fee and the activation fee earned back. Every figure below was worked out on
// paper from the plan; the code must match it line by line.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBinTable } from './bin-table.js';
import { readFeePlanFile } from './fee-plan-file.js';
import type { FeeTransaction } from './fee-transaction.js';
import { dailyStatement, monthlyStatement } from './statement.js';

const plan = readFeePlanFile(readFileSync('test/fixtures/fees/plan-m1.json', 'utf8'));
const binTable = parseBinTable(readFileSync('test/fixtures/fees/bins.csv', 'utf8'));
const at = (text: string): number => Date.parse(`2026-03-${text}+08:00`);
const nowMs = Date.parse('2026-04-02T09:00:00+08:00');

type Card = Pick<FeeTransaction, 'cardKind' | 'bin' | 'channel'>;
const debit: Card = { channel: 'card', cardKind: 'debit' };
const t = (
  id: string,
  kind: FeeTransaction['kind'],
  amountFen: number,
  when: string,
  card: Card,
  more: Partial<FeeTransaction> = {},
): FeeTransaction => ({
  id,
  merchantId: 'M1',
  terminalId: more.terminalId ?? 'T1',
  kind,
  amountFen,
  atMs: at(when),
  ...card,
  ...more,
});

const month: FeeTransaction[] = [
  t('S1', 'sale', 100_000, '02T10:00:00', debit),
  t('S2', 'sale', 500_000, '03T11:00:00', debit, { terminalId: 'T2' }),
  t('S3', 'sale', 12_345, '05T12:00:00', { channel: 'card', bin: '62258812' }),
  t('R1', 'refund', 5_000, '06T09:00:00', { channel: 'card', bin: '62258812' }, { originalId: 'S3' }),
  t('S4', 'sale', 20_050, '07T10:00:00', { channel: 'qr' }),
  t('V1', 'void', 20_050, '07T10:05:00', { channel: 'qr' }, { originalId: 'S4' }),
  t('S5', 'sale', 1_000, '08T15:00:00', { channel: 'card', bin: '41111111' }),
  t('S6', 'sale', 30_000, '10T16:00:00', debit),
  t('RV1', 'reversal', 30_000, '10T16:01:00', debit, { originalId: 'S6' }),
  t('S7', 'sale', 88_888, '12T18:00:00', debit),
  t('S8', 'sale', 88_888, '12T18:00:20', debit),
  t('D1', 'refund', 88_888, '14T10:00:00', debit, { originalId: 'S8', duplicateRefunded: true }),
  // 00:30 in Beijing is still the 20th in UTC: the statement counts it on the 21st, under version 2.
  t('S9', 'sale', 10_000, '21T00:30:00', { channel: 'card', bin: '99999999' }),
  t('S10', 'sale', 1_000_000, '25T23:30:00', { channel: 'card', cardKind: 'credit' }),
];

describe('the monthly statement computed by hand (M1, March 2026)', () => {
  const statement = monthlyStatement({ plan, transactions: month, binTable, month: '2026-03', nowMs });

  it('matches every line: kind, day, fee and plan version', () => {
    const lines = statement.lines.map((l) => [l.lineId, l.day, l.lineKind, l.feeFen, l.planVersion, l.bound]);
    expect(lines).toEqual([
      ['device:2026-03-01', '2026-03-01', 'device', 9900, 1, null],
      ['activation-fee:2026-03-01', '2026-03-01', 'activation-fee', 19900, 1, null],
      ['S1', '2026-03-02', 'sale-fee', 600, 1, null], // 1,000.00 x 0.60% = 6.00
      ['S2', '2026-03-03', 'sale-fee', 2000, 1, 'cap'], // 5,000.00 x 0.60% = 30.00, capped at 20.00
      ['S3', '2026-03-05', 'sale-fee', 74, 1, null], // credit (BIN 622588): 123.45 x 0.60% = 0.7407
      ['R1', '2026-03-06', 'fee-returned-on-refund', -30, 1, null], // 0.74 x 50.00 / 123.45 = 0.2997
      ['S4', '2026-03-07', 'sale-fee', 76, 1, null], // QR: 200.50 x 0.38% = 0.7619
      ['V1', '2026-03-07', 'fee-returned-on-void', -76, 1, null],
      ['S5', '2026-03-08', 'sale-fee', 100, 1, 'minimum'], // foreign (BIN 4): 10.00 x 2.5% = 0.25, minimum 1.00
      ['S6', '2026-03-10', 'sale-fee', 180, 1, null], // 300.00 x 0.60% = 1.80
      ['RV1', '2026-03-10', 'fee-returned-on-reversal', -180, 1, null],
      ['S7', '2026-03-12', 'sale-fee', 533, 1, null], // 888.88 x 0.60% = 5.33328
      ['S8', '2026-03-12', 'sale-fee', 533, 1, null],
      ['D1', '2026-03-14', 'fee-returned-on-duplicate', -533, 1, null],
      ['annual-fee:2026-03-15', '2026-03-15', 'annual-fee', 9900, 1, null],
      ['S9', '2026-03-21', 'sale-fee', 550, 2, null], // unknown BIN: highest rate, foreign 2.5%: 2.50 + 3.00 add-on
      ['S10', '2026-03-25', 'sale-fee', 6600, 2, null], // 10,000.00 x 0.63% = 63.00 + 3.00
      // Gross settled since the 1st passes 10,000.00 on the 25th (7,072.33 + 10,000.00), day 25 of 30.
      ['activation-refund:2026-03-25', '2026-03-25', 'activation-refund', -19900, 2, null],
    ]);
  });

  it('matches the totals', () => {
    expect(statement.totals).toMatchObject({
      salesCount: 10,
      salesFen: 1_851_171,
      voidsCount: 1,
      voidsFen: 20_050,
      refundsCount: 1,
      refundsFen: 5_000,
      duplicateRefundsCount: 1,
      duplicateRefundsFen: 88_888,
      reversalsCount: 1,
      reversalsFen: 30_000,
      grossFen: 1_707_233,
      feesChargedFen: 11_246,
      addOnFeesFen: 600,
      feesReturnedOnVoidFen: 76,
      feesReturnedOnRefundFen: 30,
      feesReturnedOnDuplicateFen: 533,
      feesReturnedOnReversalFen: 180,
      feesNetFen: 10_427,
      netFen: 1_696_806,
      feesDebitFen: 3_133,
      feesCreditFen: 6_644,
      feesQrFen: 0,
      feesForeignFen: 100,
      feesUnknownCardFen: 550,
      unknownCardCount: 1,
      capAppliedCount: 1,
      minimumAppliedCount: 1,
      aboveCappedFeesCount: 1,
    });
    expect(statement.planChargesFen).toEqual({
      device: 9900,
      'activation-fee': 19900,
      'activation-refund': -19900,
      'annual-fee': 9900,
      'sim-fee': 0,
    });
    expect(statement.netFen).toBe(1_696_806 - 19_800);
  });

  it('settles T+1 under version 1 and D0 under the instant settlement add-on', () => {
    expect(statement.days.map((d) => [d.day, d.settlementDate])).toEqual([
      ['2026-03-02', '2026-03-03'],
      ['2026-03-03', '2026-03-04'],
      ['2026-03-05', '2026-03-06'],
      ['2026-03-06', '2026-03-07'],
      ['2026-03-07', '2026-03-08'],
      ['2026-03-08', '2026-03-09'],
      ['2026-03-10', '2026-03-11'],
      ['2026-03-12', '2026-03-13'],
      ['2026-03-14', '2026-03-15'],
      ['2026-03-21', '2026-03-21'],
      ['2026-03-25', '2026-03-25'],
    ]);
  });

  it('explains each line in zh-CN and en, naming version, rate and cap', () => {
    const byId = new Map(statement.lines.map((l) => [l.lineId, l.explanation]));
    expect(byId.get('S2')?.en).toBe(
      'Sale S2, 5000.00 CNY, plan version 1, debit card rate 0.60%, capped at 20.00 CNY: fee 20.00 CNY. This debit fee is above the 16.25 CNY that the capped issuer and network fees come to (发改价格〔2016〕557号).',
    );
    expect(byId.get('S2')?.zh).toBe(
      '交易 S2，5000.00 元，费率方案第1版，借记卡费率 0.60%，封顶 20.00 元：手续费 20.00 元。该笔借记卡手续费高于封顶的发卡行服务费与网络服务费合计 16.25 元（发改价格〔2016〕557号）。',
    );
    expect(byId.get('S9')?.en).toContain('Card kind unknown');
    expect(byId.get('S9')?.en).toContain('plus instant settlement 3.00 CNY, 5.50 CNY in all');
    expect(byId.get('S9')?.zh).toContain('另加秒到 3.00 元');
    expect(byId.get('D1')?.en).toMatch(/^Fee returned on duplicate: sale S8/);
    expect(byId.get('D1')?.zh).toMatch(/^重复扣款退还手续费/);
    expect(byId.get('R1')?.en).toContain('rounded half up to the fen');
    for (const line of statement.lines) {
      expect(line.explanation.zh.length).toBeGreaterThan(10);
      expect(line.explanation.en.length).toBeGreaterThan(10);
    }
  });

  it('counts unknown cards and flags debit fees above the capped wholesale fees', () => {
    expect(statement.notices.map((n) => n.en)).toEqual([
      "1 sale(s) by a card whose BIN is not in the table were priced at the plan's highest rate.",
      '1 debit sale(s) were charged more than the 16.25 CNY the capped issuer and network fees come to.',
      'Plan version 1: a debit sale of 10000.00 CNY is charged 20.00 CNY, where the capped issuer and network fees come to 16.25 CNY (发改价格〔2016〕557号).',
      'Plan version 2: a debit sale of 10000.00 CNY is charged 20.00 CNY, where the capped issuer and network fees come to 16.25 CNY (发改价格〔2016〕557号).',
    ]);
  });

  it('charges the SIM fee on its day the next month, and the annual fee only once a year', () => {
    const april = monthlyStatement({ plan, transactions: month, binTable, month: '2026-04', nowMs });
    expect(april.lines.map((l) => [l.lineId, l.feeFen])).toEqual([['sim-fee:2026-04-01', 3600]]);
    const later = Date.parse('2027-04-02T09:00:00+08:00');
    const march2027 = monthlyStatement({
      plan,
      transactions: month,
      binTable,
      month: '2027-03',
      nowMs: later,
    });
    expect(march2027.lines.map((l) => [l.lineId, l.feeFen])).toEqual([['annual-fee:2027-03-15', 9900]]);
  });
});

describe("a terminal's monthly statement, by hand", () => {
  // The rule (docs/fees.md): a terminal's month holds its own transactions and the plan charges a
  // device brings, its price and its SIM fee; the activation fee, its refund and the annual fee are
  // the merchant's.
  const terminalMonth = (terminalId: string, m = '2026-03') =>
    monthlyStatement({ plan, transactions: month, binTable, month: m, nowMs, terminalId });

  it('gives T2 its one capped sale and the device', () => {
    const t2 = terminalMonth('T2');
    expect(t2.terminalId).toBe('T2');
    expect(t2.lines.map((l) => [l.lineId, l.terminalId, l.feeFen])).toEqual([
      ['device:2026-03-01', 'T2', 9900],
      ['S2', 'T2', 2000], // 5,000.00 x 0.60% = 30.00, capped at 20.00
    ]);
    expect(t2.totals).toMatchObject({ salesCount: 1, salesFen: 500_000, feesNetFen: 2000, netFen: 498_000 });
    expect(t2.planChargesFen).toEqual({
      device: 9900,
      'activation-fee': 0,
      'activation-refund': 0,
      'annual-fee': 0,
      'sim-fee': 0,
    });
    expect(t2.netFen).toBe(498_000 - 9900);
    expect(t2.days.map((d) => d.day)).toEqual(['2026-03-03']);
  });

  it('gives T1 every other line of the month, the device, and the SIM fee the next month', () => {
    const t1 = terminalMonth('T1');
    const all = monthlyStatement({ plan, transactions: month, binTable, month: '2026-03', nowMs });
    const transactionIds = all.lines.flatMap((l) =>
      l.transactionId !== null && l.transactionId !== 'S2' ? [l.transactionId] : [],
    );
    expect(t1.lines.map((l) => l.lineId)).toEqual(['device:2026-03-01', ...transactionIds]);
    // The merchant's month less S2: 10,427 - 2,000 of fees; 1,707,233 - 500,000 gross.
    expect(t1.totals).toMatchObject({
      salesCount: 9,
      salesFen: 1_351_171,
      grossFen: 1_207_233,
      feesChargedFen: 9_246,
      feesNetFen: 8_427,
      netFen: 1_198_806,
      aboveCappedFeesCount: 0,
      unknownCardCount: 1,
    });
    expect(t1.netFen).toBe(1_198_806 - 9900);
    expect(terminalMonth('T1', '2026-04').lines.map((l) => [l.lineId, l.terminalId, l.feeFen])).toEqual([
      ['sim-fee:2026-04-01', 'T1', 3600],
    ]);
  });

  it('leaves the merchant statement as it was: every plan charge once, on no terminal', () => {
    const all = monthlyStatement({ plan, transactions: month, binTable, month: '2026-03', nowMs });
    expect(all.terminalId).toBeNull();
    expect(all.lines.filter((l) => l.transactionId === null).map((l) => [l.lineKind, l.terminalId])).toEqual([
      ['device', null],
      ['activation-fee', null],
      ['annual-fee', null],
      ['activation-refund', null],
    ]);
  });
});

describe('yearly fees', () => {
  it('are never taken twice within 365 days when a version moves the billing day', () => {
    const json = JSON.parse(readFileSync('test/fixtures/fees/plan-m1.json', 'utf8')) as {
      versions: Record<string, unknown>[];
    };
    json.versions.push({
      ...json.versions[1],
      version: 3,
      effectiveFrom: '2026-04-01',
      changedAt: '2026-03-25T10:00:00+08:00',
      annualFee: { feeFen: 12_000, billingDay: '06-01' },
    });
    const moved = readFeePlanFile(JSON.stringify(json));
    const charges = (m: string): (string | number)[][] =>
      monthlyStatement({
        plan: moved,
        transactions: [],
        month: m,
        nowMs: Date.parse('2027-12-01T00:00:00+08:00'),
      })
        .lines.filter((l) => l.lineKind === 'annual-fee')
        .map((l) => [l.lineId, l.feeFen, l.planVersion]);
    expect(charges('2026-03')).toEqual([['annual-fee:2026-03-15', 9900, 1]]);
    expect(charges('2026-06')).toEqual([]);
    expect(charges('2027-06')).toEqual([['annual-fee:2027-06-01', 12_000, 3]]);
  });
});

describe('the daily statement', () => {
  it('gives one terminal its own lines and totals', () => {
    const day = dailyStatement({
      plan,
      transactions: month,
      binTable,
      day: '2026-03-03',
      terminalId: 'T2',
      nowMs,
    });
    expect(day.lines.map((l) => l.transactionId)).toEqual(['S2']);
    expect(day.totals).toMatchObject({
      salesFen: 500_000,
      feesNetFen: 2000,
      netFen: 498_000,
      capAppliedCount: 1,
    });
    expect(
      dailyStatement({ plan, transactions: month, binTable, day: '2026-03-03', terminalId: 'T1', nowMs })
        .lines,
    ).toEqual([]);
  });

  it('gives the merchant day its settlement date: D0 under the add-on', () => {
    const day = dailyStatement({ plan, transactions: month, binTable, day: '2026-03-21', nowMs });
    expect(day).toMatchObject({ planVersion: 2, settlement: 'D0', settlementDate: '2026-03-21' });
    expect(day.totals).toMatchObject({
      salesFen: 10_000,
      feesNetFen: 550,
      netFen: 9_450,
      unknownCardCount: 1,
    });
    const before = dailyStatement({ plan, transactions: month, binTable, day: '2026-03-12', nowMs });
    expect(before).toMatchObject({ planVersion: 1, settlement: 'T+1', settlementDate: '2026-03-13' });
  });

  it('refuses a day that is not a date, or still to come', () => {
    for (const day of ['2026-13-01', '2026-02-30', 'yesterday', '2026-04-03']) {
      expect(() => dailyStatement({ plan, transactions: month, day, nowMs })).toThrow(
        expect.objectContaining({ code: 'POS_ERR_FEES_STATEMENT_DATE' }),
      );
    }
    for (const m of ['2026-13', '2026-5', '2026-05']) {
      expect(() => monthlyStatement({ plan, transactions: month, month: m, nowMs })).toThrow(
        expect.objectContaining({ code: 'POS_ERR_FEES_STATEMENT_DATE' }),
      );
    }
  });
});
