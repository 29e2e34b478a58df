// `posguard pos show-code` end to end (issue 20): the real CLI code, run in process, over TCP to a
// real ISO 8583 host whose engine makes orders at the simulated wallet's UnionPay QR provider; the
// customer pays by scanning the code through the wallet's `/_sim/scan` hook over HTTP, as against
// the demo wallet. The command prints the code (content and a QR drawing), waits, and prints the
// sale; a stop takes the code away; bad flags are refused before anything is sent. The wallet's
// books prove the one charge.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  qrMerchantId,
  qrPayer,
  qrTerminalId,
  qrTmkHex,
  startQrTcpHost,
  type QrTcpHost,
} from '../../iso-host/test-support/qr-tcp-host.js';
import { runCli } from '../test-support/run-cli.js';

describe('posguard pos show-code', () => {
  let host: QrTcpHost | undefined;
  afterEach(async () => {
    await host?.stop();
    host = undefined;
  });

  function pos(qr: QrTcpHost, cwd: string, sub: string, args: string[], stop?: Promise<string>) {
    const where = ['--host', `127.0.0.1:${qr.port}`, '--merchant', qrMerchantId, '--terminal', qrTerminalId];
    return runCli(['pos', sub, ...where, ...args], { cwd, ...(stop === undefined ? {} : { stop }) });
  }

  /** The content of the terminal's open order, once the host has it (what the customer scans). */
  async function shownContent(qr: QrTcpHost): Promise<string> {
    const content = async (): Promise<string | null> => {
      const payments = await qr.engine.listPayments({ merchantId: qrMerchantId, limit: 10 });
      return payments.find((p) => p.status === 'pending')?.qr?.qrContent ?? null;
    };
    await expect.poll(content, { timeout: 10_000, interval: 20 }).not.toBeNull();
    return (await content()) ?? '';
  }

  it('prints the code, and the sale once the customer has scanned and paid it', async () => {
    const qr = (host = await startQrTcpHost({ simHooks: true, timing: { queryIntervalMs: 200 } }));
    const cwd = mkdtempSync(join(tmpdir(), 'pg-pos-show-'));
    expect((await pos(qr, cwd, 'signin', ['--tmk', qrTmkHex])).stdout).toContain('Signed in: batch 000001');

    const running = pos(qr, cwd, 'show-code', ['--amount', '12.80', '--wallet', 'unionpay']);
    const content = await shownContent(qr);
    const scanned = await fetch(`${qr.walletUrl ?? ''}/_sim/scan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ qrContent: content, payerId: qrPayer }),
    });
    expect(await scanned.json()).toMatchObject({ outcome: 'paid', wallet: 'unionpay', amount: 1280 });
    const paid = await running;
    expect(paid.stderr).toBe('');
    expect(paid.code).toBe(0);
    expect(paid.stdout).toContain(
      'Show this code to the customer 请顾客扫码付款: UnionPay QR 银联二维码, CNY 12.80, order PG',
    );
    expect(paid.stdout).toContain(`Code content 收款码内容: ${content}`);
    expect(paid.stdout).toMatch(/[█▀▄]{20}/); // the code drawn in the terminal
    expect(paid.stdout).toContain('still waiting 仍在等待 (look 1, ');
    expect(paid.stdout).toMatch(
      /APPROVED sale STAN 000002 batch 000001: CNY 12\.80, approved \(00\), RRN \d{12}, UnionPay QR 银联二维码 order PG\w{30}, trade no /,
    );
    expect(paid.stdout).toContain('QR 收款码  UnionPay QR 银联二维码'); // the receipt
    expect(paid.stdout).toContain('Paid with UnionPay QR.\n银联二维码收款成功。');
    expect(qr.books.ledger().charges).toHaveLength(1);
    expect((await pos(qr, cwd, 'reversal-status', [])).stdout).toContain('No reversal owed.');
  });

  it('takes the code away on a stop, and prints each step as a JSON line with --json', async () => {
    const qr = (host = await startQrTcpHost({ simHooks: true, timing: { queryIntervalMs: 200 } }));
    const cwd = mkdtempSync(join(tmpdir(), 'pg-pos-show-'));
    await pos(qr, cwd, 'signin', ['--tmk', qrTmkHex]);
    let stop: (signal: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    const running = pos(qr, cwd, 'show-code', ['--amount', '3.00', '--json'], stopped);
    const content = await shownContent(qr);
    stop('SIGINT');
    const closed = await running;
    expect(closed.code).toBe(1);
    const lines = closed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toEqual({
      progress: expect.objectContaining({ kind: 'code', qrContent: content, wallet: 'unionpay' }) as unknown,
    });
    expect(lines).toContainEqual({ progress: { kind: 'closing', why: 'cancelled' } });
    expect(lines.at(-1)).toMatchObject({ kind: 'not-paid', state: 'closed', record: { state: 'declined' } });
    // The customer who scans it now finds it closed; nothing was charged.
    const late = await fetch(`${qr.walletUrl ?? ''}/_sim/scan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ qrContent: content, payerId: qrPayer }),
    });
    expect(await late.json()).not.toMatchObject({ outcome: 'paid' });
    expect(qr.books.ledger().charges).toHaveLength(0);
  });

  it('refuses a bad wallet or a missing amount before anything is sent, and explains itself in --help', async () => {
    const qr = (host = await startQrTcpHost());
    const cwd = mkdtempSync(join(tmpdir(), 'pg-pos-show-'));
    await pos(qr, cwd, 'signin', ['--tmk', qrTmkHex]);
    const before = qr.logs.filter((l) => l.fields['type'] === 'sale').length;
    const badWallet = await pos(qr, cwd, 'show-code', ['--amount', '1.00', '--wallet', 'paypal']);
    expect(badWallet.code).toBe(2);
    expect(badWallet.stderr).toContain('--wallet expected one of alipay, wechat, unionpay, got "paypal"');
    const noAmount = await pos(qr, cwd, 'show-code', []);
    expect(noAmount.code).toBe(2);
    expect(noAmount.stderr).toContain('--amount is required');
    expect(qr.logs.filter((l) => l.fields['type'] === 'sale')).toHaveLength(before);
    const help = await runCli(['pos', '--help']);
    expect(help.stdout).toContain('posguard pos show-code --host 127.0.0.1:5000');
    expect(help.stdout).toContain('Ctrl-C takes the code');
    expect(help.stdout).toContain('--wallet NAME');
  });
});
