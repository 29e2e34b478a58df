// The host's wallet providers (QR payments), for the composition root: read from the wallets file a
// deployment gives (`--wallets FILE`: each wallet's URLs and ids, and the files its keys are in),
// or, for `serve --demo` without one, a simulated wallet started in this process that speaks
// Alipay's and WeChat Pay's wire formats, with keys made at start (nothing secret is shipped).
// Bad settings are refused at start with POS_ERR_WALLET_CONFIG_INVALID naming the setting.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Secret } from './cards/secret.js';
import type { WalletProvider, WalletProviders } from './payments/ports/wallet.js';
import {
  createSimulatedUnionPayProvider,
  startSimulatedWallet,
  type RunningSimulatedWallet,
} from './simulated-wallet/index.js';
import {
  createAlipayProvider,
  createWechatProvider,
  wechatSignTypes,
  type WechatSignType,
} from './wallets/index.js';
import { settingsError } from './wallets/wire/wallet-settings.js';

/** The largest wallets file read: a few settings and file names. */
const maxWalletsFileBytes = 64 * 1024;

type Fields = Record<string, unknown>;

const alipayFields = ['gatewayUrl', 'appId', 'privateKeyFile', 'alipayPublicKeyFile'] as const;
const wechatFields = [
  'baseUrl',
  'appId',
  'mchId',
  'apiKeyFile',
  'signType',
  'clientCertFile',
  'clientKeyFile',
] as const;

function objectOf(wallet: string, setting: string, value: unknown): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw settingsError(wallet, setting, 'a JSON object');
  return value as Fields;
}

function onlyKnown(wallet: string, fields: Fields, known: readonly string[]): void {
  const unknown = Object.keys(fields).find((key) => !known.includes(key));
  if (unknown !== undefined)
    throw settingsError(wallet, unknown, `one of ${known.join(', ')} (unknown setting)`);
}

function textOf(wallet: string, fields: Fields, setting: string): string {
  const value = fields[setting];
  if (typeof value !== 'string' || value === '') throw settingsError(wallet, setting, 'a non-empty string');
  return value;
}

/** A key file's text, named by its setting; the key itself is never in an error. */
function keyFile(wallet: string, folder: string, fields: Fields, setting: string): string {
  const path = resolve(folder, textOf(wallet, fields, setting));
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw settingsError(wallet, setting, `a readable file (${path}: ${why})`);
  }
}

/** Reads the wallets file and builds a provider for each wallet it names. */
export function walletsFromFile(path: string, notifyBaseUrl: string): WalletProviders {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw settingsError(
      'wallets file',
      path,
      `a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
  if (Buffer.byteLength(text) > maxWalletsFileBytes)
    throw settingsError('wallets file', path, `at most ${maxWalletsFileBytes} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw settingsError('wallets file', path, 'JSON');
  }
  const root = objectOf('wallets file', path, parsed);
  onlyKnown('wallets file', root, ['alipay', 'wechat']);
  const folder = dirname(path);
  const providers: { alipay?: WalletProvider; wechat?: WalletProvider } = {};
  if (root['alipay'] !== undefined) {
    const a = objectOf('alipay', 'alipay', root['alipay']);
    onlyKnown('alipay', a, alipayFields);
    providers.alipay = createAlipayProvider({
      gatewayUrl: textOf('alipay', a, 'gatewayUrl'),
      appId: textOf('alipay', a, 'appId'),
      merchantPrivateKey: new Secret(
        keyFile('alipay', folder, a, 'privateKeyFile'),
        'Alipay app private key',
      ),
      alipayPublicKey: keyFile('alipay', folder, a, 'alipayPublicKeyFile'),
      notifyUrl: `${notifyBaseUrl}/v1/wallet-notifications/alipay`,
    });
  }
  if (root['wechat'] !== undefined) {
    const w = objectOf('wechat', 'wechat', root['wechat']);
    onlyKnown('wechat', w, wechatFields);
    const signType = w['signType'] ?? 'HMAC-SHA256';
    if (!(wechatSignTypes as readonly unknown[]).includes(signType))
      throw settingsError('wechat', 'signType', `one of ${wechatSignTypes.join(', ')}`);
    const hasCert = w['clientCertFile'] !== undefined || w['clientKeyFile'] !== undefined;
    providers.wechat = createWechatProvider({
      baseUrl: textOf('wechat', w, 'baseUrl'),
      appId: textOf('wechat', w, 'appId'),
      mchId: textOf('wechat', w, 'mchId'),
      apiKey: new Secret(keyFile('wechat', folder, w, 'apiKeyFile'), 'WeChat Pay API key'),
      signType: signType as WechatSignType,
      notifyUrl: `${notifyBaseUrl}/v1/wallet-notifications/wechat`,
      ...(hasCert
        ? {
            clientCertificate: {
              cert: keyFile('wechat', folder, w, 'clientCertFile'),
              key: new Secret(keyFile('wechat', folder, w, 'clientKeyFile'), 'WeChat Pay client key'),
            },
          }
        : {}),
    });
  }
  return providers;
}

/** The demo's payers: each holds 10,000 yuan in every wallet. */
export const demoPayers = ['demo-payer-1', 'demo-payer-2'] as const;

export interface DemoWallets {
  readonly providers: WalletProviders;
  readonly service: RunningSimulatedWallet;
}

/**
 * A simulated wallet in this process for `serve --demo`: the real Alipay and WeChat Pay adapters
 * talk to it over HTTP on loopback, with keys made now; UnionPay QR is the in-process simulated
 * provider. Its `/_sim/codes` hook issues a demo payer's payment code (README, "QR payments").
 */
export async function startDemoWallets(notifyBaseUrl: string, port: number): Promise<DemoWallets> {
  const rsa = (): { publicPem: string; privatePem: string } => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  };
  const alipayKeys = rsa();
  const merchantKeys = rsa();
  const wechatApiKey = randomBytes(16).toString('hex');
  const ids = { alipayApp: '2021000000000001', wechatApp: 'wx00000000demo0001', mchId: '1900000001' };
  const start = (onPort: number): Promise<RunningSimulatedWallet> =>
    startSimulatedWallet({
      host: '127.0.0.1',
      port: onPort,
      keys: {
        alipay: {
          appId: ids.alipayApp,
          alipayPrivateKey: alipayKeys.privatePem,
          merchantPublicKey: merchantKeys.publicPem,
        },
        wechat: { appId: ids.wechatApp, mchId: ids.mchId, apiKey: wechatApiKey },
      },
      payers: demoPayers.map((payerId) => ({ payerId, balance: 1_000_000 })),
    });
  // A second demo host on this machine finds the port taken: its wallet takes a free one (the
  // banner prints where).
  const service = await start(port).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' && port !== 0) return start(0);
    throw error;
  });
  const providers: WalletProviders = {
    alipay: createAlipayProvider({
      gatewayUrl: service.alipayGatewayUrl,
      appId: ids.alipayApp,
      merchantPrivateKey: new Secret(merchantKeys.privatePem, 'Alipay app private key'),
      alipayPublicKey: alipayKeys.publicPem,
      notifyUrl: `${notifyBaseUrl}/v1/wallet-notifications/alipay`,
    }),
    wechat: createWechatProvider({
      baseUrl: service.wechatBaseUrl,
      appId: ids.wechatApp,
      mchId: ids.mchId,
      apiKey: new Secret(wechatApiKey, 'WeChat Pay API key'),
      notifyUrl: `${notifyBaseUrl}/v1/wallet-notifications/wechat`,
    }),
    unionpay: createSimulatedUnionPayProvider(service.wallet),
  };
  return { providers, service };
}
