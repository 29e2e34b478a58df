// The built-in dialects, and dialects loaded from JSON files. A file either defines a whole
// dialect or, with `"extends": "cup-pos"`, adds and replaces fields of a built-in one (a field
// set to null is removed): an acquirer's variant is a few lines of JSON and no code. Every file is
// checked before use and its problems are reported together, each naming the entry.
import { readFileSync, statSync } from 'node:fs';
import { PosError, describeValue } from '../pos-error.js';
import { defineDialect, type Dialect } from './dialect.js';
import { cupPosDefinition } from './dialects/cup-pos.js';
import { iso8583AsciiDefinition } from './dialects/iso8583-1987-ascii.js';

export const cupPos: Dialect = defineDialect(cupPosDefinition, 'dialect cup-pos');
export const iso8583Ascii: Dialect = defineDialect(iso8583AsciiDefinition, 'dialect iso8583-1987-ascii');

export const builtInDialects: ReadonlyMap<string, Dialect> = new Map([
  [cupPos.name, cupPos],
  [iso8583Ascii.name, iso8583Ascii],
]);

/** A dialect file is a few kilobytes; anything past this is not one. */
export const maxDialectFileBytes = 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Builds a dialect from parsed JSON; `source` names the file in errors. */
export function dialectFromJson(value: unknown, source: string): Dialect {
  if (!isRecord(value) || value['extends'] === undefined) return defineDialect(value, source);
  const { extends: baseName, fields, ...rest } = value;
  const base = typeof baseName === 'string' ? builtInDialects.get(baseName) : undefined;
  if (base === undefined) {
    throw PosError.invalidInput('POS_ERR_ISO_BAD_DIALECT', source, [
      {
        field: 'extends',
        expected: [...builtInDialects.keys()].join(' | '),
        actual: describeValue(baseName),
      },
    ]);
  }
  if (!isRecord(fields)) {
    throw PosError.invalidInput('POS_ERR_ISO_BAD_DIALECT', source, [
      { field: 'fields', expected: 'an object of field number to field', actual: describeValue(fields) },
    ]);
  }
  const { description: _baseDescription, ...baseRest } = base.definition;
  const merged: Record<string, unknown> = { ...base.definition.fields };
  for (const [key, field] of Object.entries(fields)) {
    if (field === null) delete merged[key];
    else merged[key] = field;
  }
  return defineDialect({ ...baseRest, ...rest, fields: merged }, source);
}

/** Parses dialect JSON text; `source` names the file in errors. */
export function dialectFromText(text: string, source: string): Dialect {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PosError('POS_ERR_ISO_BAD_DIALECT', `invalid ${source}: not JSON: ${reason}`, { cause: error });
  }
  return dialectFromJson(value, source);
}

/** Reads and checks a dialect file (at most `maxDialectFileBytes`). */
export function loadDialectFile(path: string): Dialect {
  const source = `dialect file ${path}`;
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > maxDialectFileBytes) {
      throw new PosError(
        'POS_ERR_ISO_DIALECT_UNREADABLE',
        `cannot use ${source}: it has ${size} bytes, at most ${maxDialectFileBytes} allowed`,
      );
    }
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof PosError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new PosError('POS_ERR_ISO_DIALECT_UNREADABLE', `cannot read ${source}: ${reason}`, {
      cause: error,
    });
  }
  return dialectFromText(text, source);
}

/** A built-in dialect by name, or a dialect file by path (anything with a `/` or ending in `.json`). */
export function resolveDialect(nameOrPath: string): Dialect {
  const builtIn = builtInDialects.get(nameOrPath);
  if (builtIn !== undefined) return builtIn;
  if (nameOrPath.includes('/') || nameOrPath.includes('\\') || nameOrPath.endsWith('.json')) {
    return loadDialectFile(nameOrPath);
  }
  throw new PosError(
    'POS_ERR_ISO_UNKNOWN_DIALECT',
    `unknown dialect ${JSON.stringify(nameOrPath)}: expected ${[...builtInDialects.keys()].join(', ')} or a path to a dialect JSON file`,
  );
}
