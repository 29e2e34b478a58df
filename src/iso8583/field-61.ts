// Field 61 of CUP POS messages as named values (CUP POS spec, field 61): what a void, refund,
// pre-authorisation completion or reversal of a void points at. 61.1 original batch n6, 61.2
// original STAN n6, then the optional 61.3 original date MMDD, 61.4 authorisation method n2 and
// 61.5 authorisation institution n11, each present only when those before it are.
import type { FieldProblem } from '../pos-error.js';
import { badSubfield, checkDigitText, codeDigits, monthDay, numberDigits } from './fixed-digits.js';

export interface Field61 {
  readonly originalBatchNumber: number;
  readonly originalStan: number;
  /** MMDD; refunds and completions carry it, voids need not. */
  readonly originalDate?: string;
  readonly authorisationMethod?: string;
  readonly authorisationInstitution?: string;
}

const lengths = [12, 16, 18, 29];
const expected = '12, 16, 18 or 29 digits (batch + STAN, then date, method, institution in order)';

export function parseField61(text: string): Field61 {
  const problems = checkDigitText('field 61', text, lengths, expected);
  if (problems.length === 0 && text.length >= 16) monthDay('61.3 originalDate', text.slice(12, 16), problems);
  if (problems.length > 0) throw badSubfield('field 61', problems);
  return {
    originalBatchNumber: Number(text.slice(0, 6)),
    originalStan: Number(text.slice(6, 12)),
    ...(text.length >= 16 ? { originalDate: text.slice(12, 16) } : {}),
    ...(text.length >= 18 ? { authorisationMethod: text.slice(16, 18) } : {}),
    ...(text.length >= 29 ? { authorisationInstitution: text.slice(18, 29) } : {}),
  };
}

export function buildField61(value: Field61): string {
  const problems: FieldProblem[] = [];
  let text =
    numberDigits('61.1 originalBatchNumber', value.originalBatchNumber, 6, problems) +
    numberDigits('61.2 originalStan', value.originalStan, 6, problems);
  const trailing = [
    ['61.3 originalDate', value.originalDate, 4],
    ['61.4 authorisationMethod', value.authorisationMethod, 2],
    ['61.5 authorisationInstitution', value.authorisationInstitution, 11],
  ] as const;
  let missing: string | undefined;
  for (const [name, part, digits] of trailing) {
    if (part === undefined) {
      missing ??= name;
      continue;
    }
    if (missing !== undefined) {
      problems.push({ field: name, expected: `absent, since ${missing} is absent`, actual: 'a value' });
      continue;
    }
    text += digits === 4 ? monthDay(name, part, problems) : codeDigits(name, part, digits, problems);
  }
  if (problems.length > 0) throw badSubfield('field 61', problems);
  return text;
}
