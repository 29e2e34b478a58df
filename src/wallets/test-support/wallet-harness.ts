// Test support for the wallet adapters: keys generated per run (nothing secret is in the
// repository), the simulated wallet on a random port, both adapters pointed at it, a receiver
// that takes the wallet's notifications the way the host's door will (read, verify, acknowledge),
// and a proxy that alters answers on their way back, to prove a forged answer is never believed.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Secret } from '../../cards/secret.js';
import type { Clock } from '../../clock/clock.js';
import type { Wallet, WalletNotification, WalletProvider } from '../../payments/ports/wallet.js';
import { isPosError, type PosError } from '../../pos-error.js';
import type { SimulatedWalletFaults } from '../../simulated-wallet/wallet-faults.js';
import { startSimulatedWallet, type RunningSimulatedWallet } from '../../simulated-wallet/wallet-service.js';
import type { WalletLedger } from '../../simulated-wallet/simulated-wallet.js';
import { AlipayProvider } from '../alipay/alipay-provider.js';
import type { WechatSignType } from '../wechat/wechat-sign.js';
import { WechatProvider } from '../wechat/wechat-provider.js';

export interface RsaPemPair {
  readonly publicPem: string;
  readonly privatePem: string;
}

export function rsaPair(): RsaPemPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicPem: publicKey, privatePem: privateKey };
}

/** The real clock, shifted on demand: codes expire and orders close without waiting a minute. */
export class ShiftedClock implements Clock {
  #offsetMs = 0;
  now(): number {
    return Date.now() + this.#offsetMs;
  }
  advance(ms: number): void {
    this.#offsetMs += ms;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      if (signal?.aborted === true) return resolve(false);
      const timer = setTimeout(() => resolve(true), ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  }
}

/** One notification as the receiver saw it: what the provider read, or the error it threw. */
export interface Received {
  readonly wallet: Wallet;
  readonly read: WalletNotification | undefined;
  readonly error: PosError | undefined;
}

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

/** A host-like endpoint: POST /notify/<wallet> reads with that provider and acknowledges. */
export async function startReceiver(providers: Partial<Record<Wallet, WalletProvider>>): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const wallet = (request.url ?? '').replace('/notify/', '') as Wallet;
      const provider = providers[wallet];
      if (provider === undefined) {
        response.writeHead(404).end();
        return;
      }
      try {
        const read = provider.readNotification({
          body: Buffer.concat(chunks),
          contentType: request.headers['content-type'] ?? '',
        });
        received.push({ wallet, read, error: undefined });
        response
          .writeHead(200, { 'content-type': provider.acknowledgement.contentType })
          .end(provider.acknowledgement.body);
      } catch (error) {
        if (!isPosError(error)) throw error;
        received.push({ wallet, read: undefined, error });
        response.writeHead(400).end('refused');
      }
    });
  });
  const url = await listen(server);
  return { url, received, close: () => closeServer(server) };
}

/**
 * A proxy in front of `target` that passes requests through and hands each answer's text to
 * `tamper` before it goes back (a man in the middle, or a broken wallet).
 */
export async function startTamperingProxy(
  target: string,
  tamper: (answer: string) => string,
): Promise<{ readonly url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const upstream = httpRequest(
        new URL(request.url ?? '/', target),
        { method: 'POST', headers: { 'content-type': request.headers['content-type'] ?? '' } },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            response
              .writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? '' })
              .end(tamper(Buffer.concat(parts).toString('utf8')));
          });
        },
      );
      upstream.on('error', () => response.writeHead(502).end());
      upstream.end(Buffer.concat(chunks));
    });
  });
  const url = await listen(server);
  return { url, close: () => closeServer(server) };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface HarnessOptions {
  readonly faults?: Partial<SimulatedWalletFaults>;
  readonly seed?: number;
  readonly wechatSignType?: WechatSignType;
  readonly autoCloseMs?: Partial<Record<Wallet, number>>;
}

export interface Harness {
  readonly sim: RunningSimulatedWallet;
  readonly clock: ShiftedClock;
  readonly keys: {
    readonly merchant: RsaPemPair;
    readonly alipay: RsaPemPair;
    readonly wechatApiKey: string;
  };
  readonly alipay: AlipayProvider;
  readonly wechat: WechatProvider;
  readonly receiver: Receiver;
  /** Adds a payer through the /_sim/payers hook. */
  payer(payerId: string, balance: number): Promise<void>;
  /** Issues a payment code through the /_sim/codes hook. */
  code(wallet: Wallet, payerId: string): Promise<string>;
  /** Has a customer scan a shown code through the /_sim/scan hook. */
  scan(qrContent: string, payerId: string): Promise<{ outcome: string; orderNo: string }>;
  /** The ledger through the /_sim/ledger hook. */
  ledger(): Promise<
    WalletLedger & { notifications: Array<Record<string, unknown>>; heldNotifications: string[] }
  >;
  close(): Promise<void>;
}

async function hook<T>(url: string, method: 'GET' | 'POST', body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** Keys for every party; one simulated wallet; both adapters; a receiver for notifications. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const keys = { merchant: rsaPair(), alipay: rsaPair(), wechatApiKey: randomBytes(16).toString('hex') };
  const clock = new ShiftedClock();
  const providers: Partial<Record<Wallet, WalletProvider>> = {};
  const receiver = await startReceiver(providers);
  const sim = await startSimulatedWallet({
    keys: {
      alipay: {
        appId: '2021000000000001',
        alipayPrivateKey: keys.alipay.privatePem,
        merchantPublicKey: keys.merchant.publicPem,
      },
      wechat: { appId: 'wx0000000000000001', mchId: '1900000001', apiKey: keys.wechatApiKey },
    },
    clock,
    seed: options.seed ?? 20,
    notifications: { retryMs: 50, attempts: 3 },
    ...(options.faults === undefined ? {} : { faults: options.faults }),
    ...(options.autoCloseMs === undefined ? {} : { autoCloseMs: options.autoCloseMs }),
  });
  const alipay = new AlipayProvider({
    gatewayUrl: sim.alipayGatewayUrl,
    appId: '2021000000000001',
    merchantPrivateKey: new Secret(keys.merchant.privatePem, 'alipay private key'),
    alipayPublicKey: keys.alipay.publicPem,
    notifyUrl: `${receiver.url}/notify/alipay`,
    clock,
  });
  const wechat = new WechatProvider({
    baseUrl: sim.wechatBaseUrl,
    appId: 'wx0000000000000001',
    mchId: '1900000001',
    apiKey: new Secret(keys.wechatApiKey, 'wechat api key'),
    signType: options.wechatSignType ?? 'HMAC-SHA256',
    notifyUrl: `${receiver.url}/notify/wechat`,
  });
  providers.alipay = alipay;
  providers.wechat = wechat;
  return {
    sim,
    clock,
    keys,
    alipay,
    wechat,
    receiver,
    payer: async (payerId, balance) => {
      await hook(`${sim.url}/_sim/payers`, 'POST', { payerId, balance });
    },
    code: async (wallet, payerId) =>
      (await hook<{ code: string }>(`${sim.url}/_sim/codes`, 'POST', { wallet, payerId })).code,
    scan: (qrContent, payerId) => hook(`${sim.url}/_sim/scan`, 'POST', { qrContent, payerId }),
    ledger: () => hook(`${sim.url}/_sim/ledger`, 'GET'),
    close: async () => {
      await sim.close();
      await receiver.close();
    },
  };
}

/** Waits until `check` holds (notifications travel on their own), failing after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 3_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
