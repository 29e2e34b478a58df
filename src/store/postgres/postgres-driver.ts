// The PostgreSQL driver (node-postgres). Transactions run on one pooled connection at READ
// COMMITTED; what must be exclusive is made so by the database itself: unique constraints (keys,
// RRNs), row locks (`FOR UPDATE` on the terminal, the payment, the journal head) and
// `FOR UPDATE SKIP LOCKED` for the reversal queue. A transaction that hits a serialization failure
// or a deadlock is run again from the start (at most `maxAttempts` times). A lost connection or a
// database that is away becomes POS_ERR_STORE_UNAVAILABLE (HTTP 503); the pool reconnects by itself
// when the database is back. Statements are pipelined (see Pipeline): a payment's transaction costs
// a round trip per answer it waits for, not per statement (docs/decisions.md, "Throughput on
// PostgreSQL").
import pg from 'pg';
import { PosError } from '../../pos-error.js';
import type { SqlConnection, SqlDriver, SqlValue } from '../sql/sql-driver.js';

const maxAttempts = 5;

/** SQLSTATEs worth a retry: serialization_failure, deadlock_detected. */
const retryable = new Set(['40001', '40P01']);

export interface PostgresOptions {
  readonly url: string;
  /** A schema of its own (created if missing), e.g. for tests or several hosts' sets on one database. */
  readonly schema?: string;
  readonly poolSize?: number;
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300')
      return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(code))
      return true;
  }
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed/i.test(
    message,
  );
}

