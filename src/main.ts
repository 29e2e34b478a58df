// The composition root: builds a running host from its configuration. It opens the store, loads
// the host keys, picks the upstream, builds the engine, starts its background work and the HTTP
// API (and the ISO 8583 channel when asked), and knows how to stop all of it in order.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { systemClock, type Clock } from './clock/clock.js';
import type { HostConfig } from './config/config.js';
import { bindSecretToStore, type HostKeys } from './host-keys/host-keys.js';
import { loadHostKeys } from './host-keys/secret-file.js';
import { buildHttpApp } from './http/http-app.js';
import { IsoHost, keyContext, startIsoServer, type IsoServer } from './iso-host/index.js';
import { keyFromHex } from './iso8583/index.js';
import { addMerchant, addTerminal } from './merchants/merchant-admin.js';
import { sealKey } from './merchants/key-vault.js';
import { createPrometheusMetrics, type HostMetrics } from './metrics/prometheus-metrics.js';
import { PaymentEngine, type BackgroundWork } from './payments/engine.js';
import { randomIdSource } from './payments/id-source.js';
import { isPosError } from './pos-error.js';
import { cryptoRandom } from './random/random.js';
import { openStore } from './store/open-store.js';
import type { Store } from './payments/ports/store.js';
import { HttpUpstream } from './upstream/http-upstream.js';
import { SimulatedIssuer } from './simulated-issuer/simulated-issuer.js';
import { SqliteIssuerLedger } from './simulated-issuer/sqlite-issuer-ledger.js';
import type { Upstream } from './payments/ports/upstream.js';
import type { WalletProviders } from './payments/ports/wallet.js';
import { startDemoWallets, walletsFromFile } from './host-wallets.js';
import { seedDemoDay } from './demo-day.js';

export const version = '0.1.0';

/** The demo merchant `npm start` seeds: for trying the API, never for production. */
export const demo = {
  merchantId: 'DEMOSHOP0000001',
  merchantName: 'posguard demo shop',
  terminalId: 'DEMO0001',
  apiKey: 'pgk_demo_posguard_not_for_production',
  /** The demo terminal's master key, printed in the banner so `posguard pos signin --tmk` can use it. */
  tmk: '0123456789ABCDEFFEDCBA9876543210',
} as const;

export interface RunningHost {
  readonly httpUrl: string;
  /** The ISO 8583 TCP port (the one picked when 0 was asked), or null when the channel is off. */
  readonly isoPort: number | null;
  readonly store: Store;
  readonly engine: PaymentEngine;
  readonly keys: HostKeys;
  readonly logger: Logger;
  /** The demo's simulated wallet (serve --demo without --wallets): its URL, for payment codes. */
  readonly demoWalletUrl: string | null;
  /** Stops taking requests, finishes those in flight, stops background work and closes the store. */
  stop(): Promise<void>;
}

async function seedDemo(store: Store, keys: HostKeys, now: number): Promise<void> {
  // Several hosts may start together on one database: whoever seeds first wins, the others find it done.
  const alreadyThere = (error: unknown): void => {
    if (
      !isPosError(error) ||
      (error.code !== 'POS_ERR_MERCHANT_EXISTS' && error.code !== 'POS_ERR_TERMINAL_EXISTS')
    )
      throw error;
  };
  if ((await store.read((reader) => reader.getMerchant(demo.merchantId))) === undefined) {
    await addMerchant(
      store,
      { id: demo.merchantId, name: demo.merchantName, apiKey: demo.apiKey },
      { random: cryptoRandom, now },
    ).catch(alreadyThere);
  }
  const terminal = { merchantId: demo.merchantId, terminalId: demo.terminalId };
  const tmkEncrypted = sealKey(
    keyFromHex(demo.tmk, 'demo TMK'),
    keys.terminalKeyKey,
    keyContext(terminal, 'tmk'),
  );
  const existing = await store.read((reader) => reader.getTerminal(demo.merchantId, demo.terminalId));
  if (existing === undefined) {
    await addTerminal(store, { ...terminal, tmkEncrypted }, { now }).catch(alreadyThere);
  } else if (existing.tmkEncrypted === null) {
    // A demo database from before the ISO 8583 channel: give its terminal the demo TMK.
    await store.transaction((tx) => tx.updateTerminal(demo.merchantId, demo.terminalId, { tmkEncrypted }));
  }
}

export async function startHost(config: HostConfig, options: { logger?: Logger } = {}): Promise<RunningHost> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { pid: process.pid } });
  const clock = systemClock;
  const { store, keys } = await openStoreWithKeys(config, clock);
  const closers: Array<() => void> = [];
  const upstream = chooseUpstream(config, closers);
  const wallets = await chooseWallets(config, closers).catch(async (error: unknown) => {
    await store.close();
    for (const close of closers) close();
    throw error;
  });
  const metrics = createPrometheusMetrics(store, { processMetrics: true });
  const engine = buildEngine(config, { store, keys, upstream, wallets: wallets.providers, metrics, logger });
  if (config.demo) await seedDemoStore(config, { store, keys, upstream, logger, now: clock.now() });
  const background: BackgroundWork = engine.startBackgroundWork();
  const app = await buildHttpApp({
    engine,
    store,
    registry: metrics.registry,
    fingerprintKey: keys.fingerprintKey,
    logger,
    version,
    limits: config.http,
  });
  let address: string;
  let iso: IsoServer | undefined;
  try {
    address = await app.listen({ port: config.httpPort, host: config.host });
    if (config.isoPort !== null)
      iso = await startIsoChannel(config, config.isoPort, { engine, keys, metrics, logger });
  } catch (error) {
    await app.close();
    await background.stop();
    await store.close();
    for (const close of closers) close();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  const isoServer = iso;
  return {
    httpUrl: address,
    isoPort: isoServer?.port ?? null,
    store,
    engine,
    keys,
    logger,
    demoWalletUrl: wallets.demoUrl,
    stop() {
      stopping ??= (async () => {
        // Both doors stop taking requests and finish those in flight before the engine stops.
        await Promise.all([app.close(), isoServer?.close()]);
        await background.stop();
        await store.close();
        for (const close of closers) close();
      })().catch((error: unknown) => {
        logger.error(
          { err: error, code: isPosError(error) ? error.code : undefined },
          'error while stopping',
        );
      });
      return stopping;
    },
  };
}

