// Reads an acquirer's own settlement file through a mapping profile into a settlement table: the
// file is decoded from its encoding as it streams (GBK through iconv-lite), its columns found by
// the profile's header names, and each line turned into a v1 SettlementRow. Errors name the
// acquirer's own column, so the merchant finds the cell in the file they were given.
import { parseMajorUnits } from '../../money/money.js';
import { isPosError } from '../../pos-error.js';
import { wallClockToEpochMs } from './cell-parsing.js';
import type { CellReader } from './csv-table-reader.js';
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

// Over 70 lines on purpose: most of it is the per-row callback, which takes the column positions,
// the profile and the record from its closure; hoisted out, every row would pass them all along.
export async function readWithProfile(
  options: TableReadOptions & { readonly profile: MappingProfile; readonly table?: SettlementTable },
): Promise<SettlementTable> {
  const { profile, dictionary } = options;
  const table = options.table ?? newSettlementTable(options.file);
  const raw = await openFileSource(options.file);
  const utf8 = /^utf-?8$/i.test(profile.encoding);
  const source = utf8 ? raw : transcodingSource(raw, profile.encoding);
  const wanted = new Set<string>();
  for (const mapping of Object.values(profile.text))
    if (mapping !== null && 'column' in mapping) wanted.add(mapping.column);
  for (const column of profile.txnTime.columns) wanted.add(column);
  wanted.add(profile.txnType.column);
  wanted.add(profile.amount.column);
  if (profile.fee !== null) wanted.add(profile.fee.column);
  const timeFormat = compileTimeFormat(profile.txnTime.format);

  const read = {
    ...options,
    source,
    delimiter: profile.delimiter,
    ...(utf8 ? {} : { transcodedFrom: profile.encoding }),
  };
  await readCsvTable(read, [...wanted], (at) => ({
    row(record, cells) {
      const cell = (column: string): string => record.text(at[column]!).trim();
      const text = (key: TextColumn): string => {
        const mapping = profile.text[key];
        if (mapping === null) return '';
        return 'value' in mapping ? mapping.value : cell(mapping.column);
      };
      const typeCode = cell(profile.txnType.column);
      const txnType = Object.hasOwn(profile.txnType.map, typeCode)
        ? profile.txnType.map[typeCode]
        : undefined;
      if (txnType === undefined) {
        throw cells.fail(
          'POS_ERR_RECON_BAD_VALUE',
          at[profile.txnType.column]!,
          `a type code the profile maps (${Object.keys(profile.txnType.map).join(', ')})`,
        );
      }
      if (txnType === 'skip') return;
      const timeText = profile.txnTime.columns.map(cell).join(' ');
      const txnTimeMs =
        timeText.trim() === '' ? null : parseTime(timeText, timeFormat, profile.txnTime.utcOffsetMinutes);
      if (Number.isNaN(txnTimeMs)) {
        throw inputError(
          'POS_ERR_RECON_BAD_TIME',
          { file: options.file, line: record.line, column: profile.txnTime.columns.join(' + ') },
          `expected a time in the profile's format ${JSON.stringify(profile.txnTime.format)}, got ${describeCell(timeText)}`,
        );
      }
      const row: SettlementRow = {
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
      appendSettlementRow(table, dictionary, row, record.line);
    },
  }));
  return table;
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
