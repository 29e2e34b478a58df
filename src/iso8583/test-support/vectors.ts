// Reads the published CUP POS vectors (test/fixtures/cup-pos, copied into the repository with their
// sources) and their expected decodes, for the codec tests. The path is resolved from this file, not
// the cwd, so a test runs the same from any folder.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Framing, IsoMessage } from '../iso-message.js';
import type { Dialect } from '../dialect.js';
import { cupPos, loadDialectFile } from '../dialect-registry.js';

export const vectorsDir = fileURLToPath(new URL('../../../test/fixtures/cup-pos/', import.meta.url));
export const acquirerDialectPath = fileURLToPath(
  new URL('../dialects/acquirer-extra-fields.json', import.meta.url),
);

export interface Vector {
  readonly file: string;
  readonly framing: Framing;
  readonly dialect: Dialect;
  readonly bytes: Buffer;
  readonly decode: IsoMessage | undefined;
  /** For negative vectors: the text the error message must contain. */
  readonly expectError: string | undefined;
  readonly reencodeIdentical: boolean;
  readonly decodeWithoutPrefix: IsoMessage | undefined;
}

interface ExpectedEntry {
  readonly framing: Framing;
  readonly variant: string;
  readonly decode?: IsoMessage;
  readonly expect?: string;
  readonly reencode_identical?: boolean;
  readonly decode_without_prefix?: IsoMessage;
}

/** The hex of a vector file: comment lines dropped, white space ignored. */
export function readHexFile(path: string): Buffer {
  const hex = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('')
    .replace(/\s+/g, '');
  return Buffer.from(hex, 'hex');
}

export function loadVectors(): Vector[] {
  const expected = JSON.parse(readFileSync(`${vectorsDir}expected.json`, 'utf8')) as Record<
    string,
    ExpectedEntry
  >;
  const acquirer = loadDialectFile(acquirerDialectPath);
  return Object.entries(expected).map(([file, entry]) => ({
    file,
    framing: entry.framing,
    dialect: entry.variant === 'cup-pos' ? cupPos : acquirer,
    bytes: readHexFile(`${vectorsDir}${file}`),
    decode: entry.decode,
    expectError: entry.expect?.replace(/^error: /, ''),
    reencodeIdentical: entry.reencode_identical === true,
    decodeWithoutPrefix: entry.decode_without_prefix,
  }));
}
