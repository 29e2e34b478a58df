import { describe, expect, it } from 'vitest';
import { PosError } from '../pos-error.js';
import { decodeFrame, encodeFrame, type IsoMessage } from './codec.js';
import { cupPos, iso8583Ascii, loadDialectFile } from './dialect-registry.js';
import { acquirerDialectPath, loadVectors } from './test-support/vectors.js';

const vectors = loadVectors();

function caught(run: () => unknown): PosError {
  try {
    run();
  } catch (error) {
    if (error instanceof PosError) return error;
    throw error;
  }
  throw new Error('expected a PosError, nothing was thrown');
}

const sale: IsoMessage = {
  length: null,
  tpdu: '6000030000',
  header: '603100311003',
  mti: '0200',
  fields: {
    '2': '6225880123456789',
    '3': '000000',
    '4': '000000012800',
    '11': '000123',
    '22': '051',
    '23': '001',
    '25': '00',
    '35': '6225880123456789=28121010000000000',
    '41': '10000159',
    '42': '880210010210160',
    '49': '156',
    '60': '22000015000501',
    '64': '0000000000000000',
  },
};

describe('CUP POS vectors', () => {
  it('has all seven published vectors to test against', () => {
    expect(vectors.map((v) => v.file).sort()).toHaveLength(7);
  });

  for (const vector of vectors) {
    if (vector.decode !== undefined) {
      it(`decodes ${vector.file} to its expected canonical JSON`, () => {
        expect(decodeFrame(vector.bytes, { dialect: vector.dialect, framing: vector.framing })).toEqual(
          vector.decode,
        );
      });
    }
    if (vector.decode !== undefined && vector.reencodeIdentical) {
      it(`encodes the decode of ${vector.file} back to the same bytes`, () => {
        const options = { dialect: vector.dialect, framing: vector.framing };
        expect(encodeFrame(decodeFrame(vector.bytes, options), options).equals(vector.bytes)).toBe(true);
      });
    }
    if (vector.expectError !== undefined) {
      it(`refuses ${vector.file} with "${vector.expectError}"`, () => {
        const error = caught(() =>
          decodeFrame(vector.bytes, { dialect: vector.dialect, framing: vector.framing }),
        );
        expect(error.message).toContain(vector.expectError);
        expect(typeof error.details['field']).toBe('string');
        expect(typeof error.details['offset']).toBe('number');
      });
    }
    if (vector.decodeWithoutPrefix !== undefined) {
      it(`decodes ${vector.file} without its bogus length prefix`, () => {
        const body = vector.bytes.subarray(2);
        expect(decodeFrame(body, { dialect: vector.dialect, framing: 'no-length' })).toEqual(
          vector.decodeWithoutPrefix,
        );
      });
    }
  }

  it('names the missing MAC of the reversal vector with its field and offset', () => {
    const reversal = vectors.find((v) => v.file.startsWith('reversal'));
    const error = caught(() => decodeFrame(reversal?.bytes ?? Buffer.alloc(0), { framing: 'body' }));
    expect(error.code).toBe('POS_ERR_ISO_TRUNCATED');
    expect(error.message).toBe('field 64: truncated at byte 97: needs 8 bytes, 0 left');
    expect(error.details).toMatchObject({ field: '64', offset: 97 });
  });
});

