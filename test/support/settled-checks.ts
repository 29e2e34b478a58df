// The checks every exactly-once test ends with: each key got a final answer; a key seen approved is
// still approved, sent upstream once and charged once; a key whose outcome was unknown is reversed
// and not charged; no RRN was sent upstream twice; and `posguard verify` finds no breach.
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { netChargeOfSale } from '../../src/simulated-issuer/issuer-ledger.js';
import { SqliteIssuerLedger } from '../../src/simulated-issuer/sqlite-issuer-ledger.js';
import type { Seen } from './client-burst.js';
import { call, cliPath, eventually, type IssuerProcess } from './host-process.js';

export async function waitUntilSettled(host: { url: string }): Promise<void> {
  await eventually(
    async () => {
      const pending = await call(host, 'GET', '/v1/payments?status=pending&limit=1');
      const reversing = await call(host, 'GET', '/v1/payments?status=reversal_pending&limit=1');
      const empty = (body: Record<string, unknown>): boolean => (body['data'] as unknown[]).length === 0;
      return empty(pending.body) && empty(reversing.body) ? true : undefined;
    },
    'no payment left pending or awaiting reversal',
    30_000,
  );
}

/** Checks every key; returns how many ended with an unknown outcome (and so were reversed). */
export async function checkExactlyOnce(
  host: { url: string },
  issuer: IssuerProcess,
  seen: readonly Seen[],
  databaseUrl: string,
): Promise<{ approved: number; reversed: number }> {
  const calls = await issuer.calls();
  const ledger = new SqliteIssuerLedger(issuer.ledgerPath, { readonly: true });
  let approved = 0;
  let reversed = 0;
  try {
    for (const s of seen) {
      expect(s.last, `${s.key} got a final answer`).toBeDefined();
      const now = (await call(host, 'GET', `/v1/payments/${String(s.last?.['id'])}`)).body;
      const rrn = String(now['rrn']);
      // A host killed after the pending commit but before its issuer call never sent it at all.
      expect(calls[rrn]?.authorize ?? 0, `${s.key} was never sent upstream twice`).toBeLessThanOrEqual(1);
      if (s.last?.['status'] === 'approved') {
        approved += 1;
        expect(calls[rrn]?.authorize, `${s.key} approved, so sent upstream once`).toBe(1);
        expect(now['status'], `${s.key} seen approved stays approved`).toBe('approved');
        expect(netChargeOfSale(ledger, rrn), `${s.key} charged once`).toBe(s.amount);
      } else {
        reversed += 1;
        expect(s.last?.['status'], `${s.key} final answer`).toBe('reversal_pending');
        expect(now['status'], `${s.key} with an unknown outcome is reversed`).toBe('reversed');
        expect(netChargeOfSale(ledger, rrn), `${s.key} not charged`).toBe(0);
      }
    }
  } finally {
    ledger.close();
  }
  const verify = spawnSync(
    process.execPath,
    [cliPath, 'verify', '--json', '--database-url', databaseUrl, '--issuer-ledger', issuer.ledgerPath],
    { encoding: 'utf8' },
  );
  expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, breaches: [] });
  expect(verify.status).toBe(0);
  return { approved, reversed };
}
