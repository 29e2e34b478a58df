// An ISO 8583 dialect as data: how the MTI, bitmap, length prefixes and numbers travel, what sits
// between the TCP length and the MTI, and the field table. A definition is plain data (a TypeScript
// object for the built-in dialects, a JSON file for an acquirer's variant); `defineDialect` checks
// it, reporting every problem at once, and compiles it into the lookup form the codec reads on its
// hot path: one array indexed by field number, with sizes and codec kinds worked out in advance.
import { PosError, describeValue, type FieldProblem } from '../pos-error.js';

export type FieldFormat = 'n' | 'z' | 'an' | 'ans' | 'b';
export type FieldLength = 'fixed' | 'LLVAR' | 'LLLVAR';

/** One field of a dialect, in the notation of the specs (`n..19 LLVAR`, `ans8`, `b..255 LLLVAR`). */
export interface FieldDefinition {
  readonly name: string;
  readonly format: FieldFormat;
  readonly length: FieldLength;
  /** Fixed fields: the exact size; variable fields: the largest. Digits for n and z, bytes otherwise. */
  readonly max: number;
  /** Fixed n and z fields in BCD: where an odd digit count sits (CUP POS: right, except field 22). */
  readonly align?: 'left' | 'right';
  /** Text fields only: GBK where Chinese text may appear (merchant name, messages); ASCII otherwise. */
  readonly charset?: 'ascii' | 'gbk';
  /** Variable n and z fields in BCD: accept F as well as 0 for the pad nibble (some terminals, field 2). */
  readonly acceptPadF?: boolean;
}

export interface DialectDefinition {
  readonly name: string;
  readonly description?: string;
  /** How the MTI, numeric fields and length prefixes travel: packed BCD or ASCII digits. */
  readonly encoding: 'bcd' | 'ascii';
  /** The bitmap: 8 raw bytes, or 16 ASCII hex characters. */
  readonly bitmap: 'binary' | 'hex';
  /** Whether bit 1 announces a secondary bitmap (fields 65 to 128). */
  readonly secondaryBitmap: boolean;
  /** Bytes between the 2-byte length prefix and the MTI: TPDU and header (0 when absent). */
  readonly tpduBytes: number;
  readonly headerBytes: number;
  /** Field number (decimal, as a string) to its definition. */
  readonly fields: Readonly<Record<string, FieldDefinition>>;
}

/** How the codec reads and writes one field; worked out once per dialect. */
export const fieldCodecs = {
  bcdDigits: 0,
  bcdTrack: 1,
  asciiDigits: 2,
  asciiTrack: 3,
  text: 4,
  binary: 5,
} as const;

export type FieldCodec = (typeof fieldCodecs)[keyof typeof fieldCodecs];

export interface CompiledField {
  readonly number: number;
  /** The key of this field in a decoded message's `fields`: the number as a decimal string. */
  readonly key: string;
  /** How errors name the field: `field 35`. */
  readonly label: string;
  readonly definition: FieldDefinition;
  readonly codec: FieldCodec;
  /** Wire bytes of the length prefix: 0 for fixed fields. */
  readonly prefixBytes: number;
  /** Digits the prefix has (2 for LL, 3 for LLL; 0 for fixed). */
  readonly prefixDigits: number;
  readonly max: number;
  /** Wire bytes of a fixed field's value (0 for variable fields). */
  readonly fixedBytes: number;
  /** Whether the length counts digits (n and z in BCD, whose bytes hold two digits each). */
  readonly countsDigits: boolean;
  readonly leftAligned: boolean;
  readonly acceptPadF: boolean;
  readonly gbk: boolean;
}

/** A checked and compiled dialect: what the codec takes. */
export interface Dialect {
  readonly name: string;
  readonly definition: DialectDefinition;
  readonly encoding: 'bcd' | 'ascii';
  readonly bitmap: 'binary' | 'hex';
  readonly secondaryBitmap: boolean;
  readonly tpduBytes: number;
  readonly headerBytes: number;
  /** 64, or 128 with a secondary bitmap. */
  readonly maxField: number;
  /** Indexed by field number; undefined where the dialect has no such field. */
  readonly fields: readonly (CompiledField | undefined)[];
}

