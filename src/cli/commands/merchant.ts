// `posguard merchant add`: registers a merchant and prints its API key, once.
import { addMerchant } from '../../merchants/merchant-admin.js';
import { duplicatePolicies, type DuplicatePolicy } from '../../payments/payment.js';
import { PosError } from '../../pos-error.js';
import { cryptoRandom } from '../../random/random.js';
import {
  booleanFlag,
  exitCodes,
  integerFlag,
  parseFlags,
  requiredStringFlag,
  stringFlag,
  takeSubcommand,
  wantsHelp,
  type Command,
} from '../command.js';
import { openStoreFromFlags, storeFlagHelp, storeFlagSpec } from '../store-flags.js';

const help = [
  'Usage: posguard merchant add --id ID --name NAME [--duplicate-policy P] [--duplicate-window-s N] [--json]',
  '',
  'Registers a merchant and prints its API key. The key is shown this once; posguard keeps only its hash.',
  '',
  '  --id ID                  merchant id, 1 to 15 letters or digits (ISO 8583 field 42)',
  '  --name NAME              the shop name',
  `  --duplicate-policy P     what to do with a suspected duplicate sale: ${duplicatePolicies.join(', ')} (default confirm)`,
  '                           confirm: not sent, the operator confirms a genuine repeat; block: always refused;',
  '                           flag: sent and marked for review; off: no guard',
  '  --duplicate-window-s N   how far back a sale counts as a possible duplicate (default 120)',
  '  --json                   print { "merchantId", "apiKey" }',
  storeFlagHelp,
  '',
  'Example:',
  '  posguard merchant add --id 898310048990001 --name "Corner shop" --json',
  '',
].join('\n');

export const merchantCommand: Command = {
  name: 'merchant',
  summary: 'register a merchant and print its API key (merchant add)',
  help,
  async run(args, io) {
    const taken = takeSubcommand('merchant', args, ['add'], help, io.stdout);
    if (typeof taken === 'number') return taken;
    const flags = parseFlags('merchant add', taken.rest, {
      ...storeFlagSpec,
      id: { type: 'string' },
      name: { type: 'string' },
      'duplicate-policy': { type: 'string' },
      'duplicate-window-s': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (wantsHelp(flags)) {
      io.stdout.write(help);
      return exitCodes.ok;
    }
    const id = requiredStringFlag('merchant add', flags, 'id');
    const name = requiredStringFlag('merchant add', flags, 'name');
    const policy = stringFlag(flags, 'duplicate-policy');
    if (policy !== undefined && !(duplicatePolicies as readonly string[]).includes(policy)) {
      throw new PosError(
        'POS_ERR_CLI_BAD_FLAG',
        `merchant add: --duplicate-policy expected one of ${duplicatePolicies.join(', ')}, got ${JSON.stringify(policy)}`,
      );
    }
    const windowS = integerFlag('merchant add', flags, 'duplicate-window-s', { min: 0, max: 86_400 });
    // The first step on a new host: creates the database when it is not there yet.
    const { store } = await openStoreFromFlags(flags, io, { create: true });
    try {
      const { merchant, apiKey } = await addMerchant(
        store,
        {
          id,
          name,
          ...(policy !== undefined ? { duplicatePolicy: policy as DuplicatePolicy } : {}),
          ...(windowS !== undefined ? { duplicateWindowS: windowS } : {}),
        },
        { random: cryptoRandom, now: Date.now() },
      );
      if (booleanFlag(flags, 'json')) {
        io.stdout.write(`${JSON.stringify({ merchantId: merchant.id, apiKey })}\n`);
      } else {
        io.stdout.write(
          `Merchant ${merchant.id} (${merchant.name}) added, duplicate policy ${merchant.duplicatePolicy} over ${merchant.duplicateWindowS} s.\n` +
            `API key (shown once, keep it safe): ${apiKey}\n`,
        );
      }
      return exitCodes.ok;
    } finally {
      await store.close();
    }
  },
};
