// The flags every command that touches the store takes: --db (or POSGUARD_DB) for the SQLite file,
// --database-url (or POSGUARD_DATABASE_URL) for PostgreSQL.
import { hostSettings, loadHostConfig, type HostConfig } from '../config/config.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
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

export async function openStoreFromFlags(
  flags: ParsedFlags,
  io: CliIo,
): Promise<{ store: Store; config: HostConfig }> {
  const config = configFromFlags(flags, io);
  return { store: await openStore(config, Date.now()), config };
}
