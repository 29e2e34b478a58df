// The reversal-queue port over SQL: leases with `FOR UPDATE SKIP LOCKED` where the database has
// row locks, so hosts sharing a store never work on one reversal at once.
import type {
  NewReversal,
  ReversalClaim,
  ReversalPatch,
  ReversalRecord,
  ReversalState,
} from '../../payments/ports/reversal-store.js';
import { integer, integerOrNull, text, toReversal, type Row } from './rows.js';
import type { SqlSession } from './sql-driver.js';

export async function getReversal(s: SqlSession, paymentId: string): Promise<ReversalRecord | undefined> {
  const row = await s.db.get<Row>('SELECT * FROM reversals WHERE payment_id = ?', [paymentId]);
  return row && toReversal(row);
}

export async function countReversals(s: SqlSession, state: ReversalState): Promise<number> {
  const row = await s.db.get<Row>('SELECT COUNT(*) AS n FROM reversals WHERE state = ?', [state]);
  return row === undefined ? 0 : integer(row, 'n');
}

export async function nextReversalDueAt(s: SqlSession): Promise<number | null> {
  const row = await s.db.get<Row>("SELECT MIN(next_attempt_at) AS due FROM reversals WHERE state = 'queued'");
  return row === undefined ? null : integerOrNull(row, 'due');
}

export async function enqueueReversal(s: SqlSession, r: NewReversal): Promise<boolean> {
  const result = await s.db.run(
    `INSERT INTO reversals (payment_id, rrn, reason, state, attempts, next_attempt_at, created_at, updated_at)
     VALUES (?, ?, ?, 'queued', 0, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [r.paymentId, r.rrn, r.reason, r.nextAttemptAt, r.now, r.now],
  );
  return result.changes === 1;
}

export async function requeueReversal(s: SqlSession, paymentId: string, now: number): Promise<boolean> {
  const result = await s.db.run(
    `UPDATE reversals SET state = 'queued', attempts = 0, next_attempt_at = ?, last_error = NULL,
       lease_owner = NULL, lease_until = NULL, updated_at = ?
     WHERE payment_id = ? AND state = 'failed'`,
    [now, now, paymentId],
  );
  return result.changes === 1;
}

export async function claimReversals(s: SqlSession, input: ReversalClaim): Promise<ReversalRecord[]> {
  const due = await s.db.all<Row>(
    `SELECT payment_id FROM reversals
     WHERE state = 'queued' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
     ORDER BY next_attempt_at, payment_id LIMIT ? ${s.driver.forUpdateSkipLocked}`,
    [input.now, input.now, input.limit],
  );
  const claimed: ReversalRecord[] = [];
  for (const row of due) {
    const paymentId = text(row, 'payment_id');
    const updated = await s.db.get<Row>(
      `UPDATE reversals SET lease_owner = ?, lease_until = ?, updated_at = ?
       WHERE payment_id = ? AND state = 'queued' RETURNING *`,
      [input.owner, input.leaseUntil, input.now, paymentId],
    );
    if (updated !== undefined) claimed.push(toReversal(updated));
  }
  return claimed;
}

export async function updateReversal(
  s: SqlSession,
  paymentId: string,
  owner: string,
  patch: ReversalPatch,
): Promise<boolean> {
  const result = await s.db.run(
    `UPDATE reversals SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ?,
       lease_owner = NULL, lease_until = NULL
     WHERE payment_id = ? AND lease_owner = ?`,
    [patch.state, patch.attempts, patch.nextAttemptAt, patch.lastError, patch.now, paymentId, owner],
  );
  return result.changes === 1;
}

export async function hastenReversal(
  s: SqlSession,
  paymentId: string,
  at: number,
  now: number,
): Promise<boolean> {
  const result = await s.db.run(
    `UPDATE reversals SET next_attempt_at = ?, updated_at = ?
     WHERE payment_id = ? AND state = 'queued' AND next_attempt_at > ?`,
    [at, now, paymentId, at],
  );
  return result.changes === 1;
}
