// The diagnosis port over SQL (issue 14): a merchant's payments, journal events and duplicates of
// a period, in pages, each read through an index that starts with the merchant (payments and
// duplicates) or with the time (the journal's partial index of migration 10). Payments come with
// their reversal's state, attempts and queueing time and their original's time, joined by primary
// key; journal events with their payment's creation time.
import type {
  DiagnosisDuplicate,
  DiagnosisEvent,
  DiagnosisEventPage,
  DiagnosisMerchant,
  DiagnosisPage,
  DiagnosisPayment,
} from '../../diagnostics/ports/diagnosis-source.js';
import { diagnosisEvents } from '../../diagnostics/ports/diagnosis-source.js';
import { reversalStates } from '../../payments/ports/reversal-store.js';
import { duplicatePolicies, paymentMethods, reversalReasons } from '../../payments/payment.js';
import { diagnosisEventsSql } from './diagnosis-events.js';
import {
  flag,
  integer,
  integerOrNull,
  oneOf,
  oneOfOrNull,
  paymentKind,
  paymentStatus,
  text,
  textOrNull,
  toDuplicate,
  type Row,
} from './rows.js';
import type { SqlSession, SqlValue } from './sql-driver.js';

const duplicatePolicy = oneOf(duplicatePolicies);
const method = oneOf(paymentMethods);
const methodOrNull = oneOfOrNull(paymentMethods);
const reversalReasonOrNull = oneOfOrNull(reversalReasons);
const reversalStateOrNull = oneOfOrNull(reversalStates);
const eventName = oneOf(diagnosisEvents);

export async function listDiagnosisMerchants(
  s: SqlSession,
  afterId: string,
  limit: number,
): Promise<DiagnosisMerchant[]> {
  const rows = await s.db.all<Row>(
    'SELECT id, duplicate_policy, duplicate_window_s FROM merchants WHERE id > ? ORDER BY id LIMIT ?',
    [afterId, limit],
  );
  return rows.map((row) => ({
    id: text(row, 'id'),
    duplicatePolicy: duplicatePolicy(row, 'duplicate_policy'),
    duplicateWindowS: integer(row, 'duplicate_window_s'),
  }));
}

function toDiagnosisPayment(row: Row): DiagnosisPayment {
  const paymentMethod = method(row, 'method');
  return {
    id: text(row, 'id'),
    kind: paymentKind(row, 'kind'),
    merchantId: text(row, 'merchant_id'),
    terminalId: text(row, 'terminal_id'),
    operatorId: textOrNull(row, 'operator_id'),
    status: paymentStatus(row, 'status'),
    amount: integer(row, 'amount'),
    method: paymentMethod,
    wallet: textOrNull(row, 'wallet'),
    responseCode: textOrNull(row, 'response_code'),
    reversalReason: reversalReasonOrNull(row, 'reversal_reason'),
    fingerprint: textOrNull(row, paymentMethod === 'qr' ? 'payment_code_fingerprint' : 'card_fingerprint'),
    rrn: textOrNull(row, 'rrn'),
    duplicateOf: textOrNull(row, 'duplicate_of'),
    duplicateConfirmed: flag(row, 'duplicate_confirmed'),
    originalId: textOrNull(row, 'original_id'),
    originalCreatedAt: integerOrNull(row, 'original_created_at'),
    reversalState: reversalStateOrNull(row, 'reversal_state'),
    reversalAttempts: integerOrNull(row, 'reversal_attempts'),
    reversalQueuedAt: integerOrNull(row, 'reversal_queued_at'),
    createdAt: integer(row, 'created_at'),
    updatedAt: integer(row, 'updated_at'),
  };
}

/** The page's WHERE: the merchant, the period, and the rows after the previous page's last. */
function pageWhere(
  page: Omit<DiagnosisPage<unknown>, 'merchantId'> & { readonly merchantId?: string },
  columns: { merchant: string; time: string; key: string },
  after: readonly SqlValue[] | undefined,
): { where: string; params: SqlValue[] } {
  const clauses = [`${columns.time} >= ?`, `${columns.time} < ?`];
  const params: SqlValue[] = [page.fromMs, page.toMs];
  if (page.merchantId !== undefined) {
    clauses.push(`${columns.merchant} = ?`);
    params.push(page.merchantId);
  }
  if (after !== undefined) {
    clauses.push(`${columns.key} > (${after.map(() => '?').join(', ')})`);
    params.push(...after);
  }
  return { where: clauses.join(' AND '), params };
}

