// A byte-level CSV scanner (RFC 4180: fields separated by a one-byte delimiter, records ended by
// LF or CRLF, fields optionally quoted with '"' and quotes doubled inside). It reads a byte source
// through one bounded buffer and hands each record to a callback as field offsets into that
// buffer, so the hot path makes no string per cell: readers decode only the cells they need.
// Written by hand because this is the reconciliation hot path; docs/decisions.md has the numbers
// against csv-parse.
import { isUtf8 } from 'node:buffer';
import { assert } from '../../assert.js';
import { describeCell, inputError } from './input-error.js';

/** Where a scanner gets its bytes: fills `target` from `offset`, at most `length` bytes; 0 at the end. */
export interface ByteSource {
  read(target: Buffer, offset: number, length: number): Promise<number>;
  close(): Promise<void>;
}

export const defaultMaxRecordBytes = 64 * 1024;
/** How many bytes one read asks for; a refused long record costs at most the maximum plus two of these. */
export const readChunkBytes = 1024 * 1024;
/** The most fields one record may have; a wider record is refused rather than grown without limit. */
export const maxFieldsPerRecord = 1024;

const quote = 0x22;
const lineFeed = 0x0a;
const carriageReturn = 0x0d;

/**
 * One record as the scanner sees it: field offsets into `buffer`, valid only during the callback.
 * `line` is the physical line the record starts on; `byteOffset` its position in the source.
 */
export class CsvRecord {
  buffer: Buffer = Buffer.alloc(0);
  count = 0;
  line = 0;
  byteOffset = 0;
  /**
   * True for a comment line (see ScanOptions.commentPrefix): one field holding the whole line,
   * prefix included, never split on the delimiter or read for quotes.
   */
  isComment = false;
  readonly starts = new Int32Array(maxFieldsPerRecord);
  readonly ends = new Int32Array(maxFieldsPerRecord);
  /** 1 where a quoted field held doubled quotes that text() must undouble. */
  readonly escaped = new Uint8Array(maxFieldsPerRecord);

  text(field: number): string {
    const start = this.starts[field] ?? 0;
    const end = this.ends[field] ?? 0;
    const raw = this.buffer.toString('utf8', start, end);
    return this.escaped[field] === 1 ? raw.replaceAll('""', '"') : raw;
  }

  isEmpty(field: number): boolean {
    return this.starts[field] === this.ends[field];
  }
}

export interface ScanOptions {
  readonly file: string;
  readonly source: ByteSource;
  readonly delimiter?: string;
  readonly maxRecordBytes?: number;
  /** Called for each record, header included, in order. Throwing stops the scan. */
  readonly onRecord: (record: CsvRecord) => void;
  /** Called after each read with the bytes consumed so far. */
  readonly onProgress?: (bytesRead: number) => void;
  /** The name errors give a field (0-based); `field N` when not given or before the header. */
  readonly columnName?: (field: number) => string;
  /**
   * The encoding the bytes were transcoded from, when they were: its decoder writes U+FFFD for
   * bytes that are not valid in it, so a cell holding U+FFFD is refused as badly encoded.
   */
  readonly transcodedFrom?: string;
  /**
   * One ASCII character that makes a line starting with it a comment (a wallet bill's `#` lines):
   * handed to `onRecord` whole, as one field with `isComment` set. None by default.
   */
  readonly commentPrefix?: string;
}

/** U+FFFD as UTF-8: what a decoder writes for bytes that were not valid in their encoding. */
const replacementCharacter = Buffer.from('\ufffd', 'utf8');

/** Result of trying to scan one record: its end, or a sign that more bytes are needed. */
const incomplete = -1;

/**
 * Scans the whole source. Blank lines are skipped; a UTF-8 byte order mark at the start is
 * dropped. Errors: a quote inside an unquoted field, text after a closing quote, a quote never
 * closed, a record over the maximum, a record with too many fields, a cell that is not valid UTF-8
 * (or, with `transcodedFrom`, held bytes its encoding could not decode).
 */
