// The schema, as numbered migrations applied in order on start. The SQL is written once for both
// databases (BIGINT, TEXT and SMALLINT mean the same to SQLite and PostgreSQL here); booleans are
// SMALLINT 0/1 and times are epoch milliseconds. `migrate` is safe when several hosts start at
// once: it runs in one write transaction that PostgreSQL serialises with an advisory lock.
import { genesisHash, journalChains } from '../payments/ports/journal-store.js';
import { PosError } from '../pos-error.js';
import { diagnosisEventsSql } from './sql/diagnosis-events.js';
import type { SqlConnection, SqlDriver } from './sql/sql-driver.js';

interface Migration {
  readonly id: number;
  readonly name: string;
  readonly statements: readonly string[];
  /** Statements for PostgreSQL only (what SQLite has no use for, such as sequences). */
  readonly postgres?: readonly string[];
}

export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: 'payments, idempotency, duplicates, reversals, journal',
    statements: [
      `CREATE TABLE merchants (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        api_key_hash TEXT NOT NULL UNIQUE,
        duplicate_policy TEXT NOT NULL,
        duplicate_window_s BIGINT NOT NULL,
        created_at BIGINT NOT NULL
      )`,
      `CREATE TABLE terminals (
        merchant_id TEXT NOT NULL REFERENCES merchants (id),
        terminal_id TEXT NOT NULL,
        tmk_encrypted TEXT,
        pin_key_encrypted TEXT,
        mac_key_encrypted TEXT,
        key_mode TEXT,
        keys_issued_at BIGINT,
        batch_no TEXT NOT NULL,
        signed_in SMALLINT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (merchant_id, terminal_id)
      )`,
      `CREATE TABLE payments (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        merchant_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        status TEXT NOT NULL,
        amount BIGINT NOT NULL,
        currency TEXT NOT NULL,
        card_masked TEXT,
        card_fingerprint TEXT,
        entry_mode TEXT,
        operator_id TEXT,
        reference TEXT,
        rrn TEXT UNIQUE,
        auth_code TEXT,
        response_code TEXT,
        original_id TEXT,
        duplicate_of TEXT,
        duplicate_confirmed SMALLINT NOT NULL,
        flagged_for_review SMALLINT NOT NULL,
        channel TEXT NOT NULL,
        stan TEXT,
        batch_no TEXT,
        reversal_reason TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        UNIQUE (merchant_id, idempotency_key)
      )`,
      `CREATE INDEX payments_recent_sales ON payments (merchant_id, terminal_id, card_fingerprint, amount, created_at, id)`,
      `CREATE INDEX payments_by_merchant_time ON payments (merchant_id, created_at, id)`,
      `CREATE INDEX payments_by_terminal_time ON payments (merchant_id, terminal_id, created_at, id)`,
      // Recovery looks for payments left pending; a partial index stays tiny and is written only
      // when a payment enters or leaves `pending`.
      `CREATE INDEX payments_pending ON payments (created_at, id) WHERE status = 'pending'`,
      `CREATE INDEX payments_by_original ON payments (original_id)`,
      `CREATE TABLE requests (
        merchant_id TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        operation TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        payment_id TEXT,
        state TEXT NOT NULL,
        response_status BIGINT,
        response_body TEXT,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (merchant_id, idempotency_key)
      )`,
      `CREATE INDEX requests_expiry ON requests (expires_at)`,
      `CREATE TABLE duplicates (
        id TEXT PRIMARY KEY,
        merchant_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        payment_id TEXT,
        duplicate_of TEXT,
        source TEXT NOT NULL,
        resolution TEXT NOT NULL,
        amount BIGINT NOT NULL,
        operator_id TEXT,
        confirmed_payment_id TEXT,
        kind TEXT,
        cause TEXT,
        rrn TEXT,
        related_rrn TEXT,
        detail TEXT,
        detected_at BIGINT NOT NULL,
        resolved_at BIGINT
      )`,
      `CREATE INDEX duplicates_by_merchant ON duplicates (merchant_id, detected_at)`,
      `CREATE INDEX duplicates_by_original ON duplicates (duplicate_of, resolution)`,
      `CREATE TABLE reversals (
        payment_id TEXT PRIMARY KEY,
        rrn TEXT NOT NULL,
        reason TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts BIGINT NOT NULL,
        next_attempt_at BIGINT NOT NULL,
        lease_owner TEXT,
        lease_until BIGINT,
        last_error TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      `CREATE INDEX reversals_due ON reversals (state, next_attempt_at)`,
      `CREATE TABLE journal (
        chain SMALLINT NOT NULL,
        seq BIGINT NOT NULL,
        at BIGINT NOT NULL,
        payment_id TEXT,
        event TEXT NOT NULL,
        from_status TEXT,
        to_status TEXT,
        data TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (chain, seq)
      )`,
      `CREATE TABLE journal_head (chain SMALLINT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)`,
      `INSERT INTO journal_head (chain, seq, hash) VALUES ${Array.from({ length: journalChains }, (_, chain) => `(${chain}, 0, '${genesisHash}')`).join(', ')}`,
      `CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)`,
      `INSERT INTO counters (name, value) VALUES ('rrn', 0)`,
    ],
    postgres: ['CREATE SEQUENCE rrn_seq'],
  },
  {
    id: 2,
    name: 'ISO 8583 batch uploads and batch settlements',
    statements: [
      // One row per record a terminal uploaded (0320): the batch and the STAN name it, so a record
      // uploaded twice is found held. No card data: uploads carry none the host keeps.
      `CREATE TABLE batch_uploads (
        merchant_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        batch_no TEXT NOT NULL,
        stan TEXT NOT NULL,
        kind TEXT NOT NULL,
        message_type_code TEXT NOT NULL,
        amount BIGINT NOT NULL,
        currency TEXT NOT NULL,
        rrn TEXT,
        auth_code TEXT,
        received_at BIGINT NOT NULL,
        PRIMARY KEY (merchant_id, terminal_id, batch_no, stan)
      )`,
      `CREATE TABLE batch_settlements (
        merchant_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        batch_no TEXT NOT NULL,
        state TEXT NOT NULL,
        terminal_totals TEXT,
        host_debit_total BIGINT NOT NULL,
        host_debit_count BIGINT NOT NULL,
        host_credit_total BIGINT NOT NULL,
        host_credit_count BIGINT NOT NULL,
        uploaded_count BIGINT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (merchant_id, terminal_id, batch_no)
      )`,
      // Settlement totals read a terminal's payments of one batch.
      `CREATE INDEX payments_by_terminal_batch ON payments (merchant_id, terminal_id, batch_no)`,
    ],
  },
  {
    id: 3,
    name: 'host settings bound to the store (the check value of the host secret)',
    statements: [
      `CREATE TABLE host_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL, created_at BIGINT NOT NULL)`,
    ],
  },
  {
    id: 4,
    name: 'pending session keys: a sign-in offers keys, a request MACed under them adopts them',
    statements: [
      // Additive: a sign-in (0800 carries no MAC, anyone may send one) no longer replaces the
      // working keys; it leaves the keys it issued here until the terminal proves it holds the TMK.
      `ALTER TABLE terminals ADD COLUMN pending_pin_key_encrypted TEXT`,
      `ALTER TABLE terminals ADD COLUMN pending_mac_key_encrypted TEXT`,
      `ALTER TABLE terminals ADD COLUMN pending_key_mode TEXT`,
      `ALTER TABLE terminals ADD COLUMN pending_keys_issued_at BIGINT`,
    ],
  },
  {
    id: 5,
    name: 'fee plans as append-only versions, and the BIN table (issue 17)',
    statements: [
      // Append-only: a plan change is a new row, so the plan that priced a past day stays readable.
      `CREATE TABLE fee_plan_versions (
        merchant_id TEXT NOT NULL REFERENCES merchants (id),
        version BIGINT NOT NULL,
        effective_from TEXT NOT NULL,
        plan_json TEXT NOT NULL,
        changed_by TEXT NOT NULL,
        changed_at BIGINT NOT NULL,
        PRIMARY KEY (merchant_id, version)
      )`,
      `CREATE TABLE fee_bins (bin TEXT PRIMARY KEY, card_kind TEXT NOT NULL)`,
      `CREATE INDEX duplicates_by_payment ON duplicates (payment_id)`,
    ],
  },
  {
    id: 6,
    name: 'the record of signed MAC folds, per terminal session key, shared by every host (issue 13)',
    statements: [
      // One row per session key: its count of folds, so that the limit costs one row, not a count.
      `CREATE TABLE signed_fold_sessions (
        merchant_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        key_digest TEXT NOT NULL,
        folds BIGINT NOT NULL,
        PRIMARY KEY (merchant_id, terminal_id, key_digest)
      )`,
      // One row per fold: an answer's (request_digest NULL) or a request's (the keyed digest of its
      // MAC input, never its bytes). Deleted when the terminal adopts new keys.
      `CREATE TABLE signed_folds (
        merchant_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        key_digest TEXT NOT NULL,
        fold TEXT NOT NULL,
        kind TEXT NOT NULL,
        request_digest TEXT,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (merchant_id, terminal_id, key_digest, fold)
      )`,
    ],
  },
  {
    id: 7,
    name: 'QR payments: method, wallet, masked and fingerprinted code, order and trade numbers, payer (issue 20)',
    statements: [
      // Additive: every payment stored before is a card payment. The code itself is never stored.
      `ALTER TABLE payments ADD COLUMN method TEXT NOT NULL DEFAULT 'card'`,
      `ALTER TABLE payments ADD COLUMN wallet TEXT`,
      `ALTER TABLE payments ADD COLUMN payment_code_masked TEXT`,
      `ALTER TABLE payments ADD COLUMN payment_code_fingerprint TEXT`,
      `ALTER TABLE payments ADD COLUMN order_no TEXT`,
      `ALTER TABLE payments ADD COLUMN wallet_trade_no TEXT`,
      `ALTER TABLE payments ADD COLUMN payer_fingerprint TEXT`,
      // One sale per order number: a wallet answer about an order names exactly one payment.
      `CREATE UNIQUE INDEX payments_order_no ON payments (order_no) WHERE order_no IS NOT NULL`,
      // The QR duplicate guard: the same payer, amount and terminal within the window.
      `CREATE INDEX payments_recent_payers ON payments (merchant_id, terminal_id, payer_fingerprint, amount, created_at, id) WHERE payer_fingerprint IS NOT NULL`,
      // A terminal's QR sale still unresolved (one at most): tiny, written only on entering or leaving it.
      `CREATE INDEX payments_pending_qr ON payments (merchant_id, terminal_id) WHERE status = 'pending' AND method = 'qr'`,
    ],
  },
  {
    id: 8,
    name: "terminals' status reports, raw and folded per hour (issue 14)",
    statements: [
      // One row per report as it came: the key is the terminal's report id, so a repeat is known.
      // Kept for 7 days, then folded into telemetry_hours (src/diagnostics/compact-telemetry.ts).
      `CREATE TABLE telemetry_reports (
        merchant_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        report_id TEXT NOT NULL,
        at BIGINT NOT NULL,
        received_at BIGINT NOT NULL,
        channel TEXT NOT NULL,
        software_version TEXT NOT NULL,
        firmware_version TEXT NOT NULL,
        reader_errors BIGINT NOT NULL,
        double_reads_suppressed BIGINT NOT NULL,
        paper_out BIGINT NOT NULL,
        printer_head_errors BIGINT NOT NULL,
        reboots BIGINT NOT NULL,
        crashes BIGINT NOT NULL,
        network_type TEXT NOT NULL,
        carrier TEXT,
        signal_dbm BIGINT,
        offline_periods BIGINT NOT NULL,
        offline_seconds BIGINT NOT NULL,
        battery_percent BIGINT,
        PRIMARY KEY (merchant_id, terminal_id, report_id)
      )`,
      // Reading a period per terminal (the diagnosis), and the compaction's oldest-first scan.
      `CREATE INDEX telemetry_reports_by_time ON telemetry_reports (merchant_id, terminal_id, at, report_id)`,
      `CREATE INDEX telemetry_reports_by_at ON telemetry_reports (at)`,
      // The daily cap counts a terminal's reports received today.
      `CREATE INDEX telemetry_reports_by_arrival ON telemetry_reports (merchant_id, terminal_id, received_at)`,
      `CREATE TABLE telemetry_hours (
        merchant_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        hour_start BIGINT NOT NULL,
        reports BIGINT NOT NULL,
        first_at BIGINT NOT NULL,
        last_at BIGINT NOT NULL,
        software_version TEXT NOT NULL,
        firmware_version TEXT NOT NULL,
        network_type TEXT NOT NULL,
        carrier TEXT,
        reader_errors BIGINT NOT NULL,
        double_reads_suppressed BIGINT NOT NULL,
        paper_out BIGINT NOT NULL,
        printer_head_errors BIGINT NOT NULL,
        reboots BIGINT NOT NULL,
        crashes BIGINT NOT NULL,
        offline_periods BIGINT NOT NULL,
        offline_seconds BIGINT NOT NULL,
        signal_reports BIGINT NOT NULL,
        signal_dbm_sum BIGINT NOT NULL,
        signal_dbm_min BIGINT,
        signal_dbm_max BIGINT,
        battery_min BIGINT,
        battery_max BIGINT,
        PRIMARY KEY (merchant_id, terminal_id, hour_start)
      )`,
      `CREATE INDEX telemetry_hours_by_start ON telemetry_hours (hour_start)`,
    ],
  },
  {
    id: 9,
    name: 'QR codes the terminal shows: the flow, the code to show and when its order expires (issue 20)',
    statements: [
      // Additive: a QR sale stored before is a scanned code (NULL reads as 'scanned'); card rows stay NULL.
      `ALTER TABLE payments ADD COLUMN qr_flow TEXT`,
      `ALTER TABLE payments ADD COLUMN qr_content TEXT`,
      `ALTER TABLE payments ADD COLUMN qr_expires_at BIGINT`,
      // The expiry sweep: open shown codes by expiry, tiny (written on entering or leaving pending).
      `CREATE INDEX payments_shown_expiry ON payments (qr_expires_at, id) WHERE status = 'pending' AND qr_flow = 'shown'`,
    ],
  },
  {
    id: 10,
    name: 'fleet diagnosis: the journal events it reads by time, and operations API keys (issue 14)',
    statements: [
      // The few journal events the diagnosis reads for a period (retransmissions, answers after
      // the timeout): a partial index, tiny and written only when such an event is appended.
      `CREATE INDEX journal_diagnosis_events ON journal (at, chain, seq) WHERE ${diagnosisEventsSql}`,
      // Keys of the acquirer's operations staff, who see the whole fleet's diagnosis: only the
      // SHA-256 of each key is kept, as for merchants' keys. A revoked key keeps its row.
      `CREATE TABLE operations_keys (
        id TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT
      )`,
    ],
  },
  {
    id: 11,
    name: "voids and refunds of QR sales carry their sale's order number: it is unique among sales (issue 20)",
    statements: [
      // A void or refund of a QR sale names its sale's order at the wallet (and a refund number of
      // its own, derived from its key): the order number stays unique among sales, where a wallet's
      // answer or notification about an order finds exactly one payment.
      `DROP INDEX payments_order_no`,
      `CREATE UNIQUE INDEX payments_order_no ON payments (order_no) WHERE order_no IS NOT NULL AND kind = 'sale'`,
    ],
  },
  {
    id: 12,
    name: "a payment's journal rows by payment, for the dashboard's history and evidence pack (issue 15)",
    statements: [`CREATE INDEX journal_by_payment ON journal (payment_id, at)`],
  },
  {
    id: 13,
    name: "the dashboard's users: a merchant's users and their scrypt password hashes (issue 15)",
    statements: [
      `CREATE TABLE dashboard_users (
        merchant_id TEXT NOT NULL REFERENCES merchants (id),
        username TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (merchant_id, username)
      )`,
    ],
  },
  {
    id: 14,
    name: "a dashboard user's creating Idempotency-Key (a retry is answered alike) and when it was disabled (issue 15)",
    statements: [
      `ALTER TABLE dashboard_users ADD COLUMN idempotency_key TEXT`,
      `ALTER TABLE dashboard_users ADD COLUMN disabled_at BIGINT`,
      `CREATE UNIQUE INDEX dashboard_users_by_key ON dashboard_users (merchant_id, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    ],
  },
  {
    id: 15,
    name: "a payment's original and batch indexed only where it has one: a card sale over HTTP writes 7 index entries, not 9 (issue 16)",
    statements: [
      // Every query of these indexes asks for one original or one batch (`original_id = ?`,
      // `batch_no = ?`), which both databases read from a partial index; a sale has no original,
      // and a payment over HTTP no batch, so neither writes an entry any query could find.
      `DROP INDEX payments_by_original`,
      `CREATE INDEX payments_by_original ON payments (original_id) WHERE original_id IS NOT NULL`,
      `DROP INDEX payments_by_terminal_batch`,
      `CREATE INDEX payments_by_terminal_batch ON payments (merchant_id, terminal_id, batch_no) WHERE batch_no IS NOT NULL`,
    ],
  },
];

