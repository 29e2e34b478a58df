// The wallet port for WeChat Pay, over its v2 API: XML bodies signed MD5 or HMAC-SHA256 with the
// merchant's API key, a fresh nonce_str per call. 付款码 (micropay: the customer's code), orderquery,
// reverse, unifiedorder with trade_type NATIVE (a code the terminal shows), closeorder, refund, and
// refundquery (how much a refunded order gave back; where one refund stands). Every answer's signature is checked;
// one that does not verify is not read (`unknown`). Reverse and refund are under /secapi/ and need
// the merchant's client certificate in production (docs/qr.md, "WeChat Pay").
import type { Secret } from '../../cards/secret.js';
import { cryptoRandom, type Random } from '../../random/random.js';
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
import { chinaCompactTime } from '../wire/china-time.js';
import { failureReason, postText, type ClientTls } from '../wire/wallet-http.js';
import { httpUrl, plainId, settingsError } from '../wire/wallet-settings.js';
import { parseFen } from '../wire/yuan.js';
import { describe, micropayRefusal, micropayUnknown, paidFacts, refundUnknown } from './wechat-answers.js';
import { readWechatNotification } from './wechat-notification.js';
import { wechatSign, wechatSignTypes, wechatVerify, type WechatSignType } from './wechat-sign.js';
import { readWechatXml, writeWechatXml, type XmlFields } from './wechat-xml.js';

/**
 * Polling and cancel windows for WeChat Pay's 付款码 (Quick Pay), from its guide (docs/qr.md,
 * "Polling and cancel windows"): query every 3 to 5 s; WeChat revokes an unpaid micropay order
 * itself 45 s after it was created, so polling stays within 45 s, then the order is reversed, and
 * reverse is not to be called sooner than 15 s after the pay. Reverse again while recall=Y; WeChat
 * gives no interval for that: 5 s is our choice.
 */
export const wechatTiming: WalletTiming = {
  queryIntervalMs: 5_000,
  payWindowMs: 45_000,
  cancelRetryMs: 5_000,
  cancelNotBeforeMs: 15_000,
  // A refund is asynchronous: its SUCCESS accepts it, refundquery says when the money is back
  // (from balance within 20 minutes, to a bank card days later: docs/qr.md). A request asks every
  // 5 s for 20 s; what is still processing then is followed by the background worker.
  refundQueryIntervalMs: 5_000,
  refundWindowMs: 20_000,
};

/** The merchant's API certificate (apiclient_cert.p12 and its password, or PEM cert and key). */
export type WechatClientCertificate =
  | { readonly pfx: Buffer; readonly passphrase: Secret<string> }
  | { readonly cert: string; readonly key: Secret<string> };

export interface WechatOptions {
  /** https://api.mch.weixin.qq.com in production; paths (/pay/micropay...) are added to it. */
  readonly baseUrl: string;
  /** The appid bound to the merchant number. */
  readonly appId: string;
  readonly mchId: string;
  /** The merchant's API key (API密钥, 32 characters), set in the merchant platform. */
  readonly apiKey: Secret<string>;
  /** HMAC-SHA256 unless given: WeChat's default is MD5, the stronger one is chosen here. */
  readonly signType?: WechatSignType;
  /** Where WeChat posts the payment notification of a shown (NATIVE) code; unifiedorder needs it. */
  readonly notifyUrl?: string;
  /** Needed by /secapi/ (reverse, refund) over https; not used over plain http. */
  readonly clientCertificate?: WechatClientCertificate;
  /** The address sent as spbill_create_ip (the server's or terminal's IP): 127.0.0.1 unless given. */
  readonly spbillCreateIp?: string;
  readonly timing?: Partial<WalletTiming>;
  readonly random?: Random;
}

type Called =
  { readonly ok: true; readonly fields: XmlFields } | { readonly ok: false; readonly reason: string };

export class WechatProvider implements WalletProvider {
  readonly wallet = 'wechat';
  readonly timing: WalletTiming;
  readonly acknowledgement: WalletAcknowledgement = {
    contentType: 'text/xml;charset=utf-8',
    body: '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>',
  };
  readonly #base: URL;
  readonly #appId: string;
  readonly #mchId: string;
  readonly #apiKey: Secret<string>;
  readonly #signType: WechatSignType;
  readonly #notifyUrl: string | undefined;
  readonly #tls: ClientTls | undefined;
  readonly #ip: string;
  readonly #random: Random;

