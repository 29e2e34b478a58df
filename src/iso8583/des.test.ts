import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { desEncrypt, desEncryptor } from './des.js';

/** OpenSSL's DES-EDE3 in ECB, the reference the JavaScript rounds must match. */
function openSsl(key: Buffer, data: Buffer): Buffer {
  const first = key.subarray(0, 8);
  const triple = Buffer.concat([first, key.length === 16 ? key.subarray(8, 16) : first, first]);
  const cipher = createCipheriv('des-ede3-ecb', triple, null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

describe('desEncryptor (DES in JavaScript, for the MAC)', () => {
  it('matches the FIPS 81 single-DES example', () => {
    // FIPS 81, appendix B, ECB: key 0123456789abcdef, "Now is t" -> 3fa40e8a984d4815.
    const encrypt = desEncryptor(Buffer.from('0123456789abcdef', 'hex'));
    expect(encrypt(Buffer.from('Now is t', 'latin1')).toString('hex')).toBe('3fa40e8a984d4815');
  });

  it('matches OpenSSL on random single and double-length keys, one block and several', () => {
    for (let i = 0; i < 500; i += 1) {
      const key = randomBytes(i % 2 === 0 ? 8 : 16);
      const data = randomBytes(8 * (1 + (i % 3)));
      expect(desEncryptor(key)(data).toString('hex')).toBe(openSsl(key, data).toString('hex'));
      expect(desEncrypt(key, data).toString('hex')).toBe(openSsl(key, data).toString('hex'));
    }
  });

  it('refuses a partial block and a key of the wrong length', () => {
    expect(() => desEncryptor(randomBytes(16))(Buffer.alloc(7))).toThrow(/whole 8-byte blocks/);
    expect(() => desEncryptor(randomBytes(12))).toThrow(/8 or 16 bytes/);
  });
});
