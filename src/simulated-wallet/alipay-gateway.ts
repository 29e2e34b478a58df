// The simulated Alipay OpenAPI gateway: reads a form POST as Alipay does, refuses what Alipay
// refuses (an unknown method or app, a sign_type other than RSA2, a signature that does not verify
// with the merchant's public key, a biz_content that is not JSON), runs the method against the
// simulated wallet's books, and signs its answer `{"<method>_response":{...},"sign":"..."}` with
// the simulated Alipay's private key over the node's exact text. It also builds the signed
// payment notifications it posts to a precreated order's notify_url.
import type { KeyObject } from 'node:crypto';
import type { WalletRefusal } from '../payments/ports/wallet.js';
import { alipaySigningText, rsa2Sign, rsa2Verify } from '../wallets/alipay/alipay-sign.js';
import { chinaTime, parseChinaTime } from '../wallets/wire/china-time.js';
import { parseYuan, yuanText } from '../wallets/wire/yuan.js';
import type { SimOrder, SimulatedWallet } from './simulated-wallet.js';
import type { WalletMethod } from './wallet-faults.js';
import type { WireCall } from './wire-call.js';

export interface AlipayGatewayKeys {
  readonly appId: string;
  /** The simulated Alipay's private key: it signs answers and notifications. */
  readonly alipayPrivateKey: KeyObject;
  /** The merchant's public key: every request must verify with it. */
  readonly merchantPublicKey: KeyObject;
}

const methods: Readonly<Record<string, WalletMethod>> = {
  'alipay.trade.pay': 'pay',
  'alipay.trade.query': 'query',
  'alipay.trade.cancel': 'cancel',
  'alipay.trade.precreate': 'precreate',
  'alipay.trade.close': 'close',
  'alipay.trade.refund': 'refund',
  // A refund's query counts as a query: the fault plan's `query` covers both.
  'alipay.trade.fastpay.refund.query': 'query',
};

type Node = Record<string, string>;

function signedAnswer(nodeName: string, node: Node, key: KeyObject): string {
  const text = JSON.stringify(node);
  return `{"${nodeName}":${text},"sign":${JSON.stringify(rsa2Sign(text, key))}}`;
}

const success = (fields: Node): Node => ({ code: '10000', msg: 'Success', ...fields });
const business = (subCode: string, subMsg: string, fields: Node = {}): Node => ({
  code: '40004',
  msg: 'Business Failed',
  sub_code: subCode,
  sub_msg: subMsg,
  ...fields,
});
const invalid = (subCode: string, subMsg: string): Node => ({
  code: '40002',
  msg: 'Invalid Arguments',
  sub_code: subCode,
  sub_msg: subMsg,
});

/** Reads the request's parameters (query string and form body); a name given twice is refused. */
function readParams(query: string, body: Buffer): Node | string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return 'the body is not UTF-8';
  }
  const params: Node = {};
  for (const source of [query, text]) {
    for (const [name, value] of new URLSearchParams(source)) {
      if (Object.hasOwn(params, name)) return `the parameter ${name} comes twice`;
      params[name] = value;
    }
  }
  return params;
}

