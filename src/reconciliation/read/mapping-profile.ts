// Mapping profiles: a JSON file that says how an acquirer's own settlement file, or a wallet's
// bill, maps onto the v1 settlement columns (its column names, amounts in yuan or fen with the
// rounding and sign named, time formats, type codes, encoding, delimiter; for bills also the
// layout around the table: bill-layout.ts). Parsed at the edge into a MappingProfile, with every
// problem reported at once, each naming the key.
import { readFile, stat } from 'node:fs/promises';
import iconv from 'iconv-lite';
import type { RoundingMode } from '../../money/money.js';
import { describeValue, PosError } from '../../pos-error.js';
import { billLayoutKeys, parseBillLayout, type BillLayout } from './bill-layout.js';
import { isRecord, ProfileProblems } from './profile-problems.js';

export const profileFormat = 'posguard/settlement-mapping/v1';

/** A cell taken from a column of the acquirer's file, or a fixed value for every line. */
export type TextMapping = { readonly column: string } | { readonly value: string };

/**
 * How an amount cell may be signed: `positive` refuses a minus; `negative_on_refund` wants refund
 * lines at or below zero and sales at or above it (Alipay's bill); `any` takes the size either way
 * (a fee a bill writes as a cost). The amount kept is always the size.
 */
export const amountSigns = ['positive', 'negative_on_refund', 'any'] as const;
export type AmountSign = (typeof amountSigns)[number];

export interface AmountMapping {
  readonly column: string;
  /** `yuan`: decimal major units ("12.80"); `fen`: whole minor units ("1280"). */
  readonly unit: 'yuan' | 'fen';
  /** What to do with digits past the fen: `reject` refuses them. */
  readonly rounding: RoundingMode;
  readonly sign: AmountSign;
  /** Lines of these type codes read their amount from another column (WeChat's 退款金额). */
  readonly columnByCode: Readonly<Record<string, string>>;
}

export interface TimeMapping {
  /** One or more columns, joined with one space before `format` reads them. */
  readonly columns: readonly string[];
  /** Tokens yyyy MM dd HH mm ss (and optional SSS); any other character must match itself. */
  readonly format: string;
  /** The offset the acquirer's wall-clock times are in, `+08:00` for China. */
  readonly utcOffsetMinutes: number;
}

export interface TypeMapping {
  readonly column: string;
  /** The acquirer's type code to a v1 type, or `skip` for lines that are not sales or refunds. */
  readonly map: Readonly<Record<string, 'sale' | 'refund' | 'skip'>>;
}

export interface MappingProfile extends BillLayout {
  readonly name: string;
  /** An encoding iconv-lite knows (`utf-8`, `gbk`, `gb18030`, ...). */
  readonly encoding: string;
  readonly delimiter: string;
  readonly text: Readonly<Record<TextColumn, TextMapping | null>>;
  readonly txnTime: TimeMapping;
  readonly txnType: TypeMapping;
  readonly amount: AmountMapping;
  readonly fee: AmountMapping | null;
}

export const requiredTextColumns = ['merchant_id', 'terminal_id', 'batch_no', 'stan', 'rrn'] as const;
export const optionalTextColumns = [
  'settlement_date',
  'auth_code',
  'currency',
  'card_masked',
  // A wallet's bill: the merchant order number (required there) and the wallet's trade number.
  'order_no',
  'trade_no',
] as const;
export type TextColumn = (typeof requiredTextColumns)[number] | (typeof optionalTextColumns)[number];

const roundingModes: readonly RoundingMode[] = ['reject', 'half-up', 'half-even', 'down'];
const topKeys = ['profile', 'name', 'encoding', 'delimiter', ...billLayoutKeys, 'columns'];
const columnKeys = [...requiredTextColumns, ...optionalTextColumns, 'txn_time', 'txn_type', 'amount', 'fee'];

/** The largest profile file read: a profile is a page of JSON, not data. */
export const maxProfileBytes = 1024 * 1024;

const timeTokens = ['yyyy', 'MM', 'dd', 'HH', 'mm', 'ss', 'SSS'] as const;

/**
 * Checks a parsed JSON value; returns the profile or throws POS_ERR_RECON_BAD_PROFILE listing every
 * problem. The keys are checked in the order the profile's documentation gives them.
 */
