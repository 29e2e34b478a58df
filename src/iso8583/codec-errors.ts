// The errors the codec raises for malformed frames. Each names the part of the frame (a field, the
// MTI, the bitmap...) and the byte offset where the problem starts, counted from the first byte
// handed to the decoder, in the message and in `details` ({ field, offset }) for machines. No
// message ever quotes a field's content: fields carry card numbers, tracks and PIN blocks.
import { PosError } from '../pos-error.js';

/** A named part of a frame: `key` goes in details.field, `label` in the message. */
export interface FramePart {
  readonly key: string;
  readonly label: string;
}

export const frameParts = {
  length: { key: 'length', label: 'length prefix' },
  tpdu: { key: 'tpdu', label: 'TPDU' },
  header: { key: 'header', label: 'header' },
  mti: { key: 'mti', label: 'MTI' },
  bitmap: { key: 'bitmap', label: 'bitmap' },
  frame: { key: 'frame', label: 'frame' },
} as const satisfies Record<string, FramePart>;

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

function byteText(value: number): string {
  return `0x${value.toString(16).toUpperCase().padStart(2, '0')}`;
}

export function truncated(
  part: FramePart,
  offset: number,
  needed: number,
  left: number,
  what = '',
): PosError {
  return new PosError(
    'POS_ERR_ISO_TRUNCATED',
    `${part.label}: truncated at byte ${offset}: needs ${plural(needed, 'byte')}${what}, ${left} left`,
    { details: { field: part.key, offset, needed, left } },
  );
}

export function lengthPrefixMismatch(declared: number, actual: number): PosError {
  return new PosError(
    'POS_ERR_ISO_LENGTH_PREFIX_MISMATCH',
    `length prefix does not match the frame at byte 0: it says ${plural(declared, 'byte')} follow, ${actual} do`,
    { details: { field: frameParts.length.key, offset: 0, declared, actual } },
  );
}

export function badBcd(part: FramePart, offset: number, value: number, expected: string): PosError {
  return new PosError(
    'POS_ERR_ISO_BAD_BCD',
    `${part.label}: bad BCD at byte ${offset}: expected ${expected}, got ${byteText(value)}`,
    { details: { field: part.key, offset } },
  );
}

export function badCharacter(part: FramePart, offset: number, value: number, expected: string): PosError {
  return new PosError(
    'POS_ERR_ISO_BAD_CHARACTER',
    `${part.label}: bad character at byte ${offset}: expected ${expected}, got ${byteText(value)}`,
    { details: { field: part.key, offset } },
  );
}

export function badText(part: FramePart, offset: number, expected: string): PosError {
  return new PosError(
    'POS_ERR_ISO_BAD_CHARACTER',
    `${part.label}: bad text at byte ${offset}: expected ${expected}`,
    {
      details: { field: part.key, offset },
    },
  );
}

export function tooLong(
  part: FramePart,
  offset: number,
  declared: number,
  max: number,
  unit: string,
): PosError {
  return new PosError(
    'POS_ERR_ISO_FIELD_TOO_LONG',
    `${part.label}: too long at byte ${offset}: the length prefix says ${plural(declared, unit)}, at most ${max} allowed`,
    { details: { field: part.key, offset, declared, max } },
  );
}

export function unknownField(number: number, offset: number, dialectName: string): PosError {
  const what = number === 1 ? 'bit 1 (secondary bitmap) is set' : `bit ${number} is set`;
  return new PosError(
    'POS_ERR_ISO_UNKNOWN_FIELD',
    `field ${number}: unknown field at byte ${offset}: ${what} but dialect ${dialectName} has no field ${number}`,
    { details: { field: String(number), offset } },
  );
}

export function trailingBytes(offset: number, left: number, after: string): PosError {
  return new PosError(
    'POS_ERR_ISO_TRAILING_BYTES',
    `frame: ${plural(left, 'byte')} left over at byte ${offset}, after ${after}`,
    { details: { field: frameParts.frame.key, offset, left } },
  );
}
