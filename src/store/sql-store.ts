// The store port over SQL, written once for both databases: the SQLite and PostgreSQL adapters
// differ only in their driver (sqlite/, postgres/). Rows are mapped to records here and nowhere
// else. Row locks (`FOR UPDATE`) are no-ops on SQLite, whose write transactions are serial.
import { assert } from '../assert.js';
import type { Currency } from '../money/money.js';
import { chainJournalRow, type JournalHead } from '../payments/journal.js';
import type {
  Channel,
  DuplicatePolicy,
  EntryMode,
  MerchantRecord,
  PaymentKind,
  PaymentRecord,
  PaymentStatus,
  ReversalReason,
  TerminalRecord,
} from '../payments/payment.js';
import type { SqlConnection, SqlDriver, SqlValue } from './sql-driver.js';
import type {
  BatchRef,
  BatchSettlementRecord,
  BatchSettlementState,
  BatchTotals,
  BatchTotalsQuery,
  BatchUploadRecord,
  DuplicateQuery,
  DuplicateRecord,
  DuplicateResolution,
  DuplicateSource,
  JournalEvent,
  JournalRow,
  NewMerchant,
  NewPayment,
  PaymentPatch,
  PaymentQuery,
  RecentSalesQuery,
  RequestOperation,
  RequestRecord,
  ReversalRecord,
  ReversalState,
  Store,
  StoreReader,
  StoreTx,
  TerminalPatch,
} from './store.js';

type Row = Record<string, unknown>;

function text(row: Row, column: string): string {
  const value = row[column];
  assert(typeof value === 'string', `column ${column} holds a string`);
  return value;
}

function textOrNull(row: Row, column: string): string | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  assert(typeof value === 'string', `column ${column} holds a string or null`);
  return value;
}

function integer(row: Row, column: string): number {
  const value = Number(row[column]);
  assert(Number.isSafeInteger(value), `column ${column} holds a safe integer`);
  return value;
}

function integerOrNull(row: Row, column: string): number | null {
  const value = row[column];
  return value === null || value === undefined ? null : integer(row, column);
}

function flag(row: Row, column: string): boolean {
  return Number(row[column]) === 1;
}

function toMerchant(row: Row): MerchantRecord {
  return {
    id: text(row, 'id'),
    name: text(row, 'name'),
    apiKeyHash: text(row, 'api_key_hash'),
    duplicatePolicy: text(row, 'duplicate_policy') as DuplicatePolicy,
    duplicateWindowS: integer(row, 'duplicate_window_s'),
    createdAt: integer(row, 'created_at'),
  };
}

function toTerminal(row: Row): TerminalRecord {
  return {
    merchantId: text(row, 'merchant_id'),
    terminalId: text(row, 'terminal_id'),
    tmkEncrypted: textOrNull(row, 'tmk_encrypted'),
    pinKeyEncrypted: textOrNull(row, 'pin_key_encrypted'),
    macKeyEncrypted: textOrNull(row, 'mac_key_encrypted'),
    keyMode: textOrNull(row, 'key_mode'),
    keysIssuedAt: integerOrNull(row, 'keys_issued_at'),
    pendingPinKeyEncrypted: textOrNull(row, 'pending_pin_key_encrypted'),
    pendingMacKeyEncrypted: textOrNull(row, 'pending_mac_key_encrypted'),
    pendingKeyMode: textOrNull(row, 'pending_key_mode'),
    pendingKeysIssuedAt: integerOrNull(row, 'pending_keys_issued_at'),
    batchNo: text(row, 'batch_no'),
    signedIn: flag(row, 'signed_in'),
    createdAt: integer(row, 'created_at'),
  };
}

