// A wallet in process whose every answer the test scripts, call by call, over a small model of the
// wallet's orders and a ledger of what it charged and refunded: the engine's QR tests assert
// "exactly one charge, or none with every attempt cancelled" against the ledger, not against the
// answers the engine gave. Scripts say what happens at the wallet (the customer confirms, an
// answer is lost) and the answer follows from the order's state, as a real wallet's would.
// The simulated wallet service speaking the wallets' wire formats lives in src/simulated-wallet/.
import type { Clock } from '../../clock/clock.js';
import type {
  Wallet,
  WalletCancelAnswer,
  WalletCloseAnswer,
  WalletNotification,
  WalletPrecreateAnswer,
  WalletPrecreateRequest,
  WalletRefundAnswer,
  WalletRefundRequest,
  WalletRefundState,
  WalletOrderState,
  WalletPayAnswer,
  WalletPayRequest,
  WalletProvider,
  WalletRefusal,
  WalletTiming,
} from '../ports/wallet.js';

/** What happens at the wallet when the pay request arrives. */
export type PayStep =
  /** The customer is charged (optionally another amount than asked); answered paid. */
  | { readonly do: 'charge'; readonly amount?: number }
  /** The wallet refuses for good; nothing charged. */
  | { readonly do: 'refuse'; readonly refusal: WalletRefusal }
  /** The customer must confirm on the phone. */
  | { readonly do: 'ask_payer' }
  /** Handled as `then` says, but answered unknown (a system error). */
  | { readonly do: 'unknown'; readonly then: 'charge' | 'ask_payer' | 'nothing' }
  /** Handled as `then` says, and the answer never comes (the call hangs until aborted). */
  | { readonly do: 'lose_answer'; readonly then: 'charge' | 'ask_payer' | 'nothing' }
  /** Handled as `then` says, and the call throws: a careless adapter's error quoting the code. */
  | { readonly do: 'throw_quoting_code'; readonly then: 'charge' | 'ask_payer' | 'nothing' };

/** What happens at the wallet when a query arrives. */
export type QueryStep =
  /** Answered with the order as it stands. */
  | { readonly do: 'tell' }
  /** The customer confirms on the phone now, then the order is told (paid). */
  | { readonly do: 'payer_confirms' }
  /** The customer gives up on the phone: the wallet closes the order as refused. */
  | { readonly do: 'payer_refuses' }
  | { readonly do: 'unknown' }
  | { readonly do: 'lose_answer' };

/** What happens at the wallet when a cancel arrives. */
export type CancelStep =
  /** Closed, and refunded if it was charged. */
  | { readonly do: 'cancel' }
  | { readonly do: 'retry' }
  | { readonly do: 'unknown' }
  | { readonly do: 'lose_answer' };

/** What happens at the wallet when a refund arrives (under the host's refund number). */
export type RefundStep =
  /** Refunded at once; answered refunded (Alipay fund_change=Y). */
  | { readonly do: 'refund' }
  /**
   * Taken and answered accepted (WeChat's SUCCESS): the money is back at once (`now`), or stays
   * processing until the test calls `refundSettles` (`later`).
   */
  | { readonly do: 'accept'; readonly settle: 'now' | 'later' }
  /** Refused for good; nothing refunded. */
  | { readonly do: 'refuse' }
  /** Handled as `then` says, but answered unknown (a system error). */
  | { readonly do: 'unknown'; readonly then: 'refund' | 'nothing' }
  /** Handled as `then` says, and the answer never comes. */
  | { readonly do: 'lose_answer'; readonly then: 'refund' | 'nothing' };

/** What happens at the wallet when a refund's query arrives. */
export type RefundQueryStep =
  | { readonly do: 'tell' }
  | { readonly do: 'unknown' }
  | { readonly do: 'lose_answer' }
  /** A refund still processing fails for good (WeChat REFUNDCLOSE): nothing is given back. */
  | { readonly do: 'close_refund' };

type OrderState = 'paying' | 'paid' | 'closed' | 'refused';

/** A refund under a refund number: its amount, and whether the money is back yet. */
interface NumberedRefund {
  readonly amount: number;
  state: 'processing' | 'refunded' | 'failed';
}

interface Order {
  state: OrderState;
  refusal: WalletRefusal | null;
  amount: number;
  paidAmount: number;
  payerId: string;
  charges: number;
  /** Refunds a cancel made (in full). */
  refunds: number;
  /** Refunds under the host's refund numbers. */
  readonly numbered: Map<string, NumberedRefund>;
}

