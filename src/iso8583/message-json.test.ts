import { describe, expect, it } from 'vitest';
import { encodeFrame } from './codec.js';
import { isoMessageFromJson } from './message-json.js';

describe('canonical decode JSON from outside', () => {
  it('takes the decode form, with absent framing parts as null', () => {
    expect(isoMessageFromJson({ mti: '0800', fields: { '11': '000001' } })).toEqual({
      length: null,
      tpdu: null,
      header: null,
      mti: '0800',
      fields: { '11': '000001' },
    });
  });

  it('lists every problem of shape at once', () => {
    expect(() =>
      isoMessageFromJson({ length: 1.5, tpdu: 6000030000, mti: null, fields: { '2': 622588 }, extra: true }),
    ).toThrow(
      'invalid ISO 8583 message: extra: expected no such property, got a value; ' +
        'length: expected a whole number or null, got 1.5; tpdu: expected hex text or null, got 6000030000; ' +
        'mti: expected 4 digits, got null; fields.2: expected text, got 622588',
    );
    // A card number given as a number is described, never echoed.
    expect(() => isoMessageFromJson({ mti: '0200', fields: { '2': 6212345678901232 } })).toThrow(
      'fields.2: expected text, got a 16-digit number (not shown: it may be a card number)',
    );
    expect(() => isoMessageFromJson([])).toThrow(
      'message: expected an object with mti and fields, got an array of 0',
    );
  });

  it('keeps a "__proto__" key as a key, so the encoder refuses it instead of dropping it', () => {
    const message = isoMessageFromJson(JSON.parse('{"mti":"0800","fields":{"__proto__":"x","11":"000001"}}'));
    expect(Object.keys(message.fields)).toEqual(['11', '__proto__']);
    expect(() => encodeFrame(message, { framing: 'body' })).toThrow(
      'field __proto__: expected a field of dialect cup-pos, got no such field',
    );
  });
});
