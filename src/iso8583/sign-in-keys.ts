// Field 62 of the sign-in response (0810): the session keys, encrypted under the terminal master
// key, each followed by its 4-byte check value (CUP POS spec, sign-in, 60.3 network management
// code). 001: PIN key 8 + CV 4 + MAC key 8 + CV 4 (24 bytes). 003: PIN key 16 + CV 4 + MAC key 8
// padded with 8 zero bytes + CV 4 (40 bytes). 004: the 40 bytes of 003 + track key 16 + CV 4 (60
// bytes). The host builds it from clear keys; the terminal opens it and checks every check value,
// which is how a wrong TMK shows up.
import type { Secret } from '../cards/secret.js';
import { PosError } from '../pos-error.js';
import { badSubfield } from './fixed-digits.js';
import { isHex } from './byte-text.js';
import { decryptKey, encryptKey, generateKey, keyBytes, keyCheckValue, type RandomBytes } from './keys.js';

export type SignInKeyMode = '001' | '003' | '004';

export const signInKeyModes: readonly SignInKeyMode[] = ['001', '003', '004'];

export function isSignInKeyMode(code: string): code is SignInKeyMode {
  return (signInKeyModes as readonly string[]).includes(code);
}

export interface SessionKeys {
  readonly pinKey: Secret<Buffer>;
  /** Always single-length (8 bytes) in these modes. */
  readonly macKey: Secret<Buffer>;
  /** Mode 004 only. */
  readonly trackKey?: Secret<Buffer>;
}

interface Layout {
  readonly pinKeyBytes: 8 | 16;
  /** Bytes the encrypted MAC key occupies: its 8 bytes, padded to 16 in modes 003 and 004. */
  readonly macSlotBytes: 8 | 16;
  readonly withTrackKey: boolean;
  readonly totalBytes: number;
}

const checkValueBytes = 4;
const layouts: Readonly<Record<SignInKeyMode, Layout>> = {
  '001': { pinKeyBytes: 8, macSlotBytes: 8, withTrackKey: false, totalBytes: 24 },
  '003': { pinKeyBytes: 16, macSlotBytes: 16, withTrackKey: false, totalBytes: 40 },
  '004': { pinKeyBytes: 16, macSlotBytes: 16, withTrackKey: true, totalBytes: 60 },
};

function layoutOf(mode: SignInKeyMode): Layout {
  const layout = layouts[mode] as Layout | undefined;
  if (layout === undefined) {
    throw new PosError(
      'POS_ERR_ISO_BAD_KEY',
      `sign-in keys: unknown mode ${JSON.stringify(mode)}, expected 001, 003 or 004`,
    );
  }
  return layout;
}

/** New clear session keys of the sizes `mode` needs, from the given randomness. */
export function generateSessionKeys(options: { mode: SignInKeyMode; randomBytes: RandomBytes }): SessionKeys {
  const layout = layoutOf(options.mode);
  const { randomBytes } = options;
  return {
    pinKey: generateKey({ bytes: layout.pinKeyBytes, randomBytes, label: 'PIN key' }),
    macKey: generateKey({ bytes: 8, randomBytes, label: 'MAC key' }),
    ...(layout.withTrackKey ? { trackKey: generateKey({ bytes: 16, randomBytes, label: 'track key' }) } : {}),
  };
}

