// The slice of a SQL database driver the store uses: parameterised statements (written with `?`
// placeholders; the PostgreSQL driver renumbers them) run inside a transaction on one connection.
// Each adapter (sqlite/, postgres/) implements this and nothing more.

export type SqlValue = string | number | null;

export interface SqlConnection {
  all<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  get<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /**
   * A write whose result nobody reads. A driver may send it later, together with the next
   * statement or the commit, instead of waiting a round trip for it now; if it fails, that next
   * statement or the commit fails with its error and the transaction rolls back as a whole.
   * Drivers without it run the statement at once (see `write`).
   */
  write?(sql: string, params?: readonly SqlValue[]): Promise<void>;
}

/** Runs a write whose result nobody reads, sent later where the driver can (SqlConnection.write). */
export async function write(s: SqlSession, sql: string, params?: readonly SqlValue[]): Promise<void> {
  if (s.db.write !== undefined) return s.db.write(sql, params);
  await s.db.run(sql, params);
}

export interface SqlDriver {
  readonly dialect: 'sqlite' | 'postgres';
  /** `FOR UPDATE` where the database has row locks; empty where transactions are serial. */
  readonly forUpdate: string;
  /** `FOR UPDATE SKIP LOCKED` where the database has row locks; empty where transactions are serial. */
  readonly forUpdateSkipLocked: string;
  /**
   * Whether the store may remember the journal heads it wrote last and move them with one
   * compare-and-set: worth it where one process does nearly all the writing (SQLite), not where
   * several hosts take turns on every chain (PostgreSQL), since a stale guess costs a statement.
   */
  readonly cacheJournalHeads: boolean;
  /**
   * A statement returning the next RRN counter values as `value`, one row or a block of them,
   * never the same one twice (see RrnSupply).
   */
  readonly nextRrnSql: string;
  transaction<T>(mode: 'write' | 'read', fn: (connection: SqlConnection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** One transaction's connection with the facts about its database the statements need. */
export interface SqlSession {
  readonly db: SqlConnection;
  readonly driver: SqlDriver;
}

/** `?, ?, ?` for a list of `count` bound values. */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}