export interface ScriptedWalletOptions {
  readonly wallet?: Wallet;
  readonly timing?: Partial<WalletTiming>;
  readonly clock: Clock;
  /** The payer of every charge unless `payerOf` says otherwise (per payment code). */
  readonly payerId?: string;
}

/**
 * Timing of the scripted wallet: query every 5 s for 30 s, retry a cancel after 2 s (Alipay's
 * face-to-face demo polls five times 5 s apart; WeChat Pay's guide cancels after about 30 s).
 */
export const scriptedTiming: WalletTiming = {
  queryIntervalMs: 5_000,
  payWindowMs: 30_000,
  cancelRetryMs: 2_000,
};

function hang<T>(signal: AbortSignal): Promise<T> {
  // Never answered; the promise settles (rejects) only so the test leaves nothing dangling.
  return new Promise<T>((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(new Error('aborted by the caller')), { once: true });
  });
}

export class ScriptedWallet implements WalletProvider {
  readonly wallet: Wallet;
  readonly timing: WalletTiming;
  readonly #clock: Clock;
  readonly #orders = new Map<string, Order>();
  readonly #usedCodes = new Set<string>();
  readonly #payers = new Map<string, string>();
  readonly #defaultPayer: string;
  readonly script: {
    pay: PayStep[];
    query: QueryStep[];
    cancel: CancelStep[];
    refund: RefundStep[];
    refundQuery: RefundQueryStep[];
  } = { pay: [], query: [], cancel: [], refund: [], refundQuery: [] };
  readonly calls = {
    pay: [] as string[],
    query: [] as string[],
    cancel: [] as string[],
    /** The refund number of each refund call. */
    refund: [] as string[],
    refundQuery: [] as string[],
  };

  constructor(options: ScriptedWalletOptions) {
    this.wallet = options.wallet ?? 'wechat';
    this.timing = { ...scriptedTiming, ...options.timing };
    this.#clock = options.clock;
    this.#defaultPayer = options.payerId ?? 'payer-1';
  }

  /** Scripts the next calls of each kind; a call beyond its script behaves plainly. */
  next(steps: {
    pay?: PayStep[];
    query?: QueryStep[];
    cancel?: CancelStep[];
    refund?: RefundStep[];
    refundQuery?: RefundQueryStep[];
  }): this {
    this.script.pay.push(...(steps.pay ?? []));
    this.script.query.push(...(steps.query ?? []));
    this.script.cancel.push(...(steps.cancel ?? []));
    this.script.refund.push(...(steps.refund ?? []));
    this.script.refundQuery.push(...(steps.refundQuery ?? []));
    return this;
  }

  /** A refund left processing reaches the payer now. */
  refundSettles(refundNo: string): void {
    for (const order of this.#orders.values()) {
      const refund = order.numbered.get(refundNo);
      if (refund?.state === 'processing') refund.state = 'refunded';
    }
  }

  /** Makes the customer holding `code` pay as `payerId` (the wallet's buyer id). */
  payerOf(code: string, payerId: string): this {
    this.#payers.set(code, payerId);
    return this;
  }

  /** The customer confirms on the phone between calls (no-op unless the order awaits it). */
  payerConfirms(orderNo: string): void {
    const order = this.#orders.get(orderNo);
    if (order !== undefined) this.#charge(order);
  }

