import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDemoWallets, walletsFromFile } from './host-wallets.js';

function folderWithKeys(): string {
  const dir = mkdtempSync(join(tmpdir(), 'posguard-wallets-'));
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'app.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'alipay.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(dir, 'wechat.key'), 'k'.repeat(32));
  return dir;
}

const alipay = {
  gatewayUrl: 'http://127.0.0.1:9/gateway.do',
  appId: '2021000000000001',
  privateKeyFile: 'app.pem',
  alipayPublicKeyFile: 'alipay.pem',
};
const wechat = {
  baseUrl: 'http://127.0.0.1:9',
  appId: 'wx01',
  mchId: '1900000001',
  apiKeyFile: 'wechat.key',
};

function write(dir: string, content: unknown): string {
  const path = join(dir, 'wallets.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('the wallets file', () => {
  it('builds a provider for each wallet it names, with the notification URL of this host', () => {
    const dir = folderWithKeys();
    const providers = walletsFromFile(write(dir, { alipay, wechat }), 'http://pos.example:8080');
    expect(Object.keys(providers).sort()).toEqual(['alipay', 'wechat']);
    expect(providers.alipay?.wallet).toBe('alipay');
    expect(walletsFromFile(write(dir, { wechat }), 'http://x').alipay).toBeUndefined();
  });

  it('refuses each bad setting at start, naming it and never showing a key', () => {
    const dir = folderWithKeys();
    const cases: Array<[unknown, string]> = [
      ['{not json', 'JSON'],
      [{ paypal: {} }, 'paypal'],
      [{ alipay: { ...alipay, colour: 'red' } }, 'colour'],
      [{ alipay: { ...alipay, appId: '' } }, 'appId'],
      [{ alipay: { ...alipay, privateKeyFile: 'missing.pem' } }, 'privateKeyFile'],
      [{ alipay: { ...alipay, gatewayUrl: 'ftp://x' } }, 'gatewayUrl'],
      [{ wechat: { ...wechat, signType: 'SHA1' } }, 'signType'],
      [{ wechat: [] }, 'wechat'],
    ];
    for (const [content, setting] of cases) {
      let caught: unknown;
      try {
        walletsFromFile(write(dir, content), 'http://x');
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(content)).toMatchObject({ code: 'POS_ERR_WALLET_CONFIG_INVALID' });
      expect((caught as Error).message).toContain(setting);
      expect((caught as Error).message).not.toContain('PRIVATE KEY');
      expect((caught as Error).message).not.toContain('kkkk');
    }
  });

  it('runs the demo wallets: a code issued by the simulated wallet pays through the real adapter', async () => {
    const demo = await startDemoWallets('http://127.0.0.1:9', 0);
    try {
      const { Secret } = await import('./cards/secret.js');
      const code = demo.service.wallet.issueCode('demo-payer-1', 'wechat').code;
      const answer = await demo.providers.wechat!.pay(
        {
          orderNo: 'PGtestorder000000000000000000001',
          merchantId: 'M1',
          terminalId: 'T1',
          amount: 100,
          currency: 'CNY',
          code: new Secret(code),
          subject: 'test',
        },
        new AbortController().signal,
      );
      expect(answer).toMatchObject({ outcome: 'paid', amount: 100 });
      expect(demo.service.wallet.ledger().payers.find((p) => p.payerId === 'demo-payer-1')?.charged).toBe(
        100,
      );
    } finally {
      await demo.service.close();
    }
  });
});
