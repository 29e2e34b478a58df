// Reads Alipay's asynchronous notification (异步通知): a form POST whose signature covers every
// parameter but `sign` and `sign_type`, sorted, verified with Alipay's public key. It is believed
// only when the signature verifies and it names our app; only TRADE_SUCCESS and TRADE_FINISHED
// report a payment. Alipay repeats it until the answer's body is exactly `success`.
import type { KeyObject } from 'node:crypto';
import type { WalletNotification } from '../../payments/ports/wallet.js';
import { invalidNotification, notAPayment, notificationText } from '../wire/notification-errors.js';
import { paidFacts } from './alipay-answers.js';
import { alipaySigningText, rsa2Verify } from './alipay-sign.js';

export function readAlipayNotification(
  raw: { readonly body: Buffer; readonly contentType: string },
  us: { readonly appId: string; readonly alipayKey: KeyObject; readonly nowMs: number },
): WalletNotification {
  if (!/^application\/x-www-form-urlencoded\b/i.test(raw.contentType)) {
    throw invalidNotification(
      'alipay',
      `expected a form (application/x-www-form-urlencoded), got ${JSON.stringify(raw.contentType.slice(0, 60))}`,
    );
  }
  const params: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(notificationText('alipay', raw.body))) {
    if (Object.hasOwn(params, name)) throw invalidNotification('alipay', `the parameter ${name} comes twice`);
    params[name] = value;
  }
  const signature = params['sign'];
  if (signature === undefined || signature === '') throw invalidNotification('alipay', 'it is not signed');
  if (params['sign_type'] !== 'RSA2') throw invalidNotification('alipay', 'sign_type is not RSA2');
  if (!rsa2Verify(alipaySigningText(params, ['sign', 'sign_type']), signature, us.alipayKey)) {
    throw invalidNotification('alipay', "the signature does not verify with Alipay's public key");
  }
  if (params['app_id'] !== us.appId) throw invalidNotification('alipay', 'it names another app_id');
  const orderNo = params['out_trade_no'];
  if (orderNo === undefined || orderNo === '') throw invalidNotification('alipay', 'it has no out_trade_no');
  const status = params['trade_status'] ?? '';
  if (status !== 'TRADE_SUCCESS' && status !== 'TRADE_FINISHED') throw notAPayment('alipay', orderNo, status);
  const paid = paidFacts(params, us.nowMs);
  if (typeof paid === 'string') throw invalidNotification('alipay', paid.replace('the answer', 'it'));
  return { wallet: 'alipay', orderNo, paid };
}
