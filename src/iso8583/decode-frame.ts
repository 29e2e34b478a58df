// Decodes whole ISO 8583 frames in a dialect into the canonical decode of the protocol notes
// (docs/reference/cup-pos-iso8583.md, "Canonical decode"): fixed n fields give exactly their
// declared digits, variable ones their declared count, tracks show `=`, text fields give text and
// binary fields upper-case hex. encode-frame.ts is the other direction; encoding the decode of a
// frame gives the frame back.
//
// Decoding refuses every malformed frame with a PosError naming the part and the byte offset; it
// never reads past the frame, never trusts a length beyond the dialect's maximum for the field, and
// allocates nothing sized by the input except the strings it returns.
//
// Hot path notes: the dialect is precompiled (see dialect.ts), digits and hex go through lookup
// tables (byte-text.ts), there are no regular expressions and no per-field closures here.
import iconv from 'iconv-lite';
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
import { fieldCodecs, type CompiledField } from './dialect.js';
import { cupPos } from './dialect-registry.js';
import type { CodecOptions, IsoMessage } from './iso-message.js';

/** The bitmap of the frame being decoded; the decoder is synchronous, so one suffices. */
const scratchBitmap = new Uint8Array(16);

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

/** Reads the MTI at `offset`: 2 bytes of BCD or 4 ASCII digits. */
function readMti(bytes: Buffer, offset: number, bcd: boolean): string {
  if (bcd) {
    need(bytes, offset, 2, frameParts.mti);
    const first = bcdPairs[bytes[offset]!]!;
    const second = bcdPairs[bytes[offset + 1]!]!;
    if (first === '') throw badBcd(frameParts.mti, offset, bytes[offset]!, 'two decimal digits');
    if (second === '') throw badBcd(frameParts.mti, offset + 1, bytes[offset + 1]!, 'two decimal digits');
    return first + second;
  }
  need(bytes, offset, 4, frameParts.mti);
  for (let i = offset; i < offset + 4; i += 1) {
    const b = bytes[i]!;
    if (b < 0x30 || b > 0x39) throw badCharacter(frameParts.mti, i, b, 'an ASCII digit');
  }
  return bytes.toString('latin1', offset, offset + 4);
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

  const mti = readMti(bytes, at, bcd);
  at += bcd ? 2 : 4;

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
