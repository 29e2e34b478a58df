import { describe, expect, it } from 'vitest';
import type { IsoMessage } from '../iso8583/index.js';
import { unusedFieldProblems } from './request-field-rules.js';

function message(fields: Record<string, string>): IsoMessage {
  return { length: null, tpdu: null, header: null, mti: '0200', fields };
}

const envelope = {
  '11': '000001',
  '41': 'T0000001',
  '42': 'M00000000000001',
  '60': '22000001000',
  '64': 'AB',
};

describe('fields a request does not use', () => {
  it('takes a chip sale with fields 55 and 58, and refuses them on a stripe or keyed sale', () => {
    const chip = { ...envelope, '2': '6212345678901232', '22': '052', '55': '9F26', '58': 'E' };
    expect(unusedFieldProblems('sale', message(chip))).toEqual([]);
    for (const mode of ['022', '012', '802']) {
      const problems = unusedFieldProblems('sale', message({ ...chip, '22': mode }));
      expect(problems.map((p) => p.field)).toEqual(['field 55', 'field 58']);
    }
  });

  it('refuses a MAC on a sign-in, field 62 on a sale and field 48 on an echo, naming each', () => {
    expect(unusedFieldProblems('sign-in', message(envelope)).map((p) => p.field)).toEqual(['field 64']);
    expect(unusedFieldProblems('sale', message({ ...envelope, '62': 'AA' }))[0]).toMatchObject({
      field: 'field 62',
      expected: 'absent: a sale request does not use it',
    });
    expect(unusedFieldProblems('echo', message({ ...envelope, '48': '1' })).map((p) => p.field)).toEqual([
      'field 48',
    ]);
  });

  it('leaves types the host does not serve to their own answer', () => {
    expect(unusedFieldProblems('pre-auth', message({ ...envelope, '62': 'AA' }))).toEqual([]);
  });
});
