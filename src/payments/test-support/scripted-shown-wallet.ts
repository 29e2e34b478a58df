// The scripted wallet (scripted-wallet.ts) taught codes the terminal shows: precreate, close,
// refund and signed notifications, over a small model of shown orders and a ledger of charges and
// refunds, so the engine's QR order tests assert "exactly one charge, or none" on what the wallet
// did. The customer pays by `customerPays`, which answers the notification the wallet would post
// (signed with HMAC-SHA256 under a test key; `forge` makes one that does not verify). By default a
// close stops a shown code being paid, as WeChat Pay's closeorder does; `payableAfterClose` models
// Alipay, whose trade.close cannot close a code nobody has scanned yet (it stays payable until it
// expires). Scripts say what the next close, refund or precreate does.
import { createHmac } from 'node:crypto';
import { PosError } from '../../pos-error.js';
import type {
  WalletCloseAnswer,
  WalletNotification,
  WalletOrderState,
  WalletPrecreateAnswer,
  WalletPrecreateRequest,
  WalletRefundAnswer,
  WalletRefundRequest,
  WalletRefundState,
} from '../ports/wallet.js';
import { ScriptedWallet, type ScriptedWalletOptions } from './scripted-wallet.js';

export type PrecreateStep =
  { readonly do: 'create' } | { readonly do: 'refuse' } | { readonly do: 'unknown' };
export type CloseStep = { readonly do: 'close' } | { readonly do: 'unknown' };
export type RefundStep =
  | { readonly do: 'refund' }
  | { readonly do: 'unknown' }
  /** Refunded, and the answer lost (answered unknown). */
  | { readonly do: 'refund_unanswered' }
  | { readonly do: 'refuse' };

interface ShownOrder {
  readonly orderNo: string;
  readonly amount: number;
  readonly expiresAtMs: number;
  state: 'shown' | 'paid' | 'closed' | 'refunded';
  /** Closed by the merchant while nobody had scanned it (Alipay still takes a payment then). */
  closedUnscanned: boolean;
  payerId: string;
  paidAmount: number;
  tradeNo: string;
  charges: number;
  refunds: number;
  readonly refundNos: Set<string>;
}

const notificationKey = 'scripted wallet notification key';

function sign(fields: Record<string, string | number>): string {
  const text = Object.keys(fields)
    .sort()
    .map((name) => `${name}=${fields[name]}`)
    .join('&');
  return createHmac('sha256', notificationKey).update(text).digest('hex');
}

function invalid(what: string): PosError {
  return new PosError('POS_ERR_WALLET_NOTIFICATION_INVALID', `invalid scripted notification: ${what}`);
}

export class ScriptedShownWallet extends ScriptedWallet {
  readonly #shown = new Map<string, ShownOrder>();
  readonly #payableAfterClose: boolean;
  readonly shownScript: { precreate: PrecreateStep[]; close: CloseStep[]; refund: RefundStep[] } = {
    precreate: [],
    close: [],
    refund: [],
  };
  readonly shownCalls = { precreate: [] as string[], close: [] as string[], refund: [] as string[] };
  #trades = 0;

  constructor(options: ScriptedWalletOptions & { readonly payableAfterClose?: boolean }) {
    super(options);
    this.#payableAfterClose = options.payableAfterClose ?? false;
  }

  nextShown(steps: { precreate?: PrecreateStep[]; close?: CloseStep[]; refund?: RefundStep[] }): this {
    this.shownScript.precreate.push(...(steps.precreate ?? []));
    this.shownScript.close.push(...(steps.close ?? []));
    this.shownScript.refund.push(...(steps.refund ?? []));
    return this;
  }

