import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeDiagnosisStoreContract } from '../diagnosis-store.contract.js';
import { describeFeeStoreContract } from '../fee-store.contract.js';
import { migrations } from '../migrations.js';
import { describeInsightStoreContract } from '../insight-store.contract.js';
import { describeQrStoreContract } from '../qr-store.contract.js';
import { describeSignedFoldStoreContract } from '../signed-fold-store.contract.js';
import { describeStoreContract } from '../store.contract.js';
import { describeTelemetryStoreContract } from '../telemetry-store.contract.js';
import { openSqliteStore } from './open-sqlite-store.js';

describeStoreContract('SQLite (in memory)', () => openSqliteStore(':memory:'));
describeStoreContract('SQLite (file, WAL)', () =>
  openSqliteStore(join(mkdtempSync(join(tmpdir(), 'pg-store-')), 'db.sqlite')),
);

describeFeeStoreContract('SQLite (in memory)', () => openSqliteStore(':memory:'));

describeSignedFoldStoreContract('SQLite (file, WAL)', () =>
  openSqliteStore(join(mkdtempSync(join(tmpdir(), 'pg-store-')), 'db.sqlite')),
);

describeQrStoreContract('SQLite (in memory)', () => openSqliteStore(':memory:'));

describeTelemetryStoreContract('SQLite (file, WAL)', () =>
  openSqliteStore(join(mkdtempSync(join(tmpdir(), 'pg-store-')), 'db.sqlite')),
);

describeDiagnosisStoreContract('SQLite (file, WAL)', () =>
  openSqliteStore(join(mkdtempSync(join(tmpdir(), 'pg-store-')), 'db.sqlite')),
);

describe('the SQLite store on disk', () => {
  it('opens an existing file again without re-running its migrations', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pg-store-')), 'db.sqlite');
    const first = await openSqliteStore(path);
    await first.transaction((tx) =>
      tx.insertMerchant({
        id: 'M1',
        name: 'Shop',
        apiKeyHash: 'h',
        duplicatePolicy: 'off',
        duplicateWindowS: 0,
        createdAt: 1,
      }),
    );
    await first.close();
    const second = await openSqliteStore(path);
    expect(await second.read((r) => r.getMerchant('M1'))).toMatchObject({ name: 'Shop' });
    await second.close();
  });

  it('adds the QR columns (migration 7) to a store written before them, whose payments stay card payments', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pg-store-')), 'db.sqlite');
    const before = new Database(path);
    before.exec(
      'CREATE TABLE schema_migrations (id BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    for (const migration of migrations.filter((m) => m.id < 7)) {
      for (const statement of migration.statements) before.exec(statement);
      before.prepare('INSERT INTO schema_migrations VALUES (?, ?, 1)').run(migration.id, migration.name);
    }
    before
      .prepare(
        `INSERT INTO payments (id, kind, merchant_id, terminal_id, idempotency_key, status, amount, currency,
           card_masked, duplicate_confirmed, flagged_for_review, channel, created_at, updated_at)
         VALUES ('p1', 'sale', 'M1', 'T1', 'k1', 'approved', 100, 'CNY', '621234******1232', 0, 0, 'http', 1, 1)`,
      )
      .run();
    before.close();
    const store = await openSqliteStore(path);
    expect(await store.read((r) => r.getPayment('p1'))).toMatchObject({
      cardMasked: '621234******1232',
      qr: null,
    });
    await store.close();
  });

  it("finds a payment's children and a batch's payments through the partial indexes (migration 15)", async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pg-store-')), 'db.sqlite');
    await (await openSqliteStore(path)).close();
    const db = new Database(path, { readonly: true });
    const plan = (sql: string): string =>
      db
        .prepare<[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .all()
        .map((row) => row.detail)
        .join('; ');
    // The shapes of listChildren (sql-payments.ts) and batchTotals (sql-batches.ts).
    expect(
      plan(
        "SELECT * FROM payments WHERE original_id = 'p1' AND status IN ('approved') ORDER BY created_at, id",
      ),
    ).toContain('USING INDEX payments_by_original');
    expect(
      plan(`SELECT kind, COUNT(*) AS n, SUM(amount) AS total FROM payments
        WHERE merchant_id = 'M1' AND terminal_id = 'T1' AND batch_no = '000001'
          AND ((kind = 'sale' AND status IN ('approved')) OR (kind = 'refund' AND 1 = 0)) GROUP BY kind`),
    ).toContain('USING INDEX payments_by_terminal_batch');
    db.close();
  });

  it('refuses work after it is closed with a clear error', async () => {
    const store = await openSqliteStore(':memory:');
    await store.close();
    await expect(store.read((r) => r.getMerchant('M1'))).rejects.toMatchObject({
      code: 'POS_ERR_STORE_CLOSED',
    });
  });
});
describeInsightStoreContract('SQLite (in memory)', () => openSqliteStore(':memory:'));
