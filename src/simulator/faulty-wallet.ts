// A wallet (Alipay or WeChat Pay) through the wallet port, as the schedule makes it misbehave, on
// the simulated wallet's books (src/simulated-wallet/simulated-wallet.ts): payers, their single-use
// payment codes, orders idempotent by number, and every charge and refund, the ground truth the
// accounting reads. Which call meets which fault is fixed by the attempt behind the order number
// (its intent and ordinal, the method and how many times it was called), never by a draw from a
// stream, so the naive and the guarded run meet the same wallet:
//  - the pay is answered "user paying" and the customer confirms on the phone 5 to 40 s later;
//  - the call acts (a pay charges) and its answer never comes, or comes after the host's timeout;
//  - a fresh code is refused as already used;
//  - an order's cancel is answered "retry" once or more before it cancels.
// It takes the provider's timing (query interval, pay window, cancel retry) from the real adapters.
import type {
  WalletCancelAnswer,
  WalletCloseAnswer,
  WalletNotification,
  WalletOrderState,
  WalletPayAnswer,
  WalletPayRequest,
  WalletPrecreateAnswer,
  WalletProvider,
  WalletRefundAnswer,
  WalletRefundState,
  WalletRefundRequest,
  WalletTiming,
} from '../payments/ports/wallet.js';
import type { PayFate, SimulatedWallet } from '../simulated-wallet/simulated-wallet.js';
import { orderStateOf, paidOf } from '../simulated-wallet/order-state.js';
import { invalidNotification } from '../wallets/wire/notification-errors.js';
import type { Attempt } from './accounting.js';
import type { SimWallet } from './intents.js';
import type { SimContext } from './sim-context.js';

/** Resolves once the caller stops waiting: an answer that never comes. */
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

export class FaultyWallet implements WalletProvider {
  readonly acknowledgement = { contentType: 'text/plain;charset=utf-8', body: 'success' };
  readonly #calls = new Map<string, number>();
  /** The provider this wallet's faults strike, in a fleet with culprits (fleet.ts). */
  readonly #who: { readonly provider: string };

  constructor(
    private readonly sim: SimContext,
    private readonly books: SimulatedWallet,
    private readonly options: {
      readonly wallet: SimWallet;
      readonly timing: WalletTiming;
      /** How late a late answer is: past the host's timeout. */
      readonly lateByMs: number;
      /** The terminal attempt behind an order number. */
      readonly attemptOf: (orderNo: string) => { key: string; attempt: Attempt } | undefined;
    },
  ) {
    this.#who = { provider: options.wallet };
  }

  get wallet(): SimWallet {
    return this.options.wallet;
  }

  get timing(): WalletTiming {
    return this.options.timing;
  }

