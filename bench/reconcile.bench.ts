// `npm run bench -- reconcile`: reconciles a generated day (1M events by default; set
// RECON_BENCH_ROWS=10000000 for ten million) with posguard, through the compiled CLI's main() in
// its own process, and with DuckDB running the same rules as SQL on the same files, also in its own
// process (bench/reconcile-duckdb.ts). Prints both times, the ratio and each one's peak memory,
// and fails loudly unless both found the same exceptions (kind, cause, rrn, related_rrn).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeGeneratedDay } from '../src/reconciliation/test-support/generated-day-files.js';
import { line, ratio } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const events = Number(process.env['RECON_BENCH_ROWS'] ?? 1_000_000);
const seed = Number(process.env['RECON_BENCH_SEED'] ?? 1);
const dir = mkdtempSync(join(process.env['RECON_BENCH_DIR'] ?? tmpdir(), 'posguard-recon-bench-'));

class BenchFailure extends Error {}

function fail(message: string): never {
  throw new BenchFailure(message);
}

try {
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) fail('the build failed');

  const generated = performance.now();
  const day = writeGeneratedDay(dir, { events, seed });
  const bytes = [day.host, day.terminal, day.settlement].reduce((sum, f) => sum + statSync(f).size, 0);
  line('events (seed)', `${events.toLocaleString('en-US')} (${seed})`);
  line('rows: host / terminal / settlement', `${day.hostRows} / ${day.terminalRows} / ${day.settlementRows}`);
  line(
    'files together',
    `${(bytes / 1e6).toFixed(0)} MB (made in ${((performance.now() - generated) / 1000).toFixed(1)} s)`,
  );
  line('exceptions injected', String(day.expected.length));

  // posguard: the CLI's own main(), compiled, in a process of its own.
  const out = join(dir, 'out');
  const args = [
    'reconcile',
    '--settlement',
    day.settlement,
    '--host-journal',
    day.host,
    '--terminal-journal',
    day.terminal,
    '--out',
    out,
    '--json',
  ];
  const script = `
    const { main } = await import(${JSON.stringify(join(root, 'dist/cli/main.js'))});
    const started = performance.now();
    const code = await main(${JSON.stringify(args)});
    const ms = performance.now() - started;
    process.stderr.write(JSON.stringify({ ms, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\\n');
    process.exitCode = code;`;
  const runner = join(dir, 'run-posguard.mjs');
  writeFileSync(runner, script);
  const ours = spawnSync(process.execPath, [runner], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (ours.status !== 0) fail(`posguard exited with ${ours.status}: ${ours.stderr}`);
  const posguard = JSON.parse(ours.stderr.trim().split('\n').pop()!) as { ms: number; peakRssMb: number };
  const summary = JSON.parse(ours.stdout) as { exceptions: Record<string, number> };

  const peer = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench/reconcile-duckdb.ts'), dir, join(out, 'exceptions.csv')],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  if (peer.status !== 0) fail(`the DuckDB peer exited with ${peer.status}: ${peer.stderr}`);
  const duckdb = JSON.parse(peer.stdout.trim()) as {
    ms: number;
    peakRssMb: number;
    exceptions: Record<string, number>;
    onlyDuckdb: number;
    onlyPosguard: number;
  };

  ratio('reconcile, seconds', posguard.ms / 1000, duckdb.ms / 1000, 's');
  line('throughput (posguard)', `${(bytes / 1e6 / (posguard.ms / 1000)).toFixed(0)} MB/s`);
  line('peak RSS (posguard, process)', `${posguard.peakRssMb} MB`);
  line('peak RSS (DuckDB, process)', `${duckdb.peakRssMb} MB`);
  const found = Object.values(summary.exceptions).reduce((a, b) => a + b, 0);
  line('exceptions found (posguard)', String(found));
  line('exceptions only DuckDB / only posguard found', `${duckdb.onlyDuckdb} / ${duckdb.onlyPosguard}`);
  if (duckdb.onlyDuckdb !== 0 || duckdb.onlyPosguard !== 0) {
    fail(
      `posguard and DuckDB disagree: ${JSON.stringify({ posguard: summary.exceptions, duckdb: duckdb.exceptions })}`,
    );
  }
  if (found !== day.expected.length)
    fail(`posguard found ${found} exceptions, the generator injected ${day.expected.length}`);
  line('agreement', 'same exceptions (kind, cause, rrn, related_rrn), as injected');
} catch (error) {
  if (!(error instanceof BenchFailure)) throw error;
  console.error(`reconcile bench FAILED: ${error.message}`);
  process.exitCode = 1;
} finally {
  if (process.env['RECON_BENCH_KEEP'] === undefined) rmSync(dir, { recursive: true, force: true });
  else console.log(`  kept ${dir}`);
}
