// The simulated WeChat Pay v2 endpoints: reads the flat XML as WeChat does, refuses what it
// refuses (XML it cannot read, another appid or mch_id, a sign_type it does not know, a signature
// that does not verify with the API key: return_code FAIL, unsigned), runs the call against the
// simulated wallet's books and answers signed with the request's sign type. It also builds the
// signed payment notifications posted to a NATIVE order's notify_url.
import type { WalletRefusal } from '../payments/ports/wallet.js';
import type { Random } from '../random/random.js';
import { chinaCompactTime, parseChinaTime } from '../wallets/wire/china-time.js';
import { parseFen } from '../wallets/wire/yuan.js';
import {
  wechatSign,
  wechatSignTypes,
  wechatVerify,
  type WechatSignType,
} from '../wallets/wechat/wechat-sign.js';
import {
  readWechatXml,
  writeWechatXml,
  WechatXmlError,
  type XmlFields,
} from '../wallets/wechat/wechat-xml.js';
import type { SimOrder, SimulatedWallet } from './simulated-wallet.js';
import type { WalletMethod } from './wallet-faults.js';
import type { WireCall } from './wire-call.js';

export interface WechatGatewayKeys {
  readonly appId: string;
  readonly mchId: string;
  readonly apiKey: string;
}

/** The endpoints, by path, and the method each is; refundquery counts as a query. */
export const wechatPaths: Readonly<Record<string, WalletMethod>> = {
  '/pay/micropay': 'pay',
  '/pay/orderquery': 'query',
  '/pay/refundquery': 'query',
  '/secapi/pay/reverse': 'cancel',
  '/pay/unifiedorder': 'precreate',
  '/pay/closeorder': 'close',
  '/secapi/pay/refund': 'refund',
};

type Fields = Record<string, string>;

/** A call that did not get through: return_code FAIL, which WeChat does not sign. */
function failure(message: string): string {
  return writeWechatXml({ return_code: 'FAIL', return_msg: message });
}

