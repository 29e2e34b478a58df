// Terminal keys at rest: master keys (TMK) and session keys are stored only encrypted, with
// AES-256-GCM under the host's terminal-key key (derived from the host secret), so a copy of the
// database alone reveals no key. The terminal id is bound in as associated data, so an encrypted key
// moved to another terminal's row fails to decrypt.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Secret } from '../cards/secret.js';
import { PosError } from '../pos-error.js';

const version = 'v1';

/**
 * Encrypts a key for storage. `ivBytes` gives the 12-byte nonce; it defaults to the system's
 * randomness, and the ISO 8583 host passes its Random port so a simulator owns every random byte.
 */
export function sealKey(
  key: Secret<Buffer>,
  kek: Secret<Buffer>,
  context: string,
  ivBytes: (size: number) => Buffer = randomBytes,
): string {
  const iv = ivBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek.reveal(), iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const sealed = Buffer.concat([cipher.update(key.reveal()), cipher.final()]);
  return [
    version,
    iv.toString('base64'),
    sealed.toString('base64'),
    cipher.getAuthTag().toString('base64'),
  ].join('.');
}

export function openKey(sealed: string, kek: Secret<Buffer>, context: string): Secret<Buffer> {
  const [v, iv, data, tag] = sealed.split('.');
  if (v !== version || iv === undefined || data === undefined || tag === undefined) {
    throw new PosError(
      'POS_ERR_KEY_UNREADABLE',
      `a stored key for ${context} is not in the ${version} format`,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek.reveal(), Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return new Secret(
      Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]),
      'terminal key',
    );
  } catch (error) {
    throw new PosError(
      'POS_ERR_KEY_UNREADABLE',
      `a stored key for ${context} cannot be decrypted: the host secret differs from the one it was stored under`,
      { cause: error },
    );
  }
}

/** Parses a TMK given in hex: 16 hex characters (single DES) or 32 (double length). */
export function parseTmk(hex: string): Secret<Buffer> {
  if (!/^([0-9a-fA-F]{16}|[0-9a-fA-F]{32})$/.test(hex)) {
    throw new PosError(
      'POS_ERR_TERMINAL_INVALID',
      `--tmk: expected 16 or 32 hex characters (a single or double length DES key), got ${hex.length} characters`,
    );
  }
  return new Secret(Buffer.from(hex, 'hex'), 'terminal master key');
}
