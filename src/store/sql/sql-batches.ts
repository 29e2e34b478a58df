// The batches port over SQL: a batch's totals, the records a terminal uploaded and its settlement.
import type {
  BatchRef,
  BatchSettlementRecord,
  BatchTotals,
  BatchTotalsQuery,
  BatchUploadRecord,
} from '../../payments/ports/batch-store.js';
import type { PaymentStatus } from '../../payments/payment.js';
import { sumOf, toBatchSettlement, type Row } from './rows.js';
import { placeholders, type SqlSession } from './sql-driver.js';

export async function batchTotals(s: SqlSession, query: BatchTotalsQuery): Promise<BatchTotals> {
  // Statuses are bound as parameters; an empty list matches nothing, written as a false clause.
  const statusClause = (statuses: readonly PaymentStatus[]): string =>
    statuses.length === 0 ? '1 = 0' : `status IN (${placeholders(statuses.length)})`;
  const rows = await s.db.all<Row>(
    `SELECT kind, COUNT(*) AS n, SUM(amount) AS total FROM payments
     WHERE merchant_id = ? AND terminal_id = ? AND batch_no = ?
       AND ((kind = 'sale' AND ${statusClause(query.saleStatuses)})
         OR (kind = 'refund' AND ${statusClause(query.refundStatuses)}))
     GROUP BY kind`,
    [query.merchantId, query.terminalId, query.batchNo, ...query.saleStatuses, ...query.refundStatuses],
  );
  const sales = rows.find((row) => row['kind'] === 'sale');
  const refunds = rows.find((row) => row['kind'] === 'refund');
  return {
    debitTotal: sumOf(sales, 'total'),
    debitCount: sumOf(sales, 'n'),
    creditTotal: sumOf(refunds, 'total'),
    creditCount: sumOf(refunds, 'n'),
  };
}

export async function batchUploadTotals(
  s: SqlSession,
  batch: BatchRef,
): Promise<BatchTotals & { readonly records: number }> {
  const row = await s.db.get<Row>(
    `SELECT COUNT(*) AS records,
       SUM(CASE WHEN kind = 'sale' THEN amount ELSE 0 END) AS debit_total,
       SUM(CASE WHEN kind = 'sale' THEN 1 ELSE 0 END) AS debit_count,
       SUM(CASE WHEN kind = 'refund' THEN amount ELSE 0 END) AS credit_total,
       SUM(CASE WHEN kind = 'refund' THEN 1 ELSE 0 END) AS credit_count
     FROM batch_uploads WHERE merchant_id = ? AND terminal_id = ? AND batch_no = ?`,
    [batch.merchantId, batch.terminalId, batch.batchNo],
  );
  return {
    records: sumOf(row, 'records'),
    debitTotal: sumOf(row, 'debit_total'),
    debitCount: sumOf(row, 'debit_count'),
    creditTotal: sumOf(row, 'credit_total'),
    creditCount: sumOf(row, 'credit_count'),
  };
}

export async function getBatchSettlement(
  s: SqlSession,
  batch: BatchRef,
): Promise<BatchSettlementRecord | undefined> {
  const row = await s.db.get<Row>(
    'SELECT * FROM batch_settlements WHERE merchant_id = ? AND terminal_id = ? AND batch_no = ?',
    [batch.merchantId, batch.terminalId, batch.batchNo],
  );
  return row && toBatchSettlement(row);
}

export async function insertBatchUpload(s: SqlSession, r: BatchUploadRecord): Promise<boolean> {
  const result = await s.db.run(
    `INSERT INTO batch_uploads (merchant_id, terminal_id, batch_no, stan, kind, message_type_code, amount,
       currency, rrn, auth_code, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [
      r.merchantId,
      r.terminalId,
      r.batchNo,
      r.stan,
      r.kind,
      r.messageTypeCode,
      r.amount,
      r.currency,
      r.rrn,
      r.authCode,
      r.receivedAt,
    ],
  );
  return result.changes === 1;
}

export async function putBatchSettlement(s: SqlSession, r: BatchSettlementRecord): Promise<void> {
  await s.db.run(
    `INSERT INTO batch_settlements (merchant_id, terminal_id, batch_no, state, terminal_totals,
       host_debit_total, host_debit_count, host_credit_total, host_credit_count, uploaded_count,
       created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (merchant_id, terminal_id, batch_no) DO UPDATE SET
       state = excluded.state, terminal_totals = excluded.terminal_totals,
       host_debit_total = excluded.host_debit_total, host_debit_count = excluded.host_debit_count,
       host_credit_total = excluded.host_credit_total, host_credit_count = excluded.host_credit_count,
       uploaded_count = excluded.uploaded_count, updated_at = excluded.updated_at`,
    [
      r.merchantId,
      r.terminalId,
      r.batchNo,
      r.state,
      r.terminalTotals,
      r.hostTotals.debitTotal,
      r.hostTotals.debitCount,
      r.hostTotals.creditTotal,
      r.hostTotals.creditCount,
      r.uploadedCount,
      r.createdAt,
      r.updatedAt,
    ],
  );
}
