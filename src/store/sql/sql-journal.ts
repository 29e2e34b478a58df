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
import type { SqlSession } from './sql-driver.js';

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

export async function appendJournal(
  s: SqlSession,
  heads: JournalHeads | undefined,
  event: JournalEvent,
): Promise<JournalRow> {
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
      return row;
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
  return row;
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
