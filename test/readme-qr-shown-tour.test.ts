// The README's tour of codes the terminal shows (QR orders) is a script: this runs it as it is
// against a fresh demo host and its simulated wallet, whose notifications reach the host's route,
// so the examples keep working.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHostProcess, tempDataDir } from './support/host-process.js';

function tourScript(): string {
  const readme = readFileSync('README.md', 'utf8');
  const block = /<!-- qr-shown-tour:start -->\s*```sh\n([\s\S]*?)```\s*<!-- qr-shown-tour:end -->/.exec(
    readme,
  )?.[1];
  if (block === undefined) throw new Error('README.md has no tour of codes the terminal shows');
  return block;
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
});
