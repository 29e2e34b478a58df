// The host-settings port over SQL.
import { assert } from '../../assert.js';
import type { Row } from './rows.js';
import type { SqlSession } from './sql-driver.js';

export async function claimSetting(s: SqlSession, name: string, value: string, now: number): Promise<string> {
  await s.db.run(
    'INSERT INTO host_settings (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    [name, value, now],
  );
  const row = await s.db.get<Row>('SELECT value FROM host_settings WHERE name = ?', [name]);
  assert(row !== undefined, 'a claimed setting is there');
  return String(row['value']);
}