export function wechatCall(
  wallet: SimulatedWallet,
  keys: WechatGatewayKeys,
  random: Random,
  path: string,
  body: Buffer,
): WireCall {
  const method = wechatPaths[path];
  if (method === undefined) return { kind: 'answer', body: failure('不存在的接口') };
  let request: XmlFields;
  try {
    request = readWechatXml(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (error) {
    return {
      kind: 'answer',
      body: failure(error instanceof WechatXmlError ? 'XML格式错误' : '编码格式错误'),
    };
  }
  const signType = (request['sign_type'] ?? 'MD5') as WechatSignType;
  if (!wechatSignTypes.includes(signType)) return { kind: 'answer', body: failure('签名类型错误') };
  if (!wechatVerify(request, keys.apiKey, signType)) return { kind: 'answer', body: failure('签名错误') };
  const nonce = request['nonce_str'] ?? '';
  if (nonce === '' || nonce.length > 32) return { kind: 'answer', body: failure('nonce_str 参数错误') };
  const answer = (fields: Fields): string => {
    const out: Fields = {
      return_code: 'SUCCESS',
      return_msg: 'OK',
      appid: keys.appId,
      mch_id: keys.mchId,
      nonce_str: random.bytes(8).toString('hex'),
      ...fields,
    };
    out['sign'] = wechatSign(out, keys.apiKey, signType);
    return writeWechatXml(out);
  };
  if (request['appid'] !== keys.appId || request['mch_id'] !== keys.mchId) {
    return { kind: 'answer', body: answer(fail('APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配')) };
  }
  const run = new WechatMethods(wallet, request, signType, random);
  return {
    kind: 'call',
    method,
    apply: () => answer(run.apply(path)),
    systemError: (applied) =>
      answer({
        ...fail(
          applied && method === 'pay' ? 'BANKERROR' : 'SYSTEMERROR',
          applied && method === 'pay' ? '银行系统异常' : '系统超时',
        ),
        ...(method === 'cancel' ? { recall: 'Y' } : {}),
      }),
  };
}

const ok = (fields: Fields): Fields => ({ result_code: 'SUCCESS', ...fields });
const fail = (errCode: string, description: string, fields: Fields = {}): Fields => ({
  result_code: 'FAIL',
  err_code: errCode,
  err_code_des: description,
  ...fields,
});

const refusals: Partial<Record<WalletRefusal, [string, string]>> = {
  code_invalid: ['AUTH_CODE_INVALID', '101 付款码无效，请重新扫码'],
  code_used: ['AUTH_CODE_INVALID', '101 每个二维码仅限使用一次，请刷新再试'],
  code_expired: ['AUTHCODEEXPIRE', '二维码已过期，请用户在微信上刷新后再试'],
  insufficient_funds: ['NOTENOUGH', '余额不足'],
  order_closed: ['ORDERCLOSED', '订单已关闭'],
};

/** The seven endpoints, each reading its fields and answering in WeChat's words. */
class WechatMethods {
  constructor(
    private readonly wallet: SimulatedWallet,
    private readonly request: XmlFields,
    private readonly signType: WechatSignType,
    private readonly random: Random,
  ) {}

  apply(path: string): Fields {
    const refundNo = this.request['out_refund_no'];
    // refundquery by the merchant's refund number alone (WeChat: out_refund_no comes before out_trade_no).
    if (path === '/pay/refundquery' && refundNo !== undefined) return this.#refundqueryByNumber(refundNo);
    const orderNo = this.request['out_trade_no'];
    if (orderNo === undefined || !/^[\x21-\x7e]{1,32}$/.test(orderNo))
      return fail('PARAM_ERROR', 'out_trade_no 参数错误');
    switch (path) {
      case '/pay/micropay':
        return this.#micropay(orderNo);
      case '/pay/orderquery':
        return this.#orderquery(orderNo);
      case '/pay/refundquery':
        return this.#refundquery(orderNo);
      case '/secapi/pay/reverse':
        return this.#reverse(orderNo);
      case '/pay/unifiedorder':
        return this.#unifiedorder(orderNo);
      case '/pay/closeorder':
        return this.#closeorder(orderNo);
      default:
        return this.#refund(orderNo);
    }
  }

  #paidFields(order: SimOrder): Fields {
    return {
      openid: this.wallet.buyerOf(order),
      is_subscribe: 'N',
      trade_type: order.origin === 'precreate' ? 'NATIVE' : 'MICROPAY',
      bank_type: 'OTHERS',
      fee_type: 'CNY',
      total_fee: String(order.amount),
      cash_fee: String(order.amount),
      transaction_id: order.tradeNo,
      out_trade_no: order.orderNo,
      time_end: chinaCompactTime(order.paidAtMs ?? order.createdAtMs),
    };
  }

  #micropay(orderNo: string): Fields {
    const amount = parseFen(this.request['total_fee']);
    const code = this.request['auth_code'];
    if (amount === undefined || amount <= 0 || code === undefined || (this.request['body'] ?? '') === '') {
      return fail('PARAM_ERROR', '参数错误: total_fee、auth_code 或 body');
    }
    const outcome = this.wallet.pay({
      wallet: 'wechat',
      orderNo,
      code,
      amount,
      subject: this.request['body'] ?? '',
    });
    switch (outcome.kind) {
      case 'paid':
        return ok(this.#paidFields(outcome.order));
      case 'user_paying':
        return fail('USERPAYING', '需要用户输入支付密码');
      case 'exists':
        return outcome.order.state === 'paid'
          ? fail('ORDERPAID', '订单已支付')
          : fail('OUT_TRADE_NO_USED', '商户订单号重复');
      case 'refused': {
        const [errCode, description] = refusals[outcome.refusal] ?? ['TRADE_ERROR', '交易错误'];
        return fail(errCode, description);
      }
    }
  }

  #orderquery(orderNo: string): Fields {
    const order = this.wallet.query('wechat', orderNo);
    if (
      order === undefined ||
      order.origin === 'tombstone' ||
      (order.state === 'failed' && order.payerId === null)
    ) {
      return fail('ORDERNOTEXIST', '此交易订单号不存在');
    }
    const state = tradeState(order);
    const fields: Fields = { out_trade_no: orderNo, trade_state: state, trade_state_desc: state };
    if (order.paidAtMs !== null) Object.assign(fields, this.#paidFields(order));
    else fields['total_fee'] = String(order.amount);
    return ok(fields);
  }

  #refundquery(orderNo: string): Fields {
    const order = this.wallet.order('wechat', orderNo);
    if (order === undefined || order.refunds.size === 0) return fail('REFUNDNOTEXIST', '退款订单查询失败');
    const fields: Fields = {
      out_trade_no: orderNo,
      transaction_id: order.tradeNo,
      total_fee: String(order.amount),
      refund_fee: String(order.refundedTotal),
      refund_count: String(order.refunds.size),
    };
    [...order.refunds.entries()].forEach(([refundNo, refund], i) => {
      fields[`out_refund_no_${i}`] = refundNo;
      fields[`refund_fee_${i}`] = String(refund.amount);
      fields[`refund_status_${i}`] = refund.settled ? 'SUCCESS' : 'PROCESSING';
    });
    return ok(fields);
  }

  /** refundquery naming one refund: its status (SUCCESS, PROCESSING), or REFUNDNOTEXIST. */
  #refundqueryByNumber(refundNo: string): Fields {
    const found = this.wallet.refundState('wechat', refundNo);
    if (found.state === 'not_found' || found.order === undefined) {
      return fail('REFUNDNOTEXIST', '退款订单查询失败');
    }
    const order = found.order;
    return ok({
      out_trade_no: order.orderNo,
      transaction_id: order.tradeNo,
      total_fee: String(order.amount),
      refund_fee: String(found.amount),
      refund_count: '1',
      out_refund_no_0: refundNo,
      refund_id_0: `50000${order.tradeNo.slice(5)}`,
      refund_fee_0: String(found.amount),
      refund_status_0: found.state === 'refunded' ? 'SUCCESS' : 'PROCESSING',
    });
  }

  #reverse(orderNo: string): Fields {
    const outcome = this.wallet.cancel('wechat', orderNo);
    return outcome.kind === 'retry'
      ? fail('SYSTEMERROR', '系统错误，请重试', { recall: 'Y' })
      : ok({ recall: 'N' });
  }

  #unifiedorder(orderNo: string): Fields {
    const amount = parseFen(this.request['total_fee']);
    const notifyUrl = this.request['notify_url'] ?? '';
    if (amount === undefined || amount <= 0 || notifyUrl === '' || this.request['trade_type'] !== 'NATIVE') {
      return fail('PARAM_ERROR', '参数错误: total_fee、notify_url 或 trade_type');
    }
    const expire = this.request['time_expire'];
    const expiresAtMs =
      expire === undefined ? this.wallet.clock.now() + 2 * 3_600_000 : parseChinaTime(expire);
    if (expiresAtMs === undefined) return fail('PARAM_ERROR', 'time_expire 参数错误');
    const outcome = this.wallet.precreate({
      wallet: 'wechat',
      orderNo,
      amount,
      subject: this.request['body'] ?? '',
      expiresAtMs,
      notifyUrl,
      wire: { signType: this.signType },
    });
    if (outcome.kind === 'created') {
      return ok({
        trade_type: 'NATIVE',
        prepay_id: `wx${this.random.bytes(14).toString('hex')}`,
        code_url: outcome.qrContent,
      });
    }
    if (outcome.why === 'paid') return fail('ORDERPAID', '订单已支付');
    if (outcome.why === 'closed') return fail('ORDERCLOSED', '订单已关闭');
    return fail('INVALID_REQUEST', '201 商户订单号重复');
  }

  #closeorder(orderNo: string): Fields {
    const outcome = this.wallet.close('wechat', orderNo);
    if (outcome === 'already_paid') return fail('ORDERPAID', '订单已支付，不能发起关单');
    if (outcome === 'not_found') return fail('ORDERNOTEXIST', '订单不存在');
    return ok({});
  }

  #refund(orderNo: string): Fields {
    const total = parseFen(this.request['total_fee']);
    const amount = parseFen(this.request['refund_fee']);
    const refundNo = this.request['out_refund_no'] ?? '';
    if (total === undefined || amount === undefined || amount <= 0 || refundNo === '') {
      return fail('PARAM_ERROR', '参数错误: total_fee、refund_fee 或 out_refund_no');
    }
    const order = this.wallet.order('wechat', orderNo);
    if (order !== undefined && order.origin !== 'tombstone' && order.amount !== total) {
      return fail('INVALID_REQUEST', '订单金额或退款金额与之前请求不一致');
    }
    const processing = this.wallet.draws.refundProcessing();
    const outcome = this.wallet.refund('wechat', orderNo, refundNo, amount, processing?.forMs);
    // WeChat's SUCCESS accepts the refund; refundquery says when the money is back.
    if (outcome.kind !== 'refused') {
      return ok({
        transaction_id: outcome.order.tradeNo,
        out_trade_no: orderNo,
        out_refund_no: refundNo,
        refund_id: `50000${outcome.order.tradeNo.slice(5)}`,
        refund_fee: String(amount),
        total_fee: String(total),
        cash_fee: String(total),
      });
    }
    switch (outcome.why) {
      case 'not_found':
        return fail('ORDERNOTEXIST', '订单不存在');
      case 'not_paid':
        return fail('TRADE_STATE_ERROR', '订单状态错误');
      case 'exceeds':
        return fail('INVALID_REQUEST', '退款金额大于支付金额');
      case 'conflict':
        return fail('INVALID_REQUEST', '同一 out_refund_no 退款金额不一致');
    }
  }
}

