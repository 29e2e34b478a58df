import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from '../cards/secret.js';
import { decryptKey, encryptKey, generateKey, keyCheckValue, keyFromHex, withOddParity } from './keys.js';

/** A deterministic byte source: 0x00, 0x01, 0x02... across calls. */
function countingBytes(): (size: number) => Uint8Array {
  let next = 0;
  return (size) => Uint8Array.from({ length: size }, () => next++ & 0xff);
}

describe('keys', () => {
  it('decrypts the published TAK under its TMK (blog.csdn "MAC算法演示")', () => {
    const tmk = keyFromHex('70F2A84CCBC2AE8625CBB0F2C22AB923', 'TMK');
    const tak = decryptKey({ encrypted: Buffer.from('96D605EA176B7E9E', 'hex'), tmk, label: 'MAC key' });
    expect(tak.reveal().toString('hex').toUpperCase()).toBe('C24A8FB57AA20123');
    expect(encryptKey({ key: tak, tmk }).toString('hex').toUpperCase()).toBe('96D605EA176B7E9E');
  });

  it('computes check values as the first 4 bytes of the key encrypting 8 zero bytes', () => {
    expect(keyCheckValue(keyFromHex('0123456789ABCDEF', 'key')).toString('hex').toUpperCase()).toBe(
      'D5D44FF7',
    );
    expect(keyCheckValue(keyFromHex('0123456789ABCDEF0123456789ABCDEF', 'key')).toString('hex')).toBe(
      'd5d44ff7',
    );
  });

  it('refuses keys of the wrong size, naming the key and not its bytes', () => {
    expect(() => keyFromHex('0123', 'TMK')).toThrow('TMK: expected 16 or 32 hex digits, got 4 characters');
    expect(() => keyCheckValue(new Secret(Buffer.alloc(24), 'zone key'), 'zone key')).toThrow(
      'zone key: expected 8 or 16 bytes, got 24',
    );
    expect(() =>
      decryptKey({
        encrypted: Buffer.alloc(3),
        tmk: keyFromHex('0123456789ABCDEF', 'TMK'),
        label: 'PIN key',
      }),
    ).toThrow('PIN key: expected 8 or 16 encrypted bytes, got 3');
  });

  it('generates keys from the given randomness, with odd parity', () => {
    const key = generateKey({ bytes: 16, randomBytes: countingBytes(), label: 'PIN key' });
    // 0x00..0x0F with each low bit set or cleared to make the count of 1 bits odd.
    expect(key.reveal().toString('hex')).toBe('010102020404070708080b0b0d0d0e0e');
    for (const byte of key.reveal()) expect(byte.toString(2).split('1').length % 2).toBe(0);
    expect(withOddParity(Buffer.from([0x00, 0xff, 0x80]))).toEqual(Buffer.from([0x01, 0xfe, 0x80]));
  });

  it('keeps keys out of logs and JSON', () => {
    const key = keyFromHex('0123456789ABCDEF', 'MAC key');
    expect(inspect(key)).toBe('[redacted MAC key]');
    expect(JSON.stringify({ key })).toBe('{"key":"[redacted MAC key]"}');
  });
});
