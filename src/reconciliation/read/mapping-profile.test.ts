import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PosError } from '../../pos-error.js';
import { compileTimeFormat, parseMappingProfile, profileFormat } from './mapping-profile.js';
import { parseTime } from './profile-reader.js';

const example = JSON.parse(readFileSync('profiles/example-acquirer-gbk.json', 'utf8')) as Record<
  string,
  unknown
>;

function problemsOf(value: unknown): string[] {
  try {
    parseMappingProfile(value, 'p.json');
  } catch (error) {
    if (error instanceof PosError)
      return error.problems.map((p) => `${p.field}: ${p.expected} / ${p.actual}`);
    throw error;
  }
  return [];
}

describe('mapping profiles', () => {
  it('accept the shipped example and read its parts', () => {
    const profile = parseMappingProfile(example, 'example.json');
    expect(profile.encoding).toBe('gbk');
    expect(profile.text.rrn).toEqual({ column: '参考号' });
    expect(profile.text.currency).toEqual({ value: 'CNY' });
    expect(profile.text.card_masked).toBeNull();
    expect(profile.txnTime).toEqual({
      columns: ['交易日期', '交易时间'],
      format: 'yyyyMMdd HHmmss',
      utcOffsetMinutes: 480,
    });
    expect(profile.amount).toEqual({ column: '交易金额(元)', unit: 'yuan', rounding: 'reject' });
    expect(profile.txnType.map['退货']).toBe('refund');
  });

  it('name every bad key at once', () => {
    const columns = example['columns'] as Record<string, unknown>;
    const problems = problemsOf({
      ...example,
      profile: 'v0',
      encoding: 'klingon',
      delimiter: ',,',
      extra: 1,
      columns: {
        ...columns,
        stan: { col: 'x' },
        fee: { column: 'f', unit: 'fen', rounding: 'sideways' },
        txn_time: { columns: ['d'], format: 'yyyyMMdd', utc_offset: '8' },
        txn_type: { column: 't', map: { 消费: 'purchase' } },
      },
    });
    expect(problems).toEqual([
      'extra: no such key (known: profile, name, encoding, delimiter, columns) / 1',
      `profile: "${profileFormat}" / "v0"`,
      'encoding: an encoding iconv-lite knows, such as utf-8 or gbk / "klingon"',
      'delimiter: one ASCII character other than a quote or a line break / ",,"',
      'columns.stan: { "column": "<header name>" } or { "value": "<fixed text>" } / an object',
      'columns.fee.rounding: "reject" or "half-up" or "half-even" or "down" / "sideways"',
      'columns.txn_time.format: a format with yyyy, MM, dd, HH, mm, ss (missing HH) / "yyyyMMdd"',
      'columns.txn_time.utc_offset: an offset like "+08:00" / "8"',
      'columns.txn_type.map.消费: "sale", "refund" or "skip" / "purchase"',
    ]);
  });

  it('read times in the formats acquirers use, at the stated offset', () => {
    const twoColumns = compileTimeFormat('yyyyMMdd HHmmss');
    expect(parseTime('20261125 140307', twoColumns, 480)).toBe(Date.parse('2026-11-25T14:03:07+08:00'));
    const dashed = compileTimeFormat('yyyy-MM-dd HH:mm:ss');
    expect(parseTime('2026-11-25 14:03:07', dashed, 480)).toBe(Date.parse('2026-11-25T14:03:07+08:00'));
    expect(parseTime('2026-11-25 14:03:07', dashed, -300)).toBe(Date.parse('2026-11-25T14:03:07-05:00'));
    expect(parseTime('2026-11-25T14:03:07', dashed, 480)).toBeNaN();
    expect(parseTime('2026-02-30 14:03:07', dashed, 480)).toBeNaN();
    expect(parseTime('2026-11-25 14:03', dashed, 480)).toBeNaN();
  });
});
