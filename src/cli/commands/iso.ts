// `posguard iso decode|encode`: turns an ISO 8583 frame (hex) into the canonical decode JSON and
// back, in any dialect (a built-in name or a dialect JSON file) and framing. Input comes from the
// argument, a file or stdin, each read with a size limit.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { PosError } from '../../pos-error.js';
import {
  builtInDialects,
  decodeFrame,
  encodeFrame,
  framings,
  isoMessageFromJson,
  resolveDialect,
  type Dialect,
  type Framing,
} from '../../iso8583/index.js';
import {
  exitCodes,
  parseFlags,
  stringFlag,
  takeSubcommand,
  wantsHelp,
  type CliIo,
  type Command,
} from '../command.js';

/** Frames are at most 64 KiB; their hex or JSON with white space stays far below this. */
export const maxInputBytes = 1024 * 1024;

/**
 * The CLI's I/O handle, plus an optional stdin (tests pass one; the real CLI reads process.stdin).
 */
export interface IsoCliIo extends CliIo {
  readonly stdin?: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
}

const help = `Usage:
  posguard iso decode [--framing F] [--dialect D] HEX|-
  posguard iso encode [--framing F] [--dialect D] FILE|-

decode prints the canonical decode JSON of a frame given as hex (white space ignored; - reads
stdin). encode reads that JSON from FILE (- for stdin) and prints the frame as upper-case hex.

Flags:
  --framing F   full (default: 2-byte length + TPDU + header + MTI...), no-length, or body (MTI onwards)
  --dialect D   ${[...builtInDialects.keys()].join(' (default), ')}, or a path to a dialect JSON file,
                e.g. src/iso8583/dialects/acquirer-extra-fields.json

Examples:
  posguard iso decode --framing body 08000020000000C00012000105303030303037363431313130303030303131313130303200110000000100300003303031
  posguard iso decode - < frame.hex > message.json
  posguard iso encode --framing body message.json
`;

async function readStdin(io: IsoCliIo): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  // process.stdin yields Buffers (no encoding set); typed here since Node types it as any.
  const source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string> =
    io.stdin ?? process.stdin;
  for await (const chunk of source) {
    const bytes =
      typeof chunk === 'string'
        ? Buffer.from(chunk, 'utf8')
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    size += bytes.length;
    if (size > maxInputBytes) {
      throw new PosError(
        'POS_ERR_ISO_INPUT_TOO_LARGE',
        `stdin: more than ${maxInputBytes} bytes, the input limit`,
      );
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function readInputFile(path: string): string {
  try {
    const size = statSync(path).size;
    if (size > maxInputBytes) {
      throw new PosError(
        'POS_ERR_ISO_INPUT_TOO_LARGE',
        `${path}: ${size} bytes, more than the ${maxInputBytes}-byte input limit`,
      );
    }
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof PosError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new PosError('POS_ERR_ISO_INPUT_UNREADABLE', `cannot read ${path}: ${reason}`, { cause: error });
  }
}

/** Hex with any white space; the position in errors counts hex digits only. */
export function parseHexInput(text: string): Buffer {
  const hex = text.replace(/\s+/g, '');
  const bad = hex.search(/[^0-9A-Fa-f]/);
  if (bad >= 0) {
    throw new PosError(
      'POS_ERR_ISO_BAD_HEX',
      `HEX: expected hex digits (white space ignored), got a character that is not one at position ${bad + 1}`,
    );
  }
  if (hex.length === 0 || hex.length % 2 === 1) {
    throw new PosError(
      'POS_ERR_ISO_BAD_HEX',
      `HEX: expected an even, non-zero number of hex digits, got ${hex.length}`,
    );
  }
  return Buffer.from(hex, 'hex');
}

function dialectOption(value: string | undefined, io: CliIo): Dialect {
  if (value === undefined) return resolveDialect('cup-pos');
  if (builtInDialects.has(value)) return resolveDialect(value);
  const pathLike = value.includes('/') || value.includes('\\') || value.endsWith('.json');
  return resolveDialect(pathLike && !isAbsolute(value) ? resolve(io.cwd, value) : value);
}

function framingOption(command: string, value: string | undefined): Framing {
  if (value === undefined) return 'full';
  const framing = framings.find((f) => f === value);
  if (framing === undefined) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `${command}: --framing expected ${framings.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return framing;
}

async function run(args: readonly string[], io: IsoCliIo): Promise<number> {
  const taken = takeSubcommand('iso', args, ['decode', 'encode'], help, io.stdout);
  if (typeof taken === 'number') return taken;
  const { sub: action, rest } = taken;
  const command = `iso ${action}`;
  const flags = parseFlags(
    command,
    rest,
    { framing: { type: 'string' }, dialect: { type: 'string' } },
    { positionals: true },
  );
  if (wantsHelp(flags)) {
    io.stdout.write(help);
    return exitCodes.ok;
  }
  const what = action === 'decode' ? 'HEX' : 'FILE';
  const [input, ...extra] = flags.positionals;
  if (input === undefined) {
    throw new PosError(
      'POS_ERR_CLI_MISSING_FLAG',
      `${command}: the ${what} argument is required (- reads stdin)`,
    );
  }
  if (extra.length > 0) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `${command}: expected one ${what} argument, got ${flags.positionals.length}`,
    );
  }
  const options = {
    dialect: dialectOption(stringFlag(flags, 'dialect'), io),
    framing: framingOption(command, stringFlag(flags, 'framing')),
  };

  if (action === 'decode') {
    const hex = input === '-' ? await readStdin(io) : input;
    const message = decodeFrame(parseHexInput(hex), options);
    io.stdout.write(`${JSON.stringify(message, null, 2)}\n`);
    return exitCodes.ok;
  }
  const text = input === '-' ? await readStdin(io) : readInputFile(resolve(io.cwd, input));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PosError('POS_ERR_ISO_BAD_VALUE', `invalid ISO 8583 message: not JSON: ${reason}`, {
      cause: error,
    });
  }
  const frame = encodeFrame(isoMessageFromJson(json), options);
  io.stdout.write(`${frame.toString('hex').toUpperCase()}\n`);
  return exitCodes.ok;
}

export const iso: Command = {
  name: 'iso',
  summary: 'decode an ISO 8583 frame to JSON, or encode JSON to a frame',
  help,
  run,
};
