import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeHarness, merchantId, viewOf } from '../../payments/test-support/engine-harness.js';
import { settlementFileHeader } from '../../reconciliation/read/v1-lines.js';
import { openSqliteStore } from '../../store/sqlite/open-sqlite-store.js';
import { noFaults } from '../../simulated-issuer/simulated-issuer.js';
import { runCli } from '../test-support/run-cli.js';

/** A store with one of each kind of payment the export must handle. */
async function storeWithADay(): Promise<{ db: string; rrns: Record<string, string> }> {
  const db = join(mkdtempSync(join(tmpdir(), 'pg-export-')), 'posguard.db');
  const h = await makeHarness({ store: await openSqliteStore(db) });
  const child = (saleId: string, key: string) => ({
    merchantId,
    saleId,
    idempotencyKey: key,
    operatorId: null,
    channel: 'http' as const,
    terminalId: null,
    stan: null,
    batchNo: null,
  });
  const approved = viewOf(await h.drive(h.engine.authorizeSale(h.sale({ amount: 1000 }))));
  await h.drive(h.engine.authorizeSale(h.sale({ amount: 1000 }))); // held as a suspected duplicate
  const toVoid = viewOf(await h.drive(h.engine.authorizeSale(h.sale({ amount: 2000 }))));
  const voided = viewOf(await h.drive(h.engine.voidSale(child(toVoid.id, 'v1'))));
  const toRefund = viewOf(await h.drive(h.engine.authorizeSale(h.sale({ amount: 3000 }))));
  const refund = viewOf(await h.drive(h.engine.refundSale({ ...child(toRefund.id, 'r1'), amount: 500 })));
  h.issuer.setFaults({ ...noFaults, lostAnswerRate: 1 });
  const lost = viewOf(await h.drive(h.engine.authorizeSale(h.sale({ amount: 4000 }))));
  await h.store.close();
  const rrn = (v: { rrn: string | null }): string => v.rrn ?? '';
  return {
    db,
    rrns: {
      approved: rrn(approved),
      toVoid: rrn(toVoid),
      voided: rrn(voided),
      toRefund: rrn(toRefund),
      refund: rrn(refund),
      lost: rrn(lost),
    },
  };
}

