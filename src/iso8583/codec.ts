// Decodes and encodes whole ISO 8583 frames in a dialect, to and from the canonical decode JSON of
// the protocol notes (docs/reference/cup-pos-iso8583.md, "Canonical decode"): fixed n fields give
// exactly their declared digits, variable ones their declared count, tracks show `=`, text fields
// give text and binary fields upper-case hex. Encoding the decode of a frame gives the frame back.
//
// Decoding refuses every malformed frame with a PosError naming the part and the byte offset; it
// never reads past the frame, never trusts a length beyond the dialect's maximum for the field, and
// allocates nothing sized by the input except the strings it returns. Encoding sizes every field
// from its text, allocates the exact frame once, and checks each character as it writes it; a
// message with problems is refused with all of them listed (see "Encoding" below).
//
// Hot path notes: the dialect is precompiled (see dialect.ts), digits and hex go through lookup
// tables (byte-text.ts), there are no regular expressions and no per-field closures here.
import iconv from 'iconv-lite';
import { PosError, type FieldProblem } from '../pos-error.js';
import {
  bcdPairs,
  digitChars,
  hexNibbles,
  hexOf,
  trackChars,
  trackNibbles,
  trackPairs,
} from './byte-text.js';
import {
  badBcd,
  badCharacter,
  badText,
  frameParts,
  lengthPrefixMismatch,
  tooLong,
  trailingBytes,
  truncated,
  unknownField,
  type FramePart,
} from './codec-errors.js';
import { fieldCodecs, type CompiledField, type Dialect } from './dialect.js';
import { cupPos } from './dialect-registry.js';

/**
 * Which parts of the frame are present: `full` = 2-byte length + TPDU + header + MTI + bitmap +
 * fields; `no-length` = the same without the length; `body` = MTI onwards.
 */
export type Framing = 'full' | 'no-length' | 'body';

export const framings: readonly Framing[] = ['full', 'no-length', 'body'];

