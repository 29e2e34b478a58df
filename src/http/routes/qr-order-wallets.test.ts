// End to end, over real HTTP on both sides: the host (engine, SQLite store, HTTP door) with the
// real Alipay and WeChat Pay adapters, against the simulated wallet speaking both wire formats.
// The adapters' notify URL is the host's notification route; the customer pays the shown code
// through the simulated wallet's /_sim/scan hook; the wallet posts its signed notification to the
// host. Every test ends on the simulated wallet's ledger: exactly one charge kept, or none. Voids
// and refunds of scanned QR sales go the same way: one refund per refund number in the ledger.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Secret } from '../../cards/secret.js';
import { addMerchant, addTerminal } from '../../merchants/merchant-admin.js';
import { createPrometheusMetrics } from '../../metrics/prometheus-metrics.js';
import { defaultEngineSettings, noMetrics, silentLog } from '../../payments/engine-context.js';
import { PaymentEngine } from '../../payments/engine.js';
import { randomIdSource } from '../../payments/id-source.js';
import type { Wallet } from '../../payments/ports/wallet.js';
import { childRefundNoFor, refundNoFor } from '../../payments/qr-order.js';
import { fingerprintKey } from '../../payments/test-support/engine-harness.js';
import { SeededRandom } from '../../random/random.js';
import { MemoryIssuerLedger } from '../../simulated-issuer/issuer-ledger.js';
import { noFaults, SimulatedIssuer } from '../../simulated-issuer/simulated-issuer.js';
import type { SimulatedWalletFaults } from '../../simulated-wallet/wallet-faults.js';
import { startSimulatedWallet } from '../../simulated-wallet/wallet-service.js';
import { openSqliteStore } from '../../store/sqlite/open-sqlite-store.js';
import { AlipayProvider } from '../../wallets/alipay/alipay-provider.js';
import { eventually, rsaPair, ShiftedClock } from '../../wallets/test-support/wallet-harness.js';
import { WechatProvider } from '../../wallets/wechat/wechat-provider.js';
import { buildHttpApp } from '../http-app.js';

