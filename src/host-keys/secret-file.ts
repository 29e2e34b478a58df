// Where the host secret comes from: the configuration (POSGUARD_SECRET, --secret), or else
// `<data folder>/secret.key`, generated there (mode 0600) on first start. Hosts sharing a
// PostgreSQL database must share the secret.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PosError } from '../pos-error.js';
import { deriveHostKeys, type HostKeys } from './host-keys.js';

/** The host keys from the configured secret, or from the secret file (created when missing). */
export function loadHostKeys(config: { secretHex: string | null; dataDir: string }): HostKeys {
  let secret: Buffer;
  if (config.secretHex !== null) {
    secret = Buffer.from(config.secretHex, 'hex');
  } else {
    const path = join(config.dataDir, 'secret.key');
    if (!existsSync(path)) createSecretFile(path, config.dataDir);
    const text = readFileSync(path, 'utf8').trim();
    if (!/^(?:[0-9a-fA-F]{2}){32,}$/.test(text)) {
      throw new PosError(
        'POS_ERR_CONFIG_INVALID',
        `${path}: expected at least 64 hex characters, got something else`,
      );
    }
    secret = Buffer.from(text, 'hex');
  }
  return deriveHostKeys(secret);
}

/**
 * Writes a new secret where none is: written whole to a temporary file, then linked into place,
 * so two hosts starting together in one folder end up with one complete secret, never half of one.
 */
function createSecretFile(path: string, dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}
