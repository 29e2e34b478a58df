// Reading a file a command was given (a fee plan, a BIN table): relative to the command's working
// directory, refused above a size, and every failure a coded error that names the path.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { PosError } from '../pos-error.js';
import type { CliIo } from './command.js';

export function readInputFile(io: Pick<CliIo, 'cwd'>, path: string, maxBytes: number): string {
  const full = resolve(io.cwd, path);
  try {
    const size = statSync(full).size;
    if (size > maxBytes) {
      throw new PosError(
        'POS_ERR_FEES_FILE_UNREADABLE',
        `${path}: ${size} bytes, more than the ${maxBytes} allowed`,
        {
          details: { path },
        },
      );
    }
    return readFileSync(full, 'utf8');
  } catch (error) {
    if (error instanceof PosError) throw error;
    throw new PosError(
      'POS_ERR_FEES_FILE_UNREADABLE',
      `cannot read ${JSON.stringify(path)}: ${String(error)}`,
      {
        cause: error,
        details: { path },
      },
    );
  }
}
