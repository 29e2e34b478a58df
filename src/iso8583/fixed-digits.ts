// Fixed-width digit runs, the building block of CUP POS sub-fields (60.2 batch n6, 61.2 STAN n6,
// 48 totals n12...): reading and writing them with every problem collected, so a sub-field parser
// or builder reports all that is wrong with its input at once (POS_ERR_ISO_BAD_SUBFIELD).
import { PosError, describeValue, type FieldProblem } from '../pos-error.js';

/** A batch number (60.2) or STAN (F11) as six digits, the form terminals send and payments store. */
export function sixDigits(value: number): string {
  return String(value).padStart(6, '0');
}

export function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

/** Writes a whole number as exactly `digits` digits, or records why it cannot. */
export function numberDigits(name: string, value: unknown, digits: number, problems: FieldProblem[]): string {
  const max = 10 ** digits - 1;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    problems.push({ field: name, expected: `a whole number from 0 to ${max}`, actual: describeValue(value) });
    return '0'.repeat(digits);
  }
  return String(value).padStart(digits, '0');
}

/** Checks a code is exactly `digits` digits, or records why it is not. */
export function codeDigits(name: string, value: unknown, digits: number, problems: FieldProblem[]): string {
  if (typeof value !== 'string' || value.length !== digits || !isDigits(value)) {
    problems.push({ field: name, expected: `${digits} digits`, actual: describeValue(value) });
    return '0'.repeat(digits);
  }
  return value;
}

/** Checks an MMDD date: month 01 to 12, day 01 to 31. */
export function monthDay(name: string, value: unknown, problems: FieldProblem[]): string {
  const text = codeDigits(name, value, 4, problems);
  const month = Number(text.slice(0, 2));
  const day = Number(text.slice(2));
  if (typeof value === 'string' && isDigits(value) && (month < 1 || month > 12 || day < 1 || day > 31)) {
    problems.push({ field: name, expected: 'a date MMDD', actual: describeValue(value) });
  }
  return text;
}

/** Checks the digits of a sub-field's text before it is cut up. */
export function checkDigitText(
  name: string,
  text: unknown,
  lengths: readonly number[],
  expected: string,
): FieldProblem[] {
  if (typeof text !== 'string' || !isDigits(text) || !lengths.includes(text.length)) {
    const actual = typeof text === 'string' && isDigits(text) ? `${text.length} digits` : describeValue(text);
    return [{ field: name, expected, actual }];
  }
  return [];
}

export function badSubfield(what: string, problems: readonly FieldProblem[]): PosError {
  return PosError.invalidInput('POS_ERR_ISO_BAD_SUBFIELD', what, problems);
}
