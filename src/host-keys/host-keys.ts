// The host keys: derived from the one host secret with HKDF, so one secret serves every purpose
// without one key doing two jobs, and bound to the store so that every host and command on a
// store brings the same secret. Where the secret comes from is secret-file.ts's business.
import { createHmac, hkdfSync } from 'node:crypto';
import { Secret } from '../cards/secret.js';
import type { Store } from '../payments/ports/store.js';
import { PosError } from '../pos-error.js';

export interface HostKeys {
  /** Keys the card fingerprints (HMAC-SHA-256 of the PAN). */
  readonly fingerprintKey: Secret<Buffer>;
  /** Encrypts terminal master and session keys at rest. */
  readonly terminalKeyKey: Secret<Buffer>;
  /**
   * Names the secret without revealing it (HKDF, one way): the store keeps it, so a host or a
   * command started with another secret is refused (see `bindSecretToStore`).
   */
  readonly checkValue: string;
}

/** Derives every host key from the host secret. */
export function deriveHostKeys(secret: Buffer): HostKeys {
  const derive = (info: string): Secret<Buffer> =>
    new Secret(Buffer.from(hkdfSync('sha256', secret, 'posguard', info, 32)), info);
  return {
    fingerprintKey: derive('card-fingerprint'),
    terminalKeyKey: derive('terminal-keys'),
    checkValue: Buffer.from(hkdfSync('sha256', secret, 'posguard', 'store-check', 16)).toString('hex'),
  };
}

/**
 * Binds the host secret to the store: the first host records its check value, every later host
 * and command must bring the same secret. Another secret would fingerprint the same card
 * differently (the duplicate guard would not see a repeat: a second charge) and could not open
 * the terminal keys sealed under the first, so it is refused before anything is done.
 */
export async function bindSecretToStore(store: Store, keys: HostKeys, now: number): Promise<void> {
  const held = await store.transaction((tx) => tx.claimSetting('secret_check', keys.checkValue, now));
  if (held !== keys.checkValue) {
    throw new PosError(
      'POS_ERR_SECRET_MISMATCH',
      'the host secret is not the one this store was first served with: card fingerprints and sealed terminal keys would not match (a repeat sale would go through twice). Give the store its own secret: POSGUARD_SECRET, --secret or <data folder>/secret.key',
    );
  }
}

/** A short, non-reversible tag of the secret, to check that several hosts share it. */
export function secretTag(keys: HostKeys): string {
  return createHmac('sha256', keys.fingerprintKey.reveal()).update('tag').digest('hex').slice(0, 8);
}
