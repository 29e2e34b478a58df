// The payments port over SQL: payments, their queries and the RRN counter.
import { assert } from '../../assert.js';
import type {
  NewPayment,
  OrphanQuery,
  PaymentPatch,
  PaymentQuery,
  RecentPayerSalesQuery,
  RecentSalesQuery,
} from '../../payments/ports/payment-store.js';
import type { PaymentRecord, PaymentStatus } from '../../payments/payment.js';
import { integer, oneOf, toPayment, type Row } from './rows.js';
import { placeholders, write, type SqlSession, type SqlValue } from './sql-driver.js';
import { paymentStatuses } from '../../payments/payment.js';

export async function getPayment(s: SqlSession, id: string): Promise<PaymentRecord | undefined> {
  const row = await s.db.get<Row>('SELECT * FROM payments WHERE id = ?', [id]);
  return row && toPayment(row);
}

export async function getPaymentByRrn(s: SqlSession, rrn: string): Promise<PaymentRecord | undefined> {
  const row = await s.db.get<Row>('SELECT * FROM payments WHERE rrn = ?', [rrn]);
  return row && toPayment(row);
}

export async function listPayments(s: SqlSession, query: PaymentQuery): Promise<PaymentRecord[]> {
  const where: string[] = [];
  const params: SqlValue[] = [];
  const filters: ReadonlyArray<readonly [string, SqlValue | undefined]> = [
    // null: every merchant (operations); never undefined, so a merchant's list always names it.
    ['merchant_id = ?', query.merchantId ?? undefined],
    ['terminal_id = ?', query.terminalId],
    ['kind = ?', query.kind],
    ['status = ?', query.status],
    ['created_at >= ?', query.fromMs],
    ['created_at < ?', query.toMs],
    ['amount >= ?', query.amountMin],
    ['amount <= ?', query.amountMax],
    // The masked number ends with the last four in clear (cards/card.ts).
    ['card_masked LIKE ?', query.cardLast4 === undefined ? undefined : `%${query.cardLast4}`],
  ];
  for (const [condition, value] of filters) {
    if (value === undefined) continue;
    where.push(condition);
    params.push(value);
  }
  if (query.before !== undefined) {
    where.push('(created_at < ? OR (created_at = ? AND id < ?))');
    params.push(query.before.createdAt, query.before.createdAt, query.before.id);
  }
  params.push(query.limit);
  const rows = await s.db.all<Row>(
    `SELECT * FROM payments ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY created_at DESC, id DESC LIMIT ?`,
    params,
  );
  return rows.map(toPayment);
}

export async function lastPaymentForTerminal(
  s: SqlSession,
  merchantId: string,
  terminalId: string,
): Promise<PaymentRecord | undefined> {
  const row = await s.db.get<Row>(
    `SELECT * FROM payments WHERE merchant_id = ? AND terminal_id = ?
     ORDER BY created_at DESC, id DESC LIMIT 1`,
    [merchantId, terminalId],
  );
  return row && toPayment(row);
}

export async function findRecentSales(s: SqlSession, query: RecentSalesQuery): Promise<PaymentRecord[]> {
  const rows = await s.db.all<Row>(
    `SELECT * FROM payments
     WHERE merchant_id = ? AND terminal_id = ? AND card_fingerprint = ? AND amount = ? AND created_at >= ?
       AND kind = 'sale' AND status IN (${placeholders(query.statuses.length)})
     ORDER BY created_at DESC, id DESC LIMIT 20`,
    [
      query.merchantId,
      query.terminalId,
      query.cardFingerprint,
      query.amount,
      query.sinceMs,
      ...query.statuses,
    ],
  );
  return rows.map(toPayment);
}

export async function listChildren(
  s: SqlSession,
  originalId: string,
  statuses: readonly PaymentStatus[],
): Promise<PaymentRecord[]> {
  const rows = await s.db.all<Row>(
    `SELECT * FROM payments WHERE original_id = ? AND status IN (${placeholders(statuses.length)})
     ORDER BY created_at, id`,
    [originalId, ...statuses],
  );
  return rows.map(toPayment);
}

export async function findPendingCreatedBefore(
  s: SqlSession,
  createdBefore: number,
  limit: number,
): Promise<PaymentRecord[]> {
  const rows = await s.db.all<Row>(
    "SELECT * FROM payments WHERE status = 'pending' AND created_at < ? ORDER BY created_at, id LIMIT ?",
    [createdBefore, limit],
  );
  return rows.map(toPayment);
}

