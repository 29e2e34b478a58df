// UnionPay QR (云闪付) through the wallet port, simulated in-process only: this project's material
// has no public wire specification of UnionPay's QR acquiring API, so there is no adapter to test
// against a wire format (docs/qr.md, "UnionPay QR"). The provider calls the simulated wallet's
// books directly, under the same fault plan as the wire formats (latency, lost answers, system
// errors, user paying, codes used, cancels to retry), so the engine meets UnionPay codes with every
// fault the other wallets have. It takes no notifications: the engine polls.
import type {
  WalletCancelAnswer,
  WalletCloseAnswer,
  WalletNotification,
  WalletOrderState,
  WalletPayAnswer,
  WalletPayRequest,
  WalletPrecreateAnswer,
  WalletPrecreateRequest,
  WalletProvider,
  WalletRefundAnswer,
  WalletRefundRequest,
  WalletRefundState,
  WalletTiming,
} from '../payments/ports/wallet.js';
import { orderStateOf, paidOf } from './order-state.js';
import { invalidNotification } from '../wallets/wire/notification-errors.js';
import type { SimulatedWallet } from './simulated-wallet.js';
import type { WalletMethod } from './wallet-faults.js';

/** No documented windows for UnionPay QR in our material: Alipay's are used (docs/qr.md). */
export const unionpayTiming: WalletTiming = {
  queryIntervalMs: 5_000,
  payWindowMs: 60_000,
  cancelRetryMs: 5_000,
};

export class SimulatedUnionPayProvider implements WalletProvider {
  readonly wallet = 'unionpay';
  readonly timing: WalletTiming;
  readonly acknowledgement = { contentType: 'text/plain;charset=utf-8', body: 'ok' };
  readonly #books: SimulatedWallet;

  constructor(books: SimulatedWallet, timing?: Partial<WalletTiming>) {
    this.#books = books;
    this.timing = { ...unionpayTiming, ...timing };
  }

  /** One call under the fault plan: latency, then a system error, the effect, or a lost answer. */
  async #run<T>(
    method: WalletMethod,
    apply: () => T,
    failed: (reason: string) => T,
    signal: AbortSignal,
  ): Promise<T> {
    this.#books.count('unionpay', method);
    const fate = this.#books.draws.call(method);
    if (fate.latencyMs > 0 && !(await this.#books.clock.sleep(fate.latencyMs, signal))) {
      return failed('no answer before the caller stopped waiting');
    }
    if (fate.systemError === 'not_applied') return failed('system error');
    const answer = apply();
    if (fate.lost) {
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      return failed('no answer before the caller stopped waiting');
    }
    return fate.systemError === 'applied' ? failed('system error') : answer;
  }

  pay(request: WalletPayRequest, signal: AbortSignal): Promise<WalletPayAnswer> {
    return this.#run<WalletPayAnswer>(
      'pay',
      () => {
        const outcome = this.#books.pay({
          wallet: 'unionpay',
          orderNo: request.orderNo,
          code: request.code.reveal(),
          amount: request.amount,
          subject: request.subject,
        });
        switch (outcome.kind) {
          case 'paid':
            return { outcome: 'paid', ...paidOf(this.#books, outcome.order) };
          case 'user_paying':
            return { outcome: 'user_paying' };
          case 'refused':
            return {
              outcome: 'refused',
              refusal: outcome.refusal,
              message: `UnionPay refused: ${outcome.refusal}`,
            };
          case 'exists':
            return outcome.order.state === 'paid'
              ? { outcome: 'paid', ...paidOf(this.#books, outcome.order) }
              : {
                  outcome: 'refused',
                  refusal: 'other',
                  message: 'the order number is taken by a shown code',
                };
        }
      },
      (reason) => ({ outcome: 'unknown', reason }),
      signal,
    );
  }

  query(orderNo: string, signal: AbortSignal): Promise<WalletOrderState> {
    return this.#run<WalletOrderState>(
      'query',
      () => orderStateOf(this.#books, this.#books.query('unionpay', orderNo), 'UnionPay refused'),
      (reason) => ({ state: 'unknown', reason }),
      signal,
    );
  }

  cancel(orderNo: string, signal: AbortSignal): Promise<WalletCancelAnswer> {
    return this.#run<WalletCancelAnswer>(
      'cancel',
      () => {
        const outcome = this.#books.cancel('unionpay', orderNo);
        return outcome.kind === 'retry'
          ? { outcome: 'retry', reason: 'UnionPay asks to cancel again' }
          : { outcome: 'cancelled', refunded: outcome.refunded };
      },
      (reason) => ({ outcome: 'unknown', reason }),
      signal,
    );
  }

  precreate(request: WalletPrecreateRequest, signal: AbortSignal): Promise<WalletPrecreateAnswer> {
    return this.#run<WalletPrecreateAnswer>(
      'precreate',
      () => {
        const outcome = this.#books.precreate({
          wallet: 'unionpay',
          orderNo: request.orderNo,
          amount: request.amount,
          subject: request.subject,
          expiresAtMs: request.expiresAtMs,
          notifyUrl: null,
        });
        if (outcome.kind === 'created') return { outcome: 'created', qrContent: outcome.qrContent };
        if (outcome.why === 'closed')
          return { outcome: 'refused', refusal: 'order_closed', message: 'the order is closed' };
        if (outcome.why === 'paid')
          return { outcome: 'unknown', reason: 'the order is paid already: query it' };
        return { outcome: 'refused', refusal: 'other', message: 'the order number is taken' };
      },
      (reason) => ({ outcome: 'unknown', reason }),
      signal,
    );
  }

  close(orderNo: string, signal: AbortSignal): Promise<WalletCloseAnswer> {
    return this.#run<WalletCloseAnswer>(
      'close',
      () =>
        this.#books.close('unionpay', orderNo) === 'already_paid'
          ? { outcome: 'already_paid' }
          : { outcome: 'closed' },
      (reason) => ({ outcome: 'unknown', reason }),
      signal,
    );
  }

  refund(request: WalletRefundRequest, signal: AbortSignal): Promise<WalletRefundAnswer> {
    return this.#run<WalletRefundAnswer>(
      'refund',
      () => {
        const outcome = this.#books.refund('unionpay', request.orderNo, request.refundNo, request.amount);
        if (outcome.kind === 'refused')
          return { outcome: 'refused', message: `UnionPay refused the refund: ${outcome.why}` };
        return outcome.kind === 'refunded' ? { outcome: 'refunded' } : { outcome: 'accepted' };
      },
      (reason) => ({ outcome: 'unknown', reason }),
      signal,
    );
  }

  queryRefund(
    request: { readonly orderNo: string; readonly refundNo: string },
    signal: AbortSignal,
  ): Promise<WalletRefundState> {
    return this.#run<WalletRefundState>(
      'query',
      () => {
        const found = this.#books.refundState('unionpay', request.refundNo);
        if (found.state === 'not_found' || found.order?.orderNo !== request.orderNo)
          return { state: 'not_found' };
        return { state: found.state };
      },
      (reason) => ({ state: 'unknown', reason }),
      signal,
    );
  }

  readNotification(): WalletNotification {
    throw invalidNotification(
      'unionpay',
      'the simulated UnionPay QR provider takes no notifications (the host polls)',
    );
  }
}

export function createSimulatedUnionPayProvider(
  books: SimulatedWallet,
  timing?: Partial<WalletTiming>,
): WalletProvider {
  return new SimulatedUnionPayProvider(books, timing);
}