export function alipayCall(
  wallet: SimulatedWallet,
  keys: AlipayGatewayKeys,
  query: string,
  body: Buffer,
): WireCall {
  const params = readParams(query, body);
  const refuse = (nodeName: string, node: Node): WireCall => ({
    kind: 'answer',
    body: signedAnswer(nodeName, node, keys.alipayPrivateKey),
  });
  if (typeof params === 'string') return refuse('error_response', invalid('isv.invalid-parameter', params));
  const methodName = params['method'] ?? '';
  const method = methods[methodName];
  if (method === undefined) return refuse('error_response', invalid('isv.invalid-method', '不存在的方法名'));
  const nodeName = `${methodName.replaceAll('.', '_')}_response`;
  if (params['app_id'] !== keys.appId)
    return refuse(nodeName, invalid('isv.invalid-app-id', '无效的AppID参数'));
  if (params['sign_type'] !== 'RSA2')
    return refuse(nodeName, invalid('isv.invalid-signature-type', '无效的签名类型'));
  const signature = params['sign'] ?? '';
  if (!rsa2Verify(alipaySigningText(params, ['sign']), signature, keys.merchantPublicKey)) {
    return refuse(nodeName, invalid('isv.invalid-signature', '验签出错'));
  }
  if ((params['charset'] ?? '').toLowerCase() !== 'utf-8' || params['version'] !== '1.0') {
    return refuse(nodeName, invalid('isv.invalid-parameter', 'charset must be utf-8 and version 1.0'));
  }
  if (parseChinaTime(params['timestamp']) === undefined) {
    return refuse(nodeName, invalid('isv.invalid-timestamp', '非法的时间戳参数'));
  }
  let biz: unknown;
  try {
    biz = JSON.parse(params['biz_content'] ?? '');
  } catch {
    biz = undefined;
  }
  if (biz === null || typeof biz !== 'object' || Array.isArray(biz)) {
    return refuse(nodeName, invalid('isv.invalid-parameter', 'biz_content is not a JSON object'));
  }
  const bizFields = biz as Record<string, unknown>;
  const get = (name: string): string | undefined => {
    const value = bizFields[name];
    return typeof value === 'string' ? value : undefined;
  };
  const run = new AlipayMethods(wallet, get, params['notify_url'] ?? null);
  return {
    kind: 'call',
    method,
    apply: () =>
      signedAnswer(
        nodeName,
        methodName === 'alipay.trade.fastpay.refund.query' ? run.refundQuery() : run.apply(method),
        keys.alipayPrivateKey,
      ),
    systemError: (applied) =>
      signedAnswer(
        nodeName,
        applied
          ? business('ACQ.SYSTEM_ERROR', '系统错误', method === 'cancel' ? { retry_flag: 'Y' } : {})
          : {
              code: '20000',
              msg: 'Service Currently Unavailable',
              sub_code: 'isp.unknow-error',
              sub_msg: '系统繁忙',
            },
        keys.alipayPrivateKey,
      ),
  };
}

const authCodeMessages: Partial<Record<WalletRefusal, string>> = {
  code_invalid: '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款',
  code_used: '付款码已使用，请顾客刷新付款码后重新收款',
  code_expired: '付款码已过期，请顾客刷新付款码后重新收款',
};

/** The six methods, each reading its biz_content and answering in Alipay's words. */
class AlipayMethods {
  constructor(
    private readonly wallet: SimulatedWallet,
    private readonly get: (name: string) => string | undefined,
    private readonly notifyUrl: string | null,
  ) {}

  refundQuery(): Node {
    const orderNo = this.get('out_trade_no');
    if (orderNo === undefined || !/^[\x21-\x7e]{1,64}$/.test(orderNo)) {
      return business('ACQ.INVALID_PARAMETER', '参数无效: out_trade_no');
    }
    return refundQueryNode(this.wallet, orderNo, this.get('out_request_no'));
  }

  apply(method: WalletMethod): Node {
    const orderNo = this.get('out_trade_no');
    if (orderNo === undefined || !/^[\x21-\x7e]{1,64}$/.test(orderNo)) {
      return business('ACQ.INVALID_PARAMETER', '参数无效: out_trade_no');
    }
    switch (method) {
      case 'pay':
        return this.#pay(orderNo);
      case 'query':
        return this.#query(orderNo);
      case 'cancel':
        return this.#cancel(orderNo);
      case 'precreate':
        return this.#precreate(orderNo);
      case 'close':
        return this.#close(orderNo);
      case 'refund':
        return this.#refund(orderNo);
    }
  }

