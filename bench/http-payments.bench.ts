// The HTTP payment path under load: `posguard serve` (SQLite, simulated issuer without faults) as
// its own process on loopback, driven by autocannon with a new Idempotency-Key and a new amount per
// request, beside the same run's plain better-sqlite3 loop doing one durable insert per
// transaction (WAL, synchronous=FULL) into a table with the same unique index. The ratio is the
// figure: how much of the raw durable-insert rate the whole exactly-once path keeps.
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { line, ratio } from './report.js';

const durationS = Number(process.env['BENCH_DURATION_S'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const apiKey = 'pgk_demo_posguard_not_for_production';

async function startServe(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      resolve('bin/posguard.js'),
      'serve',
      '--json',
      '--demo',
      '--http-port',
      '0',
      '--log-level',
      'warn',
      '--db',
      join(dir, 'posguard.db'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  const url = await new Promise<string>((done, fail) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"event":"ready","httpUrl":"([^"]+)"/.exec(output);
      if (match?.[1] !== undefined) done(match[1]);
    });
    child.on('exit', (code) => fail(new Error(`serve exited with ${code}: ${output}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function hostPaymentsPerSecond(): Promise<{ rate: number; non2xx: number; p99: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'posguard-bench-'));
  const host = await startServe(dir);
  let n = 0;
  const body = (i: number) =>
    JSON.stringify({
      terminalId: 'DEMO0001',
      amount: 100 + i, // a new amount each time, so no sale looks like a duplicate of another
      currency: 'CNY',
      card: { pan: '6212345678901232', expiry: '2812' },
      entryMode: 'chip',
    });
  // Warm up the JIT and the page cache, then measure.
  for (const seconds of [2, durationS]) {
    const result = await autocannon({
      url: `${host.url}/v1/payments`,
      connections,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => {
            n += 1;
            return {
              ...request,
              headers: {
                authorization: `Bearer ${apiKey}`,
                'content-type': 'application/json',
                'idempotency-key': `bench-${n}`,
              },
              body: body(n),
            };
          },
        },
      ],
    });
    if (seconds === durationS) {
      await host.stop();
      return { rate: result.requests.average, non2xx: result.non2xx, p99: result.latency.p99 };
    }
  }
  throw new Error('unreachable');
}

function plainInsertsPerSecond(): number {
  const dir = mkdtempSync(join(tmpdir(), 'posguard-bench-'));
  const db = new Database(join(dir, 'plain.db'));
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

console.log(`HTTP payment path: ${connections} connections, ${durationS} s, SQLite (WAL, synchronous=FULL)`);
const host = await hostPaymentsPerSecond();
const plain = plainInsertsPerSecond();
line('non-2xx answers during the run', String(host.non2xx));
line('p99 latency (ms)', String(host.p99));
ratio('payments per second vs plain durable inserts per second', host.rate, plain, '/s');