export async function listDiagnosisPayments(
  s: SqlSession,
  page: DiagnosisPage<{ readonly createdAt: number; readonly id: string }>,
): Promise<DiagnosisPayment[]> {
  const a = page.after;
  const { where, params } = pageWhere(
    page,
    { merchant: 'p.merchant_id', time: 'p.created_at', key: '(p.created_at, p.id)' },
    a === undefined ? undefined : [a.createdAt, a.id],
  );
  // payments_by_merchant_time (merchant_id, created_at, id) gives the order; the joins are by key.
  const rows = await s.db.all<Row>(
    `SELECT p.id, p.kind, p.merchant_id, p.terminal_id, p.operator_id, p.status, p.amount, p.method,
       p.wallet, p.response_code, p.reversal_reason, p.card_fingerprint, p.payment_code_fingerprint,
       p.rrn, p.duplicate_of, p.duplicate_confirmed, p.original_id, p.created_at, p.updated_at,
       o.created_at AS original_created_at, r.state AS reversal_state, r.attempts AS reversal_attempts,
       r.created_at AS reversal_queued_at
     FROM payments p
     LEFT JOIN payments o ON o.id = p.original_id
     LEFT JOIN reversals r ON r.payment_id = p.id
     WHERE ${where} ORDER BY p.created_at, p.id LIMIT ?`,
    [...params, page.limit],
  );
  return rows.map(toDiagnosisPayment);
}

export async function listDiagnosisEvents(
  s: SqlSession,
  page: DiagnosisEventPage,
): Promise<DiagnosisEvent[]> {
  const a = page.after;
  const { where, params } = pageWhere(
    page,
    { merchant: 'p.merchant_id', time: 'j.at', key: '(j.at, j.chain, j.seq)' },
    a === undefined ? undefined : [a.at, a.chain, a.seq],
  );
  // The condition is the partial index's own text (j. would make it another term for SQLite).
  const rows = await s.db.all<Row>(
    `SELECT j.chain, j.seq, j.at, j.event, j.payment_id, j.data, p.merchant_id, p.terminal_id,
       p.operator_id, p.method, p.wallet, p.amount, p.created_at AS payment_created_at
     FROM journal j JOIN payments p ON p.id = j.payment_id
     WHERE ${diagnosisEventsSql} AND ${where} ORDER BY j.at, j.chain, j.seq LIMIT ?`,
    [...params, page.limit],
  );
  return rows.map((row) => ({
    chain: integer(row, 'chain'),
    seq: integer(row, 'seq'),
    at: integer(row, 'at'),
    event: eventName(row, 'event'),
    paymentId: text(row, 'payment_id'),
    merchantId: text(row, 'merchant_id'),
    terminalId: text(row, 'terminal_id'),
    operatorId: textOrNull(row, 'operator_id'),
    method: method(row, 'method'),
    wallet: textOrNull(row, 'wallet'),
    amount: integer(row, 'amount'),
    paymentCreatedAt: integer(row, 'payment_created_at'),
    data: text(row, 'data'),
  }));
}

export async function listDiagnosisDuplicates(
  s: SqlSession,
  page: DiagnosisPage<{ readonly detectedAt: number; readonly id: string }>,
): Promise<DiagnosisDuplicate[]> {
  const a = page.after;
  const { where, params } = pageWhere(
    page,
    { merchant: 'd.merchant_id', time: 'd.detected_at', key: '(d.detected_at, d.id)' },
    a === undefined ? undefined : [a.detectedAt, a.id],
  );
  // duplicates_by_merchant (merchant_id, detected_at) finds the period's rows.
  const rows = await s.db.all<Row>(
    `SELECT d.*, p.method AS payment_method, p.wallet AS payment_wallet
     FROM duplicates d LEFT JOIN payments p ON p.id = d.payment_id
     WHERE ${where} ORDER BY d.detected_at, d.id LIMIT ?`,
    [...params, page.limit],
  );
  return rows.map((row) => ({
    ...toDuplicate(row),
    paymentMethod: methodOrNull(row, 'payment_method'),
    paymentWallet: textOrNull(row, 'payment_wallet'),
  }));
}
