// The wallets' amounts (yuan text, fen text) and times (China time, two layouts), read strictly.
import { describe, expect, it } from 'vitest';
import { chinaCompactTime, chinaTime, parseChinaTime } from './china-time.js';
import { parseFen, parseYuan, yuanText } from './yuan.js';

describe('amounts', () => {
  it('writes fen as yuan with two decimals and reads yuan back', () => {
    expect([yuanText(0), yuanText(5), yuanText(1280), yuanText(100_000_000)]).toEqual([
      '0.00',
      '0.05',
      '12.80',
      '1000000.00',
    ]);
    expect([parseYuan('12.80'), parseYuan('12.8'), parseYuan('12'), parseYuan('0.01')]).toEqual([
      1280, 1280, 1200, 1,
    ]);
  });

  it('refuses any other amount text', () => {
    for (const text of ['-1.00', '1.005', '01.00', '1,00', ' 1.00', '1e3', '', '.5', '99999999999.00']) {
      expect(parseYuan(text)).toBeUndefined();
    }
    expect([parseFen('1280'), parseFen('0')]).toEqual([1280, 0]);
    for (const text of ['012', '-5', '1.0', '', '1000000000000']) expect(parseFen(text)).toBeUndefined();
  });
});

describe('China time', () => {
  const at = Date.UTC(2024, 1, 29, 16, 30, 5); // 2024-03-01 00:30:05 in China
  it('writes both layouts in UTC+8 and reads them back', () => {
    expect(chinaTime(at)).toBe('2024-03-01 00:30:05');
    expect(chinaCompactTime(at)).toBe('20240301003005');
    expect(parseChinaTime('2024-03-01 00:30:05')).toBe(at);
    expect(parseChinaTime('20240301003005')).toBe(at);
  });

  it('refuses times that name no real moment or mix the layouts', () => {
    for (const text of [
      '2023-02-29 10:00:00',
      '20240301250000',
      '2024-03-01T00:30:05',
      '2024-0301 00:30:05',
      '',
    ]) {
      expect(parseChinaTime(text)).toBeUndefined();
    }
  });
});
