import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Secret } from '../cards/secret.js';
import { PosError } from '../pos-error.js';
import { decodeFrame, encodeFrame } from './codec.js';
import { iso8583Ascii } from './dialect-registry.js';
import { desEncrypt } from './des.js';
import { cupPosMac, encodeSignedFrame, macInput, signFrame, verifyFrameMac } from './mac.js';
import { loadVectors } from './test-support/vectors.js';

const key = (hex: string) => new Secret(Buffer.from(hex, 'hex'), 'MAC key');
const hexBytes = (hex: string) => Buffer.from(hex, 'hex');

// A CUP POS MAC worked example published with its keys (blog.csdn "MAC算法演示", zhu244912654,
// article 80005341): the MAC input of a 0200, a TAK given encrypted and in clear, and the XOR of
// the first four blocks. The published TAK, decrypted under its TMK, is checked in keys.test.ts.
const publishedInput = hexBytes(
  '0200302004C020C0981100000000000000005100183402100006324392260009942820D131210112008439313636383830313430303030303030303030303030303131353' +
    '6ACF46E73838A82F92600000000000000000822000001',
);
const publishedTak = key('C24A8FB57AA20123');

/** The MAC derived step by step here, with node:crypto directly, as the protocol notes say it. */
function referenceMac(input: Buffer, keyHex: string): { mac: string; firstFourBlocks: string } {
  const padded = Buffer.concat([input, Buffer.alloc((8 - (input.length % 8)) % 8)]);
  const blocks = Array.from({ length: padded.length / 8 }, (_, i) => padded.subarray(i * 8, i * 8 + 8));
  const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((byte, i) => byte ^ b[i]!));
  const r = blocks.reduce(xor, Buffer.alloc(8));
  const firstFourBlocks = blocks.slice(0, 4).reduce(xor, Buffer.alloc(8)).toString('hex').toUpperCase();
  const k = hexBytes(keyHex);
  const k24 = Buffer.concat([
    k.subarray(0, 8),
    k.length === 16 ? k.subarray(8) : k.subarray(0, 8),
    k.subarray(0, 8),
  ]);
  const encrypt = (block: Buffer) => {
    const cipher = createCipheriv('des-ede3-ecb', k24, null).setAutoPadding(false);
    return Buffer.concat([cipher.update(block), cipher.final()]);
  };
  const text = Buffer.from(r.toString('hex').toUpperCase(), 'latin1');
  const second = encrypt(xor(encrypt(text.subarray(0, 8)), text.subarray(8, 16)));
  return { mac: second.toString('hex').toUpperCase().slice(0, 8), firstFourBlocks };
}

describe('DES', () => {
  it('encrypts 8 zero bytes under 0123456789ABCDEF to D5D44FF720683D0D', () => {
    expect(desEncrypt(hexBytes('0123456789ABCDEF'), Buffer.alloc(8)).toString('hex').toUpperCase()).toBe(
      'D5D44FF720683D0D',
    );
  });

  it('treats a double-length key with equal halves as single DES', () => {
    const data = hexBytes('0011223344556677');
    expect(desEncrypt(hexBytes('0123456789ABCDEF0123456789ABCDEF'), data)).toEqual(
      desEncrypt(hexBytes('0123456789ABCDEF'), data),
    );
    expect(desEncrypt(hexBytes('0123456789ABCDEFFEDCBA9876543210'), data)).not.toEqual(
      desEncrypt(hexBytes('0123456789ABCDEF'), data),
    );
  });
});