  /** The ledger: charges and refunds per order, and money still taken from customers. */
  ledger() {
    const orders = [...this.#orders.entries()].map(([orderNo, o]) => ({
      orderNo,
      state: o.state,
      charges: o.charges,
      refunds: o.refunds,
    }));
    /** Every refund under a refund number that reached the payer: one line each. */
    const refundLines = [...this.#orders.entries()].flatMap(([orderNo, o]) =>
      [...o.numbered.entries()]
        .filter(([, r]) => r.state === 'refunded')
        .map(([refundNo, r]) => ({ orderNo, refundNo, amount: r.amount })),
    );
    return {
      orders,
      charges: orders.reduce((n, o) => n + o.charges, 0),
      refunds: orders.reduce((n, o) => n + o.refunds, 0),
      /** Charges not refunded by a cancel: what customers have paid in the end, but for refundLines. */
      netCharges: orders.reduce((n, o) => n + o.charges - o.refunds, 0),
      refundLines,
    };
  }

  #charge(order: Order, amount = order.amount): void {
    if (order.state === 'paid' || order.state === 'closed' || order.state === 'refused') return;
    order.state = 'paid';
    order.paidAmount = amount;
    order.charges += 1;
  }

  #tell(orderNo: string): WalletOrderState {
    const order = this.#orders.get(orderNo);
    if (order === undefined) return { state: 'not_found' };
    switch (order.state) {
      case 'paying':
        return { state: 'user_paying' };
      case 'paid':
        return {
          state: 'paid',
          tradeNo: `T${orderNo}`,
          payerId: order.payerId,
          amount: order.paidAmount,
          paidAtMs: this.#clock.now(),
        };
      case 'refused':
        return { state: 'refused', refusal: order.refusal ?? 'other', message: 'refused' };
      case 'closed':
        return order.refunds > 0
          ? { state: 'refunded', refundedAmount: order.paidAmount }
          : { state: 'closed' };
    }
  }

  async pay(request: WalletPayRequest, signal: AbortSignal): Promise<WalletPayAnswer> {
    await Promise.resolve();
    this.calls.pay.push(request.orderNo);
    const code = request.code.reveal();
    let order = this.#orders.get(request.orderNo);
    if (order !== undefined) return this.#answerPay(request.orderNo); // same number: same order
    if (this.#usedCodes.has(code)) return { outcome: 'refused', refusal: 'code_used', message: 'code used' };
    this.#usedCodes.add(code);
    order = {
      state: 'paying',
      refusal: null,
      amount: request.amount,
      paidAmount: 0,
      payerId: this.#payers.get(code) ?? this.#defaultPayer,
      charges: 0,
      refunds: 0,
      numbered: new Map(),
    };
    const step = this.script.pay.shift() ?? { do: 'charge' };
    const happen = (what: 'charge' | 'ask_payer' | 'nothing'): void => {
      if (what === 'charge') this.#charge(order);
    };
    switch (step.do) {
      case 'charge':
        this.#orders.set(request.orderNo, order);
        this.#charge(order, step.amount);
        return this.#answerPay(request.orderNo);
      case 'refuse':
        order.state = 'refused';
        order.refusal = step.refusal;
        this.#orders.set(request.orderNo, order);
        return { outcome: 'refused', refusal: step.refusal, message: 'refused' };
      case 'ask_payer':
        this.#orders.set(request.orderNo, order);
        return { outcome: 'user_paying' };
      case 'unknown':
        if (step.then !== 'nothing') this.#orders.set(request.orderNo, order);
        happen(step.then);
        return { outcome: 'unknown', reason: 'SYSTEMERROR' };
      case 'lose_answer':
        if (step.then !== 'nothing') this.#orders.set(request.orderNo, order);
        happen(step.then);
        return hang(signal);
      case 'throw_quoting_code':
        if (step.then !== 'nothing') this.#orders.set(request.orderNo, order);
        happen(step.then);
        throw new Error(`connection reset while sending auth_code=${code}`);
    }
  }

  #answerPay(orderNo: string): WalletPayAnswer {
    const told = this.#tell(orderNo);
    switch (told.state) {
      case 'paid':
        return {
          outcome: 'paid',
          tradeNo: told.tradeNo,
          payerId: told.payerId,
          amount: told.amount,
          paidAtMs: told.paidAtMs,
        };
      case 'refused':
        return { outcome: 'refused', refusal: told.refusal, message: told.message };
      case 'closed':
      case 'refunded':
        return { outcome: 'refused', refusal: 'order_closed', message: 'order closed' };
      default:
        return { outcome: 'user_paying' };
    }
  }

  async query(orderNo: string, signal: AbortSignal): Promise<WalletOrderState> {
    await Promise.resolve();
    this.calls.query.push(orderNo);
    const step = this.script.query.shift() ?? { do: 'tell' };
    const order = this.#orders.get(orderNo);
    switch (step.do) {
      case 'payer_confirms':
        if (order !== undefined) this.#charge(order);
        return this.#tell(orderNo);
      case 'payer_refuses':
        if (order?.state === 'paying') {
          order.state = 'refused';
          order.refusal = 'payer_refused';
        }
        return this.#tell(orderNo);
      case 'unknown':
        return { state: 'unknown', reason: 'SYSTEMERROR' };
      case 'lose_answer':
        return hang(signal);
      case 'tell':
        return this.#tell(orderNo);
    }
  }

  async cancel(orderNo: string, signal: AbortSignal): Promise<WalletCancelAnswer> {
    await Promise.resolve();
    this.calls.cancel.push(orderNo);
    const step = this.script.cancel.shift() ?? { do: 'cancel' };
    switch (step.do) {
      case 'retry':
        return { outcome: 'retry', reason: 'recall=Y' };
      case 'unknown':
        return { outcome: 'unknown', reason: 'SYSTEMERROR' };
      case 'lose_answer':
        return hang(signal);
      case 'cancel': {
        const order = this.#orders.get(orderNo);
        if (order === undefined) {
          // A cancel closes the number: a pay arriving later under it is refused.
          this.#orders.set(orderNo, {
            state: 'closed',
            refusal: null,
            amount: 0,
            paidAmount: 0,
            payerId: '',
            charges: 0,
            refunds: 0,
            numbered: new Map(),
          });
          return { outcome: 'cancelled', refunded: false };
        }
        const refunded = order.state === 'paid';
        if (refunded) order.refunds += 1;
        order.state = 'closed';
        return { outcome: 'cancelled', refunded };
      }
    }
  }

  // Codes the terminal shows: ScriptedShownWallet (scripted-shown-wallet.ts) adds them.
  precreate(_request: WalletPrecreateRequest, _signal?: AbortSignal): Promise<WalletPrecreateAnswer> {
    return Promise.reject(new Error('the scripted wallet takes customer-presented codes only'));
  }

  close(_orderNo: string, _signal?: AbortSignal): Promise<WalletCloseAnswer> {
    return Promise.reject(new Error('the scripted wallet takes customer-presented codes only'));
  }

  /** A refund under the host's number: a repeat of the number never refunds twice. */
  async refund(request: WalletRefundRequest, signal: AbortSignal): Promise<WalletRefundAnswer> {
    await Promise.resolve();
    this.calls.refund.push(request.refundNo);
    const step = this.script.refund.shift() ?? { do: 'refund' };
    if (step.do === 'refuse') return { outcome: 'refused', message: 'refund refused' };
    const take = (settled: boolean): WalletRefundAnswer | undefined => {
      const order = this.#orders.get(request.orderNo);
      if (order?.state !== 'paid') return { outcome: 'refused', message: 'the order is not paid' };
      const earlier = order.numbered.get(request.refundNo);
      if (earlier !== undefined) return undefined;
      const taken = [...order.numbered.values()]
        .filter((r) => r.state !== 'failed')
        .reduce((sum, r) => sum + r.amount, 0);
      if (taken + request.amount > order.paidAmount)
        return { outcome: 'refused', message: 'refunds exceed the payment' };
      order.numbered.set(request.refundNo, {
        amount: request.amount,
        state: settled ? 'refunded' : 'processing',
      });
      return undefined;
    };
    switch (step.do) {
      case 'refund':
        return take(true) ?? this.#refundAnswer(request, 'refunded');
      case 'accept':
        return take(step.settle === 'now') ?? this.#refundAnswer(request, 'accepted');
      case 'unknown':
        if (step.then === 'refund') take(true);
        return { outcome: 'unknown', reason: 'SYSTEMERROR' };
      case 'lose_answer':
        if (step.then === 'refund') take(true);
        return hang(signal);
    }
  }

  /** The answer to a refund the wallet took (or had taken under that number already). */
  #refundAnswer(request: WalletRefundRequest, fresh: 'refunded' | 'accepted'): WalletRefundAnswer {
    const refund = this.#orders.get(request.orderNo)?.numbered.get(request.refundNo);
    if (refund === undefined || refund.state === 'failed')
      return { outcome: 'refused', message: 'refund closed' };
    if (refund.amount !== request.amount) return { outcome: 'refused', message: 'another amount' };
    return fresh === 'refunded' && refund.state === 'refunded'
      ? { outcome: 'refunded' }
      : { outcome: 'accepted' };
  }

  async queryRefund(
    request: { readonly orderNo: string; readonly refundNo: string },
    signal: AbortSignal,
  ): Promise<WalletRefundState> {
    await Promise.resolve();
    this.calls.refundQuery.push(request.refundNo);
    const step = this.script.refundQuery.shift() ?? { do: 'tell' };
    if (step.do === 'unknown') return { state: 'unknown', reason: 'SYSTEMERROR' };
    if (step.do === 'lose_answer') return hang(signal);
    const refund = this.#orders.get(request.orderNo)?.numbered.get(request.refundNo);
    if (refund === undefined) return { state: 'not_found' };
    if (step.do === 'close_refund' && refund.state === 'processing') refund.state = 'failed';
    switch (refund.state) {
      case 'refunded':
        return { state: 'refunded' };
      case 'processing':
        return { state: 'processing' };
      case 'failed':
        return { state: 'failed', message: 'REFUNDCLOSE' };
    }
  }

  readNotification(_raw: { readonly body: Buffer; readonly contentType: string }): WalletNotification {
    throw new Error('the scripted wallet sends no notifications');
  }

  readonly acknowledgement = { contentType: 'text/plain', body: 'success' };
}