/** Host side: field 62 (upper-case hex) carrying `keys` encrypted under `tmk`. */
export function buildSignInKeys(options: {
  mode: SignInKeyMode;
  tmk: Secret<Buffer>;
  keys: SessionKeys;
}): string {
  const layout = layoutOf(options.mode);
  const { tmk, keys } = options;
  keyBytes(keys.pinKey, 'PIN key', [layout.pinKeyBytes]);
  keyBytes(keys.macKey, 'MAC key', [8]);
  const parts = [
    encryptKey({ key: keys.pinKey, tmk, label: 'PIN key' }),
    keyCheckValue(keys.pinKey, 'PIN key'),
    encryptKey({ key: keys.macKey, tmk, label: 'MAC key' }),
    Buffer.alloc(layout.macSlotBytes - 8),
    keyCheckValue(keys.macKey, 'MAC key'),
  ];
  if (layout.withTrackKey) {
    if (keys.trackKey === undefined) {
      throw new PosError(
        'POS_ERR_ISO_BAD_KEY',
        `track key: required by sign-in mode ${options.mode}, got none`,
        {
          details: { key: 'track key' },
        },
      );
    }
    keyBytes(keys.trackKey, 'track key', [16]);
    parts.push(
      encryptKey({ key: keys.trackKey, tmk, label: 'track key' }),
      keyCheckValue(keys.trackKey, 'track key'),
    );
  } else if (keys.trackKey !== undefined) {
    throw new PosError(
      'POS_ERR_ISO_BAD_KEY',
      `track key: sign-in mode ${options.mode} carries none, got one`,
      {
        details: { key: 'track key' },
      },
    );
  }
  return Buffer.concat(parts).toString('hex').toUpperCase();
}

/** One key as it travels in field 62. */
export interface EncryptedKey {
  readonly encrypted: Buffer;
  readonly checkValue: Buffer;
}

export interface EncryptedSessionKeys {
  readonly pinKey: EncryptedKey;
  readonly macKey: EncryptedKey;
  readonly trackKey?: EncryptedKey;
}

/** Cuts field 62 (hex, as decoded) into its encrypted keys and check values, without a TMK. */
export function readSignInKeys(mode: SignInKeyMode, field62: string): EncryptedSessionKeys {
  const layout = layoutOf(mode);
  if (!isHex(field62) || field62.length !== layout.totalBytes * 2) {
    throw badSubfield('field 62 sign-in keys', [
      {
        field: 'field 62',
        expected: `${layout.totalBytes} bytes (${layout.totalBytes * 2} hex digits) for sign-in mode ${mode}`,
        actual: isHex(field62) ? `${field62.length / 2} bytes` : 'text that is not hex',
      },
    ]);
  }
  const bytes = Buffer.from(field62, 'hex');
  const pinEnd = layout.pinKeyBytes;
  const macAt = pinEnd + checkValueBytes;
  const macCheckAt = macAt + layout.macSlotBytes;
  const trackAt = macCheckAt + checkValueBytes;
  return {
    pinKey: { encrypted: bytes.subarray(0, pinEnd), checkValue: bytes.subarray(pinEnd, macAt) },
    // In 003 and 004 only the first 8 bytes of the 16-byte MAC slot are key; the rest is padding.
    macKey: { encrypted: bytes.subarray(macAt, macAt + 8), checkValue: bytes.subarray(macCheckAt, trackAt) },
    ...(layout.withTrackKey
      ? {
          trackKey: {
            encrypted: bytes.subarray(trackAt, trackAt + 16),
            checkValue: bytes.subarray(trackAt + 16, trackAt + 16 + checkValueBytes),
          },
        }
      : {}),
  };
}

function openKey(encryptedKey: EncryptedKey, tmk: Secret<Buffer>, label: string): Secret<Buffer> {
  const key = decryptKey({ encrypted: encryptedKey.encrypted, tmk, label });
  if (!keyCheckValue(key, label).equals(encryptedKey.checkValue)) {
    throw new PosError(
      'POS_ERR_ISO_KEY_CHECK_FAILED',
      `sign-in keys: the ${label}'s check value does not match after decryption: wrong TMK, or field 62 damaged`,
      { details: { key: label } },
    );
  }
  return key;
}

/**
 * Terminal side: decrypts the keys of field 62 under `tmk` and checks every check value. Throws
 * POS_ERR_ISO_KEY_CHECK_FAILED naming the first key that does not match.
 */
export function openSignInKeys(options: {
  mode: SignInKeyMode;
  tmk: Secret<Buffer>;
  field62: string;
}): SessionKeys {
  const encrypted = readSignInKeys(options.mode, options.field62);
  return {
    pinKey: openKey(encrypted.pinKey, options.tmk, 'PIN key'),
    macKey: openKey(encrypted.macKey, options.tmk, 'MAC key'),
    ...(encrypted.trackKey === undefined
      ? {}
      : { trackKey: openKey(encrypted.trackKey, options.tmk, 'track key') }),
  };
}
