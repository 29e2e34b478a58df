// The payment engine: the one door every channel (HTTP, ISO 8583, the simulator) goes through to
// authorise, void, refund and reverse, and the background work that keeps the promise when things
// fail: the reversal queue, crash recovery, the expiry of QR orders, key expiry and the compaction
// of terminal telemetry.
import { assert, haltOnInvariant } from '../assert.js';
import {
  compactTelemetry,
  readTelemetryHours,
  type CompactionResult,
} from '../diagnostics/compact-telemetry.js';
import {
  recordTelemetry,
  type RecordTelemetryCommand,
  type TelemetryReceipt,
} from '../diagnostics/record-telemetry.js';
import type { TelemetryHour } from '../diagnostics/telemetry-hours.js';
import type { TelemetryQuery } from '../diagnostics/ports/telemetry-store.js';
import { describeValue, PosError } from '../pos-error.js';
import type { DuplicateQuery, DuplicateRecord } from './ports/duplicate-store.js';
import type { PaymentQuery } from './ports/payment-store.js';
import {
  finishBatchUpload,
  recordBatchUpload,
  settleBatch,
  type SettleCommand,
  type SettleResult,
} from './batch-settlement.js';
import { authorizeSale, type PaymentResult, type SaleCommand } from './authorize-sale.js';
import type { ChildCommand } from './child-operation.js';
import type { EngineContext } from './engine-context.js';
import type { MerchantRecord, PaymentRecord, TerminalRecord } from './payment.js';
import { maxPayWindowMs } from './pending-horizon.js';
import type { Wallet } from './ports/wallet.js';
import { createQrOrder, type QrOrderCommand } from './qr-order-create.js';
import { takeWalletNotification, type NotificationTaken } from './qr-order-notification.js';
import { cancelQrOrder, expireShownOrders, QrOrderQueryLimiter, readQrOrder } from './qr-order-read.js';
import { authorizeQrSale, type QrSaleCommand } from './qr-sale.js';
import { expireKeys, recoverOrphans } from './recovery.js';
import { refundSale } from './refund-sale.js';
import { drainReversals } from './reversal-queue.js';
import { reversePayment, type ReversalResult, type ReverseCommand } from './reverse-payment.js';
import {
  acceptSignedRequest,
  recordSignedAnswer,
  type FoldCheck,
  type SignedAnswer,
  type SignedRequest,
} from './signed-folds.js';
import { offerSessionKeys, signOff, type SealedSessionKeys, type TerminalRef } from './terminal-sign-in.js';
import { voidSale } from './void-sale.js';

export interface BackgroundWork {
  /** Stops taking new work, finishes what is under way, and resolves when every loop has ended. */
  stop(): Promise<void>;
}

/** The abort reason that wakes the reversal worker; shared, so a wake-up builds no DOMException. */
const wakeUp = new Error('a reversal was queued');

/** How often idempotency records past their retention are swept. */
const keyExpiryIntervalMs = 60_000;

/** How often raw telemetry past its retention is folded into hours (it is kept to the hour). */
const telemetryCompactionIntervalMs = 3_600_000;

export class PaymentEngine {
  readonly #ctx: EngineContext;
  #wake: AbortController = new AbortController();
  /** When each open QR order was last asked about at its wallet by this host. */
  readonly #qrQueries = new QrOrderQueryLimiter();

  /** `wallets` and `fingerprintKey` may be left out by a host that takes no QR sales. */
  constructor(
    ctx: Omit<EngineContext, 'onReversalQueued' | 'wallets' | 'fingerprintKey'> &
      Partial<Pick<EngineContext, 'wallets' | 'fingerprintKey'>>,
  ) {
    const wallets = ctx.wallets ?? {};
    const fingerprintKey = ctx.fingerprintKey ?? null;
    // Payers could not be fingerprinted, so the QR duplicate guard could not work.
    assert(
      fingerprintKey !== null || Object.keys(wallets).length === 0,
      'an engine with wallet providers has the fingerprint key',
    );
    for (const provider of Object.values(wallets)) {
      assert(
        provider.timing.payWindowMs <= maxPayWindowMs,
        `the ${provider.wallet} pay window is at most ${maxPayWindowMs} ms`,
      );
    }
    this.#ctx = { ...ctx, wallets, fingerprintKey, onReversalQueued: () => this.#wake.abort(wakeUp) };
  }

  get context(): EngineContext {
    return this.#ctx;
  }

