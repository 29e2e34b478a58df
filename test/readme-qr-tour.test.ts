// The README's QR tour is a script: this runs it as it is against a fresh demo host and its
// simulated wallet, so the QR examples in the README keep working.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHostProcess, tempDataDir } from './support/host-process.js';

function qrTourScript(): string {
  const readme = readFileSync('README.md', 'utf8');
  const block = /<!-- qr-tour:start -->\s*```sh\n([\s\S]*?)```\s*<!-- qr-tour:end -->/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no QR tour block');
  return block;
}

describe('the README QR tour', () => {
  it('runs against a demo host and its simulated wallet, and shows each behaviour it promises', async () => {
    const dir = tempDataDir();
    const host = await startHostProcess(['--demo', '--db', join(dir, 'posguard.db')]);
    try {
      expect(host.demoWalletUrl).not.toBeNull();
      const script = qrTourScript()
        .replace('URL=http://127.0.0.1:8080', `URL=${host.url}`)
        .replace('WALLET=http://127.0.0.1:8070', `WALLET=${host.demoWalletUrl}`);
      const run = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', script], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const expected = [
        '"status":"approved"',
        '"wallet":"alipay","paymentCodeMasked":"**************',
        'idempotent-replayed: true',
        '"status":"duplicate_suspected","responseCode":"94"',
        '"status":"approved"',
        '"duplicateConfirmed":true',
        '"code":"POS_ERR_QR_CODE_UNKNOWN_WALLET"',
        '"cashierMessage":{"zh":"付款码无法识别',
        '"payerId":"demo-payer-1","balance":995000,"charged":7500,"charges":3',
        '"refunded":2500',
        '"kind":"refund","status":"approved","responseCode":"00"',
        '"method":"qr","wallet":"alipay"',
        'idempotent-replayed: true',
        '"code":"POS_ERR_PAYMENT_REFUND_EXCEEDS_CAPTURED"',
        '"refundNo":"RQ',
      ];
      let from = 0;
      for (const fragment of expected) {
        const at = run.stdout.indexOf(fragment, from);
        expect(at, `${fragment} after position ${from} in:\n${run.stdout}`).toBeGreaterThanOrEqual(0);
        from = at;
      }
      // One refund line for the refund and its retry.
      expect(run.stdout.match(/"refundNo":"RQ[0-9a-f]{30}","amount":1000/g)).toHaveLength(1);
      // The codes the wallet issued never come back from the host, nor reach its log.
      expect(run.stdout).not.toMatch(/"paymentCode":"\d/);
      expect(host.output()).not.toMatch(/\b(?:2[5-9]|30)\d{14,22}\b/);
    } finally {
      await host.stop();
    }
  });
});
