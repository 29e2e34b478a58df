// What every use case of the engine works with: the ports (store, upstream, wallets, clock, ids,
// metrics, log) and the settings. Built once by the composition root (or by the simulator with its
// own clock, randomness and network).
import type { Secret } from '../cards/secret.js';
import type { Clock } from '../clock/clock.js';
import type { Store } from './ports/store.js';
import type { Upstream } from './ports/upstream.js';
import type { WalletProviders } from './ports/wallet.js';
import type { PaymentKind, PaymentStatus } from './payment.js';

export interface IdSource {
  /** A new unique id with the given prefix (`pay`, `dup`). */
  next(prefix: string): string;
}

export type DuplicatePreventedReason =
  | 'retransmission_replayed'
  | 'in_flight_refused'
  | 'suspect_held'
  | 'suspect_blocked'
  | 'late_original_refused'
  /** A new payment code on a terminal whose QR sale is still unresolved. */
  | 'unresolved_qr_refused'
  /** A new QR order on a terminal whose previous shown code the customer had paid already. */
  | 'earlier_code_paid_refused';

export interface EngineMetrics {
  paymentStatus(kind: PaymentKind, status: PaymentStatus): void;
  duplicatePrevented(reason: DuplicatePreventedReason): void;
  upstreamCall(operation: 'authorize' | 'reverse', outcome: string, latencyMs: number): void;
}

export const noMetrics: EngineMetrics = {
  paymentStatus: () => undefined,
  duplicatePrevented: () => undefined,
  upstreamCall: () => undefined,
};

/** The slice of a pino logger the engine uses. Never pass card data to it. */
export interface EngineLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const silentLog: EngineLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface EngineSettings {
  /** How long the host waits for the upstream before answering 98 and reversing. */
  readonly upstreamTimeoutMs: number;
  /** How long a repeated request waits for the first one still in flight before a 409. */
  readonly inFlightWaitMs: number;
  readonly inFlightPollMs: number;
  /** How long idempotency keys are kept (at least 48 hours). */
  readonly keyRetentionMs: number;
  /** A pending payment older than upstreamTimeoutMs + this is an orphan of a crashed host. */
  readonly recoveryGraceMs: number;
  readonly recoveryIntervalMs: number;
  readonly reversalBaseDelayMs: number;
  readonly reversalMaxDelayMs: number;
  readonly reversalMaxAttempts: number;
  readonly reversalLeaseMs: number;
  readonly reversalPollMs: number;
  readonly reversalBatchSize: number;
  /**
   * How long a code the terminal shows (a QR order) may be paid before it expires and is closed.
   * Two minutes: both wallets take an expiry over a minute (WeChat Pay advises more than one
   * minute for `time_expire`, Alipay's timeouts start at 1m), a customer needs well under a minute
   * to open the app, scan and confirm, and a terminal is not held by an abandoned code for long.
   */
  readonly shownCodeLifetimeMs: number;
}

export const minKeyRetentionMs = 48 * 3600 * 1000;

export const defaultEngineSettings: EngineSettings = {
  upstreamTimeoutMs: 10_000,
  inFlightWaitMs: 2_000,
  inFlightPollMs: 25,
  keyRetentionMs: 7 * 24 * 3600 * 1000,
  recoveryGraceMs: 2_000,
  recoveryIntervalMs: 1_000,
  reversalBaseDelayMs: 1_000,
  reversalMaxDelayMs: 300_000,
  reversalMaxAttempts: 16,
  reversalLeaseMs: 30_000,
  reversalPollMs: 500,
  reversalBatchSize: 32,
  shownCodeLifetimeMs: 120_000,
};

export interface EngineContext {
  readonly store: Store;
  readonly upstream: Upstream;
  /** Where QR sales go, by wallet; a code of a wallet with no provider is refused. */
  readonly wallets: WalletProviders;
  /**
   * The host's fingerprint key, for the payers' ids wallets return (the doors fingerprint cards
   * and codes with it); null on a host with no wallet.
   */
  readonly fingerprintKey: Secret<Buffer> | null;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly metrics: EngineMetrics;
  readonly log: EngineLog;
  readonly settings: EngineSettings;
  /** This host process, as the owner of reversal leases. */
  readonly instanceId: string;
  /** Called after a reversal is queued, so the worker can start on it at once. */
  readonly onReversalQueued: () => void;
}
