// WeChat Pay's v2 signature against the worked example in WeChat Pay's own signing guide
// (pay.weixin.qq.com/wiki/doc/api, "签名算法": appid wxd930ea5d5a258f4f, a documentation key that
// is no merchant's), for both MD5 and HMAC-SHA256.
import { describe, expect, it } from 'vitest';
import { wechatSign, wechatSigningText, wechatVerify } from './wechat-sign.js';

const documented = {
  appid: 'wxd930ea5d5a258f4f',
  mch_id: '10000100',
  device_info: '1000',
  body: 'test',
  nonce_str: 'ibuaiVcKdpRxkhJA',
};
const docKey = '192006250b4c09247ec02edce69f6a2d';

describe('WeChat Pay signatures', () => {
  it('builds the documented signing text (sorted, empty values and sign left out, key last)', () => {
    expect(wechatSigningText({ ...documented, sign: 'X', detail: '' }, docKey)).toBe(
      'appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key=192006250b4c09247ec02edce69f6a2d',
    );
  });

  it('gives the documented MD5 and HMAC-SHA256 signatures', () => {
    expect(wechatSign(documented, docKey, 'MD5')).toBe('9A0A8659F005D6984697E2CA0A9CF3B7');
    expect(wechatSign(documented, docKey, 'HMAC-SHA256')).toBe(
      '6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6',
    );
  });

  it('verifies only the right signature of the right fields', () => {
    expect(wechatVerify({ ...documented, sign: '9A0A8659F005D6984697E2CA0A9CF3B7' }, docKey, 'MD5')).toBe(
      true,
    );
    expect(wechatVerify({ ...documented, sign: '9a0a8659f005d6984697e2ca0a9cf3b7' }, docKey, 'MD5')).toBe(
      false,
    );
    expect(
      wechatVerify({ ...documented, body: 'tesT', sign: '9A0A8659F005D6984697E2CA0A9CF3B7' }, docKey, 'MD5'),
    ).toBe(false);
    expect(
      wechatVerify({ ...documented, sign: '9A0A8659F005D6984697E2CA0A9CF3B7' }, docKey, 'HMAC-SHA256'),
    ).toBe(false);
    expect(wechatVerify(documented, docKey, 'MD5')).toBe(false);
  });
});
