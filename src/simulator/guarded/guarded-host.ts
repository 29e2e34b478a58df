// posguard's host as a simulated process: the real engine, store and ISO 8583 door, in incarnations.
// A crash ends the incarnation at the scheduled point (as the pending payment is stored, after the
// issuer answered, or after the answer is stored but before it leaves): from then on everything
// the dead incarnation does is inert (its store refuses, its timers never fire, its issuer calls
// never return), as in a killed process. After a while a new incarnation starts on the same
// durable store, runs crash recovery and drains the reversal queue. QR sales reach the wallets the
// same way: a dead incarnation's wallet calls never return, and a host may die once a wallet has
// answered a pay (the customer may be charged).
import type { Secret } from '../../cards/secret.js';
import type { Clock } from '../../clock/clock.js';
import { IsoHost } from '../../iso-host/index.js';
import {
  defaultEngineSettings,
  noMetrics,
  silentLog,
  type EngineSettings,
} from '../../payments/engine-context.js';
import { PaymentEngine, type BackgroundWork } from '../../payments/engine.js';
import { randomIdSource } from '../../payments/id-source.js';
import { PosError } from '../../pos-error.js';
import type { SeededRandom } from '../../random/random.js';
import type { Store } from '../../payments/ports/store.js';
import type { AuthorizationRequest, Upstream } from '../../payments/ports/upstream.js';
import type { WalletProvider, WalletProviders } from '../../payments/ports/wallet.js';
import type { Attempt } from '../accounting.js';
import type { SimHost } from '../network.js';
import type { SimContext } from '../sim-context.js';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/**
 * Engine settings for the simulated day: as in production, with calmer background loops (a queued
 * reversal wakes the worker at once, and a due one is slept to, so a long poll loses nothing).
 */
export const simEngineSettings = (upstreamTimeoutMs: number): EngineSettings => ({
  ...defaultEngineSettings,
  upstreamTimeoutMs,
  recoveryIntervalMs: 30_000,
  reversalPollMs: 60_000,
});

interface Incarnation {
  alive: boolean;
  readonly isoHost: IsoHost;
  readonly engine: PaymentEngine;
  readonly background: BackgroundWork;
}

export class GuardedHost implements SimHost {
  up = false;
  #current: Incarnation | undefined;
  #incarnations = 0;
  #stopped = false;

  constructor(
    private readonly sim: SimContext,
    private readonly deps: {
      readonly store: Store;
      readonly issuer: Upstream;
      readonly random: SeededRandom;
      readonly fingerprintKey: Secret<Buffer>;
      readonly terminalKeyKey: Secret<Buffer>;
      readonly upstreamTimeoutMs: number;
      readonly restartAfterMs: number;
      readonly attemptOf: (request: AuthorizationRequest) => { key: string; attempt: Attempt } | undefined;
      /** The wallet providers, when the day has QR sales. */
      readonly wallets?: WalletProviders;
    },
  ) {}

  get engine(): PaymentEngine | undefined {
    return this.#current?.engine;
  }