  /** The occasion of a call, for the schedule: the attempt behind the order, the method, the call count. */
  #occasion(orderNo: string, method: string): { key: string | null; occasion: Array<string | number> } {
    const found = this.options.attemptOf(orderNo);
    const base =
      found === undefined ? [orderNo, method] : [found.attempt.intent, found.attempt.ordinal, method];
    const id = base.join(':');
    const n = this.#calls.get(id) ?? 0;
    this.#calls.set(id, n + 1);
    return { key: found?.key ?? null, occasion: [...base, n] };
  }

  /** One call: its effect at once, then its answer after a latency, late, or never. */
  async #call<T>(
    at: { key: string | null; occasion: Array<string | number> },
    apply: () => T,
    unknown: (reason: string) => T,
    signal: AbortSignal,
  ): Promise<T> {
    const { key, occasion } = at;
    const late = key !== null && this.sim.strikesAt(this.#who, 'wallet_late', key, ...occasion);
    const lost =
      !late && key !== null && this.sim.strikesAt(this.#who, 'wallet_answer_lost', key, ...occasion);
    const answer = apply();
    if (lost) {
      await untilAborted(signal);
      return unknown('no answer from the wallet');
    }
    const latencyMs = late
      ? this.options.lateByMs
      : this.sim.schedule.between(30, 300, 'wallet-latency', ...occasion);
    const answered = await this.sim.clock.sleep(latencyMs, signal);
    return answered ? answer : unknown('the caller stopped waiting');
  }

  pay(request: WalletPayRequest, signal: AbortSignal): Promise<WalletPayAnswer> {
    const at = this.#occasion(request.orderNo, 'pay');
    const { key, occasion } = at;
    const fate: PayFate = {
      codeUsed: key !== null && this.sim.strikesAt(this.#who, 'wallet_code_used', key, ...occasion),
      ...(key !== null && this.sim.strikesAt(this.#who, 'wallet_user_paying', key, ...occasion)
        ? { userPaying: { confirmAfterMs: this.sim.schedule.between(5_000, 40_000, 'confirm', ...occasion) } }
        : {}),
    };
    return this.#call<WalletPayAnswer>(
      at,
      () => {
        const outcome = this.books.pay(
          {
            wallet: this.wallet,
            orderNo: request.orderNo,
            code: request.code.reveal(),
            amount: request.amount,
            subject: request.subject,
          },
          fate,
        );
        switch (outcome.kind) {
          case 'paid':
            return { outcome: 'paid', ...paidOf(this.books, outcome.order) };
          case 'user_paying':
            return { outcome: 'user_paying' };
          case 'refused':
            return { outcome: 'refused', refusal: outcome.refusal, message: `refused: ${outcome.refusal}` };
          case 'exists':
            return outcome.order.state === 'paid'
              ? { outcome: 'paid', ...paidOf(this.books, outcome.order) }
              : { outcome: 'refused', refusal: 'other', message: 'the order number is taken' };
        }
      },
      (reason) => ({ outcome: 'unknown', reason }),
      signal,
    );
  }

  query(orderNo: string, signal: AbortSignal): Promise<WalletOrderState> {
    return this.#call<WalletOrderState>(
      this.#occasion(orderNo, 'query'),
      () => orderStateOf(this.books, this.books.query(this.wallet, orderNo), 'refused'),
      (reason) => ({ state: 'unknown', reason }),
      signal,
    );
  }

  cancel(orderNo: string, signal: AbortSignal): Promise<WalletCancelAnswer> {
    const at = this.#occasion(orderNo, 'cancel');
    // How many times this order's cancel is answered "retry" is fixed at its first cancel.
    const found = this.options.attemptOf(orderNo);
    const first = this.books.order(this.wallet, orderNo)?.cancelRetriesLeft ?? null;
    const retries =
      first === null &&
      found !== undefined &&
      this.sim.strikesAt(
        this.#who,
        'wallet_cancel_retry',
        found.key,
        found.attempt.intent,
        found.attempt.ordinal,
      )
        ? this.sim.schedule.between(1, 3, 'cancel-retries', found.attempt.intent, found.attempt.ordinal)
        : 0;
    return this.#call<WalletCancelAnswer>(
      at,
      () => {
        const outcome = this.books.cancel(this.wallet, orderNo, retries);
        return outcome.kind === 'retry'
          ? { outcome: 'retry', reason: 'the wallet asks to cancel again' }
          : { outcome: 'cancelled', refunded: outcome.refunded };
      },
      (reason) => ({ outcome: 'unknown', reason }),
      signal,
    );
  }

  // Codes the terminal shows are not simulated: these three act on the books without faults.

  precreate(): Promise<WalletPrecreateAnswer> {
    return Promise.resolve({
      outcome: 'refused',
      refusal: 'other',
      message: 'shown codes are not simulated',
    });
  }

  close(orderNo: string): Promise<WalletCloseAnswer> {
    return Promise.resolve(
      this.books.close(this.wallet, orderNo) === 'already_paid'
        ? { outcome: 'already_paid' }
        : { outcome: 'closed' },
    );
  }

  refund(request: WalletRefundRequest): Promise<WalletRefundAnswer> {
    const outcome = this.books.refund(this.wallet, request.orderNo, request.refundNo, request.amount);
    if (outcome.kind === 'refunded') return Promise.resolve({ outcome: 'refunded' });
    if (outcome.kind === 'processing') return Promise.resolve({ outcome: 'accepted' });
    return Promise.resolve({ outcome: 'refused', message: `the wallet refused the refund: ${outcome.why}` });
  }

  queryRefund(request: { readonly orderNo: string; readonly refundNo: string }): Promise<WalletRefundState> {
    const found = this.books.refundState(this.wallet, request.refundNo);
    return Promise.resolve(found.state === 'processing' ? { state: 'processing' } : { state: found.state });
  }

  readNotification(): WalletNotification {
    throw invalidNotification(this.wallet, 'the simulated wallet sends no notifications: the host polls it');
  }
}
