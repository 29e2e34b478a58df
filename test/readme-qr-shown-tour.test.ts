// The README's tour of codes the terminal shows (QR orders) is a script: this runs it as it is
// against a fresh demo host and its simulated wallet, whose notifications reach the host's route,
// so the examples keep working; and so is its virtual POS block (`posguard pos show-code` over
// ISO 8583), run with the built CLI against a demo host with the ISO channel.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, startHostProcess, tempDataDir } from './support/host-process.js';

function readmeBlock(name: string): string {
  const readme = readFileSync('README.md', 'utf8');
  const block = new RegExp(
    `<!-- ${name}:start -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`,
  ).exec(readme)?.[1];
  if (block === undefined) throw new Error(`README.md has no ${name} block`);
  return block;
}

function tourScript(): string {
  return readmeBlock('qr-shown-tour');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the README tour of codes the terminal shows', () => {
  it('runs against a demo host: a code shown, paid by the notification, another replaced; one charge', async () => {
    const dir = tempDataDir();
    // A port of its own, known before the start: the wallets' notify URL is built from it.
    const port = await freePort();
    const host = await startHostProcess([
      '--demo',
      '--db',
      join(dir, 'posguard.db'),
      '--http-port',
      String(port),
    ]);
    try {
      expect(host.demoWalletUrl).not.toBeNull();
      const script = tourScript()
        .replace('URL=http://127.0.0.1:8080', `URL=${host.url}`)
        .replace('WALLET=http://127.0.0.1:8070', `WALLET=${host.demoWalletUrl}`);
      const run = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', script], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const expected = [
        '"status":"pending"',
        '"wallet":"wechat","paymentCodeMasked":null,"qrFlow":"shown","qrContent":"weixin://',
        '"outcome":"paid"',
        '"status":"approved"',
        '"message":"paid by the customer in the wallet"',
        '"status":"pending"',
        '"amount":950',
        '"status":"reversal_pending"',
        '"amount":900',
        '"payerId":"demo-payer-1","balance":998200,"charged":1800,"charges":1',
        // The notification came over HTTP to the host's route, without an API key, and was taken.
        '"status":200,"acknowledged":true',
      ];
      let from = 0;
      for (const fragment of expected) {
        const at = run.stdout.indexOf(fragment, from);
        expect(at, `${fragment} after position ${from} in:\n${run.stdout}`).toBeGreaterThanOrEqual(0);
        from = at;
      }
    } finally {
      await host.stop();
    }
  });

  it('runs the virtual POS block: the code shown over ISO 8583, scanned and paid, printed as a sale', async () => {
    const dir = tempDataDir();
    // A port of its own, so the wallet's notification reaches the host (it would ask the wallet anyway).
    const port = await freePort();
    const host = await startHostProcess([
      '--demo',
      '--db',
      join(dir, 'posguard.db'),
      '--http-port',
      String(port),
      '--iso-port',
      '0',
    ]);
    try {
      const script = readmeBlock('qr-shown-pos-tour')
        .replace('127.0.0.1:5000', `127.0.0.1:${host.isoPort ?? 0}`)
        .replace('WALLET=http://127.0.0.1:8070', `WALLET=${host.demoWalletUrl ?? ''}`)
        .replaceAll('npx posguard', `node ${cliPath}`);
      const run = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', script], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const expected = [
        'Signed in: batch 000001',
        '"outcome":"paid","wallet":"wechat"',
        'Show this code to the customer 请顾客扫码付款: WeChat Pay 微信支付, CNY 12.80, order PG',
        'Code content 收款码内容: weixin://',
        'QR 收款码  WeChat Pay 微信支付',
        'APPROVED sale STAN 000002 batch 000001: CNY 12.80, approved (00), RRN',
        'Paid with WeChat Pay.\n微信支付收款成功。',
      ];
      let from = 0;
      for (const fragment of expected) {
        const at = run.stdout.indexOf(fragment, from);
        expect(at, `${fragment} after position ${from} in:\n${run.stdout}`).toBeGreaterThanOrEqual(0);
        from = at;
      }
    } finally {
      await host.stop();
    }
  });
});
