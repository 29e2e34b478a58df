// The peer for bench/reconcile.bench.ts: the same reconciliation rules written as SQL and run by
// DuckDB (2 threads) over the same three v1 files, in its own process so its memory is measured
// alone. Prints one JSON line: time, peak RSS, exceptions per kind, and, when given posguard's
// exceptions.csv, how many exceptions (kind, cause, rrn, related_rrn) each side has that the other
// has not. Usage: node --import tsx bench/reconcile-duckdb.ts DIR [EXCEPTIONS_CSV] [WINDOW_S]
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { peakRssMb } from './report.js';

const [dir, posguardExceptions, windowText] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: reconcile-duckdb.ts DIR [EXCEPTIONS_CSV] [WINDOW_S]');
const windowMs = Number(windowText ?? 120) * 1000;

const varchar = (names: string[]): string => names.map((n) => `'${n}': 'VARCHAR'`).join(', ');
const keys = ['merchant_id', 'terminal_id', 'batch_no', 'stan', 'rrn', 'auth_code'];
/** Key columns as text, the time parsed by the CSV reader itself. */
const common = `${varchar(keys)}, 'txn_time': 'TIMESTAMPTZ', 'txn_type': 'VARCHAR'`;
const read = (file: string, columns: string): string =>
  `read_csv('${join(dir, file)}', header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = {${columns}})`;

const hostCsv = read(
  'host-journal.csv',
  `${common}, 'status': 'VARCHAR', 'amount': 'BIGINT', ${varchar(['currency', 'card_masked', 'card_fingerprint', 'entry_mode', 'operator_id', 'duplicate_confirmed', 'original_rrn', 'method', 'wallet', 'order_no', 'wallet_trade_no', 'payer_fingerprint'])}`,
);
const terminalCsv = read(
  'terminal-journal.csv',
  `${common}, 'result': 'VARCHAR', 'amount': 'BIGINT', 'card_masked': 'VARCHAR'`,
);
const settlementCsv = read(
  'settlement.csv',
  `'settlement_date': 'VARCHAR', ${common}, 'amount': 'BIGINT', 'fee': 'BIGINT', 'currency': 'VARCHAR', 'card_masked': 'VARCHAR'`,
);

