// The PostgreSQL the tests use: the server the test run started (test/support/global-postgres.ts),
// or the one POSGUARD_TEST_DATABASE_URL names. Each test gets a schema of its own, so tests never
// see each other's rows.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

export const testDatabaseUrl = inject('postgres').url;

export function freshSchemaUrl(prefix: string): string {
  const url = new URL(testDatabaseUrl);
  url.searchParams.set('schema', `${prefix}_${randomBytes(6).toString('hex')}`);
  return url.toString();
}
