// A durable issuer ledger in its own SQLite file, for `posguard serve` with the simulated issuer:
// the issuer is another party, so its books survive a host crash the way a real issuer's would.
// The postings of one event-loop turn share a transaction, committed on the next turn: a COMMIT
// per posting cost about 5% of the host's event loop on the HTTP path. The issuer answers a call
// only once `committed()` settles, so no answer leaves it before its posting is in the WAL (which
// is what survives the process being killed, synchronous=NORMAL); a posting that dies uncommitted
// was never answered, the same as a request the issuer never received.
import Database from 'better-sqlite3';
import type { PaymentKind } from '../payments/payment.js';
import type { IssuerLedger, LedgerEntry, LedgerState } from './issuer-ledger.js';

interface EntryRow {
  rrn: string;
  kind: string;
  card_id: string | null;
  original_rrn: string | null;
  amount: number;
  state: string;
  postings: number;
  auth_code: string | null;
  response_code: string;
  merchant_id: string;
  terminal_id: string;
  at: number;
}

function toEntry(row: EntryRow): LedgerEntry {
  return {
    rrn: row.rrn,
    kind: row.kind as PaymentKind,
    cardId: row.card_id,
    originalRrn: row.original_rrn,
    amount: row.amount,
    state: row.state as LedgerState,
    postings: row.postings,
    authCode: row.auth_code,
    responseCode: row.response_code,
    merchantId: row.merchant_id,
    terminalId: row.terminal_id,
    at: row.at,
  };
}

/** The postings of the open transaction: settled by its COMMIT. */
interface OpenBatch {
  readonly committed: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class SqliteIssuerLedger implements IssuerLedger {
  readonly #db: Database.Database;
  readonly #get: Database.Statement<[string], EntryRow>;
  readonly #put: Database.Statement;
  #batch: OpenBatch | null = null;
  readonly #controls = new Map<string, Database.Statement>();

  constructor(path: string, options: { readonly?: boolean } = {}) {
    this.#db = new Database(path, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
    if (options.readonly !== true) {
      this.#db.pragma('journal_mode = WAL');
      // The simulated issuer stands for another party: its books must survive the host process
      // being killed (WAL with synchronous=NORMAL does), not a power cut of the machine, so it does
      // not pay an fsync per posting on the host's event loop.
      this.#db.pragma('synchronous = NORMAL');
      this.#db.exec(`CREATE TABLE IF NOT EXISTS ledger (
        rrn TEXT PRIMARY KEY, kind TEXT NOT NULL, card_id TEXT, original_rrn TEXT, amount INTEGER NOT NULL,
        state TEXT NOT NULL, postings INTEGER NOT NULL, auth_code TEXT, response_code TEXT NOT NULL,
        merchant_id TEXT NOT NULL, terminal_id TEXT NOT NULL, at INTEGER NOT NULL)`);
    }
    this.#get = this.#db.prepare<[string], EntryRow>('SELECT * FROM ledger WHERE rrn = ?');
    this.#put =
      options.readonly === true
        ? this.#db.prepare('SELECT 1')
        : this.#db.prepare(
            `INSERT INTO ledger (rrn, kind, card_id, original_rrn, amount, state, postings, auth_code, response_code,
             merchant_id, terminal_id, at)
           VALUES (@rrn, @kind, @cardId, @originalRrn, @amount, @state, @postings, @authCode, @responseCode,
             @merchantId, @terminalId, @at)
           ON CONFLICT (rrn) DO UPDATE SET state = excluded.state, postings = excluded.postings,
             auth_code = excluded.auth_code, response_code = excluded.response_code, at = excluded.at`,
          );
  }

  get(rrn: string): LedgerEntry | undefined {
    const row = this.#get.get(rrn);
    return row && toEntry(row);
  }

  put(entry: LedgerEntry): void {
    if (this.#batch === null) {
      this.#control('BEGIN IMMEDIATE');
      let resolve = (): void => undefined;
      let reject = (_error: unknown): void => undefined;
      const committed = new Promise<void>((ok, fail) => {
        resolve = ok;
        reject = fail;
      });
      // A failed COMMIT rejects whoever awaits `committed()`; nobody else must see it as unhandled.
      committed.catch(() => undefined);
      this.#batch = { committed, resolve, reject };
      setImmediate(() => this.#commit());
    }
    this.#put.run(entry);
  }

  committed(): Promise<void> {
    return this.#batch?.committed ?? Promise.resolve();
  }

  /** BEGIN, COMMIT, ROLLBACK as statements prepared once. */
  #control(sql: string): void {
    let statement = this.#controls.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#controls.set(sql, statement);
    }
    statement.run();
  }

  #commit(): void {
    const batch = this.#batch;
    if (batch === null) return;
    this.#batch = null;
    try {
      this.#control('COMMIT');
      batch.resolve();
    } catch (error) {
      if (this.#db.inTransaction) this.#control('ROLLBACK');
      batch.reject(error);
    }
  }

  *entries(): Iterable<LedgerEntry> {
    for (const row of this.#db.prepare<[], EntryRow>('SELECT * FROM ledger ORDER BY rrn').iterate()) {
      yield toEntry(row);
    }
  }

  close(): void {
    this.#commit();
    this.#db.close();
  }
}
