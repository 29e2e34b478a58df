// Field 48 of CUP POS settlement messages as named values (CUP POS spec, field 48, 0500/0510):
// for CNY cards then foreign cards, debit total in fen n12 + debit count n3 + credit total n12 +
// credit count n3 + one check digit; 62 digits in all. In the 0500 the terminal sends 0 as the
// check digit; in the 0510 the host answers 1 (balanced) or 2 (unbalanced: the terminal uploads
// its batch and settles again), or 3 (error). The last batch upload (0320 with 60.3 = 202 or 207)
// carries in field 48 the number of records uploaded, n4.
import { describeValue, type FieldProblem } from '../pos-error.js';
import { badSubfield, checkDigitText, numberDigits } from './fixed-digits.js';

export type SettlementCheck = 'not-checked' | 'balanced' | 'unbalanced' | 'error';

export interface SettlementBlock {
  readonly debitTotalMinor: number;
  readonly debitCount: number;
  readonly creditTotalMinor: number;
  readonly creditCount: number;
  readonly check: SettlementCheck;
}

export interface SettlementTotals {
  readonly cny: SettlementBlock;
  readonly foreign: SettlementBlock;
}

const checkDigits: Readonly<Record<SettlementCheck, string>> = {
  'not-checked': '0',
  balanced: '1',
  unbalanced: '2',
  error: '3',
};
const checksByDigit: ReadonlyMap<string, SettlementCheck> = new Map(
  Object.entries(checkDigits).map(([check, digit]) => [digit, check as SettlementCheck]),
);

const blockDigits = 31;

function parseBlock(name: string, text: string, problems: FieldProblem[]): SettlementBlock {
  const digit = text.slice(30, 31);
  const check = checksByDigit.get(digit);
  if (check === undefined) {
    problems.push({ field: `${name}.check`, expected: '0, 1, 2 or 3', actual: JSON.stringify(digit) });
  }
  return {
    debitTotalMinor: Number(text.slice(0, 12)),
    debitCount: Number(text.slice(12, 15)),
    creditTotalMinor: Number(text.slice(15, 27)),
    creditCount: Number(text.slice(27, 30)),
    check: check ?? 'error',
  };
}

export function parseSettlementTotals(text: string): SettlementTotals {
  const problems = checkDigitText('field 48', text, [2 * blockDigits], '62 digits (CNY then foreign totals)');
  if (problems.length > 0) throw badSubfield('field 48 settlement totals', problems);
  const cny = parseBlock('cny', text.slice(0, blockDigits), problems);
  const foreign = parseBlock('foreign', text.slice(blockDigits), problems);
  if (problems.length > 0) throw badSubfield('field 48 settlement totals', problems);
  return { cny, foreign };
}

function buildBlock(name: string, block: SettlementBlock, problems: FieldProblem[]): string {
  const digit = checkDigits[block.check] as string | undefined;
  if (digit === undefined) {
    problems.push({
      field: `${name}.check`,
      expected: Object.keys(checkDigits).join(' | '),
      actual: describeValue(block.check),
    });
  }
  return (
    numberDigits(`${name}.debitTotalMinor`, block.debitTotalMinor, 12, problems) +
    numberDigits(`${name}.debitCount`, block.debitCount, 3, problems) +
    numberDigits(`${name}.creditTotalMinor`, block.creditTotalMinor, 12, problems) +
    numberDigits(`${name}.creditCount`, block.creditCount, 3, problems) +
    (digit ?? '0')
  );
}

export function buildSettlementTotals(totals: SettlementTotals): string {
  const problems: FieldProblem[] = [];
  const text = buildBlock('cny', totals.cny, problems) + buildBlock('foreign', totals.foreign, problems);
  if (problems.length > 0) throw badSubfield('field 48 settlement totals', problems);
  return text;
}

/** The record count of the last batch upload, n4. */
export function parseBatchUploadCount(text: string): number {
  const problems = checkDigitText('field 48', text, [4], '4 digits (the number of records uploaded)');
  if (problems.length > 0) throw badSubfield('field 48 batch-upload count', problems);
  return Number(text);
}

export function buildBatchUploadCount(count: number): string {
  const problems: FieldProblem[] = [];
  const text = numberDigits('count', count, 4, problems);
  if (problems.length > 0) throw badSubfield('field 48 batch-upload count', problems);
  return text;
}
