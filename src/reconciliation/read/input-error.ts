// The operating errors of reading reconciliation input: every one names the file, the line and the
// column (by header name where there is one), so a merchant can open the file at the right place.
import type { ErrorCode } from '../../error-catalogue.js';
import { PosError } from '../../pos-error.js';

/** Where in an input file a problem sits. `line` is 1-based and counts physical lines. */
export interface InputPlace {
  readonly file: string;
  readonly line: number;
  readonly column?: string;
}

export function inputError(code: ErrorCode, place: InputPlace, problem: string, cause?: unknown): PosError {
  const where =
    place.column === undefined
      ? `${place.file} line ${place.line}`
      : `${place.file} line ${place.line}, column ${JSON.stringify(place.column)}`;
  return new PosError(code, `${where}: ${problem}`, {
    details: { file: place.file, line: place.line, column: place.column ?? null },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Quotes a cell's text for an error message, cut short so a huge cell never floods the terminal. */
export function describeCell(text: string): string {
  if (text === '') return 'an empty cell';
  return text.length > 40
    ? `${JSON.stringify(text.slice(0, 40))}... (${text.length} characters)`
    : JSON.stringify(text);
}