export function parseMappingProfile(value: unknown, file: string): MappingProfile {
  if (!isRecord(value)) {
    throw PosError.invalidInput('POS_ERR_RECON_BAD_PROFILE', `mapping profile ${file}`, [
      { field: '(top level)', expected: 'a JSON object', actual: describeValue(value) },
    ]);
  }
  const problems = new ProfileProblems();
  const { name, encoding, delimiter } = fileSettings(value, problems);
  const columns = isRecord(value['columns']) ? value['columns'] : {};
  if (!isRecord(value['columns']))
    problems.add('columns', 'an object mapping v1 settlement columns', value['columns']);
  problems.unknownKeys('columns.', columns, columnKeys);
  const text = textMappings(columns, problems);
  const amount = amountMapping(columns, 'amount', problems);
  const fee = amountMapping(columns, 'fee', problems);
  const txnTime = timeMapping(columns['txn_time'], problems);
  const txnType = typeMapping(columns['txn_type'], problems);
  const layout = parseBillLayout(value, Object.keys(txnType.map), problems);
  if (layout.wallet !== null && text.order_no === null) {
    problems.add(
      'columns.order_no',
      "the merchant order number's column (a wallet's bill is matched by it)",
      undefined,
    );
  }
  if (value['wallet'] === undefined && (text.order_no !== null || text.trade_no !== null)) {
    problems.add(
      'wallet',
      'the wallet whose bill this is (order_no and trade_no are read from wallet bills)',
      undefined,
    );
  }
  for (const [key, mapping] of [
    ['amount', amount],
    ['fee', fee],
  ] as const) {
    for (const [code, column] of Object.entries(mapping?.columnByCode ?? {})) {
      if (!Object.hasOwn(txnType.map, code))
        problems.add(`columns.${key}.column_by_code.${code}`, 'a code of columns.txn_type.map', column);
    }
  }
  if (problems.list.length > 0) {
    throw PosError.invalidInput('POS_ERR_RECON_BAD_PROFILE', `mapping profile ${file}`, problems.list);
  }
  return { name, encoding, delimiter, ...layout, text, txnTime, txnType, amount: amount!, fee };
}

/** The top-level keys: the format, the profile's name, the file's encoding and delimiter. */
function fileSettings(
  value: Record<string, unknown>,
  problems: ProfileProblems,
): { name: string; encoding: string; delimiter: string } {
  problems.unknownKeys('', value, topKeys);
  if (value['profile'] !== profileFormat)
    problems.add('profile', JSON.stringify(profileFormat), value['profile']);
  const name = problems.string('name', value['name']);
  const encoding = value['encoding'] === undefined ? 'utf-8' : problems.string('encoding', value['encoding']);
  if (encoding !== '' && !iconv.encodingExists(encoding)) {
    problems.add('encoding', 'an encoding iconv-lite knows, such as utf-8 or gbk', encoding);
  }
  const delimiter = value['delimiter'] === undefined ? ',' : problems.string('delimiter', value['delimiter']);
  if (
    delimiter !== '' &&
    (Buffer.byteLength(delimiter) !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r')
  ) {
    problems.add('delimiter', 'one ASCII character other than a quote or a line break', delimiter);
  }
  return { name, encoding, delimiter };
}

/** The text columns: each from a column of the file or a fixed value; the optional ones may be left out. */
function textMappings(
  columns: Record<string, unknown>,
  problems: ProfileProblems,
): Record<TextColumn, TextMapping | null> {
  const text = {} as Record<TextColumn, TextMapping | null>;
  for (const key of [...requiredTextColumns, ...optionalTextColumns]) {
    const path = `columns.${key}`;
    const entry = columns[key];
    if (entry === undefined && (optionalTextColumns as readonly string[]).includes(key)) {
      text[key] = null;
      continue;
    }
    if (isRecord(entry) && typeof entry['column'] === 'string' && Object.keys(entry).length === 1) {
      text[key] = { column: problems.string(`${path}.column`, entry['column']) };
    } else if (isRecord(entry) && typeof entry['value'] === 'string' && Object.keys(entry).length === 1) {
      text[key] = { value: entry['value'] };
    } else {
      problems.add(path, '{ "column": "<header name>" } or { "value": "<fixed text>" }', entry);
      text[key] = null;
    }
  }
  return text;
}

/** The amount or the fee column, its unit and its rounding; a profile may leave the fee out. */
function amountMapping(
  columns: Record<string, unknown>,
  key: 'amount' | 'fee',
  problems: ProfileProblems,
): AmountMapping | null {
  const entry = columns[key];
  const path = `columns.${key}`;
  if (entry === undefined && key === 'fee') return null;
  if (!isRecord(entry)) {
    problems.add(
      path,
      '{ "column": "<header name>", "unit": "yuan" | "fen", "rounding": "reject" | ... }',
      entry,
    );
    return null;
  }
  problems.unknownKeys(`${path}.`, entry, ['column', 'unit', 'rounding', 'sign', 'column_by_code']);
  const column = problems.string(`${path}.column`, entry['column']);
  const unit = entry['unit'];
  if (unit !== 'yuan' && unit !== 'fen') problems.add(`${path}.unit`, '"yuan" or "fen"', unit);
  const rounding = entry['rounding'] ?? 'reject';
  if (!roundingModes.includes(rounding as RoundingMode)) {
    problems.add(`${path}.rounding`, roundingModes.map((m) => JSON.stringify(m)).join(' or '), rounding);
  }
  const sign = entry['sign'] ?? 'positive';
  if (!amountSigns.includes(sign as AmountSign)) {
    problems.add(`${path}.sign`, amountSigns.map((m) => JSON.stringify(m)).join(' or '), sign);
  }
  const columnByCode: Record<string, string> = {};
  const byCode = entry['column_by_code'];
  if (byCode !== undefined && !isRecord(byCode)) {
    problems.add(`${path}.column_by_code`, 'an object from type codes to header names', byCode);
  } else if (byCode !== undefined) {
    for (const [code, name] of Object.entries(byCode)) {
      columnByCode[code] = problems.string(`${path}.column_by_code.${code}`, name);
    }
  }
  return {
    column,
    unit: unit === 'fen' ? 'fen' : 'yuan',
    rounding: rounding as RoundingMode,
    sign: sign as AmountSign,
    columnByCode,
  };
}

/** `columns.txn_time`: the columns holding the time, their format and the acquirer's UTC offset. */
function timeMapping(time: unknown, problems: ProfileProblems): TimeMapping {
  if (!isRecord(time)) {
    problems.add(
      'columns.txn_time',
      '{ "columns": [...], "format": "yyyyMMdd HHmmss", "utc_offset": "+08:00" }',
      time,
    );
    return { columns: [], format: '', utcOffsetMinutes: 0 };
  }
  problems.unknownKeys('columns.txn_time.', time, ['columns', 'format', 'utc_offset']);
  const names = Array.isArray(time['columns']) ? (time['columns'] as unknown[]) : [];
  if (!Array.isArray(time['columns']) || names.length === 0) {
    problems.add('columns.txn_time.columns', 'a list of one or more header names', time['columns']);
  }
  const columnNames = names.map((n, i) => problems.string(`columns.txn_time.columns[${i}]`, n));
  const format = problems.string('columns.txn_time.format', time['format']);
  for (const token of ['yyyy', 'MM', 'dd', 'HH', 'mm', 'ss']) {
    if (format !== '' && !format.includes(token)) {
      problems.add(
        'columns.txn_time.format',
        `a format with ${timeTokens.slice(0, 6).join(', ')} (missing ${token})`,
        format,
      );
      break;
    }
  }
  const offset = /^([+-])(\d{2}):(\d{2})$/.exec(
    typeof time['utc_offset'] === 'string' ? time['utc_offset'] : '',
  );
  let utcOffsetMinutes = 0;
  if (offset === null || Number(offset[2]) > 18 || Number(offset[3]) > 59) {
    problems.add('columns.txn_time.utc_offset', 'an offset like "+08:00"', time['utc_offset']);
  } else {
    utcOffsetMinutes = (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]));
  }
  return { columns: columnNames, format, utcOffsetMinutes };
}

