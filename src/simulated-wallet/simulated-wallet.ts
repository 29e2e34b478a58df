// The simulated wallet's books, shared by every wallet it speaks for: payers and their balances,
// the payment codes it issued, and orders by (wallet, merchant order number). It is the ground
// truth tests read to prove "exactly one charge": every charge and every refund is a line in the
// ledger. Orders are idempotent by number, as the real wallets are: a second pay under the same
// number never charges again, whatever code it carries. The wire formats (alipay-gateway.ts,
// wechat-gateway.ts) and the UnionPay provider translate onto these calls.
import type { Clock } from '../clock/clock.js';
import type { Wallet, WalletRefusal } from '../payments/ports/wallet.js';
import { PosError } from '../pos-error.js';
import { SeededRandom } from '../random/random.js';
import {
  buyerId,
  codeLifetimeMs,
  newCode,
  newTradeNo,
  qrContent,
  tokenOfQrContent,
  walletOfCode,
} from './payment-codes.js';
import { FaultDraws, type SimulatedWalletFaults } from './wallet-faults.js';

export type OrderState = 'shown' | 'user_paying' | 'paid' | 'failed' | 'closed' | 'reversed';

/** One refund under the merchant's refund number: done, or still on its way (WeChat PROCESSING). */
export interface SimRefund {
  readonly amount: number;
  /** When a refund still on its way reaches the payer; null: never (within the test). */
  readonly settleAtMs: number | null;
  settled: boolean;
}

export interface SimOrder {
  readonly wallet: Wallet;
  readonly orderNo: string;
  readonly tradeNo: string;
  readonly origin: 'pay' | 'precreate' | 'tombstone';
  amount: number;
  readonly subject: string;
  readonly createdAtMs: number;
  state: OrderState;
  payerId: string | null;
  paidAtMs: number | null;
  /** A pay waiting for the customer: when they confirm (null: never). */
  confirmAtMs: number | null;
  /** When the wallet closes the order itself if still unpaid (WeChat revokes micropay at 45 s). */
  autoCloseAtMs: number | null;
  failure: WalletRefusal | null;
  /** Refunds by the merchant's refund number, done or on their way. */
  readonly refunds: Map<string, SimRefund>;
  /** What the payer has got back (refunds done, and a cancel's). */
  refundedTotal: number;
  /** What refunds under a number took, done or on their way: the most that can still be refunded is the rest. */
  refundsTaken: number;
  readonly notifyUrl: string | null;
  readonly qrToken: string | null;
  readonly expiresAtMs: number | null;
  queries: number;
  cancelRetriesLeft: number | null;
  /** Whatever a wire format must remember about the order (the sign type to notify with). */
  readonly wire: Record<string, string>;
}

export type PayOutcome =
  | { readonly kind: 'paid'; readonly order: SimOrder }
  | { readonly kind: 'user_paying'; readonly order: SimOrder }
  | { readonly kind: 'refused'; readonly refusal: WalletRefusal }
  /** The number is taken by an order a pay cannot change: paid already, or a shown code. */
  | { readonly kind: 'exists'; readonly order: SimOrder };

export type CancelOutcome =
  | { readonly kind: 'retry' }
  | { readonly kind: 'cancelled'; readonly refunded: boolean; readonly order: SimOrder };

export type CloseOutcome = 'closed' | 'already_paid' | 'not_found';

export type RefundOutcome =
  | { readonly kind: 'refunded'; readonly order: SimOrder; readonly repeated: boolean }
  /** Taken and on its way to the payer (the WeChat refund fault `refundProcessingRate`). */
  | { readonly kind: 'processing'; readonly order: SimOrder; readonly repeated: boolean }
  | { readonly kind: 'refused'; readonly why: 'not_found' | 'not_paid' | 'exceeds' | 'conflict' };

/** Where a refund named by its number stands. */
export type RefundState = 'refunded' | 'processing' | 'not_found';

