// Opens a PostgreSQL store from a URL and brings its schema up to date (safe when several hosts
// start at once). A `schema` query parameter (postgres://.../db?schema=NAME) puts posguard's tables
// in a schema of their own, created if missing.
import pg from 'pg';
import { PosError } from '../../pos-error.js';
import { holdsPosguardStore, migrate, notAStore } from '../migrations.js';
import { SqlStore } from '../sql/sql-store.js';
import type { Store } from '../../payments/ports/store.js';
import { PostgresDriver, storeUnavailable } from './postgres-driver.js';

function parseUrl(url: string): { url: string; schema?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PosError(
      'POS_ERR_CONFIG_INVALID',
      'database URL: expected postgres://user@host:port/database, got something else',
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new PosError(
      'POS_ERR_CONFIG_INVALID',
      `database URL: expected the postgres:// scheme, got ${parsed.protocol}//`,
    );
  }
  const schema = parsed.searchParams.get('schema') ?? undefined;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new PosError(
      'POS_ERR_CONFIG_INVALID',
      `database URL: schema expected lower-case letters, digits and _, got ${JSON.stringify(schema)}`,
    );
  }
  parsed.searchParams.delete('schema');
  return schema === undefined ? { url: parsed.toString() } : { url: parsed.toString(), schema };
}

/** `existing`: the database (and schema) must already hold a posguard store; nothing is created. */
export async function openPostgresStore(
  url: string,
  options: { now?: number; poolSize?: number; existing?: boolean } = {},
): Promise<Store> {
  const target = parseUrl(url);
  if (target.schema !== undefined && options.existing !== true) {
    const client = new pg.Client({ connectionString: target.url, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${target.schema}`);
    } catch (error) {
      // Two hosts creating the schema at once: the loser sees a unique violation, which is fine.
      if ((error as { code?: unknown }).code !== '23505') throw storeUnavailable(error);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const driver = new PostgresDriver({
    url: target.url,
    ...(target.schema !== undefined ? { schema: target.schema } : {}),
    ...(options.poolSize !== undefined ? { poolSize: options.poolSize } : {}),
  });
  try {
    if (options.existing === true && !(await holdsPosguardStore(driver))) {
      throw notAStore(target.schema === undefined ? 'the database' : `schema ${target.schema}`);
    }
    await migrate(driver, options.now ?? Date.now());
  } catch (error) {
    await driver.close();
    throw error;
  }
  return new SqlStore(driver);
}
