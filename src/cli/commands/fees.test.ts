import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDay, localDayOf } from '../../fees/index.js';
import type { NewPayment } from '../../payments/ports/payment-store.js';
import { newPayment } from '../../store/test-support/records.js';
import { openSqliteStore } from '../../store/sqlite/open-sqlite-store.js';
import { runCli } from '../test-support/run-cli.js';

const fixture = JSON.parse(readFileSync('test/fixtures/fees/plan-m1.json', 'utf8')) as {
  versions: Record<string, unknown>[];
} & Record<string, unknown>;
/** 2026-03-10 10:00 in Beijing. */
const t0 = Date.UTC(2026, 2, 10, 2, 0, 0);

/** An approved sale of M1 on T1 with a debit BIN, at t0 unless told otherwise. */
function payment(overrides: Partial<NewPayment> & { id: string }): NewPayment {
  return newPayment({
    status: 'approved',
    amount: 10000,
    cardMasked: '622588******1234',
    responseCode: '00',
    createdAt: t0,
    ...overrides,
  });
}

/** A store with merchant M1 and a day of its sales: a credit card, a debit cap, an unknown card, a refund. */
async function storeWithADay(): Promise<{ db: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-fees-'));
  const db = join(dir, 'posguard.db');
  const store = await openSqliteStore(db);
  await store.transaction(async (tx) => {
    await tx.insertMerchant({
      id: 'M1',
      name: 'Shop',
      apiKeyHash: 'h1',
      duplicatePolicy: 'confirm',
      duplicateWindowS: 120,
      createdAt: t0,
    });
    for (const terminalId of ['T1', 'T2'])
      await tx.insertTerminal({ merchantId: 'M1', terminalId, tmkEncrypted: null, createdAt: t0 });
    await tx.insertPayment(payment({ id: 'S1', status: 'partially_refunded' }));
    await tx.insertPayment(
      payment({ id: 'S2', amount: 500000, cardMasked: '621700******0001', createdAt: t0 + 1 }),
    );
    await tx.insertPayment(payment({ id: 'S3', terminalId: 'T2', cardMasked: null, createdAt: t0 + 2 }));
    await tx.insertPayment(
      payment({ id: 'R1', kind: 'refund', amount: 5000, originalId: 'S1', createdAt: t0 + 3 }),
    );
  });
  await store.close();
  return { db, dir };
}

function writePlan(dir: string, name: string, plan: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof plan === 'string' ? plan : JSON.stringify(plan, null, 2));
  return path;
}