  /** The customer scans and pays the order's code: the notification the wallet posts, or why not. */
  customerPays(
    orderNo: string,
    how: { readonly payerId?: string; readonly amount?: number; readonly nowMs: number },
  ): { body: Buffer; contentType: string } | 'refused' {
    const order = this.#shown.get(orderNo);
    if (order === undefined || how.nowMs >= order.expiresAtMs) return 'refused';
    const open = order.state === 'shown' && (!order.closedUnscanned || this.#payableAfterClose);
    if (!open) return 'refused';
    order.state = 'paid';
    order.payerId = how.payerId ?? 'payer-1';
    order.paidAmount = how.amount ?? order.amount;
    order.tradeNo = `TR${orderNo.slice(2, 14)}${(this.#trades += 1)}`;
    order.charges += 1;
    return this.notificationOf(orderNo) ?? 'refused';
  }

  /** The notification of a paid order, again (the wallet repeats it until acknowledged). */
  notificationOf(orderNo: string, forge = false): { body: Buffer; contentType: string } | undefined {
    const order = this.#shown.get(orderNo);
    if (order === undefined || order.charges === 0) return undefined;
    const fields = {
      orderNo,
      tradeNo: order.tradeNo,
      payerId: order.payerId,
      amount: order.paidAmount,
      status: 'TRADE_SUCCESS',
    };
    const sig = forge ? sign({ ...fields, amount: 1 }) : sign(fields);
    return { body: Buffer.from(JSON.stringify({ ...fields, sig })), contentType: 'application/json' };
  }

  shownLedger() {
    const orders = [...this.#shown.values()].map((o) => ({
      orderNo: o.orderNo,
      state: o.state,
      charges: o.charges,
      refunds: o.refunds,
    }));
    return {
      orders,
      charges: orders.reduce((n, o) => n + o.charges, 0),
      refunds: orders.reduce((n, o) => n + o.refunds, 0),
      netCharges: orders.reduce((n, o) => n + o.charges - o.refunds, 0),
    };
  }

  override async precreate(request: WalletPrecreateRequest): Promise<WalletPrecreateAnswer> {
    await Promise.resolve();
    this.shownCalls.precreate.push(request.orderNo);
    const step = this.shownScript.precreate.shift() ?? { do: 'create' };
    if (step.do === 'refuse') return { outcome: 'refused', refusal: 'other', message: 'refused' };
    const existing = this.#shown.get(request.orderNo);
    if (existing === undefined) {
      this.#shown.set(request.orderNo, {
        orderNo: request.orderNo,
        amount: request.amount,
        expiresAtMs: request.expiresAtMs,
        state: 'shown',
        closedUnscanned: false,
        payerId: '',
        paidAmount: 0,
        tradeNo: '',
        charges: 0,
        refunds: 0,
        refundNos: new Set(),
      });
    }
    if (step.do === 'unknown') return { outcome: 'unknown', reason: 'SYSTEMERROR' };
    return { outcome: 'created', qrContent: `https://scripted.invalid/qr/${request.orderNo}` };
  }

  override async close(orderNo: string): Promise<WalletCloseAnswer> {
    await Promise.resolve();
    this.shownCalls.close.push(orderNo);
    const step = this.shownScript.close.shift() ?? { do: 'close' };
    if (step.do === 'unknown') return { outcome: 'unknown', reason: 'SYSTEMERROR' };
    const order = this.#shown.get(orderNo);
    if (order === undefined) return { outcome: 'closed' };
    if (order.state === 'paid' || order.state === 'refunded') return { outcome: 'already_paid' };
    if (order.state === 'shown') order.closedUnscanned = true;
    if (!this.#payableAfterClose) order.state = 'closed';
    return { outcome: 'closed' };
  }

  override async refund(request: WalletRefundRequest, signal: AbortSignal): Promise<WalletRefundAnswer> {
    const order = this.#shown.get(request.orderNo);
    // A scanned code's order: the scripted wallet's own refunds.
    if (order === undefined) return super.refund(request, signal);
    await Promise.resolve();
    this.shownCalls.refund.push(request.refundNo);
    const step = this.shownScript.refund.shift() ?? { do: 'refund' };
    if (step.do === 'unknown') return { outcome: 'unknown', reason: 'SYSTEMERROR' };
    if (step.do === 'refuse') return { outcome: 'refused', message: 'refund refused' };
    if (order.refundNos.has(request.refundNo)) return { outcome: 'refunded' };
    if (order.state !== 'paid' || request.amount !== order.paidAmount) {
      return { outcome: 'refused', message: `cannot refund a ${order.state} order of ${order.paidAmount}` };
    }
    order.refundNos.add(request.refundNo);
    order.refunds += 1;
    order.state = 'refunded';
    if (step.do === 'refund_unanswered') return { outcome: 'unknown', reason: 'no answer' };
    return { outcome: 'refunded' };
  }

  override async queryRefund(
    request: { readonly orderNo: string; readonly refundNo: string },
    signal: AbortSignal,
  ): Promise<WalletRefundState> {
    const order = this.#shown.get(request.orderNo);
    if (order === undefined) return super.queryRefund(request, signal);
    await Promise.resolve();
    return order.refundNos.has(request.refundNo) ? { state: 'refunded' } : { state: 'not_found' };
  }

  override async query(orderNo: string, signal: AbortSignal): Promise<WalletOrderState> {
    const order = this.#shown.get(orderNo);
    if (order === undefined) return super.query(orderNo, signal);
    this.calls.query.push(orderNo);
    await Promise.resolve();
    const step = this.script.query.shift() ?? { do: 'tell' };
    if (step.do === 'unknown') return { state: 'unknown', reason: 'SYSTEMERROR' };
    switch (order.state) {
      case 'shown':
        return { state: 'not_found' };
      case 'closed':
        return { state: 'closed' };
      case 'refunded':
        return { state: 'refunded', refundedAmount: order.paidAmount };
      case 'paid':
        return {
          state: 'paid',
          tradeNo: order.tradeNo,
          payerId: order.payerId,
          amount: order.paidAmount,
          paidAtMs: 0,
        };
    }
  }

  override readNotification(raw: {
    readonly body: Buffer;
    readonly contentType: string;
  }): WalletNotification {
    if (raw.contentType !== 'application/json') throw invalid('not JSON');
    let fields: Record<string, string | number>;
    try {
      fields = JSON.parse(raw.body.toString('utf8')) as Record<string, string | number>;
    } catch {
      throw invalid('not JSON');
    }
    const { sig, ...signed } = fields;
    if (typeof sig !== 'string' || sig !== sign(signed)) throw invalid('the signature does not verify');
    const orderNo = String(signed['orderNo']);
    if (signed['status'] !== 'TRADE_SUCCESS') {
      throw new PosError('POS_ERR_WALLET_NOTIFICATION_NOT_A_PAYMENT', `order ${orderNo} is not paid`);
    }
    return {
      wallet: this.wallet,
      orderNo,
      paid: {
        tradeNo: String(signed['tradeNo']),
        payerId: String(signed['payerId']),
        amount: Number(signed['amount']),
        paidAtMs: 0,
      },
    };
  }

  /** A verified notification that reports no payment (a trade closed after a refund). */
  closedNotification(orderNo: string): { body: Buffer; contentType: string } {
    const fields = { orderNo, tradeNo: 'TR0', payerId: 'p', amount: 0, status: 'TRADE_CLOSED' };
    return {
      body: Buffer.from(JSON.stringify({ ...fields, sig: sign(fields) })),
      contentType: 'application/json',
    };
  }
}
