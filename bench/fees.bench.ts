// `npm run bench -- fees`: a generated month of ten million transactions (FEES_BENCH_ROWS to
// change it) priced and added up into daily statements per merchant and per terminal by posguard's
// fee core, and by DuckDB running the same pricing as SQL on the same data, in the same run
// (bench/fees-duckdb.ts, its own process). Both tables must agree figure by figure, to the fen;
// the bench fails loudly otherwise. Prints both times, the ratio and each side's peak memory.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { aggregateDays, priceColumns, totalNames, type TotalsTable } from '../src/fees/index.js';
import { generateMonth, monthDays, writeMonthCsv, writeVersionsCsv } from './support/fee-month.js';
import { line, peakRssMb, ratio } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rows = Number(process.env['FEES_BENCH_ROWS'] ?? 10_000_000);
const seed = Number(process.env['FEES_BENCH_SEED'] ?? 17);
const dir = mkdtempSync(join(process.env['FEES_BENCH_DIR'] ?? tmpdir(), 'posguard-fees-bench-'));

class BenchFailure extends Error {}

function fail(message: string): never {
  throw new BenchFailure(message);
}

/** Writes the rows of a totals table that saw any transaction, as the peer reads them. */
function writeTotals(
  table: TotalsTable,
  file: string,
): { rows: number; grossFen: number; feesNetFen: number; netFen: number } {
  const metrics = totalNames.length;
  const at = (name: (typeof totalNames)[number]): number => totalNames.indexOf(name);
  const counted = [
    at('salesCount'),
    at('voidsCount'),
    at('refundsCount'),
    at('duplicateRefundsCount'),
    at('reversalsCount'),
  ];
  const fd = openSync(file, 'w');
  const sums = { rows: 0, grossFen: 0, feesNetFen: 0, netFen: 0 };
  try {
    writeSync(fd, `grp,day,${totalNames.join(',')},grossFen,feesNetFen,netFen\n`);
    let chunk: string[] = [];
    for (let group = 0; group < table.groups; group += 1) {
      for (let d = 0; d < table.days; d += 1) {
        const base = (group * table.days + d) * metrics;
        const v = table.values.subarray(base, base + metrics);
        if (counted.every((index) => v[index] === 0)) continue;
        const gross =
          v[at('salesFen')]! -
          v[at('voidsFen')]! -
          v[at('refundsFen')]! -
          v[at('duplicateRefundsFen')]! -
          v[at('reversalsFen')]!;
        const feesNet =
          v[at('feesChargedFen')]! -
          v[at('feesReturnedOnVoidFen')]! -
          v[at('feesReturnedOnRefundFen')]! -
          v[at('feesReturnedOnDuplicateFen')]! -
          v[at('feesReturnedOnReversalFen')]!;
        chunk.push(
          `${group},${table.fromDay + d},${Array.from(v).join(',')},${gross},${feesNet},${gross - feesNet}\n`,
        );
        sums.rows += 1;
        sums.grossFen += gross;
        sums.feesNetFen += feesNet;
        sums.netFen += gross - feesNet;
        if (chunk.length === 65_536) {
          writeSync(fd, chunk.join(''));
          chunk = [];
        }
      }
    }
    writeSync(fd, chunk.join(''));
  } finally {
    closeSync(fd);
  }
  return sums;
}

try {
  const generated = performance.now();
  const month = generateMonth({ rows, seed });
  const csvBytes = writeMonthCsv(month, join(dir, 'month.csv'));
  writeVersionsCsv(month, join(dir, 'versions.csv'));
  line('transactions (seed)', `${rows.toLocaleString('en-US')} (${seed})`);
  line(
    'merchants / terminals / plans',
    `${month.merchants} / ${month.terminals} / ${month.plans.length} (2 versions each)`,
  );
  line(
    'generated, CSV for the peer',
    `${(csvBytes / 1e6).toFixed(0)} MB in ${((performance.now() - generated) / 1000).toFixed(1)} s`,
  );

  // posguard: price every row, then the daily statements' figures per merchant and per terminal.
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const priced = priceColumns({ columns: month.columns, plans: month.planOfMerchant });
  const pricedMs = performance.now() - started;
  const common = { columns: month.columns, priced, fromDay: month.firstDay, days: monthDays };
  const merchantDays = aggregateDays({ ...common, groupBy: 'merchant', groups: month.merchants });
  const terminalDays = aggregateDays({ ...common, groupBy: 'terminal', groups: month.terminals });
  const posguardMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const posguardCpuMs = (cpu.user + cpu.system) / 1000;
  const posguardPeakMb = peakRssMb();
  const ours = writeTotals(merchantDays, join(dir, 'posguard-merchant_days.csv'));
  writeTotals(terminalDays, join(dir, 'posguard-terminal_days.csv'));

  const peer = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench/fees-duckdb.ts'), dir, String(month.plans.length)],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  if (peer.status !== 0) fail(`the DuckDB peer exited with ${peer.status}: ${peer.stderr}`);
  const duckdb = JSON.parse(peer.stdout.trim().split('\n').pop()!) as {
    ms: number;
    cpuMs: number;
    loadMs: number;
    peakRssMb: number;
    differences: Record<string, number>;
    grossFen: number;
    feesNetFen: number;
    netFen: number;
  };

  ratio('price + statements, seconds', posguardMs / 1000, duckdb.ms / 1000, 's');
  ratio('price + statements, CPU s (DuckDB: 2 threads)', posguardCpuMs / 1000, duckdb.cpuMs / 1000, 's');
  line('of which pricing (posguard, wall)', `${(pricedMs / 1000).toFixed(2)} s`);
  line(
    'throughput (posguard, per CPU second)',
    `${(((rows / posguardCpuMs) * 1000) / 1e6).toFixed(1)} M transactions/s`,
  );
  line('DuckDB CSV load (not counted)', `${(duckdb.loadMs / 1000).toFixed(1)} s`);
  line('peak RSS (posguard, process, with the month in memory)', `${posguardPeakMb} MB`);
  line('peak RSS (DuckDB, process)', `${duckdb.peakRssMb} MB`);
  line('merchant-days / terminal-days', `${ours.rows} / ${duckdb.differences['terminal_daysRows']}`);
  line('gross / net fees / net (fen, posguard)', `${ours.grossFen} / ${ours.feesNetFen} / ${ours.netFen}`);
  line(
    'gross / net fees / net (fen, DuckDB)',
    `${duckdb.grossFen} / ${duckdb.feesNetFen} / ${duckdb.netFen}`,
  );
  line('rows only DuckDB / only posguard has', JSON.stringify(duckdb.differences));
  const disagreements = Object.entries(duckdb.differences).filter(
    ([name, n]) => !name.endsWith('Rows') && n !== 0,
  );
  if (disagreements.length > 0) fail(`posguard and DuckDB disagree: ${JSON.stringify(disagreements)}`);
  if (
    ours.grossFen !== duckdb.grossFen ||
    ours.feesNetFen !== duckdb.feesNetFen ||
    ours.netFen !== duckdb.netFen
  ) {
    fail('posguard and DuckDB totals differ');
  }
  if (ours.rows !== duckdb.differences['merchant_daysRows'])
    fail('the merchant-day tables have different sizes');
  line('agreement', 'every figure of every merchant-day and terminal-day, to the fen');
} catch (error) {
  if (!(error instanceof BenchFailure)) throw error;
  console.error(`fees bench FAILED: ${error.message}`);
  process.exitCode = 1;
} finally {
  if (process.env['FEES_BENCH_KEEP'] === undefined) rmSync(dir, { recursive: true, force: true });
  else console.log(`  kept ${dir}`);
}
