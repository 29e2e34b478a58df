// The wallet port for Alipay, over Alipay's OpenAPI gateway: one form POST per call
// (`application/x-www-form-urlencoded;charset=utf-8`) with the common parameters and the call's
// own parameters as JSON in `biz_content`, signed RSA2 with the merchant's private key; the answer
// is `{"<method>_response":{...},"sign":"..."}`, verified with Alipay's public key over the node's
// exact text. An answer that does not verify is never read: the call's outcome is `unknown`.
// Methods: alipay.trade.pay (scene bar_code), .query, .cancel, .precreate, .close, .refund, and
// alipay.trade.fastpay.refund.query.
// docs/qr.md describes the settings and the mapping of Alipay's codes.
import type { KeyObject } from 'node:crypto';
import type { Secret } from '../../cards/secret.js';
import { systemClock, type Clock } from '../../clock/clock.js';
import type {
  WalletAcknowledgement,
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
} from '../../payments/ports/wallet.js';
import { chinaTime } from '../wire/china-time.js';
import { failureReason, postText } from '../wire/wallet-http.js';
import { httpUrl, plainId } from '../wire/wallet-settings.js';
import { yuanText } from '../wire/yuan.js';
import {
  describe,
  field,
  paidFacts,
  payNeedsQuery,
  payRefusal,
  refusedAtGateway,
  systemErrors,
  type AlipayNode,
} from './alipay-answers.js';
import { topLevelMembers } from './alipay-json-span.js';
import { readAlipayNotification } from './alipay-notification.js';
import { alipaySigningText, readPrivateKey, readPublicKey, rsa2Sign, rsa2Verify } from './alipay-sign.js';

/**
 * Polling and cancel windows for Alipay's 当面付 (face-to-face payment), from Alipay's guidance
 * (docs/qr.md, "Polling and cancel windows"): query every 3 to 6 s for about 60 s after a pay
 * that is not settled, then cancel right after the last query; cancel again while the answer says
 * retry_flag=Y. Alipay gives no interval for repeated cancels: 5 s is our choice.
 */
export const alipayTiming: WalletTiming = {
  queryIntervalMs: 5_000,
  payWindowMs: 60_000,
  cancelRetryMs: 5_000,
  // trade.refund answers at once; a refund's query is advised no sooner than 10 s after it
  // (docs/qr.md, "Voids and refunds of QR sales"), so a request waits one query at most.
  refundQueryIntervalMs: 10_000,
  refundWindowMs: 15_000,
};

export interface AlipayOptions {
  /** The OpenAPI gateway: https://openapi.alipay.com/gateway.do in production. */
  readonly gatewayUrl: string;
  /** The application's APPID on the Alipay open platform. */
  readonly appId: string;
  /** The application's RSA2 private key (PEM, or the bare base64 Alipay's key tool prints). */
  readonly merchantPrivateKey: Secret<string>;
  /** Alipay's public key for this application, as the open platform console shows it. */
  readonly alipayPublicKey: string;
  /** Where Alipay posts the payment notification of a shown (precreated) code. */
  readonly notifyUrl?: string;
  readonly timing?: Partial<WalletTiming>;
  readonly clock?: Clock;
}

type Called =
  { readonly ok: true; readonly node: AlipayNode } | { readonly ok: false; readonly reason: string };

export class AlipayProvider implements WalletProvider {
  readonly wallet = 'alipay';
  readonly timing: WalletTiming;
  readonly acknowledgement: WalletAcknowledgement = {
    contentType: 'text/plain;charset=utf-8',
    body: 'success',
  };
  readonly #gateway: URL;
  readonly #appId: string;
  readonly #privateKey: KeyObject;
  readonly #alipayKey: KeyObject;
  readonly #notifyUrl: string | undefined;
  readonly #clock: Clock;

  constructor(options: AlipayOptions) {
    this.#gateway = httpUrl('alipay', 'gatewayUrl', options.gatewayUrl);
    this.#appId = plainId('alipay', 'appId', options.appId, 32);
    this.#privateKey = readPrivateKey('merchantPrivateKey', options.merchantPrivateKey.reveal());
    this.#alipayKey = readPublicKey('alipayPublicKey', options.alipayPublicKey);
    this.#notifyUrl =
      options.notifyUrl === undefined ? undefined : httpUrl('alipay', 'notifyUrl', options.notifyUrl).href;
    this.timing = { ...alipayTiming, ...options.timing };
    this.#clock = options.clock ?? systemClock;
  }