/** The canonical decode: field numbers (decimal strings) to their text. */
export interface IsoMessage {
  /** The length prefix (bytes after it); null when the framing has none. */
  readonly length: number | null;
  /** Upper-case hex; null when the framing or the dialect has none. */
  readonly tpdu: string | null;
  readonly header: string | null;
  readonly mti: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface CodecOptions {
  /** Default: cup-pos. */
  readonly dialect?: Dialect;
  /** Default: full. */
  readonly framing?: Framing;
}

/** The largest body a 2-byte length prefix can announce. */
export const maxLengthPrefixed = 0xffff;

/** The bitmap of the frame being decoded or encoded; the codec is synchronous, so one suffices. */
const scratchBitmap = new Uint8Array(16);
const hexCodes = Uint8Array.from('0123456789ABCDEF', (c) => c.charCodeAt(0));

function asBuffer(input: Uint8Array): Buffer {
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

function need(bytes: Buffer, offset: number, size: number, part: FramePart, what = ''): void {
  if (bytes.length - offset < size) throw truncated(part, offset, size, bytes.length - offset, what);
}

/** Reads a length prefix; checks its digits but not yet the field's maximum. */
function readPrefix(bytes: Buffer, offset: number, field: CompiledField, bcd: boolean): number {
  if (bcd) {
    let count = 0;
    for (let i = offset; i < offset + field.prefixBytes; i += 1) {
      const b = bytes[i]!;
      if (bcdPairs[b] === '') throw badBcd(field, i, b, 'a BCD length prefix');
      count = count * 100 + (b >> 4) * 10 + (b & 15);
    }
    return count;
  }
  let count = 0;
  for (let i = offset; i < offset + field.prefixBytes; i += 1) {
    const b = bytes[i]!;
    if (b < 0x30 || b > 0x39) throw badCharacter(field, i, b, 'an ASCII digit of the length prefix');
    count = count * 10 + (b - 0x30);
  }
  return count;
}

function padProblem(field: CompiledField): string {
  return field.acceptPadF ? 'a 0 or F pad nibble' : 'a 0 pad nibble';
}

function isPad(nibble: number, field: CompiledField): boolean {
  return nibble === 0 || (nibble === 15 && field.acceptPadF);
}

/** Packed BCD digits; an odd count has a pad nibble before (right-aligned) or after (left-aligned). */
function decodeBcdDigits(bytes: Buffer, start: number, digits: number, field: CompiledField): string {
  const end = start + ((digits + 1) >> 1);
  const odd = (digits & 1) === 1;
  let at = start;
  let text = '';
  if (odd && !field.leftAligned) {
    const b = bytes[at]!;
    if (b > 9) throw badBcd(field, at, b, 'a 0 pad nibble then a digit');
    text = digitChars[b]!;
    at += 1;
  }
  const pairsEnd = odd && field.leftAligned ? end - 1 : end;
  for (; at < pairsEnd; at += 1) {
    const pair = bcdPairs[bytes[at]!]!;
    if (pair === '') throw badBcd(field, at, bytes[at]!, 'two decimal digits');
    text += pair;
  }
  if (odd && field.leftAligned) {
    const b = bytes[at]!;
    if (b >> 4 > 9 || !isPad(b & 15, field)) throw badBcd(field, at, b, `a digit then ${padProblem(field)}`);
    text += digitChars[b >> 4]!;
  }
  return text;
}

/** Track data in BCD nibbles, left-aligned: every nibble is valid, D shows as `=`. */
function decodeBcdTrack(bytes: Buffer, start: number, count: number, field: CompiledField): string {
  const odd = (count & 1) === 1;
  const pairsEnd = start + (count >> 1);
  let text = '';
  for (let at = start; at < pairsEnd; at += 1) text += trackPairs[bytes[at]!]!;
  if (odd) {
    const b = bytes[pairsEnd]!;
    if (!isPad(b & 15, field)) throw badBcd(field, pairsEnd, b, `a track nibble then ${padProblem(field)}`);
    text += trackChars[b >> 4]!;
  }
  return text;
}

/** ASCII digits, two at a time through the pair table (cheaper than a native slice for short runs). */
function decodeAsciiDigits(bytes: Buffer, start: number, end: number, field: CompiledField): string {
  let text = '';
  let at = start;
  for (; at + 1 < end; at += 2) {
    const high = bytes[at]! - 0x30;
    const low = bytes[at + 1]! - 0x30;
    if (high < 0 || high > 9) throw badCharacter(field, at, bytes[at]!, 'an ASCII digit');
    if (low < 0 || low > 9) throw badCharacter(field, at + 1, bytes[at + 1]!, 'an ASCII digit');
    text += bcdPairs[(high << 4) | low]!;
  }
  if (at < end) {
    const digit = bytes[at]! - 0x30;
    if (digit < 0 || digit > 9) throw badCharacter(field, at, bytes[at]!, 'an ASCII digit');
    text += digitChars[digit]!;
  }
  return text;
}

function decodeAsciiTrack(bytes: Buffer, start: number, end: number, field: CompiledField): string {
  for (let at = start; at < end; at += 1) {
    const b = bytes[at]!;
    if (b >= 128 || (trackNibbles[b]! < 0 && b !== 0x44)) {
      throw badCharacter(field, at, b, 'a track character (0-9, =, A-F)');
    }
  }
  return bytes.toString('latin1', start, end);
}

/**
 * Text: printable ASCII, or GBK for fields the dialect marks so. GBK text must survive a round
 * trip (decode then encode gives the same bytes), so a decode can always be encoded back.
 */
function decodeText(bytes: Buffer, start: number, end: number, field: CompiledField): string {
  let high = false;
  for (let at = start; at < end; at += 1) {
    const b = bytes[at]!;
    if (b < 0x20 || b === 0x7f || (b > 0x7f && !field.gbk)) {
      throw badCharacter(field, at, b, field.gbk ? 'GBK text without control characters' : 'printable ASCII');
    }
    if (b > 0x7f) high = true;
  }
  if (!high) return bytes.toString('latin1', start, end);
  const raw = bytes.subarray(start, end);
  const text = iconv.decode(raw, 'gbk');
  if (!iconv.encode(text, 'gbk').equals(raw)) throw badText(field, start, 'valid GBK text');
  return text;
}

/** Decodes one field at `start` into `out`; returns the offset after it. */
function decodeField(
  bytes: Buffer,
  start: number,
  field: CompiledField,
  bcd: boolean,
  out: Record<string, string>,
): number {
  let at = start;
  let count = field.max;
  let size = field.fixedBytes;
  if (field.prefixBytes > 0) {
    need(bytes, at, field.prefixBytes, field, ' for its length prefix');
    count = readPrefix(bytes, at, field, bcd);
    if (count > field.max) throw tooLong(field, at, count, field.max, field.countsDigits ? 'digit' : 'byte');
    at += field.prefixBytes;
    size = field.countsDigits ? (count + 1) >> 1 : count;
  }
  need(bytes, at, size, field);
  const end = at + size;
  switch (field.codec) {
    case fieldCodecs.bcdDigits:
      out[field.key] = decodeBcdDigits(bytes, at, count, field);
      break;
    case fieldCodecs.bcdTrack:
      out[field.key] = decodeBcdTrack(bytes, at, count, field);
      break;
    case fieldCodecs.asciiDigits:
      out[field.key] = decodeAsciiDigits(bytes, at, end, field);
      break;
    case fieldCodecs.asciiTrack:
      out[field.key] = decodeAsciiTrack(bytes, at, end, field);
      break;
    case fieldCodecs.text:
      out[field.key] = decodeText(bytes, at, end, field);
      break;
    case fieldCodecs.binary:
      out[field.key] = hexOf(bytes, at, end);
      break;
  }
  return end;
}

/** Reads 8 bitmap bytes at `offset` into `scratchBitmap[into..]`; returns the wire bytes read. */
function readBitmap(bytes: Buffer, offset: number, into: number, hex: boolean): number {
  if (!hex) {
    need(bytes, offset, 8, frameParts.bitmap);
    for (let i = 0; i < 8; i += 1) scratchBitmap[into + i] = bytes[offset + i]!;
    return 8;
  }
  need(bytes, offset, 16, frameParts.bitmap);
  for (let i = 0; i < 16; i += 1) {
    const b = bytes[offset + i]!;
    const nibble = b < 128 ? hexNibbles[b]! : -1;
    if (nibble < 0) throw badCharacter(frameParts.bitmap, offset + i, b, 'a hex digit');
    const index = into + (i >> 1);
    scratchBitmap[index] = (i & 1) === 0 ? nibble << 4 : scratchBitmap[index]! | nibble;
  }
  return 16;
}

/** Decodes one frame into the canonical decode. Throws a PosError for anything malformed. */
export function decodeFrame(input: Uint8Array, options: CodecOptions = {}): IsoMessage {
  const dialect = options.dialect ?? cupPos;
  const framing = options.framing ?? 'full';
  const bytes = asBuffer(input);
  const bcd = dialect.encoding === 'bcd';
  let at = 0;
  let length: number | null = null;
  if (framing === 'full') {
    need(bytes, 0, 2, frameParts.length);
    length = bytes[0]! * 256 + bytes[1]!;
    if (length !== bytes.length - 2) throw lengthPrefixMismatch(length, bytes.length - 2);
    at = 2;
  }
  let tpdu: string | null = null;
  let header: string | null = null;
  if (framing !== 'body') {
    if (dialect.tpduBytes > 0) {
      need(bytes, at, dialect.tpduBytes, frameParts.tpdu);
      tpdu = hexOf(bytes, at, at + dialect.tpduBytes);
      at += dialect.tpduBytes;
    }
    if (dialect.headerBytes > 0) {
      need(bytes, at, dialect.headerBytes, frameParts.header);
      header = hexOf(bytes, at, at + dialect.headerBytes);
      at += dialect.headerBytes;
    }
  }

  let mti: string;
  if (bcd) {
    need(bytes, at, 2, frameParts.mti);
    const first = bcdPairs[bytes[at]!]!;
    const second = bcdPairs[bytes[at + 1]!]!;
    if (first === '') throw badBcd(frameParts.mti, at, bytes[at]!, 'two decimal digits');
    if (second === '') throw badBcd(frameParts.mti, at + 1, bytes[at + 1]!, 'two decimal digits');
    mti = first + second;
    at += 2;
  } else {
    need(bytes, at, 4, frameParts.mti);
    for (let i = at; i < at + 4; i += 1) {
      const b = bytes[i]!;
      if (b < 0x30 || b > 0x39) throw badCharacter(frameParts.mti, i, b, 'an ASCII digit');
    }
    mti = bytes.toString('latin1', at, at + 4);
    at += 4;
  }

  const hexBitmap = dialect.bitmap === 'hex';
  const bitmapAt = at;
  at += readBitmap(bytes, at, 0, hexBitmap);
  let bitmapBytes = 8;
  if ((scratchBitmap[0]! & 0x80) !== 0) {
    if (!dialect.secondaryBitmap) throw unknownField(1, bitmapAt, dialect.name);
    at += readBitmap(bytes, at, 8, hexBitmap);
    bitmapBytes = 16;
  }

  const fields: Record<string, string> = {};
  let last = 'the bitmap';
  for (let index = 0; index < bitmapBytes; index += 1) {
    const bits = scratchBitmap[index]!;
    if (bits === 0) continue;
    for (let bit = index === 0 ? 1 : 0; bit < 8; bit += 1) {
      if ((bits & (0x80 >> bit)) === 0) continue;
      const number = index * 8 + bit + 1;
      const field = dialect.fields[number];
      if (field === undefined) {
        throw unknownField(number, bitmapAt + (hexBitmap ? index * 2 : index), dialect.name);
      }
      at = decodeField(bytes, at, field, bcd, fields);
      last = field.label;
    }
  }
  if (at !== bytes.length) throw trailingBytes(at, bytes.length - at, last);
  return { length, tpdu, header, mti, fields };
}

// ---------------------------------------------------------------------------------------------
// Encoding
//
// Two passes over the fields. The first works out every field's size from its text alone and
// checks it against the dialect; the second checks each character while writing it. A message
// with problems is refused before anything is allocated when the first pass finds them, and after
// the write (the buffer is dropped) when only the second does; either way every problem is listed.
// Per-field state lives in arrays indexed by field number, reused from one call to the next (the
// encoder is synchronous and never re-entered), and fields are written in bitmap order.

const scratchValues: string[] = new Array<string>(129).fill('');
const scratchCounts = new Int32Array(129);
const scratchSizes = new Int32Array(129);
const scratchEncoded: (Buffer | undefined)[] = new Array<Buffer | undefined>(129).fill(undefined);

/** Parses a `fields` key: a canonical decimal field number, or -1. */
function fieldNumberOf(key: string): number {
  if (key.length === 0 || key.length > 3) return -1;
  let number = 0;
  for (let i = 0; i < key.length; i += 1) {
    const code = key.charCodeAt(i);
    if (code < 0x30 || code > 0x39 || (i === 0 && code === 0x30)) return -1;
    number = number * 10 + (code - 0x30);
  }
  return number;
}

function describeLength(value: string): string {
  return `${value.length} character${value.length === 1 ? '' : 's'}`;
}

/** What a field takes, for problem messages; only built when there is a problem. */
function expectation(field: CompiledField): string {
  const definition = field.definition;
  const fixed = field.prefixBytes === 0;
  const size = fixed ? `${definition.max}` : `up to ${definition.max}`;
  switch (field.codec) {
    case fieldCodecs.bcdDigits:
    case fieldCodecs.asciiDigits:
      return `${size} digits`;
    case fieldCodecs.bcdTrack:
      return `${size} track characters (0-9, =, A-C, E, F)`;
    case fieldCodecs.asciiTrack:
      return `${size} track characters (0-9, =, A-F)`;
    case fieldCodecs.text:
      return field.gbk ? `${size} bytes of GBK text` : `${size} printable ASCII characters`;
    case fieldCodecs.binary:
      return `${size} bytes as hex (${fixed ? definition.max * 2 : `up to ${definition.max * 2}`} hex digits)`;
  }
}

/** Position (1-based) of the first control character in `value`, or 0. */
function firstControl(value: string): number {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return i + 1;
  }
  return 0;
}

/**
 * First pass: the field's count (what its prefix announces) and wire size from its text, into
 * the scratch arrays. Returns false after recording a problem.
 */
function measureField(field: CompiledField, value: string, problems: FieldProblem[]): boolean {
  let count = value.length;
  if (field.codec === fieldCodecs.binary) {
    if ((count & 1) === 1) {
      problems.push({
        field: field.label,
        expected: expectation(field),
        actual: 'an odd number of hex digits',
      });
      return false;
    }
    count >>= 1;
  } else if (field.gbk) {
    const bad = firstControl(value);
    if (bad > 0) {
      problems.push({
        field: field.label,
        expected: expectation(field),
        actual: `an unexpected character at position ${bad}`,
      });
      return false;
    }
    const encoded = iconv.encode(value, 'gbk');
    if (iconv.decode(encoded, 'gbk') !== value) {
      problems.push({
        field: field.label,
        expected: expectation(field),
        actual: 'characters GBK cannot encode',
      });
      return false;
    }
    scratchEncoded[field.number] = encoded;
    count = encoded.length;
  }
  if (field.prefixBytes === 0 ? count !== field.max : count > field.max) {
    const bytes = field.codec === fieldCodecs.binary || field.gbk;
    problems.push({
      field: field.label,
      expected: expectation(field),
      actual: bytes ? `${count} bytes` : describeLength(value),
    });
    return false;
  }
  scratchCounts[field.number] = count;
  scratchSizes[field.number] = field.prefixBytes + (field.countsDigits ? (count + 1) >> 1 : count);
  return true;
}

function writePrefix(target: Buffer, at: number, field: CompiledField, count: number, bcd: boolean): number {
  if (bcd) {
    if (field.prefixBytes === 2) {
      target[at] = Math.floor(count / 100);
      target[at + 1] = ((Math.floor(count / 10) % 10) << 4) | (count % 10);
      return at + 2;
    }
    target[at] = (Math.floor(count / 10) << 4) | (count % 10);
    return at + 1;
  }
  for (let i = field.prefixBytes - 1; i >= 0; i -= 1) {
    target[at + i] = 0x30 + (count % 10);
    count = Math.floor(count / 10);
  }
  return at + field.prefixBytes;
}

/** Character code to nibble for decimal digits; -1 for anything else (index < 128). */
const digitNibbles = Int8Array.from({ length: 128 }, (_, code) =>
  code >= 0x30 && code <= 0x39 ? code - 0x30 : -1,
);

function nibbleOf(nibbles: Int8Array, code: number): number {
  return code < 128 ? nibbles[code]! : -1;
}

/**
 * Packs digits (or track characters) as BCD with the field's alignment. Returns 0, or the
 * position (1-based) of the first character `nibbles` does not accept.
 */
function writeBcd(
  target: Buffer,
  at: number,
  value: string,
  leftAligned: boolean,
  nibbles: Int8Array,
): number {
  let bad = 0;
  let i = 0;
  if ((value.length & 1) === 1 && !leftAligned) {
    const low = nibbleOf(nibbles, value.charCodeAt(0));
    if (low < 0) bad = 1;
    target[at] = low & 15;
    at += 1;
    i = 1;
  }
  for (; i + 1 < value.length; i += 2) {
    const high = nibbleOf(nibbles, value.charCodeAt(i));
    const low = nibbleOf(nibbles, value.charCodeAt(i + 1));
    if ((high | low) < 0 && bad === 0) bad = high < 0 ? i + 1 : i + 2;
    target[at] = ((high & 15) << 4) | (low & 15);
    at += 1;
  }
  if (i < value.length) {
    const high = nibbleOf(nibbles, value.charCodeAt(i));
    if (high < 0 && bad === 0) bad = i + 1;
    target[at] = (high & 15) << 4;
  }
  return bad;
}

/** Writes one byte per character, each within [low, high] or a track character. Returns 0 or a bad position. */
function writeChars(target: Buffer, at: number, value: string, low: number, high: number): number {
  let bad = 0;
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if ((code < low || code > high) && bad === 0) bad = i + 1;
    target[at + i] = code;
  }
  return bad;
}

