// Reads an acquirer's own settlement file through a mapping profile into a settlement table: the
// file is decoded from its encoding as it streams (GBK through iconv-lite), its columns found by
// the profile's header names, and each line turned into a v1 SettlementRow. Errors name the
// acquirer's own column, so the merchant finds the cell in the file they were given.
import { parseMajorUnits } from '../../money/money.js';
import { isPosError } from '../../pos-error.js';
import { wallClockToEpochMs } from './cell-parsing.js';
import type { CellReader } from './csv-table-reader.js';
import type { CsvRecord } from './csv-scanner.js';
import { readCsvTable, type TableReadOptions } from './csv-table-reader.js';
import { openFileSource, transcodingSource } from './file-source.js';
import { inputError, describeCell } from './input-error.js';
import {
  compileTimeFormat,
  type AmountMapping,
  type CompiledTimeFormat,
  type MappingProfile,
  type TextColumn,
} from './mapping-profile.js';
import type { SettlementRow } from '../tables/rows.js';
import { appendSettlementRow, newSettlementTable, type SettlementTable } from '../tables/tables.js';

export async function readWithProfile(
  options: TableReadOptions & { readonly profile: MappingProfile; readonly table?: SettlementTable },
): Promise<SettlementTable> {
  const { profile, dictionary } = options;
  const table = options.table ?? newSettlementTable(options.file);
  const raw = await openFileSource(options.file);
  const utf8 = /^utf-?8$/i.test(profile.encoding);
  const source = utf8 ? raw : transcodingSource(raw, profile.encoding);
  const timeFormat = compileTimeFormat(profile.txnTime.format);

  const read = {
    ...options,
    source,
    delimiter: profile.delimiter,
    ...(utf8 ? {} : { transcodedFrom: profile.encoding }),
  };
  await readCsvTable(read, wantedColumns(profile), (at) => {
    const file: ProfileFile = { name: options.file, profile, timeFormat, at };
    return {
      row(record, cells) {
        const row = settlementRowOf(file, record, cells);
        if (row !== undefined) appendSettlementRow(table, dictionary, row, record.line);
      },
    };
  });
  return table;
}

/** The acquirer's header names the profile reads from, each once. */
function wantedColumns(profile: MappingProfile): string[] {
  const wanted = new Set<string>();
  for (const mapping of Object.values(profile.text))
    if (mapping !== null && 'column' in mapping) wanted.add(mapping.column);
  for (const column of profile.txnTime.columns) wanted.add(column);
  wanted.add(profile.txnType.column);
  wanted.add(profile.amount.column);
  if (profile.fee !== null) wanted.add(profile.fee.column);
  return [...wanted];
}

/** What every line of one file is read with: its profile, and where the header put each column. */
interface ProfileFile {
  readonly name: string;
  readonly profile: MappingProfile;
  readonly timeFormat: CompiledTimeFormat;
  readonly at: Readonly<Record<string, number>>;
}

/** One line of the acquirer's file as a v1 settlement row; undefined for a type the profile skips. */
function settlementRowOf(file: ProfileFile, record: CsvRecord, cells: CellReader): SettlementRow | undefined {
  const { profile, at } = file;
  const cell = (column: string): string => record.text(at[column]!).trim();
  const text = (key: TextColumn): string => {
    const mapping = profile.text[key];
    if (mapping === null) return '';
    return 'value' in mapping ? mapping.value : cell(mapping.column);
  };
  const typeCode = cell(profile.txnType.column);
  const txnType = Object.hasOwn(profile.txnType.map, typeCode) ? profile.txnType.map[typeCode] : undefined;
  if (txnType === undefined) {
    throw cells.fail(
      'POS_ERR_RECON_BAD_VALUE',
      at[profile.txnType.column]!,
      `a type code the profile maps (${Object.keys(profile.txnType.map).join(', ')})`,
    );
  }
  if (txnType === 'skip') return undefined;
  const timeText = profile.txnTime.columns.map(cell).join(' ');
  const txnTimeMs =
    timeText.trim() === '' ? null : parseTime(timeText, file.timeFormat, profile.txnTime.utcOffsetMinutes);
  if (Number.isNaN(txnTimeMs)) {
    throw inputError(
      'POS_ERR_RECON_BAD_TIME',
      { file: file.name, line: record.line, column: profile.txnTime.columns.join(' + ') },
      `expected a time in the profile's format ${JSON.stringify(profile.txnTime.format)}, got ${describeCell(timeText)}`,
    );
  }
  return {
    settlementDate: text('settlement_date'),
    merchantId: text('merchant_id'),
    terminalId: text('terminal_id'),
    batchNo: text('batch_no'),
    stan: text('stan'),
    rrn: text('rrn'),
    authCode: text('auth_code'),
    txnTimeMs,
    txnType,
    amountMinor: amountOf(
      profile.amount,
      cells,
      at[profile.amount.column]!,
      cell(profile.amount.column),
      false,
    )!,
    feeMinor:
      profile.fee === null
        ? null
        : amountOf(profile.fee, cells, at[profile.fee.column]!, cell(profile.fee.column), true),
    currency: text('currency'),
    cardMasked: text('card_masked'),
  };
}

/** Parses an amount cell in the profile's unit; an empty optional cell gives null. */
function amountOf(
  mapping: AmountMapping,
  cells: CellReader,
  field: number,
  text: string,
  optional: boolean,
): number | null {
  const expected =
    mapping.unit === 'fen'
      ? 'a whole number of fen'
      : `an amount in yuan like 12.80${mapping.rounding === 'reject' ? ' with at most two decimals' : ''}`;
  if (text === '' && optional) return null;
  let value: number;
  if (mapping.unit === 'fen') {
    value = /^\d{1,12}$/.test(text) ? Number(text) : Number.NaN;
  } else {
    try {
      value = parseMajorUnits(text, 'CNY', mapping.rounding);
    } catch (error) {
      if (!isPosError(error)) throw error;
      value = Number.NaN;
    }
  }
  if (!Number.isSafeInteger(value) || value < 0)
    throw cells.fail('POS_ERR_RECON_BAD_AMOUNT', field, expected);
  return value;
}

/** Reads `text` by a compiled format; NaN when it does not fit or names no real time. */
export function parseTime(text: string, format: CompiledTimeFormat, utcOffsetMinutes: number): number {
  if (text.length !== format.length) return Number.NaN;
  for (const { at, char } of format.literals) if (text[at] !== char) return Number.NaN;
  const parts = { yyyy: 0, MM: 0, dd: 0, HH: 0, mm: 0, ss: 0, SSS: 0 };
  for (const { token, at } of format.fields) {
    const digits = text.slice(at, at + token.length);
    if (!/^\d+$/.test(digits)) return Number.NaN;
    parts[token] = Number(digits);
  }
  return wallClockToEpochMs({
    year: parts.yyyy,
    month: parts.MM,
    day: parts.dd,
    hour: parts.HH,
    minute: parts.mm,
    second: parts.ss,
    millisecond: parts.SSS,
    offsetMinutes: utcOffsetMinutes,
  });
}