export function storeUnavailable(error: unknown): PosError {
  return new PosError(
    'POS_ERR_STORE_UNAVAILABLE',
    `the PostgreSQL database is unavailable: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );
}

/** Turns `?` placeholders into `$1, $2, ...` (posguard's SQL never has `?` inside a literal). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${(n += 1)}`);
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres';
  readonly forUpdate = 'FOR UPDATE';
  readonly forUpdateSkipLocked = 'FOR UPDATE SKIP LOCKED';
  readonly cacheJournalHeads = false;
  // A sequence never holds a lock until commit, so hosts never queue behind each other for RRNs;
  // a block of 32 at a time saves the round trip on most payments (see RrnSupply).
  readonly nextRrnSql = "SELECT nextval('rrn_seq') AS value FROM generate_series(1, 32)";
  readonly #pool: pg.Pool;
  /** Each statement's numbered text and a name, so every connection parses and plans it once. */
  readonly #sql = new Map<string, { text: string; name: string }>();
  #closed = false;

  constructor(options: PostgresOptions) {
    const schemaOption = options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` };
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 2_000,
      // A host that froze holding a lock must not hold it for ever.
      idle_in_transaction_session_timeout: 30_000,
      statement_timeout: 30_000,
      // Statements are written without waiting for the one before to be answered (see Pipeline).
      pipeline: true,
      ...schemaOption,
    });
    // An idle connection that breaks (the server restarted) is dropped by the pool; without a
    // listener that error would stop the process.
    this.#pool.on('error', () => undefined);
  }

  #prepared(sql: string): { text: string; name: string } {
    let prepared = this.#sql.get(sql);
    if (prepared === undefined) {
      prepared = { text: numbered(sql), name: `posguard_${this.#sql.size}` };
      this.#sql.set(sql, prepared);
    }
    return prepared;
  }

  async transaction<T>(mode: 'write' | 'read', fn: (connection: SqlConnection) => Promise<T>): Promise<T> {
    if (this.#closed) throw new PosError('POS_ERR_STORE_CLOSED', 'the store is closed');
    for (let attempt = 1; ; attempt += 1) {
      let client: pg.PoolClient;
      try {
        client = await this.#pool.connect();
      } catch (error) {
        throw storeUnavailable(error);
      }
      const connection = new Pipeline(client, (sql) => this.#prepared(sql), mode);
      // The server can drop a checked-out connection between two statements (a restart); the
      // client then emits 'error', which would stop the process without a listener. The next
      // statement fails, and the connection is not returned to the pool.
      const onError = (): void => {
        connection.broken = true;
      };
      client.on('error', onError);
      try {
        const value = await fn(connection);
        await connection.commit();
        return value;
      } catch (error) {
        connection.broken ||= isConnectionError(error);
        await connection.rollback();
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && retryable.has(code) && attempt < maxAttempts) continue;
        if (connection.broken) throw storeUnavailable(error);
        throw error;
      } finally {
        client.off('error', onError);
        client.release(connection.broken);
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}

type Prepare = (sql: string) => { text: string; name: string };

type Outcome = { ok: true; value: pg.QueryResult } | { ok: false; error: unknown };

/** A statement sent or to be sent, as node-postgres takes it (BEGIN and COMMIT have no name). */
type Statement = { text: string; name?: string; values?: SqlValue[] };

/**
 * One transaction's connection, pipelined: a write whose result nobody reads (`write`) and the
 * BEGIN are held back and written in one go with the next statement whose answer is awaited, or
 * with the COMMIT, so a payment's inserts and journal rows cost no round trip of their own; and
 * statements issued together (Promise.all) leave in one write. The server runs them in order as
 * always; the first one that fails is the error the caller sees (the ones behind it only report
 * that the transaction is aborted), and the transaction rolls back.
 * Reads (`mode` 'read') run statement by statement, each seeing what is committed: no BEGIN.
 */
class Pipeline implements SqlConnection {
  broken = false;
  /** Held back, not yet written. */
  readonly #held: Statement[] = [];
  /** Whether a BEGIN has been written (so a ROLLBACK is owed on failure). */
  #begun = false;
  #corked = false;
  /** Every statement written in this transaction, in order, with how it ended. */
  readonly #sent: Array<Promise<Outcome>> = [];

  constructor(
    private readonly client: pg.PoolClient,
    private readonly prepare: Prepare,
    private readonly mode: 'write' | 'read',
  ) {
    if (mode === 'write') this.#held.push({ text: 'BEGIN' });
  }

  #statement(sql: string, params: readonly SqlValue[] = []): Statement {
    return { ...this.prepare(sql), values: params as SqlValue[] };
  }

  /**
   * Holds the socket's writes until the code running now has issued what it will: statements a
   * caller starts together (Promise.all) leave in one write and cost one round trip.
   */
  #cork(): void {
    if (this.#corked) return;
    const stream = this.client.connection.stream;
    stream.cork();
    this.#corked = true;
    queueMicrotask(() => {
      this.#corked = false;
      stream.uncork();
    });
  }

  /** Writes what is held and `last`; answers `last`, or the first failure in order. */
  async #send(last: Statement): Promise<pg.QueryResult> {
    const statements = [...this.#held.splice(0), last];
    if (statements[0]?.text === 'BEGIN') this.#begun = true;
    this.#cork();
    const results = statements.map((statement) =>
      this.client.query(statement).then(
        (value): Outcome => ({ ok: true, value }),
        (error: unknown): Outcome => ({ ok: false, error }),
      ),
    );
    if (this.mode === 'write') this.#sent.push(...results);
    let answer: pg.QueryResult | undefined;
    for (const result of results) {
      const outcome = await result;
      if (!outcome.ok) throw outcome.error;
      answer = outcome.value;
    }
    return answer as pg.QueryResult;
  }

  async all<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    return (await this.#send(this.#statement(sql, params))).rows as Row[];
  }

  async get<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined> {
    return (await this.#send(this.#statement(sql, params))).rows[0] as Row | undefined;
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return { changes: (await this.#send(this.#statement(sql, params))).rowCount ?? 0 };
  }

  async write(sql: string, params?: readonly SqlValue[]): Promise<void> {
    if (this.mode === 'read') {
      await this.#send(this.#statement(sql, params));
      return;
    }
    this.#held.push(this.#statement(sql, params));
  }

  /**
   * Commits what was written; a transaction that wrote nothing sends nothing. PostgreSQL answers
   * COMMIT of a transaction a failed statement aborted with a ROLLBACK, not an error, so every
   * statement of the transaction is checked: the first failure is thrown, whoever saw it before.
   */
  async commit(): Promise<void> {
    if (this.mode === 'read' || (!this.#begun && this.#held.length <= 1)) return;
    await this.#send({ text: 'COMMIT' });
    for (const result of this.#sent) {
      const outcome = await result;
      if (!outcome.ok) throw outcome.error;
    }
  }

  async rollback(): Promise<void> {
    this.#held.length = 0;
    if (!this.#begun || this.broken) return;
    await this.client.query('ROLLBACK').catch(() => (this.broken = true));
  }
}