async function appliedIds(connection: SqlConnection): Promise<Set<number>> {
  await connection.run(
    'CREATE TABLE IF NOT EXISTS schema_migrations (id BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
  );
  const rows = await connection.all<{ id: number }>('SELECT id FROM schema_migrations');
  return new Set(rows.map((r) => Number(r.id)));
}

/**
 * Whether the database already holds a posguard store (its migrations table). Commands that read
 * or extend a store check it first, so a wrong path or schema is refused, not filled with tables.
 */
export async function holdsPosguardStore(driver: SqlDriver): Promise<boolean> {
  return driver.transaction('read', async (connection) => {
    const row =
      driver.dialect === 'postgres'
        ? await connection.get<{ found: unknown }>("SELECT to_regclass('schema_migrations') AS found")
        : await connection.get<{ found: unknown }>(
            "SELECT name AS found FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
          );
    return row !== undefined && row.found !== null;
  });
}

/** The refusal of a SQLite path with no file, for commands that must not create a store. */
export function storeNotFound(path: string): PosError {
  return new PosError(
    'POS_ERR_STORE_NOT_FOUND',
    `no SQLite database at ${JSON.stringify(path)}: check --db (or POSGUARD_DB); \`posguard serve\` and \`posguard merchant add\` create one`,
    { details: { path } },
  );
}

/** The refusal of a database that `holdsPosguardStore` says is not a store. */
export function notAStore(where: string): PosError {
  return new PosError(
    'POS_ERR_STORE_NOT_POSGUARD',
    `${where} holds no posguard store (no schema_migrations table): check --db or --database-url; \`posguard serve\` and \`posguard merchant add\` create one`,
    { details: { where } },
  );
}

/** Applies every migration not applied yet; returns the ids it applied. */
export async function migrate(driver: SqlDriver, now: number): Promise<number[]> {
  return driver.transaction('write', async (connection) => {
    if (driver.dialect === 'postgres') {
      // Two hosts starting together: the second waits here, then finds the work done.
      await connection.run('SELECT pg_advisory_xact_lock(8583001)');
    }
    const applied = await appliedIds(connection);
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.id)) continue;
      const own = driver.dialect === 'postgres' ? (migration.postgres ?? []) : [];
      for (const statement of [...migration.statements, ...own]) await connection.run(statement);
      await connection.run('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)', [
        migration.id,
        migration.name,
        now,
      ]);
      done.push(migration.id);
    }
    return done;
  });
}
