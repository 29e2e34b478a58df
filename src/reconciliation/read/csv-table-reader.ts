// What the three v1 readers share: open the file, find the columns by name in the header row
// (any order, extra columns ignored, every missing one reported at once), check each record's
// width, and hand each data record to a row parser that names file, line and column when a cell
// is wrong.
import type { ErrorCode } from '../../error-catalogue.js';
import { stat } from 'node:fs/promises';
import type { PosError } from '../../pos-error.js';
import { notFen, parseFen, parseIsoTime } from './cell-parsing.js';
import { scanCsv, type ByteSource, type CsvRecord } from './csv-scanner.js';
import { openFileSource } from './file-source.js';
import { describeCell, inputError } from './input-error.js';
import { narrowDigits, wideDigits, type TextDictionary } from '../tables/text-dictionary.js';

export interface ReadOptions {
  /** The file to read, also the name errors and reports use. */
  readonly file: string;
  /**
   * Where the file's bytes are when `file` is only its name (an upload kept in a temporary file
   * under a name of its own); `file` itself by default.
   */
  readonly path?: string;
  /** Where the bytes come from; by default the file itself. */
  readonly source?: ByteSource;
  readonly delimiter?: string;
  readonly maxRecordBytes?: number;
  readonly onProgress?: (progress: { rows: number; bytesRead: number }) => void;
  /** The encoding `source` was transcoded from, so cells it could not decode are refused. */
  readonly transcodedFrom?: string;
  /** A line starting with this character is a comment (scanner option), given to `sections.comment`. */
  readonly commentPrefix?: string;
}

export interface TableReadOptions extends ReadOptions {
  /** Shared by every table that is compared, so equal keys get equal codes. */
  readonly dictionary: TextDictionary;
}

/**
 * What a file holds besides its header and data lines, for formats that have more (a wallet's bill:
 * `#` comment lines around the table, a totals block after it). Without it every record after the
 * header is a data line.
 */
export interface SectionHandler {
  /** A comment line, before or after the header (only with `commentPrefix`). */
  comment?(record: CsvRecord): void;
  /** True when this record, after the header, is no data line but starts what follows the data. */
  endsData?(record: CsvRecord): boolean;
  /** The record `endsData` chose, and every record after it, of any width. */
  afterData?(record: CsvRecord): void;
}

/** Calls made per data record: `row` gets the record and the header's index for each wanted column. */
export interface RowParser {
  row(record: CsvRecord, cells: CellReader): void;
}

/** Reads typed cells of the current record, raising errors that name the column. */
export class CellReader {
  record!: CsvRecord;

  constructor(
    private readonly file: string,
    private readonly names: readonly string[],
    private readonly dictionary: TextDictionary,
  ) {}

  /** The cell's key code (see text-dictionary.ts). */
  key(field: number, maxDigits: number): number {
    const record = this.record;
    if (record.escaped[field] === 1) return this.dictionary.codeText(record.text(field), maxDigits);
    return this.dictionary.codeBytes(record.buffer, record.starts[field]!, record.ends[field]!, maxDigits);
  }

  fail(code: ErrorCode, field: number, expected: string): PosError {
    const text = this.record.text(field);
    return inputError(
      code,
      { file: this.file, line: this.record.line, column: this.names[field] ?? `field ${field + 1}` },
      `expected ${expected}, got ${describeCell(text)}`,
    );
  }

  /** Reads the five key cells every v1 file has into the key columns of a table's row. */
  keys(
    at: Readonly<Record<'merchant_id' | 'terminal_id' | 'batch_no' | 'stan' | 'rrn', number>>,
    columns: {
      merchant: Float64Array;
      terminal: Int32Array;
      batch: Int32Array;
      stan: Int32Array;
      rrn: Float64Array;
    },
    row: number,
  ): void {
    columns.merchant[row] = this.key(at.merchant_id, wideDigits);
    columns.terminal[row] = this.key(at.terminal_id, narrowDigits);
    columns.batch[row] = this.key(at.batch_no, narrowDigits);
    columns.stan[row] = this.key(at.stan, narrowDigits);
    columns.rrn[row] = this.key(at.rrn, wideDigits);
  }

  /** The cell as epoch ms (ISO 8601 with offset); NaN when empty; an error when not a time. */
  time(field: number): number {
    const record = this.record;
    if (record.isEmpty(field)) return Number.NaN;
    const time = parseIsoTime(record.buffer, record.starts[field]!, record.ends[field]!);
    if (Number.isNaN(time)) {
      throw this.fail(
        'POS_ERR_RECON_BAD_TIME',
        field,
        'an ISO 8601 time with offset like 2026-11-25T14:03:07+08:00',
      );
    }
    return time;
  }

  /** The cell as whole fen; `ifEmpty` when empty and allowed to be, else an error. */
  fen(field: number, ifEmpty?: number): number {
    const record = this.record;
    if (ifEmpty !== undefined && record.isEmpty(field)) return ifEmpty;
    const fen = parseFen(record.buffer, record.starts[field]!, record.ends[field]!);
    if (fen === notFen)
      throw this.fail('POS_ERR_RECON_BAD_AMOUNT', field, 'a whole number of fen (0 to 999999999999)');
    return fen;
  }

