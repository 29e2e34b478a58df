import { describe, expect, it } from 'vitest';
import { notFen, parseFen, parseIsoTime } from './cell-parsing.js';

const time = (text: string): number => {
  const bytes = Buffer.from(text);
  return parseIsoTime(bytes, 0, bytes.length);
};
const fen = (text: string): number => {
  const bytes = Buffer.from(text);
  return parseFen(bytes, 0, bytes.length);
};

describe('cell parsing', () => {
  it('reads ISO 8601 times with their offset into the same instant as Date.parse', () => {
    for (const text of [
      '2026-11-25T14:03:07+08:00',
      '2026-11-25T06:03:07Z',
      '2026-11-24T20:33:07-09:30',
      '2024-02-29T23:59:59.123+0800',
      '1999-12-31 16:00:00+00:00',
    ]) {
      expect(time(text)).toBe(Date.parse(text.replace(' ', 'T').replace(/([+-]\d\d)(\d\d)$/, '$1:$2')));
    }
    expect(time('2026-11-25T14:03:07.5+08:00')).toBe(Date.parse('2026-11-25T14:03:07.500+08:00'));
    expect(time('2026-11-25t06:03:07z')).toBe(Date.parse('2026-11-25T06:03:07Z'));
  });

  it('refuses a time without offset, out of range or not in the form', () => {
    for (const text of [
      '2026-11-25T14:03:07',
      '2026-02-29T10:00:00+08:00',
      '2026-11-25T24:00:00+08:00',
      '2026-13-01T10:00:00+08:00',
      '2026/11/25T10:00:00+08:00',
      '2026-11-25T10:00:00+8:00',
      '2026-11-25T10:00:00+08:00x',
      'yesterday',
    ]) {
      expect(time(text), text).toBeNaN();
    }
  });

  it('reads whole fen and refuses decimals, signs, letters and more than 12 digits', () => {
    expect(fen('0')).toBe(0);
    expect(fen('1280')).toBe(1280);
    expect(fen('999999999999')).toBe(999_999_999_999);
    for (const text of ['12.5', '-5', '+5', 'abc', '', ' 12', '1000000000000'])
      expect(fen(text), text).toBe(notFen);
  });
});
