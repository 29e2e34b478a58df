// The README's virtual POS block is a script: this runs it as it is (with the port the host got and
// the built CLI for `npx posguard`) against a fresh demo host, so the commands keep working.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, startHostProcess, tempDataDir } from './support/host-process.js';

function isoTourScript(): string {
  const readme = readFileSync('README.md', 'utf8');
  const block = /<!-- iso-tour:start -->\s*```sh\n([\s\S]*?)```\s*<!-- iso-tour:end -->/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no iso-tour block');
  return block;
}

describe('the README virtual POS tour', () => {
  it('runs against a demo host with the ISO 8583 channel and shows each behaviour it promises', async () => {
    const dir = tempDataDir();
    const host = await startHostProcess(['--demo', '--db', join(dir, 'posguard.db'), '--iso-port', '0']);
    try {
      const script = isoTourScript()
        .replace('127.0.0.1:5000', `127.0.0.1:${host.isoPort}`)
        .replaceAll('npx posguard', `node ${cliPath}`);
      // Not `bash -e`: a declined sale exits 1, and the tour shows declines on purpose.
      const run = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      expect(run.stderr).toBe('');
      const expected = [
        'Signed in: batch 000001',
        'APPROVED sale STAN 000002',
        'DECLINED 94: SUSPECTED DUPLICATE',
        'APPROVED sale STAN 000004',
        'reversed, the card is not charged',
        'APPROVED void STAN 000006',
        'APPROVED refund STAN 000007',
        'The receipt did not print',
        '*** REPRINT',
        'Reprinted from the journal: sale STAN 000008',
        'No reversal owed.',
        'BALANCED: batch 000001 settled (sales 2 for CNY 20.80, refunds 1 for CNY 5.00)',
      ];
      let from = 0;
      for (const fragment of expected) {
        const at = run.stdout.indexOf(fragment, from);
        expect(at, `${fragment} after position ${from} in:\n${run.stdout}`).toBeGreaterThanOrEqual(0);
        from = at;
      }
    } finally {
      expect(await host.stop()).toBe(0);
    }
  });
});
