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
