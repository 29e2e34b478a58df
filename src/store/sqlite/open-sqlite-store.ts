// Opens (creating when needed) a SQLite store at a path, or in memory for ':memory:', and brings
// its schema up to date.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from '../migrations.js';
import { SqlStore } from '../sql-store.js';
import type { Store } from '../store.js';
import { SqliteDriver } from './sqlite-driver.js';

export async function openSqliteStore(
  path: string,
  options: { now?: number; groupOnNextTurn?: boolean } = {},
): Promise<Store> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const driver = new SqliteDriver(
    path,
    options.groupOnNextTurn === undefined ? {} : { groupOnNextTurn: options.groupOnNextTurn },
  );
  await migrate(driver, options.now ?? Date.now());
  return new SqlStore(driver);
}
