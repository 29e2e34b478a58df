// The virtual POS scanning payment codes against a real `posguard serve --demo --iso-port 0` and
// its simulated wallet, which the real Alipay and WeChat Pay adapters reach over HTTP (issue 20):
// a scan run as its own process, a scan whose answer is lost (settled by asking the host, not
// reversed), and the wallet's books as the judge of every charge. No code the wallet issued is in
// the host's output or the terminal's journal afterwards.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/test-support/run-cli.js';
import { demo } from '../src/main.js';
import { cliPath, startHostProcess, tempDataDir } from './support/host-process.js';

function folderText(dir: string): string {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((path) => (statSync(path).isDirectory() ? folderText(path) : readFileSync(path, 'utf8')))
    .join('\n');
}

interface Ledger {
  readonly payers: ReadonlyArray<{ payerId: string; charged: number; charges: number }>;
  readonly refunds: readonly unknown[];
}

describe('posguard pos scan against posguard serve --demo --iso-port', () => {
  it('is paid through the demo wallet once per scan, a lost answer included, and keeps no code', async () => {
    const dir = tempDataDir();
    const host = await startHostProcess(['--db', join(dir, 'posguard.db'), '--demo', '--iso-port', '0']);
    try {
      const wallet = host.demoWalletUrl ?? '';
      expect(wallet).not.toBe('');
      const code = async (kind: 'alipay' | 'wechat'): Promise<string> => {
        const issued = await fetch(`${wallet}/_sim/codes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ wallet: kind, payerId: 'demo-payer-1' }),
        });
        return ((await issued.json()) as { code: string }).code;
      };
      const where = [
        '--host',
        `127.0.0.1:${host.isoPort ?? 0}`,
        '--merchant',
        demo.merchantId,
        '--terminal',
        demo.terminalId,
      ];
      const signin = await runCli(['pos', 'signin', ...where, '--tmk', demo.tmk], { cwd: dir });
      expect(signin.stdout).toContain('Signed in: batch 000001');

      // As its own process, as a support person would run it.
      const first = await code('wechat');
      const run = spawnSync(
        process.execPath,
        [cliPath, 'pos', 'scan', ...where, '--amount', '12.80', '--code', first],
        { cwd: dir, encoding: 'utf8', timeout: 90_000 },
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('APPROVED sale STAN 000002');
      expect(run.stdout).toContain(`WeChat Pay 微信支付 **************${first.slice(-4)}, trade no `);
      expect(run.stdout).toContain('Paid with WeChat Pay.\n微信支付付款成功。');

      // The answer is lost on the way back: the terminal asks the host and keeps the paid sale.
      const second = await code('alipay');
      const lost = await runCli(
        ['pos', 'scan', ...where, '--amount', '7.50', '--code', second, '--simulate', 'lost-answer'],
        { cwd: dir },
      );
      expect(lost.code, lost.stdout + lost.stderr).toBe(0);
      expect(lost.stdout).toContain('APPROVED sale STAN 000003');
      expect(lost.stdout).toContain('The answer was lost; the host, asked, told the outcome');
      expect((await runCli(['pos', 'reversal-status', ...where], { cwd: dir })).stdout).toContain(
        'No reversal owed.',
      );

      const ledger = (await (await fetch(`${wallet}/_sim/ledger`)).json()) as Ledger;
      expect(ledger.payers.find((p) => p.payerId === 'demo-payer-1')).toMatchObject({
        charges: 2,
        charged: 1280 + 750,
      });
      expect(ledger.refunds).toEqual([]);
      const journal = folderText(join(dir, 'data', 'terminals', demo.terminalId));
      for (const issued of [first, second]) {
        expect(host.output()).not.toContain(issued);
        expect(journal).not.toContain(issued);
      }
    } finally {
      expect(await host.stop()).toBe(0);
    }
  });
});