export async function findOrphanedPending(s: SqlSession, query: OrphanQuery): Promise<PaymentRecord[]> {
  // The first bound lets the partial index of pending payments serve the range.
  const rows = await s.db.all<Row>(
    `SELECT * FROM payments WHERE status = 'pending' AND created_at < ?
       AND ((method = 'card' AND created_at < ?)
         OR (method = 'qr' AND kind = 'sale' AND (qr_flow IS NULL OR qr_flow <> 'shown') AND created_at < ?))
     ORDER BY created_at, id LIMIT ?`,
    [
      Math.max(query.cardCreatedBefore, query.qrCreatedBefore),
      query.cardCreatedBefore,
      query.qrCreatedBefore,
      query.limit,
    ],
  );
  return rows.map(toPayment);
}

// The unary plus keeps SQLite on the partial index of pending QR sales (a terminal has one or two):
// a plain ORDER BY created_at lets it walk the (merchant, terminal, created_at) index over the
// terminal's whole day instead, which made the simulator's QR run slower the longer the day.
export async function findPendingQrSale(
  s: SqlSession,
  merchantId: string,
  terminalId: string,
): Promise<PaymentRecord | undefined> {
  const row = await s.db.get<Row>(
    `SELECT * FROM payments WHERE merchant_id = ? AND terminal_id = ? AND status = 'pending' AND method = 'qr'
       AND kind = 'sale'
     ORDER BY +created_at, id LIMIT 1`,
    [merchantId, terminalId],
  );
  return row && toPayment(row);
}

export async function findRecentPayerSales(
  s: SqlSession,
  query: RecentPayerSalesQuery,
): Promise<PaymentRecord[]> {
  const rows = await s.db.all<Row>(
    `SELECT * FROM payments
     WHERE merchant_id = ? AND terminal_id = ? AND payer_fingerprint = ? AND amount = ? AND created_at >= ?
       AND kind = 'sale' AND status IN (${placeholders(query.statuses.length)})
     ORDER BY created_at DESC, id DESC LIMIT 20`,
    [
      query.merchantId,
      query.terminalId,
      query.payerFingerprint,
      query.amount,
      query.sinceMs,
      ...query.statuses,
    ],
  );
  return rows.map(toPayment);
}

export async function getPaymentByOrderNo(
  s: SqlSession,
  orderNo: string,
): Promise<PaymentRecord | undefined> {
  // Its voids and refunds carry the order number too: the order is the sale's.
  const row = await s.db.get<Row>("SELECT * FROM payments WHERE order_no = ? AND kind = 'sale'", [orderNo]);
  return row && toPayment(row);
}

export async function findExpiredShownOrders(
  s: SqlSession,
  now: number,
  limit: number,
): Promise<PaymentRecord[]> {
  const rows = await s.db.all<Row>(
    `SELECT * FROM payments WHERE status = 'pending' AND qr_flow = 'shown' AND qr_expires_at <= ?
     ORDER BY qr_expires_at, id LIMIT ?`,
    [now, limit],
  );
  return rows.map(toPayment);
}

const statusColumn = oneOf(paymentStatuses);

export async function countPaymentsByStatus(
  s: SqlSession,
): Promise<Array<{ status: PaymentStatus; count: number }>> {
  const rows = await s.db.all<Row>('SELECT status, COUNT(*) AS n FROM payments GROUP BY status');
  return rows.map((row) => ({ status: statusColumn(row, 'status'), count: integer(row, 'n') }));
}

export async function scanPayments(s: SqlSession, afterId: string, limit: number): Promise<PaymentRecord[]> {
  const rows = await s.db.all<Row>('SELECT * FROM payments WHERE id > ? ORDER BY id LIMIT ?', [
    afterId,
    limit,
  ]);
  return rows.map(toPayment);
}

export async function lockPayment(s: SqlSession, id: string): Promise<PaymentRecord | undefined> {
  const row = await s.db.get<Row>(`SELECT * FROM payments WHERE id = ? ${s.driver.forUpdate}`, [id]);
  return row && toPayment(row);
}

