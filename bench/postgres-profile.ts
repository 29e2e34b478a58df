// Where a payment's time goes on PostgreSQL (issue 16): not a benchmark with a peer, a profile.
// Starts a durable PostgreSQL of its own with pg_stat_statements, runs the same HTTP load as
// `npm run bench -- postgres` against one host (PROFILE_HOSTS=2 for two), and prints per payment:
// statements and round trips (pg_stat_statements), CPU of the host(s), of PostgreSQL and of the load
// generator, and what PostgreSQL's backends were doing, sampled every 10 ms from pg_stat_activity
// (running, waiting for a lock, waiting for the host's next statement, flushing WAL...); then the
// bench's pgbench peer on the same server, with its CPU per insert.
//   node --import tsx bench/postgres-profile.ts
// BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the host as well.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pgCtl, startTestPostgres, stopTestPostgres } from '../test/support/postgres-server.js';
import { line } from './report.js';
import { paymentLoad, seedTerminals, startServe } from './support/http-load.js';
import {
  cpuSeconds as cpuOf,
  postgresCpuSeconds as postgresCpu,
  postmasterPid,
  syscalls as syscallsOf,
} from './support/process-usage.js';

const durationS = Number(process.env['BENCH_DURATION_S'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const hosts = Number(process.env['PROFILE_HOSTS'] ?? 1);
/** The bench's peer on the same server: pgbench inserting one row per transaction, with its CPU. */
function pgbenchPeer(): { tps: number; postgresMs: number; pgbenchMs: number } {
  const url = new URL(server.url);
  const connect = ['-h', url.hostname, '-p', url.port, '-U', 'postgres', 'postgres'];
  const script = join(mkdtempSync(join(tmpdir(), 'posguard-prof-')), 'insert.sql');
  writeFileSync(
    script,
    `\\set amount random(1, 100000)
INSERT INTO bench_plain_payments SELECT n, 'M1', 'k' || n, 'approved', :amount, 0 FROM (SELECT nextval('bench_plain_seq') AS n) s;
`,
  );
  spawnSync('psql', [
    ...connect,
    '-c',
    `CREATE SEQUENCE bench_plain_seq;
    CREATE TABLE bench_plain_payments (id BIGINT PRIMARY KEY, merchant_id TEXT NOT NULL, idempotency_key TEXT NOT NULL,
      status TEXT NOT NULL, amount BIGINT NOT NULL, created_at BIGINT NOT NULL, UNIQUE (merchant_id, idempotency_key))`,
  ]);
  const postgresBefore = postgresCpu(postmaster);
  const childrenBefore = cpuOf(process.pid, true) - cpuOf(process.pid, false);
  const run = spawnSync(
    'pgbench',
    ['-n', '-c', String(connections), '-j', '2', '-T', String(durationS), '-f', script, ...connect],
    { encoding: 'utf8' },
  );
  const tps = Number(/tps = ([\d.]+)/.exec(run.stdout)?.[1] ?? NaN);
  const transactions = Number(/processed: (\d+)/.exec(run.stdout)?.[1] ?? NaN);
  const pgbenchS = cpuOf(process.pid, true) - cpuOf(process.pid, false) - childrenBefore;
  return {
    tps,
    postgresMs: ((postgresCpu(postmaster) - postgresBefore) * 1000) / transactions,
    pgbenchMs: (pgbenchS * 1000) / transactions,
  };
}

const server = await startTestPostgres({ durable: true });
const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
};
await admin((c) => c.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`));
await pgCtl(server, 'stop');
await pgCtl(server, 'start');
await admin((c) => c.query('CREATE EXTENSION pg_stat_statements'));
const postmaster = postmasterPid(join(server.baseDir, 'data'));

const schema = `prof_${randomBytes(4).toString('hex')}`;
const schemaUrl = `${server.url}?schema=${schema}`;
const secret = randomBytes(32).toString('hex');
const started = [];
for (let i = 0; i < hosts; i += 1) {
  const dir = mkdtempSync(join(tmpdir(), 'posguard-prof-'));
  started.push(
    await startServe(['--database-url', schemaUrl, '--secret', secret, '--db', join(dir, 'unused.db')]),
  );
}
await seedTerminals({ dbPath: '', databaseUrl: schemaUrl });
const urls = started.map((h) => h.url);
await paymentLoad(urls, Math.ceil(connections / hosts), 2); // warm-up

const sampler = new pg.Client({ connectionString: server.url });
await sampler.connect();
const samplerPid = (await sampler.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
await sampler.query('SELECT pg_stat_statements_reset()');
const paymentsBefore = await admin(
  async (c) => (await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.payments`)).rows[0]?.n,
);
const cpuBefore = {
  hosts: started.map((h) => cpuOf(h.pid, false)),
  syscalls: started.map((h) => syscallsOf(h.pid)),
  postgres: postgresCpu(postmaster),
  load: process.cpuUsage(),
};
const states = new Map<string, number>();
let samples = 0;
let sampling = true;
const sampling$ = (async () => {
  while (sampling) {
    const rows = await sampler.query<{ what: string; n: string }>(
      `SELECT CASE WHEN state = 'active' THEN 'active: ' || coalesce(wait_event_type || '/' || wait_event, 'on CPU (or runnable)')
                   ELSE state || coalesce(' (' || wait_event_type || '/' || wait_event || ')', '') END AS what,
              count(*) AS n
       FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> $1 AND datname = 'postgres'
       GROUP BY 1`,
      [samplerPid],
    );
    samples += 1;
    for (const row of rows.rows) states.set(row.what, (states.get(row.what) ?? 0) + Number(row.n));
    await new Promise((done) => setTimeout(done, 10));
  }
})();
const load = await paymentLoad(urls, Math.ceil(connections / hosts), durationS);
sampling = false;
await sampling$;
const loadCpu = process.cpuUsage(cpuBefore.load);
const hostCpu = started.map((h, i) => cpuOf(h.pid, false) - (cpuBefore.hosts[i] ?? 0));
const hostSyscalls = started.map((h, i) => {
  const now = syscallsOf(h.pid);
  const before = cpuBefore.syscalls[i] ?? { writes: 0, reads: 0 };
  return { writes: now.writes - before.writes, reads: now.reads - before.reads };
});
const pgCpu = postgresCpu(postmaster) - cpuBefore.postgres;
const statements = await sampler.query<{ query: string; calls: string; ms: string }>(
  `SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, calls, total_exec_time AS ms
   FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat%' AND query NOT ILIKE '%count(*) AS n FROM%'
   ORDER BY calls DESC`,
);
await sampler.end();
const payments =
  Number(
    await admin(
      async (c) => (await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.payments`)).rows[0]?.n,
    ),
  ) - Number(paymentsBefore);
await Promise.all(started.map((h) => h.stop()));
const peer = pgbenchPeer();
await stopTestPostgres(server);

const calls = statements.rows.reduce((sum, r) => sum + Number(r.calls), 0);
const execMs = statements.rows.reduce((sum, r) => sum + Number(r.ms), 0);
console.log(`${hosts} host(s), ${connections} connections, ${durationS} s, ${server.version}`);
line('payments/s (autocannon)', load.paymentsPerSecond.toFixed(1));
line('payments stored in the window', String(payments));
line('p99 latency ms', String(load.p99Ms));
line('statements per payment (all, incl. BEGIN/COMMIT)', (calls / payments).toFixed(2));
line('server execution time per payment, ms', (execMs / payments).toFixed(3));
line('host CPU per payment, ms', hostCpu.map((c) => ((c * 1000) / payments).toFixed(3)).join(' + '));
line(
  'host write / read system calls per payment',
  hostSyscalls
    .map((c) => `${(c.writes / payments).toFixed(2)} / ${(c.reads / payments).toFixed(2)}`)
    .join(' + '),
);
line('PostgreSQL CPU per payment, ms', ((pgCpu * 1000) / payments).toFixed(3));
line('load generator CPU per payment, ms', ((loadCpu.user + loadCpu.system) / 1000 / payments).toFixed(3));
line(
  'CPU busy, of 2 cores',
  `${(((hostCpu.reduce((a, b) => a + b, 0) + pgCpu + (loadCpu.user + loadCpu.system) / 1e6) / durationS / 2) * 100).toFixed(0)}%`,
);
line('pgbench peer: inserts/s', peer.tps.toFixed(1));
line('pgbench peer: PostgreSQL CPU per insert, ms', peer.postgresMs.toFixed(3));
line('pgbench peer: pgbench CPU per insert, ms', peer.pgbenchMs.toFixed(3));
console.log('\nbackends (average count per sample, of those serving the hosts):');
for (const [what, n] of [...states.entries()].sort((a, b) => b[1] - a[1])) {
  line(`  ${what}`, (n / samples).toFixed(2));
}
console.log('\nstatements (calls per payment, mean ms):');
for (const row of statements.rows.slice(0, 25)) {
  const n = Number(row.calls);
  console.log(
    `  ${(n / payments).toFixed(2).padStart(6)}  ${(Number(row.ms) / n).toFixed(3).padStart(7)}  ${row.query.slice(0, 150)}`,
  );
}
