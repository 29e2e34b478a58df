// WeChat Pay v2's signatures: the non-empty fields but `sign`, sorted by name (byte order),
// joined `k=v&k=v`, then `&key=<API key>`; MD5 of that in upper-case hex, or HMAC-SHA256 of it
// keyed by the API key, in upper-case hex. The same text signs requests, answers and
// notifications; comparison is constant-time.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { XmlFields } from './wechat-xml.js';

export const wechatSignTypes = ['MD5', 'HMAC-SHA256'] as const;
export type WechatSignType = (typeof wechatSignTypes)[number];

export function wechatSigningText(fields: XmlFields, apiKey: string): string {
  const pairs = Object.keys(fields)
    .filter((name) => name !== 'sign' && fields[name] !== '')
    .sort()
    .map((name) => `${name}=${fields[name]}`);
  return `${pairs.join('&')}&key=${apiKey}`;
}

export function wechatSign(fields: XmlFields, apiKey: string, type: WechatSignType): string {
  const text = wechatSigningText(fields, apiKey);
  const digest =
    type === 'MD5'
      ? createHash('md5').update(text, 'utf8').digest('hex')
      : createHmac('sha256', apiKey).update(text, 'utf8').digest('hex');
  return digest.toUpperCase();
}

/** True only when `fields.sign` is the signature of the other fields under `apiKey` and `type`. */
export function wechatVerify(fields: XmlFields, apiKey: string, type: WechatSignType): boolean {
  const given = fields['sign'];
  if (given === undefined) return false;
  const expected = Buffer.from(wechatSign(fields, apiKey, type), 'utf8');
  const actual = Buffer.from(given, 'utf8');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
