// Posts the simulated wallet's payment notifications to a paid order's notify_url, as the real
// wallets do: signed, in the wallet's format, repeated until acknowledged (a few times here, a day
// at the real wallets). Two faults live here: a duplicate (the same notification once more after
// it was acknowledged) and a late one (held until the host has queried the order since it was
// paid, so the notification arrives after the host already knows). Every attempt is recorded.
import type { Wallet } from '../payments/ports/wallet.js';
import { postText } from '../wallets/wire/wallet-http.js';
import type { SimOrder, SimulatedWallet } from './simulated-wallet.js';

/** One notification, ready to send, and how to tell the wallet's acknowledgement. */
export interface NotificationMessage {
  readonly body: string;
  readonly contentType: string;
  acknowledged(answer: string): boolean;
}

export interface Delivery {
  readonly wallet: Wallet;
  readonly orderNo: string;
  readonly tradeNo: string;
  readonly attempt: number;
  readonly duplicate: boolean;
  readonly late: boolean;
  /** The HTTP status the host answered, or null when the post failed. */
  readonly status: number | null;
  readonly acknowledged: boolean;
  readonly atMs: number;
}

export interface NotifierOptions {
  /** Wait between attempts not acknowledged. */
  readonly retryMs: number;
  /** Attempts before giving up on one notification. */
  readonly attempts: number;
}

export class Notifier {
  readonly deliveries: Delivery[] = [];
  readonly #wallet: SimulatedWallet;
  readonly #build: (order: SimOrder) => NotificationMessage | undefined;
  readonly #options: NotifierOptions;
  readonly #held = new Map<SimOrder, { readonly queriesAtPaid: number; readonly send: () => void }>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #stop = new AbortController();

  constructor(
    wallet: SimulatedWallet,
    build: (order: SimOrder) => NotificationMessage | undefined,
    options: NotifierOptions,
  ) {
    this.#wallet = wallet;
    this.#build = build;
    this.#options = options;
    wallet.onPaid((order) => this.#paid(order));
    wallet.onQueried((order) => {
      const held = this.#held.get(order);
      if (held !== undefined && order.queries > held.queriesAtPaid) {
        this.#held.delete(order);
        held.send();
      }
    });
  }

  #paid(order: SimOrder): void {
    if (order.notifyUrl === null) return;
    const message = this.#build(order);
    if (message === undefined) return;
    const url = order.notifyUrl;
    const draws = this.#wallet.draws;
    const late = draws.lateNotification();
    const duplicate = draws.duplicateNotification();
    const send = (): void => this.#track(this.#deliver(order, url, message, late, duplicate));
    if (late) this.#held.set(order, { queriesAtPaid: order.queries, send });
    else send();
  }

  #track(work: Promise<void>): void {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  async #deliver(
    order: SimOrder,
    url: string,
    message: NotificationMessage,
    late: boolean,
    duplicate: boolean,
  ): Promise<void> {
    const clock = this.#wallet.clock;
    let acknowledged = false;
    for (let attempt = 1; attempt <= this.#options.attempts && !acknowledged; attempt += 1) {
      if (attempt > 1 && !(await clock.sleep(this.#options.retryMs, this.#stop.signal))) return;
      acknowledged = await this.#post(order, url, message, { attempt, late, duplicate: false });
    }
    if (duplicate && !this.#stop.signal.aborted) {
      await this.#post(order, url, message, { attempt: 1, late, duplicate: true });
    }
  }

  async #post(
    order: SimOrder,
    url: string,
    message: NotificationMessage,
    how: { attempt: number; late: boolean; duplicate: boolean },
  ): Promise<boolean> {
    let status: number | null = null;
    let acknowledged = false;
    try {
      const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(5_000)]);
      const answer = await postText(new URL(url), message.body, message.contentType, signal);
      status = answer.status;
      acknowledged = answer.status === 200 && message.acknowledged(answer.body.toString('utf8'));
    } catch {
      // Not delivered: recorded with no status, and tried again.
    }
    this.deliveries.push({
      wallet: order.wallet,
      orderNo: order.orderNo,
      tradeNo: order.tradeNo,
      ...how,
      status,
      acknowledged,
      atMs: this.#wallet.clock.now(),
    });
    return acknowledged;
  }

  /** Notifications held back until a query, by order number (for the ledger hook). */
  held(): string[] {
    return [...this.#held.keys()].map((o) => `${o.wallet}:${o.orderNo}`);
  }

  /** Resolves once every notification under way has been sent (or given up). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  stop(): void {
    this.#stop.abort();
  }
}