  #paidNode(order: SimOrder): Node {
    return success({
      trade_no: order.tradeNo,
      out_trade_no: order.orderNo,
      buyer_logon_id: '159****5620',
      buyer_user_id: this.wallet.buyerOf(order),
      total_amount: yuanText(order.amount),
      receipt_amount: yuanText(order.amount),
      gmt_payment: chinaTime(order.paidAtMs ?? order.createdAtMs),
    });
  }

  #pay(orderNo: string): Node {
    const amount = parseYuan(this.get('total_amount'));
    const code = this.get('auth_code');
    if (amount === undefined || amount <= 0)
      return business('ACQ.INVALID_PARAMETER', '参数无效: total_amount');
    if (this.get('scene') !== 'bar_code' || code === undefined) {
      return business('ACQ.INVALID_PARAMETER', '参数无效: scene 或 auth_code');
    }
    const outcome = this.wallet.pay({
      wallet: 'alipay',
      orderNo,
      code,
      amount,
      subject: this.get('subject') ?? '',
    });
    switch (outcome.kind) {
      case 'paid':
        return this.#paidNode(outcome.order);
      case 'user_paying':
        return {
          code: '10003',
          msg: ' order success pay inprocess',
          trade_no: outcome.order.tradeNo,
          out_trade_no: orderNo,
          buyer_user_id: this.wallet.buyerOf(outcome.order),
          total_amount: yuanText(outcome.order.amount),
        };
      case 'exists':
        // Alipay answers a repeat of the same trade with its true state; other data is a conflict.
        return outcome.order.state === 'paid' && outcome.order.amount === amount
          ? this.#paidNode(outcome.order)
          : business('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改');
      case 'refused': {
        const message = authCodeMessages[outcome.refusal];
        if (message !== undefined) return business('ACQ.PAYMENT_AUTH_CODE_INVALID', message);
        if (outcome.refusal === 'insufficient_funds')
          return business('ACQ.BUYER_BALANCE_NOT_ENOUGH', '买家余额不足');
        if (outcome.refusal === 'order_closed') return business('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
        return business('ACQ.PAYMENT_FAIL', '支付失败');
      }
    }
  }

  #query(orderNo: string): Node {
    const order = this.wallet.query('alipay', orderNo);
    // Alipay has no trade for a number it never took a payment attempt under: a shown code not
    // yet scanned, a pay refused for its code, a cancel's tombstone.
    if (order === undefined || order.origin === 'tombstone' || order.payerId === null) {
      return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
    }
    const fields: Node = {
      trade_no: order.tradeNo,
      out_trade_no: order.orderNo,
      buyer_logon_id: '159****5620',
      buyer_user_id: this.wallet.buyerOf(order),
      total_amount: yuanText(order.amount),
      trade_status: tradeStatus(order),
    };
    if (order.paidAtMs !== null) fields['send_pay_date'] = chinaTime(order.paidAtMs);
    return success(fields);
  }

  #cancel(orderNo: string): Node {
    const outcome = this.wallet.cancel('alipay', orderNo);
    if (outcome.kind === 'retry')
      return business('ACQ.SYSTEM_ERROR', '系统错误，请重试', { retry_flag: 'Y', out_trade_no: orderNo });
    return success({
      trade_no: outcome.order.tradeNo,
      out_trade_no: orderNo,
      retry_flag: 'N',
      action: outcome.refunded ? 'refund' : 'close',
    });
  }

  #precreate(orderNo: string): Node {
    const amount = parseYuan(this.get('total_amount'));
    if (amount === undefined || amount <= 0)
      return business('ACQ.INVALID_PARAMETER', '参数无效: total_amount');
    const expire = this.get('time_expire');
    const expiresAtMs =
      expire === undefined ? this.wallet.clock.now() + 2 * 3_600_000 : parseChinaTime(expire);
    if (expiresAtMs === undefined) return business('ACQ.INVALID_PARAMETER', '参数无效: time_expire');
    const outcome = this.wallet.precreate({
      wallet: 'alipay',
      orderNo,
      amount,
      subject: this.get('subject') ?? '',
      expiresAtMs,
      notifyUrl: this.notifyUrl,
    });
    if (outcome.kind === 'created') return success({ out_trade_no: orderNo, qr_code: outcome.qrContent });
    if (outcome.why === 'paid') return business('ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
    if (outcome.why === 'closed') return business('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
    return business('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改');
  }

  #close(orderNo: string): Node {
    const before = this.wallet.order('alipay', orderNo);
    const unscanned = before !== undefined && before.origin === 'precreate' && before.payerId === null;
    const outcome = this.wallet.close('alipay', orderNo);
    if (outcome === 'already_paid') return business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
    // A shown code nobody scanned is no trade at Alipay: it answers so, and the code is dead.
    if (outcome === 'not_found' || unscanned) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
    return success({ trade_no: before?.tradeNo ?? '', out_trade_no: orderNo });
  }

  #refund(orderNo: string): Node {
    const amount = parseYuan(this.get('refund_amount'));
    const refundNo = this.get('out_request_no');
    if (amount === undefined || amount <= 0 || refundNo === undefined || refundNo === '') {
      return business('ACQ.INVALID_PARAMETER', '参数无效: refund_amount 或 out_request_no');
    }
    const outcome = this.wallet.refund('alipay', orderNo, refundNo, amount);
    if (outcome.kind !== 'refused') {
      // Alipay refunds at once; a repeat of a number moves no money again, and says so (N).
      return success({
        trade_no: outcome.order.tradeNo,
        out_trade_no: orderNo,
        buyer_user_id: this.wallet.buyerOf(outcome.order),
        fund_change: outcome.kind === 'refunded' && !outcome.repeated ? 'Y' : 'N',
        refund_fee: yuanText(outcome.order.refundedTotal),
        gmt_refund_pay: chinaTime(this.wallet.clock.now()),
      });
    }
    switch (outcome.why) {
      case 'not_found':
        return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
      case 'not_paid':
        return business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
      case 'exceeds':
        return business('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
      case 'conflict':
        return business('ACQ.DISCORDANT_REPEAT_REQUEST', '请求信息不一致');
    }
  }
}

