// The README's API tour is a script: this runs it as it is against a fresh demo host, so the curl
// examples in the README keep working.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHostProcess, tempDataDir } from './support/host-process.js';

function tourScript(): string {
  const readme = readFileSync('README.md', 'utf8');
  const block = /<!-- tour:start -->\s*```sh\n([\s\S]*?)```\s*<!-- tour:end -->/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no tour block');
  return block;
}

describe('the README tour', () => {
  it('runs against a demo host and shows each behaviour it promises', async () => {
    const dir = tempDataDir();
    const host = await startHostProcess(['--demo', '--db', join(dir, 'posguard.db')]);
    try {
      const script = tourScript().replace('URL=http://127.0.0.1:8080', `URL=${host.url}`);
      const run = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', script], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const expected = [
        '"status":"approved"',
        'idempotent-replayed: true',
        '"code":"POS_ERR_IDEMPOTENCY_KEY_REUSED"',
        '"status":"duplicate_suspected"',
        '"duplicateConfirmed":true',
        '"resolution":"confirmed"',
        '"kind":"void","status":"approved"',
        '"kind":"refund","status":"approved"',
        '"code":"POS_ERR_PAYMENT_REFUND_EXCEEDS_CAPTURED"',
        '"state":"tombstoned"',
        '"code":"POS_ERR_IDEMPOTENCY_KEY_REVERSED"',
        '"code":"POS_ERR_HTTP_INVALID_REQUEST"',
        '"nextCursor"',
        '{"status":"ok","store":"sqlite"}',
        'posguard_duplicates_prevented_total{reason="late_original_refused"} 1',
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