const apiKey = 'pgk_e2e';
const alipayAppId = '2021000000000001';
const wechat = { appId: 'wx0000000000000001', mchId: '1900000001' };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Ledger {
  payers: Array<{ payerId: string; balance: number; charged: number; charges: number }>;
  orders: Array<{ orderNo: string; state: string; charges: number; refunded: number; queries: number }>;
  charges: Array<{ orderNo: string; amount: number }>;
  refunds: Array<{ orderNo: string; refundNo: string | null; amount: number }>;
  notifications: Array<{ orderNo: string; acknowledged: boolean; duplicate: boolean; status: number | null }>;
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

/** A simulated wallet and a host pointed at it (and it at the host), on one shifted clock. */
async function startWorld(faults: Partial<SimulatedWalletFaults> = {}) {
  const keys = { merchant: rsaPair(), alipay: rsaPair(), wechatApiKey: randomBytes(16).toString('hex') };
  const clock = new ShiftedClock();
  const sim = await startSimulatedWallet({
    keys: {
      alipay: {
        appId: alipayAppId,
        alipayPrivateKey: keys.alipay.privatePem,
        merchantPublicKey: keys.merchant.publicPem,
      },
      wechat: { ...wechat, apiKey: keys.wechatApiKey },
    },
    clock,
    seed: 11,
    notifications: { retryMs: 50, attempts: 3 },
    faults,
  });
  closers.push(() => sim.close());
  const port = await freePort();
  const host = `http://127.0.0.1:${port}`;
  // Refunds asked about every 200 ms within 4 s: the tests run on the wall clock.
  const timing = { refundQueryIntervalMs: 200, refundWindowMs: 4_000 };
  const providers = {
    alipay: new AlipayProvider({
      timing,
      gatewayUrl: sim.alipayGatewayUrl,
      appId: alipayAppId,
      merchantPrivateKey: new Secret(keys.merchant.privatePem, 'alipay private key'),
      alipayPublicKey: keys.alipay.publicPem,
      notifyUrl: `${host}/v1/wallet-notifications/alipay`,
      clock,
    }),
    wechat: new WechatProvider({
      timing,
      baseUrl: sim.wechatBaseUrl,
      ...wechat,
      apiKey: new Secret(keys.wechatApiKey, 'wechat api key'),
      notifyUrl: `${host}/v1/wallet-notifications/wechat`,
    }),
  };
  const store = await openSqliteStore(':memory:', { now: clock.now() });
  const random = new SeededRandom(5);
  const engine = new PaymentEngine({
    store,
    upstream: new SimulatedIssuer({
      clock,
      random: random.fork(1),
      ledger: new MemoryIssuerLedger(),
      faults: noFaults,
    }),
    clock,
    ids: randomIdSource(clock, random.fork(2)),
    metrics: noMetrics,
    log: silentLog,
    settings: { ...defaultEngineSettings, upstreamTimeoutMs: 3_000 },
    instanceId: 'e2e',
    wallets: providers,
    fingerprintKey,
  });
  await addMerchant(
    store,
    { id: 'M0001', name: 'Test shop', duplicatePolicy: 'confirm', duplicateWindowS: 120, apiKey },
    { random, now: clock.now() },
  );
  await addTerminal(
    store,
    { merchantId: 'M0001', terminalId: 'T0001', tmkEncrypted: null },
    { now: clock.now() },
  );
  const app = await buildHttpApp({
    engine,
    store,
    registry: createPrometheusMetrics(store).registry,
    fingerprintKey,
    logger: pino({ level: 'silent' }),
    version: 'e2e',
    clock,
  });
  await app.listen({ port, host: '127.0.0.1' });
  closers.push(async () => {
    await app.close();
    await store.close();
  });

  const api = async (method: string, path: string, body?: unknown, key?: string) => {
    const response = await fetch(`${host}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(key === undefined ? {} : { 'idempotency-key': key }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  const hook = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${sim.url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return (await response.json()) as T;
  };
  await hook('POST', '/_sim/payers', { payerId: 'alice', balance: 100_00 });
  const order = (wallet: Wallet, key: string, amount = 1280) =>
    api('POST', '/v1/qr-orders', { terminalId: 'T0001', amount, currency: 'CNY', wallet }, key);
  const scan = (qrContent: unknown) =>
    hook<{ outcome: string; orderNo: string }>('POST', '/_sim/scan', { qrContent, payerId: 'alice' });
  const ledger = () => hook<Ledger>('GET', '/_sim/ledger');
  /** A scanned sale paid with a fresh code of alice's. */
  const sell = async (wallet: Wallet, key: string, amount = 1280) => {
    const { code } = await hook<{ code: string }>('POST', '/_sim/codes', { wallet, payerId: 'alice' });
    const sold = await api(
      'POST',
      '/v1/payments',
      { terminalId: 'T0001', amount, currency: 'CNY', paymentCode: code },
      key,
    );
    expect(sold.json).toMatchObject({ status: 'approved', wallet });
    return String(sold.json['id']);
  };
  const status = async (id: string) => (await engine.getPayment('M0001', id)).status;
  const drainAll = async () => {
    for (let round = 0; round < 30; round += 1) {
      await engine.drainReversals();
      const due = await store.read((r) => r.nextReversalDueAt());
      if (due === null) return;
      if (due > clock.now()) clock.advance(due - clock.now());
    }
    throw new Error('the reversal queue did not empty');
  };
  return { sim, host, clock, engine, store, api, hook, order, scan, ledger, status, drainAll, sell };
}

type World = Awaited<ReturnType<typeof startWorld>>;

/** Alice's charges, net of refunds, in the wallet's own books. */
async function aliceNet(world: World): Promise<{ charged: number; refunded: number; balance: number }> {
  const ledger = await world.ledger();
  const alice = ledger.payers.find((p) => p.payerId === 'alice');
  return {
    charged: alice?.charged ?? 0,
    refunded: ledger.refunds.reduce((sum, r) => sum + r.amount, 0),
    balance: alice?.balance ?? 0,
  };
}

describe.each(['alipay', 'wechat'] as const)('QR orders with the real %s adapter, end to end', (wallet) => {
  it('is paid once: the customer scans, the signed notification lands, the order is approved', async () => {
    const world = await startWorld();
    const created = await world.order(wallet, 'e2e-1');
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      status: 'pending',
      wallet,
      qrFlow: 'shown',
      paymentCodeMasked: null,
    });
    const id = String(created.json['id']);
    expect(await world.scan(created.json['qrContent'])).toMatchObject({ outcome: 'paid' });
    // Learnt by the notification alone: no query has been sent for the order.
    await eventually(async () => (await world.status(id)) === 'approved');
    const ledger = await world.ledger();
    const orderNo = (await world.engine.getPayment('M0001', id)).qr?.orderNo;
    expect(ledger.orders.find((o) => o.orderNo === orderNo)).toMatchObject({ charges: 1, queries: 0 });
    expect(ledger.notifications.filter((n) => n.orderNo === orderNo && n.acknowledged)).toHaveLength(1);
    expect((await world.api('GET', `/v1/qr-orders/${id}`)).json).toMatchObject({
      status: 'approved',
      qrContent: null,
    });
    expect(await aliceNet(world)).toEqual({ charged: 1280, refunded: 0, balance: 100_00 - 1280 });
  });

  it('takes a duplicated notification once', async () => {
    const world = await startWorld({ duplicateNotificationRate: 1 });
    const created = await world.order(wallet, 'e2e-dup');
    const id = String(created.json['id']);
    await world.scan(created.json['qrContent']);
    await eventually(async () => (await world.ledger()).notifications.length === 2);
    await world.sim.notifier.idle();
    const ledger = await world.ledger();
    expect(ledger.notifications.map((n) => [n.duplicate, n.status, n.acknowledged])).toEqual([
      [false, 200, true],
      [true, 200, true],
    ]);
    expect(await world.status(id)).toBe('approved');
    expect(await aliceNet(world)).toMatchObject({ charged: 1280, refunded: 0 });
  });

  it('refuses a new code when the customer paid the old one, and approves the old one: one charge', async () => {
    // The notification is held back until the order is queried, so the host learns of the payment
    // only when the new order closes the old one.
    const world = await startWorld({ lateNotificationRate: 1 });
    const first = await world.order(wallet, 'e2e-old');
    await world.scan(first.json['qrContent']);
    const second = await world.order(wallet, 'e2e-new');
    expect(second.status).toBe(409);
    expect(second.json).toMatchObject({
      code: 'POS_ERR_QR_ORDER_EARLIER_PAID',
      cashierMessage: { zh: expect.stringContaining('已付款') as unknown },
    });
    expect(await world.status(String(first.json['id']))).toBe('approved');
    // The query released the held notification: it lands, and changes nothing.
    await eventually(async () => (await world.ledger()).notifications.some((n) => n.acknowledged));
    expect(await aliceNet(world)).toMatchObject({ charged: 1280, refunded: 0 });
  });

  it('refunds and reports a payment that arrives after the cashier cancelled the code', async () => {
    // The cancel's query fails, so the order is closed without knowing; the customer pays in that gap.
    const world = await startWorld({
      systemErrorRate: 1,
      systemErrorAppliedShare: 0,
      faultMethods: ['query'],
    });
    const created = await world.order(wallet, 'e2e-late');
    const id = String(created.json['id']);
    const cancelled = await world.api('DELETE', `/v1/qr-orders/${id}`);
    expect(cancelled.json).toMatchObject({ status: 'reversal_pending' });
    expect(await world.scan(created.json['qrContent'])).toMatchObject({ outcome: 'paid' });
    await eventually(async () => {
      const listed = (await world.api('GET', '/v1/duplicates')).json['data'] as Array<
        Record<string, unknown>
      >;
      return listed.some((d) => d['kind'] === 'qr_paid_after_close' && d['paymentId'] === id);
    });
    world.sim.setFaults({ systemErrorRate: 0 });
    await world.drainAll();
    expect(await world.status(id)).toBe('reversed');
    const orderNo = (await world.engine.getPayment('M0001', id)).qr?.orderNo ?? '';
    const ledger = await world.ledger();
    expect(ledger.refunds).toEqual([
      expect.objectContaining({ orderNo, refundNo: refundNoFor(orderNo), amount: 1280 }),
    ]);
    expect(await aliceNet(world)).toEqual({ charged: 1280, refunded: 1280, balance: 100_00 });
  });

  it('refunds once when the refund is made but its answer is lost', async () => {
    const world = await startWorld();
    const created = await world.order(wallet, 'e2e-lost-refund');
    const id = String(created.json['id']);
    world.sim.setFaults({ systemErrorRate: 1, systemErrorAppliedShare: 0, faultMethods: ['query'] });
    await world.api('DELETE', `/v1/qr-orders/${id}`);
    await world.scan(created.json['qrContent']);
    // The refund reaches the wallet and is made; its answer never comes back.
    world.sim.setFaults({ systemErrorRate: 0, lostAnswerRate: 1, faultMethods: ['refund'] });
    await world.engine.drainReversals();
    expect(await world.status(id)).toBe('reversal_pending');
    world.sim.setFaults({ lostAnswerRate: 0 });
    await world.drainAll();
    expect(await world.status(id)).toBe('reversed');
    expect((await world.ledger()).refunds).toHaveLength(1);
    expect(await aliceNet(world)).toEqual({ charged: 1280, refunded: 1280, balance: 100_00 });
  });

  it('closes an unpaid code at its expiry; a scan afterwards charges nobody', async () => {
    const world = await startWorld();
    const created = await world.order(wallet, 'e2e-expiry');
    const id = String(created.json['id']);
    world.clock.advance(121_000);
    expect(await world.engine.expireShownOrders()).toBe(1);
    await world.drainAll();
    expect(await world.status(id)).toBe('reversed');
    expect(await world.scan(created.json['qrContent'])).toMatchObject({ outcome: 'closed' });
    expect(await aliceNet(world)).toEqual({ charged: 0, refunded: 0, balance: 100_00 });
  });
});

describe.each(['alipay', 'wechat'] as const)(
  'voids and refunds of a QR sale with the real %s adapter, end to end',
  (wallet) => {
    it('refunds in parts and voids, each once at the wallet under the number of its key', async () => {
      const world = await startWorld();
      const saleId = await world.sell(wallet, 'e2e-sale-1', 1000);
      const part = await world.api('POST', `/v1/payments/${saleId}/refunds`, { amount: 400 }, 'e2e-refund-1');
      expect(part).toMatchObject({
        status: 201,
        json: { kind: 'refund', status: 'approved', method: 'qr', wallet },
      });
      const again = await world.api(
        'POST',
        `/v1/payments/${saleId}/refunds`,
        { amount: 400 },
        'e2e-refund-1',
      );
      expect(again.json).toEqual(part.json);
      const rest = await world.api('POST', `/v1/payments/${saleId}/refunds`, { amount: 600 }, 'e2e-refund-2');
      expect(rest.json).toMatchObject({ status: 'approved' });
      expect(await world.status(saleId)).toBe('refunded');
      const voidedId = await world.sell(wallet, 'e2e-sale-2', 700);
      const voided = await world.api('POST', `/v1/payments/${voidedId}/void`, {}, 'e2e-void-1');
      expect(voided.json).toMatchObject({ kind: 'void', status: 'approved' });
      expect(await world.status(voidedId)).toBe('voided');
      const ledger = await world.ledger();
      expect(ledger.refunds.map((r) => [r.refundNo, r.amount])).toEqual([
        [childRefundNoFor('M0001', 'e2e-refund-1'), 400],
        [childRefundNoFor('M0001', 'e2e-refund-2'), 600],
        [childRefundNoFor('M0001', 'e2e-void-1'), 700],
      ]);
      expect(await aliceNet(world)).toEqual({ charged: 1700, refunded: 1700, balance: 100_00 });
    });

    it('refunds once when the refund is made but its answer is lost: the query finds it, the same number is never refunded twice', async () => {
      const world = await startWorld();
      const saleId = await world.sell(wallet, 'e2e-sale-lost', 1000);
      world.sim.setFaults({ lostAnswerRate: 1, faultMethods: ['refund'] });
      const refund = await world.api('POST', `/v1/payments/${saleId}/refunds`, { amount: 250 }, 'e2e-lost');
      world.sim.setFaults({ lostAnswerRate: 0 });
      expect(refund.json).toMatchObject({ status: 'approved' });
      const ledger = await world.ledger();
      expect(ledger.refunds.map((r) => [r.refundNo, r.amount])).toEqual([
        [childRefundNoFor('M0001', 'e2e-lost'), 250],
      ]);
      expect(await aliceNet(world)).toMatchObject({ charged: 1000, refunded: 250 });
    });
  },
);

describe('the notification route, over HTTP', () => {
  it('refuses a forged Alipay notification with 400, storing nothing', async () => {
    const world = await startWorld();
    const created = await world.order('alipay', 'e2e-forged');
    const id = String(created.json['id']);
    const orderNo = (await world.engine.getPayment('M0001', id)).qr?.orderNo ?? '';
    const form = new URLSearchParams({
      app_id: alipayAppId,
      out_trade_no: orderNo,
      trade_no: '2026000000000001',
      trade_status: 'TRADE_SUCCESS',
      total_amount: '12.80',
      sign_type: 'RSA2',
      sign: Buffer.from('not a signature').toString('base64'),
    });
    const answer = await fetch(`${world.host}/v1/wallet-notifications/alipay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
      body: form.toString(),
    });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { code: string }).code).toBe('POS_ERR_WALLET_NOTIFICATION_INVALID');
    expect(await world.status(id)).toBe('pending');
  });
});
