// What every CLI command is: a name, a one-line summary, a help text and a run function that gets
// its arguments and an I/O handle (so tests run commands in process and read what they print).
// Flag parsing wraps node:util's parseArgs and turns its errors into PosErrors that name the flag.
import { parseArgs } from 'node:util';
import { isPosError, PosError } from '../pos-error.js';

export interface CliOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Resolves when the process is asked to stop (SIGTERM, SIGINT); long-running commands await it. */
  readonly stopSignal: Promise<string>;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** Exit codes: 0 done, 1 the command ran and found a failure (a breach, a mismatch), 2 bad usage or input. */
export const exitCodes = { ok: 0, failure: 1, usage: 2 } as const;

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

export interface ParsedFlags {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
}

/** Parses flags strictly: an unknown flag or a missing value is an error that names the flag. */
export function parseFlags(
  command: string,
  args: readonly string[],
  spec: FlagSpec,
  options: { positionals?: boolean } = {},
): ParsedFlags {
  try {
    const parsed = parseArgs({
      args: [...args],
      options: { ...spec, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: options.positionals ?? false,
    });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new PosError('POS_ERR_CLI_BAD_FLAG', `${command}: ${message.replace(/\. To specify.*$/s, '')}`, {
      cause: error,
    });
  }
}

export function stringFlag(flags: ParsedFlags, name: string): string | undefined {
  const value = flags.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredStringFlag(command: string, flags: ParsedFlags, name: string): string {
  const value = stringFlag(flags, name);
  if (value === undefined || value === '') {
    throw new PosError('POS_ERR_CLI_MISSING_FLAG', `${command}: --${name} is required`);
  }
  return value;
}

export function booleanFlag(flags: ParsedFlags, name: string): boolean {
  return flags.values[name] === true;
}

/** Reads a whole-number flag within bounds, naming the flag and the value when it is not one. */
export function integerFlag(
  command: string,
  flags: ParsedFlags,
  name: string,
  bounds: { min: number; max: number },
): number | undefined {
  const text = stringFlag(flags, name);
  if (text === undefined) return undefined;
  const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < bounds.min || value > bounds.max) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `${command}: --${name} expected a whole number from ${bounds.min} to ${bounds.max}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/**
 * Reads the subcommand that leads `args` (`posguard merchant add ...`): one of `subcommands`, with
 * the arguments after it. With no subcommand, or `--help`/`-h`/`help` in its place, prints `help`
 * and returns the exit code instead (usage without one, ok when help was asked for).
 */
export function takeSubcommand<S extends string>(
  command: string,
  args: readonly string[],
  subcommands: readonly S[],
  help: string,
  stdout: CliOutput,
): { readonly sub: S; readonly rest: readonly string[] } | number {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    stdout.write(help);
    return sub === undefined ? exitCodes.usage : exitCodes.ok;
  }
  if (!(subcommands as readonly string[]).includes(sub)) {
    const expected =
      subcommands.length === 1
        ? `the subcommand ${subcommands.join('')}`
        : `a subcommand (${subcommands.join(', ')})`;
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `${command}: expected ${expected}, got ${JSON.stringify(sub)}`,
    );
  }
  return { sub: sub as S, rest };
}

export function wantsHelp(flags: ParsedFlags): boolean {
  return flags.values['help'] === true;
}

/**
 * A flag's value read by a parser outside the CLI (an amount, a fault rate...): its refusal is a
 * bad flag like any other, exit status 2, never the 1 a command gives for what it found.
 */
export function flagValue<T>(command: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!isPosError(error)) throw error;
    throw new PosError('POS_ERR_CLI_BAD_FLAG', `${command}: ${error.message}`, { cause: error });
  }
}
