// The dashboard users port over SQL: a merchant's users and their password hashes.
import type { DashboardUserRecord } from '../../payments/ports/dashboard-user-store.js';
import { integer, text, type Row } from './rows.js';
import type { SqlSession } from './sql-driver.js';

export async function getDashboardUser(
  s: SqlSession,
  merchantId: string,
  username: string,
): Promise<DashboardUserRecord | undefined> {
  const row = await s.db.get<Row>('SELECT * FROM dashboard_users WHERE merchant_id = ? AND username = ?', [
    merchantId,
    username,
  ]);
  return (
    row && {
      merchantId: text(row, 'merchant_id'),
      username: text(row, 'username'),
      passwordHash: text(row, 'password_hash'),
      createdAt: integer(row, 'created_at'),
    }
  );
}

export async function insertDashboardUser(s: SqlSession, record: DashboardUserRecord): Promise<boolean> {
  const result = await s.db.run(
    `INSERT INTO dashboard_users (merchant_id, username, password_hash, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
    [record.merchantId, record.username, record.passwordHash, record.createdAt],
  );
  return result.changes === 1;
}
