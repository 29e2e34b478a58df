// `posguard issuer`: runs the simulated issuer as a service of its own, so that several hosts
// (`serve --upstream-url`) share one issuer and one ledger, as they would share a real one.
import { resolve } from 'node:path';
import { hostSettings, loadHostConfig } from '../../config/config.js';
import { cryptoRandom } from '../../random/random.js';
import { systemClock } from '../../clock/clock.js';
import { buildIssuerService } from '../../simulated-issuer/issuer-service.js';
import { SimulatedIssuer } from '../../simulated-issuer/simulated-issuer.js';
import { SqliteIssuerLedger } from '../../simulated-issuer/sqlite-issuer-ledger.js';
import {
  booleanFlag,
  exitCodes,
  integerFlag,
  parseFlags,
  stringFlag,
  wantsHelp,
  type Command,
  type FlagSpec,
} from '../command.js';
import { settingFlags } from '../store-flags.js';

const faultSettings = hostSettings.filter((s) => s.name.startsWith('issuer'));

const help = [
  'Usage: posguard issuer [--port N] [--host ADDR] [--ledger PATH] [fault flags] [--json]',
  '',
  'Runs the simulated issuer over HTTP for hosts started with --upstream-url http://HOST:PORT.',
  "It keeps each card's ledger (the ground truth of what cardholders paid) in an SQLite file, and",
  'can misbehave the way real upstreams do.',
  '',
  '  --port N          port (default 8090; 0 picks a free one)',
  '  --host ADDR       address to listen on (default 127.0.0.1)',
  '  --ledger PATH     ledger file (default ./data/issuer-ledger.db)',
  ...faultSettings.map((s) => `  --${s.flag.padEnd(24)} ${s.help} [${s.env}]`),
  '  --json            print one {"event":"ready","url":...} line instead of text',
  '',
  'Example:',
  '  posguard issuer --port 8090 --issuer-latency-ms 20-200 --issuer-lost-answer-rate 0.01',
  '',
].join('\n');

const flagSpec: FlagSpec = {
  ...Object.fromEntries(faultSettings.map((s): [string, { type: 'string' }] => [s.flag, { type: 'string' }])),
  port: { type: 'string' },
  host: { type: 'string' },
  ledger: { type: 'string' },
  json: { type: 'boolean' },
};

export const issuerCommand: Command = {
  name: 'issuer',
  summary: 'run the simulated issuer as a service shared by several hosts',
  help,
  async run(args, io) {
    const flags = parseFlags('issuer', args, flagSpec);
    if (wantsHelp(flags)) {
      io.stdout.write(help);
      return exitCodes.ok;
    }
    const config = loadHostConfig({ flags: settingFlags(flags), env: io.env, cwd: io.cwd });
    const port = integerFlag('issuer', flags, 'port', { min: 0, max: 65535 }) ?? 8090;
    const ledgerPath = resolve(io.cwd, stringFlag(flags, 'ledger') ?? './data/issuer-ledger.db');
    const ledger = new SqliteIssuerLedger(ledgerPath);
    const issuer = new SimulatedIssuer({
      clock: systemClock,
      random: cryptoRandom,
      ledger,
      faults: config.issuerFaults,
    });
    const app = await buildIssuerService(issuer);
    const url = await app.listen({ port, host: stringFlag(flags, 'host') ?? '127.0.0.1' });
    io.stdout.write(
      booleanFlag(flags, 'json')
        ? `${JSON.stringify({ event: 'ready', url, ledger: ledgerPath })}\n`
        : `simulated issuer listening at ${url}, ledger ${ledgerPath}\n`,
    );
    await io.stopSignal;
    await app.close();
    ledger.close();
    return exitCodes.ok;
  },
};
