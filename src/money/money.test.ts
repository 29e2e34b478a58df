import { describe, expect, it } from 'vitest';
import { formatMajorUnits, money, parseMajorUnits } from './money.js';

describe('money', () => {
  it('parses yuan with two decimals into whole fen without floating point error', () => {
    expect(parseMajorUnits('12.80', 'CNY')).toBe(1280);
    expect(parseMajorUnits('0.07', 'CNY')).toBe(7);
    expect(parseMajorUnits('1.1', 'CNY')).toBe(110);
    expect(parseMajorUnits('19999999.99', 'CNY')).toBe(1_999_999_999);
    expect(parseMajorUnits('-3.50', 'CNY')).toBe(-350);
  });

  it('refuses extra decimal places unless a rounding mode is named', () => {
    expect(() => parseMajorUnits('1.005', 'CNY')).toThrow(/more decimal places/);
    expect(parseMajorUnits('1.005', 'CNY', 'half-up')).toBe(101);
    expect(parseMajorUnits('1.005', 'CNY', 'half-even')).toBe(100);
    expect(parseMajorUnits('1.015', 'CNY', 'half-even')).toBe(102);
    expect(parseMajorUnits('1.0051', 'CNY', 'half-even')).toBe(101);
    expect(parseMajorUnits('1.009', 'CNY', 'down')).toBe(100);
  });

  it('refuses text that is not a decimal number, naming what came', () => {
    expect(() => parseMajorUnits('12,80', 'CNY')).toThrow(/"12,80"/);
    expect(() => parseMajorUnits('', 'CNY')).toThrow(/expected a decimal number/);
    expect(() => parseMajorUnits('1e3', 'CNY')).toThrow(/expected a decimal number/);
  });

  it('formats minor units back into major units', () => {
    expect(formatMajorUnits(1280, 'CNY')).toBe('12.80');
    expect(formatMajorUnits(5, 'CNY')).toBe('0.05');
    expect(formatMajorUnits(-350, 'CNY')).toBe('-3.50');
    expect(formatMajorUnits(500, 'JPY')).toBe('500');
  });

  it('only makes money from whole non-negative minor units', () => {
    expect(money(100, 'CNY')).toEqual({ amountMinor: 100, currency: 'CNY' });
    expect(() => money(12.5, 'CNY')).toThrow(/whole number/);
    expect(() => money(-1, 'CNY')).toThrow(/whole number/);
    expect(() => money(1e13, 'CNY')).toThrow(/whole number/);
  });
});