export type PrecreateOutcome =
  | { readonly kind: 'created'; readonly order: SimOrder; readonly qrContent: string }
  | { readonly kind: 'refused'; readonly why: 'paid' | 'closed' | 'conflict' };

export interface Charge {
  readonly wallet: Wallet;
  readonly orderNo: string;
  readonly tradeNo: string;
  readonly payerId: string;
  readonly amount: number;
  readonly atMs: number;
}

export interface Refund {
  readonly wallet: Wallet;
  readonly orderNo: string;
  /** The merchant's refund number; null for the refund a cancel made. */
  readonly refundNo: string | null;
  readonly amount: number;
  readonly atMs: number;
}

interface IssuedCode {
  readonly payerId: string;
  readonly wallet: Wallet;
  readonly expiresAtMs: number;
  used: boolean;
}

/**
 * What happens to one pay, decided by the caller instead of the wallet's own draws: the fault
 * simulator (src/simulator/) fixes each call's fate from its schedule, so that the naive and the
 * guarded run meet the same wallet.
 */
export interface PayFate {
  /** The customer must confirm on the phone, after this long (null: never); absent: pays at once. */
  readonly userPaying?: { readonly confirmAfterMs: number | null };
  /** Refused as if the code had been used already. */
  readonly codeUsed?: boolean;
}

export interface SimulatedWalletOptions {
  readonly clock: Clock;
  readonly seed: number;
  readonly faults: SimulatedWalletFaults;
  /** When each wallet closes an unpaid pay itself: WeChat 45 s (its guide), Alipay 3 min. */
  readonly autoCloseMs?: Partial<Record<Wallet, number>>;
}

const defaultAutoCloseMs: Readonly<Record<Wallet, number>> = {
  wechat: 45_000,
  alipay: 180_000,
  unionpay: 60_000,
};

export function badRequest(message: string): PosError {
  return new PosError('POS_ERR_SIMULATED_WALLET_BAD_REQUEST', message);
}

export class SimulatedWallet {
  readonly #clock: Clock;
  readonly draws: FaultDraws;
  readonly #ids: SeededRandom;
  readonly #autoCloseMs: Readonly<Record<Wallet, number>>;
  readonly #payers = new Map<string, { balance: number }>();
  readonly #codes = new Map<string, IssuedCode>();
  readonly #orders = new Map<string, SimOrder>();
  readonly #byToken = new Map<string, SimOrder>();
  /** Orders by `wallet:refundNo`, for a refund query that names only the refund. */
  readonly #byRefundNo = new Map<string, SimOrder>();
  readonly charges: Charge[] = [];
  readonly refunds: Refund[] = [];
  /** Calls received, by `wallet.method`: tests prove what the host sent. */
  readonly calls = new Map<string, number>();
  readonly #paidListeners: Array<(order: SimOrder) => void> = [];
  readonly #queriedListeners: Array<(order: SimOrder) => void> = [];
  readonly #stop = new AbortController();

  constructor(options: SimulatedWalletOptions) {
    this.#clock = options.clock;
    this.draws = new FaultDraws(options.seed, options.faults);
    this.#ids = new SeededRandom(options.seed).fork(100);
    this.#autoCloseMs = { ...defaultAutoCloseMs, ...options.autoCloseMs };
  }

  get clock(): Clock {
    return this.#clock;
  }

  /** Stops the timers of customers still to confirm. */
  stop(): void {
    this.#stop.abort();
  }

  onPaid(listener: (order: SimOrder) => void): void {
    this.#paidListeners.push(listener);
  }

  onQueried(listener: (order: SimOrder) => void): void {
    this.#queriedListeners.push(listener);
  }

