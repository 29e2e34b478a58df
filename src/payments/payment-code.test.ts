import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { payerFingerprint, readPaymentCode } from './payment-code.js';
import { Secret } from '../cards/secret.js';

const key = new Secret(Buffer.alloc(32, 7), 'fingerprint key');
const read = (code: string) => readPaymentCode({ code, fingerprintKey: key });

describe('payment codes', () => {
  it('knows the wallet from the prefix and length, as each wallet documents its codes', () => {
    expect(read('134567890123456789').wallet).toBe('wechat');
    expect(read('104567890123456789').wallet).toBe('wechat');
    expect(read('154567890123456789').wallet).toBe('wechat');
    expect(read('2512345678901234').wallet).toBe('alipay');
    expect(read('301234567890123456789012').wallet).toBe('alipay');
    expect(read('6212345678901234567').wallet).toBe('unionpay');
  });

  it('keeps only stars and the last four digits, a keyed fingerprint, and the code inside a Secret', () => {
    const code = read('284512345678901234');
    expect(code.masked).toBe('**************1234');
    expect(code.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(code.fingerprint).toBe(read('284512345678901234').fingerprint);
    expect(code.fingerprint).not.toBe(read('284512345678901235').fingerprint);
    expect(
      readPaymentCode({ code: '284512345678901234', fingerprintKey: new Secret(Buffer.alloc(32, 8)) })
        .fingerprint,
    ).not.toBe(code.fingerprint);
    expect(JSON.stringify(code)).not.toContain('284512345678901234');
    expect(inspect(code)).not.toContain('284512345678901234');
    expect(code.code.reveal()).toBe('284512345678901234');
  });

  const refused: Array<[string, string, string]> = [
    ['', 'POS_ERR_QR_CODE_NOT_DIGITS', 'a 0-character string that is not all digits'],
    ['13456789012345678a', 'POS_ERR_QR_CODE_NOT_DIGITS', 'a 18-character string that is not all digits'],
    ['1345 6789 0123 4567', 'POS_ERR_QR_CODE_NOT_DIGITS', 'a 19-character string that is not all digits'],
    ['994567890123456789', 'POS_ERR_QR_CODE_UNKNOWN_WALLET', '18 digits starting 99'],
    ['164567890123456789', 'POS_ERR_QR_CODE_UNKNOWN_WALLET', '18 digits starting 16'],
    ['6', 'POS_ERR_QR_CODE_UNKNOWN_WALLET', '1 digit'],
    ['13456789012345678', 'POS_ERR_QR_CODE_WRONG_LENGTH', '17 digits starting 13'],
    ['1345678901234567890', 'POS_ERR_QR_CODE_WRONG_LENGTH', '19 digits starting 13'],
    ['251234567890123', 'POS_ERR_QR_CODE_WRONG_LENGTH', '15 digits starting 25'],
    ['3012345678901234567890123', 'POS_ERR_QR_CODE_WRONG_LENGTH', '25 digits starting 30'],
    ['621234567890123456', 'POS_ERR_QR_CODE_WRONG_LENGTH', '18 digits starting 62'],
  ];
  for (const [code, errorCode, actual] of refused) {
    it(`refuses ${JSON.stringify(actual)} with ${errorCode}, naming the rule and never the code`, () => {
      let error: unknown;
      try {
        read(code);
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toMatchObject({
        code: errorCode,
        problems: [{ field: 'paymentCode', actual }],
        details: {
          cashierMessage: {
            zh: expect.stringContaining('付款码') as unknown,
            en: expect.any(String) as unknown,
          },
        },
      });
      const text = JSON.stringify({
        message: (error as Error).message,
        problems: (error as { problems: unknown }).problems,
      });
      if (code.length >= 4) expect(text).not.toContain(code);
    });
  }

  it('names the rule of the wallet the prefix belongs to', () => {
    expect(() => read('13456789012345678')).toThrow(/expected 18 digits starting 10 to 15 for WeChat Pay/);
    expect(() => read('251234567890123')).toThrow(/expected 16 to 24 digits starting 25 to 30 for Alipay/);
    expect(() => read('621234567890123456')).toThrow(/expected 19 digits starting 62 for UnionPay QR/);
  });

  it('fingerprints a payer per wallet, so one id in two wallets are two payers', () => {
    const wechat = payerFingerprint('wechat', 'o-abc', key);
    expect(wechat).toMatch(/^[0-9a-f]{64}$/);
    expect(payerFingerprint('wechat', 'o-abc', key)).toBe(wechat);
    expect(payerFingerprint('alipay', 'o-abc', key)).not.toBe(wechat);
    expect(payerFingerprint('wechat', 'o-abd', key)).not.toBe(wechat);
  });
});
