// The CUP POS "ECB" MAC (CUP POS spec, MAC algorithm; docs/reference/cup-pos-iso8583.md, "MAC"),
// and helpers to take its input from an encoded frame, set field 64 and verify it.
//
// Input: the bytes from the MTI up to the byte before field 64 (the bitmap already has bit 64
// set), zero-padded to a multiple of 8. XOR all 8-byte blocks into R; write R as 16 upper-case
// hex characters; encrypt the first 8 characters with the MAC key; XOR the result with the last 8
// characters; encrypt again; write it as hex; field 64 is the first 8 hex characters, as ASCII.
// A double-length MAC key uses 3DES (K1|K2|K1).
import { timingSafeEqual } from 'node:crypto';
import type { Secret } from '../cards/secret.js';
import { PosError } from '../pos-error.js';
import { hexNibbles, hexPairs } from './byte-text.js';
import { encodeFrame, type CodecOptions, type IsoMessage } from './codec.js';
import { frameParts, truncated } from './codec-errors.js';
import { desEncryptor } from './des.js';
import { cupPos } from './dialect-registry.js';
import { keyBytes } from './keys.js';

export const macBytes = 8;
const macFieldPart = { key: '64', label: 'field 64' };

function asciiHex(bytes: Uint8Array, count: number): Buffer {
  const text = Buffer.allocUnsafe(count * 2);
  for (let i = 0; i < count; i += 1) text.write(hexPairs[bytes[i]!]!, i * 2, 'latin1');
  return text;
}

/**
 * R, the XOR of the 8-byte blocks of a MAC input (zero padding changes nothing). The MAC depends
 * on the input only through R: two messages with the same R have the same MAC under any key, which
 * is why a host must never accept a request whose R is that of a message it signed (issue 13).
 */
export function macFold(input: Uint8Array): Buffer {
  const folded = Buffer.alloc(8);
  for (let i = 0; i < input.length; i += 1) folded[i & 7] = folded[i & 7]! ^ input[i]!;
  return folded;
}

/** The 8 ASCII bytes of field 64 for `input` under `macKey` (8 or 16 bytes). */
export function cupPosMac(input: Uint8Array, macKey: Secret<Buffer>): Buffer {
  const key = keyBytes(macKey, 'MAC key');
  const folded = macFold(input);
  const text = asciiHex(folded, 8);
  const encrypt = desEncryptor(key);
  const first = encrypt(text.subarray(0, 8));
  for (let i = 0; i < 8; i += 1) first[i] = first[i]! ^ text[8 + i]!;
  return asciiHex(encrypt(first), 4);
}

/** Where the MAC input starts and field 64 sits, after checking the frame can carry a MAC. */
function macLayout(frame: Uint8Array, options: CodecOptions): { start: number; end: number } {
  const dialect = options.dialect ?? cupPos;
  const framing = options.framing ?? 'full';
  const framed = framing === 'body' ? 0 : dialect.tpduBytes + dialect.headerBytes;
  const start = (framing === 'full' ? 2 : 0) + framed;
  const bitmapAt = start + (dialect.encoding === 'bcd' ? 2 : 4);
  const hex = dialect.bitmap === 'hex';
  const bitmapEnd = bitmapAt + (hex ? 16 : 8);
  if (frame.length < bitmapEnd)
    throw truncated(frameParts.bitmap, bitmapAt, bitmapEnd - bitmapAt, frame.length - bitmapAt);
  // Bit 1 is the first bit of the bitmap, bit 64 the last: read them from the binary or hex form.
  const first = frame[bitmapAt]!;
  const last = frame[bitmapEnd - 1]!;
  const firstNibble = hex ? (first < 128 ? hexNibbles[first]! : -1) : first >> 4;
  const lastNibble = hex ? (last < 128 ? hexNibbles[last]! : -1) : last & 15;
  if (lastNibble < 0 || (lastNibble & 1) === 0) {
    throw new PosError(
      'POS_ERR_ISO_NO_MAC_FIELD',
      `field 64: absent at byte ${bitmapAt}: bit 64 is not set in the bitmap`,
      {
        details: { field: '64', offset: bitmapAt },
      },
    );
  }
  if (firstNibble < 0 || (firstNibble & 8) !== 0) {
    throw new PosError(
      'POS_ERR_ISO_NO_MAC_FIELD',
      `field 64: not the last field at byte ${bitmapAt}: a secondary bitmap follows, so fields above 64 come after the MAC`,
      { details: { field: '64', offset: bitmapAt } },
    );
  }
  const end = frame.length - macBytes;
  if (end < bitmapEnd) throw truncated(macFieldPart, bitmapEnd, macBytes, frame.length - bitmapEnd);
  return { start, end };
}

/**
 * The MAC input of an encoded frame: from the MTI up to the byte before field 64 (a view, not a
 * copy). The frame must have bit 64 set and field 64 last; the rest of its structure is the
 * decoder's business.
 */
export function macInput(frame: Uint8Array, options: CodecOptions = {}): Uint8Array {
  const { start, end } = macLayout(frame, options);
  return frame.subarray(start, end);
}

/** A copy of `frame` with field 64 set to the MAC of its content. */
export function signFrame(frame: Uint8Array, macKey: Secret<Buffer>, options: CodecOptions = {}): Buffer {
  const { start, end } = macLayout(frame, options);
  const signed = Buffer.from(frame);
  cupPosMac(signed.subarray(start, end), macKey).copy(signed, end);
  return signed;
}

/** Whether field 64 holds the MAC of the frame's content; compared in constant time. */
export function verifyFrameMac(
  frame: Uint8Array,
  macKey: Secret<Buffer>,
  options: CodecOptions = {},
): boolean {
  const { start, end } = macLayout(frame, options);
  return timingSafeEqual(cupPosMac(frame.subarray(start, end), macKey), frame.subarray(end, end + macBytes));
}

/** Encodes a message with field 64 and signs it: what a host sends back to a terminal. */
export function encodeSignedFrame(
  message: IsoMessage,
  macKey: Secret<Buffer>,
  options: CodecOptions = {},
): Buffer {
  const withMac = { ...message, fields: { ...message.fields, '64': '0000000000000000' } };
  return signFrame(encodeFrame(withMac, options), macKey, options);
}
