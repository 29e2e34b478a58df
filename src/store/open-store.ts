// Opens the store a configuration names: PostgreSQL when a database URL is given, otherwise the
// SQLite file.
import { openPostgresStore } from './postgres/open-postgres-store.js';
import { openSqliteStore } from './sqlite/open-sqlite-store.js';
import type { Store } from './store.js';

export async function openStore(
  config: { dbPath: string; databaseUrl: string | null },
  now: number,
): Promise<Store> {
  if (config.databaseUrl !== null) return openPostgresStore(config.databaseUrl, { now });
  return openSqliteStore(config.dbPath, { now });
}
