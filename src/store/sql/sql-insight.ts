// The insight port over SQL (src/insight/ports/insight-store.ts): counts for a merchant's day, a
// payment's journal, its duplicate records and the merchant's terminals. Every query names the
// merchant (or payments already known to be the merchant's) and has a LIMIT or a GROUP BY bound.
import type {
  DuplicateTally,
  MerchantScope,
  PaymentTally,
  PaymentTallyQuery,
} from '../../payments/ports/insight-store.js';
import { duplicateResolutions, duplicateSources } from '../../payments/ports/duplicate-store.js';
import type { DuplicateRecord } from '../../payments/ports/duplicate-store.js';
import type { JournalRow } from '../../payments/ports/journal-store.js';
import { paymentKinds, paymentStatuses } from '../../payments/payment.js';
import type { MerchantRecord, PaymentStatus, TerminalRecord } from '../../payments/payment.js';
import { integer, oneOf, toDuplicate, toJournal, toMerchant, toTerminal, type Row } from './rows.js';
import { placeholders, type SqlSession } from './sql-driver.js';

const hourMs = 3_600_000;

/** The condition and parameters of a merchant scope: one merchant's rows, or (null) every merchant's. */
function scoped(merchantId: MerchantScope): { sql: string; params: string[] } {
  return merchantId === null
    ? { sql: '1 = 1', params: [] }
    : { sql: 'merchant_id = ?', params: [merchantId] };
}
const kindColumn = oneOf(paymentKinds);
const statusColumn = oneOf(paymentStatuses);
const sourceColumn = oneOf(duplicateSources);
const resolutionColumn = oneOf(duplicateResolutions);

export async function tallyPayments(s: SqlSession, query: PaymentTallyQuery): Promise<PaymentTally[]> {
  // Whole hours from the start of the period, cast: SQLite's driver binds a number as REAL, so its
  // division would keep the fraction. Grouped by position, as PostgreSQL would take a second
  // placeholder in GROUP BY for another expression.
  const scope = scoped(query.merchantId);
  const rows = await s.db.all<Row>(
    `SELECT CAST((created_at - ?) / ${hourMs} AS INTEGER) AS hour, kind, status, COUNT(*) AS n, SUM(amount) AS total
     FROM payments WHERE ${scope.sql} AND created_at >= ? AND created_at < ?
     GROUP BY 1, 2, 3`,
    [query.fromMs, ...scope.params, query.fromMs, query.toMs],
  );
  return rows.map((row) => ({
    hour: integer(row, 'hour'),
    kind: kindColumn(row, 'kind'),
    status: statusColumn(row, 'status'),
    count: integer(row, 'n'),
    amount: integer(row, 'total'),
  }));
}

export async function tallyDuplicates(s: SqlSession, query: PaymentTallyQuery): Promise<DuplicateTally[]> {
  const scope = scoped(query.merchantId);
  const rows = await s.db.all<Row>(
    `SELECT source, resolution, COUNT(*) AS n FROM duplicates
     WHERE ${scope.sql} AND detected_at >= ? AND detected_at < ? GROUP BY 1, 2`,
    [...scope.params, query.fromMs, query.toMs],
  );
  return rows.map((row) => ({
    source: sourceColumn(row, 'source'),
    resolution: resolutionColumn(row, 'resolution'),
    count: integer(row, 'n'),
  }));
}

export async function countPaymentsInStatuses(
  s: SqlSession,
  merchantId: MerchantScope,
  statuses: readonly PaymentStatus[],
): Promise<Array<{ status: PaymentStatus; count: number }>> {
  if (statuses.length === 0) return [];
  const scope = scoped(merchantId);
  const rows = await s.db.all<Row>(
    `SELECT status, COUNT(*) AS n FROM payments WHERE ${scope.sql} AND status IN (${placeholders(statuses.length)})
     GROUP BY 1`,
    [...scope.params, ...statuses],
  );
  return rows.map((row) => ({ status: statusColumn(row, 'status'), count: integer(row, 'n') }));
}

export async function readPaymentJournal(
  s: SqlSession,
  paymentIds: readonly string[],
  limit: number,
): Promise<JournalRow[]> {
  if (paymentIds.length === 0) return [];
  const rows = await s.db.all<Row>(
    `SELECT * FROM journal WHERE payment_id IN (${placeholders(paymentIds.length)})
     ORDER BY at, chain, seq LIMIT ?`,
    [...paymentIds, limit],
  );
  return rows.map(toJournal);
}

export async function listDuplicatesOfPayments(
  s: SqlSession,
  merchantId: string,
  paymentIds: readonly string[],
): Promise<DuplicateRecord[]> {
  if (paymentIds.length === 0) return [];
  const ids = placeholders(paymentIds.length);
  const rows = await s.db.all<Row>(
    `SELECT * FROM duplicates WHERE merchant_id = ?
       AND (payment_id IN (${ids}) OR duplicate_of IN (${ids}) OR confirmed_payment_id IN (${ids}))
     ORDER BY detected_at, id LIMIT 100`,
    [merchantId, ...paymentIds, ...paymentIds, ...paymentIds],
  );
  return rows.map(toDuplicate);
}

export async function listTerminals(
  s: SqlSession,
  merchantId: MerchantScope,
  limit: number,
): Promise<TerminalRecord[]> {
  const scope = scoped(merchantId);
  const rows = await s.db.all<Row>(
    `SELECT * FROM terminals WHERE ${scope.sql} ORDER BY merchant_id, terminal_id LIMIT ?`,
    [...scope.params, limit],
  );
  return rows.map(toTerminal);
}

export async function listMerchants(s: SqlSession, limit: number): Promise<MerchantRecord[]> {
  const rows = await s.db.all<Row>('SELECT * FROM merchants ORDER BY id LIMIT ?', [limit]);
  return rows.map(toMerchant);
}
