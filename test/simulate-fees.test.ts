// `posguard simulate --fees` end to end, as a user runs it: the compiled CLI in its own process,
// pricing a small day under the demo plan and under a plan file, and refusing a missing or bad
// plan file before the day runs.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, tempDataDir } from './support/host-process.js';

function posguard(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const day = ['simulate', '--intents', '300', '--terminals', '6', '--seed', '9'];

interface FeesJson {
  duplicateCharges: number;
  feesChargedFen: number;
  feesReturnedFen: number;
  feesNetFen: number;
}
interface Report {
  protocols: Record<string, { duplicateCharges: number; fees?: FeesJson }>;
  fees?: { plan: string; naiveMinusGuarded: { feesNetFen: number } };
}

describe('posguard simulate --fees', () => {
  it('adds fees to the JSON report and leaves the rest of it as it was', () => {
    const plain = posguard([...day, '--json']);
    const priced = posguard([...day, '--json', '--fees']);
    expect([plain.code, priced.code, priced.stderr]).toEqual([0, 0, '']);
    const withoutTiming = (text: string): string => text.replace(/"timing":\{[^}]*\}/, '');
    const report = JSON.parse(priced.stdout) as Report;
    const naive = report.protocols['naive']?.fees;
    const guarded = report.protocols['guarded']?.fees;
    expect(report.fees?.plan).toBe('demo');
    expect(report.fees?.naiveMinusGuarded.feesNetFen).toBe(
      (naive?.feesNetFen ?? 0) - (guarded?.feesNetFen ?? 0),
    );
    expect(naive?.duplicateCharges).toBe(report.protocols['naive']?.duplicateCharges);
    expect(guarded?.feesNetFen).toBe(0);
    // Without the fees objects, the priced report is the plain one, byte for byte.
    const stripped = JSON.parse(priced.stdout) as Report & Record<string, unknown>;
    delete stripped.fees;
    for (const p of Object.values(stripped.protocols)) delete p.fees;
    expect(withoutTiming(JSON.stringify(stripped))).toBe(withoutTiming(plain.stdout.trim()));
  });

  it('prints the fees table in en and zh-CN under a plan file', () => {
    const dir = tempDataDir();
    const plan = JSON.parse(readFileSync('test/fixtures/fees/plan-m1.json', 'utf8')) as Record<
      string,
      unknown
    >;
    const file = join(dir, 'plan.json');
    writeFileSync(file, JSON.stringify(plan));
    const en = posguard([...day, '--fee-plan', file]);
    expect([en.code, en.stderr]).toEqual([0, '']);
    expect(en.stdout).toContain(`fees on duplicate charges (fee plan: ${file})`);
    expect(en.stdout).toMatch(/\n {2}fees charged \(CNY\) +\d+\.\d\d +\d+\.\d\d\n/);
    expect(en.stdout).toMatch(/The naive protocol's duplicates cost the merchants \d+\.\d\d CNY in fees/);
    const zh = posguard([...day, '--fees', '--lang', 'zh-CN', '--protocol', 'naive']);
    expect(zh.code).toBe(0);
    expect(zh.stdout).toContain('重复扣款的手续费（费率方案：演示方案）');
    expect(zh.stdout).toMatch(/\n {2}收取手续费（元） +\d+\.\d\d\n/);
    expect(zh.stdout).not.toContain('guarded');
  });

  it('refuses a missing or bad plan file, and a language it does not speak, with exit status 2', () => {
    const dir = tempDataDir();
    const bad = join(dir, 'bad.json');
    const plan = JSON.parse(readFileSync('test/fixtures/fees/plan-m1.json', 'utf8')) as {
      versions: Record<string, unknown>[];
    };
    writeFileSync(
      bad,
      JSON.stringify({ ...plan, versions: [{ ...plan.versions[0], rates: { debit: { ratePpm: -1 } } }] }),
    );
    const cases: [string[], RegExp][] = [
      [
        ['--fee-plan', join(dir, 'missing.json')],
        /POS_ERR_FEES_FILE_UNREADABLE: cannot read ".*missing\.json"/,
      ],
      [['--fee-plan', bad], /POS_ERR_FEES_PLAN_INVALID: .*versions\[0\]\.rates\.debit\.ratePpm/],
      [['--fees', '--lang', 'fr'], /POS_ERR_CLI_BAD_FLAG: simulate: --lang expected en or zh-CN, got "fr"/],
    ];
    for (const [args, message] of cases) {
      const run = posguard([...day, ...args]);
      expect([run.code, run.stdout], args.join(' ')).toEqual([2, '']);
      expect(run.stderr).toMatch(message);
    }
  });
});
