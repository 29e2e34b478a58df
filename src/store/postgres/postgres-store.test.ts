import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { genesisHash, journalRowBreach, type JournalHead } from '../../payments/ports/journal-store.js';
import { describeDiagnosisStoreContract } from '../diagnosis-store.contract.js';
import { describeFeeStoreContract } from '../fee-store.contract.js';
import { describeInsightStoreContract } from '../insight-store.contract.js';
import { describeQrStoreContract } from '../qr-store.contract.js';
import { describeSignedFoldStoreContract } from '../signed-fold-store.contract.js';
import { describeStoreContract } from '../store.contract.js';
import { describeTelemetryStoreContract } from '../telemetry-store.contract.js';
import type { Store } from '../../payments/ports/store.js';
import { newPayment, newRequest, storedReversalAnswer } from '../test-support/records.js';
import { openPostgresStore } from './open-postgres-store.js';
import { freshSchemaUrl, testDatabaseUrl } from './test-support/test-database.js';

describeStoreContract('PostgreSQL', () => openPostgresStore(freshSchemaUrl('contract')));

describeFeeStoreContract('PostgreSQL', () => openPostgresStore(freshSchemaUrl('fees')));

describeSignedFoldStoreContract('PostgreSQL', () => openPostgresStore(freshSchemaUrl('folds')));

describeQrStoreContract('PostgreSQL', () => openPostgresStore(freshSchemaUrl('qr')));

describeTelemetryStoreContract('PostgreSQL', () => openPostgresStore(freshSchemaUrl('telemetry')));

describeDiagnosisStoreContract('PostgreSQL', () => openPostgresStore(freshSchemaUrl('diagnosis')));

describe('opening an existing PostgreSQL store', () => {
  it('refuses a schema that holds no posguard store without creating it, and opens one that does', async () => {
    const url = freshSchemaUrl('existing');
    await expect(openPostgresStore(url, { existing: true })).rejects.toMatchObject({
      code: 'POS_ERR_STORE_NOT_POSGUARD',
    });
    const schema = new URL(url).searchParams.get('schema');
    const client = new pg.Client({ connectionString: testDatabaseUrl });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [
        schema,
      ]);
      expect(found.rowCount).toBe(0);
    } finally {
      await client.end();
    }
    await (await openPostgresStore(url)).close();
    await (await openPostgresStore(url, { existing: true })).close();
  });
});
describeInsightStoreContract('PostgreSQL', () => openPostgresStore(freshSchemaUrl('insight')));

describe('the journal on PostgreSQL, chained by the database in one statement', () => {
  it('hashes rows as chainJournalRow does, whatever their text, with many writers on one chain', async () => {
    const store = await openPostgresStore(freshSchemaUrl('journal'));
    try {
      const texts = ['{}', '{"note":"退款 ✓ 🧾"}', 'a\u001fb', "it's \\ 'quoted'", ''];
      await Promise.all(
        Array.from({ length: 120 }, (_, i) =>
          store.transaction((tx) =>
            tx.appendJournal({
              chain: 5,
              at: 1_767_225_600_000 + i,
              paymentId: i % 3 === 0 ? null : `pay_${i}`,
              event: i % 2 === 0 ? 'payment.created' : 'upstream.approved',
              fromStatus: i % 2 === 0 ? null : 'pending',
              toStatus: i % 4 === 1 ? null : 'approved',
              data: texts[i % texts.length] ?? '{}',
            }),
          ),
        ),
      );
      const rows = await store.read((r) => r.readJournal(5, 0, 1000));
      expect(rows).toHaveLength(120);
      let head: JournalHead = { seq: 0, hash: genesisHash };
      for (const row of rows) {
        expect(journalRowBreach(head, row)).toBeUndefined();
        head = row;
      }
    } finally {
      await store.close();
    }
  });
});

describe('writes sent with the next statement or the commit (the pipelined PostgreSQL connection)', () => {
  const t0 = Date.UTC(2026, 10, 25, 6, 0, 0);
  async function seeded(): Promise<Store> {
    const store = await openPostgresStore(freshSchemaUrl('pipeline'));
    await store.transaction(async (tx) => {
      await tx.insertMerchant({
        id: 'M1',
        name: 'Shop',
        apiKeyHash: 'hash-1',
        duplicatePolicy: 'confirm',
        duplicateWindowS: 120,
        createdAt: t0,
      });
      await tx.insertTerminal({ merchantId: 'M1', terminalId: 'T1', tmkEncrypted: null, createdAt: t0 });
      await tx.insertPayment(newPayment({ id: 'p1', createdAt: t0 }));
    });
    return store;
  }

  it('lets a statement read what a held-back write wrote before it in the same transaction', async () => {
    const store = await seeded();
    try {
      const seen = await store.transaction(async (tx) => {
        await tx.insertPayment(newPayment({ id: 'p2', createdAt: t0 }));
        return tx.getPayment('p2');
      });
      expect(seen).toMatchObject({ id: 'p2', status: 'pending' });
    } finally {
      await store.close();
    }
  });

  it('fails a transaction whose caller swallowed a failed statement, instead of reporting a commit', async () => {
    const store = await seeded();
    try {
      const attempt = store.transaction(async (tx) => {
        await tx.insertPayment(newPayment({ id: 'p2', createdAt: t0 }));
        // No merchant M9: the foreign key refuses the terminal, and the caller carries on.
        await tx
          .insertTerminal({ merchantId: 'M9', terminalId: 'T9', tmkEncrypted: null, createdAt: t0 })
          .catch(() => false);
        return 'committed?';
      });
      await expect(attempt).rejects.toMatchObject({ code: '23503' });
      expect(await store.read((r) => r.getPayment('p2'))).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it("fails the transaction with a held-back write's own error and keeps nothing of it", async () => {
    const store = await seeded();
    try {
      const attempt = store.transaction(async (tx) => {
        expect(await tx.insertRequest(newRequest('k-new', t0))).toBeUndefined();
        await tx.insertPayment(newPayment({ id: 'p1', createdAt: t0, idempotencyKey: 'k-new' }));
        await tx.appendJournal({
          chain: 1,
          at: t0,
          paymentId: 'p1',
          event: 'payment.created',
          fromStatus: null,
          toStatus: 'pending',
          data: '{}',
        });
        await tx.completeRequest('M1', 'k-new', storedReversalAnswer(t0));
        return 'answered';
      });
      // The primary key's unique violation, not "current transaction is aborted" (25P02).
      await expect(attempt).rejects.toMatchObject({ code: '23505' });
      expect(await store.read((r) => r.getRequest('M1', 'k-new'))).toBeUndefined();
      expect(await store.read((r) => r.readJournal(1, 0, 10))).toEqual([]);
      // The connection went back to the pool clean: the next transaction commits.
      await store.transaction((tx) => tx.insertPayment(newPayment({ id: 'p3', createdAt: t0 })));
      expect(await store.read((r) => r.getPayment('p3'))).toMatchObject({ id: 'p3' });
    } finally {
      await store.close();
    }
  });
});