// Long because: one read loop owns the buffer, its refill, the encoding check and the scanner's
// positions; split, each piece would hand five values back and forth per chunk.
export async function scanCsv(options: ScanOptions): Promise<void> {
  const maxRecordBytes = options.maxRecordBytes ?? defaultMaxRecordBytes;
  const delimiterText = options.delimiter ?? ',';
  assert(Buffer.byteLength(delimiterText) === 1, 'the CSV delimiter is one byte');
  const delimiter = delimiterText.charCodeAt(0);
  assert(Number.isSafeInteger(maxRecordBytes) && maxRecordBytes > 0, 'maxRecordBytes is a positive integer');
  const commentText = options.commentPrefix;
  assert(
    commentText === undefined || (commentText.length === 1 && commentText.charCodeAt(0) < 0x80),
    'a comment prefix is one ASCII character',
  );
  const buffer = Buffer.allocUnsafe(maxRecordBytes + readChunkBytes);
  const record = new CsvRecord();
  record.buffer = buffer;
  const scanner = new RecordScanner(
    options.file,
    buffer,
    delimiter,
    record,
    maxRecordBytes,
    options.columnName ?? ((field) => `field ${field + 1}`),
    commentText === undefined ? -1 : commentText.charCodeAt(0),
  );

  // The next chunk is read while the current one is scanned, so reading and parsing overlap.
  const chunk = Buffer.allocUnsafe(readChunkBytes);
  let pending: Promise<number> | undefined = options.source.read(chunk, 0, chunk.length);
  let end = 0; // bytes held in the buffer
  let position = 0; // where the next record starts
  let consumedBefore = 0; // source bytes that came before buffer[0]
  let eof = false;
  let first = true;
  // Encoding is checked a stretch of whole lines at a time (a line end never falls inside a UTF-8
  // character): buffer[0, checkedTo) is known good. A stretch that fails turns on the check of
  // each record's cells, which names the line and column of the bad one.
  let checkedTo = 0;
  let checkCells = false;
  try {
    for (;;) {
      if (!eof) {
        // Keep the unfinished record, then append the chunk read meanwhile.
        if (position > 0) {
          buffer.copyWithin(0, position, end);
          consumedBefore += position;
          end -= position;
          checkedTo = Math.max(0, checkedTo - position);
          position = 0;
        }
        const read = await pending!;
        pending = undefined;
        if (read === 0) {
          eof = true;
        } else {
          chunk.copy(buffer, end, 0, read);
          end += read;
          pending = options.source.read(chunk, 0, chunk.length);
        }
        if (first && end >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) {
          position = 3;
        }
        first = false;
        options.onProgress?.(consumedBefore + end);
        const upTo = eof ? end : buffer.lastIndexOf(lineFeed, end - 1) + 1;
        if (!checkCells && upTo > checkedTo) {
          const stretch = buffer.subarray(checkedTo, upTo);
          if (!isUtf8(stretch)) checkCells = true;
          else if (options.transcodedFrom !== undefined && stretch.includes(replacementCharacter)) {
            checkCells = true;
          } else checkedTo = upTo;
        }
      }
      for (;;) {
        if (position >= end) break;
        const next = scanner.scan(position, end, eof, consumedBefore);
        if (next === incomplete) {
          if (end - position >= maxRecordBytes) throw scanner.tooLong();
          break;
        }
        if (checkCells) scanner.checkCells(options.transcodedFrom);
        if (record.count > 0) options.onRecord(record);
        position = next;
      }
      if (eof) return;
    }
  } finally {
    // Never leave a read running into a source the caller is about to close.
    await pending?.catch(() => 0);
  }
}

/** The state of scanning one buffer: kept in a class so the hot loop reads fields, not closures. */
class RecordScanner {
  /** Physical line of the next record. */
  line = 1;

  constructor(
    private readonly file: string,
    private readonly buffer: Buffer,
    private readonly delimiter: number,
    private readonly record: CsvRecord,
    private readonly maxRecordBytes: number,
    private readonly columnName: (field: number) => string,
    /** The comment prefix's byte, or -1 for none. */
    private readonly comment: number,
  ) {}

  /** Refuses the record's first cell that is not valid UTF-8, or holds U+FFFD after transcoding. */
  checkCells(transcodedFrom: string | undefined): void {
    const record = this.record;
    for (let field = 0; field < record.count; field += 1) {
      const cell = this.buffer.subarray(record.starts[field], record.ends[field]);
      const bad = !isUtf8(cell) || (transcodedFrom !== undefined && cell.includes(replacementCharacter));
      if (!bad) continue;
      throw inputError(
        'POS_ERR_RECON_BAD_ENCODING',
        { file: this.file, line: record.line, column: this.columnName(field) },
        transcodedFrom === undefined
          ? 'the cell is not valid UTF-8 (v1 files are UTF-8; a file in another encoding, such as GBK, is read through a --profile that names it)'
          : `the cell holds bytes that are not valid ${transcodedFrom} (the encoding its profile names)`,
      );
    }
  }

