// Field 60 of CUP POS messages as named values (CUP POS spec, field 60): 60.1 message type code
// n2, 60.2 batch number n6, 60.3 network management code n3, then the optional 60.4 reader
// capability n1, 60.5 IC condition code n1, 60.6 partial-debit flag n1 and 60.7 account type n3,
// each present only when those before it are.
import type { FieldProblem } from '../pos-error.js';
import { badSubfield, checkDigitText, codeDigits, numberDigits } from './fixed-digits.js';

export interface Field60 {
  /** 60.1: the transaction family (22 sale, 23 void, 00 management...). */
  readonly messageTypeCode: string;
  /** 60.2: the terminal's batch. */
  readonly batchNumber: number;
  /** 60.3: 000 for financial messages; 001/003/004 sign-in, 002 sign-off, 201 settlement... */
  readonly networkManagementCode: string;
  /** 60.4: terminal reading capability. */
  readonly readerCapability?: string;
  /** 60.5: IC card condition code. */
  readonly icConditionCode?: string;
  /** 60.6: partial-debit support flag. */
  readonly partialDebitFlag?: string;
  /** 60.7: account type. */
  readonly accountType?: string;
}

const lengths = [11, 12, 13, 14, 17];
const expected = '11, 12, 13, 14 or 17 digits (60.1 to 60.3, then 60.4 to 60.7 in order)';

export function parseField60(text: string): Field60 {
  const problems = checkDigitText('field 60', text, lengths, expected);
  if (problems.length > 0) throw badSubfield('field 60', problems);
  return {
    messageTypeCode: text.slice(0, 2),
    batchNumber: Number(text.slice(2, 8)),
    networkManagementCode: text.slice(8, 11),
    ...(text.length >= 12 ? { readerCapability: text.slice(11, 12) } : {}),
    ...(text.length >= 13 ? { icConditionCode: text.slice(12, 13) } : {}),
    ...(text.length >= 14 ? { partialDebitFlag: text.slice(13, 14) } : {}),
    ...(text.length >= 17 ? { accountType: text.slice(14, 17) } : {}),
  };
}

export function buildField60(value: Field60): string {
  const problems: FieldProblem[] = [];
  let text =
    codeDigits('60.1 messageTypeCode', value.messageTypeCode, 2, problems) +
    numberDigits('60.2 batchNumber', value.batchNumber, 6, problems) +
    codeDigits('60.3 networkManagementCode', value.networkManagementCode, 3, problems);
  const trailing = [
    ['60.4 readerCapability', value.readerCapability, 1],
    ['60.5 icConditionCode', value.icConditionCode, 1],
    ['60.6 partialDebitFlag', value.partialDebitFlag, 1],
    ['60.7 accountType', value.accountType, 3],
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
    text += codeDigits(name, part, digits, problems);
  }
  if (problems.length > 0) throw badSubfield('field 60', problems);
  return text;
}
