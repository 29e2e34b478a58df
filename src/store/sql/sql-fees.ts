// The fees port over SQL (issue 17): plan versions appended, never updated; the BIN table replaced
// whole; and a merchant's operations of a period read as the fee core's transaction records.
import type { FeeTransaction } from '../../fees/index.js';
import { PosError } from '../../pos-error.js';
import type { BinEntry, FeePlanVersionRecord, FeeTransactionQuery } from '../../payments/ports/fee-store.js';
import { channelOfPaymentMethod, planToFileJson } from '../../fees/index.js';
import { toBinEntry, toFeeOperation, toFeePlanVersion, type FeeOperationRow, type Row } from './rows.js';
import { placeholders, type SqlSession } from './sql-driver.js';

/** Rows bound per INSERT of the BIN table, and ids per `IN (...)` list (below every driver's limit). */
const rowsPerStatement = 500;

/**
 * What counts: sales the issuer approved (also those later voided, refunded or reversed), and
 * approved voids and refunds. A sale reversed after the issuer's `00` is a sale and a reversal;
 * one reversed without an approval (a timeout) never charged the card and is left out.
 */
const countedSql = `((kind = 'sale' AND (status IN ('approved', 'partially_refunded', 'refunded', 'voided')
     OR (status = 'reversed' AND response_code = '00')))
   OR (kind IN ('void', 'refund') AND status = 'approved'))`;

export async function getFeePlan(
  s: SqlSession,
  merchantId: string,
): Promise<FeePlanVersionRecord | undefined> {
  const row = await s.db.get<Row>(
    'SELECT * FROM fee_plan_versions WHERE merchant_id = ? ORDER BY version DESC LIMIT 1',
    [merchantId],
  );
  return row && toFeePlanVersion(row);
}

export async function listFeePlanVersions(
  s: SqlSession,
  merchantId: string,
): Promise<FeePlanVersionRecord[]> {
  const rows = await s.db.all<Row>('SELECT * FROM fee_plan_versions WHERE merchant_id = ? ORDER BY version', [
    merchantId,
  ]);
  return rows.map(toFeePlanVersion);
}

