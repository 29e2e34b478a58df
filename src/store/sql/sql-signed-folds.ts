// The signed-folds port over SQL. A session's count of folds lives in its own row, moved in the
// same transaction as the fold it counts; both tables are written fold first, session second, by
// every statement here, so two hosts writing one session's folds never wait on each other in a
// cycle. On PostgreSQL, an insert of a fold another transaction is adding waits for it and then
// adds nothing, so the caller reads the winner's owner.
import type { FoldOwner, FoldSession, SignedFoldLookup } from '../../payments/ports/signed-fold-store.js';
import { integer, text, textOrNull, type Row } from './rows.js';
import type { SqlSession } from './sql-driver.js';

const sessionKey = (session: FoldSession): string[] => [
  session.merchantId,
  session.terminalId,
  session.keyDigest,
];

function ownerOf(row: Row): FoldOwner | undefined {
  if (row['kind'] === null || row['kind'] === undefined) return undefined;
  const digest = textOrNull(row, 'request_digest');
  return text(row, 'kind') === 'answer' || digest === null ? { kind: 'answer' } : { kind: 'request', digest };
}

export async function getSignedFold(
  s: SqlSession,
  session: FoldSession,
  fold: string,
): Promise<SignedFoldLookup> {
  // One statement: the session row, and the fold's row joined to it when there is one.
  const row = await s.db.get<Row>(
    `SELECT s.folds AS folds, f.kind AS kind, f.request_digest AS request_digest
     FROM signed_fold_sessions s
     LEFT JOIN signed_folds f ON f.merchant_id = s.merchant_id AND f.terminal_id = s.terminal_id
       AND f.key_digest = s.key_digest AND f.fold = ?
     WHERE s.merchant_id = ? AND s.terminal_id = ? AND s.key_digest = ?`,
    [fold, ...sessionKey(session)],
  );
  return row === undefined
    ? { owner: undefined, folds: 0 }
    : { owner: ownerOf(row), folds: integer(row, 'folds') };
}

export async function putSignedFold(
  s: SqlSession,
  session: FoldSession,
  fold: string,
  owner: FoldOwner,
  now: number,
): Promise<boolean> {
  const digest = owner.kind === 'request' ? owner.digest : null;
  const inserted = await s.db.run(
    `INSERT INTO signed_folds (merchant_id, terminal_id, key_digest, fold, kind, request_digest, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [...sessionKey(session), fold, owner.kind, digest, now],
  );
  if (inserted.changes === 1) {
    await s.db.run(
      `INSERT INTO signed_fold_sessions (merchant_id, terminal_id, key_digest, folds) VALUES (?, ?, ?, 1)
       ON CONFLICT (merchant_id, terminal_id, key_digest) DO UPDATE SET folds = signed_fold_sessions.folds + 1`,
      sessionKey(session),
    );
    return true;
  }
  if (owner.kind === 'answer') {
    await s.db.run(
      `UPDATE signed_folds SET kind = 'answer', request_digest = NULL
       WHERE merchant_id = ? AND terminal_id = ? AND key_digest = ? AND fold = ? AND kind <> 'answer'`,
      [...sessionKey(session), fold],
    );
  }
  return false;
}

export async function deleteSignedFoldsExcept(
  s: SqlSession,
  merchantId: string,
  terminalId: string,
  keepKeyDigest: string,
): Promise<number> {
  const where = 'WHERE merchant_id = ? AND terminal_id = ? AND key_digest <> ?';
  const params = [merchantId, terminalId, keepKeyDigest];
  const deleted = await s.db.run(`DELETE FROM signed_folds ${where}`, params);
  await s.db.run(`DELETE FROM signed_fold_sessions ${where}`, params);
  return deleted.changes;
}
