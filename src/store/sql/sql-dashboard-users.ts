// The dashboard users port over SQL: a merchant's users and their password hashes.
import type { DashboardUserRecord } from '../../payments/ports/dashboard-user-store.js';
import { integer, integerOrNull, text, textOrNull, type Row } from './rows.js';
import type { SqlSession } from './sql-driver.js';

function toUser(row: Row): DashboardUserRecord {
  return {
    merchantId: text(row, 'merchant_id'),
    username: text(row, 'username'),
    passwordHash: text(row, 'password_hash'),
    createdAt: integer(row, 'created_at'),
    idempotencyKey: textOrNull(row, 'idempotency_key'),
    disabledAt: integerOrNull(row, 'disabled_at'),
  };
}

export async function getDashboardUser(
  s: SqlSession,
  merchantId: string,
  username: string,
): Promise<DashboardUserRecord | undefined> {
  const row = await s.db.get<Row>('SELECT * FROM dashboard_users WHERE merchant_id = ? AND username = ?', [
    merchantId,
    username,
  ]);
  return row && toUser(row);
}

export async function findDashboardUserByKey(
  s: SqlSession,
  merchantId: string,
  idempotencyKey: string,
): Promise<DashboardUserRecord | undefined> {
  const row = await s.db.get<Row>(
    'SELECT * FROM dashboard_users WHERE merchant_id = ? AND idempotency_key = ?',
    [merchantId, idempotencyKey],
  );
  return row && toUser(row);
}

export async function listDashboardUsers(
  s: SqlSession,
  merchantId: string,
  limit: number,
): Promise<DashboardUserRecord[]> {
  const rows = await s.db.all<Row>(
    'SELECT * FROM dashboard_users WHERE merchant_id = ? ORDER BY username LIMIT ?',
    [merchantId, limit],
  );
  return rows.map(toUser);
}

export async function insertDashboardUser(s: SqlSession, record: DashboardUserRecord): Promise<boolean> {
  const result = await s.db.run(
    `INSERT INTO dashboard_users (merchant_id, username, password_hash, created_at, idempotency_key, disabled_at)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [
      record.merchantId,
      record.username,
      record.passwordHash,
      record.createdAt,
      record.idempotencyKey,
      record.disabledAt,
    ],
  );
  return result.changes === 1;
}

export async function disableDashboardUser(
  s: SqlSession,
  merchantId: string,
  username: string,
  at: number,
): Promise<boolean> {
  const result = await s.db.run(
    'UPDATE dashboard_users SET disabled_at = ? WHERE merchant_id = ? AND username = ? AND disabled_at IS NULL',
    [at, merchantId, username],
  );
  return result.changes === 1;
}
