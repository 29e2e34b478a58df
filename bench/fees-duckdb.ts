// The peer for bench/fees.bench.ts: the same fee pricing as SQL, run by DuckDB (2 threads) on the
// same generated month, in its own process so its memory is measured alone. Loads the CSV first
// (timed apart), then prices every row and adds it up per merchant and day and per terminal and
// day, and compares both tables with posguard's, row by row and figure by figure (EXCEPT ALL both
// ways). Prints one JSON line. Usage: node --import tsx bench/fees-duckdb.ts DIR PLANS
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { totalNames } from '../src/fees/index.js';
import { peakRssMb } from './report.js';

const [dir, plansText] = process.argv.slice(2);
if (dir === undefined || plansText === undefined) throw new Error('usage: fees-duckdb.ts DIR PLANS');
const plans = Number(plansText);
const noCap = '9000000000000000000';

/** Each figure of posguard's DayTotals as a SUM over the priced lines (daily-totals.ts). */
const figures: Record<(typeof totalNames)[number], string> = {
  salesCount: 'kind = 0',
  salesFen: 'CASE WHEN kind = 0 THEN amount ELSE 0 END',
  voidsCount: 'kind = 1',
  voidsFen: 'CASE WHEN kind = 1 THEN amount ELSE 0 END',
  refundsCount: 'kind = 2 AND dup = 0',
  refundsFen: 'CASE WHEN kind = 2 AND dup = 0 THEN amount ELSE 0 END',
  duplicateRefundsCount: 'kind = 2 AND dup = 1',
  duplicateRefundsFen: 'CASE WHEN kind = 2 AND dup = 1 THEN amount ELSE 0 END',
  reversalsCount: 'kind = 3',
  reversalsFen: 'CASE WHEN kind = 3 THEN amount ELSE 0 END',
  feesChargedFen: 'CASE WHEN kind = 0 THEN fee ELSE 0 END',
  addOnFeesFen: 'CASE WHEN kind = 0 THEN add_on ELSE 0 END',
  feesReturnedOnVoidFen: 'CASE WHEN kind = 1 THEN -fee ELSE 0 END',
  feesReturnedOnRefundFen: 'CASE WHEN kind = 2 AND dup = 0 THEN -fee ELSE 0 END',
  feesReturnedOnDuplicateFen: 'CASE WHEN kind = 2 AND dup = 1 THEN -fee ELSE 0 END',
  feesReturnedOnReversalFen: 'CASE WHEN kind = 3 THEN -fee ELSE 0 END',
  feesDebitFen: 'CASE WHEN channel = 0 AND card_kind = 0 THEN fee ELSE 0 END',
  feesCreditFen: 'CASE WHEN channel = 0 AND card_kind = 1 THEN fee ELSE 0 END',
  feesQrFen: 'CASE WHEN channel = 1 THEN fee ELSE 0 END',
  feesForeignFen: 'CASE WHEN channel = 0 AND card_kind = 2 THEN fee ELSE 0 END',
  feesUnknownCardFen: 'CASE WHEN channel = 0 AND card_kind = 3 THEN fee ELSE 0 END',
  unknownCardCount: 'kind = 0 AND channel = 0 AND card_kind = 3',
  capAppliedCount: 'bound = 1',
  minimumAppliedCount: 'bound = 2',
  aboveCappedFeesCount: 'above = 1',
};
const sums = totalNames
  .map((name) => {
    const e = figures[name];
    return `CAST(sum(${e.startsWith('CASE') ? e : `CASE WHEN ${e} THEN 1 ELSE 0 END`}) AS BIGINT) AS ${name}`;
  })
  .join(',\n  ');
const derived = `salesFen - voidsFen - refundsFen - duplicateRefundsFen - reversalsFen AS grossFen,
  feesChargedFen - feesReturnedOnVoidFen - feesReturnedOnRefundFen - feesReturnedOnDuplicateFen - feesReturnedOnReversalFen AS feesNetFen`;
const totalsOf = (group: string): string =>
  `SELECT *, grossFen - feesNetFen AS netFen FROM (SELECT *, ${derived} FROM (
     SELECT ${group} AS grp, day, ${sums} FROM lines GROUP BY ${group}, day))`;

const load = [
  `CREATE TABLE t AS SELECT * FROM read_csv('${join(dir, 'month.csv')}', header = true, auto_detect = false,
     columns = {'row': 'INTEGER', 'merchant': 'INTEGER', 'terminal': 'INTEGER', 'kind': 'TINYINT', 'amount': 'BIGINT',
                'channel': 'TINYINT', 'card_kind': 'TINYINT', 'day': 'INTEGER', 'original': 'INTEGER', 'dup': 'TINYINT'})`,
  `CREATE TABLE versions AS SELECT * FROM read_csv('${join(dir, 'versions.csv')}', header = true, auto_detect = false,
     columns = {'plan': 'INTEGER', 'version': 'INTEGER', 'from_day': 'INTEGER', 'to_day': 'INTEGER', 'rate_key': 'INTEGER',
                'ppm': 'BIGINT', 'cap': 'BIGINT', 'minimum': 'BIGINT', 'add_on': 'BIGINT', 'highest_key': 'INTEGER'})`,
];

