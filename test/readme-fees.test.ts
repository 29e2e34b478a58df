// The README's "What a POS costs" block is a script: this runs it as it is against a fresh demo
// host (the CLI on the host's database), so its commands keep working.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, startHostProcess, tempDataDir } from './support/host-process.js';

function feesScript(): string {
  const readme = readFileSync('README.md', 'utf8');
  const block = /<!-- fees:start -->\s*```sh\n([\s\S]*?)```\s*<!-- fees:end -->/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no fees block');
  return block;
}

describe('the README section "What a POS costs"', () => {
  it("sets the demo plan, prices a capped debit sale, compares an offer, gives a terminal's month and prices a simulated day's duplicates", async () => {
    const dir = tempDataDir();
    const db = join(dir, 'posguard.db');
    const host = await startHostProcess(['--demo', '--db', db]);
    try {
      const script = feesScript()
        .replace('URL=http://127.0.0.1:8080', `URL=${host.url}`)
        .replaceAll('./data/posguard.db', db)
        .replaceAll('npx posguard', `node ${cliPath}`);
      const run = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', script], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const expected = [
        'Fee plan of DEMOSHOP0000001: version 1 stored by ops:demo.',
        'version 1  from 2026-01-01  by ops:demo',
        'BIN table loaded: 3 prefixes.',
        '"status":"approved"',
        '封顶 20.00 元',
        '"feesNetFen":2000',
        // The offer has no debit cap: 0.55% of 5000.00 is 27.50, 7.50 more than the plan's 20.00.
        'plan.json: 20.00 CNY of net fees on 1 sales (the cheapest).',
        'offer.json: 27.50 CNY of net fees on 1 sales, 7.50 CNY more than the cheapest.',
        'Monthly statement of merchant DEMOSHOP0000001, terminal DEMO0001',
        'Plan charges (device, SIM)',
        'fees on duplicate charges (fee plan: demo)',
        "The naive protocol's duplicates cost the merchants",
      ];
      let from = 0;
      for (const fragment of expected) {
        const at = run.stdout.indexOf(fragment, from);
        expect(at, `${fragment} after position ${from} in:\n${run.stdout}`).toBeGreaterThanOrEqual(0);
        from = at;
      }
      expect(run.stdout).not.toContain('6212345678901232');
    } finally {
      await host.stop();
    }
  });
});
