// The checkpointer thread: once started, it copies committed WAL pages back into the database file
// while the host's own connection only appends, and it stops with the store.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteDriver } from './sqlite-driver.js';

const rows = 60;
const filler = 'x'.repeat(2000);

async function writeRows(driver: SqliteDriver): Promise<void> {
  await driver.transaction('write', (c) => c.run('CREATE TABLE t (n INTEGER PRIMARY KEY, body TEXT)'));
  for (let n = 0; n < rows; n += 1) {
    await driver.transaction('write', (c) => c.run('INSERT INTO t VALUES (?, ?)', [n, filler]));
  }
}

describe('the SQLite checkpointer thread', () => {
  it('copies the WAL into the database file off the event loop, and stops with the store', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pg-ckpt-')), 'db.sqlite');
    const driver = new SqliteDriver(path, { checkpointer: { afterFlushes: 1, intervalMs: 10 } });
    await writeRows(driver);
    // Sixty rows of 2 kB are about 30 pages: far below the 8000 pages past which the host's own
    // connection would checkpoint, so only the thread can have grown the database file.
    await expect
      .poll(() => statSync(path).size, { timeout: 10_000, interval: 50 })
      .toBeGreaterThan(rows * 1000);
    await driver.close();
    const again = new SqliteDriver(path);
    await expect(again.transaction('read', (c) => c.get('SELECT COUNT(*) AS n FROM t'))).resolves.toEqual({
      n: rows,
    });
    await again.close();
  });

  it('is not started by a store that flushed fewer times than its threshold', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pg-ckpt-')), 'db.sqlite');
    const driver = new SqliteDriver(path, { checkpointer: { afterFlushes: 1000, intervalMs: 10 } });
    await writeRows(driver);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Everything is still in the WAL: the database file holds its first pages only.
    expect(statSync(path).size).toBeLessThan(rows * 1000);
    await driver.close();
  });
});