export async function appendFeePlanVersion(s: SqlSession, record: FeePlanVersionRecord): Promise<boolean> {
  const result = await s.db.run(
    `INSERT INTO fee_plan_versions (merchant_id, version, effective_from, plan_json, changed_by, changed_at)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [
      record.merchantId,
      record.version,
      record.effectiveFrom,
      JSON.stringify(planToFileJson(record.plan)),
      record.changedBy,
      record.changedAt,
    ],
  );
  return result.changes === 1;
}

export async function listBins(s: SqlSession): Promise<BinEntry[]> {
  const rows = await s.db.all<Row>('SELECT bin, card_kind FROM fee_bins ORDER BY bin');
  return rows.map(toBinEntry);
}

export async function replaceBins(s: SqlSession, entries: readonly BinEntry[]): Promise<void> {
  await s.db.run('DELETE FROM fee_bins');
  for (let start = 0; start < entries.length; start += rowsPerStatement) {
    const chunk = entries.slice(start, start + rowsPerStatement);
    await s.db.run(
      `INSERT INTO fee_bins (bin, card_kind) VALUES ${chunk.map(() => '(?, ?)').join(', ')}`,
      chunk.flatMap((e) => [e.bin, e.cardKind]),
    );
  }
}

const operationColumns =
  'id, kind, status, terminal_id, amount, card_masked, original_id, created_at, updated_at, method';

async function byIds(s: SqlSession, merchantId: string, ids: readonly string[]): Promise<FeeOperationRow[]> {
  const found: FeeOperationRow[] = [];
  for (let start = 0; start < ids.length; start += rowsPerStatement) {
    const chunk = ids.slice(start, start + rowsPerStatement);
    const rows = await s.db.all<Row>(
      `SELECT ${operationColumns} FROM payments WHERE merchant_id = ? AND id IN (${placeholders(chunk.length)})`,
      [merchantId, ...chunk],
    );
    found.push(...rows.map(toFeeOperation));
  }
  return found;
}

/** Sales among `saleIds` that reconciliation stored as a duplicate finding. */
async function duplicateSales(
  s: SqlSession,
  merchantId: string,
  saleIds: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (let start = 0; start < saleIds.length; start += rowsPerStatement) {
    const chunk = saleIds.slice(start, start + rowsPerStatement);
    const rows = await s.db.all<{ payment_id: string }>(
      `SELECT DISTINCT payment_id FROM duplicates WHERE merchant_id = ? AND source = 'reconciliation'
         AND payment_id IN (${placeholders(chunk.length)})`,
      [merchantId, ...chunk],
    );
    for (const row of rows) found.add(row.payment_id);
  }
  return found;
}

export async function listFeeTransactions(
  s: SqlSession,
  query: FeeTransactionQuery,
): Promise<FeeTransaction[]> {
  const terminalClause = query.terminalId === undefined ? '' : ' AND terminal_id = ?';
  const rows = await s.db.all<Row>(
    `SELECT ${operationColumns} FROM payments
     WHERE merchant_id = ?${terminalClause} AND created_at >= ? AND created_at < ? AND ${countedSql}
     ORDER BY created_at, id LIMIT ?`,
    [
      query.merchantId,
      ...(query.terminalId === undefined ? [] : [query.terminalId]),
      query.fromMs,
      query.toMs,
      query.limit + 1,
    ],
  );
  if (rows.length > query.limit) {
    throw new PosError(
      'POS_ERR_FEES_TOO_MANY_TRANSACTIONS',
      `merchant ${query.merchantId} has more than ${query.limit} transactions in the period priced at once: ask for a shorter period`,
      { details: { merchantId: query.merchantId, limit: query.limit } },
    );
  }
  const operations = rows.map(toFeeOperation);
  const held = new Set(operations.map((o) => o.id));
  const missing = [
    ...new Set(
      operations.flatMap((o) => (o.originalId !== null && !held.has(o.originalId) ? [o.originalId] : [])),
    ),
  ];
  const originals = await byIds(s, query.merchantId, missing);
  const all = [...originals, ...operations];
  const amountOf = new Map(all.map((o) => [o.id, o.amount]));
  const refunded = all.flatMap((o) => (o.kind === 'refund' && o.originalId !== null ? [o.originalId] : []));
  const duplicates = await duplicateSales(s, query.merchantId, [...new Set(refunded)]);
  return all.flatMap((o) => feeRecords(o, { merchantId: query.merchantId, amountOf, duplicates }));
}

interface RecordContext {
  readonly merchantId: string;
  readonly amountOf: ReadonlyMap<string, number>;
  readonly duplicates: ReadonlySet<string>;
}

function feeRecords(o: FeeOperationRow, context: RecordContext): FeeTransaction[] {
  const base = {
    id: o.id,
    merchantId: context.merchantId,
    terminalId: o.terminalId,
    // A QR sale (issue 20) is priced at the plan's QR rate, never as an unknown card.
    channel: channelOfPaymentMethod(o.method),
    atMs: o.createdAt,
    ...(o.bin === undefined ? {} : { bin: o.bin }),
  };
  if (o.kind === 'sale') {
    const sale: FeeTransaction = { ...base, kind: 'sale', amountFen: o.amount };
    if (o.status !== 'reversed') return [sale];
    // The reversal has no row of its own: it is the sale's last status change.
    const reversal: FeeTransaction = {
      ...base,
      id: `${o.id}:reversal`,
      kind: 'reversal',
      amountFen: o.amount,
      atMs: Math.max(o.updatedAt, o.createdAt),
      originalId: o.id,
    };
    return [sale, reversal];
  }
  const originalId = o.originalId ?? '';
  if (o.kind === 'void') {
    // A void moves its sale's whole amount, whatever its own row says.
    return [{ ...base, kind: 'void', amountFen: context.amountOf.get(originalId) ?? o.amount, originalId }];
  }
  return [
    {
      ...base,
      kind: 'refund',
      amountFen: o.amount,
      originalId,
      ...(context.duplicates.has(originalId) ? { duplicateRefunded: true } : {}),
    },
  ];
}
