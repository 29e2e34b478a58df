// PostgreSQL restarted under load: while it is away requests fail with a clear 503 and nothing
// half-written survives; when it is back the host carries on by itself, and every key is still
// charged exactly once. This stops and starts the PostgreSQL server the test run started for it, so
// it runs on its own, after the other tests (see vitest.disruptive.config.ts).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { freshSchemaUrl } from '../../src/store/postgres/test-support/test-database.js';
import { sendUntilAnswered, type Seen } from '../support/client-burst.js';
import { eventually, startHostProcess, startIssuerProcess, tempDataDir } from '../support/host-process.js';
import { pgCtl } from '../support/postgres-server.js';
import { checkExactlyOnce, waitUntilSettled } from '../support/settled-checks.js';

const server = inject('postgres').server;

/** Stops or starts the test's server without blocking the event loop, so the load keeps flowing. */
async function restartStep(action: 'stop' | 'start'): Promise<void> {
  if (server === undefined) throw new Error('the restart test needs a server the tests started');
  await pgCtl(server, action);
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
      await restartStep('stop');
      await eventually(
        () => (seen.some((x) => x.unavailable > 0) ? true : undefined),
        'a 503 while the database is away',
        30_000,
      );
      await restartStep('start');
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
      // Whatever happened above, leave the server running for the next test.
      if (server !== undefined && !existsSync(join(server.baseDir, 'data', 'postmaster.pid')))
        await restartStep('start');
      await host.stop();
      await issuer.stop();
    }
  }, 180_000);
});
