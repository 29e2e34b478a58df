// Encodes the canonical decode (iso-message.ts) into a whole ISO 8583 frame in a dialect; the
// inverse of decode-frame.ts. Encoding sizes every field from its text, allocates the exact frame
// once, and checks each character as it writes it; a message with problems is refused with all of
// them listed.
//
// Hot path notes: the dialect is precompiled (see dialect.ts), digits and hex go through lookup
// tables (byte-text.ts), there are no regular expressions here.
import iconv from 'iconv-lite';
import { PosError, type FieldProblem } from '../pos-error.js';
import { hexNibbles, trackNibbles } from './byte-text.js';
import { fieldCodecs, type CompiledField, type Dialect } from './dialect.js';
import { cupPos } from './dialect-registry.js';
import { maxLengthPrefixed, type CodecOptions, type Framing, type IsoMessage } from './iso-message.js';

/** The bitmap of the frame being encoded; the encoder is synchronous, so one suffices. */
const scratchBitmap = new Uint8Array(16);
const hexCodes = Uint8Array.from('0123456789ABCDEF', (c) => c.charCodeAt(0));

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
  const problems: FieldProblem[] = [];
  checkEnvelope(message, dialect, framing, problems);
  const fieldBytes = measureFields(message, dialect, problems);
  const bitmapBytes = (scratchBitmap[0]! & 0x80) !== 0 ? 16 : 8;

  const total =
    (framing === 'full' ? 2 : 0) +
    (framing !== 'body' ? dialect.tpduBytes + dialect.headerBytes : 0) +
    (dialect.encoding === 'bcd' ? 2 : 4) +
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
    const bcd = dialect.encoding === 'bcd';
    forEachPresent(dialect, bitmapBytes, (field) => {
      const bad = writeField(Buffer.alloc(scratchSizes[field.number]!), 0, field, bcd);
      if (bad > 0) problems.push(badCharacterProblem(field, bad));
    });
    problems.sort((a, b) => problemOrder(a) - problemOrder(b));
    throw refuse(problems);
  }
  const target = writeFrame(Buffer.allocUnsafe(total), message, { dialect, framing, bitmapBytes }, problems);
  if (problems.length > 0) throw refuse(problems);
  return target;
}

/** Checks the MTI, and the TPDU and header where the framing has them. */
function checkEnvelope(
  message: IsoMessage,
  dialect: Dialect,
  framing: Framing,
  problems: FieldProblem[],
): void {
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
}

/**
 * First pass over the fields: sizes each one from its text into the scratch arrays and sets its
 * bit (and bit 1 when a field above 64 is present) in `scratchBitmap`. Returns the fields' bytes.
 */
function measureFields(message: IsoMessage, dialect: Dialect, problems: FieldProblem[]): number {
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
  return fieldBytes;
}

/** Second pass: writes the measured frame into `target`, recording characters a part cannot carry. */
function writeFrame(
  target: Buffer,
  message: IsoMessage,
  layout: { readonly dialect: Dialect; readonly framing: Framing; readonly bitmapBytes: number },
  problems: FieldProblem[],
): Buffer {
  const { dialect, framing, bitmapBytes } = layout;
  const bcd = dialect.encoding === 'bcd';
  let at = 0;
  if (framing === 'full') {
    target[0] = (target.length - 2) >> 8;
    target[1] = (target.length - 2) & 0xff;
    at = 2;
  }
  if (framing !== 'body' && dialect.tpduBytes > 0) {
    if (writeHexChecked(target, at, message.tpdu ?? '') > 0)
      problems.push(hexCharacterProblem('tpdu', dialect.tpduBytes));
    at += dialect.tpduBytes;
  }
  if (framing !== 'body' && dialect.headerBytes > 0) {
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
