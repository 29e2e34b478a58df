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
  const header = (lines[0] ?? '')
    .replace(/^\uFEFF/, '')
    .split(',')
    .map((cell) => cell.trim());
  const binColumn = header.indexOf('bin');
  const kindColumn = header.indexOf('card_kind');
  if (binColumn < 0 || kindColumn < 0) {
    throw PosError.invalidInput('POS_ERR_FEES_BIN_TABLE_INVALID', file, [
      {
        field: 'line 1 (header)',
        expected: 'columns bin and card_kind',
        actual: describeValue(lines[0] ?? ''),
      },
    ]);
  }
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
    const cells = line.split(',').map((cell) => cell.trim());
    const bin = cells[binColumn] ?? '';
    const kind = cells[kindColumn] ?? '';
    const where = `line ${index + 1}`;
    if (cells.length !== header.length) {
      problems.push({ field: where, expected: `${header.length} cells`, actual: String(cells.length) });
      continue;
    }
    if (!/^\d+$/.test(bin) || bin.length < minBinDigits || bin.length > maxBinDigits) {
      // A long run of digits may be a card number: described, never echoed (describeValue).
      problems.push({
        field: `${where} bin`,
        expected: `${minBinDigits} to ${maxBinDigits} digits`,
        actual: describeValue(bin),
      });
      continue;
    }
    if (!tableKinds.includes(kind as CardKind)) {
      problems.push({
        field: `${where} card_kind`,
        expected: 'debit, credit or foreign',
        actual: describeValue(kind),
      });
      continue;
    }
    const map = (byLength[bin.length] ??= new Map());
    const before = map.get(bin);
    if (before !== undefined && before !== kind) {
      problems.push({
        field: `${where} bin`,
        expected: `one card kind per BIN (${bin} is ${before} above)`,
        actual: kind,
      });
      continue;
    }
    map.set(bin, kind as CardKind);
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