  /**
   * Scans one record from `start`; returns the position after its line end, or `incomplete` when
   * the buffer ends first and more bytes may come. Blank lines give a record with no fields.
   */
  // Long because: the byte-by-byte state machine of the hot path keeps its state in locals; split
  // into calls per state, a ten-million-row day pays a call per byte (docs/decisions.md,
  // "Hand-written CSV scanner").
  scan(start: number, end: number, eof: boolean, consumedBefore: number): number {
    const buffer = this.buffer;
    const delimiter = this.delimiter;
    const record = this.record;
    const starts = record.starts;
    const ends = record.ends;
    const escaped = record.escaped;
    let newlines = 0;
    let count = 0;
    let i = start;
    const first = buffer[i];
    if (first === lineFeed || first === carriageReturn) {
      // A blank line: no record.
      if (first === carriageReturn) {
        if (i + 1 >= end && !eof) return incomplete;
        if (buffer[i + 1] === lineFeed) i += 1;
      }
      this.line += 1;
      record.count = 0;
      return i + 1;
    }
    record.isComment = false;
    if (first === this.comment) return this.scanComment(start, end, eof, consumedBefore);
    for (;;) {
      if (count === maxFieldsPerRecord) {
        throw inputError(
          'POS_ERR_RECON_FIELD_COUNT',
          { file: this.file, line: this.line },
          `a record has more than ${maxFieldsPerRecord} fields`,
        );
      }
      let c = i < end ? buffer[i] : -1;
      if (c === quote) {
        const fieldLine = this.line + newlines;
        i += 1;
        const fieldStart = i;
        let hasEscapes = 0;
        for (;;) {
          while (i < end && (c = buffer[i]!) !== quote) {
            if (c === lineFeed) newlines += 1;
            i += 1;
          }
          if (i >= end) {
            if (!eof) return incomplete;
            throw inputError(
              'POS_ERR_RECON_BAD_QUOTING',
              { file: this.file, line: fieldLine, column: this.columnName(count) },
              "a quoted field is never closed (expected a closing '\"' before the end of the file)",
            );
          }
          if (i + 1 >= end && !eof) return incomplete;
          if (buffer[i + 1] === quote) {
            hasEscapes = 1;
            i += 2;
            continue;
          }
          break;
        }
        starts[count] = fieldStart;
        ends[count] = i;
        escaped[count] = hasEscapes;
        count += 1;
        i += 1; // past the closing quote
        c = i < end ? buffer[i]! : -1;
        if (c !== delimiter && c !== lineFeed && c !== carriageReturn && c !== -1) {
          throw inputError(
            'POS_ERR_RECON_BAD_QUOTING',
            { file: this.file, line: this.line + newlines, column: this.columnName(count - 1) },
            `a quoted field is followed by ${describeCell(String.fromCharCode(c))} (expected the delimiter or the end of the line after the closing quote)`,
          );
        }
      } else {
        const fieldStart = i;
        while (i < end) {
          c = buffer[i]!;
          if (c === delimiter || c === lineFeed || c === carriageReturn) break;
          if (c === quote) {
            throw inputError(
              'POS_ERR_RECON_BAD_QUOTING',
              { file: this.file, line: this.line + newlines, column: this.columnName(count) },
              `a '"' inside an unquoted field (a field with quotes must be quoted whole, its quotes doubled)`,
            );
          }
          i += 1;
        }
        if (i >= end && !eof) return incomplete;
        starts[count] = fieldStart;
        ends[count] = i;
        escaped[count] = 0;
        count += 1;
      }
      if (i - start > this.maxRecordBytes) throw this.tooLong();
      // i is at a delimiter, a line end or the end of the input.
      if (i >= end) break;
      const c2 = buffer[i];
      if (c2 === delimiter) {
        i += 1;
        continue;
      }
      if (c2 === carriageReturn) {
        if (i + 1 >= end && !eof) return incomplete;
        if (buffer[i + 1] === lineFeed) i += 1;
      }
      i += 1;
      newlines += 1;
      break;
    }
    record.count = count;
    record.line = this.line;
    record.byteOffset = consumedBefore + start;
    this.line += newlines;
    return i;
  }

  /** A comment line: one field up to its line end, quotes and delimiters taken as text. */
  private scanComment(start: number, end: number, eof: boolean, consumedBefore: number): number {
    const buffer = this.buffer;
    let i = start;
    let c = -1;
    while (i < end && (c = buffer[i]!) !== lineFeed && c !== carriageReturn) i += 1;
    if (i - start > this.maxRecordBytes) throw this.tooLong();
    if (i >= end && !eof) return incomplete;
    let next = i;
    if (i < end) {
      if (c === carriageReturn) {
        if (i + 1 >= end && !eof) return incomplete;
        if (buffer[i + 1] === lineFeed) next += 1;
      }
      next += 1;
    }
    const record = this.record;
    record.starts[0] = start;
    record.ends[0] = i;
    record.escaped[0] = 0;
    record.count = 1;
    record.isComment = true;
    record.line = this.line;
    record.byteOffset = consumedBefore + start;
    this.line += 1;
    return next;
  }

  tooLong(): Error {
    return inputError(
      'POS_ERR_RECON_LINE_TOO_LONG',
      { file: this.file, line: this.line },
      `a record is longer than the maximum of ${this.maxRecordBytes} bytes (the rest of it was not read)`,
    );
  }
}
