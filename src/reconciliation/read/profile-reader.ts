// Reads an acquirer's own settlement file, or a wallet's bill, through a mapping profile into a
// settlement table: the file is decoded from its encoding as it streams (GBK through iconv-lite),
// its columns found by the profile's header names, and each line turned into a v1 SettlementRow.
// A bill's layout (bill-layout.ts) is kept as the lines pass: comment lines before the table say
// whose bill it is, the table must end where the profile says (else the file was cut short), and
// footer counts must agree with the lines read. Errors name the file's own column, so the merchant
// finds the cell in the file they were given.
import { parseMajorUnits } from '../../money/money.js';
import { isPosError } from '../../pos-error.js';
import { walletCode } from '../tables/tables.js';
import type { SettlementRow } from '../tables/rows.js';
import { appendSettlementRow, newSettlementTable, type SettlementTable } from '../tables/tables.js';
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
import { BillTracker } from './bill-tracker.js';
import type { WalletBillExpectations } from './bill-layout.js';

export type { WalletBillExpectations } from './bill-layout.js';

export async function readWithProfile(
  options: TableReadOptions & {
    readonly profile: MappingProfile;
    readonly table?: SettlementTable;
    readonly expect?: WalletBillExpectations;
  },
): Promise<SettlementTable> {
  const { profile, dictionary } = options;
  const wallet = profile.wallet === null ? 0 : walletCode(profile.wallet);
  const table = options.table ?? newSettlementTable(options.file, undefined, wallet);
  table.wallet = wallet;
  const raw = await openFileSource(options.path ?? options.file);
  const utf8 = /^utf-?8$/i.test(profile.encoding);
  const source = utf8 ? raw : transcodingSource(raw, profile.encoding, options.file);
  const timeFormat = compileTimeFormat(profile.txnTime.format);
  const bill = new BillTracker(options.file, profile, options.expect ?? {});

  const read = {
    ...options,
    source,
    delimiter: profile.delimiter,
    ...(utf8 ? {} : { transcodedFrom: profile.encoding }),
    ...(profile.commentPrefix === null ? {} : { commentPrefix: profile.commentPrefix }),
  };
  await readCsvTable(
    read,
    wantedColumns(profile),
    (at) => {
      bill.header();
      const file: ProfileFile = { name: options.file, profile, timeFormat, at, bill };
      return {
        row(record, cells) {
          const row = settlementRowOf(file, record, cells);
          if (row !== undefined) appendSettlementRow(table, dictionary, row, record.line);
        },
      };
    },
    { sections: bill.sections() },
  );
  bill.finish();
  return table;
}

/** The header names the profile reads from, each once. */
function wantedColumns(profile: MappingProfile): string[] {
  const wanted = new Set<string>();
  for (const mapping of Object.values(profile.text))
    if (mapping !== null && 'column' in mapping) wanted.add(mapping.column);
  for (const column of profile.txnTime.columns) wanted.add(column);
  wanted.add(profile.txnType.column);
  for (const amount of [profile.amount, profile.fee]) {
    if (amount === null) continue;
    wanted.add(amount.column);
    for (const column of Object.values(amount.columnByCode)) wanted.add(column);
  }
  for (const source of [profile.account, profile.app])
    if (source !== null && 'column' in source) wanted.add(source.column);
  return [...wanted];
}

/** What every line of one file is read with: its profile, and where the header put each column. */
interface ProfileFile {
  readonly name: string;
  readonly profile: MappingProfile;
  readonly timeFormat: CompiledTimeFormat;
  readonly at: Readonly<Record<string, number>>;
  readonly bill: BillTracker;
}

/** A cell's text, trimmed (bills pad cells with tabs), without the profile's cell prefix. */
export function cellText(record: CsvRecord, field: number, prefix: string | null): string {
  const text = record.text(field).trim();
  return prefix !== null && text.startsWith(prefix) ? text.slice(prefix.length).trim() : text;
}

/** One line of the file as a v1 settlement row; undefined for a type the profile skips. */
function settlementRowOf(file: ProfileFile, record: CsvRecord, cells: CellReader): SettlementRow | undefined {
  const { profile, at } = file;
  const cell = (column: string): string => cellText(record, at[column]!, profile.cellPrefix);
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
  file.bill.line(record, cell, typeCode);
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
  const refund = txnType === 'refund';
  const amount = (mapping: AmountMapping, optional: boolean): number | null => {
    const column = mapping.columnByCode[typeCode] ?? mapping.column;
    return amountOf(mapping, cells, at[column]!, cell(column), { optional, refund });
  };
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
    amountMinor: amount(profile.amount, false)!,
    feeMinor: profile.fee === null ? null : amount(profile.fee, true),
    currency: text('currency'),
    cardMasked: text('card_masked'),
    qr:
      profile.wallet === null
        ? null
        : { orderNo: walletOrderNo(file, record, cells), tradeNo: text('trade_no') },
  };
}

/** A bill line's merchant order number: what it is matched by, so never empty. */
function walletOrderNo(file: ProfileFile, record: CsvRecord, cells: CellReader): string {
  const mapping = file.profile.text.order_no!;
  if ('value' in mapping) return mapping.value;
  const orderNo = cellText(record, file.at[mapping.column]!, file.profile.cellPrefix);
  if (orderNo === '')
    throw cells.fail('POS_ERR_RECON_BAD_VALUE', file.at[mapping.column]!, 'the merchant order number');
  return orderNo;
}

/**
 * Parses an amount cell in the profile's unit and sign rule and answers its size in fen; an empty
 * optional cell gives null.
 */
function amountOf(
  mapping: AmountMapping,
  cells: CellReader,
  field: number,
  text: string,
  line: { readonly optional: boolean; readonly refund: boolean },
): number | null {
  if (text === '' && line.optional) return null;
  let value: number;
  if (mapping.unit === 'fen') {
    value = /^-?\d{1,12}$/.test(text) ? Number(text) : Number.NaN;
  } else {
    try {
      value = parseMajorUnits(text, 'CNY', mapping.rounding);
    } catch (error) {
      if (!isPosError(error)) throw error;
      value = Number.NaN;
    }
  }
  // "-0.00" parses to 0: its minus still says which side of the books the line is on.
  const negative = value < 0 || text.startsWith('-');
  const signFits =
    mapping.sign === 'any' ||
    (mapping.sign === 'positive' && !negative) ||
    (mapping.sign === 'negative_on_refund' && (line.refund ? negative || value === 0 : !negative));
  if (!Number.isSafeInteger(value) || !signFits) {
    throw cells.fail('POS_ERR_RECON_BAD_AMOUNT', field, expectedAmount(mapping, line.refund));
  }
  return Math.abs(value);
}

function expectedAmount(mapping: AmountMapping, refund: boolean): string {
  const size =
    mapping.unit === 'fen'
      ? 'a whole number of fen'
      : `an amount in yuan like 12.80${mapping.rounding === 'reject' ? ' with at most two decimals' : ''}`;
  switch (mapping.sign) {
    case 'positive':
      return `${size}, not negative`;
    case 'any':
      return size;
    case 'negative_on_refund':
      return refund ? `${size}, negative or zero on a refund line` : `${size}, not negative on a sale line`;
  }
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