function toPayment(row: Row): PaymentRecord {
  return {
    id: text(row, 'id'),
    kind: text(row, 'kind') as PaymentKind,
    merchantId: text(row, 'merchant_id'),
    terminalId: text(row, 'terminal_id'),
    idempotencyKey: text(row, 'idempotency_key'),
    status: text(row, 'status') as PaymentStatus,
    amount: integer(row, 'amount'),
    currency: text(row, 'currency') as Currency,
    cardMasked: textOrNull(row, 'card_masked'),
    cardFingerprint: textOrNull(row, 'card_fingerprint'),
    entryMode: textOrNull(row, 'entry_mode') as EntryMode | null,
    operatorId: textOrNull(row, 'operator_id'),
    reference: textOrNull(row, 'reference'),
    rrn: textOrNull(row, 'rrn'),
    authCode: textOrNull(row, 'auth_code'),
    responseCode: textOrNull(row, 'response_code'),
    originalId: textOrNull(row, 'original_id'),
    duplicateOf: textOrNull(row, 'duplicate_of'),
    duplicateConfirmed: flag(row, 'duplicate_confirmed'),
    flaggedForReview: flag(row, 'flagged_for_review'),
    channel: text(row, 'channel') as Channel,
    stan: textOrNull(row, 'stan'),
    batchNo: textOrNull(row, 'batch_no'),
    reversalReason: textOrNull(row, 'reversal_reason') as ReversalReason | null,
    createdAt: integer(row, 'created_at'),
    updatedAt: integer(row, 'updated_at'),
  };
}

function toRequest(row: Row): RequestRecord {
  return {
    merchantId: text(row, 'merchant_id'),
    idempotencyKey: text(row, 'idempotency_key'),
    operation: text(row, 'operation') as RequestOperation,
    requestHash: text(row, 'request_hash'),
    paymentId: textOrNull(row, 'payment_id'),
    state: text(row, 'state') as RequestRecord['state'],
    responseStatus: integerOrNull(row, 'response_status'),
    responseBody: textOrNull(row, 'response_body'),
    createdAt: integer(row, 'created_at'),
    expiresAt: integer(row, 'expires_at'),
  };
}

function toDuplicate(row: Row): DuplicateRecord {
  return {
    id: text(row, 'id'),
    merchantId: text(row, 'merchant_id'),
    terminalId: text(row, 'terminal_id'),
    paymentId: textOrNull(row, 'payment_id'),
    duplicateOf: textOrNull(row, 'duplicate_of'),
    source: text(row, 'source') as DuplicateSource,
    resolution: text(row, 'resolution') as DuplicateResolution,
    amount: integer(row, 'amount'),
    operatorId: textOrNull(row, 'operator_id'),
    confirmedPaymentId: textOrNull(row, 'confirmed_payment_id'),
    kind: textOrNull(row, 'kind'),
    cause: textOrNull(row, 'cause'),
    rrn: textOrNull(row, 'rrn'),
    relatedRrn: textOrNull(row, 'related_rrn'),
    detail: textOrNull(row, 'detail'),
    detectedAt: integer(row, 'detected_at'),
    resolvedAt: integerOrNull(row, 'resolved_at'),
  };
}

function toReversal(row: Row): ReversalRecord {
  return {
    paymentId: text(row, 'payment_id'),
    rrn: text(row, 'rrn'),
    reason: text(row, 'reason') as ReversalReason,
    state: text(row, 'state') as ReversalState,
    attempts: integer(row, 'attempts'),
    nextAttemptAt: integer(row, 'next_attempt_at'),
    leaseOwner: textOrNull(row, 'lease_owner'),
    leaseUntil: integerOrNull(row, 'lease_until'),
    lastError: textOrNull(row, 'last_error'),
    createdAt: integer(row, 'created_at'),
    updatedAt: integer(row, 'updated_at'),
  };
}

function toJournal(row: Row): JournalRow {
  return {
    chain: integer(row, 'chain'),
    seq: integer(row, 'seq'),
    at: integer(row, 'at'),
    paymentId: textOrNull(row, 'payment_id'),
    event: text(row, 'event'),
    fromStatus: textOrNull(row, 'from_status') as PaymentStatus | null,
    toStatus: textOrNull(row, 'to_status') as PaymentStatus | null,
    data: text(row, 'data'),
    prevHash: text(row, 'prev_hash'),
    hash: text(row, 'hash'),
  };
}