function writeTrackChars(target: Buffer, at: number, value: string): number {
  let bad = 0;
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code !== 0x44 && nibbleOf(trackNibbles, code) < 0 && bad === 0) bad = i + 1;
    target[at + i] = code;
  }
  return bad;
}

/**
 * Writes hex text (even length, checked before) as bytes. Returns 0 or the position of the first
 * character that is not hex. Node's hex writer stops at the first such character, so a short
 * write is the only sign needed; the position is then looked for on this error path only.
 */
function writeHexChecked(target: Buffer, at: number, value: string): number {
  const bytes = value.length >> 1;
  if (target.write(value, at, bytes, 'hex') === bytes) return 0;
  for (let i = 0; i < value.length; i += 1) {
    if (nibbleOf(hexNibbles, value.charCodeAt(i)) < 0) return i + 1;
  }
  return 0;
}

/** Second pass for one field: writes it at `at`; returns 0 or the position of a bad character. */
function writeField(target: Buffer, at: number, field: CompiledField, bcd: boolean): number {
  const value = scratchValues[field.number]!;
  // Field text may be card data: the scratch arrays do not keep it past this call.
  scratchValues[field.number] = '';
  const bad = writeFieldValue(target, at, field, value, bcd);
  scratchEncoded[field.number] = undefined;
  return bad;
}

