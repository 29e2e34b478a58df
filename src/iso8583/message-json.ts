// Parses the canonical decode JSON from outside (a file, stdin, an HTTP body) into an IsoMessage,
// reporting every problem of shape at once. Field content is checked later, by the encoder,
// against the dialect; this only makes sure the shape is the one the protocol notes describe.
import { PosError, describeValue, type FieldProblem } from '../pos-error.js';
import type { IsoMessage } from './iso-message.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const messageKeys = new Set(['length', 'tpdu', 'header', 'mti', 'fields']);

/** An absent `length`, `tpdu` or `header` counts as null. */
export function isoMessageFromJson(value: unknown): IsoMessage {
  if (!isRecord(value)) {
    throw PosError.invalidInput('POS_ERR_ISO_BAD_VALUE', 'ISO 8583 message', [
      { field: 'message', expected: 'an object with mti and fields', actual: describeValue(value) },
    ]);
  }
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(value)) {
    if (!messageKeys.has(key)) problems.push({ field: key, expected: 'no such property', actual: 'a value' });
  }
  const { length = null, tpdu = null, header = null, mti, fields } = value;
  if (length !== null && (typeof length !== 'number' || !Number.isSafeInteger(length))) {
    problems.push({ field: 'length', expected: 'a whole number or null', actual: describeValue(length) });
  }
  for (const [name, part] of [
    ['tpdu', tpdu],
    ['header', header],
  ] as const) {
    if (part !== null && typeof part !== 'string') {
      problems.push({ field: name, expected: 'hex text or null', actual: describeValue(part) });
    }
  }
  if (typeof mti !== 'string')
    problems.push({ field: 'mti', expected: '4 digits', actual: describeValue(mti) });
  const entries: [string, string][] = [];
  if (!isRecord(fields)) {
    problems.push({
      field: 'fields',
      expected: 'an object of field number to text',
      actual: describeValue(fields),
    });
  } else {
    for (const [key, text] of Object.entries(fields)) {
      if (typeof text === 'string') entries.push([key, text]);
      else problems.push({ field: `fields.${key}`, expected: 'text', actual: describeValue(text) });
    }
  }
  if (problems.length > 0) throw PosError.invalidInput('POS_ERR_ISO_BAD_VALUE', 'ISO 8583 message', problems);
  // fromEntries defines own properties, so a "__proto__" key stays a key (the encoder refuses it).
  const checked: Record<string, string> = Object.fromEntries(entries);
  return {
    length: length as number | null,
    tpdu: tpdu as string | null,
    header: header as string | null,
    mti: mti as string,
    fields: checked,
  };
}
