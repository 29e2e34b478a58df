// CUP field 58 (PBOC electronic-cash data, ans...100 LLLVAR): a hand-built vector, byte by byte,
// so the codec is checked against the spec's layout rather than against itself. Derivation of
// the frame below (CUP POS spec: 2-byte length, 5-byte TPDU, 6-byte header, BCD MTI, binary
// bitmap; LLLVAR lengths as 2 bytes of BCD; ans values as ASCII):
//   00 2E                      length: 46 bytes follow (5 + 6 + 2 + 8 + 3 + 8 + 2 + 12)
//   60 00 03 00 00             TPDU
//   60 31 00 00 00 00          header
//   02 00                      MTI 0200
//   00 20 00 00 00 80 00 40    bitmap: bit 11 (byte 2, 0x20), bit 41 (byte 6, 0x80), bit 58 (byte 8, 0x40)
//   00 01 23                   field 11, n6 in BCD: 000123
//   54 45 52 4D 30 30 30 31    field 41, ans8: "TERM0001"
//   00 12                      field 58 length, LLL in BCD: 012
//   45 43 41 53 48 30 30 30 30 31 30 30   field 58: "ECASH0000100"
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from './index.js';
import { isPosError } from '../pos-error.js';

const vector = Buffer.from(
  [
    '002E',
    '6000030000',
    '603100000000',
    '0200',
    '0020000000800040',
    '000123',
    '5445524D30303031',
    '0012',
    '454341534830303030313030',
  ].join(''),
  'hex',
);

describe('CUP field 58 (PBOC electronic-cash data)', () => {
  it('decodes the hand-built vector and encodes it back byte for byte', () => {
    const message = decodeFrame(vector);
    expect(message.mti).toBe('0200');
    expect(message.fields).toEqual({ '11': '000123', '41': 'TERM0001', '58': 'ECASH0000100' });
    expect(encodeFrame(message).equals(vector)).toBe(true);
  });

  it('takes 100 characters and refuses 101, naming field 58', () => {
    const message = decodeFrame(vector);
    const full = encodeFrame({
      ...message,
      length: null,
      fields: { ...message.fields, '58': 'E'.repeat(100) },
    });
    expect(decodeFrame(full).fields['58']).toHaveLength(100);
    let refused: unknown;
    try {
      encodeFrame({ ...message, length: null, fields: { ...message.fields, '58': 'E'.repeat(101) } });
    } catch (error) {
      refused = error;
    }
    expect(isPosError(refused) && refused.message).toContain('field 58');
  });
});
