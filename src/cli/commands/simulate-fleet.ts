// `posguard simulate --culprits --truth FILE --db FILE` (issue 14): the flags that plant culprits
// in the simulated fleet, write what was planted, and keep the guarded host's store for
// `posguard diagnose`. Read and checked before the day runs, so a bad one costs nothing; the
// truth is written beside its file and renamed once complete, never half-written.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PosError } from '../../pos-error.js';
import { fleetTerminalLimits, type Culprit } from '../../simulator/fleet.js';
import type { PaymentMethod } from '../../simulator/simulate.js';
import { booleanFlag, stringFlag, type CliIo, type ParsedFlags } from '../command.js';

export interface FleetFlags {
  readonly culprits: boolean;
  /** Where the truth goes (`--truth`), resolved. */
  readonly truthFile?: string;
  /** The new store file (`--db`), resolved. */
  readonly storeFile?: string;
}

export const fleetFlagHelp = [
  '  --culprits          plant culprits in the fleet (off by default: without it a seed gives the day',
  '                      it always gave). Terminals get operators (a morning and an afternoon one),',
  '                      a network (a 4G carrier, the shop Wi-Fi or Ethernet), software versions and',
  '                      hourly status reports; the seed makes a few bad: terminals with a worn card',
  '                      reader, a failing printer or old software that retransmits, operators who key',
  '                      sales twice, one carrier that loses messages, one provider (the issuer or a',
  '                      wallet) that times out or posts twice. Needs 8 to 499 terminals. The guarded',
  '                      host runs as one process. docs/diagnostics.md, "The simulator\'s culprits"',
  '  --truth FILE        with --culprits: write what was planted as JSON, { seed, culprits: [{',
  '                      subjectKind, subjectId, cause, fault }] }, in the names diagnose uses',
  "  --db FILE           keep the guarded host's store in FILE, a new SQLite file (refused if it",
  '                      exists), for `posguard diagnose --db FILE --from 2026-11-25 --to 2026-11-25`;',
  '                      the guarded host then runs as one process (its counts are that of one host)',
];

function badFlag(message: string): PosError {
  return new PosError('POS_ERR_CLI_BAD_FLAG', `simulate: ${message}`);
}

/** `--culprits`, `--truth`, `--db`, checked against each other, the terminals and the protocols. */
export function fleetFlags(
  flags: ParsedFlags,
  io: CliIo,
  context: { readonly terminals: number; readonly guarded: boolean },
): FleetFlags {
  const culprits = booleanFlag(flags, 'culprits');
  const truth = stringFlag(flags, 'truth');
  const db = stringFlag(flags, 'db');
  const { min, max } = fleetTerminalLimits;
  if (culprits && (context.terminals < min || context.terminals > max)) {
    throw badFlag(
      `--culprits expected --terminals from ${min} to ${max} (a culprit needs healthy peers; operator ids have three digits), got ${context.terminals}`,
    );
  }
  if (truth !== undefined && !culprits) {
    throw badFlag('--truth expected --culprits with it: without planted culprits there is no truth to write');
  }
  if (db !== undefined && !context.guarded) {
    throw badFlag("--db keeps the guarded host's store: expected --protocol guarded or both, got naive");
  }
  const storeFile = db === undefined ? undefined : resolve(io.cwd, db);
  if (storeFile !== undefined && existsSync(storeFile)) {
    throw badFlag(
      `--db expected a path where no file is yet (simulate writes a new store), got ${JSON.stringify(db)}, which exists`,
    );
  }
  const truthFile = truth === undefined ? undefined : resolve(io.cwd, truth);
  for (const file of [storeFile, truthFile]) if (file !== undefined) makeParent(file);
  return {
    culprits,
    ...(truthFile === undefined ? {} : { truthFile }),
    ...(storeFile === undefined ? {} : { storeFile }),
  };
}

function makeParent(file: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (error) {
    throw new PosError(
      'POS_ERR_SIMULATOR_OUTPUT_FAILED',
      `simulate: cannot make the directory of ${JSON.stringify(file)}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, details: { file } },
    );
  }
}

/** The truth file's content: what was planted, in the names `posguard diagnose` gives subjects. */
export function truthJson(run: {
  readonly seed: number;
  readonly intents: number;
  readonly terminals: number;
  readonly methods: readonly PaymentMethod[];
  readonly culprits: readonly Culprit[];
}): string {
  return `${JSON.stringify({ format: 'posguard-culprits/1', ...run }, null, 2)}\n`;
}

/** Writes the truth beside its file, then renames it: complete or not there at all. */
export function writeTruth(file: string, content: string): void {
  const writing = `${file}.writing`;
  try {
    writeFileSync(writing, content, 'utf8');
    renameSync(writing, file);
  } catch (error) {
    rmSync(writing, { force: true });
    throw new PosError(
      'POS_ERR_SIMULATOR_OUTPUT_FAILED',
      `simulate: cannot write the truth to ${JSON.stringify(file)}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, details: { file } },
    );
  }
}
