// How WeChat Pay v2's answers read in the wallet port's words. Each answer has two layers:
// `return_code` (did the call get through: FAIL means nothing is known, and such an answer is not
// even signed) and `result_code` (the business result, with `err_code` when FAIL). WeChat's
// rule for micropay is that SYSTEMERROR, BANKERROR and USERPAYING leave the payment open (query
// it) and any other err_code fails it; the other methods' codes are mapped likewise here.
import type { WalletPaid, WalletRefusal } from '../../payments/ports/wallet.js';
import { parseChinaTime } from '../wire/china-time.js';
import { parseFen } from '../wire/yuan.js';
import type { XmlFields } from './wechat-xml.js';

/** `err_code err_code_des` (or `return_msg`), for reasons and refusal messages. */
export function describe(fields: XmlFields): string {
  const parts = [
    fields['err_code'],
    fields['err_code_des'] ?? fields['trade_state_desc'] ?? fields['return_msg'],
  ];
  return parts.filter((p): p is string => p !== undefined && p !== '').join(' ') || 'no reason given';
}

/** micropay err_codes after which the payment's outcome is not known: query the order. */
export const micropayUnknown = new Set(['SYSTEMERROR', 'BANKERROR']);

/**
 * micropay err_codes that fail the payment, by refusal. WeChat answers a code used before as
 * AUTH_CODE_INVALID with the text "每个二维码仅限使用一次" (each code once only), so the text is
 * read to tell a used code from a wrong one; both refuse the same way.
 */
export function micropayRefusal(fields: XmlFields): WalletRefusal {
  switch (fields['err_code']) {
    case 'AUTHCODEEXPIRE':
      return 'code_expired';
    case 'AUTH_CODE_INVALID':
      return (fields['err_code_des'] ?? '').includes('仅限使用一次') ? 'code_used' : 'code_invalid';
    case 'AUTH_CODE_ERROR':
      return 'code_invalid';
    case 'NOTENOUGH':
      return 'insufficient_funds';
    case 'TRADE_ERROR':
    case 'BUYER_MISMATCH':
      return 'risk_refused';
    case 'ORDERCLOSED':
    case 'ORDERREVERSED':
      return 'order_closed';
    default:
      return 'other';
  }
}

/** refund err_codes after which the refund's outcome is not known: send it again, same number. */
export const refundUnknown = new Set(['SYSTEMERROR', 'BIZERR_NEED_RETRY', 'FREQUENCY_LIMITED']);

/**
 * The paid facts of a micropay, orderquery or notification: `transaction_id`, the payer's
 * `openid`, `total_fee` in fen and `time_end` in China time, or the name of what is missing.
 */
export function paidFacts(fields: XmlFields): WalletPaid | string {
  const tradeNo = fields['transaction_id'];
  const payerId = fields['openid'];
  const amount = parseFen(fields['total_fee']);
  const paidAtMs = parseChinaTime(fields['time_end']);
  if (tradeNo === undefined || tradeNo === '') return 'no transaction_id';
  if (payerId === undefined || payerId === '') return 'no openid';
  if (amount === undefined) return 'no total_fee in fen';
  if (paidAtMs === undefined) return 'no time_end as yyyyMMddHHmmss';
  return { tradeNo, payerId, amount, paidAtMs };
}
