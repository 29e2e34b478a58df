// The operations-key port over SQL (issue 14): the operations_keys table of migration 10.
import type { OperationsKeyRecord } from '../../payments/ports/operations-key-store.js';
import { integer, integerOrNull, text, type Row } from './rows.js';
import type { SqlSession } from './sql-driver.js';

function toOperationsKey(row: Row): OperationsKeyRecord {
  return {
    id: text(row, 'id'),
    label: text(row, 'label'),
    keyHash: text(row, 'key_hash'),
    createdAt: integer(row, 'created_at'),
    revokedAt: integerOrNull(row, 'revoked_at'),
  };
}

export async function findOperationsKeyByHash(
  s: SqlSession,
  keyHash: string,
): Promise<OperationsKeyRecord | undefined> {
  const row = await s.db.get<Row>('SELECT * FROM operations_keys WHERE key_hash = ?', [keyHash]);
  return row && toOperationsKey(row);
}

export async function listOperationsKeys(s: SqlSession, limit: number): Promise<OperationsKeyRecord[]> {
  const rows = await s.db.all<Row>('SELECT * FROM operations_keys ORDER BY created_at, id LIMIT ?', [limit]);
  return rows.map(toOperationsKey);
}

export async function insertOperationsKey(s: SqlSession, record: OperationsKeyRecord): Promise<boolean> {
  const done = await s.db.run(
    `INSERT INTO operations_keys (id, label, key_hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
    [record.id, record.label, record.keyHash, record.createdAt, record.revokedAt],
  );
  return done.changes === 1;
}

export async function revokeOperationsKey(s: SqlSession, id: string, now: number): Promise<boolean> {
  const done = await s.db.run(
    'UPDATE operations_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    [now, id],
  );
  return done.changes === 1;
}