/** `columns.txn_type`: the column of the acquirer's type codes, and what each code is. */
function typeMapping(type: unknown, problems: ProfileProblems): TypeMapping {
  if (!isRecord(type)) {
    problems.add(
      'columns.txn_type',
      '{ "column": "<header name>", "map": { "<code>": "sale" | "refund" | "skip" } }',
      type,
    );
    return { column: '', map: {} };
  }
  problems.unknownKeys('columns.txn_type.', type, ['column', 'map']);
  const column = problems.string('columns.txn_type.column', type['column']);
  const map: Record<string, 'sale' | 'refund' | 'skip'> = {};
  if (!isRecord(type['map']) || Object.keys(type['map']).length === 0) {
    problems.add(
      'columns.txn_type.map',
      'an object from type codes to "sale", "refund" or "skip"',
      type['map'],
    );
  } else {
    for (const [code, target] of Object.entries(type['map'])) {
      if (target === 'sale' || target === 'refund' || target === 'skip') map[code] = target;
      else problems.add(`columns.txn_type.map.${code}`, '"sale", "refund" or "skip"', target);
    }
  }
  return { column, map };
}

/** Reads and checks a profile file. */
export async function loadMappingProfile(path: string): Promise<MappingProfile> {
  let json: unknown;
  try {
    const size = (await stat(path)).size;
    if (size > maxProfileBytes) {
      throw new PosError(
        'POS_ERR_RECON_BAD_PROFILE',
        `mapping profile ${path}: expected at most ${maxProfileBytes} bytes of JSON, got ${size}`,
      );
    }
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if (error instanceof PosError) throw error;
    throw new PosError('POS_ERR_RECON_BAD_PROFILE', `mapping profile ${path}: ${(error as Error).message}`, {
      details: { file: path },
      cause: error,
    });
  }
  return parseMappingProfile(json, path);
}

/** A compiled time format: where each token sits in the joined text. */
export interface CompiledTimeFormat {
  readonly length: number;
  readonly fields: readonly { token: (typeof timeTokens)[number]; at: number }[];
  readonly literals: readonly { at: number; char: string }[];
}

export function compileTimeFormat(format: string): CompiledTimeFormat {
  const fields: { token: (typeof timeTokens)[number]; at: number }[] = [];
  const literals: { at: number; char: string }[] = [];
  let i = 0;
  outer: while (i < format.length) {
    for (const token of timeTokens) {
      if (format.startsWith(token, i)) {
        fields.push({ token, at: i });
        i += token.length;
        continue outer;
      }
    }
    literals.push({ at: i, char: format[i]! });
    i += 1;
  }
  return { length: format.length, fields, literals };
}
