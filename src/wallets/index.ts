// The public entry point of the wallet adapters, for the composition root: one provider per
// wallet behind the wallet port (payments/ports/wallet.ts), each speaking its wallet's own wire
// format, with the settings a deployment gives it and the polling windows its documentation asks
// for (docs/qr.md).
export {
  AlipayProvider,
  alipayTiming,
  createAlipayProvider,
  type AlipayOptions,
} from './alipay/alipay-provider.js';
export {
  WechatProvider,
  createWechatProvider,
  wechatTiming,
  type WechatClientCertificate,
  type WechatOptions,
} from './wechat/wechat-provider.js';
export { wechatSignTypes, type WechatSignType } from './wechat/wechat-sign.js';
