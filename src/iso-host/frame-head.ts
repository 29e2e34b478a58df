// What can still be read of a frame the decoder refused: its TPDU, header and MTI, and, when every
// field up to 42 decodes, the STAN, terminal and merchant. The host answers such a frame with 30
// (format error) when it can tell whom to answer and what, and closes the connection otherwise.
// Reading the head goes through the codec itself: the frame is decoded again with its bitmap cut
// down to fields 2 to 42, and the codec's "bytes left over" error says where field 42 ended.
import { cupPos, decodeFrame, lengthPrefixBytes, type IsoMessage } from '../iso8583/index.js';
import { isPosError } from '../pos-error.js';

export interface FrameHead {
  readonly tpdu: string;
  readonly header: string;
  readonly mti: string;
  /** Fields 11, 41 and 42 when they could be read. */
  readonly fields: Readonly<Record<string, string>>;
}

const tpduAt = lengthPrefixBytes;
const headerAt = tpduAt + cupPos.tpduBytes;
const mtiAt = headerAt + cupPos.headerBytes;
const bitmapAt = mtiAt + 2;
const bitmapBytes = 8;
/** Bits 43 to 64 live in bitmap bytes 5 (its low 6 bits) to 7. */
const lastKeptField = 42;

function bcdText(bytes: Buffer): string | undefined {
  let text = '';
  for (const byte of bytes) {
    if (byte >> 4 > 9 || (byte & 15) > 9) return undefined;
    text += `${byte >> 4}${byte & 15}`;
  }
  return text;
}

function fieldsUpTo42(frame: Buffer): Readonly<Record<string, string>> {
  if (frame.length < bitmapAt + bitmapBytes) return {};
  const cut = Buffer.from(frame.subarray(tpduAt));
  const bitmap = bitmapAt - tpduAt;
  for (let field = lastKeptField + 1; field <= 64; field += 1) {
    const byte = bitmap + ((field - 1) >> 3);
    cut[byte] = cut[byte]! & ~(0x80 >> ((field - 1) & 7));
  }
  let decoded: IsoMessage;
  try {
    decoded = decodeFrame(cut, { framing: 'no-length' });
  } catch (error) {
    const offset =
      isPosError(error) && error.code === 'POS_ERR_ISO_TRAILING_BYTES' ? error.details['offset'] : undefined;
    if (typeof offset !== 'number') return {};
    try {
      decoded = decodeFrame(cut.subarray(0, offset), { framing: 'no-length' });
    } catch {
      return {};
    }
  }
  const kept: Record<string, string> = {};
  for (const key of ['11', '41', '42']) {
    const value = decoded.fields[key];
    if (value !== undefined) kept[key] = value;
  }
  return kept;
}

/** The readable head of a full cup-pos frame, or undefined when not even its MTI can be read. */
export function readFrameHead(frame: Buffer): FrameHead | undefined {
  if (frame.length < bitmapAt) return undefined;
  const mti = bcdText(frame.subarray(mtiAt, bitmapAt));
  if (mti === undefined) return undefined;
  return {
    tpdu: frame.subarray(tpduAt, headerAt).toString('hex').toUpperCase(),
    header: frame.subarray(headerAt, mtiAt).toString('hex').toUpperCase(),
    mti,
    fields: fieldsUpTo42(frame),
  };
}
