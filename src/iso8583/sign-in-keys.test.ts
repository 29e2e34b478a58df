import { describe, expect, it } from 'vitest';
import { PosError } from '../pos-error.js';
import { keyCheckValue, keyFromHex } from './keys.js';
import {
  buildSignInKeys,
  generateSessionKeys,
  isSignInKeyMode,
  openSignInKeys,
  readSignInKeys,
  signInKeyModes,
  type SessionKeys,
} from './sign-in-keys.js';

/** A deterministic byte source, so the generated keys are the same on every run. */
function seededBytes(seed: number): (size: number) => Uint8Array {
  let state = seed;
  return (size) =>
    Uint8Array.from({ length: size }, () => {
      state = (state * 1103515245 + 12345) >>> 0;
      return state >>> 24;
    });
}

const tmk = keyFromHex('70F2A84CCBC2AE8625CBB0F2C22AB923', 'TMK');
const wrongTmk = keyFromHex('0123456789ABCDEFFEDCBA9876543210', 'TMK');
const clear = (keys: SessionKeys) => ({
  pinKey: keys.pinKey.reveal().toString('hex'),
  macKey: keys.macKey.reveal().toString('hex'),
  trackKey: keys.trackKey?.reveal().toString('hex'),
});

function caught(run: () => unknown): PosError {
  try {
    run();
  } catch (error) {
    if (error instanceof PosError) return error;
    throw error;
  }
  throw new Error('expected a PosError, nothing was thrown');
}

describe('sign-in keys (field 62)', () => {
  const sizes = { '001': 24, '003': 40, '004': 60 } as const;

  for (const mode of signInKeyModes) {
    it(`round-trips mode ${mode} keys through field 62 with their check values`, () => {
      const keys = generateSessionKeys({ mode, randomBytes: seededBytes(7) });
      const field62 = buildSignInKeys({ mode, tmk, keys });
      expect(field62).toMatch(/^[0-9A-F]+$/);
      expect(field62.length).toBe(sizes[mode] * 2);
      const read = readSignInKeys(mode, field62);
      expect(read.pinKey.checkValue).toEqual(keyCheckValue(keys.pinKey));
      expect(read.macKey.checkValue).toEqual(keyCheckValue(keys.macKey));
      expect(clear(openSignInKeys({ mode, tmk, field62 }))).toEqual(clear(keys));
    });

    it(`detects a wrong TMK in mode ${mode} by the check values`, () => {
      const field62 = buildSignInKeys({
        mode,
        tmk,
        keys: generateSessionKeys({ mode, randomBytes: seededBytes(9) }),
      });
      const error = caught(() => openSignInKeys({ mode, tmk: wrongTmk, field62 }));
      expect(error.code).toBe('POS_ERR_ISO_KEY_CHECK_FAILED');
      expect(error.message).toBe(
        "sign-in keys: the PIN key's check value does not match after decryption: wrong TMK, or field 62 damaged",
      );
    });
  }

  it('lays out mode 003 as PIN key 16 + CV 4 + MAC key 8 padded to 16 + CV 4', () => {
    const keys = generateSessionKeys({ mode: '003', randomBytes: seededBytes(3) });
    const bytes = Buffer.from(buildSignInKeys({ mode: '003', tmk, keys }), 'hex');
    expect(bytes.subarray(16, 20)).toEqual(keyCheckValue(keys.pinKey));
    expect(bytes.subarray(28, 36)).toEqual(Buffer.alloc(8));
    expect(bytes.subarray(36, 40)).toEqual(keyCheckValue(keys.macKey));
  });

  it('names the damaged key when one check value is off', () => {
    const keys = generateSessionKeys({ mode: '004', randomBytes: seededBytes(5) });
    const bytes = Buffer.from(buildSignInKeys({ mode: '004', tmk, keys }), 'hex');
    bytes[59] = bytes[59]! ^ 0xff;
    const error = caught(() => openSignInKeys({ mode: '004', tmk, field62: bytes.toString('hex') }));
    expect(error.message).toContain("the track key's check value does not match");
  });

  it('refuses field 62 of the wrong size for its mode', () => {
    const field62 = buildSignInKeys({
      mode: '001',
      tmk,
      keys: generateSessionKeys({ mode: '001', randomBytes: seededBytes(1) }),
    });
    const error = caught(() => openSignInKeys({ mode: '003', tmk, field62 }));
    expect(error.code).toBe('POS_ERR_ISO_BAD_SUBFIELD');
    expect(error.message).toBe(
      'invalid field 62 sign-in keys: field 62: expected 40 bytes (80 hex digits) for sign-in mode 003, got 24 bytes',
    );
  });

  it('refuses keys of the wrong size for the mode, and a track key where none belongs', () => {
    const single = generateSessionKeys({ mode: '001', randomBytes: seededBytes(2) });
    const double = generateSessionKeys({ mode: '004', randomBytes: seededBytes(2) });
    expect(() => buildSignInKeys({ mode: '003', tmk, keys: single })).toThrow(
      'PIN key: expected 16 bytes, got 8',
    );
    expect(() =>
      buildSignInKeys({ mode: '004', tmk, keys: { pinKey: double.pinKey, macKey: double.macKey } }),
    ).toThrow('track key: required by sign-in mode 004, got none');
    expect(() => buildSignInKeys({ mode: '003', tmk, keys: double })).toThrow(
      'track key: sign-in mode 003 carries none',
    );
  });

  it('knows which network management codes carry keys', () => {
    expect(['001', '003', '004', '002'].map(isSignInKeyMode)).toEqual([true, true, true, false]);
  });
});