  authorizeSale(command: SaleCommand): Promise<PaymentResult> {
    return authorizeSale(this.#ctx, command);
  }

  /** A sale paid with a wallet payment code the cashier scanned; answered once the wallet settles it. */
  authorizeQrSale(command: QrSaleCommand): Promise<PaymentResult> {
    return authorizeQrSale(this.#ctx, command);
  }

  /** A code for the terminal to show (a QR order); closes the terminal's open one first. */
  createQrOrder(command: QrOrderCommand): Promise<PaymentResult> {
    return createQrOrder(this.#ctx, command);
  }

  /** A QR order as it stands, after asking the wallet about it if it is open (rate-limited). */
  readQrOrder(merchantId: string, id: string): Promise<PaymentRecord> {
    return readQrOrder(this.#ctx, this.#qrQueries, merchantId, id);
  }

  /** The cashier cancels a QR order: an open one is closed (or found paid). */
  cancelQrOrder(merchantId: string, id: string): Promise<PaymentRecord> {
    return cancelQrOrder(this.#ctx, merchantId, id);
  }

  /** A wallet's payment notification, verified by its provider, taken once per trade. */
  takeWalletNotification(
    wallet: Wallet,
    raw: { readonly body: Buffer; readonly contentType: string },
  ): Promise<NotificationTaken> {
    return takeWalletNotification(this.#ctx, wallet, raw);
  }

  /** Closes the QR orders past their expiry. */
  expireShownOrders(): Promise<number> {
    return expireShownOrders(this.#ctx);
  }

  voidSale(command: ChildCommand): Promise<PaymentResult> {
    return voidSale(this.#ctx, command);
  }

  refundSale(command: ChildCommand & { amount: number }): Promise<PaymentResult> {
    return refundSale(this.#ctx, command);
  }

  reverse(command: ReverseCommand): Promise<ReversalResult> {
    return reversePayment(this.#ctx, command);
  }

  /** Keeps the keys a sign-in offered as the terminal's pending keys. */
  offerSessionKeys(command: { terminal: TerminalRef; keys: SealedSessionKeys; now: number }): Promise<void> {
    return offerSessionKeys(this.#ctx, command);
  }

  /**
   * Checks and keeps the MAC fold of a request whose MAC verified (issue 13), and adopts the pending
   * keys it was MACed under, if it was.
   */
  acceptSignedRequest(request: SignedRequest): Promise<FoldCheck> {
    return acceptSignedRequest(this.#ctx, request);
  }

  /** Keeps the MAC fold of an answer about to be sent signed; send it only once this resolved. */
  recordSignedAnswer(answer: SignedAnswer): Promise<void> {
    return recordSignedAnswer(this.#ctx, answer);
  }

  /** Ends a terminal's session. */
  signOff(terminal: TerminalRef): Promise<void> {
    return signOff(this.#ctx, terminal);
  }

  /** Settles a terminal batch (ISO 8583 0500). */
  settleBatch(command: SettleCommand): Promise<SettleResult> {
    return settleBatch(this.#ctx, command);
  }

  /** Keeps one record of a terminal's batch upload (ISO 8583 0320). */
  recordBatchUpload(command: Parameters<typeof recordBatchUpload>[1]): ReturnType<typeof recordBatchUpload> {
    return recordBatchUpload(this.#ctx, command);
  }

  /** Ends a terminal's batch upload (the closing 0320). */
  finishBatchUpload(command: Parameters<typeof finishBatchUpload>[1]): ReturnType<typeof finishBatchUpload> {
    return finishBatchUpload(this.#ctx, command);
  }

  /** Keeps a terminal's status report (issue 14; diagnostics/record-telemetry.ts). */
  recordTelemetry(command: RecordTelemetryCommand): Promise<TelemetryReceipt> {
    return recordTelemetry(this.#ctx, command);
  }

  /** Folds raw telemetry past its retention into hours; the maintenance loop runs it hourly. */
  compactTelemetry(): Promise<CompactionResult> {
    return compactTelemetry(this.#ctx);
  }

  /** Telemetry per terminal and hour over a period, raw and compacted alike (the diagnosis reads it). */
  telemetryHours(query: Omit<TelemetryQuery, 'limit'>): Promise<TelemetryHour[]> {
    return this.#ctx.store.read((reader) => readTelemetryHours(reader, query));
  }

  async getPayment(merchantId: string, id: string): Promise<PaymentRecord> {
    const payment = await this.#ctx.store.read((reader) => reader.getPayment(id));
    if (payment === undefined || payment.merchantId !== merchantId) {
      // Described, not quoted: an id from a URL may be anything, a card number included.
      throw new PosError('POS_ERR_PAYMENT_NOT_FOUND', `no payment ${describeValue(id)} for this merchant`, {
        details: { paymentId: describeValue(id) },
      });
    }
    return payment;
  }

  async findByRrn(merchantId: string, rrn: string): Promise<PaymentRecord | undefined> {
    const payment = await this.#ctx.store.read((reader) => reader.getPaymentByRrn(rrn));
    return payment?.merchantId === merchantId ? payment : undefined;
  }

  listPayments(query: PaymentQuery): Promise<PaymentRecord[]> {
    return this.#ctx.store.read((reader) => reader.listPayments(query));
  }

  /** A merchant and one of its terminals, each undefined when not registered. */
  findTerminal(
    merchantId: string,
    terminalId: string,
  ): Promise<{ merchant: MerchantRecord | undefined; terminal: TerminalRecord | undefined }> {
    return this.#ctx.store.read(async (reader) => ({
      merchant: await reader.getMerchant(merchantId),
      terminal: await reader.getTerminal(merchantId, terminalId),
    }));
  }

  /** The payment a merchant's idempotency key made, if it made one. */
  paymentOfKey(merchantId: string, idempotencyKey: string): Promise<PaymentRecord | undefined> {
    return this.#ctx.store.read(async (reader) => {
      const held = await reader.getRequest(merchantId, idempotencyKey);
      return held === undefined || held.paymentId === null ? undefined : reader.getPayment(held.paymentId);
    });
  }

  lastPayment(merchantId: string, terminalId: string): Promise<PaymentRecord | undefined> {
    return this.#ctx.store.read((reader) => reader.lastPaymentForTerminal(merchantId, terminalId));
  }

  listDuplicates(query: DuplicateQuery): Promise<DuplicateRecord[]> {
    return this.#ctx.store.read((reader) => reader.listDuplicates(query));
  }

  recoverOrphans(): Promise<number> {
    return recoverOrphans(this.#ctx);
  }

  drainReversals(): Promise<number> {
    return drainReversals(this.#ctx);
  }

  expireKeys(): Promise<number> {
    return expireKeys(this.#ctx);
  }

  /** Starts the reversal queue worker, crash recovery and key expiry loops. */
  startBackgroundWork(): BackgroundWork {
    const ctx = this.#ctx;
    const stopping = new AbortController();
    const guarded = async (name: string, step: () => Promise<unknown>): Promise<unknown> => {
      try {
        return await step();
      } catch (error) {
        if (haltOnInvariant(error)) {
          // The process stops (assert.ts); until it does, no loop does more work on a broken state.
          ctx.log.error(
            { err: error, loop: name },
            `background ${name}: invariant broken; the process stops`,
          );
          stopping.abort();
          this.#wake.abort();
          return undefined;
        }
        ctx.log.error({ err: error, loop: name }, `background ${name} failed; retrying`);
        return undefined;
      }
    };
    const reversals = (async () => {
      while (!stopping.signal.aborted) {
        const handled = await guarded('reversal queue', () => this.drainReversals());
        if ((handled === 0 || handled === undefined) && !stopping.signal.aborted) {
          // Sleep until the next reversal is due, at most the poll interval (another host may queue
          // one); a reversal queued here (or stop) aborts this controller and cuts the wait short.
          const due = await guarded('reversal queue', () =>
            ctx.store.read((reader) => reader.nextReversalDueAt()),
          );
          // Due already yet not handled: another host holds it; look again after the poll interval.
          const now = ctx.clock.now();
          const untilDue = typeof due === 'number' && due > now ? due - now : Number.POSITIVE_INFINITY;
          this.#wake = new AbortController();
          await ctx.clock.sleep(Math.min(ctx.settings.reversalPollMs, untilDue), this.#wake.signal);
        }
      }
    })();
    const maintenance = (async () => {
      let nextExpiry = ctx.clock.now();
      let nextCompaction = ctx.clock.now();
      while (!stopping.signal.aborted) {
        await guarded('recovery', () => this.recoverOrphans());
        await guarded('QR order expiry', () => this.expireShownOrders());
        if (ctx.clock.now() >= nextExpiry) {
          await guarded('key expiry', () => this.expireKeys());
          nextExpiry = ctx.clock.now() + keyExpiryIntervalMs;
        }
        if (ctx.clock.now() >= nextCompaction) {
          await guarded('telemetry compaction', () => this.compactTelemetry());
          nextCompaction = ctx.clock.now() + telemetryCompactionIntervalMs;
        }
        await ctx.clock.sleep(ctx.settings.recoveryIntervalMs, stopping.signal);
      }
    })();
    return {
      stop: async () => {
        stopping.abort();
        this.#wake.abort();
        await Promise.all([reversals, maintenance]);
      },
    };
  }
}