describe('posguard fees', () => {
  it('sets a plan, appends a change as a new version and refuses one that rewrites the past', async () => {
    const { db, dir } = await storeWithADay();
    const v1 = writePlan(dir, 'v1.json', { ...fixture, versions: fixture.versions.slice(0, 1) });
    const set = await runCli(['fees', 'plan', 'set', '--db', db, '--merchant', 'M1', '--file', v1, '--json']);
    expect(set.stderr).toBe('');
    expect(JSON.parse(set.stdout)).toEqual({ merchantId: 'M1', appended: [1], version: 1 });

    // Version 2 of the fixture starts 2026-03-20, long past: a change may not reprice it.
    const past = writePlan(dir, 'past.json', fixture);
    const refused = await runCli(['fees', 'plan', 'set', '--db', db, '--merchant', 'M1', '--file', past]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('POS_ERR_FEES_PLAN_REWRITES_PAST');

    const tomorrow = formatDay(localDayOf(Date.now(), 480) + 1);
    const next = { ...fixture.versions[1], effectiveFrom: tomorrow };
    const later = writePlan(dir, 'later.json', { ...fixture, versions: [fixture.versions[0], next] });
    const added = await runCli([
      'fees',
      'plan',
      'set',
      '--db',
      db,
      '--merchant',
      'M1',
      '--file',
      later,
      '--by',
      'ops:bob',
    ]);
    expect(added.stdout).toBe('Fee plan of M1: version 2 stored by ops:bob.\n');

    const history = await runCli(['fees', 'plan', 'history', '--db', db, '--merchant', 'M1', '--json']);
    const versions = (
      JSON.parse(history.stdout) as {
        versions: { version: number; effectiveFrom: string; changedBy: string }[];
      }
    ).versions;
    expect(versions.map((v) => [v.version, v.effectiveFrom, v.changedBy])).toEqual([
      [1, '2026-03-01', 'cli'],
      [2, tomorrow, 'ops:bob'],
    ]);
    const show = await runCli(['fees', 'plan', 'show', '--db', db, '--merchant', 'M1', '--json']);
    const shown = JSON.parse(show.stdout) as { versions: { changedBy: string; effectiveFrom: string }[] };
    expect(shown.versions.map((v) => [v.effectiveFrom, v.changedBy])).toEqual([
      ['2026-03-01', 'ops:alice'],
      [tomorrow, 'ops:bob'],
    ]);
    // Setting what `show` printed changes nothing.
    const same = writePlan(dir, 'same.json', show.stdout);
    const again = await runCli([
      'fees',
      'plan',
      'set',
      '--db',
      db,
      '--merchant',
      'M1',
      '--file',
      same,
      '--json',
    ]);
    expect(JSON.parse(again.stdout)).toMatchObject({ appended: [], version: 2 });
  });

  it('refuses a plan with a float rate or another merchant, naming the field, and stores nothing', async () => {
    const { db, dir } = await storeWithADay();
    const text = JSON.stringify({ ...fixture, versions: fixture.versions.slice(0, 1) }).replace(
      '"ratePpm":6000',
      '"ratePpm":6000.0',
    );
    const float = await runCli([
      'fees',
      'plan',
      'set',
      '--db',
      db,
      '--merchant',
      'M1',
      '--file',
      writePlan(dir, 'f.json', text),
    ]);
    expect(float.code).toBe(2);
    expect(float.stderr).toContain('POS_ERR_FEES_PLAN_INVALID');
    expect(float.stderr).toContain('versions[0].rates.debit.ratePpm');
    const other = await runCli([
      'fees',
      'plan',
      'set',
      '--db',
      db,
      '--merchant',
      'M9',
      '--file',
      writePlan(dir, 'o.json', fixture),
    ]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('merchantId');
    const history = await runCli(['fees', 'plan', 'history', '--db', db, '--merchant', 'M1']);
    expect(history.code).toBe(1);
    expect(history.stderr).toContain('POS_ERR_FEES_NO_PLAN_VERSION');
    const missing = await runCli([
      'fees',
      'plan',
      'set',
      '--db',
      db,
      '--merchant',
      'M1',
      '--file',
      join(dir, 'none.json'),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('POS_ERR_FEES_FILE_UNREADABLE');
  });

  it('prints a day statement in both languages, as JSON and as CSV, with the BIN table loaded', async () => {
    const { db, dir } = await storeWithADay();
    const plan = writePlan(dir, 'v1.json', { ...fixture, versions: fixture.versions.slice(0, 1) });
    expect((await runCli(['fees', 'plan', 'set', '--db', db, '--merchant', 'M1', '--file', plan])).code).toBe(
      0,
    );
    const bins = await runCli(['fees', 'bins', 'load', '--db', db, 'test/fixtures/fees/bins.csv', '--json']);
    expect(JSON.parse(bins.stdout)).toEqual({ rows: 4 });
    const csv = join(dir, 'day.csv');
    const run = await runCli([
      'fees',
      'statement',
      '--db',
      db,
      '--merchant',
      'M1',
      '--day',
      '2026-03-10',
      '--json',
      '--csv',
      csv,
    ]);
    expect(run.stderr).toBe('');
    const statement = JSON.parse(run.stdout) as {
      totals: Record<string, number>;
      settlementDate: string;
      lines: { transactionId: string; feeFen: number; bound: string | null }[];
    };
    // S1 credit 0.60% of 100.00 = 0.60; S2 debit 0.60% of 5000.00 = 30.00 capped at 20.00; S3 unknown
    // card at the highest rate (foreign 2.5%) = 2.50; R1 refunds half of S1: returns 0.30.
    expect(statement.lines.map((l) => [l.transactionId, l.feeFen, l.bound])).toEqual([
      ['S1', 60, null],
      ['S2', 2000, 'cap'],
      ['S3', 250, null],
      ['R1', -30, null],
    ]);
    expect(statement.totals).toMatchObject({
      feesChargedFen: 2310,
      feesNetFen: 2280,
      unknownCardCount: 1,
      grossFen: 515000,
    });
    expect(statement.settlementDate).toBe('2026-03-11');
    const rows = readFileSync(csv, 'utf8').trim().split('\r\n');
    expect(rows[0]).toBe(
      'line_id,transaction_id,terminal_id,day,kind,amount_fen,fee_fen,plan_version,rate_ppm,bound,explanation_zh,explanation_en',
    );
    expect(rows).toHaveLength(5);
    const zh = await runCli([
      'fees',
      'statement',
      '--db',
      db,
      '--merchant',
      'M1',
      '--day',
      '2026-03-10',
      '--lang',
      'zh-CN',
    ]);
    expect(zh.stdout).toContain('应结算金额');
    const en = await runCli([
      'fees',
      'statement',
      '--db',
      db,
      '--merchant',
      'M1',
      '--day',
      '2026-03-10',
      '--terminal',
      'T2',
    ]);
    expect(en.stdout).toContain('terminal T2');
    expect(en.stdout).toContain('S3');
    expect(en.stdout).not.toContain('S2');
  });

  it("prints a terminal's month: its transactions, its device and SIM fees, none of the merchant's", async () => {
    const { db, dir } = await storeWithADay();
    const plan = writePlan(dir, 'v1.json', { ...fixture, versions: fixture.versions.slice(0, 1) });
    await runCli(['fees', 'plan', 'set', '--db', db, '--merchant', 'M1', '--file', plan]);
    const args = [
      'fees',
      'statement',
      '--db',
      db,
      '--merchant',
      'M1',
      '--month',
      '2026-03',
      '--terminal',
      'T2',
    ];
    const run = await runCli([...args, '--json']);
    expect(run.stderr).toBe('');
    const month = JSON.parse(run.stdout) as {
      terminalId: string;
      lines: { lineId: string; feeFen: number }[];
      planChargesFen: Record<string, number>;
      netFen: number;
    };
    // T2 sold 100.00 with an unknown card: the highest rate, foreign 2.5%, 2.50. The device, 99.00,
    // is the terminal's; the activation fee and the annual fee on the 15th are the merchant's.
    expect(month.terminalId).toBe('T2');
    expect(month.lines.map((l) => [l.lineId, l.feeFen])).toEqual([
      ['device:2026-03-01', 9900],
      ['S3', 250],
    ]);
    expect(month.planChargesFen).toMatchObject({ device: 9900, 'activation-fee': 0, 'annual-fee': 0 });
    expect(month.netFen).toBe(10_000 - 250 - 9900);
    const en = await runCli(args);
    expect(en.stdout).toContain('Monthly statement of merchant M1, terminal T2, 2026-03');
    expect(en.stdout).toMatch(/Plan charges \(device, SIM\) +99\.00/);
    const zh = await runCli([...args, '--lang', 'zh-CN']);
    expect(zh.stdout).toContain('商户 M1 终端 T2 2026-03 月结算单');
    expect(zh.stdout).toMatch(/方案费用（机具、流量费） +99\.00/);
  });

  it('refuses bad periods and flags with exit status 2', async () => {
    const { db, dir } = await storeWithADay();
    const plan = writePlan(dir, 'v1.json', { ...fixture, versions: fixture.versions.slice(0, 1) });
    await runCli(['fees', 'plan', 'set', '--db', db, '--merchant', 'M1', '--file', plan]);
    const base = ['fees', 'statement', '--db', db, '--merchant', 'M1'];
    for (const [args, code] of [
      [['--day', '2026-13-01'], 'POS_ERR_FEES_STATEMENT_DATE'],
      [['--day', '2999-01-01'], 'POS_ERR_FEES_STATEMENT_DATE'],
      [['--month', '2026-3'], 'POS_ERR_FEES_STATEMENT_DATE'],
      [['--day', '2026-03-10', '--month', '2026-03'], 'POS_ERR_CLI_BAD_FLAG'],
      [['--month', '2026-03', '--terminal', 'T9'], 'POS_ERR_FEES_TERMINAL_NOT_FOUND'],
      [['--day', '2026-03-10', '--terminal', 'T9'], 'POS_ERR_FEES_TERMINAL_NOT_FOUND'],
      [['--day', '2026-03-10', '--lang', 'fr'], 'POS_ERR_CLI_BAD_FLAG'],
    ] as const) {
      const run = await runCli([...base, ...args]);
      expect([run.code, run.stderr.includes(code)], args.join(' ')).toEqual([2, true]);
    }
  });

  it('compares a month of the merchant under two plans, cheapest first', async () => {
    const { db, dir } = await storeWithADay();
    const own = writePlan(dir, 'own.json', { ...fixture, versions: fixture.versions.slice(0, 1) });
    await runCli(['fees', 'plan', 'set', '--db', db, '--merchant', 'M1', '--file', own]);
    await runCli(['fees', 'bins', 'load', '--db', db, 'test/fixtures/fees/bins.csv']);
    const dearer = structuredClone(fixture);
    dearer.versions = [
      {
        ...fixture.versions[0],
        rates: { ...(fixture.versions[0]?.['rates'] as object), credit: { ratePpm: 7000 } },
      },
    ];
    const offer = writePlan(dir, 'offer.json', dearer);
    const run = await runCli([
      'fees',
      'compare',
      '--db',
      db,
      '--merchant',
      'M1',
      '--month',
      '2026-03',
      own,
      offer,
      '--json',
    ]);
    expect(run.stderr).toBe('');
    const costs = (
      JSON.parse(run.stdout) as { costs: { label: string; feesNetFen: number; aboveCheapestFen: number }[] }
    ).costs;
    // Only S1 (credit, half refunded) differs: 0.70% of 100.00 = 0.70, half returned = 0.35 net.
    expect(costs.map((c) => [c.label, c.feesNetFen, c.aboveCheapestFen])).toEqual([
      [own, 2280, 0],
      [offer, 2285, 5],
    ]);
    const one = await runCli(['fees', 'compare', '--db', db, '--merchant', 'M1', '--month', '2026-03', own]);
    expect([one.code, one.stderr.includes('POS_ERR_FEES_COMPARE_INVALID')]).toEqual([2, true]);
  });
});
