import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './test-support/run-cli.js';

function tempDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'pg-cli-')), 'posguard.db');
}

describe('the posguard CLI', () => {
  it('lists its commands and refuses an unknown one', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const name of ['serve', 'merchant', 'terminal', 'verify']) expect(help.stdout).toContain(name);
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });

  it('reads subcommands alike in every command: help, none, or one it does not know', async () => {
    for (const command of ['merchant', 'terminal', 'pos', 'iso']) {
      const none = await runCli([command]);
      expect(none.code).toBe(2);
      expect(none.stdout).toContain(`posguard ${command}`);
      for (const asked of ['help', '--help', '-h']) expect((await runCli([command, asked])).code).toBe(0);
    }
    const merchant = await runCli(['merchant', 'remove']);
    expect(merchant.code).toBe(2);
    expect(merchant.stderr).toContain('merchant: expected the subcommand add, got "remove"');
    const iso = await runCli(['iso', 'pack']);
    expect(iso.stderr).toContain('iso: expected a subcommand (decode, encode), got "pack"');
  });

  it('adds a merchant and prints its API key once as JSON', async () => {
    const db = tempDb();
    const run = await runCli([
      'merchant',
      'add',
      '--id',
      'M100',
      '--name',
      'Corner shop',
      '--duplicate-policy',
      'block',
      '--json',
      '--db',
      db,
    ]);
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as { merchantId: string; apiKey: string };
    expect(printed.merchantId).toBe('M100');
    expect(printed.apiKey).toMatch(/^pgk_[0-9A-Za-z]{32}$/);
    const stored = new Database(db, { readonly: true }).prepare('SELECT * FROM merchants').all();
    expect(JSON.stringify(stored)).not.toContain(printed.apiKey);
    const again = await runCli(['merchant', 'add', '--id', 'M100', '--name', 'x', '--db', db]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('POS_ERR_MERCHANT_EXISTS');
  });

  it('reads the database path from POSGUARD_DB', async () => {
    const db = tempDb();
    const run = await runCli(['merchant', 'add', '--id', 'M1', '--name', 'Shop', '--json'], {
      env: { POSGUARD_DB: db },
    });
    expect(run.code).toBe(0);
    expect(new Database(db, { readonly: true }).prepare('SELECT id FROM merchants').all()).toEqual([
      { id: 'M1' },
    ]);
  });

  it('refuses bad flags naming the flag and what came', async () => {
    const db = tempDb();
    const cases: Array<[string[], RegExp]> = [
      [['merchant', 'add', '--name', 'x', '--db', db], /--id is required/],
      [
        ['merchant', 'add', '--id', 'M1', '--name', 'x', '--duplicate-policy', 'maybe', '--db', db],
        /--duplicate-policy expected one of confirm, block, flag, off, got "maybe"/,
      ],
      [
        ['merchant', 'add', '--id', 'M1', '--name', 'x', '--duplicate-window-s=-5', '--db', db],
        /--duplicate-window-s expected a whole number/,
      ],
      [
        ['merchant', 'add', '--id', 'M1', '--name', 'x', '--colour', 'red', '--db', db],
        /Unknown option '--colour'/,
      ],
      [
        ['merchant', 'add', '--id', 'THIS-ID-IS-TOO-LONG', '--name', 'x', '--db', db],
        /id: expected 1 to 15 letters or digits/,
      ],
      [
        ['serve', '--http-port', 'eighty'],
        /--http-port: expected a whole number from 0 to 65535, got "eighty"/,
      ],
      [
        ['terminal', 'add', '--merchant', 'M1', '--id', 'T1', '--tmk', 'XYZ', '--db', db],
        /--tmk: expected 16 or 32 hex characters/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).not.toBe(0);
      expect(run.stderr, args.join(' ')).toMatch(message);
    }
    const env = await runCli(['serve'], { env: { POSGUARD_ISSUER_DECLINE_RATE: '5%' } });
    expect(env.stderr).toMatch(/POSGUARD_ISSUER_DECLINE_RATE: expected a share from 0 to 1/);
    // A bad setting is bad usage, like a bad flag: exit status 2.
    expect(env.code).toBe(2);
    for (const url of ['notaurl', 'ftp://issuer.example']) {
      const upstream = await runCli(['serve', '--upstream-url', url]);
      expect(upstream.code).toBe(2);
      expect(upstream.stderr).toContain(`--upstream-url: expected an http:// or https:// URL, got "${url}"`);
    }
    expect((await runCli(['serve', '--http-port', 'eighty'])).code).toBe(2);
  });

  it('names what the system refused in one line, without a stack trace', async () => {
    const db = tempDb();
    await runCli(['merchant', 'add', '--id', 'M1', '--name', 'Shop', '--db', db]);
    const dir = mkdtempSync(join(tmpdir(), 'pg-cli-out-'));
    const missingFolder = await runCli(['export', '--out', join(dir, 'no', 'x.csv'), '--db', db]);
    expect(missingFolder.code).toBe(1);
    expect(missingFolder.stderr).toMatch(
      /^posguard export: POS_ERR_EXPORT_WRITE_FAILED: --out: cannot write .*x\.csv: ENOENT/,
    );
    const onFolder = await runCli(['export', '--out', dir, '--db', db]);
    expect(onFolder.stderr).toMatch(/POS_ERR_EXPORT_WRITE_FAILED: --out: cannot write .*: EISDIR/);
    expect(readdirSync(dirname(dir)).filter((f) => f.endsWith('.partial'))).toEqual([]);
    const settlementFolder = await runCli([
      'reconcile',
      '--db',
      db,
      '--settlement',
      dir,
      '--out',
      join(dir, 'report'),
    ]);
    expect(settlementFolder.code).toBe(1);
    expect(settlementFolder.stderr).toContain(
      `POS_ERR_RECON_FILE_UNREADABLE: cannot read ${dir}: it is not a file`,
    );
  });

  it('adds a terminal with a generated master key printed once and stored only encrypted', async () => {
    const db = tempDb();
    await runCli(['merchant', 'add', '--id', 'M1', '--name', 'Shop', '--db', db]);
    const run = await runCli(['terminal', 'add', '--merchant', 'M1', '--id', 'T1', '--json', '--db', db]);
    expect(run.code).toBe(0);
    const { tmk } = JSON.parse(run.stdout) as { tmk: string };
    expect(tmk).toMatch(/^[0-9A-F]{32}$/);
    const row = new Database(db, { readonly: true }).prepare('SELECT tmk_encrypted FROM terminals').get() as {
      tmk_encrypted: string;
    };
    expect(row.tmk_encrypted).toMatch(/^v1\./);
    expect(row.tmk_encrypted.toUpperCase()).not.toContain(tmk);
    const given = await runCli([
      'terminal',
      'add',
      '--merchant',
      'M1',
      '--id',
      'T2',
      '--tmk',
      '0123456789ABCDEFFEDCBA9876543210',
      '--json',
      '--db',
      db,
    ]);
    expect(JSON.parse(given.stdout)).toEqual({ merchantId: 'M1', terminalId: 'T2' });
    const unknown = await runCli(['terminal', 'add', '--merchant', 'NOPE', '--id', 'T1', '--db', db]);
    expect(unknown.stderr).toContain('POS_ERR_MERCHANT_NOT_FOUND');
    // Another host secret could not open the keys sealed so far: refused, nothing added.
    const otherSecret = await runCli(
      ['terminal', 'add', '--merchant', 'M1', '--id', 'T3', '--secret', 'cd'.repeat(32), '--db', db],
      {},
    );
    expect(otherSecret.code).toBe(1);
    expect(otherSecret.stderr).toContain('POS_ERR_SECRET_MISMATCH');
    const terminals = new Database(db, { readonly: true }).prepare('SELECT terminal_id FROM terminals').all();
    expect(terminals).toEqual([{ terminal_id: 'T1' }, { terminal_id: 'T2' }]);
  });

  it('refuses to read or extend a store that is not there, and creates none', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'posguard-cli-')), 'typo', 'posguard.db');
    const runs = [
      await runCli(['verify', '--db', missing]),
      await runCli(['export', '--out', join(tmpdir(), 'never.csv'), '--db', missing]),
      await runCli(['terminal', 'add', '--merchant', 'M1', '--id', 'T1', '--db', missing]),
      await runCli(['reconcile', '--db', missing, '--settlement', 's.csv', '--out', join(tmpdir(), 'never')]),
    ];
    for (const run of runs) {
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`POS_ERR_STORE_NOT_FOUND: no SQLite database at "${missing}"`);
    }
    expect(existsSync(dirname(missing))).toBe(false);
    const created = await runCli(['merchant', 'add', '--id', 'M1', '--name', 'Shop', '--db', missing]);
    expect(created.code).toBe(0);
    expect(existsSync(missing)).toBe(true);
  });

  it('refuses a file that is not a posguard store, and writes nothing into it', async () => {
    const other = tempDb();
    const raw = new Database(other);
    raw.exec('CREATE TABLE ledger (rrn TEXT PRIMARY KEY)');
    raw.close();
    for (const args of [
      ['verify', '--json'],
      ['export', '--out', join(tmpdir(), 'never.csv')],
    ]) {
      const run = await runCli([...args, '--db', other]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`POS_ERR_STORE_NOT_POSGUARD: ${other} holds no posguard store`);
    }
    const tables = new Database(other, { readonly: true })
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all();
    expect(tables).toEqual([{ name: 'ledger' }]);
  });

  it('takes --db over a POSGUARD_DATABASE_URL in the environment', async () => {
    const db = tempDb();
    await runCli(['merchant', 'add', '--id', 'M1', '--name', 'Shop', '--db', db]);
    // The URL would fail to connect: the flag must win before anything tries it.
    const env = { POSGUARD_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    const run = await runCli(['verify', '--json', '--db', db], { env });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true });
  });

  it('verifies a sound store, and names an edited payment and a broken journal', async () => {
    const db = tempDb();
    await runCli(['merchant', 'add', '--id', 'M1', '--name', 'Shop', '--db', db]);
    await runCli(['terminal', 'add', '--merchant', 'M1', '--id', 'T1', '--db', db]);
    const sound = await runCli(['verify', '--json', '--db', db]);
    expect(sound.code).toBe(0);
    // A ledger named but not there, or not a ledger, is refused rather than silently skipped.
    const noLedger = await runCli(['verify', '--db', db, '--issuer-ledger', `${db}.nope`]);
    expect([noLedger.code, noLedger.stderr]).toEqual([
      2,
      expect.stringContaining('--issuer-ledger: no file at') as unknown,
    ]);
    const notLedger = await runCli(['verify', '--db', db, '--issuer-ledger', db]);
    expect([notLedger.code, notLedger.stderr]).toEqual([
      2,
      expect.stringContaining('is not a simulated issuer ledger') as unknown,
    ]);
    expect(JSON.parse(sound.stdout)).toMatchObject({ ok: true, breaches: [] });

    const raw = new Database(db);
    raw
      .prepare(
        `INSERT INTO payments (id, kind, merchant_id, terminal_id, idempotency_key, status, amount, currency, duplicate_confirmed,
         flagged_for_review, channel, created_at, updated_at) VALUES ('pay_x', 'sale', 'M1', 'T1', 'k', 'approved', 100, 'CNY', 0, 0, 'http', 1, 1)`,
      )
      .run();
    raw.prepare('UPDATE journal SET data = \'{"merchantId":"M2"}\' WHERE event = \'merchant.created\'').run();
    raw.close();
    const broken = await runCli(['verify', '--json', '--db', db]);
    expect(broken.code).toBe(1);
    const report = JSON.parse(broken.stdout) as { breaches: Array<{ invariant: string; message: string }> };
    expect(report.breaches.map((b) => b.invariant).sort()).toEqual([
      'journal_chain',
      'journal_matches_payments',
    ]);
    expect(report.breaches.find((b) => b.invariant === 'journal_chain')?.message).toMatch(
      /^journal chain \d+ row 1 was altered: its hash does not match$/,
    );
    const text = await runCli(['verify', '--db', db]);
    expect(text.stdout).toContain(
      'BREACH journal_matches_payments: payment pay_x is approved but its journal says nothing',
    );
  });
});
