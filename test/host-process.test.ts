// The host as a real process: crash safety under SIGKILL at the worst moments, graceful shutdown
// on SIGTERM, and no card number in any file or log it writes.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { netChargeOfSale } from '../src/simulated-issuer/issuer-ledger.js';
import { SqliteIssuerLedger } from '../src/simulated-issuer/sqlite-issuer-ledger.js';
import { call, cliPath, eventually, startHostProcess, tempDataDir } from './support/host-process.js';

const pan = '6212345678901232';
const sale = (amount = 1280) => ({
  terminalId: 'DEMO0001',
  amount,
  currency: 'CNY',
  card: { pan, expiry: '2812' },
  entryMode: 'chip',
});

function ledgerCharge(dir: string, rrn: string): number {
  const ledger = new SqliteIssuerLedger(join(dir, 'issuer-ledger.db'), { readonly: true });
  try {
    return netChargeOfSale(ledger, rrn);
  } finally {
    ledger.close();
  }
}

function verify(dir: string): { ok: boolean; breaches: unknown[] } {
  const run = spawnSync(process.execPath, [cliPath, 'verify', '--json', '--db', join(dir, 'posguard.db')], {
    encoding: 'utf8',
  });
  return JSON.parse(run.stdout) as { ok: boolean; breaches: unknown[] };
}

describe('the host process', () => {
  it('reverses a sale whose host was SIGKILLed between the pending commit and the issuer answer', async () => {
    const dir = tempDataDir();
    const db = join(dir, 'posguard.db');
    const first = await startHostProcess(['--db', db, '--demo', '--issuer-latency-ms', '4000']);
    const inFlight = call(first, 'POST', '/v1/payments', { key: 'crash-1', body: sale() }).catch(
      (e: unknown) => e,
    );
    const pending = await eventually(async () => {
      const list = await call(first, 'GET', '/v1/payments?status=pending');
      return (list.body['data'] as Array<{ id: string; rrn: string }>)[0];
    }, 'the sale to be stored as pending');
    await first.kill();
    expect(await inFlight).toBeInstanceOf(Error); // the client never got an answer
    expect(ledgerCharge(dir, pending.rrn)).toBe(1280); // ...but the issuer charged the card

    const second = await startHostProcess(['--db', db, '--demo', '--upstream-timeout-ms', '200']);
    const reversed = await eventually(async () => {
      const p = await call(second, 'GET', `/v1/payments/${pending.id}`);
      return p.body['status'] === 'reversed' ? p.body : undefined;
    }, 'the orphaned sale to be reversed');
    expect(reversed['id']).toBe(pending.id);
    expect(ledgerCharge(dir, pending.rrn)).toBe(0);
    const retry = await call(second, 'POST', '/v1/payments', { key: 'crash-1', body: sale() });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toMatchObject({ id: pending.id, status: 'reversal_pending', responseCode: '98' });
    expect(await second.stop()).toBe(0);
    expect(verify(dir)).toEqual(expect.objectContaining({ ok: true, breaches: [] }));
  });

  it('keeps a sale approved when the host is SIGKILLed right after answering approved', async () => {
    const dir = tempDataDir();
    const db = join(dir, 'posguard.db');
    const first = await startHostProcess(['--db', db, '--demo']);
    const approved = await call(first, 'POST', '/v1/payments', { key: 'a-1', body: sale(990) });
    expect(approved.body['status']).toBe('approved');
    await first.kill();
    const second = await startHostProcess(['--db', db, '--demo']);
    const after = await call(second, 'GET', `/v1/payments/${String(approved.body['id'])}`);
    expect(after.body).toMatchObject({
      status: 'approved',
      rrn: approved.body['rrn'],
      authCode: approved.body['authCode'],
    });
    expect(ledgerCharge(dir, String(approved.body['rrn']))).toBe(990);
    expect(await second.stop()).toBe(0);
    expect(verify(dir).ok).toBe(true);
  });

  it('refuses to serve a store with another secret than the one it was first served with', async () => {
    const dir = tempDataDir();
    const db = join(dir, 'posguard.db');
    const first = await startHostProcess(['--db', db, '--demo']);
    await first.stop();
    const other = spawnSync(
      process.execPath,
      [cliPath, 'serve', '--json', '--http-port', '0', '--db', db, '--demo', '--secret', 'ab'.repeat(32)],
      { encoding: 'utf8', timeout: 15_000 },
    );
    expect(other.status).toBe(1);
    expect(other.stderr).toContain('POS_ERR_SECRET_MISMATCH: the host secret is not the one this store');
    // Its own secret (secret.key beside the store) still serves it.
    const again = await startHostProcess(['--db', db, '--demo']);
    await again.stop();
  });

  it('finishes a request in flight on SIGTERM, then exits 0', async () => {
    const dir = tempDataDir();
    const host = await startHostProcess([
      '--db',
      join(dir, 'posguard.db'),
      '--demo',
      '--issuer-latency-ms',
      '800',
    ]);
    const slow = call(host, 'POST', '/v1/payments', { key: 'slow', body: sale() });
    await eventually(async () => {
      const list = await call(host, 'GET', '/v1/payments?status=pending');
      return (list.body['data'] as unknown[]).length > 0 ? true : undefined;
    }, 'the sale to be in flight');
    const exit = host.stop();
    expect((await slow).body['status']).toBe('approved');
    expect(await exit).toBe(0);
    expect(host.output()).toContain('stopping: finishing requests in flight');
  });

  it('never writes a card number to the database, its WAL, the issuer ledger or the logs', async () => {
    const dir = tempDataDir();
    const host = await startHostProcess(['--db', join(dir, 'posguard.db'), '--demo', '--log-level', 'debug']);
    await call(host, 'POST', '/v1/payments', { key: 'p1', body: sale() });
    await call(host, 'POST', '/v1/payments', { key: 'p2', body: sale() });
    await call(host, 'POST', '/v1/payments', {
      key: 'p3',
      body: { ...sale(), card: { pan: '6212345678901233', expiry: '2812' } },
    });
    await call(host, 'POST', '/v1/payments', { key: 'p4', body: { ...sale(), terminalId: 'NOPE' } });
    await host.kill(); // no checkpoint: the WAL keeps what it holds
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(['posguard.db', 'posguard.db-wal', 'issuer-ledger.db']));
    for (const file of files) {
      const bytes = readFileSync(join(dir, file));
      expect(bytes.includes(pan), file).toBe(false);
      expect(bytes.includes('6212345678901233'), file).toBe(false);
    }
    expect(host.output()).not.toContain(pan);
    expect(host.output()).not.toContain('6212345678901233');
  });
});
