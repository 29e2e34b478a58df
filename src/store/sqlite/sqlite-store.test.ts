import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeFeeStoreContract } from '../fee-store.contract.js';
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

describeTelemetryStoreContract('SQLite (file, WAL)', () =>
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

  it('refuses work after it is closed with a clear error', async () => {
    const store = await openSqliteStore(':memory:');
    await store.close();
    await expect(store.read((r) => r.getMerchant('M1'))).rejects.toMatchObject({
      code: 'POS_ERR_STORE_CLOSED',
    });
  });
});
