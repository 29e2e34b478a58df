// Several hosts on one PostgreSQL database, behind one address, still exactly once: every key is
// sent to two host processes at the same time, with retries, while one of them is SIGKILLed.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { freshSchemaUrl } from '../src/store/postgres/test-support/test-database.js';
import { inPool, sendUntilAnswered, type Seen } from './support/client-burst.js';
import {
  call,
  eventually,
  startHostProcess,
  startIssuerProcess,
  tempDataDir,
  type HostProcess,
} from './support/host-process.js';
import { checkExactlyOnce, waitUntilSettled } from './support/settled-checks.js';

const keys = 240;

describe('several hosts on one PostgreSQL database', () => {
  it('charge each key exactly once while both take every key at once and one is SIGKILLed mid-burst', async () => {
    const dir = tempDataDir();
    const databaseUrl = freshSchemaUrl('multihost');
    // Issuer calls long beside the hosts' own work, so that at any moment each host has sales waiting
    // on the issuer and the SIGKILL below always leaves some with an unknown outcome.
    const issuer = await startIssuerProcess(dir, ['--issuer-latency-ms', '300-600']);
    const hostArgs = [
      ...['--database-url', databaseUrl, '--upstream-url', issuer.url, '--demo'],
      ...[
        '--secret',
        randomBytes(32).toString('hex'),
        '--upstream-timeout-ms',
        '1500',
        '--db',
        `${dir}/unused.db`,
      ],
    ];
    const [a, b] = await Promise.all([startHostProcess(hostArgs), startHostProcess(hostArgs)]);
    let live: HostProcess[] = [a, b];
    try {
      const seen: Seen[] = Array.from({ length: keys }, (_, i) => ({
        key: `burst-${i}`,
        amount: 1000 + i,
        last: undefined,
        attempts: 0,
        unavailable: 0,
      }));
      let started = 0;
      const burst = inPool(seen, 24, async (s) => {
        started += 1;
        await sendUntilAnswered(s, () => live, { fanOut: true, maxAttempts: 60 });
      });
      await eventually(
        () => (started > keys / 3 ? true : undefined),
        'a third of the burst to start',
        30_000,
      );
      live = [a];
      await b.kill();
      await burst;
      await waitUntilSettled(a);

      const { reversed } = await checkExactlyOnce(a, issuer, seen, databaseUrl);
      // The SIGKILL left sales in flight on B: their outcome was unknown and A reversed them.
      expect(reversed).toBeGreaterThan(0);
      // One payment per key: the list holds exactly the keys sent.
      let count = 0;
      let cursor: string | null = null;
      do {
        const page = await call(
          a,
          'GET',
          `/v1/payments?limit=500${cursor === null ? '' : `&cursor=${cursor}`}`,
        );
        count += (page.body['data'] as unknown[]).length;
        cursor = page.body['nextCursor'] as string | null;
      } while (cursor !== null);
      expect(count).toBe(keys);
    } finally {
      await Promise.all(live.map((h) => h.stop()));
      await issuer.stop();
    }
  }, 120_000);
});