  /** Sends one signed call and returns the verified response node, or why it cannot be trusted. */
  async #call(
    method: string,
    biz: Readonly<Record<string, string>>,
    signal: AbortSignal,
    notify = false,
  ): Promise<Called> {
    const params: Record<string, string> = {
      app_id: this.#appId,
      method,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: chinaTime(this.#clock.now()),
      version: '1.0',
      biz_content: JSON.stringify(biz),
    };
    if (notify && this.#notifyUrl !== undefined) params['notify_url'] = this.#notifyUrl;
    params['sign'] = rsa2Sign(alipaySigningText(params, ['sign']), this.#privateKey);
    let text: string;
    try {
      const answer = await postText(
        this.#gateway,
        new URLSearchParams(params).toString(),
        'application/x-www-form-urlencoded;charset=utf-8',
        signal,
      );
      if (answer.status !== 200) return { ok: false, reason: `the gateway answered HTTP ${answer.status}` };
      text = new TextDecoder('utf-8', { fatal: true }).decode(answer.body);
    } catch (error) {
      return { ok: false, reason: failureReason(error, signal) };
    }
    return this.#verified(method, text);
  }

  #verified(method: string, text: string): Called {
    const members = topLevelMembers(text);
    if (members === undefined) return { ok: false, reason: 'the answer is not a JSON object' };
    const nodeText = members.get(`${method.replaceAll('.', '_')}_response`);
    if (nodeText === undefined) {
      return { ok: false, reason: 'the answer has no response node for the method (an error_response?)' };
    }
    const signText = members.get('sign');
    const signature = signText === undefined ? undefined : (JSON.parse(signText) as unknown);
    if (typeof signature !== 'string') return { ok: false, reason: 'the answer is not signed' };
    if (!rsa2Verify(nodeText, signature, this.#alipayKey)) {
      return { ok: false, reason: "the answer's signature does not verify with Alipay's public key" };
    }
    const node: unknown = JSON.parse(nodeText);
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      return { ok: false, reason: 'the response node is not an object' };
    }
    return { ok: true, node: node as AlipayNode };
  }

  async pay(request: WalletPayRequest, signal: AbortSignal): Promise<WalletPayAnswer> {
    if (request.currency !== 'CNY') {
      return { outcome: 'refused', refusal: 'other', message: `Alipay takes CNY, not ${request.currency}` };
    }
    const called = await this.#call(
      'alipay.trade.pay',
      {
        out_trade_no: request.orderNo,
        scene: 'bar_code',
        auth_code: request.code.reveal(),
        subject: request.subject,
        total_amount: yuanText(request.amount),
        terminal_id: request.terminalId,
      },
      signal,
    );
    if (!called.ok) return { outcome: 'unknown', reason: called.reason };
    const node = called.node;
    const code = field(node, 'code');
    if (code === '10000') {
      const paid = paidFacts(node, this.#clock.now());
      return typeof paid === 'string' ? { outcome: 'unknown', reason: paid } : { outcome: 'paid', ...paid };
    }
    if (code === '10003') return { outcome: 'user_paying' };
    const subCode = field(node, 'sub_code');
    if (code === '40004' && subCode !== undefined && payNeedsQuery.has(subCode)) {
      return this.#payFromQuery(request.orderNo, describe(node), signal);
    }
    if (code === '40004' && !(subCode !== undefined && systemErrors.has(subCode))) {
      return { outcome: 'refused', refusal: payRefusal(subCode), message: describe(node) };
    }
    if (code !== undefined && refusedAtGateway.has(code)) {
      return { outcome: 'refused', refusal: 'other', message: describe(node) };
    }
    return { outcome: 'unknown', reason: describe(node) };
  }

  /** The order number exists at Alipay already: its own state answers the pay. */
  async #payFromQuery(orderNo: string, why: string, signal: AbortSignal): Promise<WalletPayAnswer> {
    const state = await this.query(orderNo, signal);
    switch (state.state) {
      case 'paid':
        return {
          outcome: 'paid',
          tradeNo: state.tradeNo,
          payerId: state.payerId,
          amount: state.amount,
          paidAtMs: state.paidAtMs,
        };
      case 'user_paying':
        return { outcome: 'user_paying' };
      case 'closed':
        return { outcome: 'refused', refusal: 'order_closed', message: why };
      case 'refused':
        return { outcome: 'refused', refusal: state.refusal, message: state.message };
      default:
        return { outcome: 'unknown', reason: `${why}; the order is ${state.state}` };
    }
  }

  async query(orderNo: string, signal: AbortSignal): Promise<WalletOrderState> {
    const called = await this.#call('alipay.trade.query', { out_trade_no: orderNo }, signal);
    if (!called.ok) return { state: 'unknown', reason: called.reason };
    const node = called.node;
    const code = field(node, 'code');
    if (code === '40004' && field(node, 'sub_code') === 'ACQ.TRADE_NOT_EXIST') return { state: 'not_found' };
    if (code !== '10000') return { state: 'unknown', reason: describe(node) };
    const status = field(node, 'trade_status');
    switch (status) {
      case 'TRADE_SUCCESS':
      case 'TRADE_FINISHED': {
        const paid = paidFacts(node, this.#clock.now());
        return typeof paid === 'string' ? { state: 'unknown', reason: paid } : { state: 'paid', ...paid };
      }
      case 'WAIT_BUYER_PAY':
        // The trade exists and waits for the buyer: scanned, confirming on the phone.
        return { state: 'user_paying' };
      case 'TRADE_CLOSED': {
        // Closed unpaid, or paid and then refunded in full: only a paid trade has a payment date.
        const paid = paidFacts(node, this.#clock.now());
        if (field(node, 'send_pay_date') === undefined || typeof paid === 'string')
          return { state: 'closed' };
        return { state: 'refunded', refundedAmount: paid.amount };
      }
      default:
        return { state: 'unknown', reason: `trade_status ${status ?? 'missing'}` };
    }
  }

  async cancel(orderNo: string, signal: AbortSignal): Promise<WalletCancelAnswer> {
    const called = await this.#call('alipay.trade.cancel', { out_trade_no: orderNo }, signal);
    if (!called.ok) return { outcome: 'unknown', reason: called.reason };
    const node = called.node;
    const code = field(node, 'code');
    if (field(node, 'retry_flag') === 'Y') return { outcome: 'retry', reason: describe(node) };
    if (code === '10000') return { outcome: 'cancelled', refunded: field(node, 'action') === 'refund' };
    // No trade under this number: nothing to close or refund (a pay that never arrived).
    if (code === '40004' && field(node, 'sub_code') === 'ACQ.TRADE_NOT_EXIST') {
      return { outcome: 'cancelled', refunded: false };
    }
    return { outcome: 'unknown', reason: describe(node) };
  }

  async precreate(request: WalletPrecreateRequest, signal: AbortSignal): Promise<WalletPrecreateAnswer> {
    if (request.currency !== 'CNY') {
      return { outcome: 'refused', refusal: 'other', message: `Alipay takes CNY, not ${request.currency}` };
    }
    const called = await this.#call(
      'alipay.trade.precreate',
      {
        out_trade_no: request.orderNo,
        total_amount: yuanText(request.amount),
        subject: request.subject,
        terminal_id: request.terminalId,
        time_expire: chinaTime(request.expiresAtMs),
      },
      signal,
      true,
    );
    if (!called.ok) return { outcome: 'unknown', reason: called.reason };
    const node = called.node;
    const code = field(node, 'code');
    const subCode = field(node, 'sub_code');
    if (code === '10000') {
      const qrContent = field(node, 'qr_code');
      return qrContent === undefined || qrContent === ''
        ? { outcome: 'unknown', reason: 'the answer has no qr_code' }
        : { outcome: 'created', qrContent };
    }
    if (code === '40004' && subCode === 'ACQ.TRADE_HAS_CLOSE') {
      return { outcome: 'refused', refusal: 'order_closed', message: describe(node) };
    }
    // Already paid, or Alipay's own failure: the order's state is what to learn next.
    if (
      code === '40004' &&
      subCode !== undefined &&
      (subCode === 'ACQ.TRADE_HAS_SUCCESS' || systemErrors.has(subCode))
    ) {
      return { outcome: 'unknown', reason: describe(node) };
    }
    if (code === '40004' || (code !== undefined && refusedAtGateway.has(code))) {
      return { outcome: 'refused', refusal: 'other', message: describe(node) };
    }
    return { outcome: 'unknown', reason: describe(node) };
  }

  async close(orderNo: string, signal: AbortSignal): Promise<WalletCloseAnswer> {
    const called = await this.#call('alipay.trade.close', { out_trade_no: orderNo }, signal);
    if (!called.ok) return { outcome: 'unknown', reason: called.reason };
    const node = called.node;
    const code = field(node, 'code');
    const subCode = field(node, 'sub_code');
    if (code === '10000') return { outcome: 'closed' };
    // A shown code nobody scanned has no trade at Alipay yet: there is nothing left to pay.
    if (code === '40004' && subCode === 'ACQ.TRADE_NOT_EXIST') return { outcome: 'closed' };
    if (code === '40004' && subCode === 'ACQ.TRADE_STATUS_ERROR') {
      // The trade is no longer open: paid, or closed already. Its state says which.
      const state = await this.query(orderNo, signal);
      if (state.state === 'paid') return { outcome: 'already_paid' };
      if (state.state === 'closed' || state.state === 'refunded') return { outcome: 'closed' };
      return { outcome: 'unknown', reason: `${describe(node)}; the order is ${state.state}` };
    }
    return { outcome: 'unknown', reason: describe(node) };
  }

  async refund(request: WalletRefundRequest, signal: AbortSignal): Promise<WalletRefundAnswer> {
    const called = await this.#call(
      'alipay.trade.refund',
      {
        out_trade_no: request.orderNo,
        refund_amount: yuanText(request.amount),
        out_request_no: request.refundNo,
        refund_reason: request.reason,
      },
      signal,
    );
    if (!called.ok) return { outcome: 'unknown', reason: called.reason };
    const node = called.node;
    const code = field(node, 'code');
    const subCode = field(node, 'sub_code');
    // 10000 only says the call worked: fund_change=Y says money moved. A repeat of the number
    // answers N (nothing moved this time), and so does a refund still to be made: both are asked
    // about with the refund query (Alipay's alipay.trade.refund page).
    if (code === '10000')
      return field(node, 'fund_change') === 'Y' ? { outcome: 'refunded' } : { outcome: 'accepted' };
    if (code === '40004' && !(subCode !== undefined && systemErrors.has(subCode))) {
      return { outcome: 'refused', message: describe(node) };
    }
    if (code !== undefined && refusedAtGateway.has(code))
      return { outcome: 'refused', message: describe(node) };
    return { outcome: 'unknown', reason: describe(node) };
  }

  /**
   * alipay.trade.fastpay.refund.query: 10000 with the refund's data (refund_amount, and a
   * refund_status that is absent or REFUND_SUCCESS) means refunded; 10000 without them means no
   * refund was made under the number (Alipay: send it again, same out_request_no).
   */
  async queryRefund(
    request: { readonly orderNo: string; readonly refundNo: string },
    signal: AbortSignal,
  ): Promise<WalletRefundState> {
    const called = await this.#call(
      'alipay.trade.fastpay.refund.query',
      { out_trade_no: request.orderNo, out_request_no: request.refundNo },
      signal,
    );
    if (!called.ok) return { state: 'unknown', reason: called.reason };
    const node = called.node;
    const code = field(node, 'code');
    if (code === '40004' && field(node, 'sub_code') === 'ACQ.TRADE_NOT_EXIST') return { state: 'not_found' };
    if (code !== '10000') return { state: 'unknown', reason: describe(node) };
    const amount = field(node, 'refund_amount');
    if (amount === undefined || amount === '') return { state: 'not_found' };
    const status = field(node, 'refund_status');
    if (status === undefined || status === '' || status === 'REFUND_SUCCESS') return { state: 'refunded' };
    return { state: 'unknown', reason: `refund_status ${status}` };
  }

  readNotification(raw: { readonly body: Buffer; readonly contentType: string }): WalletNotification {
    return readAlipayNotification(raw, {
      appId: this.#appId,
      alipayKey: this.#alipayKey,
      nowMs: this.#clock.now(),
    });
  }
}

export function createAlipayProvider(options: AlipayOptions): WalletProvider {
  return new AlipayProvider(options);
}
