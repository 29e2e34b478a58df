import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../test-support/run-cli.js';

const dirs: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'posguard-simulate-fleet-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('posguard simulate --culprits --truth --db', () => {
  it('plants culprits, writes the truth, keeps the store, and diagnose reads it', async () => {
    const cwd = scratch();
    const day = ['--intents', '160', '--terminals', '8', '--seed', '4', '--protocol', 'guarded'];
    const run = await runCli(
      ['simulate', ...day, '--culprits', '--truth', 'out/truth.json', '--db', 'out/day.db', '--json'],
      { cwd },
    );
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { culprits: unknown[] };
    const truth = JSON.parse(readFileSync(join(cwd, 'out/truth.json'), 'utf8')) as {
      format: string;
      seed: number;
      culprits: Array<{ subjectKind: string; subjectId: string; cause: string }>;
    };
    expect(truth).toMatchObject({ format: 'posguard-culprits/1', seed: 4, terminals: 8 });
    expect(truth.culprits).toEqual(report.culprits);
    // Three terminals, two operators, a carrier and a provider, with their causes.
    expect(truth.culprits.map((c) => c.subjectKind)).toEqual([
      'terminal',
      'terminal',
      'terminal',
      'operator',
      'operator',
      'network',
      'provider',
    ]);
    expect(run.stderr).toContain(
      `posguard diagnose --db "${join(cwd, 'out/day.db')}" --from 2026-11-25 --to 2026-11-25`,
    );
    expect(existsSync(join(cwd, 'out/day.db.writing'))).toBe(false);
    const diagnosis = await runCli(
      ['diagnose', '--db', 'out/day.db', '--from', '2026-11-25', '--to', '2026-11-25', '--json'],
      { cwd },
    );
    expect(diagnosis.code, diagnosis.stderr).toBe(0);
    expect((JSON.parse(diagnosis.stdout) as { subjects: unknown }).subjects).toEqual({
      terminal: 8,
      operator: 16,
      network: 5,
      provider: 3,
    });
    const table = await runCli(['simulate', ...day, '--culprits', '--lang', 'zh-CN'], { cwd });
    expect(table.stdout).toContain('植入的问题（7）：');
  });

  it('refuses bad fleet flags with a coded error, before the day runs', async () => {
    const cwd = scratch();
    writeFileSync(join(cwd, 'taken.db'), '');
    const refusals = await Promise.all([
      runCli(['simulate', '--culprits', '--terminals', '4'], { cwd }),
      runCli(['simulate', '--truth', 'truth.json'], { cwd }),
      runCli(['simulate', '--db', 'taken.db', '--intents', '10'], { cwd }),
      runCli(['simulate', '--db', 'new.db', '--protocol', 'naive'], { cwd }),
    ]);
    expect(refusals.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    const [few, truth, taken, naive] = refusals.map((r) => r.stderr);
    expect(few).toMatch(
      /POS_ERR_CLI_BAD_FLAG: simulate: --culprits expected --terminals from 8 to 499 .* got 4/,
    );
    expect(truth).toMatch(/POS_ERR_CLI_BAD_FLAG: simulate: --truth expected --culprits with it/);
    expect(taken).toMatch(
      /POS_ERR_CLI_BAD_FLAG: simulate: --db expected a path where no file is yet .*"taken.db", which exists/,
    );
    expect(naive).toMatch(/POS_ERR_CLI_BAD_FLAG: simulate: --db keeps the guarded host's store/);
    expect(existsSync(join(cwd, 'truth.json'))).toBe(false);
    expect(existsSync(join(cwd, 'new.db'))).toBe(false);
  });
});
