// The simulated wallet as an HTTP service speaking both wallets' wire formats, so the adapters are
// tested over real HTTP exactly as they would talk to Alipay and WeChat Pay: POST /gateway.do is
// Alipay's OpenAPI gateway, POST /pay/... and /secapi/pay/... are WeChat Pay's v2 endpoints. Every
// call runs under the fault plan (latency, lost answers, system errors). Test hooks live under
// /_sim/: add a payer, issue a payment code, have a customer scan a shown code, read the ledger,
// change the faults. `startSimulatedWallet` starts one on a port and returns its URLs and books.
import type { KeyObject } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { systemClock, type Clock } from '../clock/clock.js';
import { wallets, type Wallet } from '../payments/ports/wallet.js';
import { isPosError } from '../pos-error.js';
import { cryptoRandom, SeededRandom } from '../random/random.js';
import { readPrivateKey, readPublicKey } from '../wallets/alipay/alipay-sign.js';
import type { WechatSignType } from '../wallets/wechat/wechat-sign.js';
import { readWechatXml } from '../wallets/wechat/wechat-xml.js';
import { alipayCall, alipayNotificationBody, type AlipayGatewayKeys } from './alipay-gateway.js';
import { Notifier, type NotificationMessage } from './notifier.js';
import { buyerId } from './payment-codes.js';
import { badRequest, SimulatedWallet, type SimOrder } from './simulated-wallet.js';
import { noWalletFaults, type SimulatedWalletFaults } from './wallet-faults.js';
import { wechatCall, wechatNotificationBody, wechatPaths, type WechatGatewayKeys } from './wechat-gateway.js';
import type { WireCall } from './wire-call.js';

/** The credentials the simulated wallet holds: the wallet's side of each pair. */
export interface SimulatedWalletKeys {
  readonly alipay?: {
    readonly appId: string;
    /** The simulated Alipay's private key (PEM or KeyObject): it signs answers and notifications. */
    readonly alipayPrivateKey: string | KeyObject;
    /** The merchant application's public key: requests must verify with it. */
    readonly merchantPublicKey: string | KeyObject;
  };
  readonly wechat?: WechatGatewayKeys;
}

export interface SimulatedWalletServiceOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly keys: SimulatedWalletKeys;
  readonly faults?: Partial<SimulatedWalletFaults>;
  /** Seeds codes, ids and every fault draw; the same seed replays the same run. */
  readonly seed?: number;
  readonly clock?: Clock;
  readonly notifications?: { readonly retryMs?: number; readonly attempts?: number };
  /** When each wallet closes an unpaid pay itself (WeChat 45 s, Alipay 3 min by default). */
  readonly autoCloseMs?: Partial<Record<Wallet, number>>;
  readonly payers?: ReadonlyArray<{ readonly payerId: string; readonly balance: number }>;
}

export interface RunningSimulatedWallet {
  /** http://host:port */
  readonly url: string;
  /** The Alipay gateway URL to give the Alipay adapter. */
  readonly alipayGatewayUrl: string;
  /** The base URL to give the WeChat Pay adapter. */
  readonly wechatBaseUrl: string;
  readonly wallet: SimulatedWallet;
  readonly notifier: Notifier;
  setFaults(faults: Partial<SimulatedWalletFaults>): void;
  close(): Promise<void>;
}

function asKey(value: string | KeyObject, read: (text: string) => KeyObject): KeyObject {
  return typeof value === 'string' ? read(value) : value;
}

