// The SQLite driver: one better-sqlite3 connection in WAL mode with synchronous=FULL, so a commit
// is on disk before any answer that depends on it is sent. better-sqlite3 is synchronous and the
// store port is async, so transactions are queued and run one after another; transactions queued
// while one runs are committed together (group commit), each inside its own SAVEPOINT so one that
// fails rolls back alone. A caller's promise settles only after the COMMIT that holds its work.
import Database from 'better-sqlite3';
import { PosError } from '../../pos-error.js';
import type { SqlConnection, SqlDriver, SqlValue } from '../sql/sql-driver.js';

/** The most transactions one COMMIT carries. */
const maxGroupSize = 256;

interface Job {
  readonly mode: 'write' | 'read';
  readonly fn: (connection: SqlConnection) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite';
  readonly forUpdate = '';
  readonly forUpdateSkipLocked = '';
  readonly cacheJournalHeads = true;
  // Write transactions are serial here, so a counter row costs nothing.
  readonly nextRrnSql = "UPDATE counters SET value = value + 1 WHERE name = 'rrn' RETURNING value";
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #queue: Job[] = [];
  #draining = false;
  #scheduled = false;
  #closed = false;
  readonly #connection: SqlConnection;

  readonly #groupOnNextTurn: boolean;
  readonly #copyOnClose: string | undefined;

  /**
   * `groupOnNextTurn` (the default) waits one event-loop turn before committing, so transactions
   * arriving together share a COMMIT. The simulator turns it off: its in-memory database has no
   * fsync to share, and its virtual time needs every transaction settled within the turn.
   * `copyOnClose` names a new file the database is written to as it closes (`VACUUM INTO`): the
   * simulator runs its day in memory and keeps the store for `posguard diagnose` this way.
   */
  constructor(path: string, options: { groupOnNextTurn?: boolean; copyOnClose?: string } = {}) {
    this.#groupOnNextTurn = options.groupOnNextTurn ?? true;
    this.#copyOnClose = options.copyOnClose;
    try {
      this.#db = new Database(path, { timeout: 5000 });
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = FULL');
      this.#db.pragma('foreign_keys = ON');
    } catch (error) {
      throw new PosError(
        'POS_ERR_STORE_OPEN_FAILED',
        `cannot open the SQLite database ${JSON.stringify(path)}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error, details: { path } },
      );
    }
    const prepare = (sql: string): Database.Statement => {
      let statement = this.#statements.get(sql);
      if (statement === undefined) {
        statement = this.#db.prepare(sql);
        this.#statements.set(sql, statement);
      }
      return statement;
    };
    this.#connection = {
      all: <Row>(sql: string, params: readonly SqlValue[] = []) =>
        Promise.resolve(prepare(sql).all(...params) as Row[]),
      get: <Row>(sql: string, params: readonly SqlValue[] = []) => {
        const statement = prepare(sql);
        return Promise.resolve((statement.reader ? statement.get(...params) : undefined) as Row | undefined);
      },
      run: (sql: string, params: readonly SqlValue[] = []) => {
        const statement = prepare(sql);
        if (statement.reader) {
          statement.all(...params);
          return Promise.resolve({ changes: 0 });
        }
        return Promise.resolve({ changes: statement.run(...params).changes });
      },
    };
  }

  readonly #controls = new Map<string, Database.Statement>();

  /** Runs BEGIN, COMMIT, SAVEPOINT... as prepared statements: parsed once, not on every transaction. */
  #control(sql: string): void {
    let statement = this.#controls.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#controls.set(sql, statement);
    }
    statement.run();
  }

  transaction<T>(mode: 'write' | 'read', fn: (connection: SqlConnection) => Promise<T>): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new PosError('POS_ERR_STORE_CLOSED', 'the store is closed'));
    }
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ mode, fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#groupOnNextTurn) {
        if (!this.#draining) void this.#drain();
      } else if (!this.#draining && !this.#scheduled) {
        // Start on the next turn of the event loop, not now: the requests whose I/O arrived in
        // this turn queue their transactions first, and one COMMIT (one fsync) carries them all.
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          if (!this.#draining) void this.#drain();
        });
      }
    });
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        // Reads first (they are cheap and need no fsync), then every queued write in one group,
        // so a read arriving between writes never splits a group commit in two.
        const jobs = this.#queue.splice(0, this.#queue.length);
        const writes: Job[] = [];
        for (const job of jobs) {
          if (job.mode === 'read') await this.#runRead(job);
          else writes.push(job);
        }
        for (let start = 0; start < writes.length; start += maxGroupSize) {
          await this.#runWrites(writes.slice(start, start + maxGroupSize));
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  async #runRead(job: Job): Promise<void> {
    try {
      this.#control('BEGIN');
      const value = await job.fn(this.#connection);
      this.#control('COMMIT');
      job.resolve(value);
    } catch (error) {
      if (this.#db.inTransaction) this.#control('ROLLBACK');
      job.reject(error);
    }
  }

  async #runWrites(group: readonly Job[]): Promise<void> {
    const outcomes: Outcome[] = [];
    try {
      this.#control('BEGIN IMMEDIATE');
    } catch (error) {
      for (const job of group) job.reject(storeUnavailable(error));
      return;
    }
    // A lone job needs no savepoint: if it fails, the whole transaction is rolled back instead.
    const alone = group.length === 1;
    for (const job of group) {
      if (!alone) this.#control('SAVEPOINT job');
      try {
        const value = await job.fn(this.#connection);
        if (!alone) this.#control('RELEASE job');
        outcomes.push({ ok: true, value });
      } catch (error) {
        if (!this.#db.inTransaction) {
          // SQLite itself rolled the whole transaction back (disk full, I/O error): nothing of
          // this group is stored, so every job in it fails.
          for (const other of group) other.reject(other === job ? error : storeUnavailable(error));
          return;
        }
        if (alone) {
          this.#control('ROLLBACK');
          job.reject(error);
          return;
        }
        this.#control('ROLLBACK TO job');
        this.#control('RELEASE job');
        outcomes.push({ ok: false, error });
      }
    }
    try {
      this.#control('COMMIT');
    } catch (error) {
      if (this.#db.inTransaction) this.#control('ROLLBACK');
      for (const job of group) job.reject(storeUnavailable(error));
      return;
    }
    group.forEach((job, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok === true) job.resolve(outcome.value);
      else job.reject(outcome?.error);
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise<void>((resolve, reject) => {
      const finish = (): void => {
        if (this.#draining || this.#queue.length > 0) {
          setImmediate(finish);
          return;
        }
        try {
          if (this.#copyOnClose !== undefined) this.#db.prepare('VACUUM INTO ?').run(this.#copyOnClose);
        } catch (error) {
          reject(
            new PosError(
              'POS_ERR_STORE_OPEN_FAILED',
              `cannot write the SQLite database to ${JSON.stringify(this.#copyOnClose)}: ${error instanceof Error ? error.message : String(error)}`,
              { cause: error, details: { path: this.#copyOnClose } },
            ),
          );
          return;
        } finally {
          this.#db.close();
        }
        resolve();
      };
      finish();
    });
  }
}

function storeUnavailable(error: unknown): PosError {
  return new PosError(
    'POS_ERR_STORE_UNAVAILABLE',
    `the SQLite database refused the write: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );
}
