// Opens the store a configuration names: PostgreSQL when a database URL is given, otherwise the
// SQLite file.
import { openPostgresStore } from './postgres/open-postgres-store.js';
import { openSqliteStore } from './sqlite/open-sqlite-store.js';
import type { Store } from '../payments/ports/store.js';

/** `existing`: refuse a database that holds no posguard store instead of creating one in it. */
export async function openStore(
  config: { dbPath: string; databaseUrl: string | null },
  now: number,
  options: { existing?: boolean } = {},
): Promise<Store> {
  const existing = options.existing === true ? { existing: true } : {};
  if (config.databaseUrl !== null) return openPostgresStore(config.databaseUrl, { now, ...existing });
  return openSqliteStore(config.dbPath, { now, ...existing });
}
