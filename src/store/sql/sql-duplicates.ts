// The duplicates port over SQL.
import type {
  DuplicateQuery,
  DuplicateRecord,
  DuplicateResolutionPatch,
} from '../../payments/ports/duplicate-store.js';
import { toDuplicate, type Row } from './rows.js';
import type { SqlSession } from './sql-driver.js';

export async function listDuplicates(s: SqlSession, query: DuplicateQuery): Promise<DuplicateRecord[]> {
  const rows =
    query.source === undefined
      ? await s.db.all<Row>(
          'SELECT * FROM duplicates WHERE merchant_id = ? ORDER BY detected_at DESC, id DESC LIMIT ?',
          [query.merchantId, query.limit],
        )
      : await s.db.all<Row>(
          'SELECT * FROM duplicates WHERE merchant_id = ? AND source = ? ORDER BY detected_at DESC, id DESC LIMIT ?',
          [query.merchantId, query.source, query.limit],
        );
  return rows.map(toDuplicate);
}

export async function insertDuplicate(s: SqlSession, d: DuplicateRecord): Promise<boolean> {
  const result = await s.db.run(
    `INSERT INTO duplicates (id, merchant_id, terminal_id, payment_id, duplicate_of, source, resolution, amount,
       operator_id, confirmed_payment_id, kind, cause, rrn, related_rrn, detail, detected_at, resolved_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [
      d.id,
      d.merchantId,
      d.terminalId,
      d.paymentId,
      d.duplicateOf,
      d.source,
      d.resolution,
      d.amount,
      d.operatorId,
      d.confirmedPaymentId,
      d.kind,
      d.cause,
      d.rrn,
      d.relatedRrn,
      d.detail,
      d.detectedAt,
      d.resolvedAt,
    ],
  );
  return result.changes === 1;
}

export async function resolveDuplicate(
  s: SqlSession,
  id: string,
  patch: DuplicateResolutionPatch,
): Promise<void> {
  await s.db.run(
    'UPDATE duplicates SET resolution = ?, operator_id = ?, confirmed_payment_id = ?, resolved_at = ? WHERE id = ?',
    [patch.resolution, patch.operatorId, patch.confirmedPaymentId, patch.resolvedAt, id],
  );
}

export async function findAwaitingDuplicate(
  s: SqlSession,
  merchantId: string,
  duplicateOf: string,
): Promise<DuplicateRecord | undefined> {
  const row = await s.db.get<Row>(
    `SELECT * FROM duplicates WHERE merchant_id = ? AND duplicate_of = ? AND resolution = 'awaiting_confirmation'
     ORDER BY detected_at DESC, id DESC LIMIT 1`,
    [merchantId, duplicateOf],
  );
  return row && toDuplicate(row);
}
