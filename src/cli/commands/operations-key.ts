// `posguard operations-key create|list|revoke`: the acquirer's operations keys (issue 14), which
// read the whole fleet's diagnosis over HTTP. Argument parsing and wiring only: the rules live in
// src/merchants/operations-keys.ts.
import {
  createOperationsKey,
  maxOperationsKeys,
  revokeOperationsKey,
} from '../../merchants/operations-keys.js';
import { cryptoRandom } from '../../random/random.js';
import {
  booleanFlag,
  exitCodes,
  parseFlags,
  requiredStringFlag,
  takeSubcommand,
  wantsHelp,
  type CliIo,
  type Command,
} from '../command.js';
import { openStoreFromFlags, storeFlagHelp, storeFlagSpec } from '../store-flags.js';

const help = [
  'Usage: posguard operations-key create --label TEXT [--json]',
  '       posguard operations-key list [--json]',
  '       posguard operations-key revoke --id ops_... [--json]',
  '',
  'Keys for the acquirer\'s operations staff (docs/security.md, "Operations keys"). An operations key',
  'is sent like a merchant key (Authorization: Bearer pgo_...) and reads the whole fleet at',
  'GET /v1/diagnostics; every route that acts for one merchant refuses it (403). The key is shown',
  'once, at create; posguard keeps only its hash. Revoke a key that leaves with its holder.',
  '',
  '  --label TEXT   who or what holds the key (1 to 100 characters), e.g. "night shift"',
  '  --id ID        the key to revoke, as list shows it',
  '  --json         print JSON',
  storeFlagHelp,
  '',
  'Exit status: 0 done, 2 bad flags or input, 1 other errors.',
  '',
  'Example:',
  '  posguard operations-key create --db ./data/posguard.db --label "night shift"',
  '',
].join('\n');

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

async function run(sub: 'create' | 'list' | 'revoke', rest: readonly string[], io: CliIo): Promise<number> {
  const command = `operations-key ${sub}`;
  const flags = parseFlags(command, rest, {
    ...storeFlagSpec,
    label: { type: 'string' },
    id: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (wantsHelp(flags)) {
    io.stdout.write(help);
    return exitCodes.ok;
  }
  const label = sub === 'create' ? requiredStringFlag(command, flags, 'label') : undefined;
  const id = sub === 'revoke' ? requiredStringFlag(command, flags, 'id') : undefined;
  const { store } = await openStoreFromFlags(flags, io);
  try {
    const asJson = booleanFlag(flags, 'json');
    if (label !== undefined) {
      const { record, apiKey } = await createOperationsKey(
        store,
        { label },
        { random: cryptoRandom, now: Date.now() },
      );
      io.stdout.write(
        asJson
          ? json({ id: record.id, label: record.label, apiKey })
          : `Operations key ${record.id} (${record.label}) created.\nKey (shown once, keep it safe): ${apiKey}\n`,
      );
    } else if (id !== undefined) {
      await revokeOperationsKey(store, id, Date.now());
      io.stdout.write(asJson ? json({ id, revoked: true }) : `Operations key ${id} revoked.\n`);
    } else {
      const keys = await store.read((r) => r.listOperationsKeys(maxOperationsKeys));
      const rows = keys.map((k) => ({
        id: k.id,
        label: k.label,
        createdAt: new Date(k.createdAt).toISOString(),
        revokedAt: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
      }));
      io.stdout.write(
        asJson
          ? json({ keys: rows })
          : rows
              .map(
                (k) =>
                  `${k.id}  ${k.revokedAt === null ? 'active ' : 'revoked'}  ${k.createdAt}  ${k.label}\n`,
              )
              .join(''),
      );
    }
    return exitCodes.ok;
  } finally {
    await store.close();
  }
}

export const operationsKeyCommand: Command = {
  name: 'operations-key',
  summary: "keys for the acquirer's operations staff: the fleet's diagnosis over HTTP (create|list|revoke)",
  help,
  async run(args, io) {
    const taken = takeSubcommand('operations-key', args, ['create', 'list', 'revoke'], help, io.stdout);
    if (typeof taken === 'number') return taken;
    return run(taken.sub, taken.rest, io);
  },
};
