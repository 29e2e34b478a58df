// How Alipay's answers read in the wallet port's words. Alipay answers every call with a gateway
// `code` (10000 success, 10003 the buyer is confirming, 20000 service unavailable, 40004 business
// failure with a `sub_code`, 40001/40002/40006 a request the gateway refused before any business
// was done) and, for trades, a `trade_status`. What a code means for money is written here once.
import type { WalletPaid, WalletRefusal } from '../../payments/ports/wallet.js';
import { parseChinaTime } from '../wire/china-time.js';
import { parseYuan } from '../wire/yuan.js';

/** A verified response node: the JSON object Alipay signed. */
export type AlipayNode = Readonly<Record<string, unknown>>;

/** A string member of a node (Alipay writes every value as a string), or undefined. */
export function field(node: AlipayNode, name: string): string | undefined {
  const value = node[name];
  return typeof value === 'string' ? value : undefined;
}

/** `code: sub_code sub_msg`, for reasons and refusal messages (the wallet's own words). */
export function describe(node: AlipayNode): string {
  const parts = [field(node, 'code'), field(node, 'sub_code'), field(node, 'sub_msg') ?? field(node, 'msg')];
  return parts.filter((p): p is string => p !== undefined && p !== '').join(' ');
}

/** Gateway codes that mean the request was refused before any business ran: nothing happened. */
export const refusedAtGateway = new Set(['40001', '40002', '40006']);

/**
 * trade.pay sub-codes that refuse the payment for good, by refusal. Any other 40004 is a refusal
 * too (Alipay's 40004 is a business failure: nothing was charged), reported as `other`, except
 * those listed in `payNeedsQuery` and ACQ.SYSTEM_ERROR.
 */
const payRefusals: Readonly<Record<string, WalletRefusal>> = {
  'ACQ.PAYMENT_AUTH_CODE_INVALID': 'code_invalid',
  'ACQ.BUYER_BALANCE_NOT_ENOUGH': 'insufficient_funds',
  'ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH': 'insufficient_funds',
  'ACQ.NO_PAYMENT_INSTRUMENTS_AVAILABLE': 'insufficient_funds',
  'ACQ.PAYMENT_REQUEST_HAS_RISK': 'risk_refused',
  'ACQ.BUYER_ENABLE_STATUS_FORBID': 'risk_refused',
  'ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR': 'risk_refused',
  'ACQ.BUYER_PAYMENT_AMOUNT_MONTH_LIMIT_ERROR': 'risk_refused',
  'ACQ.BEYOND_PAY_RESTRICTION': 'risk_refused',
  'ACQ.BEYOND_PER_RECEIPT_RESTRICTION': 'risk_refused',
  'ACQ.ERROR_BALANCE_PAYMENT_DISABLE': 'payer_refused',
  'ACQ.PULL_MOBILE_CASHIER_FAIL': 'payer_refused',
  'ACQ.MOBILE_PAYMENT_SWITCH_OFF': 'payer_refused',
  'ACQ.TRADE_HAS_CLOSE': 'order_closed',
};

export function payRefusal(subCode: string | undefined): WalletRefusal {
  return (subCode === undefined ? undefined : payRefusals[subCode]) ?? 'other';
}

/**
 * trade.pay sub-codes that say this order number already exists at Alipay in another state: the
 * first attempt may have been paid (its answer lost), so the only safe reading is the order's
 * own state, asked for with trade.query. Refusing here would decline a sale the customer paid.
 */
export const payNeedsQuery = new Set(['ACQ.TRADE_HAS_SUCCESS', 'ACQ.CONTEXT_INCONSISTENT']);

/** Sub-codes after which nothing is known (Alipay's own system failed). */
export const systemErrors = new Set(['ACQ.SYSTEM_ERROR', 'ACQ.SYSTEM_ERR']);

/**
 * The paid facts of a trade.pay or trade.query answer, or the name of what is missing. The payer
 * is `buyer_user_id` (2088...), the amount `total_amount` in yuan, the time `gmt_payment` (pay)
 * or `send_pay_date` (query), in China time.
 */
export function paidFacts(node: AlipayNode, nowMs: number): WalletPaid | string {
  const tradeNo = field(node, 'trade_no');
  const payerId = field(node, 'buyer_user_id') ?? field(node, 'buyer_id');
  const amount = parseYuan(field(node, 'total_amount'));
  const time = field(node, 'gmt_payment') ?? field(node, 'send_pay_date');
  const paidAtMs = time === undefined ? nowMs : parseChinaTime(time);
  if (tradeNo === undefined || tradeNo === '') return 'the answer has no trade_no';
  if (payerId === undefined || payerId === '') return 'the answer has no buyer_user_id';
  if (amount === undefined) return 'the answer has no total_amount in yuan';
  if (paidAtMs === undefined) return 'the answer has a payment time that is not yyyy-MM-dd HH:mm:ss';
  return { tradeNo, payerId, amount, paidAtMs };
}