describe('CUP POS field encodings', () => {
  it('round-trips a chip sale with every kind of field', () => {
    const frame = encodeFrame(sale);
    expect(decodeFrame(frame)).toEqual({ ...sale, length: frame.length - 2 });
  });

  it('sends field 22 left-aligned and other odd fixed fields right-aligned', () => {
    const body = encodeFrame({ ...sale, fields: { '22': '051', '23': '001' } }, { framing: 'body' });
    // MTI 02 00, bitmap with bits 22 and 23, then 05 10 and 00 01.
    expect(body.subarray(10).toString('hex')).toBe('05100001');
  });

  it('pads an odd variable field with a trailing 0 nibble and a BCD length prefix of digits', () => {
    const body = encodeFrame({ ...sale, fields: { '2': '6225880123456789012' } }, { framing: 'body' });
    expect(body.subarray(10).toString('hex')).toBe('1962258801234567890120');
  });

  it('accepts F as the pad nibble of field 2 and drops it', () => {
    const body = Buffer.from('02004000000000000000' + '19' + '622588012345678901' + '2F', 'hex');
    expect(decodeFrame(body, { framing: 'body' }).fields['2']).toBe('6225880123456789012');
  });

  it('refuses F as the pad nibble of a field that does not allow it', () => {
    const body = Buffer.from('02000000000000000010' + '0011' + '22000015000F', 'hex');
    const error = caught(() => decodeFrame(body, { framing: 'body' }));
    expect(error.code).toBe('POS_ERR_ISO_BAD_BCD');
    expect(error.message).toBe(
      'field 60: bad BCD at byte 17: expected a digit then a 0 pad nibble, got 0x0F',
    );
  });

  it('writes an LLL prefix as two BCD bytes', () => {
    const body = encodeFrame({ ...sale, fields: { '63': 'CUP' } }, { framing: 'body' });
    expect(body.subarray(10).toString('hex')).toBe('0003435550');
  });

  it('carries the track separator as nibble D', () => {
    const body = encodeFrame({ ...sale, fields: { '35': '6225=2812' } }, { framing: 'body' });
    expect(body.subarray(10).toString('hex')).toBe('096225d28120');
  });
});

describe('decoding malformed frames', () => {
  const good = encodeFrame(sale);

  it('refuses a frame shorter than its length prefix', () => {
    const error = caught(() => decodeFrame(good.subarray(0, 1)));
    expect(error.code).toBe('POS_ERR_ISO_TRUNCATED');
    expect(error.message).toBe('length prefix: truncated at byte 0: needs 2 bytes, 1 left');
  });

  it('refuses a length prefix that does not match the bytes that follow', () => {
    const frame = Buffer.from(good);
    frame[1] = frame[1]! + 1;
    const error = caught(() => decodeFrame(frame));
    expect(error.code).toBe('POS_ERR_ISO_LENGTH_PREFIX_MISMATCH');
    expect(error.details).toMatchObject({ field: 'length', offset: 0 });
  });

  it('refuses a truncated TPDU or header', () => {
    expect(caught(() => decodeFrame(Buffer.from('600003', 'hex'), { framing: 'no-length' })).message).toBe(
      'TPDU: truncated at byte 0: needs 5 bytes, 3 left',
    );
    expect(
      caught(() => decodeFrame(Buffer.from('600003000060', 'hex'), { framing: 'no-length' })).message,
    ).toBe('header: truncated at byte 5: needs 6 bytes, 1 left');
  });

  it('refuses an MTI that is not BCD', () => {
    const error = caught(() => decodeFrame(Buffer.from('020A0000000000000000', 'hex'), { framing: 'body' }));
    expect(error.code).toBe('POS_ERR_ISO_BAD_BCD');
    expect(error.message).toBe('MTI: bad BCD at byte 1: expected two decimal digits, got 0x0A');
  });

  it('refuses a fixed numeric field holding a nibble above 9', () => {
    const body = Buffer.from('02002000000000000000' + '0000A0', 'hex');
    const error = caught(() => decodeFrame(body, { framing: 'body' }));
    expect(error.message).toBe('field 3: bad BCD at byte 12: expected two decimal digits, got 0xA0');
    expect(error.details).toMatchObject({ field: '3', offset: 12 });
  });

  it('refuses a length prefix above the field maximum before reading the field', () => {
    const body = Buffer.from('02004000000000000000' + '25' + '00'.repeat(13), 'hex');
    const error = caught(() => decodeFrame(body, { framing: 'body' }));
    expect(error.code).toBe('POS_ERR_ISO_FIELD_TOO_LONG');
    expect(error.message).toBe(
      'field 2: too long at byte 10: the length prefix says 25 digits, at most 19 allowed',
    );
  });

  it('refuses a length prefix that is not BCD', () => {
    const body = Buffer.from('02004000000000000000' + '1F', 'hex');
    expect(caught(() => decodeFrame(body, { framing: 'body' })).message).toBe(
      'field 2: bad BCD at byte 10: expected a BCD length prefix, got 0x1F',
    );
  });

  it('refuses a bit for a field the dialect does not define, naming the bitmap byte', () => {
    const body = Buffer.from('02000800000000000000', 'hex');
    const error = caught(() => decodeFrame(body, { framing: 'body' }));
    expect(error.code).toBe('POS_ERR_ISO_UNKNOWN_FIELD');
    expect(error.message).toBe(
      'field 5: unknown field at byte 2: bit 5 is set but dialect cup-pos has no field 5',
    );
  });

  it('refuses a secondary bitmap in a dialect that has none', () => {
    const error = caught(() => decodeFrame(Buffer.from('02008000000000000000', 'hex'), { framing: 'body' }));
    expect(error.code).toBe('POS_ERR_ISO_UNKNOWN_FIELD');
    expect(error.message).toContain('bit 1 (secondary bitmap) is set');
  });

  it('refuses bytes left over after the last field', () => {
    const body = Buffer.concat([encodeFrame(sale, { framing: 'body' }), Buffer.from([0])]);
    const error = caught(() => decodeFrame(body, { framing: 'body' }));
    expect(error.code).toBe('POS_ERR_ISO_TRAILING_BYTES');
    expect(error.message).toBe(`frame: 1 byte left over at byte ${body.length - 1}, after field 64`);
  });

  it('refuses control characters and non-ASCII bytes in an ASCII text field', () => {
    const body = Buffer.from('02000000000000800000' + '3130303030310A39', 'hex');
    const error = caught(() => decodeFrame(body, { framing: 'body' }));
    expect(error.code).toBe('POS_ERR_ISO_BAD_CHARACTER');
    expect(error.message).toBe('field 41: bad character at byte 16: expected printable ASCII, got 0x0A');
  });

  it('names the part and offset of every truncation, never quoting field content', () => {
    const body = encodeFrame(sale, { framing: 'body' });
    for (let cut = 0; cut < body.length; cut += 1) {
      const error = caught(() => decodeFrame(body.subarray(0, cut), { framing: 'body' }));
      expect(error.code).toBe('POS_ERR_ISO_TRUNCATED');
      expect(error.message).toMatch(/^(MTI|bitmap|field \d+): truncated at byte \d+: needs \d+ bytes?/);
      expect(error.message).not.toContain('6225880123');
    }
  });
});