/** The pricing rules of src/fees/price-columns.ts: half up once, minimum then cap, add-on after. */
const pricing = [
  `CREATE TABLE priced_sales AS
   WITH k AS (
     SELECT s.row, s.merchant, s.terminal, s.day, s.amount, s.channel, s.card_kind, v.rate_key, v.minimum,
            coalesce(v.cap, ${noCap}) AS cap, v.add_on, (s.amount * v.ppm + 500000) // 1000000 AS raw
     FROM t s JOIN versions v
       ON v.plan = s.merchant % ${plans} AND s.day >= v.from_day AND s.day < v.to_day
      AND v.rate_key = CASE WHEN s.channel = 1 THEN 2 WHEN s.card_kind = 3 THEN v.highest_key
                            WHEN s.card_kind = 0 THEN 0 WHEN s.card_kind = 1 THEN 1 ELSE 3 END
     WHERE s.kind = 0)
   SELECT *, least(greatest(raw, minimum), cap) AS rate_fee,
          CASE WHEN greatest(raw, minimum) > cap THEN 1 WHEN raw < minimum THEN 2 ELSE 0 END AS bound
   FROM k`,
  `CREATE TABLE lines AS
   SELECT row, merchant, terminal, day, 0 AS kind, 0 AS dup, amount, rate_fee + add_on AS fee, add_on, channel, card_kind,
          bound, CASE WHEN rate_key = 0 AND card_kind = 0 AND rate_fee > 1625 THEN 1 ELSE 0 END AS above
     FROM priced_sales
   UNION ALL
   SELECT x.row, x.merchant, x.terminal, x.day, x.kind, x.dup, x.amount, -(p.rate_fee + p.add_on), 0, p.channel, p.card_kind, 0, 0
     FROM t x JOIN priced_sales p ON p.row = x.original WHERE x.kind IN (1, 3)
   UNION ALL
   SELECT r.row, r.merchant, r.terminal, r.day, 2, r.dup, r.amount,
          -((p.fee * r.after * 2 + p.amount) // (2 * p.amount) - (p.fee * (r.after - r.amount) * 2 + p.amount) // (2 * p.amount)),
          0, p.channel, p.card_kind, 0, 0
     FROM (SELECT *, sum(amount) OVER (PARTITION BY original ORDER BY row) AS after FROM t WHERE kind = 2) r
     JOIN (SELECT row, amount, rate_fee + add_on AS fee, channel, card_kind FROM priced_sales) p ON p.row = r.original`,
  `CREATE TABLE merchant_days AS ${totalsOf('merchant')}`,
  `CREATE TABLE terminal_days AS ${totalsOf('terminal')}`,
];

const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
const connection = await instance.connect();
const loadStarted = performance.now();
for (const sql of load) await connection.run(sql);
const loadMs = performance.now() - loadStarted;
const cpuBefore = process.cpuUsage();
const started = performance.now();
for (const sql of pricing) await connection.run(sql);
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);

const one = async (sql: string): Promise<Record<string, unknown>> =>
  (await connection.runAndReadAll(sql)).getRowObjects()[0] ?? {};
const differences: Record<string, number> = {};
for (const table of ['merchant_days', 'terminal_days']) {
  const ours = `(SELECT * FROM read_csv('${join(dir, `posguard-${table}.csv`)}', header = true, all_varchar = false))`;
  const cols = `grp, day, ${totalNames.join(', ')}, grossFen, feesNetFen, netFen`;
  const theirs = `(SELECT ${cols} FROM ${table})`;
  const mine = `(SELECT ${cols
    .split(', ')
    .map((c) => `CAST(${c} AS BIGINT) AS ${c}`)
    .join(', ')} FROM ${ours})`;
  differences[`${table}OnlyDuckdb`] = Number(
    (await one(`SELECT count(*) AS n FROM (${theirs} EXCEPT ALL ${mine})`))['n'],
  );
  differences[`${table}OnlyPosguard`] = Number(
    (await one(`SELECT count(*) AS n FROM (${mine} EXCEPT ALL ${theirs})`))['n'],
  );
  differences[`${table}Rows`] = Number((await one(`SELECT count(*) AS n FROM ${table}`))['n']);
}
const grand = await one(
  `SELECT CAST(sum(grossFen) AS BIGINT) AS grossFen, CAST(sum(feesNetFen) AS BIGINT) AS feesNetFen, CAST(sum(netFen) AS BIGINT) AS netFen FROM merchant_days`,
);
console.log(
  JSON.stringify({
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    loadMs,
    peakRssMb: peakRssMb(),
    differences,
    grossFen: Number(grand['grossFen']),
    feesNetFen: Number(grand['feesNetFen']),
    netFen: Number(grand['netFen']),
  }),
);
