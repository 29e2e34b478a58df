// Key handling for CUP POS terminals: key check values, session keys encrypted under the terminal
// master key (TMK), and key generation. Keys travel inside `Secret` so they never reach a log or
// an error message; errors name the key ("MAC key"), never its bytes. Randomness comes in as a
// function, so a deterministic simulator can drive key generation.
import { assert } from '../assert.js';
import { Secret } from '../cards/secret.js';
import { PosError } from '../pos-error.js';
import { desDecrypt, desEncrypt } from './des.js';

/** Returns `size` random bytes: `crypto.randomBytes` in production, a seeded source in a simulator. */
export type RandomBytes = (size: number) => Uint8Array;

export type KeyBytes = 8 | 16;

/** Reveals a key after checking its length; `label` names it in the error. */
export function keyBytes(key: Secret<Buffer>, label: string, allowed: readonly KeyBytes[] = [8, 16]): Buffer {
  const bytes = key.reveal();
  if (!Buffer.isBuffer(bytes) || !(allowed as readonly number[]).includes(bytes.length)) {
    throw new PosError(
      'POS_ERR_ISO_BAD_KEY',
      `${label}: expected ${allowed.join(' or ')} bytes, got ${Buffer.isBuffer(bytes) ? bytes.length : typeof bytes}`,
      { details: { key: label } },
    );
  }
  return bytes;
}

/** A key given as hex (16 or 32 hex digits), e.g. from configuration. */
export function keyFromHex(hex: string, label: string): Secret<Buffer> {
  if (!/^(?:[0-9A-Fa-f]{16}|[0-9A-Fa-f]{32})$/.test(hex)) {
    throw new PosError(
      'POS_ERR_ISO_BAD_KEY',
      `${label}: expected 16 or 32 hex digits, got ${hex.length} characters`,
      {
        details: { key: label },
      },
    );
  }
  return new Secret(Buffer.from(hex, 'hex'), label);
}

/** The check value of a key: the first 4 bytes of the key encrypting 8 zero bytes. */
export function keyCheckValue(key: Secret<Buffer>, label = 'key'): Buffer {
  return desEncrypt(keyBytes(key, label), Buffer.alloc(8)).subarray(0, 4);
}

/** Encrypts a session key under a TMK (ECB, block by block), as it travels in field 62. */
export function encryptKey(options: { key: Secret<Buffer>; tmk: Secret<Buffer>; label?: string }): Buffer {
  return desEncrypt(keyBytes(options.tmk, 'TMK'), keyBytes(options.key, options.label ?? 'key'));
}

/** Decrypts a session key that travelled encrypted under a TMK. */
export function decryptKey(options: {
  encrypted: Uint8Array;
  tmk: Secret<Buffer>;
  label: string;
}): Secret<Buffer> {
  const length = options.encrypted.length;
  if (length !== 8 && length !== 16) {
    throw new PosError(
      'POS_ERR_ISO_BAD_KEY',
      `${options.label}: expected 8 or 16 encrypted bytes, got ${length}`,
      {
        details: { key: options.label },
      },
    );
  }
  return new Secret(desDecrypt(keyBytes(options.tmk, 'TMK'), options.encrypted), options.label);
}

/** Sets each byte's low bit so the byte has an odd number of 1 bits (DES key parity). */
export function withOddParity(bytes: Uint8Array): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i < out.length; i += 1) {
    const high = out[i]! & 0xfe;
    let ones = 0;
    for (let bit = high; bit !== 0; bit >>= 1) ones += bit & 1;
    out[i] = ones % 2 === 0 ? high | 1 : high;
  }
  return out;
}

/** A new single or double-length key with odd parity, from the given randomness. */
export function generateKey(options: {
  bytes: KeyBytes;
  randomBytes: RandomBytes;
  label: string;
}): Secret<Buffer> {
  const random = options.randomBytes(options.bytes);
  assert(random.length === options.bytes, `randomBytes(${options.bytes}) returned ${random.length} bytes`);
  return new Secret(withOddParity(random), options.label);
}
