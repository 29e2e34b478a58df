import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedFleet } from '../../diagnostics/test-support/seeded-fleet.js';
import { openSqliteStore } from '../../store/sqlite/open-sqlite-store.js';
import { runCli } from '../test-support/run-cli.js';

let db: string;

beforeAll(async () => {
  db = join(mkdtempSync(join(tmpdir(), 'pg-diagnose-')), 'posguard.db');
  const fleet = await seedFleet({ store: await openSqliteStore(db) });
  await fleet.store.close();
}, 120_000);

/** The seeded fleet's day, 2026-11-25 in China Standard Time. */
const day = ['--from', '2026-11-25', '--to', '2026-11-25'];

describe('posguard diagnose', () => {
  it('prints the findings as JSON for scripts, the culprits first by priority', async () => {
    const run = await runCli(['diagnose', '--db', db, ...day, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      from: string;
      to: string;
      merchantId: string | null;
      findings: Array<{
        subject: { id: string };
        cause: string;
        priority: string;
        evidence: { from: string };
      }>;
    };
    expect(out.from).toBe('2026-11-25T00:00:00.000+08:00');
    expect(out.to).toBe('2026-11-26T00:00:00.000+08:00');
    expect(out.merchantId).toBeNull();
    expect(out.findings.map((f) => f.subject.id)).toContain('M0001/T0003');
    expect(new Set(out.findings.map((f) => f.cause))).toEqual(
      new Set(['software', 'hardware', 'operator', 'network', 'third_party']),
    );
    const priorities = out.findings.map((f) => ['high', 'medium', 'low'].indexOf(f.priority));
    expect(priorities).toEqual([...priorities].sort((a, b) => a - b));
  });

  it('prints a report in Chinese with --lang zh-CN, and in English by default', async () => {
    const zh = await runCli(['diagnose', '--db', db, ...day, '--lang', 'zh-CN']);
    expect(zh.code).toBe(0);
    expect(zh.stdout).toContain('终端 T0003（商户 M0001）：读卡器重复读卡率 30.0%');
    expect(zh.stdout).toContain('建议检查或更换读卡器');
    const en = await runCli(['diagnose', '--db', db, ...day]);
    expect(en.stdout).toContain('Fleet diagnosis: where duplicates come from');
    expect(en.stdout).toContain('check or replace the card reader');
  });

  it("diagnoses one merchant's own traffic with --merchant", async () => {
    const run = await runCli(['diagnose', '--db', db, ...day, '--merchant', 'M0002', '--json']);
    const out = JSON.parse(run.stdout) as {
      merchantId: string;
      findings: Array<{ subject: { id: string } }>;
    };
    expect(out.merchantId).toBe('M0002');
    expect(out.findings.every((f) => !f.subject.id.startsWith('M0001'))).toBe(true);
  });

  it("finds nothing outside the fleet's day, and says so", async () => {
    const run = await runCli(['diagnose', '--db', db, '--from', '2026-11-01', '--to', '2026-11-02']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('No finding reaches significance');
  });

  it('refuses bad flags with a coded error naming the flag, before opening the store', async () => {
    const cases: Array<[string[], string]> = [
      [['--lang', 'fr'], '--lang expected zh-CN or en, got "fr"'],
      [['--significance', '0.5'], '--significance expected a number from 0.000001 to 0.2'],
      [['--significance', 'often'], '--significance expected a number'],
      [['--from', '2026-11-31'], '--from expected a date'],
      [['--from', '2026-11-10', '--to', '2026-11-01'], '--from expected a time before --to'],
      [['--from', '2026-01-01', '--to', '2026-11-01'], 'at most 92 days'],
      [['--colour'], "Unknown option '--colour'"],
    ];
    for (const [flags, message] of cases) {
      const run = await runCli(['diagnose', '--db', join(tmpdir(), 'no-such-store.db'), ...flags]);
      expect(run.code, flags.join(' ')).toBe(2);
      expect(run.stderr).toContain('POS_ERR_CLI_BAD_FLAG');
      expect(run.stderr).toContain(message);
    }
  });

  it('refuses a --db that holds no store', async () => {
    const run = await runCli(['diagnose', '--db', join(tmpdir(), 'pg-diagnose-missing.db')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('POS_ERR_STORE_NOT_FOUND');
  });

  it('explains itself with --help', async () => {
    const run = await runCli(['diagnose', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: posguard diagnose');
    expect(run.stdout).toContain('--significance');
  });
});

describe('posguard operations-key', () => {
  it('creates a key shown once, lists it without the key, and revokes it once', async () => {
    const created = await runCli([
      'operations-key',
      'create',
      '--db',
      db,
      '--label',
      'night shift',
      '--json',
    ]);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; label: string; apiKey: string };
    expect(key.apiKey).toMatch(/^pgo_[A-Za-z0-9]{32}$/);
    const listed = await runCli(['operations-key', 'list', '--db', db]);
    expect(listed.stdout).toContain(`${key.id}  active`);
    expect(listed.stdout).not.toContain(key.apiKey);
    expect((await runCli(['operations-key', 'revoke', '--db', db, '--id', key.id])).code).toBe(0);
    const again = await runCli(['operations-key', 'revoke', '--db', db, '--id', key.id]);
    expect(again.stderr).toContain('POS_ERR_OPERATIONS_KEY_NOT_FOUND');
  });

  it('refuses an empty label and a malformed id with coded errors', async () => {
    const label = await runCli(['operations-key', 'create', '--db', db, '--label', ' ']);
    expect(label.code).toBe(2);
    expect(label.stderr).toContain('POS_ERR_OPERATIONS_KEY_INVALID');
    const id = await runCli(['operations-key', 'revoke', '--db', db, '--id', 'pgo_secret']);
    expect(id.stderr).toContain('POS_ERR_OPERATIONS_KEY_INVALID');
    const missing = await runCli(['operations-key', 'create', '--db', db]);
    expect(missing.stderr).toContain('POS_ERR_CLI_MISSING_FLAG');
  });
});