describe('encoding invalid messages', () => {
  it('lists every problem at once, naming each field and never its value', () => {
    const error = caught(() =>
      encodeFrame({
        ...sale,
        mti: '02000',
        fields: {
          ...sale.fields,
          '2': '62258801234567890123',
          '3': '12.80',
          '4': '00000012.800',
          '5': '1',
          '35': '6225D2812',
          '52': 'XYZ',
        },
      }),
    );
    expect(error.code).toBe('POS_ERR_ISO_BAD_VALUE');
    expect(error.problems.map((p) => p.field)).toEqual([
      'mti',
      'field 2',
      'field 3',
      'field 4',
      'field 5',
      'field 35',
      'field 52',
    ]);
    expect(error.message).toContain('field 3: expected 6 digits, got 5 characters');
    expect(error.message).toContain('field 4: expected 12 digits, got an unexpected character at position 9');
    expect(error.message).toContain('field 2: expected up to 19 digits, got 20 characters');
    expect(error.message).toContain('field 5: expected a field of dialect cup-pos, got no such field');
    expect(error.message).not.toContain('6225880123');
  });

  it('refuses a fixed field of the wrong size instead of padding it', () => {
    const error = caught(() => encodeFrame({ ...sale, fields: { '41': '1000' } }));
    expect(error.message).toBe(
      'invalid ISO 8583 message: field 41: expected 8 printable ASCII characters, got 4 characters',
    );
  });

  it('refuses a given length prefix that disagrees with the frame', () => {
    const error = caught(() => encodeFrame({ ...sale, length: 3 }));
    expect(error.problems[0]).toMatchObject({ field: 'length', actual: '3' });
  });

  it('requires TPDU and header where the framing has them, and ignores them where it has not', () => {
    const error = caught(() => encodeFrame({ ...sale, tpdu: null, header: '6031' }));
    expect(error.problems.map((p) => p.field)).toEqual(['tpdu', 'header']);
    const body = encodeFrame({ ...sale, tpdu: null, header: null }, { framing: 'body' });
    expect(decodeFrame(body, { framing: 'body' }).fields).toEqual(sale.fields);
  });
});