const formats: readonly string[] = ['n', 'z', 'an', 'ans', 'b'];
const lengths: readonly string[] = ['fixed', 'LLVAR', 'LLLVAR'];
const fieldKeys = new Set(['name', 'format', 'length', 'max', 'align', 'charset', 'acceptPadF']);
const dialectKeys = new Set([
  'name',
  'description',
  'encoding',
  'bitmap',
  'secondaryBitmap',
  'tpduBytes',
  'headerBytes',
  'fields',
]);
/** Largest value of a fixed field; a bound on what one field can make the codec read. */
const maxFixedSize = 999;
const largestVariable: Readonly<Record<string, number>> = { LLVAR: 99, LLLVAR: 999 };
const namePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isWholeNumber(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

/** Checks one field entry; `path` names it in problems (`fields.46`). */
function fieldProblems(
  path: string,
  number: number,
  value: unknown,
  encoding: unknown,
  maxField: number,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!Number.isSafeInteger(number) || number < 2 || number > maxField) {
    problems.push({ field: path, expected: `a field number from 2 to ${maxField}`, actual: path.slice(7) });
  }
  if (!isRecord(value)) {
    problems.push({ field: path, expected: 'an object', actual: describeValue(value) });
    return problems;
  }
  for (const key of Object.keys(value)) {
    if (!fieldKeys.has(key)) {
      problems.push({ field: `${path}.${key}`, expected: 'no such property', actual: 'a value' });
    }
  }
  const { name, format, length, max } = value;
  if (typeof name !== 'string' || name.length === 0 || name.length > 80) {
    problems.push({ field: `${path}.name`, expected: '1 to 80 characters', actual: describeValue(name) });
  }
  if (typeof format !== 'string' || !formats.includes(format)) {
    problems.push({ field: `${path}.format`, expected: formats.join(' | '), actual: describeValue(format) });
  }
  if (typeof length !== 'string' || !lengths.includes(length)) {
    problems.push({ field: `${path}.length`, expected: lengths.join(' | '), actual: describeValue(length) });
  }
  const largest = typeof length === 'string' ? (largestVariable[length] ?? maxFixedSize) : maxFixedSize;
  if (!isWholeNumber(max, 1, largest)) {
    problems.push({
      field: `${path}.max`,
      expected: `a whole number from 1 to ${largest}`,
      actual: describeValue(max),
    });
  }
  problems.push(...modifierProblems(path, value, encoding));
  return problems;
}

/** The optional modifiers of a field entry, each allowed only on the formats it applies to. */
function modifierProblems(path: string, value: Record<string, unknown>, encoding: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const { format, length, align, charset, acceptPadF } = value;
  const numeric = format === 'n' || format === 'z';
  if (align !== undefined) {
    if (align !== 'left' && align !== 'right') {
      problems.push({ field: `${path}.align`, expected: 'left | right', actual: describeValue(align) });
    } else if (!numeric || length !== 'fixed') {
      problems.push({
        field: `${path}.align`,
        expected: 'only on fixed n or z fields',
        actual: describeValue(align),
      });
    }
  }
  if (charset !== undefined) {
    if (charset !== 'ascii' && charset !== 'gbk') {
      problems.push({ field: `${path}.charset`, expected: 'ascii | gbk', actual: describeValue(charset) });
    } else if (format !== 'an' && format !== 'ans') {
      problems.push({
        field: `${path}.charset`,
        expected: 'only on an or ans fields',
        actual: describeValue(charset),
      });
    }
  }
  if (acceptPadF !== undefined) {
    if (typeof acceptPadF !== 'boolean') {
      problems.push({
        field: `${path}.acceptPadF`,
        expected: 'true or false',
        actual: describeValue(acceptPadF),
      });
    } else if (!numeric || encoding !== 'bcd') {
      problems.push({
        field: `${path}.acceptPadF`,
        expected: 'only on n or z fields of a bcd dialect',
        actual: describeValue(acceptPadF),
      });
    }
  }
  return problems;
}

