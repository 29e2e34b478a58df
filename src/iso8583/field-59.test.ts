// posguard's scan-code TLV in field 59: its layout byte by byte, the round trips of a scan-code
// sale and its answer, and refusals that say where the field breaks without quoting any of it.
import { describe, expect, it } from 'vitest';
import { isPosError } from '../pos-error.js';
import {
  buildField59,
  buildScanAnswer,
  buildScanRequest,
  parseField59,
  parseScanAnswer,
  parseScanRequest,
} from './field-59.js';

const code = '134567890123456789';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isPosError(error)) return `${error.code} ${error.message}`;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('field 59 scan-code TLV', () => {
  it('writes tag, 3-digit length and value, and reads them back in order', () => {
    expect(buildScanRequest(code)).toBe(`ST00201PC018${code}`);
    expect(parseScanRequest(`ST00201PC018${code}`)).toEqual({ scanType: '01', paymentCode: code });
    expect([...parseField59('WL006wechatMC004*789')]).toEqual([
      ['WL', 'wechat'],
      ['MC', '*789'],
    ]);
    expect(parseField59('')).toEqual(new Map());
  });

  it('carries the answer: wallet, masked code, and the trade number once there is one', () => {
    const paid = buildScanAnswer({ wallet: 'alipay', codeMasked: '****6789', tradeNo: '2026112522001' });
    expect(paid).toBe('WL006alipayMC008****6789TN0132026112522001');
    expect(parseScanAnswer(paid)).toEqual({
      wallet: 'alipay',
      codeMasked: '****6789',
      tradeNo: '2026112522001',
    });
    expect(parseScanAnswer(buildScanAnswer({ wallet: 'wechat', codeMasked: '*1', tradeNo: null }))).toEqual({
      wallet: 'wechat',
      codeMasked: '*1',
      tradeNo: null,
    });
    expect(parseScanAnswer(undefined)).toBeUndefined();
    expect(parseScanAnswer('garbage')).toBeUndefined();
    expect(parseScanAnswer('WL006wechat')).toBeUndefined();
  });

  it('refuses a malformed field naming where it breaks, and never quotes a digit of the code', () => {
    const cases: Array<[string, string]> = [
      [code, 'an element at character 0 running past the end'],
      ['A', 'an element at character 0 without that form'],
      [`ST00201PC019${code}`, 'an element at character 7 running past the end'],
      [`ST00201ST00201PC018${code}`, 'a tag repeated at character 7'],
      [`ST00202PC018${code}`, 'field 59 ST: expected 01'],
      [`PC018${code}`, 'field 59 ST: expected 01'],
      ['ST00201', 'field 59 PC: expected the payment code, got nothing'],
      [`ST00201PC018${code}ZZ0011`, 'only the tags ST and PC'],
      [`st00201PC018${code}`, 'without that form'],
    ];
    for (const [text, expected] of cases) {
      const message = refusal(() => parseScanRequest(text));
      expect(message, text).toContain('POS_ERR_ISO_BAD_SUBFIELD');
      expect(message, text).toContain(expected);
      expect(message, text).not.toMatch(/\d{5}/);
    }
  });

  it('refuses to build a bad tag, a value of control characters, or a field over 999 characters', () => {
    expect(refusal(() => buildField59([['st', '01']]))).toContain('2 capital letters or digits');
    expect(refusal(() => buildField59([['PC', 'a\nb']]))).toContain('printable ASCII');
    expect(refusal(() => buildField59([['PC', 'x'.repeat(995)]]))).toContain('at most 999 characters');
  });
});