/**
 * alipay.trade.fastpay.refund.query's answer, as Alipay documents it: 10000 with the refund's data
 * (refund_amount...) when the refund under that number was made; 10000 without them when it was
 * not (send it again under the same number); ACQ.TRADE_NOT_EXIST when there is no such trade.
 */
function refundQueryNode(wallet: SimulatedWallet, orderNo: string, refundNo: string | undefined): Node {
  const order = wallet.order('alipay', orderNo);
  if (order === undefined || order.origin === 'tombstone' || order.payerId === null) {
    return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
  }
  const found = refundNo === undefined ? undefined : wallet.refundState('alipay', refundNo);
  if (found?.state !== 'refunded' || found.order !== order) {
    return success({ trade_no: order.tradeNo, out_trade_no: orderNo });
  }
  return success({
    trade_no: order.tradeNo,
    out_trade_no: orderNo,
    out_request_no: refundNo ?? '',
    total_amount: yuanText(order.amount),
    refund_amount: yuanText(found.amount),
    refund_status: 'REFUND_SUCCESS',
  });
}

function tradeStatus(order: SimOrder): string {
  switch (order.state) {
    case 'paid':
      return order.refundedTotal >= order.amount ? 'TRADE_CLOSED' : 'TRADE_SUCCESS';
    case 'user_paying':
    case 'shown':
      return 'WAIT_BUYER_PAY';
    default:
      return 'TRADE_CLOSED';
  }
}

/** The facts a payment notification carries. */
export interface AlipayNotificationFacts {
  readonly orderNo: string;
  readonly tradeNo: string;
  readonly buyerId: string;
  readonly amount: number;
  readonly paidAtMs: number;
  readonly subject: string;
  readonly status?: string;
}

/** A signed notification as Alipay posts it (form fields, RSA2 over all but sign and sign_type). */
export function alipayNotificationBody(
  keys: Pick<AlipayGatewayKeys, 'appId' | 'alipayPrivateKey'>,
  facts: AlipayNotificationFacts,
  notifyId: string,
  nowMs: number,
): string {
  const params: Node = {
    notify_time: chinaTime(nowMs),
    notify_type: 'trade_status_sync',
    notify_id: notifyId,
    app_id: keys.appId,
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    trade_no: facts.tradeNo,
    out_trade_no: facts.orderNo,
    buyer_id: facts.buyerId,
    trade_status: facts.status ?? 'TRADE_SUCCESS',
    total_amount: yuanText(facts.amount),
    receipt_amount: yuanText(facts.amount),
    gmt_create: chinaTime(facts.paidAtMs),
    gmt_payment: chinaTime(facts.paidAtMs),
    subject: facts.subject,
  };
  params['sign'] = rsa2Sign(alipaySigningText(params, ['sign', 'sign_type']), keys.alipayPrivateKey);
  return new URLSearchParams(params).toString();
}
