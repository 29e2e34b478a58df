// The SQLite driver: one better-sqlite3 connection in WAL mode, and a commit is on disk before any
// answer that depends on it is sent. better-sqlite3 is synchronous and the store port is async, so
// transactions are queued and run one after another; transactions queued while one runs are
// committed together (group commit), each inside its own SAVEPOINT so one that fails rolls back
// alone. On a file, the flush to disk is not SQLite's (synchronous=NORMAL: COMMIT writes the WAL
// without an fsync) but this driver's: an fdatasync of the WAL on libuv's thread pool, so the event
// loop keeps running the next group while the disk works, and one flush carries every group
// committed since the last one. A caller's promise settles only once a flush that began after its
// COMMIT (or, for a read, after the commits it could see) has returned: the same promise as
// synchronous=FULL, without the event loop waiting on the disk (docs/decisions.md, "Throughput").
import Database from 'better-sqlite3';
import { close, fdatasync, fsync, open } from 'node:fs';
import { dirname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { PosError } from '../../pos-error.js';
import { startWorker } from '../../start-worker.js';
import type { SqlConnection, SqlDriver, SqlValue } from '../sql/sql-driver.js';
import type { CheckpointFailure, CheckpointJob, CheckpointRequest } from './sqlite-checkpoint-worker.js';

/** The most transactions one COMMIT carries. */
const maxGroupSize = 256;

interface Job {
  readonly mode: 'write' | 'read';
  readonly fn: (connection: SqlConnection) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * When the checkpointer thread starts (after this many flushes: a store that is only opened, read
 * and closed never starts one) and how often it checkpoints while commits keep coming.
 */
export interface CheckpointerTiming {
  readonly afterFlushes: number;
  readonly intervalMs: number;
}

const defaultCheckpointer: CheckpointerTiming = { afterFlushes: 64, intervalMs: 100 };

/**
 * WAL pages past which this connection checkpoints by itself (SQLite's default is 1000), once the
 * checkpointer thread runs: only when the thread falls behind, so the WAL stays bounded whatever.
 */
const fallbackCheckpointPages = 8000;

/** A job that has run and committed, waiting for its commit to be on disk before it settles. */
interface Done {
  readonly job: Job;
  readonly outcome: Outcome;
}

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
  /** The WAL file this driver flushes itself; null in memory, where there is no disk to wait for. */
  readonly #walPath: string | null;
  #walFd: number | null = null;
  /** Committed, not yet flushed: settled by the next flush. */
  #unflushed: Done[] = [];
  /** Settled by the flush running now (it began after their commits). */
  #flushing: Done[] | null = null;
  /** Set when a flush failed: what reached the disk is unknown, so no more work is taken. */
  #broken: PosError | null = null;
  readonly #checkpointTiming: CheckpointerTiming;
  #flushes = 0;
  #nudgedAt = -Infinity;
  /** The thread that copies the WAL back into the database, off the event loop (see #nudgeCheckpointer). */
  #checkpointer: { worker: Worker; exited: Promise<void> } | null = null;

  /**
   * `groupOnNextTurn` (the default) waits one event-loop turn before committing, so transactions
   * arriving together share a COMMIT. The simulator turns it off: its in-memory database has no
   * fsync to share, and its virtual time needs every transaction settled within the turn.
   * `copyOnClose` names a new file the database is written to as it closes (`VACUUM INTO`): the
   * simulator runs its day in memory and keeps the store for `posguard diagnose` this way.
   */
  constructor(
    path: string,
    options: { groupOnNextTurn?: boolean; copyOnClose?: string; checkpointer?: CheckpointerTiming } = {},
  ) {
    this.#groupOnNextTurn = options.groupOnNextTurn ?? true;
    this.#copyOnClose = options.copyOnClose;
    this.#checkpointTiming = options.checkpointer ?? defaultCheckpointer;
    this.#walPath = path === ':memory:' || path === '' ? null : `${path}-wal`;
    try {
      this.#db = new Database(path, { timeout: 5000 });
      this.#db.pragma('journal_mode = WAL');
      // On a file, COMMIT writes the WAL and this driver flushes it (#flush); a checkpoint still
      // syncs the WAL before it and the database after it, as NORMAL does.
      this.#db.pragma(this.#walPath === null ? 'synchronous = FULL' : 'synchronous = NORMAL');
      this.#db.pragma('foreign_keys = ON');
      // Each job of a group runs in a SAVEPOINT, whose undo copies (the statement journal) would
      // otherwise go to a temporary file: a write() per page a job touches. Memory holds them
      // until RELEASE, a group's worth at most.
      this.#db.pragma('temp_store = MEMORY');
    } catch (error) {
      throw new PosError(
        'POS_ERR_STORE_OPEN_FAILED',
        `cannot open the SQLite database ${JSON.stringify(path)}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error, details: { path } },
      );
    }
    this.#connection = this.#makeConnection();
  }

  #makeConnection(): SqlConnection {
    const prepare = (sql: string): Database.Statement => {
      let statement = this.#statements.get(sql);
      if (statement === undefined) {
        statement = this.#db.prepare(sql);
        this.#statements.set(sql, statement);
      }
      return statement;
    };
    return {
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
    if (this.#broken !== null) return Promise.reject(this.#broken);
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ mode, fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#groupOnNextTurn) {
        if (!this.#draining) void this.#drain();
      } else if (!this.#draining && !this.#scheduled) {
        // Start on the next turn of the event loop, not now: the requests whose I/O arrived in
        // this turn queue their transactions first, and one COMMIT carries them all.
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
        if (this.#broken !== null) {
          for (const job of jobs) job.reject(this.#broken);
          continue;
        }
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
    let outcome: Outcome;
    try {
      this.#control('BEGIN');
      const value = await job.fn(this.#connection);
      this.#control('COMMIT');
      outcome = { ok: true, value };
    } catch (error) {
      if (this.#db.inTransaction) this.#control('ROLLBACK');
      outcome = { ok: false, error };
    }
    this.#afterSeen({ job, outcome });
  }

  async #runWrites(group: readonly Job[]): Promise<void> {
    const done: Done[] = [];
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
        done.push({ job, outcome: { ok: true, value } });
      } catch (error) {
        if (!this.#db.inTransaction) {
          // SQLite itself rolled the whole transaction back (disk full, I/O error): nothing of
          // this group is stored, so every job in it fails.
          for (const other of group) other.reject(other === job ? error : storeUnavailable(error));
          return;
        }
        if (alone) {
          this.#control('ROLLBACK');
          this.#afterSeen({ job, outcome: { ok: false, error } });
          return;
        }
        this.#control('ROLLBACK TO job');
        this.#control('RELEASE job');
        done.push({ job, outcome: { ok: false, error } });
      }
    }
    try {
      this.#control('COMMIT');
    } catch (error) {
      if (this.#db.inTransaction) this.#control('ROLLBACK');
      for (const job of group) job.reject(storeUnavailable(error));
      return;
    }
    this.#afterCommit(done);
  }

  /** Settles a group once its COMMIT is on disk: at once in memory, after a flush on a file. */
  #afterCommit(done: readonly Done[]): void {
    if (this.#walPath === null) {
      for (const one of done) settle(one);
    } else if (this.#broken !== null) {
      for (const one of done) one.job.reject(this.#broken);
    } else {
      this.#unflushed.push(...done);
      if (this.#flushing === null) this.#flush();
    }
  }

  /**
   * Settles a job that committed nothing (a read, a lone job rolled back) once the commits it may
   * have seen are on disk: at once when none is still on its way, else with the flush that holds them.
   */
  #afterSeen(done: Done): void {
    if (this.#flushing === null) settle(done);
    else if (this.#unflushed.length > 0) this.#unflushed.push(done);
    else this.#flushing.push(done);
  }

  /**
   * One fdatasync of the WAL for everything committed before it began; what commits meanwhile waits
   * for the next. A failed flush leaves the disk in doubt (Linux may drop the pages it could not
   * write and report success next time), so the driver refuses all further work, as PostgreSQL
   * stops on a failed fsync; a restart reads what the disk really holds.
   */
  #flush(): void {
    const batch = this.#unflushed;
    this.#unflushed = [];
    this.#flushing = batch;
    this.#syncWal((error) => {
      this.#flushing = null;
      if (error !== null) {
        this.#broken ??= new PosError(
          'POS_ERR_STORE_NOT_DURABLE',
          `the SQLite database could not flush its write-ahead log to disk (${error.message}); restart the host`,
          { cause: error },
        );
        for (const one of [...batch, ...this.#unflushed]) one.job.reject(this.#broken);
        this.#unflushed = [];
        return;
      }
      for (const one of batch) settle(one);
      this.#nudgeCheckpointer();
      if (this.#unflushed.length > 0) this.#flush();
    });
  }

  /**
   * Tells the checkpointer thread a commit reached the disk, starting it on the flush that makes
   * it worth a thread. SQLite would otherwise checkpoint on this connection every 1000 WAL pages,
   * inside a COMMIT: copying pages and two fsyncs on the event loop, about a tenth of its time
   * under the HTTP benchmark. Should the thread fail, this connection takes the work back.
   */
  #nudgeCheckpointer(): void {
    this.#flushes += 1;
    if (this.#checkpointer === null && this.#flushes === this.#checkpointTiming.afterFlushes) {
      this.#startCheckpointer();
    }
    // One message per interval is enough (it only says a checkpoint is due): a postMessage per
    // flush cost about 1% of the event loop.
    const now = performance.now();
    if (this.#checkpointer === null || now - this.#nudgedAt < this.#checkpointTiming.intervalMs / 2) return;
    this.#nudgedAt = now;
    this.#checkpointer.worker.postMessage('committed' satisfies CheckpointRequest);
  }

  #startCheckpointer(): void {
    const job: CheckpointJob = { path: this.#db.name, intervalMs: this.#checkpointTiming.intervalMs };
    const worker = startWorker(import.meta.url, 'sqlite-checkpoint-worker', job);
    worker.unref();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    this.#checkpointer = { worker, exited };
    const giveBack = (): void => {
      if (this.#checkpointer?.worker !== worker) return;
      this.#checkpointer = null;
      if (this.#db.open) this.#db.pragma('wal_autocheckpoint = 1000');
      void worker.terminate();
    };
    worker.on('message', (message: CheckpointFailure) => {
      if (typeof message.failed === 'string') giveBack();
    });
    worker.on('error', giveBack);
    worker.on('exit', giveBack);
    this.#db.pragma(`wal_autocheckpoint = ${fallbackCheckpointPages}`);
  }

  async #stopCheckpointer(): Promise<void> {
    const checkpointer = this.#checkpointer;
    if (checkpointer === null) return;
    this.#checkpointer = null;
    // Held (ref) until it has closed its connection, so a process ending with close() waits for it.
    checkpointer.worker.ref();
    checkpointer.worker.postMessage('close' satisfies CheckpointRequest);
    await checkpointer.exited;
  }

  /** fdatasync of the WAL, opened on the first flush (its folder synced once, for the new file's name). */
  #syncWal(done: (error: NodeJS.ErrnoException | null) => void): void {
    const walPath = this.#walPath ?? '';
    if (this.#walFd !== null) {
      fdatasync(this.#walFd, done);
      return;
    }
    open(walPath, 'r+', (openError, fd) => {
      if (openError !== null) {
        done(openError);
        return;
      }
      this.#walFd = fd;
      open(dirname(walPath), 'r', (dirError, dirFd) => {
        if (dirError !== null) {
          done(dirError);
          return;
        }
        fsync(dirFd, (syncError) => {
          close(dirFd, () => {
            if (syncError !== null) done(syncError);
            else fdatasync(fd, done);
          });
        });
      });
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise<void>((resolve, reject) => {
      const finish = (): void => {
        if (this.#draining || this.#queue.length > 0 || this.#flushing !== null) {
          setImmediate(finish);
          return;
        }
        void this.#stopCheckpointer().then(() => {
          if (this.#walFd !== null) close(this.#walFd, () => undefined);
          this.#walFd = null;
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
        });
      };
      finish();
    });
  }
}

function settle({ job, outcome }: Done): void {
  if (outcome.ok) job.resolve(outcome.value);
  else job.reject(outcome.error);
}

function storeUnavailable(error: unknown): PosError {
  return new PosError(
    'POS_ERR_STORE_UNAVAILABLE',
    `the SQLite database refused the write: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );
}
