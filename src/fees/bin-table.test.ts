import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cardKindOfBin, parseBinTable } from './bin-table.js';

describe('the BIN table', () => {
  const table = parseBinTable(readFileSync('test/fixtures/fees/bins.csv', 'utf8'));

  it('gives the kind of the longest matching prefix', () => {
    expect(table.rows).toBe(4);
    expect(cardKindOfBin(table, '62258812')).toBe('credit');
    expect(cardKindOfBin(table, '622512')).toBe('debit');
    expect(cardKindOfBin(table, '621700')).toBe('debit');
    expect(cardKindOfBin(table, '411111')).toBe('foreign');
  });

  it('calls a BIN no prefix matches unknown', () => {
    expect(cardKindOfBin(table, '999999')).toBe('unknown');
    expect(cardKindOfBin(table, '621799')).toBe('unknown');
  });

  it('refuses a file without the needed columns', () => {
    expect(() => parseBinTable('prefix,kind\n622588,credit\n')).toThrow(
      expect.objectContaining({ code: 'POS_ERR_FEES_BIN_TABLE_INVALID' }),
    );
  });

  it('reports every bad row with its line, and never echoes what could be a card number', () => {
    const text =
      'bin,card_kind\n622588,credit\n6225x8,debit\n622600,prepaid\n6217001234567890,debit\n622588,debit\n';
    try {
      parseBinTable(text, 'bins.csv');
      expect.unreachable();
    } catch (error) {
      const e = error as { code: string; problems: { field: string }[]; message: string };
      expect(e.code).toBe('POS_ERR_FEES_BIN_TABLE_INVALID');
      expect(e.problems.map((p) => p.field)).toEqual([
        'line 3 bin',
        'line 4 card_kind',
        'line 5 bin',
        'line 6 bin',
      ]);
      expect(e.message).not.toContain('6217001234567890');
      expect(e.message).toContain('not shown');
    }
  });
});