function writeFieldValue(
  target: Buffer,
  at: number,
  field: CompiledField,
  value: string,
  bcd: boolean,
): number {
  if (field.prefixBytes > 0) at = writePrefix(target, at, field, scratchCounts[field.number]!, bcd);
  switch (field.codec) {
    case fieldCodecs.bcdDigits:
      return writeBcd(target, at, value, field.leftAligned, digitNibbles);
    case fieldCodecs.bcdTrack:
      return writeBcd(target, at, value, true, trackNibbles);
    case fieldCodecs.asciiDigits:
      return writeChars(target, at, value, 0x30, 0x39);
    case fieldCodecs.asciiTrack:
      return writeTrackChars(target, at, value);
    case fieldCodecs.text: {
      const encoded = field.gbk ? scratchEncoded[field.number] : undefined;
      if (encoded === undefined) return writeChars(target, at, value, 0x20, 0x7e);
      encoded.copy(target, at);
      return 0;
    }
    case fieldCodecs.binary:
      return writeHexChecked(target, at, value);
  }
}

function badCharacterProblem(field: CompiledField, position: number): FieldProblem {
  return {
    field: field.label,
    expected: expectation(field),
    actual: `an unexpected character at position ${position}`,
  };
}

function refuse(problems: readonly FieldProblem[]): PosError {
  const first = problems[0]?.field ?? 'message';
  return new PosError(
    'POS_ERR_ISO_BAD_VALUE',
    `invalid ISO 8583 message: ${problems.map((p) => `${p.field}: expected ${p.expected}, got ${p.actual}`).join('; ')}`,
    { problems, details: { field: first.startsWith('field ') ? first.slice(6) : first } },
  );
}