export async function insertPayment(s: SqlSession, p: NewPayment): Promise<void> {
  const qr = p.qr;
  // Nothing reads its result: a unique key it breaks fails the transaction (see `write`).
  await write(
    s,
    `INSERT INTO payments (id, kind, merchant_id, terminal_id, idempotency_key, status, amount, currency,
       card_masked, card_fingerprint, entry_mode, operator_id, reference, rrn, auth_code, response_code,
       original_id, duplicate_of, duplicate_confirmed, flagged_for_review, channel, stan, batch_no,
       reversal_reason, created_at, updated_at, method, wallet, payment_code_masked,
       payment_code_fingerprint, order_no, wallet_trade_no, payer_fingerprint, qr_flow, qr_content,
       qr_expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?,
       ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      p.id,
      p.kind,
      p.merchantId,
      p.terminalId,
      p.idempotencyKey,
      p.status,
      p.amount,
      p.currency,
      p.cardMasked,
      p.cardFingerprint,
      p.entryMode,
      p.operatorId,
      p.reference,
      p.rrn,
      p.responseCode,
      p.originalId,
      p.duplicateOf,
      p.duplicateConfirmed ? 1 : 0,
      p.flaggedForReview ? 1 : 0,
      p.channel,
      p.stan,
      p.batchNo,
      p.createdAt,
      p.createdAt,
      qr === null ? 'card' : 'qr',
      qr?.wallet ?? null,
      qr?.codeMasked ?? null,
      qr?.codeFingerprint ?? null,
      qr?.orderNo ?? null,
      qr?.tradeNo ?? null,
      qr?.payerFingerprint ?? null,
      qr?.flow ?? null,
      qr?.qrContent ?? null,
      qr?.expiresAt ?? null,
    ],
  );
}

export async function setShownCode(
  s: SqlSession,
  id: string,
  qrContent: string,
  now: number,
): Promise<boolean> {
  const result = await s.db.run(
    `UPDATE payments SET qr_content = ?, updated_at = ? WHERE id = ? AND status = 'pending' AND qr_flow = 'shown'`,
    [qrContent, now, id],
  );
  return result.changes === 1;
}

export async function noteWalletTrade(
  s: SqlSession,
  id: string,
  trade: { readonly tradeNo: string; readonly payerFingerprint: string },
  now: number,
): Promise<boolean> {
  const result = await s.db.run(
    `UPDATE payments SET wallet_trade_no = ?, payer_fingerprint = ?, updated_at = ?
     WHERE id = ? AND method = 'qr' AND wallet_trade_no IS NULL`,
    [trade.tradeNo, trade.payerFingerprint, now, id],
  );
  return result.changes === 1;
}

export async function updatePaymentStatus(
  s: SqlSession,
  id: string,
  expected: PaymentStatus,
  patch: PaymentPatch,
  now: number,
): Promise<boolean> {
  const columns: Array<[string, SqlValue]> = [
    ['status', patch.status],
    ['updated_at', now],
  ];
  if (patch.authCode !== undefined) columns.push(['auth_code', patch.authCode]);
  if (patch.responseCode !== undefined) columns.push(['response_code', patch.responseCode]);
  if (patch.reversalReason !== undefined) columns.push(['reversal_reason', patch.reversalReason]);
  if (patch.walletPaid !== undefined) {
    columns.push(['wallet_trade_no', patch.walletPaid.tradeNo]);
    columns.push(['payer_fingerprint', patch.walletPaid.payerFingerprint]);
  }
  if (patch.duplicate !== undefined) {
    columns.push(['duplicate_of', patch.duplicate.duplicateOf]);
    columns.push(['duplicate_confirmed', patch.duplicate.duplicateConfirmed ? 1 : 0]);
    columns.push(['flagged_for_review', patch.duplicate.flaggedForReview ? 1 : 0]);
  }
  const result = await s.db.run(
    `UPDATE payments SET ${columns.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ? AND status = ?`,
    [...columns.map(([, v]) => v), id, expected],
  );
  return result.changes === 1;
}

const formatRrn = (value: number): string => String(value % 1_000_000_000_000).padStart(12, '0');

/**
 * The RRN counter as one store sees it: the driver's statement may hand out a block of values at
 * once (PostgreSQL: 32 from the sequence, a round trip saved on 31 payments in 32), taken one by
 * one, in order, by this store's transactions. A value is never handed out twice, even when the
 * transaction that fetched the block rolls back (a sequence is not transactional); a host that
 * stops leaves the rest of its block unused, a gap in the numbers as a rolled-back sale leaves.
 */
export class RrnSupply {
  readonly #values: number[] = [];
  #refill: Promise<void> | undefined;

  async next(s: SqlSession): Promise<string> {
    for (;;) {
      const value = this.#values.shift();
      if (value !== undefined) return formatRrn(value);
      if (this.#refill === undefined) {
        this.#refill = this.#fetch(s).finally(() => (this.#refill = undefined));
        await this.#refill;
      } else {
        // Another transaction is fetching a block: wait for it (if it fails, fetch one here).
        await this.#refill.catch(() => undefined);
      }
    }
  }

  async #fetch(s: SqlSession): Promise<void> {
    const rows = await s.db.all<Row>(s.driver.nextRrnSql);
    assert(rows.length > 0, 'the rrn counter exists');
    this.#values.push(...rows.map((row) => integer(row, 'value')).sort((a, b) => a - b));
  }
}
