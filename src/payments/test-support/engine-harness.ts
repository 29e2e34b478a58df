// A whole engine on a manual clock, an in-memory SQLite store and a simulated issuer with an
// in-memory ledger, with one merchant and terminal: for engine tests that own time.
import { makeCard, type Card } from '../../cards/card.js';
import { Secret } from '../../cards/secret.js';
import { VirtualClock, quiesce } from '../../clock/virtual-clock.js';
import { addMerchant, addTerminal } from '../../merchants/merchant-admin.js';
import { SeededRandom } from '../../random/random.js';
import { openSqliteStore } from '../../store/sqlite/open-sqlite-store.js';
import type { Store } from '../ports/store.js';
import type { WalletProviders } from '../ports/wallet.js';
import { MemoryIssuerLedger } from '../../simulated-issuer/issuer-ledger.js';
import { SimulatedIssuer, noFaults, type IssuerFaults } from '../../simulated-issuer/simulated-issuer.js';
import type { SaleCommand } from '../authorize-sale.js';
import {
  defaultEngineSettings,
  noMetrics,
  silentLog,
  type EngineLog,
  type EngineMetrics,
  type EngineSettings,
} from '../engine-context.js';
import { PaymentEngine } from '../engine.js';
import type { EngineResult } from '../idempotency.js';
import { randomIdSource } from '../id-source.js';
import type { DuplicatePolicy } from '../payment.js';
import type { PaymentView } from '../payment.js';

export const merchantId = 'M0001';
export const terminalId = 'T0001';
export const fingerprintKey = new Secret(Buffer.alloc(32, 3), 'fingerprint key');
export const testPan = '6212345678901232';
export const otherPan = '4111111111111111';

export interface Harness {
  readonly clock: VirtualClock;
  readonly store: Store;
  readonly issuer: SimulatedIssuer;
  readonly ledger: MemoryIssuerLedger;
  readonly engine: PaymentEngine;
  card(pan?: string): Card;
  sale(overrides?: Partial<SaleCommand>): SaleCommand;
  /** Runs a promise to completion, moving the manual clock to each next deadline as needed. */
  drive<T>(promise: Promise<T>): Promise<T>;
}

export async function makeHarness(
  options: {
    policy?: DuplicatePolicy;
    windowS?: number;
    faults?: IssuerFaults;
    settings?: Partial<EngineSettings>;
    store?: Store;
    metrics?: (store: Store) => EngineMetrics;
    /** Wallet providers for QR sales, built on the harness's clock. */
    wallets?: (clock: VirtualClock) => WalletProviders;
    /** Where the engine logs; silent by default. */
    log?: EngineLog;
  } = {},
): Promise<Harness> {
  const clock = new VirtualClock();
  const random = new SeededRandom(42);
  const store = options.store ?? (await openSqliteStore(':memory:', { now: clock.now() }));
  const counted = countingStore(store);
  const ledger = new MemoryIssuerLedger();
  const issuer = new SimulatedIssuer({
    clock,
    random: random.fork(1),
    ledger,
    faults: options.faults ?? noFaults,
  });
  const engine = new PaymentEngine({
    store: counted.store,
    upstream: issuer,
    clock,
    ids: randomIdSource(clock, random.fork(2)),
    metrics: options.metrics?.(store) ?? noMetrics,
    log: options.log ?? silentLog,
    settings: { ...defaultEngineSettings, ...options.settings },
    instanceId: 'test-host',
    wallets: options.wallets?.(clock) ?? {},
    fingerprintKey,
  });
  await addMerchant(
    store,
    {
      id: merchantId,
      name: 'Test shop',
      duplicatePolicy: options.policy ?? 'confirm',
      duplicateWindowS: options.windowS ?? 120,
      apiKey: 'pgk_test',
    },
    { random, now: clock.now() },
  );
  await addTerminal(store, { merchantId, terminalId, tmkEncrypted: null }, { now: clock.now() });
  let keySeq = 0;
  const card = (pan = testPan): Card => makeCard({ pan, expiry: '2812', fingerprintKey });
  return {
    clock,
    store,
    issuer,
    ledger,
    engine,
    card,
    sale: (overrides = {}) => ({
      merchantId,
      terminalId,
      idempotencyKey: `key-${(keySeq += 1)}`,
      amount: 1280,
      currency: 'CNY',
      card: card(),
      entryMode: 'chip',
      operatorId: '01',
      confirmDuplicate: false,
      reference: null,
      channel: 'http',
      stan: null,
      batchNo: null,
      ...overrides,
    }),
    drive: async <T>(promise: Promise<T>): Promise<T> => {
      let done = false;
      let value: T | undefined;
      let failure: unknown;
      let failed = false;
      promise.then(
        (v) => {
          done = true;
          value = v;
        },
        (e: unknown) => {
          done = true;
          failed = true;
          failure = e;
        },
      );
      for (let steps = 0; steps < 10_000 && !done; steps += 1) {
        // Let everything that can run without time moving run (promises, and the I/O turns an
        // injected HTTP request takes) before the clock jumps to the next deadline.
        for (let turn = 0; turn < 10 && !done; turn += 1) await quiesce();
        if (done) break;
        if (counted.busy()) {
          // Real I/O (a file store's flush to disk) takes no virtual time: let it finish first.
          await counted.idle();
          continue;
        }
        const next = clock.nextDeadline();
        if (next === undefined) throw new Error('the engine is waiting on nothing the clock can wake');
        await clock.advanceTo(next);
      }
      if (failed) throw failure;
      if (!done) throw new Error('the engine did not finish within 10,000 clock steps');
      return value as T;
    },
  };
}

/**
 * The store with the engine's calls to it counted, so that `drive` lets a file store's real I/O
 * finish before it moves the clock: otherwise the engine would seem to wait on nothing, or a
 * virtual deadline would pass while a commit was on its way to disk.
 */
function countingStore(store: Store): { store: Store; busy: () => boolean; idle: () => Promise<void> } {
  const pending = new Set<Promise<unknown>>();
  const count = <T>(call: Promise<T>): Promise<T> => {
    pending.add(call);
    const forget = (): void => {
      pending.delete(call);
    };
    call.then(forget, forget);
    return call;
  };
  return {
    store: {
      kind: store.kind,
      transaction: (fn) => count(store.transaction(fn)),
      read: (fn) => count(store.read(fn)),
      close: () => store.close(),
    },
    busy: () => pending.size > 0,
    idle: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

/** The payment view of an answered result; fails the test on any other result. */
export function viewOf(result: EngineResult): PaymentView {
  if (result.kind !== 'answered') throw new Error(`expected an answer, got ${result.kind}`);
  if (result.answer.kind !== 'payment') throw new Error(`expected a payment, got a ${result.answer.kind}`);
  return result.answer.view;
}
