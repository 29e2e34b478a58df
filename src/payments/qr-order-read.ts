// How a terminal learns what became of the code it shows (a QR order), and how an open order ends
// without a payment. The terminal polls its order; an open order is asked about at the wallet at
// most once per the wallet's query interval (so a fleet polling every second costs the wallet one
// query per order every few seconds, and the host one read), in case its notification is late or
// lost. An order found past its expiry is closed on the spot; the expiry sweep closes the rest, so
// nothing waits for a terminal to ask. The cashier may cancel an open order; either way the queue
// owns the close (qr-order-settle.ts, qr-order-close.ts).
import { describeValue, PosError } from '../pos-error.js';
import type { EngineContext } from './engine-context.js';
import { closeOpenShownOrder, isShownOrder, settleShownPaid, type ShownOrder } from './qr-order-settle.js';
import { inTransaction } from './unit-of-work.js';
import { callWallet } from './wallet-call.js';

/**
 * When each open order was last asked about at the wallet, on this host. Bounded: past
 * `maxTracked` orders the oldest half is forgotten (an order forgotten is at most asked once more).
 */
export class QrOrderQueryLimiter {
  readonly #lastAsked = new Map<string, number>();
  readonly #maxTracked: number;

  constructor(maxTracked = 10_000) {
    this.#maxTracked = maxTracked;
  }

  /** Whether the order may be asked about now; if so, counts it as asked. */
  allow(orderId: string, now: number, intervalMs: number): boolean {
    const last = this.#lastAsked.get(orderId);
    if (last !== undefined && now - last < intervalMs) return false;
    if (last === undefined && this.#lastAsked.size >= this.#maxTracked) {
      let drop = Math.floor(this.#maxTracked / 2);
      for (const id of this.#lastAsked.keys()) {
        if (drop-- <= 0) break;
        this.#lastAsked.delete(id);
      }
    }
    // Deleted first, so the map's order is the order of the last asks.
    this.#lastAsked.delete(orderId);
    this.#lastAsked.set(orderId, now);
    return true;
  }

  forget(orderId: string): void {
    this.#lastAsked.delete(orderId);
  }
}

/** The merchant's QR order `id`, or POS_ERR_QR_ORDER_NOT_FOUND (another merchant's is not found). */
export async function requireQrOrder(
  ctx: EngineContext,
  merchantId: string,
  id: string,
): Promise<ShownOrder> {
  const payment = await ctx.store.read((reader) => reader.getPayment(id));
  if (!isShownOrder(payment) || payment.merchantId !== merchantId) {
    // Described, not quoted: an id from a URL may be anything, a card number included.
    throw new PosError('POS_ERR_QR_ORDER_NOT_FOUND', `no QR order ${describeValue(id)} for this merchant`, {
      details: { orderId: describeValue(id) },
    });
  }
  return payment;
}

/** Asks the wallet about an open order (if the limiter lets it) and settles a payment it reports. */
async function askWallet(ctx: EngineContext, limiter: QrOrderQueryLimiter, order: ShownOrder): Promise<void> {
  const provider = ctx.wallets[order.qr.wallet];
  if (provider === undefined) return;
  if (!limiter.allow(order.id, ctx.clock.now(), provider.timing.queryIntervalMs)) return;
  const asked = await callWallet(ctx, ctx.settings.upstreamTimeoutMs, (signal) =>
    provider.query(order.qr.orderNo, signal),
  );
  // Only a payment settles an open order here: not found means not scanned yet (Alipay), and a
  // closed or unknown answer waits for the expiry, which closes it through the queue.
  if (asked.kind === 'answer' && asked.answer.state === 'paid') {
    const paid = asked.answer;
    await inTransaction(ctx, (work) => settleShownPaid(ctx, work, order.id, paid));
  }
}

/** `GET /v1/qr-orders/{id}`: the order as it stands, after asking the wallet if it is open. */
export async function readQrOrder(
  ctx: EngineContext,
  limiter: QrOrderQueryLimiter,
  merchantId: string,
  id: string,
): Promise<ShownOrder> {
  const order = await requireQrOrder(ctx, merchantId, id);
  if (order.status !== 'pending') {
    limiter.forget(order.id);
    return order;
  }
  if (ctx.clock.now() >= (order.qr.expiresAt ?? order.createdAt)) {
    return closeOpenShownOrder(ctx, order, 'expired');
  }
  await askWallet(ctx, limiter, order);
  return requireQrOrder(ctx, merchantId, id);
}

/**
 * `DELETE /v1/qr-orders/{id}`: the cashier cancels the code. An open order is closed (or found
 * paid, and approved: the answer says so); any other is answered as it stands.
 */
export async function cancelQrOrder(ctx: EngineContext, merchantId: string, id: string): Promise<ShownOrder> {
  const order = await requireQrOrder(ctx, merchantId, id);
  if (order.status !== 'pending') return order;
  return closeOpenShownOrder(ctx, order, 'cancelled');
}

/** The most expired orders one pass closes; the next pass takes the rest. */
const expiryBatch = 32;

/** Closes every open order past its expiry (each asked about once first); returns how many. */
export async function expireShownOrders(ctx: EngineContext): Promise<number> {
  const expired = await ctx.store.read((reader) =>
    reader.findExpiredShownOrders(ctx.clock.now(), expiryBatch),
  );
  const open = expired.filter(isShownOrder);
  const closed = await Promise.all(open.map((order) => closeOpenShownOrder(ctx, order, 'expired')));
  return closed.filter((order) => order.status !== 'pending').length;
}