function tradeState(order: SimOrder): string {
  switch (order.state) {
    case 'paid':
      return order.refunds.size > 0 || order.refundedTotal > 0 ? 'REFUND' : 'SUCCESS';
    case 'user_paying':
      return 'USERPAYING';
    case 'shown':
      return 'NOTPAY';
    case 'failed':
      return 'PAYERROR';
    case 'reversed':
      return 'REVOKED';
    case 'closed':
      return order.origin === 'precreate' ? 'CLOSED' : 'REVOKED';
  }
}

/** The facts a payment notification carries. */
export interface WechatNotificationFacts {
  readonly orderNo: string;
  readonly tradeNo: string;
  readonly openid: string;
  readonly amount: number;
  readonly paidAtMs: number;
  readonly resultCode?: string;
}

/** A signed notification as WeChat posts it (XML, signed with the order's sign type). */
export function wechatNotificationBody(
  keys: WechatGatewayKeys,
  facts: WechatNotificationFacts,
  signType: WechatSignType,
  nonce: string,
): string {
  const fields: Fields = {
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid: keys.appId,
    mch_id: keys.mchId,
    nonce_str: nonce,
    result_code: facts.resultCode ?? 'SUCCESS',
    openid: facts.openid,
    is_subscribe: 'N',
    trade_type: 'NATIVE',
    bank_type: 'OTHERS',
    total_fee: String(facts.amount),
    cash_fee: String(facts.amount),
    fee_type: 'CNY',
    transaction_id: facts.tradeNo,
    out_trade_no: facts.orderNo,
    time_end: chinaCompactTime(facts.paidAtMs),
  };
  if (signType === 'HMAC-SHA256') fields['sign_type'] = signType;
  fields['sign'] = wechatSign(fields, keys.apiKey, signType);
  return writeWechatXml(fields);
}
