// The BIN table: which card kind a card is, from the first digits of its number (its BIN, issuer
// identification number). Loaded from CSV text (`bin,card_kind`, one prefix a line); the longest
// prefix that matches wins, and a BIN no prefix matches is "unknown". Only prefixes of at most
// 11 digits are taken, so a file can never hold a whole card number.
import { PosError, describeValue, type FieldProblem } from '../pos-error.js';
import type { CardKind } from './fee-plan.js';

export const minBinDigits = 1;
export const maxBinDigits = 11;
/** The most rows one table may hold (the real tables have tens of thousands). */
export const maxBinRows = 1_000_000;
/** The most problems one error lists; the count of the rest is given. */
const maxProblemsListed = 50;

const tableKinds: readonly CardKind[] = ['debit', 'credit', 'foreign'];

export interface BinTable {
  /** Prefix → card kind, one map per prefix length (index = digits). */
  readonly byLength: readonly (ReadonlyMap<string, CardKind> | undefined)[];
  readonly rows: number;
}

/** Parses the CSV text of a BIN table; every bad row is reported (up to 50) with its line. */
export function parseBinTable(text: string, file = 'BIN table'): BinTable {
  const lines = text.split(/\r?\n/);
  const columns = headerColumns(lines[0] ?? '', file);
  const byLength: Map<string, CardKind>[] = [];
  const problems: FieldProblem[] = [];
  let rows = 0;
  for (let index = 1; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (line.trim() === '') continue;
    rows += 1;
    if (rows > maxBinRows) {
      problems.push({ field: `line ${index + 1}`, expected: `at most ${maxBinRows} rows`, actual: 'more' });
      break;
    }
    const problem = addRow(byLength, columns, line, `line ${index + 1}`);
    if (problem !== undefined) problems.push(problem);
  }
  if (problems.length > 0) {
    const listed = problems.slice(0, maxProblemsListed);
    if (problems.length > maxProblemsListed)
      listed.push({
        field: 'more lines',
        expected: 'valid rows',
        actual: `${problems.length - maxProblemsListed} more problems`,
      });
    throw PosError.invalidInput('POS_ERR_FEES_BIN_TABLE_INVALID', file, listed);
  }
  return { byLength, rows };
}

interface BinColumns {
  /** How many cells each row must have: as many as the header. */
  readonly width: number;
  readonly bin: number;
  readonly kind: number;
}

/** Where the header puts `bin` and `card_kind` (any order, other columns allowed). */
function headerColumns(headerLine: string, file: string): BinColumns {
  const header = headerLine
    .replace(/^\uFEFF/, '')
    .split(',')
    .map((cell) => cell.trim());
  const bin = header.indexOf('bin');
  const kind = header.indexOf('card_kind');
  if (bin < 0 || kind < 0) {
    throw PosError.invalidInput('POS_ERR_FEES_BIN_TABLE_INVALID', file, [
      {
        field: 'line 1 (header)',
        expected: 'columns bin and card_kind',
        actual: describeValue(headerLine),
      },
    ]);
  }
  return { width: header.length, bin, kind };
}

/** Adds one row's prefix to the table; answers the row's problem instead when it has one. */
function addRow(
  byLength: Map<string, CardKind>[],
  columns: BinColumns,
  line: string,
  where: string,
): FieldProblem | undefined {
  const cells = line.split(',').map((cell) => cell.trim());
  const bin = cells[columns.bin] ?? '';
  const kind = cells[columns.kind] ?? '';
  if (cells.length !== columns.width) {
    return { field: where, expected: `${columns.width} cells`, actual: String(cells.length) };
  }
  if (!/^\d+$/.test(bin) || bin.length < minBinDigits || bin.length > maxBinDigits) {
    // A long run of digits may be a card number: described, never echoed (describeValue).
    return {
      field: `${where} bin`,
      expected: `${minBinDigits} to ${maxBinDigits} digits`,
      actual: describeValue(bin),
    };
  }
  if (!tableKinds.includes(kind as CardKind)) {
    return { field: `${where} card_kind`, expected: 'debit, credit or foreign', actual: describeValue(kind) };
  }
  const map = (byLength[bin.length] ??= new Map());
  const before = map.get(bin);
  if (before !== undefined && before !== kind) {
    return {
      field: `${where} bin`,
      expected: `one card kind per BIN (${bin} is ${before} above)`,
      actual: kind,
    };
  }
  map.set(bin, kind as CardKind);
  return undefined;
}

/** The card kind of a BIN (the first 6 to 11 digits of a card): the longest matching prefix. */
export function cardKindOfBin(table: BinTable, bin: string): CardKind {
  for (let length = Math.min(bin.length, maxBinDigits); length >= minBinDigits; length -= 1) {
    const kind = table.byLength[length]?.get(bin.slice(0, length));
    if (kind !== undefined) return kind;
  }
  return 'unknown';
}

/** The table's prefixes, for storing it (shortest first, then in order). */
export function binTableEntries(table: BinTable): { bin: string; cardKind: Exclude<CardKind, 'unknown'> }[] {
  return table.byLength.flatMap((map) =>
    map === undefined
      ? []
      : [...map]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([bin, kind]) => ({
            bin,
            cardKind: kind as Exclude<CardKind, 'unknown'>,
          })),
  );
}

/** Builds the table from stored prefixes (already checked when their file was loaded). */
export function binTableFromEntries(entries: readonly { bin: string; cardKind: CardKind }[]): BinTable {
  const byLength: Map<string, CardKind>[] = [];
  for (const { bin, cardKind } of entries) (byLength[bin.length] ??= new Map()).set(bin, cardKind);
  return { byLength, rows: entries.length };
}