/** The caller gave up (its connection closed before an answer was written). */
function callerGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** Runs one wire call under the fault plan and answers it (or, for a lost answer, never does). */
async function runCall(
  wallet: SimulatedWallet,
  name: Wallet,
  call: WireCall,
  reply: FastifyReply,
  contentType: string,
): Promise<FastifyReply | undefined> {
  if (call.kind === 'answer') return reply.type(contentType).send(call.body);
  wallet.count(name, call.method);
  const fate = wallet.draws.call(call.method);
  const gone = callerGone(reply);
  if (fate.latencyMs > 0 && !(await wallet.clock.sleep(fate.latencyMs, gone))) return undefined;
  if (fate.systemError === 'not_applied') return reply.type(contentType).send(call.systemError(false));
  const body = call.apply();
  if (fate.lost) {
    // Applied, never answered: hold the connection until the caller gives up.
    reply.hijack();
    await new Promise<void>((resolve) => {
      if (gone.aborted) resolve();
      else gone.addEventListener('abort', () => resolve(), { once: true });
    });
    reply.raw.destroy();
    return undefined;
  }
  return reply.type(contentType).send(fate.systemError === 'applied' ? call.systemError(true) : body);
}

function text(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | null)?.[name];
  if (typeof value !== 'string' || value === '') throw badRequest(`${name} must be a non-empty string`);
  return value;
}

export async function buildWalletService(
  wallet: SimulatedWallet,
  notifier: Notifier,
  keys: { readonly alipay?: AlipayGatewayKeys; readonly wechat?: WechatGatewayKeys },
  seed: number,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true });
  const random = new SeededRandom(seed).fork(200);
  // Wallet requests are read as raw bytes: each wire format decodes and checks its own.
  app.addContentTypeParser(
    ['application/x-www-form-urlencoded', 'text/xml', 'application/xml', 'text/plain'],
    { parseAs: 'buffer' },
    (_request, body, done) => done(null, body),
  );
  app.setErrorHandler((error, _request, reply) => {
    if (isPosError(error)) return reply.status(400).send({ code: error.code, message: error.message });
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    return reply.status(status).send({ message: error instanceof Error ? error.message : 'failed' });
  });

  const alipayKeys = keys.alipay;
  if (alipayKeys !== undefined) {
    app.post('/gateway.do', async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
      return runCall(
        wallet,
        'alipay',
        alipayCall(wallet, alipayKeys, query, body),
        reply,
        'application/json;charset=utf-8',
      );
    });
  }
  const wechatKeys = keys.wechat;
  if (wechatKeys !== undefined) {
    for (const path of Object.keys(wechatPaths)) {
      app.post(path, async (request, reply) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        return runCall(
          wallet,
          'wechat',
          wechatCall(wallet, wechatKeys, random, path, body),
          reply,
          'text/xml;charset=utf-8',
        );
      });
    }
  }

  addTestHooks(app, wallet, notifier);
  app.get('/healthz', () => ({ status: 'ok' }));
  return app;
}

/** The /_sim/ hooks tests drive the simulated world with; each refuses bad input with a coded 400. */
function addTestHooks(app: FastifyInstance, wallet: SimulatedWallet, notifier: Notifier): void {
  app.post('/_sim/payers', (request) => {
    const payerId = text(request.body, 'payerId');
    const balance = (request.body as Record<string, unknown>)['balance'];
    wallet.addPayer(payerId, typeof balance === 'number' ? balance : -1);
    return {
      payerId,
      balance,
      buyerIds: Object.fromEntries(wallets.map((w) => [w, buyerId(w, payerId)])),
    };
  });
  app.post('/_sim/codes', (request) => {
    const walletName = text(request.body, 'wallet');
    if (!(wallets as readonly string[]).includes(walletName))
      throw badRequest(`wallet must be one of ${wallets.join(', ')}`);
    return { wallet: walletName, ...wallet.issueCode(text(request.body, 'payerId'), walletName as Wallet) };
  });
  app.post('/_sim/scan', (request) => {
    const { outcome, order } = wallet.scan(text(request.body, 'qrContent'), text(request.body, 'payerId'));
    return {
      outcome,
      wallet: order.wallet,
      orderNo: order.orderNo,
      tradeNo: order.tradeNo,
      amount: order.amount,
    };
  });
  app.get('/_sim/ledger', () => ({
    ...wallet.ledger(),
    notifications: notifier.deliveries,
    heldNotifications: notifier.held(),
  }));
  app.put('/_sim/faults', (request) => {
    const body: unknown = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      throw badRequest('the body must be a JSON object of faults');
    wallet.draws.faults = { ...wallet.draws.faults, ...(body as Partial<SimulatedWalletFaults>) };
    return wallet.draws.faults;
  });
}

