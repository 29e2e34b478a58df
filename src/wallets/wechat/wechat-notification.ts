// Reads WeChat Pay's payment notification (支付结果通知): the same flat XML as its answers, signed
// the same way with the API key. It is believed only when its signature verifies and it names our
// appid and mch_id; WeChat sends it only for paid orders, and repeats it until it is answered with
// return_code SUCCESS.
import type { WalletNotification } from '../../payments/ports/wallet.js';
import { invalidNotification, notAPayment, notificationText } from '../wire/notification-errors.js';
import { paidFacts } from './wechat-answers.js';
import { wechatVerify, type WechatSignType } from './wechat-sign.js';
import { readWechatXml, WechatXmlError, type XmlFields } from './wechat-xml.js';

export function readWechatNotification(
  raw: { readonly body: Buffer; readonly contentType: string },
  us: {
    readonly appId: string;
    readonly mchId: string;
    readonly apiKey: string;
    readonly signType: WechatSignType;
  },
): WalletNotification {
  if (!/^(text|application)\/xml\b/i.test(raw.contentType)) {
    throw invalidNotification(
      'wechat',
      `expected XML (text/xml), got ${JSON.stringify(raw.contentType.slice(0, 60))}`,
    );
  }
  let fields: XmlFields;
  try {
    fields = readWechatXml(notificationText('wechat', raw.body));
  } catch (error) {
    if (error instanceof WechatXmlError)
      throw invalidNotification('wechat', `not WeChat Pay's XML: ${error.message}`);
    throw error;
  }
  if (fields['return_code'] !== 'SUCCESS') throw invalidNotification('wechat', 'return_code is not SUCCESS');
  if (fields['sign_type'] !== undefined && fields['sign_type'] !== us.signType) {
    throw invalidNotification('wechat', `it is signed ${fields['sign_type']}, not ${us.signType}`);
  }
  if (!wechatVerify(fields, us.apiKey, us.signType)) {
    throw invalidNotification('wechat', 'the signature does not verify with the API key');
  }
  if (fields['appid'] !== us.appId || fields['mch_id'] !== us.mchId) {
    throw invalidNotification('wechat', 'it names another appid or mch_id');
  }
  const orderNo = fields['out_trade_no'];
  if (orderNo === undefined || orderNo === '') throw invalidNotification('wechat', 'it has no out_trade_no');
  if (fields['result_code'] !== 'SUCCESS')
    throw notAPayment('wechat', orderNo, `result_code ${fields['result_code'] ?? 'missing'}`);
  const paid = paidFacts(fields);
  if (typeof paid === 'string') throw invalidNotification('wechat', `it has ${paid}`);
  return { wallet: 'wechat', orderNo, paid };
}
