// `posguard terminal add`: registers a terminal to a merchant, with its terminal master key (TMK)
// for the ISO 8583 channel: given with --tmk, or generated and printed once.
import { bindSecretToStore } from '../../host-keys/host-keys.js';
import { loadHostKeys } from '../../host-keys/secret-file.js';
import { addTerminal } from '../../merchants/merchant-admin.js';
import { parseTmk, sealKey } from '../../merchants/key-vault.js';
import { Secret } from '../../cards/secret.js';
import { cryptoRandom } from '../../random/random.js';
import {
  booleanFlag,
  exitCodes,
  parseFlags,
  requiredStringFlag,
  stringFlag,
  takeSubcommand,
  wantsHelp,
  type Command,
} from '../command.js';
import { openStoreFromFlags, storeFlagHelp, storeFlagSpec } from '../store-flags.js';

const help = [
  'Usage: posguard terminal add --merchant ID --id TID [--tmk HEX] [--json]',
  '',
  'Registers a terminal to a merchant. Its terminal master key (TMK) encrypts the session keys it',
  'gets at sign-in over ISO 8583: give it with --tmk, or let posguard generate one and print it once.',
  'Keys are stored encrypted under the host secret, never in clear.',
  '',
  '  --merchant ID   the merchant (ISO 8583 field 42)',
  '  --id TID        terminal id, 1 to 8 letters or digits (ISO 8583 field 41)',
  '  --tmk HEX       the TMK: 16 hex characters (single DES) or 32 (double length)',
  '  --json          print { "merchantId", "terminalId", "tmk" } (tmk only when generated)',
  storeFlagHelp,
  '  --secret HEX    the host secret (or POSGUARD_SECRET; default <data folder>/secret.key)',
  '',
  'Example:',
  '  posguard terminal add --merchant 898310048990001 --id 10000159',
  '',
].join('\n');

export const terminalCommand: Command = {
  name: 'terminal',
  summary: 'register a terminal to a merchant (terminal add)',
  help,
  async run(args, io) {
    const taken = takeSubcommand('terminal', args, ['add'], help, io.stdout);
    if (typeof taken === 'number') return taken;
    const flags = parseFlags('terminal add', taken.rest, {
      ...storeFlagSpec,
      merchant: { type: 'string' },
      id: { type: 'string' },
      tmk: { type: 'string' },
      secret: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (wantsHelp(flags)) {
      io.stdout.write(help);
      return exitCodes.ok;
    }
    const merchantId = requiredStringFlag('terminal add', flags, 'merchant');
    const terminalId = requiredStringFlag('terminal add', flags, 'id');
    const given = stringFlag(flags, 'tmk');
    const tmk =
      given === undefined ? new Secret(cryptoRandom.bytes(16), 'terminal master key') : parseTmk(given);
    const { store, config } = await openStoreFromFlags(flags, io);
    try {
      const keys = loadHostKeys(config);
      await bindSecretToStore(store, keys, Date.now());
      const tmkEncrypted = sealKey(tmk, keys.terminalKeyKey, `${merchantId}/${terminalId}/tmk`);
      await addTerminal(store, { merchantId, terminalId, tmkEncrypted }, { now: Date.now() });
      const printedTmk = given === undefined ? tmk.reveal().toString('hex').toUpperCase() : null;
      if (booleanFlag(flags, 'json')) {
        io.stdout.write(
          `${JSON.stringify({ merchantId, terminalId, ...(printedTmk === null ? {} : { tmk: printedTmk }) })}\n`,
        );
      } else {
        io.stdout.write(`Terminal ${terminalId} added to merchant ${merchantId}.\n`);
        if (printedTmk !== null) {
          io.stdout.write(`Terminal master key (shown once; load it into the terminal): ${printedTmk}\n`);
        }
      }
      return exitCodes.ok;
    } finally {
      await store.close();
    }
  },
};
