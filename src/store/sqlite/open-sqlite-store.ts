// Opens (creating when needed) a SQLite store at a path, or in memory for ':memory:', and brings
// its schema up to date.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { holdsPosguardStore, migrate, notAStore, storeNotFound } from '../migrations.js';
import { SqlStore } from '../sql/sql-store.js';
import type { Store } from '../../payments/ports/store.js';
import { SqliteDriver } from './sqlite-driver.js';

/**
 * `existing`: the file must already hold a posguard store; nothing is created (see store-flags).
 * `copyOnClose`: a new file the store is written to when it closes (the simulator's kept store).
 */
export async function openSqliteStore(
  path: string,
  options: { now?: number; groupOnNextTurn?: boolean; existing?: boolean; copyOnClose?: string } = {},
): Promise<Store> {
  if (path !== ':memory:') {
    if (options.existing !== true) mkdirSync(dirname(path), { recursive: true });
    else if (!existsSync(path)) throw storeNotFound(path);
  }
  const driver = new SqliteDriver(path, {
    ...(options.groupOnNextTurn === undefined ? {} : { groupOnNextTurn: options.groupOnNextTurn }),
    ...(options.copyOnClose === undefined ? {} : { copyOnClose: options.copyOnClose }),
  });
  try {
    if (options.existing === true && !(await holdsPosguardStore(driver))) throw notAStore(path);
    await migrate(driver, options.now ?? Date.now());
  } catch (error) {
    await driver.close();
    throw error;
  }
  return new SqlStore(driver);
}
