// Alipay's signing text against the example in Alipay's own documentation (the app-pay request
// whose unsigned string the docs print), RSA2 both ways with keys in every form Alipay's tools
// give, and the cutting of a response node out of the raw JSON as the exact text that was signed.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isPosError } from '../../pos-error.js';
import { topLevelMembers } from './alipay-json-span.js';
import { alipaySigningText, readPrivateKey, readPublicKey, rsa2Sign, rsa2Verify } from './alipay-sign.js';

describe('alipaySigningText', () => {
  it("matches the unsigned string of Alipay's documented app-pay example", () => {
    // Parameters of the example in Alipay's signing guide (values are the docs' own examples).
    const params = {
      app_id: '2015052600090779',
      method: 'alipay.trade.app.pay',
      format: 'json',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: '2016-08-25 20:26:31',
      version: '1.0',
      notify_url: 'http://domain.merchant.com/payment_notify',
      biz_content:
        '{"timeout_express":"30m","product_code":"QUICK_MSECURITY_PAY","total_amount":"0.01","subject":"1","body":"我是测试数据","out_trade_no":"IQJZSRC1YMQB5HU"}',
      sign: 'not part of the text',
      empty: '',
    };
    expect(alipaySigningText(params, ['sign'])).toBe(
      'app_id=2015052600090779&biz_content={"timeout_express":"30m","product_code":"QUICK_MSECURITY_PAY","total_amount":"0.01","subject":"1","body":"我是测试数据","out_trade_no":"IQJZSRC1YMQB5HU"}&charset=utf-8&format=json&method=alipay.trade.app.pay&notify_url=http://domain.merchant.com/payment_notify&sign_type=RSA2&timestamp=2016-08-25 20:26:31&version=1.0',
    );
    expect(alipaySigningText(params, ['sign', 'sign_type'])).not.toContain('sign_type');
  });
});

describe('RSA2', () => {
  const pkcs8 = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const bare = (pem: string): string => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, '');

  it('signs and verifies; any change to the text or signature fails', () => {
    const key = readPrivateKey('k', pkcs8.privateKey);
    const publicKey = readPublicKey('p', pkcs8.publicKey);
    const signature = rsa2Sign('a=1&b=2', key);
    expect(rsa2Verify('a=1&b=2', signature, publicKey)).toBe(true);
    expect(rsa2Verify('a=1&b=3', signature, publicKey)).toBe(false);
    expect(rsa2Verify('a=1&b=2', `${signature.slice(0, -4)}AAA=`, publicKey)).toBe(false);
    expect(rsa2Verify('a=1&b=2', 'not base64!', publicKey)).toBe(false);
    expect(rsa2Verify('a=1&b=2', '', publicKey)).toBe(false);
  });

  it('reads keys as PEM, PKCS#1 PEM, and the bare base64 Alipay prints', () => {
    const { privateKey: pkcs1 } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    });
    for (const text of [pkcs8.privateKey, bare(pkcs8.privateKey), pkcs1, bare(pkcs1)]) {
      expect(readPrivateKey('k', text).asymmetricKeyType).toBe('rsa');
    }
    const signature = rsa2Sign('x', readPrivateKey('k', bare(pkcs8.privateKey)));
    expect(rsa2Verify('x', signature, readPublicKey('p', bare(pkcs8.publicKey)))).toBe(true);
  });

  it('refuses a key that is not RSA, naming the setting and never the key', () => {
    const ec = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    for (const read of [
      () => readPrivateKey('merchantPrivateKey', ec.privateKey),
      () => readPublicKey('alipayPublicKey', 'garbage'),
    ]) {
      let caught: unknown;
      try {
        read();
      } catch (error) {
        caught = error;
      }
      expect(isPosError(caught) && caught.code).toBe('POS_ERR_WALLET_CONFIG_INVALID');
      expect(String((caught as Error).message)).not.toContain('BEGIN');
    }
  });
});

describe('topLevelMembers', () => {
  it('cuts each member as the exact text it was sent as', () => {
    const node = '{ "code" : "10000", "msg":"Success","nested":{"a":[1,{"b":"}\\"]"}]},"x":"中文\\u4e2d" }';
    const raw = `{"alipay_trade_pay_response":${node},\n "sign" : "abc"}`;
    const members = topLevelMembers(raw);
    expect(members?.get('alipay_trade_pay_response')).toBe(node);
    expect(members?.get('sign')).toBe('"abc"');
  });

  it('refuses what is not one JSON object, and a member named twice', () => {
    expect(topLevelMembers('[1,2]')).toBeUndefined();
    expect(topLevelMembers('{"a":1')).toBeUndefined();
    expect(topLevelMembers('{"a":1,"a":2}')).toBeUndefined();
    expect(topLevelMembers('{}')).toEqual(new Map());
    expect(topLevelMembers('{"n":-1.5e3,"t":true,"z":null}')).toEqual(
      new Map([
        ['n', '-1.5e3'],
        ['t', 'true'],
        ['z', 'null'],
      ]),
    );
  });
});