describe('GBK text fields', () => {
  const acquirer = loadDialectFile(acquirerDialectPath);
  const name = '银联商务测试商户'.padEnd(32, ' ');

  it('round-trips Chinese merchant names in fields marked gbk', () => {
    const message: IsoMessage = { ...sale, fields: { '43': name, '56': '交易成功' } };
    const frame = encodeFrame(message, { dialect: acquirer });
    expect(decodeFrame(frame, { dialect: acquirer }).fields).toEqual(message.fields);
  });

  it('counts GBK bytes, not characters, against the field size', () => {
    const error = caught(() =>
      encodeFrame({ ...sale, fields: { '43': '银联'.padEnd(40, ' ') } }, { dialect: acquirer }),
    );
    expect(error.message).toContain('field 43: expected 40 bytes of GBK text, got 42 bytes');
  });

  it('refuses bytes that are not GBK', () => {
    const body = Buffer.from('08000000000000000100' + '000281FF', 'hex');
    const error = caught(() => decodeFrame(body, { dialect: acquirer, framing: 'body' }));
    expect(error.message).toBe('field 56: bad text at byte 12: expected valid GBK text');
  });

  it('refuses Chinese text in a field that is not marked gbk', () => {
    const error = caught(() => encodeFrame({ ...sale, fields: { '63': '银联' } }));
    expect(error.message).toContain('field 63: expected up to 163 printable ASCII characters');
  });
});

describe('the generic ISO 8583:1987 ASCII dialect', () => {
  const options = { dialect: iso8583Ascii, framing: 'full' } as const;
  const message: IsoMessage = {
    length: null,
    tpdu: null,
    header: null,
    mti: '0200',
    fields: {
      '2': '4761739001010119',
      '3': '000000',
      '4': '000000005000',
      '11': '000123',
      '35': '4761739001010119D22122011758928889',
      '52': '7434F67813BAE545',
      '55': '9F2608DEAE676D1C4734119F270180',
      '100': '12345',
    },
  };

  it('round-trips a message with a secondary bitmap', () => {
    const frame = encodeFrame(message, options);
    expect(decodeFrame(frame, options)).toEqual({ ...message, length: frame.length - 2 });
  });

  it('writes ASCII MTI, hex bitmap and ASCII length prefixes', () => {
    const frame = encodeFrame({ ...message, fields: { '2': '4761739001010119' } }, options);
    expect(frame.subarray(2).toString('latin1')).toBe(
      '0200' + '4000000000000000' + '16' + '4761739001010119',
    );
  });

  it('refuses a bitmap character that is not hex', () => {
    const frame = Buffer.from('0200400000000000000G', 'latin1');
    const error = caught(() => decodeFrame(frame, { dialect: iso8583Ascii, framing: 'body' }));
    expect(error.message).toBe('bitmap: bad character at byte 19: expected a hex digit, got 0x47');
  });

  it('refuses a field 65 it does not define', () => {
    const frame = Buffer.from('0200' + '8000000000000000' + '8000000000000000', 'latin1');
    const error = caught(() => decodeFrame(frame, { dialect: iso8583Ascii, framing: 'body' }));
    expect(error.message).toBe(
      'field 65: unknown field at byte 20: bit 65 is set but dialect iso8583-1987-ascii has no field 65',
    );
  });

  it('refuses letters in an ASCII numeric field', () => {
    const frame = Buffer.from('02002000000000000000' + '00000A', 'latin1');
    const error = caught(() => decodeFrame(frame, { dialect: iso8583Ascii, framing: 'body' }));
    expect(error.message).toBe('field 3: bad character at byte 25: expected an ASCII digit, got 0x41');
  });

  it('uses cup-pos by default', () => {
    expect(decodeFrame(encodeFrame(sale)).mti).toBe('0200');
    expect(cupPos.name).toBe('cup-pos');
  });
});
