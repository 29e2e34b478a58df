import pg from 'pg';
import { describe, expect, it } from 'vitest';
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
