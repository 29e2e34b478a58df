// A real ISO 8583 host for scan-code (QR) sales over TCP, in process and on the wall clock: the
// engine on an in-memory SQLite store with the simulated wallet's in-process UnionPay QR provider
// (its books are the ledger every test proves "one charge" on) and a simulated issuer, its
// background work (the reversal queue cancels at the wallet), and the TCP channel on a free port.
// `posguard serve` does not wire wallet providers yet, so the terminal SDK and `posguard pos scan`
// tests run against this. Every log line of the door and the engine is kept, to grep for codes.
// With `simHooks`, the books' `/_sim` hooks are served over HTTP as well (a customer scanning a
// code the terminal shows pays through `POST /_sim/scan`, as against the demo wallet).
import { Secret } from '../../cards/secret.js';
import { systemClock } from '../../clock/clock.js';
import { keyFromHex } from '../../iso8583/index.js';
import { sealKey } from '../../merchants/key-vault.js';
import { addMerchant, addTerminal } from '../../merchants/merchant-admin.js';
import { defaultEngineSettings, noMetrics, type EngineLog } from '../../payments/engine-context.js';
import { PaymentEngine } from '../../payments/engine.js';
import { randomIdSource } from '../../payments/id-source.js';
import type { WalletTiming } from '../../payments/ports/wallet.js';
import { SeededRandom } from '../../random/random.js';
import { MemoryIssuerLedger } from '../../simulated-issuer/issuer-ledger.js';
import { SimulatedIssuer, noFaults } from '../../simulated-issuer/simulated-issuer.js';
import { Notifier } from '../../simulated-wallet/notifier.js';
import { SimulatedWallet } from '../../simulated-wallet/simulated-wallet.js';
import { buildWalletService } from '../../simulated-wallet/wallet-service.js';
import { SimulatedUnionPayProvider } from '../../simulated-wallet/unionpay-provider.js';
import { noWalletFaults, type SimulatedWalletFaults } from '../../simulated-wallet/wallet-faults.js';
import { openSqliteStore } from '../../store/sqlite/open-sqlite-store.js';
import { IsoHost } from '../iso-host.js';
import { startIsoServer } from '../iso-tcp-server.js';
import { keyContext } from '../terminal-session.js';
import type { LogLine } from './iso-harness.js';

export const qrMerchantId = 'QRSHOP000000001';
export const qrTerminalId = 'QRPOS001';
export const qrTmkHex = '0123456789ABCDEFFEDCBA9876543210';
/** The payer whose codes the tests scan, with 10,000.00 yuan in the wallet. */
export const qrPayer = 'carol';

export interface QrTcpHost {
  readonly port: number;
  readonly books: SimulatedWallet;
  readonly engine: PaymentEngine;
  readonly logs: LogLine[];
  /** Where the books' `/_sim` hooks are served, with `simHooks`; null otherwise. */
  readonly walletUrl: string | null;
  /** A fresh UnionPay QR payment code of the payer (19 digits starting 62). */
  code(): string;
  logText(): string;
  stop(): Promise<void>;
}

export async function startQrTcpHost(
  options: {
    faults?: Partial<SimulatedWalletFaults>;
    timing?: Partial<WalletTiming>;
    idleTimeoutMs?: number;
    frameDeadlineMs?: number;
    simHooks?: boolean;
  } = {},
): Promise<QrTcpHost> {
  const clock = systemClock;
  const logs: LogLine[] = [];
  const log: EngineLog = {
    info: (fields, message) => logs.push({ level: 'info', fields, message }),
    warn: (fields, message) => logs.push({ level: 'warn', fields, message }),
    error: (fields, message) => logs.push({ level: 'error', fields, message }),
  };
  const random = new SeededRandom(2020);
  const fingerprintKey = new Secret(Buffer.alloc(32, 5), 'fingerprint key');
  const terminalKeyKey = new Secret(Buffer.alloc(32, 6), 'terminal-key key');
  const store = await openSqliteStore(':memory:', { now: clock.now() });
  const books = new SimulatedWallet({ clock, seed: 20, faults: { ...noWalletFaults, ...options.faults } });
  books.addPayer(qrPayer, 1_000_000);
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
    log,
    settings: { ...defaultEngineSettings, reversalBaseDelayMs: 200, reversalPollMs: 50 },
    instanceId: 'qr-tcp-host',
    wallets: { unionpay: new SimulatedUnionPayProvider(books, options.timing) },
    fingerprintKey,
  });
  await addMerchant(
    store,
    { id: qrMerchantId, name: 'QR test shop', apiKey: 'pgk_qr_test' },
    { random, now: clock.now() },
  );
  const terminal = { merchantId: qrMerchantId, terminalId: qrTerminalId };
  await addTerminal(
    store,
    {
      ...terminal,
      tmkEncrypted: sealKey(keyFromHex(qrTmkHex, 'TMK'), terminalKeyKey, keyContext(terminal, 'tmk'), (n) =>
        random.bytes(n),
      ),
    },
    { now: clock.now() },
  );
  const host = new IsoHost({ engine, random: random.fork(3), fingerprintKey, terminalKeyKey, log });
  const server = await startIsoServer({
    host,
    log,
    port: 0,
    address: '127.0.0.1',
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
    ...(options.frameDeadlineMs === undefined ? {} : { frameDeadlineMs: options.frameDeadlineMs }),
  });
  const background = engine.startBackgroundWork();
  // UnionPay QR has no wire format here, so its notifier posts nothing: the host learns by asking.
  const notifier = new Notifier(books, () => undefined, { retryMs: 1_000, attempts: 1 });
  const hooks = options.simHooks === true ? await buildWalletService(books, notifier, {}, 20) : undefined;
  const walletUrl = hooks === undefined ? null : await hooks.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: server.port,
    books,
    engine,
    logs,
    walletUrl,
    code: () => books.issueCode(qrPayer, 'unionpay').code,
    logText: () => logs.map((l) => `${l.message} ${JSON.stringify(l.fields)}`).join('\n'),
    async stop() {
      await hooks?.close();
      notifier.stop();
      await server.close();
      await background.stop();
      books.stop();
      await store.close();
    },
  };
}