function hexPartProblem(name: string, value: unknown, bytes: number): FieldProblem | undefined {
  if (typeof value === 'string' && value.length === bytes * 2) return undefined;
  return {
    field: name,
    expected: `${bytes * 2} hex digits`,
    actual: typeof value === 'string' ? describeLength(value) : String(value),
  };
}

/** Walks the set bits of `scratchBitmap` (from field 2), calling `visit` with each field. */
function forEachPresent(dialect: Dialect, bitmapBytes: number, visit: (field: CompiledField) => void): void {
  for (let index = 0; index < bitmapBytes; index += 1) {
    const bits = scratchBitmap[index]!;
    if (bits === 0) continue;
    for (let bit = index === 0 ? 1 : 0; bit < 8; bit += 1) {
      if ((bits & (0x80 >> bit)) !== 0) visit(dialect.fields[index * 8 + bit + 1]!);
    }
  }
}

/**
 * Encodes a message into a frame. Throws POS_ERR_ISO_BAD_VALUE listing every problem (unknown
 * field, wrong size, a character the field cannot carry). Under `full` framing, `length` may be
 * null (it is computed) or must match; TPDU and header are required where the framing has them
 * and ignored where it has not.
 */
export function encodeFrame(message: IsoMessage, options: CodecOptions = {}): Buffer {
  const dialect = options.dialect ?? cupPos;
  const framing = options.framing ?? 'full';
  const bcd = dialect.encoding === 'bcd';
  const problems: FieldProblem[] = [];

  const mti: unknown = message.mti;
  if (typeof mti !== 'string' || mti.length !== 4 || writeChars(Buffer.alloc(4), 0, mti, 0x30, 0x39) > 0) {
    problems.push({
      field: 'mti',
      expected: '4 digits',
      actual: typeof mti === 'string' ? describeLength(mti) : String(mti),
    });
  }
  const withTpdu = framing !== 'body' && dialect.tpduBytes > 0;
  const withHeader = framing !== 'body' && dialect.headerBytes > 0;
  const tpduProblem = withTpdu ? hexPartProblem('tpdu', message.tpdu, dialect.tpduBytes) : undefined;
  const headerProblem = withHeader
    ? hexPartProblem('header', message.header, dialect.headerBytes)
    : undefined;
  if (tpduProblem !== undefined) problems.push(tpduProblem);
  if (headerProblem !== undefined) problems.push(headerProblem);

  const fields: unknown = message.fields;
  const record =
    typeof fields === 'object' && fields !== null ? (fields as Record<string, unknown>) : undefined;
  if (record === undefined) {
    problems.push({ field: 'fields', expected: 'an object of field number to text', actual: String(fields) });
  }
  scratchBitmap.fill(0);
  let secondary = false;
  let fieldBytes = 0;
  for (const key of record === undefined ? [] : Object.keys(record)) {
    const number = fieldNumberOf(key);
    const field = number > 0 && number <= dialect.maxField ? dialect.fields[number] : undefined;
    if (field === undefined) {
      problems.push({
        field: `field ${key}`,
        expected: `a field of dialect ${dialect.name}`,
        actual: 'no such field',
      });
      continue;
    }
    const value = record?.[key];
    if (typeof value !== 'string') {
      problems.push({ field: field.label, expected: 'text', actual: typeof value });
      continue;
    }
    if (!measureField(field, value, problems)) continue;
    scratchValues[number] = value;
    const bit = number - 1;
    scratchBitmap[bit >> 3] = scratchBitmap[bit >> 3]! | (0x80 >> (bit & 7));
    if (number > 64) secondary = true;
    fieldBytes += scratchSizes[number]!;
  }
  if (secondary) scratchBitmap[0] = scratchBitmap[0]! | 0x80;
  const bitmapBytes = secondary ? 16 : 8;

  const total =
    (framing === 'full' ? 2 : 0) +
    (withTpdu ? dialect.tpduBytes : 0) +
    (withHeader ? dialect.headerBytes : 0) +
    (bcd ? 2 : 4) +
    bitmapBytes * (dialect.bitmap === 'hex' ? 2 : 1) +
    fieldBytes;
  if (framing === 'full') {
    if (total - 2 > maxLengthPrefixed) {
      problems.push({
        field: 'length',
        expected: `at most ${maxLengthPrefixed} bytes`,
        actual: `${total - 2} bytes`,
      });
    } else if (message.length !== null && message.length !== total - 2) {
      problems.push({
        field: 'length',
        expected: `null or ${total - 2}, the size of the encoded frame`,
        actual: String(message.length),
      });
    }
  }
  if (problems.length > 0) {
    // Also list bad characters in the fields whose sizes were right, by writing them aside.
    forEachPresent(dialect, bitmapBytes, (field) => {
      const bad = writeField(Buffer.alloc(scratchSizes[field.number]!), 0, field, bcd);
      if (bad > 0) problems.push(badCharacterProblem(field, bad));
    });
    problems.sort((a, b) => problemOrder(a) - problemOrder(b));
    throw refuse(problems);
  }

  const target = Buffer.allocUnsafe(total);
  let at = 0;
  if (framing === 'full') {
    target[0] = (total - 2) >> 8;
    target[1] = (total - 2) & 0xff;
    at = 2;
  }
  if (withTpdu) {
    if (writeHexChecked(target, at, message.tpdu ?? '') > 0)
      problems.push(hexCharacterProblem('tpdu', dialect.tpduBytes));
    at += dialect.tpduBytes;
  }
  if (withHeader) {
    if (writeHexChecked(target, at, message.header ?? '') > 0)
      problems.push(hexCharacterProblem('header', dialect.headerBytes));
    at += dialect.headerBytes;
  }
  if (bcd) writeBcd(target, at, message.mti, true, digitNibbles);
  else writeChars(target, at, message.mti, 0x30, 0x39);
  at += bcd ? 2 : 4;
  if (dialect.bitmap === 'hex') {
    for (let i = 0; i < bitmapBytes; i += 1) {
      const b = scratchBitmap[i]!;
      target[at] = hexCodes[b >> 4]!;
      target[at + 1] = hexCodes[b & 15]!;
      at += 2;
    }
  } else {
    for (let i = 0; i < bitmapBytes; i += 1) target[at + i] = scratchBitmap[i]!;
    at += bitmapBytes;
  }
  forEachPresent(dialect, bitmapBytes, (field) => {
    const bad = writeField(target, at, field, bcd);
    if (bad > 0) problems.push(badCharacterProblem(field, bad));
    at += scratchSizes[field.number]!;
  });
  if (problems.length > 0) throw refuse(problems);
  return target;
}

function hexCharacterProblem(name: string, bytes: number): FieldProblem {
  return { field: name, expected: `${bytes * 2} hex digits`, actual: 'a character that is not hex' };
}

/** Problems in frame order: mti, tpdu, header, then fields by number, then the rest (length). */
function problemOrder(problem: FieldProblem): number {
  const part = ['mti', 'tpdu', 'header', 'fields'].indexOf(problem.field);
  if (part >= 0) return part;
  const number = problem.field.startsWith('field ') ? fieldNumberOf(problem.field.slice(6)) : -1;
  return number > 0 ? 10 + number : 1000;
}
