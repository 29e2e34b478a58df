// Field 59 of a code the terminal shows: the request (ST 02, an optional wallet) and the host's
// answer about the order byte by byte, their round trips, and bad input refused naming where the
// field breaks without quoting it.
import { describe, expect, it } from 'vitest';
import { isPosError } from '../pos-error.js';
import { buildField59 } from './field-59.js';
import {
  buildShownCodeAnswer,
  buildShownCodeRequest,
  parseShownCodeAnswer,
  parseShownCodeRequest,
  scanTypeOf,
} from './field-59-shown.js';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isPosError(error)) return `${error.code} ${error.message}`;
    throw error;
  }
  throw new Error('expected a refusal');
}

const content = 'https://qr.alipay.com/bax03017abcdefg';
// 2026-03-01 12:02:00 in China is 04:02:00 UTC.
const expiresAt = Date.UTC(2026, 2, 1, 4, 2, 0);

describe('field 59 of a code the terminal shows', () => {
  it('asks for a code with ST 02 and, optionally, the wallet, and reads it back', () => {
    expect(buildShownCodeRequest('wechat')).toBe('ST00202WL006wechat');
    expect(buildShownCodeRequest(null)).toBe('ST00202');
    expect(parseShownCodeRequest('ST00202WL006wechat')).toEqual({ wallet: 'wechat' });
    expect(parseShownCodeRequest('WL006alipayST00202')).toEqual({ wallet: 'alipay' });
    expect(parseShownCodeRequest('ST00202')).toEqual({ wallet: null });
  });

  it('tells the scan type of any well-formed field 59, and nothing of a broken one', () => {
    expect(scanTypeOf('ST00202')).toBe('02');
    expect(scanTypeOf('ST00201PC0041234')).toBe('01');
    expect(scanTypeOf('WL006wechat')).toBeUndefined();
    expect(scanTypeOf('ST0020')).toBeUndefined();
    expect(scanTypeOf('')).toBeUndefined();
  });

  it('refuses a payment code, an unknown tag, another scan type and a malformed wallet, quoting none', () => {
    const code = '134567890123456789';
    const cases: Array<[string, string]> = [
      [
        buildField59([
          ['ST', '02'],
          ['PC', code],
        ]),
        'only the tags ST and WL',
      ],
      [
        buildField59([
          ['ST', '02'],
          ['XX', 'secret-ish'],
        ]),
        'got 1 other tag(s)',
      ],
      [buildField59([['ST', '01']]), 'field 59 ST: expected 02 (the terminal shows a code), got 2 other'],
      [buildField59([['WL', 'wechat']]), 'field 59 ST: expected 02 (the terminal shows a code), got nothing'],
      [
        buildField59([
          ['ST', '02'],
          ['WL', 'WeChat Pay'],
        ]),
        "field 59 WL: expected a wallet's name",
      ],
      [
        buildField59([
          ['ST', '02'],
          ['WL', ''],
        ]),
        "field 59 WL: expected a wallet's name",
      ],
      ['ST00202WL020wechat', 'running past the end'],
      ['ST00202ST00202', 'each tag once'],
    ];
    for (const [text, expected] of cases) {
      const said = refusal(() => parseShownCodeRequest(text));
      expect(said, text).toContain('POS_ERR_ISO_BAD_SUBFIELD');
      expect(said, text).toContain(expected);
      expect(said).not.toContain(code);
      expect(said).not.toContain('secret-ish');
      expect(said).not.toContain('WeChat Pay');
    }
  });

  it("answers the order: wallet, order number, state, the code while open, its expiry in China's time", () => {
    const open = buildShownCodeAnswer({
      wallet: 'alipay',
      orderNo: 'PG0123456789abcdef0123456789abcd',
      state: 'pending',
      qrContent: content,
      expiresAt,
      tradeNo: null,
    });
    expect(open).toBe(
      `WL006alipayON032PG0123456789abcdef0123456789abcdOS007pendingQR037${content}EX01420260301120200`,
    );
    expect(parseShownCodeAnswer(open)).toEqual({
      wallet: 'alipay',
      orderNo: 'PG0123456789abcdef0123456789abcd',
      state: 'pending',
      qrContent: content,
      expiresAt,
      tradeNo: null,
    });
    const paid = {
      wallet: 'wechat',
      orderNo: 'PG1',
      state: 'paid',
      qrContent: null,
      expiresAt: null,
      tradeNo: '4200001',
    } as const;
    expect(buildShownCodeAnswer(paid)).toBe('WL006wechatON003PG1OS004paidTN0074200001');
    expect(parseShownCodeAnswer(buildShownCodeAnswer(paid))).toEqual(paid);
  });

  it('reads no answer from a field that is absent, broken, or lacks the order, its state or a good expiry', () => {
    expect(parseShownCodeAnswer(undefined)).toBeUndefined();
    expect(parseShownCodeAnswer('WL006')).toBeUndefined();
    expect(
      parseShownCodeAnswer(
        buildField59([
          ['WL', 'alipay'],
          ['OS', 'paid'],
        ]),
      ),
    ).toBeUndefined();
    expect(
      parseShownCodeAnswer(
        buildField59([
          ['WL', 'alipay'],
          ['ON', 'PG1'],
          ['OS', 'gone'],
        ]),
      ),
    ).toBeUndefined();
    expect(
      parseShownCodeAnswer(
        buildField59([
          ['WL', 'alipay'],
          ['ON', 'PG1'],
          ['OS', 'pending'],
          ['EX', '2026-03-01'],
        ]),
      ),
    ).toBeUndefined();
    // A scan-code sale's answer is not an order's.
    expect(parseShownCodeAnswer('WL006wechatMC004*789')).toBeUndefined();
  });

  it('refuses an answer that would not fit the field or holds what is not printable ASCII', () => {
    const base = {
      wallet: 'alipay',
      orderNo: 'PG1',
      state: 'pending',
      expiresAt: null,
      tradeNo: null,
    } as const;
    expect(refusal(() => buildShownCodeAnswer({ ...base, qrContent: 'x'.repeat(990) }))).toContain(
      'field 59: expected at most 999 characters',
    );
    expect(refusal(() => buildShownCodeAnswer({ ...base, qrContent: 'weixin://支付' }))).toContain(
      'field 59 QR: expected at most 999 printable ASCII characters',
    );
  });
});