  count(wallet: Wallet, method: string): void {
    const key = `${wallet}.${method}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  }

  addPayer(payerId: string, balance: number): void {
    if (!/^[\x21-\x7e]{1,64}$/.test(payerId))
      throw badRequest('payerId must be 1 to 64 printable ASCII characters');
    if (!Number.isSafeInteger(balance) || balance < 0)
      throw badRequest('balance must be whole fen, 0 or more');
    this.#payers.set(payerId, { balance });
  }

  balance(payerId: string): number | undefined {
    return this.#payers.get(payerId)?.balance;
  }

  /** A fresh code for the payer, valid 60 s, single use. */
  issueCode(payerId: string, wallet: Wallet): { readonly code: string; readonly expiresAtMs: number } {
    if (!this.#payers.has(payerId)) throw badRequest(`no payer ${JSON.stringify(payerId)}`);
    let code = newCode(wallet, this.#ids);
    while (this.#codes.has(code)) code = newCode(wallet, this.#ids);
    const expiresAtMs = this.#clock.now() + codeLifetimeMs;
    this.#codes.set(code, { payerId, wallet, expiresAtMs, used: false });
    return { code, expiresAtMs };
  }

  order(wallet: Wallet, orderNo: string): SimOrder | undefined {
    const order = this.#orders.get(`${wallet}:${orderNo}`);
    if (order !== undefined) this.#advance(order);
    return order;
  }

  #newOrder(
    wallet: Wallet,
    orderNo: string,
    fields: Partial<SimOrder> & Pick<SimOrder, 'origin' | 'amount' | 'state'>,
  ): SimOrder {
    const now = this.#clock.now();
    const order: SimOrder = {
      wallet,
      orderNo,
      tradeNo: newTradeNo(wallet, this.#ids, now),
      subject: '',
      createdAtMs: now,
      payerId: null,
      paidAtMs: null,
      confirmAtMs: null,
      autoCloseAtMs: null,
      failure: null,
      refunds: new Map(),
      refundedTotal: 0,
      refundsTaken: 0,
      notifyUrl: null,
      qrToken: null,
      expiresAtMs: null,
      queries: 0,
      cancelRetriesLeft: null,
      wire: {},
      ...fields,
    };
    this.#orders.set(`${wallet}:${orderNo}`, order);
    return order;
  }

  /** Moves an order along with time: a customer confirming, the wallet closing what waited too long. */
  #advance(order: SimOrder): void {
    const now = this.#clock.now();
    if (order.state === 'user_paying' && order.confirmAtMs !== null && now >= order.confirmAtMs) {
      if (order.autoCloseAtMs === null || order.confirmAtMs < order.autoCloseAtMs) {
        this.#charge(order, order.payerId ?? '', order.confirmAtMs);
        return;
      }
    }
    if (order.state === 'user_paying' && order.autoCloseAtMs !== null && now >= order.autoCloseAtMs) {
      order.state = 'closed';
    }
    if (order.state === 'shown' && order.expiresAtMs !== null && now >= order.expiresAtMs)
      order.state = 'closed';
    for (const [refundNo, refund] of order.refunds) {
      if (!refund.settled && refund.settleAtMs !== null && now >= refund.settleAtMs) {
        refund.settled = true;
        this.#giveBack(order, refundNo, refund.amount);
      }
    }
  }

  /** Charges the payer (or fails the order for want of funds); tells the listeners of a payment. */
  #charge(order: SimOrder, payerId: string, atMs: number): boolean {
    const payer = this.#payers.get(payerId);
    order.payerId = payerId;
    if (payer === undefined || payer.balance < order.amount) {
      order.state = 'failed';
      order.failure = 'insufficient_funds';
      return false;
    }
    payer.balance -= order.amount;
    order.state = 'paid';
    order.paidAtMs = atMs;
    this.charges.push({
      wallet: order.wallet,
      orderNo: order.orderNo,
      tradeNo: order.tradeNo,
      payerId,
      amount: order.amount,
      atMs,
    });
    for (const listener of this.#paidListeners) listener(order);
    return true;
  }

  pay(
    request: {
      readonly wallet: Wallet;
      readonly orderNo: string;
      readonly code: string;
      readonly amount: number;
      readonly subject: string;
      readonly notifyUrl?: string | null;
      readonly wire?: Readonly<Record<string, string>>;
    },
    fate?: PayFate,
  ): PayOutcome {
    const existing = this.order(request.wallet, request.orderNo);
    if (existing !== undefined && existing.state !== 'failed') {
      if (existing.state === 'user_paying') return { kind: 'user_paying', order: existing };
      if (existing.state === 'closed' || existing.state === 'reversed')
        return { kind: 'refused', refusal: 'order_closed' };
      return { kind: 'exists', order: existing };
    }
    const now = this.#clock.now();
    const issued = this.#codes.get(request.code);
    if (
      issued === undefined ||
      issued.wallet !== request.wallet ||
      walletOfCode(request.code) !== request.wallet
    ) {
      return this.#failed(existing, request, 'code_invalid');
    }
    if (issued.used) return this.#failed(existing, request, 'code_used');
    if (now >= issued.expiresAtMs) return this.#failed(existing, request, 'code_expired');
    issued.used = true;
    if (fate === undefined ? this.draws.codeUsed() : fate.codeUsed === true)
      return this.#failed(existing, request, 'code_used');
    const order =
      existing ??
      this.#newOrder(request.wallet, request.orderNo, {
        origin: 'pay',
        amount: request.amount,
        subject: request.subject,
        state: 'user_paying',
        notifyUrl: request.notifyUrl ?? null,
        wire: { ...request.wire },
      });
    order.amount = request.amount;
    order.state = 'user_paying';
    order.failure = null;
    order.payerId = issued.payerId;
    const waiting = fate === undefined ? this.draws.userPaying() : fate.userPaying;
    if (waiting !== undefined) {
      order.confirmAtMs = waiting.confirmAfterMs === null ? null : now + waiting.confirmAfterMs;
      order.autoCloseAtMs = now + this.#autoCloseMs[request.wallet];
      if (order.confirmAtMs !== null) this.#wakeAt(order, order.confirmAtMs);
      return { kind: 'user_paying', order };
    }
    return this.#charge(order, issued.payerId, now)
      ? { kind: 'paid', order }
      : { kind: 'refused', refusal: 'insufficient_funds' };
  }

  #failed(
    existing: SimOrder | undefined,
    request: { wallet: Wallet; orderNo: string; amount: number; subject: string },
    refusal: WalletRefusal,
  ): PayOutcome {
    const order =
      existing ??
      this.#newOrder(request.wallet, request.orderNo, {
        origin: 'pay',
        amount: request.amount,
        subject: request.subject,
        state: 'failed',
      });
    order.state = 'failed';
    order.failure = refusal;
    return { kind: 'refused', refusal };
  }

  /** Confirms a waiting pay when its time comes, so its notification leaves without a query. */
  #wakeAt(order: SimOrder, atMs: number): void {
    void this.#clock.sleep(Math.max(0, atMs - this.#clock.now()), this.#stop.signal).then((woke) => {
      if (woke) this.#advance(order);
    });
  }

  /** An order as a query sees it (and counts the query: late notifications wait for one). */
  query(wallet: Wallet, orderNo: string): SimOrder | undefined {
    const order = this.order(wallet, orderNo);
    if (order === undefined) return undefined;
    order.queries += 1;
    for (const listener of this.#queriedListeners) listener(order);
    return order;
  }

  /**
   * Cancel (trade.cancel, reverse): closes an unpaid order, refunds a paid one in full. `retries`,
   * when given, is how many times this order's cancel is answered "retry" in place of the fault
   * plan's count (it counts from the order's first cancel).
   */
  cancel(wallet: Wallet, orderNo: string, retries?: number): CancelOutcome {
    // An order never seen: leave a closed tombstone, so a pay arriving late cannot charge.
    const order =
      this.order(wallet, orderNo) ??
      this.#newOrder(wallet, orderNo, { origin: 'tombstone', amount: 0, state: 'closed' });
    order.cancelRetriesLeft ??= retries ?? this.draws.faults.cancelRetries;
    if (order.cancelRetriesLeft > 0) {
      order.cancelRetriesLeft -= 1;
      return { kind: 'retry' };
    }
    if (order.state === 'paid') {
      const left = order.amount - Math.max(order.refundedTotal, order.refundsTaken);
      if (left > 0) this.#giveBack(order, null, left);
      order.state = 'reversed';
    } else if (order.state !== 'reversed') {
      order.state = 'closed';
    }
    return { kind: 'cancelled', refunded: order.state === 'reversed', order };
  }

  /** Close (trade.close, closeorder): closes an unpaid order; a paid one stays paid. */
  close(wallet: Wallet, orderNo: string): CloseOutcome {
    const order = this.order(wallet, orderNo);
    if (order === undefined) {
      this.#newOrder(wallet, orderNo, { origin: 'tombstone', amount: 0, state: 'closed' });
      return 'not_found';
    }
    if (order.state === 'paid' || order.state === 'reversed') return 'already_paid';
    order.state = 'closed';
    return 'closed';
  }

  #giveBack(order: SimOrder, refundNo: string | null, amount: number): void {
    const payer = this.#payers.get(order.payerId ?? '');
    if (payer !== undefined) payer.balance += amount;
    order.refundedTotal += amount;
    this.refunds.push({
      wallet: order.wallet,
      orderNo: order.orderNo,
      refundNo,
      amount,
      atMs: this.#clock.now(),
    });
  }

  /**
   * A refund under the merchant's refund number: a repeat of the same number refunds once. With
   * `processingForMs` (a WeChat refund fault) it is taken now and reaches the payer that much later
   * (null: never within the test).
   */
  refund(
    wallet: Wallet,
    orderNo: string,
    refundNo: string,
    amount: number,
    processingForMs?: number | null,
  ): RefundOutcome {
    const order = this.order(wallet, orderNo);
    if (order === undefined || order.origin === 'tombstone') return { kind: 'refused', why: 'not_found' };
    const earlier = order.refunds.get(refundNo);
    if (earlier !== undefined) {
      if (earlier.amount !== amount) return { kind: 'refused', why: 'conflict' };
      return { kind: earlier.settled ? 'refunded' : 'processing', order, repeated: true };
    }
    if (order.state !== 'paid') return { kind: 'refused', why: 'not_paid' };
    if (!Number.isSafeInteger(amount) || amount <= 0 || order.refundsTaken + amount > order.amount) {
      return { kind: 'refused', why: 'exceeds' };
    }
    order.refundsTaken += amount;
    this.#byRefundNo.set(`${wallet}:${refundNo}`, order);
    if (processingForMs !== undefined) {
      const settleAtMs = processingForMs === null ? null : this.#clock.now() + processingForMs;
      order.refunds.set(refundNo, { amount, settleAtMs, settled: false });
      if (settleAtMs !== null) this.#wakeAt(order, settleAtMs);
      return { kind: 'processing', order, repeated: false };
    }
    order.refunds.set(refundNo, { amount, settleAtMs: this.#clock.now(), settled: true });
    this.#giveBack(order, refundNo, amount);
    return { kind: 'refunded', order, repeated: false };
  }

  /** The order a refund number was taken for, and where that refund stands. */
  refundState(
    wallet: Wallet,
    refundNo: string,
  ): { readonly state: RefundState; readonly order: SimOrder | undefined; readonly amount: number } {
    const order = this.#byRefundNo.get(`${wallet}:${refundNo}`);
    if (order === undefined) return { state: 'not_found', order: undefined, amount: 0 };
    this.#advance(order);
    const refund = order.refunds.get(refundNo);
    if (refund === undefined) return { state: 'not_found', order, amount: 0 };
    return { state: refund.settled ? 'refunded' : 'processing', order, amount: refund.amount };
  }

  /** A code for the terminal to show; the same number and amount again gives the same code. */
  precreate(request: {
    readonly wallet: Wallet;
    readonly orderNo: string;
    readonly amount: number;
    readonly subject: string;
    readonly expiresAtMs: number;
    readonly notifyUrl: string | null;
    readonly wire?: Readonly<Record<string, string>>;
  }): PrecreateOutcome {
    const existing = this.order(request.wallet, request.orderNo);
    if (existing !== undefined) {
      if (existing.state === 'paid' || existing.state === 'reversed') return { kind: 'refused', why: 'paid' };
      if (existing.state === 'closed') return { kind: 'refused', why: 'closed' };
      if (
        existing.origin === 'precreate' &&
        existing.amount === request.amount &&
        existing.qrToken !== null
      ) {
        return { kind: 'created', order: existing, qrContent: qrContent(existing.wallet, existing.qrToken) };
      }
      return { kind: 'refused', why: 'conflict' };
    }
    const token = this.#ids.bytes(12).toString('hex');
    const order = this.#newOrder(request.wallet, request.orderNo, {
      origin: 'precreate',
      amount: request.amount,
      subject: request.subject,
      state: 'shown',
      notifyUrl: request.notifyUrl,
      qrToken: token,
      expiresAtMs: request.expiresAtMs,
      wire: { ...request.wire },
    });
    this.#byToken.set(token, order);
    return { kind: 'created', order, qrContent: qrContent(request.wallet, token) };
  }

  /** The customer scans a shown code and pays it (the test hook behind POST /_sim/scan). */
  scan(
    content: string,
    payerId: string,
  ): { readonly outcome: 'paid' | 'insufficient_funds' | OrderState; readonly order: SimOrder } {
    const token = tokenOfQrContent(content);
    const order = token === undefined ? undefined : this.#byToken.get(token);
    if (order === undefined) throw badRequest('no shown code with that content');
    if (!this.#payers.has(payerId)) throw badRequest(`no payer ${JSON.stringify(payerId)}`);
    this.#advance(order);
    if (order.state !== 'shown') return { outcome: order.state, order };
    const balance = this.#payers.get(payerId)?.balance ?? 0;
    // A customer short of money cannot pay a shown code; it stays open for someone who can.
    if (balance < order.amount) return { outcome: 'insufficient_funds', order };
    this.#charge(order, payerId, this.#clock.now());
    return { outcome: 'paid', order };
  }

  /** The payer's id as the wallet reports it. */
  buyerOf(order: SimOrder): string {
    return order.payerId === null ? '' : buyerId(order.wallet, order.payerId);
  }

  /** Everything, settled up to now, for tests and the `/_sim/ledger` hook. */
  ledger(): WalletLedger {
    for (const order of this.#orders.values()) this.#advance(order);
    const orders = [...this.#orders.values()].map((o) => ({
      wallet: o.wallet,
      orderNo: o.orderNo,
      tradeNo: o.tradeNo,
      origin: o.origin,
      state: o.state,
      amount: o.amount,
      payerId: o.payerId,
      charges: this.charges.filter((c) => c.wallet === o.wallet && c.orderNo === o.orderNo).length,
      refunded: o.refundedTotal,
      queries: o.queries,
    }));
    const payers = [...this.#payers.entries()].map(([payerId, p]) => ({
      payerId,
      balance: p.balance,
      charged: this.charges.filter((c) => c.payerId === payerId).reduce((sum, c) => sum + c.amount, 0),
      charges: this.charges.filter((c) => c.payerId === payerId).length,
    }));
    return {
      payers,
      orders,
      charges: [...this.charges],
      refunds: [...this.refunds],
      calls: Object.fromEntries(this.calls),
    };
  }
}

export interface WalletLedger {
  readonly payers: ReadonlyArray<{ payerId: string; balance: number; charged: number; charges: number }>;
  readonly orders: ReadonlyArray<{
    wallet: Wallet;
    orderNo: string;
    tradeNo: string;
    origin: SimOrder['origin'];
    state: OrderState;
    amount: number;
    payerId: string | null;
    charges: number;
    refunded: number;
    queries: number;
  }>;
  readonly charges: readonly Charge[];
  readonly refunds: readonly Refund[];
  readonly calls: Readonly<Record<string, number>>;
}
