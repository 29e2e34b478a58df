// The CLI entry point: finds the command, runs it, and turns operating errors into one clear line
// on stderr and a non-zero exit code. No business logic lives here.
import { isPosError } from '../pos-error.js';
import { exitCodes, type CliIo, type Command } from './command.js';
import { commands } from './commands.js';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'posguard: an acquiring host that charges each sale exactly once',
    '',
    'Usage: posguard <command> [flags]   (posguard <command> --help for its flags)',
    '',
    'Commands:',
    ...lines,
    '',
  ].join('\n');
}

function processIo(): CliIo {
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), stopSignal };
}

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? exitCodes.usage : exitCodes.ok;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr.write(`posguard: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return exitCodes.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (isPosError(error)) {
      io.stderr.write(`posguard ${command.name}: ${error.code}: ${error.message}\n`);
      return usageCodes.test(error.code) ? exitCodes.usage : exitCodes.failure;
    }
    // What the system refused (a port in use, a name that does not resolve, a folder that is not
    // there): one line naming it, as for our own errors. Anything else is a defect: its stack.
    const system = systemError(error);
    if (system !== undefined) {
      io.stderr.write(`posguard ${command.name}: ${system.code}: ${system.message}\n`);
      return exitCodes.failure;
    }
    throw error;
  }
}

/**
 * Error codes that mean the command line or the configuration was wrong (a flag's value refused by
 * the module that reads it: a merchant or terminal id, a key, a dialect): exit status 2.
 */
const usageCodes =
  /^POS_ERR_(CLI_|CONFIG_INVALID$|MERCHANT_INVALID$|TERMINAL_INVALID$|OPERATIONS_KEY_INVALID$|DIAGNOSIS_INVALID_PERIOD$|ISO_UNKNOWN_DIALECT$|FEES_(PLAN_[A-Z_]+|BIN_TABLE_INVALID|STATEMENT_DATE|COMPARE_INVALID|FILE_UNREADABLE|TERMINAL_NOT_FOUND)$)/;

function systemError(error: unknown): { code: string; message: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? { code, message: error.message } : undefined;
}