/** The notification a paid order's wallet posts, or none for a wallet without a wire format here. */
function notificationBuilder(
  wallet: SimulatedWallet,
  keys: { readonly alipay?: AlipayGatewayKeys; readonly wechat?: WechatGatewayKeys },
  seed: number,
): (order: SimOrder) => NotificationMessage | undefined {
  const ids = new SeededRandom(seed).fork(300);
  return (order) => {
    const paidAtMs = order.paidAtMs ?? wallet.clock.now();
    if (order.wallet === 'alipay' && keys.alipay !== undefined) {
      const facts = {
        orderNo: order.orderNo,
        tradeNo: order.tradeNo,
        buyerId: wallet.buyerOf(order),
        amount: order.amount,
        paidAtMs,
        subject: order.subject,
      };
      return {
        body: alipayNotificationBody(keys.alipay, facts, ids.bytes(16).toString('hex'), wallet.clock.now()),
        contentType: 'application/x-www-form-urlencoded;charset=utf-8',
        acknowledged: (answer) => answer.trim() === 'success',
      };
    }
    if (order.wallet === 'wechat' && keys.wechat !== undefined) {
      const facts = {
        orderNo: order.orderNo,
        tradeNo: order.tradeNo,
        openid: wallet.buyerOf(order),
        amount: order.amount,
        paidAtMs,
      };
      const signType = (order.wire['signType'] ?? 'MD5') as WechatSignType;
      return {
        body: wechatNotificationBody(keys.wechat, facts, signType, ids.bytes(16).toString('hex')),
        contentType: 'text/xml;charset=utf-8',
        acknowledged: (answer) => {
          try {
            return readWechatXml(answer)['return_code'] === 'SUCCESS';
          } catch {
            return false;
          }
        },
      };
    }
    return undefined;
  };
}

export async function startSimulatedWallet(
  options: SimulatedWalletServiceOptions,
): Promise<RunningSimulatedWallet> {
  const seed = options.seed ?? cryptoRandom.int(2 ** 31);
  const wallet = new SimulatedWallet({
    clock: options.clock ?? systemClock,
    seed,
    faults: { ...noWalletFaults, ...options.faults },
    ...(options.autoCloseMs === undefined ? {} : { autoCloseMs: options.autoCloseMs }),
  });
  for (const payer of options.payers ?? []) wallet.addPayer(payer.payerId, payer.balance);
  const alipay = options.keys.alipay;
  const keys = {
    ...(alipay === undefined
      ? {}
      : {
          alipay: {
            appId: alipay.appId,
            alipayPrivateKey: asKey(alipay.alipayPrivateKey, (t) => readPrivateKey('alipayPrivateKey', t)),
            merchantPublicKey: asKey(alipay.merchantPublicKey, (t) => readPublicKey('merchantPublicKey', t)),
          },
        }),
    ...(options.keys.wechat === undefined ? {} : { wechat: options.keys.wechat }),
  };
  const notifier = new Notifier(wallet, notificationBuilder(wallet, keys, seed), {
    retryMs: options.notifications?.retryMs ?? 1_000,
    attempts: options.notifications?.attempts ?? 5,
  });
  const app = await buildWalletService(wallet, notifier, keys, seed);
  const address = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const url = address.replace(/\/+$/, '');
  return {
    url,
    alipayGatewayUrl: `${url}/gateway.do`,
    wechatBaseUrl: url,
    wallet,
    notifier,
    setFaults: (faults) => {
      wallet.draws.faults = { ...wallet.draws.faults, ...faults };
    },
    close: async () => {
      notifier.stop();
      wallet.stop();
      await app.close();
    },
  };
}