describe('CUP POS MAC', () => {
  it('matches the published intermediate XOR and a step-by-step derivation', () => {
    const reference = referenceMac(publishedInput, 'C24A8FB57AA20123');
    expect(reference.firstFourBlocks).toBe('9A1753638ED222D9');
    const mac = cupPosMac(publishedInput, publishedTak);
    expect(mac.toString('latin1')).toBe(reference.mac);
    expect(mac.toString('latin1')).toMatch(/^[0-9A-F]{8}$/);
  });

  it('computes double-length MACs with 3DES', () => {
    const doubleKey = '0123456789ABCDEFFEDCBA9876543210';
    const mac = cupPosMac(publishedInput, key(doubleKey)).toString('latin1');
    expect(mac).toBe(referenceMac(publishedInput, doubleKey).mac);
    expect(mac).not.toBe(cupPosMac(publishedInput, key('0123456789ABCDEF')).toString('latin1'));
  });

  it('pads a partial last block with zeros, so trailing zeros do not change the MAC', () => {
    const input = hexBytes('0200302004C020C098');
    expect(cupPosMac(input, publishedTak)).toEqual(
      cupPosMac(Buffer.concat([input, Buffer.alloc(7)]), publishedTak),
    );
  });

  it('refuses a MAC key of the wrong size without showing it', () => {
    let error: unknown;
    try {
      cupPosMac(publishedInput, key('C24A8FB57AA201'));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PosError);
    expect((error as PosError).code).toBe('POS_ERR_ISO_BAD_KEY');
    expect((error as PosError).message).toBe('MAC key: expected 8 or 16 bytes, got 7');
  });
});

describe('MAC over frames', () => {
  const sale =
    loadVectors().find((v) => v.file === 'sale_0200_request_j-iso8583_test.hex')?.bytes ?? Buffer.alloc(0);

  it('takes the bytes from the MTI to the byte before field 64', () => {
    const input = macInput(sale);
    expect(Buffer.from(input).equals(sale.subarray(13, sale.length - 8))).toBe(true);
    expect(Buffer.from(macInput(sale.subarray(2), { framing: 'no-length' })).equals(input)).toBe(true);
    expect(Buffer.from(macInput(sale.subarray(13), { framing: 'body' })).equals(input)).toBe(true);
  });

  it('signs a frame so that it verifies, and the MAC lands in field 64', () => {
    const signed = signFrame(sale, publishedTak);
    expect(verifyFrameMac(signed, publishedTak)).toBe(true);
    expect(verifyFrameMac(sale, publishedTak)).toBe(false);
    const expected = referenceMac(sale.subarray(13, sale.length - 8), 'C24A8FB57AA20123').mac;
    expect(decodeFrame(signed).fields['64']).toBe(
      Buffer.from(expected, 'latin1').toString('hex').toUpperCase(),
    );
  });

  it('fails verification when any byte of the content changes, or under another key', () => {
    const signed = signFrame(sale, publishedTak);
    for (const at of [13, 20, 60, signed.length - 9]) {
      const tampered = Buffer.from(signed);
      tampered[at] = tampered[at]! ^ 0x01;
      expect(verifyFrameMac(tampered, publishedTak)).toBe(false);
    }
    expect(verifyFrameMac(signed, key('0123456789ABCDEF'))).toBe(false);
  });

  it('encodes and signs a message in one step', () => {
    const message = decodeFrame(sale);
    const signed = encodeSignedFrame({ ...message, length: null }, publishedTak);
    expect(verifyFrameMac(signed, publishedTak)).toBe(true);
    expect(signed.subarray(0, signed.length - 8).equals(sale.subarray(0, sale.length - 8))).toBe(true);
  });

  it('refuses a frame without bit 64 or with a secondary bitmap', () => {
    const noMac = encodeFrame(
      { length: null, tpdu: null, header: null, mti: '0800', fields: { '11': '000001' } },
      { framing: 'body' },
    );
    expect(() => macInput(noMac, { framing: 'body' })).toThrow(
      'field 64: absent at byte 2: bit 64 is not set in the bitmap',
    );
    const secondary = encodeFrame(
      {
        length: null,
        tpdu: null,
        header: null,
        mti: '0200',
        fields: { '64': '0000000000000000', '100': '1' },
      },
      { dialect: iso8583Ascii, framing: 'body' },
    );
    expect(() => macInput(secondary, { dialect: iso8583Ascii, framing: 'body' })).toThrow(
      'field 64: not the last field',
    );
    expect(() => macInput(sale.subarray(0, 20))).toThrow('bitmap: truncated at byte 15');
  });
});
