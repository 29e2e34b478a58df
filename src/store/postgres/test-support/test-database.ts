// The PostgreSQL the tests use: the machine's server (started by .ci/run), database `test`.
// Each test gets a schema of its own, so tests never see each other's rows.
import { randomBytes } from 'node:crypto';

export const testDatabaseUrl =
  process.env['POSGUARD_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export function freshSchemaUrl(prefix: string): string {
  return `${testDatabaseUrl}?schema=${prefix}_${randomBytes(6).toString('hex')}`;
}
