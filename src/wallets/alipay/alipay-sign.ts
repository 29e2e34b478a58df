// Alipay's RSA2 signatures (SHA256withRSA, PKCS#1 v1.5, base64), both ways. A request is signed
// over its parameters sorted by name, without `sign` and without empty values, joined as
// `k=v&k=v` (before URL encoding). A notification is verified the same way without `sign` and
// `sign_type`. An answer is verified over the exact text of its response node as it came on the
// wire, so the node is cut out of the raw JSON (alipay-json-span.ts), never re-serialised.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { settingsError } from '../wire/wallet-settings.js';

/** The text Alipay signs: parameters sorted by name (byte order), empty ones and `exclude` left out. */
export function alipaySigningText(
  params: Readonly<Record<string, string>>,
  exclude: readonly string[],
): string {
  return Object.keys(params)
    .filter((name) => !exclude.includes(name) && params[name] !== '')
    .sort()
    .map((name) => `${name}=${params[name]}`)
    .join('&');
}

export function rsa2Sign(text: string, privateKey: KeyObject): string {
  return sign('sha256', Buffer.from(text, 'utf8'), privateKey).toString('base64');
}

const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;

/** True only when `signature` is base64 of a valid SHA256withRSA signature of `text`. */
export function rsa2Verify(text: string, signature: string, publicKey: KeyObject): boolean {
  if (!base64Pattern.test(signature) || signature.length % 4 !== 0) return false;
  try {
    return verify('sha256', Buffer.from(text, 'utf8'), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** Strips PEM armour and white space, leaving base64 (Alipay's tools give keys either way). */
function bareBase64(text: string): string {
  return text
    .replace(/-----(BEGIN|END)[A-Z ]+-----/g, '')
    .replace(/\s+/g, '')
    .trim();
}

/**
 * Reads the merchant's private key: PEM (PKCS#8 or PKCS#1), or the bare base64 Alipay's key tool
 * prints (PKCS#8 for Java, PKCS#1 for other languages). Must be RSA.
 */
export function readPrivateKey(setting: string, text: string): KeyObject {
  const attempts: Array<() => KeyObject> = [
    () => createPrivateKey(text),
    () => createPrivateKey({ key: Buffer.from(bareBase64(text), 'base64'), format: 'der', type: 'pkcs8' }),
    () => createPrivateKey({ key: Buffer.from(bareBase64(text), 'base64'), format: 'der', type: 'pkcs1' }),
  ];
  for (const attempt of attempts) {
    try {
      const key = attempt();
      if (key.asymmetricKeyType === 'rsa') return key;
    } catch {
      // Try the next form; the error below names the setting, never the key.
    }
  }
  throw settingsError('alipay', setting, 'an RSA private key, PEM or base64 (PKCS#8 or PKCS#1)');
}

/** Reads a public key: PEM, or bare base64 of the SubjectPublicKeyInfo (Alipay's console shows that). */
export function readPublicKey(setting: string, text: string): KeyObject {
  const attempts: Array<() => KeyObject> = [
    () => createPublicKey(text),
    () => createPublicKey({ key: Buffer.from(bareBase64(text), 'base64'), format: 'der', type: 'spki' }),
  ];
  for (const attempt of attempts) {
    try {
      const key = attempt();
      if (key.asymmetricKeyType === 'rsa') return key;
    } catch {
      // Try the next form.
    }
  }
  throw settingsError('alipay', setting, 'an RSA public key, PEM or base64 (X.509 SubjectPublicKeyInfo)');
}
