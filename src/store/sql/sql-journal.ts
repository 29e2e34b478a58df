// The journal port over SQL: rows chained by hash (see payments/ports/journal-store.ts), one head
// row per chain moved in the same transaction as the row appended.
import { assert } from '../../assert.js';
import {
  chainJournalRow,
  type JournalEvent,
  type JournalHead,
  type JournalRow,
} from '../../payments/ports/journal-store.js';
import { integer, text, toJournal, type Row } from './rows.js';
import { write, type SqlSession } from './sql-driver.js';

/** The journal heads this process last wrote, by chain, when the driver caches them (see SqlDriver). */
export type JournalHeads = Map<number, JournalHead>;

export async function readJournal(
  s: SqlSession,
  chain: number,
  afterSeq: number,
  limit: number,
): Promise<JournalRow[]> {
  const rows = await s.db.all<Row>('SELECT * FROM journal WHERE chain = ? AND seq > ? ORDER BY seq LIMIT ?', [
    chain,
    afterSeq,
    limit,
  ]);
  return rows.map(toJournal);
}

/**
 * PostgreSQL appends in one statement: the head is locked, the row chained and inserted and the
 * head moved without a round trip to the host in between, so the head's lock is held from this
 * statement to the commit and no longer. The hash is the one `chainJournalRow` computes (fields
 * joined by U+001F, SHA-256 of the UTF-8 text, hex): `at` is hashed as the text it was sent as,
 * which is what `String(at)` gives. The journal contract test checks every row against it.
 */
const appendInOneStatement = `WITH old AS (SELECT chain, seq, hash FROM journal_head WHERE chain = ? FOR UPDATE),
  next AS (
    SELECT chain, seq + 1 AS seq, hash AS prev_hash,
      encode(sha256(convert_to(concat_ws(E'\\x1f', chain, seq + 1, hash, ?::text, coalesce(?::text, ''), ?::text,
        coalesce(?::text, ''), coalesce(?::text, ''), ?::text), 'UTF8')), 'hex') AS hash
    FROM old),
  moved AS (UPDATE journal_head h SET seq = next.seq, hash = next.hash FROM next WHERE h.chain = next.chain)
INSERT INTO journal (chain, seq, at, payment_id, event, from_status, to_status, data, prev_hash, hash)
SELECT chain, seq, ?, ?, ?, ?, ?, ?, prev_hash, hash FROM next`;

export async function appendJournal(
  s: SqlSession,
  heads: JournalHeads | undefined,
  event: JournalEvent,
): Promise<void> {
  if (s.driver.dialect === 'postgres') {
    // Nothing reads the row back: it is sent with the next statement or the commit (see `write`).
    const fields = [event.at, event.paymentId, event.event, event.fromStatus, event.toStatus, event.data];
    await write(s, appendInOneStatement, [event.chain, ...fields, ...fields]);
    return;
  }
  const cached = heads?.get(event.chain);
  if (heads !== undefined && cached !== undefined) {
    // The head this process wrote last: move it with one compare-and-set; if another writer
    // moved it since (or the transaction that wrote it rolled back), fall through and read it.
    const row = chainJournalRow(cached, event);
    const moved = await s.db.run(
      'UPDATE journal_head SET seq = ?, hash = ? WHERE chain = ? AND seq = ? AND hash = ?',
      [row.seq, row.hash, row.chain, cached.seq, cached.hash],
    );
    if (moved.changes === 1) {
      await insertJournalRow(s, row);
      heads.set(row.chain, row);
      return;
    }
  }
  const headRow = await s.db.get<Row>(
    `SELECT seq, hash FROM journal_head WHERE chain = ? ${s.driver.forUpdate}`,
    [event.chain],
  );
  assert(headRow !== undefined, `journal chain ${event.chain} exists`);
  const row = chainJournalRow({ seq: integer(headRow, 'seq'), hash: text(headRow, 'hash') }, event);
  await insertJournalRow(s, row);
  await s.db.run('UPDATE journal_head SET seq = ?, hash = ? WHERE chain = ?', [row.seq, row.hash, row.chain]);
  heads?.set(row.chain, row);
}

async function insertJournalRow(s: SqlSession, row: JournalRow): Promise<void> {
  await s.db.run(
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
