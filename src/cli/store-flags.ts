// The flags every command that touches the store takes: --db (or POSGUARD_DB) for the SQLite file,
// --database-url (or POSGUARD_DATABASE_URL) for PostgreSQL.
import { hostSettings, loadHostConfig, type HostConfig } from '../config/config.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../payments/ports/store.js';
import { stringFlag, type CliIo, type ParsedFlags } from './command.js';

export const storeFlagSpec = {
  db: { type: 'string' },
  'database-url': { type: 'string' },
} as const;

export const storeFlagHelp = [
  '  --db PATH             SQLite database file (default ./data/posguard.db, or POSGUARD_DB)',
  '  --database-url URL    PostgreSQL instead of SQLite (or POSGUARD_DATABASE_URL)',
].join('\n');

/** Collects the flags that name host settings, keyed by setting name. */
export function settingFlags(flags: ParsedFlags): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const spec of hostSettings) out[spec.name] = stringFlag(flags, spec.flag);
  return out;
}

export function configFromFlags(flags: ParsedFlags, io: CliIo, demo = false): HostConfig {
  return loadHostConfig({ flags: settingFlags(flags), env: io.env, cwd: io.cwd, demo });
}

/**
 * Opens the store the flags name. Only `create` commands (serve, merchant add) may bring a new
 * store into being: the others read or extend one that must already be there, so a mistyped --db
 * (or a file or schema that is not posguard's) is an error naming it, not an empty store that
 * "verifies" or exports nothing, and nothing is written into it.
 */
export async function openStoreFromFlags(
  flags: ParsedFlags,
  io: CliIo,
  options: { create?: boolean } = {},
): Promise<{ store: Store; config: HostConfig }> {
  const config = configFromFlags(flags, io);
  const existing = options.create === true ? {} : { existing: true };
  return { store: await openStore(config, Date.now(), existing), config };
}
