// Shared by the HTTP benchmarks: start `posguard serve` as its own process, and drive payments at
// one or more hosts with autocannon, a new Idempotency-Key and a new amount per request (so no sale
// looks like a duplicate of another), spread over many terminals.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { demo } from '../../src/main.js';
import { addTerminal } from '../../src/merchants/merchant-admin.js';
import { isPosError } from '../../src/pos-error.js';
import { openStore } from '../../src/store/open-store.js';

const apiKey = 'pgk_demo_posguard_not_for_production';

export interface ServeProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startServe(args: readonly string[]): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [
      // BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the host under load.
      ...(process.env['BENCH_NODE_ARGS']?.split(' ').filter(Boolean) ?? []),
      resolve('bin/posguard.js'),
      'serve',
      '--json',
      '--demo',
      '--http-port',
      '0',
      '--log-level',
      'warn',
      ...args,
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
    pid: child.pid ?? 0,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

let sequence = 0;

/** Load spreads over this many terminals, as a real acquirer's does (one terminal runs one sale at a time). */
export const benchTerminals = 64;

const terminalOf = (n: number): string => `BT${String(n % benchTerminals).padStart(6, '0')}`;

/** Registers the benchmark's terminals to the demo merchant (which `serve --demo` has seeded). */
export async function seedTerminals(store: { dbPath: string; databaseUrl: string | null }): Promise<void> {
  const opened = await openStore(store, Date.now());
  try {
    for (let i = 0; i < benchTerminals; i += 1) {
      await addTerminal(
        opened,
        { merchantId: demo.merchantId, terminalId: terminalOf(i), tmkEncrypted: null },
        { now: Date.now() },
      ).catch((error: unknown) => {
        if (!isPosError(error) || error.code !== 'POS_ERR_TERMINAL_EXISTS') throw error;
      });
    }
  } finally {
    await opened.close();
  }
}

function paymentRequest(run: string): autocannon.Request {
  return {
    method: 'POST',
    setupRequest: (request) => {
      sequence += 1;
      return {
        ...request,
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': `${run}-${sequence}`,
        },
        body: JSON.stringify({
          terminalId: terminalOf(sequence),
          amount: 100 + sequence,
          currency: 'CNY',
          card: { pan: '6212345678901232', expiry: '2812' },
          entryMode: 'chip',
        }),
      };
    },
  };
}

export interface LoadResult {
  readonly paymentsPerSecond: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly p99Ms: number;
}

/** Drives every url at once with `connections` each, for `durationS`; rates are summed. */
export async function paymentLoad(
  urls: readonly string[],
  connections: number,
  durationS: number,
): Promise<LoadResult> {
  const run = `run${Date.now()}`;
  // BENCH_RATE=N holds each host to N requests/s: on a shared machine the share a run gets moves its
  // rate, and with it the size of the SQLite driver's commit groups and so the CPU a payment costs;
  // at a fixed rate the CPU per payment of two builds can be compared.
  const rate = Number(process.env['BENCH_RATE'] ?? 0);
  const results = await Promise.all(
    urls.map((url) =>
      autocannon({
        url: `${url}/v1/payments`,
        connections,
        duration: durationS,
        requests: [paymentRequest(run)],
        ...(rate > 0 ? { overallRate: rate } : {}),
      }),
    ),
  );
  return {
    paymentsPerSecond: results.reduce((sum, r) => sum + r.requests.average, 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
    p99Ms: Math.max(...results.map((r) => r.latency.p99)),
  };
}