  /** The index in `words` of the cell's text, or an error listing the allowed words. */
  word(field: number, words: readonly Uint8Array[], allowed: readonly string[]): number {
    const record = this.record;
    const buffer = record.buffer;
    const start = record.starts[field]!;
    const length = record.ends[field]! - start;
    for (let w = 0; w < words.length; w += 1) {
      const word = words[w]!;
      if (word.length !== length) continue;
      let i = 0;
      while (i < length && buffer[start + i] === word[i]) i += 1;
      if (i === length) return w;
    }
    throw this.fail('POS_ERR_RECON_BAD_VALUE', field, `one of ${allowed.join(', ')}`);
  }
}

/**
 * A first table capacity for a file: its size over a typical row's bytes, so a big file's columns
 * are allocated once instead of doubled (and copied) twenty times. A row count past it still grows.
 */
export async function estimatedRows(options: ReadOptions, typicalRowBytes: number): Promise<number> {
  if (options.source !== undefined) return 1024;
  try {
    return Math.ceil((await stat(options.path ?? options.file)).size / typicalRowBytes) + 16;
  } catch {
    return 1024; // the reader reports the unreadable file itself
  }
}

export function wordsOf(values: readonly string[]): Uint8Array[] {
  return values.map((v) => Buffer.from(v, 'utf8'));
}

/**
 * Reads a whole CSV file: header, then every record through `makeParser(columnIndexes)`. Columns
 * in `more.optional` may be missing from the header: their index is -1.
 */
// Long because: the scan's callback keeps the header, the width check and the sections in one
// closure over the reader's state; split, each piece would take and return that state.
export async function readCsvTable<C extends string, O extends string = never>(
  options: TableReadOptions,
  columns: readonly C[],
  makeParser: (index: Readonly<Record<C | O, number>>) => RowParser,
  more: { readonly optional?: readonly O[]; readonly sections?: SectionHandler } = {},
): Promise<{ rows: number }> {
  const source = options.source ?? (await openFileSource(options.path ?? options.file));
  const sections = more.sections;
  let parser: RowParser | undefined;
  let cells: CellReader | undefined;
  let width = 0;
  let rows = 0;
  let bytesRead = 0;
  let dataEnded = false;
  let header: readonly string[] = [];
  try {
    await scanCsv({
      file: options.file,
      source,
      ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter }),
      ...(options.maxRecordBytes === undefined ? {} : { maxRecordBytes: options.maxRecordBytes }),
      ...(options.transcodedFrom === undefined ? {} : { transcodedFrom: options.transcodedFrom }),
      ...(options.commentPrefix === undefined ? {} : { commentPrefix: options.commentPrefix }),
      // Scanner errors name the column by its header, like every other error of a record.
      columnName: (field) => header[field] || `field ${field + 1}`,
      onRecord: (record) => {
        if (record.isComment) {
          sections?.comment?.(record);
          return;
        }
        if (parser === undefined || cells === undefined) {
          const names = Array.from({ length: record.count }, (_, i) => record.text(i).trim());
          header = names;
          parser = makeParser(headerIndex(options.file, record.line, names, columns, more.optional ?? []));
          cells = new CellReader(options.file, names, options.dictionary);
          width = record.count;
          return;
        }
        if (dataEnded || sections?.endsData?.(record) === true) {
          dataEnded = true;
          sections!.afterData?.(record);
          return;
        }
        if (record.count !== width) {
          throw inputError(
            'POS_ERR_RECON_FIELD_COUNT',
            { file: options.file, line: record.line },
            `expected ${width} fields as in the header, got ${record.count}`,
          );
        }
        cells.record = record;
        parser.row(record, cells);
        rows += 1;
        if ((rows & 0xffff) === 0) options.onProgress?.({ rows, bytesRead });
      },
      onProgress: (read) => {
        bytesRead = read;
      },
    });
  } finally {
    await source.close();
  }
  if (parser === undefined) {
    throw inputError(
      'POS_ERR_RECON_EMPTY_FILE',
      { file: options.file, line: 1 },
      `the file is empty (expected a header row naming the columns ${columns.join(',')})`,
    );
  }
  options.onProgress?.({ rows, bytesRead });
  return { rows };
}

function headerIndex<C extends string, O extends string>(
  file: string,
  line: number,
  names: readonly string[],
  columns: readonly C[],
  optional: readonly O[],
): Record<C | O, number> {
  const index = {} as Record<C | O, number>;
  const missing: string[] = [];
  for (const column of [...columns, ...optional]) {
    const at = names.indexOf(column);
    if (at === -1 && (optional as readonly string[]).includes(column)) index[column] = -1;
    else if (at === -1) missing.push(column);
    else if (names.indexOf(column, at + 1) !== -1) {
      throw inputError(
        'POS_ERR_RECON_DUPLICATE_COLUMN',
        { file, line, column },
        `the header names this column twice (fields ${at + 1} and ${names.indexOf(column, at + 1) + 1})`,
      );
    } else index[column] = at;
  }
  if (missing.length > 0) {
    throw inputError(
      'POS_ERR_RECON_MISSING_COLUMN',
      { file, line, column: missing[0]! },
      `the header lacks ${missing.length === 1 ? 'the column' : 'the columns'} ${missing.join(', ')} (expected the columns ${columns.join(',')}; got ${names.map((n) => describeCell(n)).join(',')})`,
    );
  }
  return index;
}
