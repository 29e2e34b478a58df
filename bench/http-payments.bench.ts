// The HTTP payment path on SQLite: `posguard serve` as its own process on loopback, driven by
// autocannon, beside the same run's plain better-sqlite3 loop doing one durable insert per
// transaction (WAL, synchronous=FULL) into a table with the same unique index. The ratio is the
// figure: how much of the raw durable-insert rate the whole exactly-once path keeps (it commits
// twice per payment: pending before the issuer call, the answer after).
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { line, ratio } from './report.js';
import { cpuSeconds, peakRssMb } from './support/process-usage.js';
import { benchTerminals, paymentLoad, seedTerminals, startServe } from './support/http-load.js';

const durationS = Number(process.env['BENCH_DURATION_S'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 32);

function plainInsertsPerSecond(): number {
  const db = new Database(join(mkdtempSync(join(tmpdir(), 'posguard-bench-')), 'plain.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE payments (id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, idempotency_key TEXT NOT NULL,
    status TEXT NOT NULL, amount INTEGER NOT NULL, created_at INTEGER NOT NULL, UNIQUE (merchant_id, idempotency_key))`);
  const insert = db.prepare('INSERT INTO payments VALUES (?, ?, ?, ?, ?, ?)');
  const one = db.transaction((i: number) =>
    insert.run(`p${i}`, 'M1', `k${i}`, 'approved', 100 + i, Date.now()),
  );
  let i = 0;
  const measure = (seconds: number): number => {
    const start = process.hrtime.bigint();
    const end = start + BigInt(seconds * 1e9);
    const first = i;
    while (process.hrtime.bigint() < end) one((i += 1));
    return (i - first) / (Number(process.hrtime.bigint() - start) / 1e9);
  };
  measure(1);
  const rate = measure(durationS);
  db.close();
  return rate;
}

console.log(
  `HTTP payment path on SQLite: ${connections} connections over ${benchTerminals} terminals, ${durationS} s (WAL; every answer after its commit's fdatasync)`,
);
const dbPath = join(mkdtempSync(join(tmpdir(), 'posguard-bench-')), 'posguard.db');
const host = await startServe(['--db', dbPath]);
await seedTerminals({ dbPath, databaseUrl: null });
await paymentLoad([host.url], connections, 2); // warm-up
const cpuBefore = [cpuSeconds(host.pid), cpuSeconds(host.pid, 'main')];
const load = await paymentLoad([host.url], connections, durationS);
const cpuAfter = [cpuSeconds(host.pid), cpuSeconds(host.pid, 'main')];
const peakMb = peakRssMb(host.pid);
await host.stop();
const plain = plainInsertsPerSecond();
line('non-2xx answers / errors during the run', `${load.non2xx} / ${load.errors}`);
line('p99 latency (ms)', String(load.p99Ms));
// CPU is what a busy shared machine disturbs least: the figure to compare changes by.
for (const [index, label] of ['all threads', 'main thread'].entries()) {
  const before = cpuBefore[index];
  const after = cpuAfter[index];
  if (before === undefined || after === undefined || after === 0) continue;
  const us = ((after - before) * 1e6) / (load.paymentsPerSecond * durationS);
  line(`host CPU per payment, ${label} (us)`, us.toFixed(0));
}
if (peakMb !== null) line('host peak RSS (MB)', String(peakMb));
ratio('payments/s vs plain durable inserts/s', load.paymentsPerSecond, plain, '/s');