describe('posguard export and reconcile --db', () => {
  it('exports the host journal in the v1 format, leaving out what never went upstream', async () => {
    const { db, rrns } = await storeWithADay();
    const out = join(mkdtempSync(join(tmpdir(), 'pg-export-')), 'host.csv');
    const run = await runCli(['export', '--db', db, '--out', out, '--json']);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ rows: 6, skipped: 1, out });
    const [header, ...lines] = readFileSync(out, 'utf8').trim().split('\n');
    expect(header).toBe(
      'merchant_id,terminal_id,batch_no,stan,rrn,auth_code,txn_time,txn_type,status,amount,currency,card_masked,card_fingerprint,entry_mode,operator_id,duplicate_confirmed,original_rrn,method,wallet,order_no,wallet_trade_no,payer_fingerprint',
    );
    expect(lines.every((l) => l.endsWith(',card,,,,'))).toBe(true);
    const byRrn = new Map(lines.map((l) => [l.split(',')[4], l.split(',')]));
    expect(byRrn.get(rrns['approved'])?.slice(7, 11)).toEqual(['sale', 'approved', '1000', 'CNY']);
    expect(byRrn.get(rrns['toVoid'])?.[8]).toBe('voided');
    expect(byRrn.get(rrns['voided'])?.slice(7, 9)).toEqual(['void', 'approved']);
    expect(byRrn.get(rrns['voided'])?.[16]).toBe(rrns['toVoid']);
    expect(byRrn.get(rrns['toRefund'])?.[8]).toBe('partially_refunded');
    expect(byRrn.get(rrns['refund'])?.slice(7, 10)).toEqual(['refund', 'approved', '500']);
    expect(byRrn.get(rrns['lost'])?.[8]).toBe('reversed');
    expect(byRrn.get(rrns['approved'])?.[6]).toMatch(/^2026-11-25T14:00:00(\.\d{3})?\+08:00$/);
    expect(readFileSync(out, 'utf8')).not.toContain('6212345678901232');
  });

  it('filters by day at the given offset and refuses a bad date', async () => {
    const { db } = await storeWithADay();
    const dir = mkdtempSync(join(tmpdir(), 'pg-export-'));
    const sameDay = await runCli([
      'export',
      '--db',
      db,
      '--from',
      '2026-11-25',
      '--to',
      '2026-11-25',
      '--out',
      join(dir, 'a.csv'),
      '--json',
    ]);
    expect(JSON.parse(sameDay.stdout)).toMatchObject({ rows: 6 });
    const nextDay = await runCli([
      'export',
      '--db',
      db,
      '--from',
      '2026-11-26',
      '--out',
      join(dir, 'b.csv'),
      '--json',
    ]);
    expect(JSON.parse(nextDay.stdout)).toMatchObject({ rows: 0 });
    const bad = await runCli(['export', '--db', db, '--from', '2026-13-45', '--out', join(dir, 'c.csv')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--from expected a date such as 2026-11-25/);
    const backwards = await runCli([
      'export',
      '--db',
      db,
      '--from',
      '2026-11-26',
      '--to',
      '2026-11-24',
      '--out',
      join(dir, 'd.csv'),
    ]);
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toContain('--from expected a time before --to');
  });

  it('reconciles straight from the store and keeps the duplicates it finds for GET /v1/duplicates, once', async () => {
    const { db, rrns } = await storeWithADay();
    const dir = mkdtempSync(join(tmpdir(), 'pg-recon-'));
    const settlement = join(dir, 'settlement.csv');
    const line = (rrn: string, amount: number) =>
      `2026-11-25,M0001,T0001,,,${rrn},,2026-11-25T14:00:00+08:00,sale,${amount},5,CNY,621234******1232`;
    writeFileSync(
      settlement,
      [
        settlementFileHeader,
        line(rrns['approved'] ?? '', 1000),
        line(rrns['approved'] ?? '', 1000),
        line(rrns['toRefund'] ?? '', 3000),
      ].join('\n') + '\n',
    );
    const first = await runCli([
      'reconcile',
      '--db',
      db,
      '--settlement',
      settlement,
      '--out',
      join(dir, 'report'),
      '--json',
    ]);
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout) as { hostRows: number; exceptions: Record<string, number> };
    expect(summary.hostRows).toBe(6);
    expect(summary.exceptions['duplicate_settlement']).toBe(1);
    expect(first.stderr).toContain('stored 1 duplicate finding(s)');
    // A store has rows, not lines: details say which row of the store's export they mean.
    expect(readFileSync(join(dir, 'report', 'exceptions.csv'), 'utf8')).toContain(
      `(store ${db}, row 3) but no settlement line carries it`,
    );
    const again = await runCli([
      'reconcile',
      '--db',
      db,
      '--settlement',
      settlement,
      '--out',
      join(dir, 'report2'),
      '--json',
    ]);
    expect(again.stderr).toContain('stored 0 duplicate finding(s) for GET /v1/duplicates (1 already there)');
    const store = await openSqliteStore(db);
    const found = await store.read((r) =>
      r.listDuplicates({ merchantId, source: 'reconciliation', limit: 10 }),
    );
    await store.close();
    expect(found).toMatchObject([
      {
        kind: 'duplicate_settlement',
        cause: 'third_party',
        rrn: rrns['approved'],
        resolution: 'found_after_the_fact',
      },
    ]);
    const both = await runCli([
      'reconcile',
      '--db',
      db,
      '--host-journal',
      'x.csv',
      '--settlement',
      settlement,
      '--out',
      dir,
    ]);
    expect(both.stderr).toMatch(/either as --host-journal FILE or from the store with --db, not both/);
  });
});
