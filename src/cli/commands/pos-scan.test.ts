// `posguard pos scan` end to end (issue 20): the real CLI code, run in process, over TCP to a real
// ISO 8583 host whose engine pays through the simulated wallet's UnionPay QR provider (the serve
// command wires no wallet yet). It signs in, scans codes the wallet charges, survives a lost answer
// by asking the host, declines a code the customer never confirms, refuses bad codes before
// sending anything, and prints each outcome in English and Chinese. The wallet's books prove the
// charges; the journal folder and the host's log lines are searched for every code used.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  qrMerchantId,
  qrTerminalId,
  qrTmkHex,
  startQrTcpHost,
  type QrTcpHost,
} from '../../iso-host/test-support/qr-tcp-host.js';
import { runCli } from '../test-support/run-cli.js';

/** Every file's text under a folder. */
function folderText(dir: string): string {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((path) => (statSync(path).isDirectory() ? folderText(path) : readFileSync(path, 'utf8')))
    .join('\n');
}

describe('posguard pos scan', () => {
  let host: QrTcpHost | undefined;
  afterEach(async () => {
    await host?.stop();
    host = undefined;
  });

  async function pos(qr: QrTcpHost, cwd: string, sub: string, ...args: string[]) {
    const where = ['--host', `127.0.0.1:${qr.port}`, '--merchant', qrMerchantId, '--terminal', qrTerminalId];
    return runCli(['pos', sub, ...where, ...args], { cwd });
  }

  it('scans, survives a lost answer, declines an unconfirmed code, and keeps no code anywhere', async () => {
    const qr = (host = await startQrTcpHost({
      faults: { userPayingRate: 0 },
      timing: { queryIntervalMs: 200, payWindowMs: 1_500 },
    }));
    const cwd = mkdtempSync(join(tmpdir(), 'pg-pos-scan-'));
    expect((await pos(qr, cwd, 'signin', '--tmk', qrTmkHex)).stdout).toContain('Signed in: batch 000001');
    const codes: string[] = [];
    // The same customer pays each time: other amounts, or the duplicate guard would hold them.
    const scan = async (amount: string, ...args: string[]) => {
      const code = qr.code();
      codes.push(code);
      return pos(qr, cwd, 'scan', '--amount', amount, '--code', code, ...args);
    };

    const paid = await scan('12.80');
    expect(paid.code).toBe(0);
    expect(paid.stdout).toContain('APPROVED sale STAN 000002 batch 000001: CNY 12.80, approved (00), RRN');
    expect(paid.stdout).toContain(`UnionPay QR 银联二维码 ***************${codes[0]?.slice(-4)}, trade no `);
    expect(paid.stdout).toContain('Paid with UnionPay QR.\n银联二维码付款成功。');
    expect(paid.stdout).toContain('QR 扫码  UnionPay QR 银联二维码'); // the receipt
    expect(qr.books.ledger().charges).toHaveLength(1);

    // The answer is lost: the terminal asks the host, which says it was paid. Nothing is reversed.
    const lost = await scan('15.00', '--simulate', 'lost-answer');
    expect(lost.code, lost.stdout + lost.stderr).toBe(0);
    expect(lost.stdout).toContain('APPROVED sale STAN 000003');
    expect(lost.stdout).toContain(
      'The answer was lost; the host, asked, told the outcome: nothing was reversed.',
    );
    const queried = qr.logs.filter((l) => l.fields['type'] === 'transaction-query');
    expect(queried.map((l) => l.fields['status'])).toEqual(['approved']);
    expect((await pos(qr, cwd, 'reversal-status')).stdout).toContain('No reversal owed.');
    expect(qr.books.ledger().charges).toHaveLength(2);

    // The customer never confirms: the host cancels at the end of the pay window and answers 98.
    qr.books.draws.faults = { ...qr.books.draws.faults, userPayingRate: 1, confirmAfterMs: null };
    const unconfirmed = await scan('9.90', '--json');
    expect(unconfirmed.code).toBe(1);
    const outcome = JSON.parse(unconfirmed.stdout) as { kind: string; record: { responseCode: string } };
    expect(outcome).toMatchObject({ kind: 'declined', record: { responseCode: '98' } });
    qr.books.draws.faults = { ...qr.books.draws.faults, userPayingRate: 0 };
    const declinedText = await pos(qr, cwd, 'reprint');
    expect(declinedText.stdout).toContain('DECLINED (98)');

    // Bad codes are refused before anything is sent (exit 2), and never echoed.
    const sentBefore = qr.logs.filter((l) => l.fields['type'] === 'sale').length;
    for (const [bad, expected] of [
      [
        '994567890123456789',
        'POS_ERR_CLI_BAD_FLAG: pos: invalid payment code: --code: expected a code of a wallet',
      ],
      ['62123456789012345', 'expected 19 digits starting 62 for UnionPay QR, got 17 digits starting 62'],
      ['62x2345678901234567', 'not all digits'],
    ] as const) {
      const refused = await pos(qr, cwd, 'scan', '--amount', '1.00', '--code', bad);
      expect(refused.code, bad).toBe(2);
      expect(refused.stderr, bad).toContain(expected);
      expect(refused.stderr + refused.stdout).not.toContain(bad);
    }
    expect((await pos(qr, cwd, 'scan', '--amount', '1.00')).stderr).toContain('--code is required');
    expect(qr.logs.filter((l) => l.fields['type'] === 'sale')).toHaveLength(sentBefore);

    // Exactly the two confirmed sales are charged, once each; the unconfirmed order was closed.
    await expect.poll(() => qr.books.ledger().orders.filter((o) => o.state === 'closed').length).toBe(1);
    expect(qr.books.ledger().charges).toHaveLength(2);
    expect(qr.books.ledger().refunds).toHaveLength(0);
    const journal = folderText(join(cwd, 'data', 'terminals', qrTerminalId));
    const logs = qr.logText();
    for (const code of codes) {
      expect(journal).not.toContain(code);
      expect(logs).not.toContain(code);
    }
    expect(journal).toContain(`***************${codes[0]?.slice(-4)}`);
  });

  it('is in the help with an example, and asks for the code', async () => {
    const help = await runCli(['pos', '--help']);
    expect(help.stdout).toContain('posguard pos scan --host 127.0.0.1:5000');
    expect(help.stdout).toContain('--code DIGITS');
  });
});
