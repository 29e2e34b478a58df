// PostgreSQL restarted under load: while it is away requests fail with a clear 503 and nothing
// half-written survives; when it is back the host carries on by itself, and every key is still
// charged exactly once. This restarts the machine's PostgreSQL server, so it runs on its own, after
// the other tests (see vitest.disruptive.config.ts).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freshSchemaUrl } from '../../src/store/postgres/test-support/test-database.js';
import { sendUntilAnswered, type Seen } from '../support/client-burst.js';
import { eventually, startHostProcess, startIssuerProcess, tempDataDir } from '../support/host-process.js';
import { checkExactlyOnce, waitUntilSettled } from '../support/settled-checks.js';

/** Runs pg_ctlcluster without blocking the event loop, so the client load keeps flowing. */
async function pgCtlCluster(action: 'stop' | 'start'): Promise<void> {
  const version = readdirSync('/etc/postgresql')[0] ?? '15';
  const args = [
    '--skip-systemctl-redirect',
    version,
    'main',
    action,
    ...(action === 'stop' ? ['--mode', 'fast'] : []),
  ];
  const child = spawn('pg_ctlcluster', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`pg_ctlcluster ${action} failed: ${stderr}`);
}

describe('a PostgreSQL restart under load', () => {
  it('gives 503s while the database is away, then recovers by itself, still exactly once', async () => {
    const dir = tempDataDir();
    const databaseUrl = freshSchemaUrl('restart');
    const issuer = await startIssuerProcess(dir, ['--issuer-latency-ms', '5-40']);
    const host = await startHostProcess([
      ...['--database-url', databaseUrl, '--upstream-url', issuer.url, '--demo'],
      ...[
        '--secret',
        randomBytes(32).toString('hex'),
        '--upstream-timeout-ms',
        '1500',
        '--db',
        `${dir}/unused.db`,
      ],
    ]);
    try {
      // Continuous load: eight clients, each sending new sales one after another until told to stop.
      const seen: Seen[] = [];
      let answered = 0;
      let stopLoad = false;
      const load = Promise.all(
        Array.from({ length: 8 }, async () => {
          while (!stopLoad) {
            const s: Seen = {
              key: `restart-${seen.length}`,
              amount: 2000 + seen.length,
              last: undefined,
              attempts: 0,
              unavailable: 0,
            };
            seen.push(s);
            await sendUntilAnswered(s, () => [host], { fanOut: false, maxAttempts: 300 });
            answered += 1;
          }
        }),
      );
      await eventually(() => (answered >= 40 ? true : undefined), 'load to be flowing', 30_000);
      // The restart: the database goes away under load, and comes back a moment later.
      await pgCtlCluster('stop');
      await eventually(
        () => (seen.some((x) => x.unavailable > 0) ? true : undefined),
        'a 503 while the database is away',
        30_000,
      );
      await pgCtlCluster('start');
      const afterRestart = answered;
      await eventually(
        () => (answered >= afterRestart + 40 ? true : undefined),
        'the host to carry on after the restart',
        60_000,
      );
      stopLoad = true;
      await load;
      const codes = seen.flatMap((s) => s.unavailableCodes ?? []);
      expect(codes.length).toBeGreaterThan(0);
      expect(new Set(codes)).toEqual(new Set(['POS_ERR_STORE_UNAVAILABLE']));
      await waitUntilSettled(host);
      await checkExactlyOnce(host, issuer, seen, databaseUrl);
    } finally {
      // Whatever happened above, leave the machine's PostgreSQL running.
      if (spawnSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']).status !== 0)
        await pgCtlCluster('start');
      await host.stop();
      await issuer.stop();
    }
  }, 180_000);
});