/**
 * The demo merchant and terminal; a fresh demo store also gets a day of traffic, so the dashboard
 * has something to show (src/demo-day.ts; `--demo-day off` leaves it empty).
 */
async function seedDemoStore(
  config: HostConfig,
  deps: { store: Store; keys: HostKeys; upstream: Upstream; logger: Logger; now: number },
): Promise<void> {
  await seedDemo(deps.store, deps.keys, deps.now);
  if (!config.demoDay) return;
  const sales = await seedDemoDay({
    store: deps.store,
    upstream: deps.upstream,
    fingerprintKey: deps.keys.fingerprintKey,
    settings: config.engine,
    merchantId: demo.merchantId,
    terminalId: demo.terminalId,
    now: deps.now,
  });
  if (sales > 0) deps.logger.info({ sales }, 'demo: filled today with a day of traffic');
}

/** The engine over this host's store, upstream and wallets, on the system clock. */
function buildEngine(
  config: HostConfig,
  deps: {
    store: Store;
    keys: HostKeys;
    upstream: Upstream;
    wallets: WalletProviders;
    metrics: HostMetrics;
    logger: Logger;
  },
): PaymentEngine {
  return new PaymentEngine({
    store: deps.store,
    upstream: deps.upstream,
    clock: systemClock,
    ids: randomIdSource(systemClock, cryptoRandom),
    metrics: deps.metrics,
    log: deps.logger,
    settings: config.engine,
    instanceId: `${hostname()}-${process.pid}-${cryptoRandom.int(1e6)}`,
    wallets: deps.wallets,
    fingerprintKey: deps.keys.fingerprintKey,
  });
}

/** The store, and the host keys bound to it; the store is closed again when the keys do not fit it. */
async function openStoreWithKeys(
  config: HostConfig,
  clock: Pick<Clock, 'now'>,
): Promise<{ store: Store; keys: HostKeys }> {
  const store = await openStore(config, clock.now());
  try {
    const keys = loadHostKeys(config);
    await bindSecretToStore(store, keys, clock.now());
    return { store, keys };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** The issuer over HTTP when configured; otherwise the simulated issuer, its ledger in the data folder. */
function chooseUpstream(config: HostConfig, closers: Array<() => void>): Upstream {
  if (config.upstreamUrl !== null) return new HttpUpstream(config.upstreamUrl);
  const ledger = new SqliteIssuerLedger(join(config.dataDir, 'issuer-ledger.db'));
  closers.push(() => ledger.close());
  return new SimulatedIssuer({
    clock: systemClock,
    random: cryptoRandom,
    ledger,
    faults: config.issuerFaults,
  });
}

/**
 * The wallet providers for QR payments: from the wallets file when given; for the demo, a simulated
 * wallet in this process; otherwise none (a payment code is then refused, nothing charged).
 */
async function chooseWallets(
  config: HostConfig,
  closers: Array<() => void>,
): Promise<{ providers: WalletProviders; demoUrl: string | null }> {
  const notifyBase = (config.publicUrl ?? `http://${config.host}:${config.httpPort}`).replace(/\/+$/, '');
  if (config.walletsFile !== null)
    return { providers: walletsFromFile(config.walletsFile, notifyBase), demoUrl: null };
  if (!config.demo) return { providers: {}, demoUrl: null };
  const demoWallets = await startDemoWallets(notifyBase, config.demoWalletPort);
  closers.push(() => void demoWallets.service.close());
  return { providers: demoWallets.providers, demoUrl: demoWallets.service.url };
}

/** The ISO 8583 door: an IsoHost over the engine, behind a TCP server whose connections are counted. */
async function startIsoChannel(
  config: HostConfig,
  port: number,
  deps: { engine: PaymentEngine; keys: HostKeys; metrics: HostMetrics; logger: Logger },
): Promise<IsoServer> {
  const { engine, keys, metrics, logger } = deps;
  const isoHost = new IsoHost({
    engine,
    random: cryptoRandom,
    fingerprintKey: keys.fingerprintKey,
    terminalKeyKey: keys.terminalKeyKey,
    settings: { keyMaxAgeMs: config.iso.keyMaxAgeMs },
    metrics: metrics.iso,
  });
  const server = await startIsoServer({
    host: isoHost,
    log: logger,
    port,
    address: config.host,
    idleTimeoutMs: config.iso.idleTimeoutMs,
    frameDeadlineMs: config.iso.frameDeadlineMs,
    maxConnections: config.iso.maxConnections,
    maxConnectionsPerAddress: config.iso.maxConnectionsPerAddress,
  });
  metrics.iso.watchConnections(() => server.connections());
  return server;
}