/** The v1 rules, as posguard's classifier applies them (see src/reconciliation/match/classifier.ts). */
const statements = [
  // Row ids follow file order (DuckDB preserves insertion order): "first line" means the same here.
  `CREATE TABLE host AS SELECT * FROM ${hostCsv}`,
  `CREATE TABLE settlement AS SELECT * FROM ${settlementCsv}`,
  `CREATE TABLE terminal AS SELECT * FROM ${terminalCsv}`,
  `CREATE VIEW h AS SELECT rowid AS hid, * FROM host`,
  `CREATE VIEW s AS SELECT rowid AS sid, * FROM settlement`,
  `CREATE VIEW t AS SELECT rowid AS tid, * FROM terminal`,
  // A row finds its host row by RRN, or where it has none by merchant + terminal + batch + STAN.
  `CREATE TABLE s_found AS
     SELECT s.sid, h.hid FROM s JOIN h ON s.rrn = h.rrn WHERE s.rrn IS NOT NULL
     UNION ALL
     SELECT s.sid, h.hid FROM s JOIN h USING (merchant_id, terminal_id, batch_no, stan) WHERE s.rrn IS NULL`,
  `CREATE TABLE sm AS
     SELECT s.sid, s.rrn, s.amount, s.currency, h.hid AS candidate,
       CASE WHEN (s.txn_type = 'sale' AND h.txn_type = 'sale')
              OR (s.txn_type = 'refund' AND h.txn_type = 'refund' AND h.status = 'approved') THEN h.hid END AS hid
     FROM s LEFT JOIN s_found f USING (sid) LEFT JOIN h ON h.hid = f.hid`,
  `CREATE TABLE sr AS SELECT *, row_number() OVER (PARTITION BY hid ORDER BY sid) AS k FROM sm WHERE hid IS NOT NULL`,
  `CREATE TABLE first_settled AS SELECT hid, amount AS s_amount, currency AS s_currency FROM sr WHERE k = 1`,
  `CREATE TABLE t_found AS
     SELECT t.tid, h.hid FROM t JOIN h ON t.rrn = h.rrn AND t.txn_type = h.txn_type WHERE t.rrn IS NOT NULL
     UNION ALL
     SELECT t.tid, h.hid FROM t JOIN h USING (merchant_id, terminal_id, batch_no, stan, txn_type) WHERE t.rrn IS NULL`,
  `CREATE TABLE tm AS SELECT t.tid, t.rrn, t.result, f.hid FROM t LEFT JOIN t_found f USING (tid)`,
  `CREATE TABLE t_view AS
     SELECT hid, count(*) AS n, bool_or(result = 'approved') AS any_approved FROM tm WHERE hid IS NOT NULL GROUP BY hid`,
  `CREATE TABLE dup_candidates AS
     SELECT h.hid, h.rrn, h.merchant_id, h.terminal_id, h.card_fingerprint, h.amount, h.currency, h.entry_mode,
            h.duplicate_confirmed, epoch_ms(h.txn_time) AS at_ms
     FROM h JOIN first_settled USING (hid)
     WHERE h.txn_type = 'sale' AND h.status IN ('approved', 'partially_refunded')
       AND h.card_fingerprint IS NOT NULL AND h.txn_time IS NOT NULL`,
  `CREATE TABLE ex AS
     SELECT 'duplicate_settlement' AS kind, 'third_party' AS cause, coalesce(h.rrn, sr.rrn) AS rrn,
            CASE WHEN h.txn_type <> 'sale' THEN h.original_rrn END AS related_rrn
       FROM sr JOIN h USING (hid) WHERE sr.k > 1
     UNION ALL
     SELECT 'unknown_in_settlement', 'third_party', rrn, NULL FROM sm WHERE hid IS NULL
     UNION ALL
     SELECT 'reversed_but_settled', CASE WHEN h.status = 'reversed' THEN 'network' ELSE 'third_party' END, h.rrn, NULL
       FROM h JOIN first_settled USING (hid) WHERE h.txn_type = 'sale' AND h.status IN ('reversed', 'voided', 'declined')
     UNION ALL
     SELECT 'amount_mismatch', 'software', h.rrn, CASE WHEN h.txn_type <> 'sale' THEN h.original_rrn END
       FROM h JOIN first_settled f USING (hid)
       WHERE NOT (h.txn_type = 'sale' AND h.status IN ('reversed', 'voided', 'declined'))
         AND (f.s_amount <> h.amount OR (f.s_currency IS NOT NULL AND h.currency IS NOT NULL AND f.s_currency <> h.currency))
     UNION ALL
     SELECT 'missing_in_settlement', 'third_party', h.rrn, CASE WHEN h.txn_type <> 'sale' THEN h.original_rrn END
       FROM h ANTI JOIN first_settled f USING (hid)
       WHERE (h.txn_type = 'sale' AND h.status IN ('approved', 'partially_refunded'))
          OR (h.txn_type = 'refund' AND h.status = 'approved')
     UNION ALL
     SELECT 'duplicate_sale_suspect',
            CASE WHEN at_ms - prev_ms < 15000 AND entry_mode IN ('chip', 'swipe', 'contactless')
                      AND prev_mode IN ('chip', 'swipe', 'contactless') THEN 'hardware' ELSE 'operator' END,
            rrn, prev_rrn
       FROM (SELECT *, lag(rrn) OVER w AS prev_rrn, lag(at_ms) OVER w AS prev_ms, lag(entry_mode) OVER w AS prev_mode
               FROM dup_candidates
             WINDOW w AS (PARTITION BY merchant_id, terminal_id, card_fingerprint, amount, currency ORDER BY at_ms, hid))
       WHERE prev_ms IS NOT NULL AND at_ms - prev_ms <= ${windowMs} AND duplicate_confirmed IS DISTINCT FROM 'true'
     UNION ALL
     SELECT 'terminal_display_duplicate', 'software', coalesce(h.rrn, x.rrn), CASE WHEN h.txn_type <> 'sale' THEN h.original_rrn END
       FROM (SELECT *, row_number() OVER (PARTITION BY hid ORDER BY tid) AS k FROM tm WHERE hid IS NOT NULL) x
       JOIN h USING (hid) WHERE x.k > 1
     UNION ALL
     SELECT 'terminal_only', 'software', rrn, NULL FROM tm WHERE hid IS NULL AND result = 'approved'
     UNION ALL
     SELECT 'terminal_only', 'software', h.rrn, CASE WHEN h.txn_type <> 'sale' THEN h.original_rrn END
       FROM t_view v JOIN h USING (hid) WHERE v.any_approved AND h.status IN ('declined', 'reversed')
     UNION ALL
     SELECT 'host_only_approved', 'network', h.rrn, NULL
       FROM t_view v JOIN h USING (hid)
       WHERE NOT v.any_approved AND h.txn_type = 'sale' AND h.status IN ('approved', 'partially_refunded')`,
];

const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
const connection = await instance.connect();
const started = performance.now();
for (const sql of statements) await connection.run(sql);
const counts = await connection.runAndReadAll(
  'SELECT kind, count(*) AS n FROM ex GROUP BY kind ORDER BY kind',
);
const ms = performance.now() - started;

const exceptions: Record<string, number> = {};
for (const row of counts.getRowObjects()) exceptions[String(row['kind'])] = Number(row['n']);
let onlyDuckdb = -1;
let onlyPosguard = -1;
if (posguardExceptions !== undefined) {
  const theirs = `(SELECT kind, cause, coalesce(rrn, '') AS rrn, coalesce(related_rrn, '') AS related_rrn
      FROM read_csv('${posguardExceptions}', header = true, all_varchar = true))`;
  const ours = `(SELECT kind, cause, coalesce(rrn, '') AS rrn, coalesce(related_rrn, '') AS related_rrn FROM ex)`;
  const difference = async (a: string, b: string): Promise<number> => {
    const result = await connection.runAndReadAll(`SELECT count(*) AS n FROM (${a} EXCEPT ALL ${b})`);
    return Number(result.getRowObjects()[0]!['n']);
  };
  onlyDuckdb = await difference(ours, theirs);
  onlyPosguard = await difference(theirs, ours);
}
console.log(JSON.stringify({ ms, peakRssMb: peakRssMb(), exceptions, onlyDuckdb, onlyPosguard }));
