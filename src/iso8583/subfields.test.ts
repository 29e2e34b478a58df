import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildBatchUploadCount,
  buildSettlementTotals,
  parseBatchUploadCount,
  parseSettlementTotals,
  type SettlementBlock,
} from './field-48.js';
import { buildField60, parseField60, type Field60 } from './field-60.js';
import { buildField61, parseField61 } from './field-61.js';
import { checkProperty } from './test-support/property.js';

const file = 'src/iso8583/subfields.test.ts';

describe('field 60', () => {
  it('reads the sale vector field 60 into named values', () => {
    expect(parseField60('22000015000501')).toEqual({
      messageTypeCode: '22',
      batchNumber: 15,
      networkManagementCode: '000',
      readerCapability: '5',
      icConditionCode: '0',
      partialDebitFlag: '1',
    });
  });

  it('reads a sign-in field 60 with no trailing sub-fields', () => {
    expect(parseField60('00000001003')).toEqual({
      messageTypeCode: '00',
      batchNumber: 1,
      networkManagementCode: '003',
    });
  });

  it('builds what it parses, for every length it accepts', () => {
    for (const text of [
      '00000001003',
      '220000150005',
      '2200000000060',
      '22000015000501',
      '22000015000501123',
    ]) {
      expect(buildField60(parseField60(text))).toBe(text);
    }
  });

  it('refuses lengths that cut a sub-field and text that is not digits', () => {
    expect(() => parseField60('2200001500')).toThrow('field 60: expected 11, 12, 13, 14 or 17 digits');
    expect(() => parseField60('220000150005012')).toThrow('got 15 digits');
    expect(() => parseField60('22000015000A')).toThrow(
      expect.objectContaining({ code: 'POS_ERR_ISO_BAD_SUBFIELD' }),
    );
  });

  it('refuses a trailing sub-field without the ones before it, and bad values, all at once', () => {
    let message = '';
    try {
      buildField60({
        messageTypeCode: '2',
        batchNumber: 1_000_000,
        networkManagementCode: '000',
        accountType: '001',
      });
    } catch (error) {
      message = error instanceof Error ? error.message : '';
    }
    expect(message).toBe(
      'invalid field 60: 60.1 messageTypeCode: expected 2 digits, got "2"; ' +
        '60.2 batchNumber: expected a whole number from 0 to 999999, got 1000000; ' +
        '60.7 accountType: expected absent, since 60.4 readerCapability is absent, got a value',
    );
  });

  it('round-trips any valid field 60', () => {
    const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
    const field60: fc.Arbitrary<Field60> = fc
      .tuple(
        digits(2),
        fc.integer({ min: 0, max: 999_999 }),
        digits(3),
        fc.integer({ min: 0, max: 4 }),
        digits(1),
        digits(1),
        digits(1),
        digits(3),
      )
      .map(([type, batch, code, trailing, reader, ic, partial, account]) => ({
        messageTypeCode: type,
        batchNumber: batch,
        networkManagementCode: code,
        ...(trailing >= 1 ? { readerCapability: reader } : {}),
        ...(trailing >= 2 ? { icConditionCode: ic } : {}),
        ...(trailing >= 3 ? { partialDebitFlag: partial } : {}),
        ...(trailing >= 4 ? { accountType: account } : {}),
      }));
    checkProperty(
      fc.property(field60, (value) => {
        expect(parseField60(buildField60(value))).toEqual(value);
      }),
      { numRuns: 200, file },
    );
  });
});

describe('field 61', () => {
  it('reads original batch and STAN of a void, and the date of a refund', () => {
    expect(parseField61('000015001082')).toEqual({ originalBatchNumber: 15, originalStan: 1082 });
    expect(parseField61('0000150010821201')).toEqual({
      originalBatchNumber: 15,
      originalStan: 1082,
      originalDate: '1201',
    });
  });

  it('reads the authorisation method and institution of a completion', () => {
    expect(parseField61('00001500108212010100000000001')).toEqual({
      originalBatchNumber: 15,
      originalStan: 1082,
      originalDate: '1201',
      authorisationMethod: '01',
      authorisationInstitution: '00000000001',
    });
  });

  it('builds what it parses', () => {
    for (const text of [
      '000015001082',
      '0000150010821201',
      '000015001082120101',
      '00001500108212010100000000001',
    ]) {
      expect(buildField61(parseField61(text))).toBe(text);
    }
  });

  it('refuses a date that is not MMDD, lengths that cut a sub-field, and gaps', () => {
    expect(() => parseField61('0000150010821301')).toThrow('61.3 originalDate: expected a date MMDD');
    expect(() => parseField61('00001500108212')).toThrow('expected 12, 16, 18 or 29 digits');
    expect(() => buildField61({ originalBatchNumber: 1, originalStan: -1 })).toThrow('61.2 originalStan');
    expect(() =>
      buildField61({ originalBatchNumber: 1, originalStan: 1, authorisationMethod: '01' }),
    ).toThrow('61.4 authorisationMethod: expected absent, since 61.3 originalDate is absent');
  });
});

describe('field 48', () => {
  const cny: SettlementBlock = {
    debitTotalMinor: 1_280_000,
    debitCount: 12,
    creditTotalMinor: 5_000,
    creditCount: 1,
    check: 'not-checked',
  };
  const foreign: SettlementBlock = {
    debitTotalMinor: 0,
    debitCount: 0,
    creditTotalMinor: 0,
    creditCount: 0,
    check: 'not-checked',
  };

  it('builds the 62 digits of a settlement request', () => {
    expect(buildSettlementTotals({ cny, foreign })).toBe(
      '000001280000' + '012' + '000000005000' + '001' + '0' + '0'.repeat(31),
    );
  });

  it('reads the balanced or unbalanced answer of a 0510', () => {
    const answer = '000001280000012000000005000001' + '2' + '0'.repeat(30) + '1';
    expect(parseSettlementTotals(answer)).toEqual({
      cny: { ...cny, check: 'unbalanced' },
      foreign: { ...foreign, check: 'balanced' },
    });
  });

  it('refuses the wrong length, an unknown check digit and amounts over 12 digits', () => {
    expect(() => parseSettlementTotals('0'.repeat(31))).toThrow(
      'expected 62 digits (CNY then foreign totals), got 31 digits',
    );
    expect(() => parseSettlementTotals('0'.repeat(30) + '7' + '0'.repeat(31))).toThrow(
      'cny.check: expected 0, 1, 2 or 3, got "7"',
    );
    expect(() => buildSettlementTotals({ cny: { ...cny, debitTotalMinor: 1e12 }, foreign })).toThrow(
      'cny.debitTotalMinor: expected a whole number from 0 to 999999999999',
    );
  });

  it('round-trips the batch-upload count', () => {
    expect(buildBatchUploadCount(37)).toBe('0037');
    expect(parseBatchUploadCount('0037')).toBe(37);
    expect(() => parseBatchUploadCount('037')).toThrow(
      'field 48: expected 4 digits (the number of records uploaded), got 3 digits',
    );
    expect(() => buildBatchUploadCount(10_000)).toThrow('count: expected a whole number from 0 to 9999');
  });
});
