// Checks on a wallet provider's settings, made once when the provider is built: a deployment
// with a typo in a URL or an empty app id learns it at start, not at its first sale. Errors name
// the setting and never echo a key.
import { PosError } from '../../pos-error.js';

export function settingsError(wallet: string, setting: string, expected: string): PosError {
  return new PosError(
    'POS_ERR_WALLET_CONFIG_INVALID',
    `invalid ${wallet} setting ${setting}: expected ${expected}`,
    { details: { wallet, setting } },
  );
}

/** An absolute http(s) URL, or a settings error naming `setting`. */
export function httpUrl(wallet: string, setting: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw settingsError(wallet, setting, 'an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw settingsError(wallet, setting, 'an absolute http:// or https:// URL');
  }
  return url;
}

/** Printable ASCII without spaces, 1 to `max` characters (ids, merchant numbers). */
export function plainId(wallet: string, setting: string, text: string, max = 64): string {
  if (!new RegExp(`^[\\x21-\\x7e]{1,${max}}$`).test(text)) {
    throw settingsError(wallet, setting, `1 to ${max} printable ASCII characters without spaces`);
  }
  return text;
}