function toBatchSettlement(row: Row): BatchSettlementRecord {
  return {
    merchantId: text(row, 'merchant_id'),
    terminalId: text(row, 'terminal_id'),
    batchNo: text(row, 'batch_no'),
    state: text(row, 'state') as BatchSettlementState,
    terminalTotals: textOrNull(row, 'terminal_totals'),
    hostTotals: {
      debitTotal: integer(row, 'host_debit_total'),
      debitCount: integer(row, 'host_debit_count'),
      creditTotal: integer(row, 'host_credit_total'),
      creditCount: integer(row, 'host_credit_count'),
    },
    uploadedCount: integerOrNull(row, 'uploaded_count'),
    createdAt: integer(row, 'created_at'),
    updatedAt: integer(row, 'updated_at'),
  };
}

/** SUM of no rows is NULL, and PostgreSQL gives SUM and COUNT of BIGINT as text: both become numbers. */
function sumOf(row: Row | undefined, column: string): number {
  const value = row?.[column];
  return value === null || value === undefined ? 0 : integer(row ?? {}, column);
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

class SqlReader implements StoreReader {
  constructor(
    protected readonly db: SqlConnection,
    protected readonly driver: SqlDriver,
  ) {}

  async getMerchant(id: string): Promise<MerchantRecord | undefined> {
    const row = await this.db.get<Row>('SELECT * FROM merchants WHERE id = ?', [id]);
    return row && toMerchant(row);
  }

  async findMerchantByApiKeyHash(apiKeyHash: string): Promise<MerchantRecord | undefined> {
    const row = await this.db.get<Row>('SELECT * FROM merchants WHERE api_key_hash = ?', [apiKeyHash]);
    return row && toMerchant(row);
  }

  async getTerminal(merchantId: string, terminalId: string): Promise<TerminalRecord | undefined> {
    const row = await this.db.get<Row>('SELECT * FROM terminals WHERE merchant_id = ? AND terminal_id = ?', [
      merchantId,
      terminalId,
    ]);
    return row && toTerminal(row);
  }

  async getRequest(merchantId: string, idempotencyKey: string): Promise<RequestRecord | undefined> {
    const row = await this.db.get<Row>(
      'SELECT * FROM requests WHERE merchant_id = ? AND idempotency_key = ?',
      [merchantId, idempotencyKey],
    );
    return row && toRequest(row);
  }

  async getPayment(id: string): Promise<PaymentRecord | undefined> {
    const row = await this.db.get<Row>('SELECT * FROM payments WHERE id = ?', [id]);
    return row && toPayment(row);
  }

  async getPaymentByRrn(rrn: string): Promise<PaymentRecord | undefined> {
    const row = await this.db.get<Row>('SELECT * FROM payments WHERE rrn = ?', [rrn]);
    return row && toPayment(row);
  }

  async listPayments(query: PaymentQuery): Promise<PaymentRecord[]> {
    const where = ['merchant_id = ?'];
    const params: SqlValue[] = [query.merchantId];
    const filters: ReadonlyArray<readonly [string, SqlValue | undefined]> = [
      ['terminal_id = ?', query.terminalId],
      ['kind = ?', query.kind],
      ['status = ?', query.status],
      ['created_at >= ?', query.fromMs],
      ['created_at < ?', query.toMs],
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
    const rows = await this.db.all<Row>(
      `SELECT * FROM payments WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`,
      params,
    );
    return rows.map(toPayment);
  }

  async lastPaymentForTerminal(merchantId: string, terminalId: string): Promise<PaymentRecord | undefined> {
    const row = await this.db.get<Row>(
      `SELECT * FROM payments WHERE merchant_id = ? AND terminal_id = ?
       ORDER BY created_at DESC, id DESC LIMIT 1`,
      [merchantId, terminalId],
    );
    return row && toPayment(row);
  }

  async findRecentSales(query: RecentSalesQuery): Promise<PaymentRecord[]> {
    const rows = await this.db.all<Row>(
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

  async listChildren(originalId: string, statuses: readonly PaymentStatus[]): Promise<PaymentRecord[]> {
    const rows = await this.db.all<Row>(
      `SELECT * FROM payments WHERE original_id = ? AND status IN (${placeholders(statuses.length)})
       ORDER BY created_at, id`,
      [originalId, ...statuses],
    );
    return rows.map(toPayment);
  }

  async findPendingCreatedBefore(createdBefore: number, limit: number): Promise<PaymentRecord[]> {
    const rows = await this.db.all<Row>(
      "SELECT * FROM payments WHERE status = 'pending' AND created_at < ? ORDER BY created_at, id LIMIT ?",
      [createdBefore, limit],
    );
    return rows.map(toPayment);
  }

  async listDuplicates(query: DuplicateQuery): Promise<DuplicateRecord[]> {
    const rows =
      query.source === undefined
        ? await this.db.all<Row>(
            'SELECT * FROM duplicates WHERE merchant_id = ? ORDER BY detected_at DESC, id DESC LIMIT ?',
            [query.merchantId, query.limit],
          )
        : await this.db.all<Row>(
            'SELECT * FROM duplicates WHERE merchant_id = ? AND source = ? ORDER BY detected_at DESC, id DESC LIMIT ?',
            [query.merchantId, query.source, query.limit],
          );
    return rows.map(toDuplicate);
  }

  async getReversal(paymentId: string): Promise<ReversalRecord | undefined> {
    const row = await this.db.get<Row>('SELECT * FROM reversals WHERE payment_id = ?', [paymentId]);
    return row && toReversal(row);
  }

  async countReversals(state: ReversalState): Promise<number> {
    const row = await this.db.get<Row>('SELECT COUNT(*) AS n FROM reversals WHERE state = ?', [state]);
    return row === undefined ? 0 : integer(row, 'n');
  }

  async nextReversalDueAt(): Promise<number | null> {
    const row = await this.db.get<Row>(
      "SELECT MIN(next_attempt_at) AS due FROM reversals WHERE state = 'queued'",
    );
    return row === undefined ? null : integerOrNull(row, 'due');
  }

  async countPaymentsByStatus(): Promise<Array<{ status: PaymentStatus; count: number }>> {
    const rows = await this.db.all<Row>('SELECT status, COUNT(*) AS n FROM payments GROUP BY status');
    return rows.map((row) => ({ status: text(row, 'status') as PaymentStatus, count: integer(row, 'n') }));
  }

  async readJournal(chain: number, afterSeq: number, limit: number): Promise<JournalRow[]> {
    const rows = await this.db.all<Row>(
      'SELECT * FROM journal WHERE chain = ? AND seq > ? ORDER BY seq LIMIT ?',
      [chain, afterSeq, limit],
    );
    return rows.map(toJournal);
  }

  async scanPayments(afterId: string, limit: number): Promise<PaymentRecord[]> {
    const rows = await this.db.all<Row>('SELECT * FROM payments WHERE id > ? ORDER BY id LIMIT ?', [
      afterId,
      limit,
    ]);
    return rows.map(toPayment);
  }

  async batchTotals(query: BatchTotalsQuery): Promise<BatchTotals> {
    // Statuses are bound as parameters; an empty list matches nothing, written as a false clause.
    const statusClause = (statuses: readonly PaymentStatus[]): string =>
      statuses.length === 0 ? '1 = 0' : `status IN (${placeholders(statuses.length)})`;
    const rows = await this.db.all<Row>(
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

  async batchUploadTotals(batch: BatchRef): Promise<BatchTotals & { readonly records: number }> {
    const row = await this.db.get<Row>(
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

  async getBatchSettlement(batch: BatchRef): Promise<BatchSettlementRecord | undefined> {
    const row = await this.db.get<Row>(
      'SELECT * FROM batch_settlements WHERE merchant_id = ? AND terminal_id = ? AND batch_no = ?',
      [batch.merchantId, batch.terminalId, batch.batchNo],
    );
    return row && toBatchSettlement(row);
  }

  async scanRequests(
    after: { merchantId: string; idempotencyKey: string },
    limit: number,
  ): Promise<RequestRecord[]> {
    const rows = await this.db.all<Row>(
      `SELECT * FROM requests WHERE merchant_id > ? OR (merchant_id = ? AND idempotency_key > ?)
       ORDER BY merchant_id, idempotency_key LIMIT ?`,
      [after.merchantId, after.merchantId, after.idempotencyKey, limit],
    );
    return rows.map(toRequest);
  }
}

class SqlTx extends SqlReader implements StoreTx {
  constructor(
    db: SqlConnection,
    driver: SqlDriver,
    /** The journal heads this process last wrote, when the driver caches them (see SqlDriver). */
    private readonly heads: Map<number, JournalHead> | undefined,
  ) {
    super(db, driver);
  }

  async insertMerchant(merchant: NewMerchant): Promise<boolean> {
    const result = await this.db.run(
      `INSERT INTO merchants (id, name, api_key_hash, duplicate_policy, duplicate_window_s, created_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [
        merchant.id,
        merchant.name,
        merchant.apiKeyHash,
        merchant.duplicatePolicy,
        merchant.duplicateWindowS,
        merchant.createdAt,
      ],
    );
    return result.changes === 1;
  }

  async insertTerminal(terminal: {
    merchantId: string;
    terminalId: string;
    tmkEncrypted: string | null;
    createdAt: number;
  }): Promise<boolean> {
    const result = await this.db.run(
      `INSERT INTO terminals (merchant_id, terminal_id, tmk_encrypted, batch_no, signed_in, created_at)
       VALUES (?, ?, ?, '000001', 0, ?) ON CONFLICT DO NOTHING`,
      [terminal.merchantId, terminal.terminalId, terminal.tmkEncrypted, terminal.createdAt],
    );
    return result.changes === 1;
  }

  async updateTerminal(merchantId: string, terminalId: string, patch: TerminalPatch): Promise<void> {
    const columns: Array<[string, SqlValue]> = [];
    if (patch.tmkEncrypted !== undefined) columns.push(['tmk_encrypted', patch.tmkEncrypted]);
    if (patch.pinKeyEncrypted !== undefined) columns.push(['pin_key_encrypted', patch.pinKeyEncrypted]);
    if (patch.macKeyEncrypted !== undefined) columns.push(['mac_key_encrypted', patch.macKeyEncrypted]);
    if (patch.keyMode !== undefined) columns.push(['key_mode', patch.keyMode]);
    if (patch.keysIssuedAt !== undefined) columns.push(['keys_issued_at', patch.keysIssuedAt]);
    if (patch.pendingPinKeyEncrypted !== undefined)
      columns.push(['pending_pin_key_encrypted', patch.pendingPinKeyEncrypted]);
    if (patch.pendingMacKeyEncrypted !== undefined)
      columns.push(['pending_mac_key_encrypted', patch.pendingMacKeyEncrypted]);
    if (patch.pendingKeyMode !== undefined) columns.push(['pending_key_mode', patch.pendingKeyMode]);
    if (patch.pendingKeysIssuedAt !== undefined)
      columns.push(['pending_keys_issued_at', patch.pendingKeysIssuedAt]);
    if (patch.batchNo !== undefined) columns.push(['batch_no', patch.batchNo]);
    if (patch.signedIn !== undefined) columns.push(['signed_in', patch.signedIn ? 1 : 0]);
    if (columns.length === 0) return;
    await this.db.run(
      `UPDATE terminals SET ${columns.map(([c]) => `${c} = ?`).join(', ')} WHERE merchant_id = ? AND terminal_id = ?`,
      [...columns.map(([, v]) => v), merchantId, terminalId],
    );
  }

  async lockTerminal(merchantId: string, terminalId: string): Promise<TerminalRecord | undefined> {
    const row = await this.db.get<Row>(
      `SELECT * FROM terminals WHERE merchant_id = ? AND terminal_id = ? ${this.driver.forUpdate}`,
      [merchantId, terminalId],
    );
    return row && toTerminal(row);
  }

  async lockPayment(id: string): Promise<PaymentRecord | undefined> {
    const row = await this.db.get<Row>(`SELECT * FROM payments WHERE id = ? ${this.driver.forUpdate}`, [id]);
    return row && toPayment(row);
  }

  async insertRequest(record: RequestRecord): Promise<RequestRecord | undefined> {
    // ON CONFLICT DO NOTHING waits for a concurrent insert of the same key to commit or roll back,
    // so exactly one request wins the key; the others read the winner's record.
    const result = await this.db.run(
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
        record.responseStatus,
        record.responseBody,
        record.createdAt,
        record.expiresAt,
      ],
    );
    if (result.changes === 1) return undefined;
    const existing = await this.getRequest(record.merchantId, record.idempotencyKey);
    assert(existing !== undefined, 'a request key that conflicted on insert can be read');
    return existing;
  }

  async completeRequest(
    merchantId: string,
    idempotencyKey: string,
    response: { status: number; body: string },
  ): Promise<void> {
    await this.db.run(
      `UPDATE requests SET state = 'completed', response_status = ?, response_body = ?
       WHERE merchant_id = ? AND idempotency_key = ?`,
      [response.status, response.body, merchantId, idempotencyKey],
    );
  }

  async deleteExpiredRequests(now: number, limit: number): Promise<number> {
    // Only completed records expire: an in-flight one still guards its key.
    const result = await this.db.run(
      `DELETE FROM requests WHERE (merchant_id, idempotency_key) IN (
         SELECT merchant_id, idempotency_key FROM requests WHERE expires_at < ? AND state = 'completed' LIMIT ?)`,
      [now, limit],
    );
    return result.changes;
  }

  async insertPayment(p: NewPayment): Promise<void> {
    await this.db.run(
      `INSERT INTO payments (id, kind, merchant_id, terminal_id, idempotency_key, status, amount, currency,
         card_masked, card_fingerprint, entry_mode, operator_id, reference, rrn, auth_code, response_code,
         original_id, duplicate_of, duplicate_confirmed, flagged_for_review, channel, stan, batch_no,
         reversal_reason, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
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
      ],
    );
  }

  async updatePaymentStatus(
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
    const result = await this.db.run(
      `UPDATE payments SET ${columns.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ? AND status = ?`,
      [...columns.map(([, v]) => v), id, expected],
    );
    return result.changes === 1;
  }

  async claimSetting(name: string, value: string, now: number): Promise<string> {
    await this.db.run(
      'INSERT INTO host_settings (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      [name, value, now],
    );
    const row = await this.db.get<Row>('SELECT value FROM host_settings WHERE name = ?', [name]);
    assert(row !== undefined, 'a claimed setting is there');
    return String(row['value']);
  }

  async nextRrn(): Promise<string> {
    const row = await this.db.get<Row>(this.driver.nextRrnSql);
    assert(row !== undefined, 'the rrn counter exists');
    return String(integer(row, 'value') % 1_000_000_000_000).padStart(12, '0');
  }

  async insertDuplicate(d: DuplicateRecord): Promise<boolean> {
    const result = await this.db.run(
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

  async resolveDuplicate(
    id: string,
    patch: {
      resolution: DuplicateResolution;
      operatorId: string | null;
      confirmedPaymentId: string | null;
      resolvedAt: number;
    },
  ): Promise<void> {
    await this.db.run(
      'UPDATE duplicates SET resolution = ?, operator_id = ?, confirmed_payment_id = ?, resolved_at = ? WHERE id = ?',
      [patch.resolution, patch.operatorId, patch.confirmedPaymentId, patch.resolvedAt, id],
    );
  }

  async findAwaitingDuplicate(merchantId: string, duplicateOf: string): Promise<DuplicateRecord | undefined> {
    const row = await this.db.get<Row>(
      `SELECT * FROM duplicates WHERE merchant_id = ? AND duplicate_of = ? AND resolution = 'awaiting_confirmation'
       ORDER BY detected_at DESC, id DESC LIMIT 1`,
      [merchantId, duplicateOf],
    );
    return row && toDuplicate(row);
  }

  async enqueueReversal(r: {
    paymentId: string;
    rrn: string;
    reason: ReversalReason;
    nextAttemptAt: number;
    now: number;
  }): Promise<boolean> {
    const result = await this.db.run(
      `INSERT INTO reversals (payment_id, rrn, reason, state, attempts, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, 'queued', 0, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [r.paymentId, r.rrn, r.reason, r.nextAttemptAt, r.now, r.now],
    );
    return result.changes === 1;
  }

  async requeueReversal(paymentId: string, now: number): Promise<boolean> {
    const result = await this.db.run(
      `UPDATE reversals SET state = 'queued', attempts = 0, next_attempt_at = ?, last_error = NULL,
         lease_owner = NULL, lease_until = NULL, updated_at = ?
       WHERE payment_id = ? AND state = 'failed'`,
      [now, now, paymentId],
    );
    return result.changes === 1;
  }

  async claimReversals(input: {
    now: number;
    owner: string;
    leaseUntil: number;
    limit: number;
  }): Promise<ReversalRecord[]> {
    const due = await this.db.all<Row>(
      `SELECT payment_id FROM reversals
       WHERE state = 'queued' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
       ORDER BY next_attempt_at, payment_id LIMIT ? ${this.driver.forUpdateSkipLocked}`,
      [input.now, input.now, input.limit],
    );
    const claimed: ReversalRecord[] = [];
    for (const row of due) {
      const paymentId = text(row, 'payment_id');
      const updated = await this.db.get<Row>(
        `UPDATE reversals SET lease_owner = ?, lease_until = ?, updated_at = ?
         WHERE payment_id = ? AND state = 'queued' RETURNING *`,
        [input.owner, input.leaseUntil, input.now, paymentId],
      );
      if (updated !== undefined) claimed.push(toReversal(updated));
    }
    return claimed;
  }

  async updateReversal(
    paymentId: string,
    owner: string,
    patch: {
      state: ReversalState;
      attempts: number;
      nextAttemptAt: number;
      lastError: string | null;
      now: number;
    },
  ): Promise<boolean> {
    const result = await this.db.run(
      `UPDATE reversals SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ?,
         lease_owner = NULL, lease_until = NULL
       WHERE payment_id = ? AND lease_owner = ?`,
      [patch.state, patch.attempts, patch.nextAttemptAt, patch.lastError, patch.now, paymentId, owner],
    );
    return result.changes === 1;
  }

  async insertBatchUpload(r: BatchUploadRecord): Promise<boolean> {
    const result = await this.db.run(
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

  async putBatchSettlement(r: BatchSettlementRecord): Promise<void> {
    await this.db.run(
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

  async appendJournal(event: JournalEvent): Promise<JournalRow> {
    const heads = this.heads;
    const cached = heads?.get(event.chain);
    if (heads !== undefined && cached !== undefined) {
      // The head this process wrote last: move it with one compare-and-set; if another writer
      // moved it since (or the transaction that wrote it rolled back), fall through and read it.
      const row = chainJournalRow(cached, event);
      const moved = await this.db.run(
        'UPDATE journal_head SET seq = ?, hash = ? WHERE chain = ? AND seq = ? AND hash = ?',
        [row.seq, row.hash, row.chain, cached.seq, cached.hash],
      );
      if (moved.changes === 1) {
        await this.#insertJournal(row);
        heads.set(row.chain, row);
        return row;
      }
    }
    const headRow = await this.db.get<Row>(
      `SELECT seq, hash FROM journal_head WHERE chain = ? ${this.driver.forUpdate}`,
      [event.chain],
    );
    assert(headRow !== undefined, `journal chain ${event.chain} exists`);
    const row = chainJournalRow({ seq: integer(headRow, 'seq'), hash: text(headRow, 'hash') }, event);
    await this.#insertJournal(row);
    await this.db.run('UPDATE journal_head SET seq = ?, hash = ? WHERE chain = ?', [
      row.seq,
      row.hash,
      row.chain,
    ]);
    heads?.set(row.chain, row);
    return row;
  }

  async #insertJournal(row: JournalRow): Promise<void> {
    await this.db.run(
      `INSERT INTO journal (chain, seq, at, payment_id, event, from_status, to_status, data, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        row.chain,
        row.seq,
        row.at,
        row.paymentId,
        row.event,
        row.fromStatus,
        row.toStatus,
        row.data,
        row.prevHash,
        row.hash,
      ],
    );
  }
}

/** A Store over any SqlDriver. */
export class SqlStore implements Store {
  readonly kind: 'sqlite' | 'postgres';

  readonly #heads: Map<number, JournalHead> | undefined;

  constructor(private readonly driver: SqlDriver) {
    this.#heads = driver.cacheJournalHeads ? new Map() : undefined;
    this.kind = driver.dialect;
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.driver.transaction('write', (connection) =>
      fn(new SqlTx(connection, this.driver, this.#heads)),
    );
  }

  read<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T> {
    return this.driver.transaction('read', (connection) => fn(new SqlReader(connection, this.driver)));
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