  /** Starts a new incarnation on the durable store. */
  start(): void {
    const number = (this.#incarnations += 1);
    const cell: { incarnation?: Incarnation } = {};
    const alive = (): boolean => cell.incarnation?.alive ?? true;
    const { store } = this.deps;
    const clock: Clock = {
      now: () => this.sim.clock.now(),
      sleep: async (ms, signal) => {
        const elapsed = await this.sim.clock.sleep(ms, signal);
        return alive() ? elapsed : never();
      },
    };
    const refuse = (): Promise<never> =>
      Promise.reject(new PosError('POS_ERR_STORE_UNAVAILABLE', 'the host process is dead'));
    const deadStore: Store = {
      kind: store.kind,
      transaction: (fn) => (alive() ? store.transaction(fn) : refuse()),
      read: (fn) => (alive() ? store.read(fn) : refuse()),
      close: () => Promise.resolve(),
    };
    const upstream = this.#mortalUpstream(alive);
    const wallets = this.deps.wallets ?? {};
    const engine = new PaymentEngine({
      store: deadStore,
      upstream,
      ...(Object.keys(wallets).length === 0
        ? {}
        : { wallets: this.#mortalWallets(wallets, alive), fingerprintKey: this.deps.fingerprintKey }),
      clock,
      ids: randomIdSource(clock, this.deps.random.fork(1000 + number)),
      metrics: noMetrics,
      log: silentLog,
      settings: simEngineSettings(this.deps.upstreamTimeoutMs),
      instanceId: `sim-host-${number}`,
    });
    const isoHost = new IsoHost({
      engine,
      random: this.deps.random.fork(2000 + number),
      fingerprintKey: this.deps.fingerprintKey,
      terminalKeyKey: this.deps.terminalKeyKey,
      log: silentLog,
    });
    cell.incarnation = { alive: true, isoHost, engine, background: engine.startBackgroundWork() };
    this.#current = cell.incarnation;
    this.up = true;
  }

  /** The issuer as one incarnation sees it: silent once it is dead; it may die after a sale's answer. */
  #mortalUpstream(alive: () => boolean): Upstream {
    const { issuer } = this.deps;
    return {
      authorize: async (request, signal) => {
        if (!alive()) return never();
        const answer = await issuer.authorize(request, signal);
        if (request.kind === 'sale') {
          const found = this.deps.attemptOf(request);
          if (
            found !== undefined &&
            this.sim.strikesOnce(
              'host_crash_before_answer',
              found.key,
              found.attempt.intent,
              found.attempt.ordinal,
              'answer',
            )
          ) {
            this.#crash();
          }
        }
        return alive() ? answer : never();
      },
      reverse: async (request, signal) => {
        if (!alive()) return never();
        const answer = await issuer.reverse(request, signal);
        return alive() ? answer : never();
      },
    };
  }

  /** The wallets as one incarnation sees them: silent once it is dead; it may die after a pay's answer. */
  #mortalWallets(wallets: WalletProviders, alive: () => boolean): WalletProviders {
    const mortal = (provider: WalletProvider): WalletProvider => {
      const call = async <T>(answer: () => Promise<T>): Promise<T> => {
        if (!alive()) return never();
        const answered = await answer();
        return alive() ? answered : never();
      };
      return {
        wallet: provider.wallet,
        timing: provider.timing,
        acknowledgement: provider.acknowledgement,
        pay: (request, signal) =>
          call(async () => {
            const answer = await provider.pay(request, signal);
            const found = this.sim.attemptOfOrder(request.orderNo);
            const at = found === undefined ? [] : [found.attempt.intent, found.attempt.ordinal, 'answer'];
            if (found !== undefined && this.sim.strikesOnce('host_crash_before_answer', found.key, ...at)) {
              this.#crash();
            }
            return answer;
          }),
        query: (orderNo, signal) => call(() => provider.query(orderNo, signal)),
        cancel: (orderNo, signal) => call(() => provider.cancel(orderNo, signal)),
        precreate: (request, signal) => call(() => provider.precreate(request, signal)),
        close: (orderNo, signal) => call(() => provider.close(orderNo, signal)),
        refund: (request, signal) => call(() => provider.refund(request, signal)),
        queryRefund: (request, signal) => call(() => provider.queryRefund(request, signal)),
        readNotification: (raw) => provider.readNotification(raw),
      };
    };
    return Object.fromEntries(
      Object.entries(wallets).map(([wallet, provider]) => [wallet, mortal(provider)]),
    );
  }

  #crash(): void {
    const current = this.#current;
    if (current === undefined || !current.alive) return;
    current.alive = false;
    this.up = false;
    void this.sim.clock.sleep(this.deps.restartAfterMs).then(() => {
      if (!this.#stopped) this.start();
    });
  }

  /** The attempt a sale frame belongs to, if it is one. */
  #saleAttempt(frame: Buffer): { key: string; attempt: Attempt } | undefined {
    const facts = this.sim.frameFacts(frame);
    if (facts === null || facts.mti !== '0200' || !facts.processingCode.startsWith('00')) return undefined;
    const attempt = this.sim.attempts.get(facts.key);
    return attempt === undefined ? undefined : { key: facts.key, attempt };
  }

  async handle(frame: Buffer): Promise<Buffer | 'close'> {
    const incarnation = this.#current;
    if (incarnation === undefined || !incarnation.alive) return 'close';
    const sale = this.#saleAttempt(frame);
    const strikes = (name: 'host_crash_before_commit' | 'host_crash_before_reply', point: string): boolean =>
      sale !== undefined &&
      this.sim.strikesOnce(name, sale.key, sale.attempt.intent, sale.attempt.ordinal, point);
    // Dying as the pending payment is stored: nothing of it is committed.
    if (strikes('host_crash_before_commit', 'commit')) {
      this.#crash();
      return 'close';
    }
    const reply = await incarnation.isoHost.handle(frame, { id: 'sim', remote: 'sim' });
    if (!incarnation.alive || reply.kind !== 'answer') return 'close';
    if (strikes('host_crash_before_reply', 'reply')) {
      this.#crash();
      return 'close';
    }
    return reply.frame;
  }

  /** Stops the current incarnation's background work at the end of the day. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#current?.background.stop();
  }
}
