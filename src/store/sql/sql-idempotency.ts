// The idempotency port over SQL: one row per merchant-scoped key.
import { assert } from '../../assert.js';
import type { RequestRecord } from '../../payments/ports/idempotency-store.js';
import type { EngineAnswer } from '../../payments/payment.js';
import { encodeAnswer, toRequest } from './request-rows.js';
import type { Row } from './rows.js';
import { write, type SqlSession } from './sql-driver.js';

export async function getRequest(
  s: SqlSession,
  merchantId: string,
  idempotencyKey: string,
): Promise<RequestRecord | undefined> {
  const row = await s.db.get<Row>('SELECT * FROM requests WHERE merchant_id = ? AND idempotency_key = ?', [
    merchantId,
    idempotencyKey,
  ]);
  return row && toRequest(row);
}

export async function scanRequests(
  s: SqlSession,
  after: { merchantId: string; idempotencyKey: string },
  limit: number,
): Promise<RequestRecord[]> {
  const rows = await s.db.all<Row>(
    `SELECT * FROM requests WHERE merchant_id > ? OR (merchant_id = ? AND idempotency_key > ?)
     ORDER BY merchant_id, idempotency_key LIMIT ?`,
    [after.merchantId, after.merchantId, after.idempotencyKey, limit],
  );
  return rows.map(toRequest);
}

export async function insertRequest(
  s: SqlSession,
  record: RequestRecord,
): Promise<RequestRecord | undefined> {
  const stored = record.answer && encodeAnswer(record.answer);
  // ON CONFLICT DO NOTHING waits for a concurrent insert of the same key to commit or roll back,
  // so exactly one request wins the key; the others read the winner's record.
  const result = await s.db.run(
    `INSERT INTO requests (merchant_id, idempotency_key, operation, request_hash, payment_id, state,
       response_status, response_body, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [
      record.merchantId,
      record.idempotencyKey,
      record.operation,
      record.requestHash,
      record.paymentId,
      record.state,
      stored?.status ?? null,
      stored?.body ?? null,
      record.createdAt,
      record.expiresAt,
    ],
  );
  if (result.changes === 1) return undefined;
  const existing = await getRequest(s, record.merchantId, record.idempotencyKey);
  assert(existing !== undefined, 'a request key that conflicted on insert can be read');
  return existing;
}

export async function completeRequest(
  s: SqlSession,
  merchantId: string,
  idempotencyKey: string,
  answer: EngineAnswer,
): Promise<void> {
  const response = encodeAnswer(answer);
  await write(
    s,
    `UPDATE requests SET state = 'completed', response_status = ?, response_body = ?
     WHERE merchant_id = ? AND idempotency_key = ?`,
    [response.status, response.body, merchantId, idempotencyKey],
  );
}

export async function deleteExpiredRequests(s: SqlSession, now: number, limit: number): Promise<number> {
  // Only completed records expire: an in-flight one still guards its key.
  const result = await s.db.run(
    `DELETE FROM requests WHERE (merchant_id, idempotency_key) IN (
       SELECT merchant_id, idempotency_key FROM requests WHERE expires_at < ? AND state = 'completed' LIMIT ?)`,
    [now, limit],
  );
  return result.changes;
}