/** Checks a whole definition of unknown shape, listing every problem. Empty when it is valid. */
export function dialectProblems(value: unknown): FieldProblem[] {
  if (!isRecord(value)) return [{ field: 'dialect', expected: 'an object', actual: describeValue(value) }];
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(value)) {
    if (!dialectKeys.has(key)) problems.push({ field: key, expected: 'no such property', actual: 'a value' });
  }
  const { name, description, encoding, bitmap, secondaryBitmap, tpduBytes, headerBytes, fields } = value;
  if (typeof name !== 'string' || !namePattern.test(name)) {
    problems.push({
      field: 'name',
      expected: 'lower-case letters, digits and dashes, up to 63',
      actual: describeValue(name),
    });
  }
  if (description !== undefined && typeof description !== 'string') {
    problems.push({ field: 'description', expected: 'a string', actual: describeValue(description) });
  }
  if (encoding !== 'bcd' && encoding !== 'ascii') {
    problems.push({ field: 'encoding', expected: 'bcd | ascii', actual: describeValue(encoding) });
  }
  if (bitmap !== 'binary' && bitmap !== 'hex') {
    problems.push({ field: 'bitmap', expected: 'binary | hex', actual: describeValue(bitmap) });
  }
  if (typeof secondaryBitmap !== 'boolean') {
    problems.push({
      field: 'secondaryBitmap',
      expected: 'true or false',
      actual: describeValue(secondaryBitmap),
    });
  }
  for (const [key, size] of [
    ['tpduBytes', tpduBytes],
    ['headerBytes', headerBytes],
  ] as const) {
    if (!isWholeNumber(size, 0, 64)) {
      problems.push({ field: key, expected: 'a whole number from 0 to 64', actual: describeValue(size) });
    }
  }
  if (!isRecord(fields)) {
    problems.push({
      field: 'fields',
      expected: 'an object of field number to field',
      actual: describeValue(fields),
    });
    return problems;
  }
  const maxField = secondaryBitmap === true ? 128 : 64;
  for (const [key, field] of Object.entries(fields)) {
    const number = /^[1-9][0-9]{0,2}$/.test(key) ? Number(key) : Number.NaN;
    problems.push(...fieldProblems(`fields.${key}`, number, field, encoding, maxField));
  }
  return problems;
}

function compileField(
  number: number,
  definition: FieldDefinition,
  dialect: DialectDefinition,
): CompiledField {
  const bcd = dialect.encoding === 'bcd';
  const numeric = definition.format === 'n' || definition.format === 'z';
  const codec: FieldCodec =
    definition.format === 'n'
      ? bcd
        ? fieldCodecs.bcdDigits
        : fieldCodecs.asciiDigits
      : definition.format === 'z'
        ? bcd
          ? fieldCodecs.bcdTrack
          : fieldCodecs.asciiTrack
        : definition.format === 'b'
          ? fieldCodecs.binary
          : fieldCodecs.text;
  const countsDigits = bcd && numeric;
  const prefixDigits = definition.length === 'LLVAR' ? 2 : definition.length === 'LLLVAR' ? 3 : 0;
  // A BCD prefix packs its digits into whole bytes: LL in 1 byte, LLL in 2 (`01 39` is 139).
  const prefixBytes = prefixDigits === 0 ? 0 : bcd ? (prefixDigits + 1) >> 1 : prefixDigits;
  const fixed = definition.length === 'fixed';
  return {
    number,
    key: String(number),
    label: `field ${number}`,
    definition,
    codec,
    prefixBytes,
    prefixDigits,
    max: definition.max,
    fixedBytes: fixed ? (countsDigits ? (definition.max + 1) >> 1 : definition.max) : 0,
    countsDigits,
    // Variable n and z fields are always left-aligned; fixed ones are right-aligned unless told.
    leftAligned: !fixed || definition.align === 'left' || definition.format === 'z',
    acceptPadF: definition.acceptPadF === true,
    gbk: definition.charset === 'gbk',
  };
}

/** Checks a definition and compiles it. Throws POS_ERR_ISO_BAD_DIALECT listing every problem. */
export function defineDialect(definition: unknown, source = 'dialect'): Dialect {
  const problems = dialectProblems(definition);
  if (problems.length > 0) throw PosError.invalidInput('POS_ERR_ISO_BAD_DIALECT', source, problems);
  const checked = definition as DialectDefinition;
  const maxField = checked.secondaryBitmap ? 128 : 64;
  const fields: (CompiledField | undefined)[] = new Array<CompiledField | undefined>(maxField + 1).fill(
    undefined,
  );
  for (const [key, field] of Object.entries(checked.fields)) {
    fields[Number(key)] = compileField(Number(key), field, checked);
  }
  return {
    name: checked.name,
    definition: checked,
    encoding: checked.encoding,
    bitmap: checked.bitmap,
    secondaryBitmap: checked.secondaryBitmap,
    tpduBytes: checked.tpduBytes,
    headerBytes: checked.headerBytes,
    maxField,
    fields,
  };
}