  constructor(options: WechatOptions) {
    this.#base = httpUrl('wechat', 'baseUrl', options.baseUrl);
    this.#appId = plainId('wechat', 'appId', options.appId, 32);
    this.#mchId = plainId('wechat', 'mchId', options.mchId, 32);
    if (!/^[\x21-\x7e]{1,64}$/.test(options.apiKey.reveal())) {
      throw settingsError('wechat', 'apiKey', '1 to 64 printable ASCII characters (WeChat issues 32)');
    }
    this.#apiKey = options.apiKey;
    this.#signType = options.signType ?? 'HMAC-SHA256';
    if (!wechatSignTypes.includes(this.#signType))
      throw settingsError('wechat', 'signType', 'MD5 or HMAC-SHA256');
    this.#notifyUrl =
      options.notifyUrl === undefined ? undefined : httpUrl('wechat', 'notifyUrl', options.notifyUrl).href;
    const certificate = options.clientCertificate;
    if (this.#base.protocol === 'https:' && certificate === undefined) {
      // Reverse and refund would fail at the worst moment (a cancel owed): refuse at start instead.
      throw settingsError(
        'wechat',
        'clientCertificate',
        'the API certificate when baseUrl is https (reverse and refund need it)',
      );
    }
    this.#tls =
      certificate === undefined
        ? undefined
        : 'pfx' in certificate
          ? { pfx: certificate.pfx, passphrase: certificate.passphrase.reveal() }
          : { cert: certificate.cert, key: certificate.key.reveal() };
    this.#ip = options.spbillCreateIp ?? '127.0.0.1';
    this.timing = { ...wechatTiming, ...options.timing };
    this.#random = options.random ?? cryptoRandom;
  }

  /** Sends one signed call; returns the answer's fields once its signature verified. */
  async #call(path: string, own: Readonly<Record<string, string>>, signal: AbortSignal): Promise<Called> {
    const fields: Record<string, string> = {
      appid: this.#appId,
      mch_id: this.#mchId,
      nonce_str: this.#random.bytes(16).toString('hex'),
      sign_type: this.#signType,
      ...own,
    };
    fields['sign'] = wechatSign(fields, this.#apiKey.reveal(), this.#signType);
    let answer: XmlFields;
    try {
      const secure = path.startsWith('/secapi/');
      const reply = await postText(
        new URL(path.slice(1), this.#base.href.endsWith('/') ? this.#base : `${this.#base.href}/`),
        writeWechatXml(fields),
        'text/xml;charset=utf-8',
        signal,
        secure ? this.#tls : undefined,
      );
      if (reply.status !== 200) return { ok: false, reason: `WeChat Pay answered HTTP ${reply.status}` };
      answer = readWechatXml(new TextDecoder('utf-8', { fatal: true }).decode(reply.body));
    } catch (error) {
      return { ok: false, reason: failureReason(error, signal) };
    }
    if (answer['return_code'] !== 'SUCCESS') {
      return {
        ok: false,
        reason: `return_code ${answer['return_code'] ?? 'missing'}: ${answer['return_msg'] ?? ''}`,
      };
    }
    if (answer['sign_type'] !== undefined && answer['sign_type'] !== this.#signType) {
      return { ok: false, reason: `the answer is signed ${answer['sign_type']}, not ${this.#signType}` };
    }
    if (!wechatVerify(answer, this.#apiKey.reveal(), this.#signType)) {
      return { ok: false, reason: "the answer's signature does not verify with the API key" };
    }
    if (
      (answer['appid'] ?? this.#appId) !== this.#appId ||
      (answer['mch_id'] ?? this.#mchId) !== this.#mchId
    ) {
      return { ok: false, reason: 'the answer names another appid or mch_id' };
    }
    return { ok: true, fields: answer };
  }

  async pay(request: WalletPayRequest, signal: AbortSignal): Promise<WalletPayAnswer> {
    if (request.currency !== 'CNY') {
      return {
        outcome: 'refused',
        refusal: 'other',
        message: `WeChat Pay takes CNY, not ${request.currency}`,
      };
    }
    const called = await this.#call(
      '/pay/micropay',
      {
        body: truncateUtf8(request.subject, 128),
        out_trade_no: request.orderNo,
        total_fee: String(request.amount),
        spbill_create_ip: this.#ip,
        auth_code: request.code.reveal(),
        device_info: request.terminalId.slice(0, 32),
      },
      signal,
    );
    if (!called.ok) return { outcome: 'unknown', reason: called.reason };
    const fields = called.fields;
    if (fields['result_code'] === 'SUCCESS') {
      const paid = paidFacts(fields);
      return typeof paid === 'string'
        ? { outcome: 'unknown', reason: `the answer has ${paid}` }
        : { outcome: 'paid', ...paid };
    }
    const errCode = fields['err_code'] ?? '';
    if (errCode === 'USERPAYING') return { outcome: 'user_paying' };
    if (errCode === 'ORDERPAID') return this.#payFromQuery(request.orderNo, describe(fields), signal);
    if (micropayUnknown.has(errCode) || fields['result_code'] !== 'FAIL') {
      return { outcome: 'unknown', reason: describe(fields) };
    }
    return { outcome: 'refused', refusal: micropayRefusal(fields), message: describe(fields) };
  }

  /** ORDERPAID: this order number was paid already (a first answer lost): its state answers. */
  async #payFromQuery(orderNo: string, why: string, signal: AbortSignal): Promise<WalletPayAnswer> {
    const state = await this.query(orderNo, signal);
    if (state.state === 'paid') {
      return {
        outcome: 'paid',
        tradeNo: state.tradeNo,
        payerId: state.payerId,
        amount: state.amount,
        paidAtMs: state.paidAtMs,
      };
    }
    return { outcome: 'unknown', reason: `${why}; the order is ${state.state}` };
  }

  async query(orderNo: string, signal: AbortSignal): Promise<WalletOrderState> {
    const called = await this.#call('/pay/orderquery', { out_trade_no: orderNo }, signal);
    if (!called.ok) return { state: 'unknown', reason: called.reason };
    const fields = called.fields;
    if (fields['result_code'] !== 'SUCCESS') {
      return fields['err_code'] === 'ORDERNOTEXIST'
        ? { state: 'not_found' }
        : { state: 'unknown', reason: describe(fields) };
    }
    switch (fields['trade_state']) {
      case 'SUCCESS': {
        const paid = paidFacts(fields);
        return typeof paid === 'string'
          ? { state: 'unknown', reason: `the answer has ${paid}` }
          : { state: 'paid', ...paid };
      }
      case 'REFUND':
        return this.#refunded(orderNo, signal);
      case 'NOTPAY':
        return { state: 'not_paid' };
      case 'CLOSED':
      case 'REVOKED':
        return { state: 'closed' };
      case 'USERPAYING':
        return { state: 'user_paying' };
      case 'PAYERROR':
        return { state: 'refused', refusal: 'other', message: describe(fields) };
      default:
        return { state: 'unknown', reason: `trade_state ${fields['trade_state'] ?? 'missing'}` };
    }
  }

  /** orderquery says REFUND without an amount: refundquery's `refund_fee` is the total given back. */
  async #refunded(orderNo: string, signal: AbortSignal): Promise<WalletOrderState> {
    const called = await this.#call('/pay/refundquery', { out_trade_no: orderNo }, signal);
    if (!called.ok) return { state: 'unknown', reason: `refunded, but refundquery failed: ${called.reason}` };
    const refundedAmount = parseFen(called.fields['refund_fee']);
    if (called.fields['result_code'] !== 'SUCCESS' || refundedAmount === undefined) {
      return { state: 'unknown', reason: `refunded, but refundquery says ${describe(called.fields)}` };
    }
    return { state: 'refunded', refundedAmount };
  }

  async cancel(orderNo: string, signal: AbortSignal): Promise<WalletCancelAnswer> {
    const called = await this.#call('/secapi/pay/reverse', { out_trade_no: orderNo }, signal);
    if (!called.ok) return { outcome: 'unknown', reason: called.reason };
    const fields = called.fields;
    if (fields['recall'] === 'Y') return { outcome: 'retry', reason: describe(fields) };
    // WeChat's reverse does not say whether it refunded a paid order or closed an unpaid one.
    if (fields['result_code'] === 'SUCCESS') return { outcome: 'cancelled', refunded: false };
    if (fields['err_code'] === 'ORDERNOTEXIST') return { outcome: 'cancelled', refunded: false };
    return { outcome: 'unknown', reason: describe(fields) };
  }

  async precreate(request: WalletPrecreateRequest, signal: AbortSignal): Promise<WalletPrecreateAnswer> {
    if (request.currency !== 'CNY') {
      return {
        outcome: 'refused',
        refusal: 'other',
        message: `WeChat Pay takes CNY, not ${request.currency}`,
      };
    }
    if (this.#notifyUrl === undefined) {
      return {
        outcome: 'refused',
        refusal: 'other',
        message: 'no notifyUrl is set for WeChat Pay (unifiedorder needs one)',
      };
    }
    const called = await this.#call(
      '/pay/unifiedorder',
      {
        body: truncateUtf8(request.subject, 128),
        out_trade_no: request.orderNo,
        total_fee: String(request.amount),
        spbill_create_ip: this.#ip,
        notify_url: this.#notifyUrl,
        trade_type: 'NATIVE',
        product_id: request.orderNo,
        time_expire: chinaCompactTime(request.expiresAtMs),
        device_info: request.terminalId.slice(0, 32),
      },
      signal,
    );
    if (!called.ok) return { outcome: 'unknown', reason: called.reason };
    const fields = called.fields;
    if (fields['result_code'] === 'SUCCESS') {
      const codeUrl = fields['code_url'];
      return codeUrl === undefined || codeUrl === ''
        ? { outcome: 'unknown', reason: 'the answer has no code_url' }
        : { outcome: 'created', qrContent: codeUrl };
    }
    const errCode = fields['err_code'] ?? '';
    if (errCode === 'ORDERCLOSED')
      return { outcome: 'refused', refusal: 'order_closed', message: describe(fields) };
    if (errCode === 'ORDERPAID' || errCode === 'SYSTEMERROR')
      return { outcome: 'unknown', reason: describe(fields) };
    return { outcome: 'refused', refusal: 'other', message: describe(fields) };
  }

  async close(orderNo: string, signal: AbortSignal): Promise<WalletCloseAnswer> {
    const called = await this.#call('/pay/closeorder', { out_trade_no: orderNo }, signal);
    if (!called.ok) return { outcome: 'unknown', reason: called.reason };
    const fields = called.fields;
    if (fields['result_code'] === 'SUCCESS') return { outcome: 'closed' };
    switch (fields['err_code']) {
      case 'ORDERPAID':
        return { outcome: 'already_paid' };
      case 'ORDERCLOSED':
      case 'ORDERNOTEXIST':
        return { outcome: 'closed' };
      default:
        return { outcome: 'unknown', reason: describe(fields) };
    }
  }

  async refund(request: WalletRefundRequest, signal: AbortSignal): Promise<WalletRefundAnswer> {
    const called = await this.#call(
      '/secapi/pay/refund',
      {
        out_trade_no: request.orderNo,
        out_refund_no: request.refundNo,
        total_fee: String(request.orderAmount),
        refund_fee: String(request.amount),
        refund_desc: truncateUtf8(request.reason, 80),
      },
      signal,
    );
    if (!called.ok) return { outcome: 'unknown', reason: called.reason };
    const fields = called.fields;
    // SUCCESS means WeChat took the refund request, not that the money is back: refundquery says.
    if (fields['result_code'] === 'SUCCESS') return { outcome: 'accepted' };
    if (refundUnknown.has(fields['err_code'] ?? '') || fields['result_code'] !== 'FAIL') {
      return { outcome: 'unknown', reason: describe(fields) };
    }
    return { outcome: 'refused', message: describe(fields) };
  }

  /**
   * refundquery by out_refund_no: refund_status SUCCESS refunded, PROCESSING processing,
   * REFUNDCLOSE failed; CHANGE (the payer's card refused the money: WeChat asks the merchant to
   * finish it by hand in the merchant platform) stays unknown; REFUNDNOTEXIST not found.
   */
  async queryRefund(
    request: { readonly orderNo: string; readonly refundNo: string },
    signal: AbortSignal,
  ): Promise<WalletRefundState> {
    const called = await this.#call('/pay/refundquery', { out_refund_no: request.refundNo }, signal);
    if (!called.ok) return { state: 'unknown', reason: called.reason };
    const fields = called.fields;
    if (fields['result_code'] !== 'SUCCESS') {
      return fields['err_code'] === 'REFUNDNOTEXIST'
        ? { state: 'not_found' }
        : { state: 'unknown', reason: describe(fields) };
    }
    if (fields['out_trade_no'] !== undefined && fields['out_trade_no'] !== request.orderNo) {
      return { state: 'unknown', reason: 'refundquery names another out_trade_no' };
    }
    const index = refundIndex(fields, request.refundNo);
    const status = index === undefined ? undefined : fields[`refund_status_${index}`];
    switch (status) {
      case 'SUCCESS':
        return { state: 'refunded' };
      case 'PROCESSING':
        return { state: 'processing' };
      case 'REFUNDCLOSE':
        return { state: 'failed', message: describe(fields) };
      default:
        return { state: 'unknown', reason: `refund_status ${status ?? 'missing'}` };
    }
  }

  readNotification(raw: { readonly body: Buffer; readonly contentType: string }): WalletNotification {
    return readWechatNotification(raw, {
      appId: this.#appId,
      mchId: this.#mchId,
      apiKey: this.#apiKey.reveal(),
      signType: this.#signType,
    });
  }
}

/** The `$n` of the refund listed under `refundNo` in a refundquery answer (at most 50 are listed). */
function refundIndex(fields: XmlFields, refundNo: string): number | undefined {
  for (let n = 0; n < 50; n += 1) {
    const listed = fields[`out_refund_no_${n}`];
    if (listed === undefined) return undefined;
    if (listed === refundNo) return n;
  }
  return undefined;
}

/** At most `maxBytes` of UTF-8, cut between characters (WeChat counts `body` in bytes). */
function truncateUtf8(text: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const char of text) {
    bytes += Buffer.byteLength(char, 'utf8');
    if (bytes > maxBytes) break;
    out += char;
  }
  return out;
}

export function createWechatProvider(options: WechatOptions): WalletProvider {
  return new WechatProvider(options);
}
