import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PosError } from '../pos-error.js';
import { fieldCodecs } from './dialect.js';
import {
  builtInDialects,
  cupPos,
  dialectFromJson,
  dialectFromText,
  loadDialectFile,
  resolveDialect,
} from './dialect-registry.js';
import { acquirerDialectPath } from './test-support/vectors.js';

function caught(run: () => unknown): PosError {
  try {
    run();
  } catch (error) {
    if (error instanceof PosError) return error;
    throw error;
  }
  throw new Error('expected a PosError, nothing was thrown');
}

function writeTemp(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'posguard-dialect-')), name);
  writeFileSync(path, text);
  return path;
}

describe('dialects', () => {
  it('ships cup-pos and the generic ASCII dialect by name', () => {
    expect([...builtInDialects.keys()]).toEqual(['cup-pos', 'iso8583-1987-ascii']);
    expect(resolveDialect('cup-pos')).toBe(cupPos);
  });

  it('compiles the field table into a lookup indexed by field number', () => {
    expect(cupPos.fields[22]).toMatchObject({
      key: '22',
      codec: fieldCodecs.bcdDigits,
      fixedBytes: 2,
      leftAligned: true,
    });
    expect(cupPos.fields[23]).toMatchObject({ fixedBytes: 2, leftAligned: false });
    expect(cupPos.fields[36]).toMatchObject({
      codec: fieldCodecs.bcdTrack,
      prefixBytes: 2,
      countsDigits: true,
    });
    expect(cupPos.fields[5]).toBeUndefined();
  });

  it('loads the acquirer variant from its JSON file, extending cup-pos', () => {
    const acquirer = loadDialectFile(acquirerDialectPath);
    expect(acquirer.name).toBe('acquirer-extra-fields');
    expect(acquirer.fields[46]?.definition).toMatchObject({ format: 'ans', length: 'LLLVAR' });
    expect(acquirer.fields[63]?.codec).toBe(fieldCodecs.binary);
    expect(acquirer.fields[43]?.gbk).toBe(true);
    expect(acquirer.fields[2]).toEqual(cupPos.fields[2]);
    expect(resolveDialect(acquirerDialectPath).name).toBe('acquirer-extra-fields');
  });

  it('removes a base field set to null', () => {
    const dialect = dialectFromJson(
      { name: 'no-track-3', extends: 'cup-pos', fields: { '36': null } },
      'test',
    );
    expect(dialect.fields[36]).toBeUndefined();
    expect(dialect.fields[35]).toBeDefined();
  });

  it('reports every bad entry of a dialect file at once, naming each', () => {
    const error = caught(() =>
      dialectFromJson(
        {
          name: 'Bad Name',
          extends: 'cup-pos',
          colour: 'blue',
          fields: {
            '46': { name: 'x', format: 'text', length: 'LLLVAR', max: 999 },
            '47': { name: 'y', format: 'b', length: 'LLVAR', max: 500 },
            '48': { name: 'z', format: 'b', length: 'fixed', max: 8, charset: 'gbk', size: 3 },
            '0': { name: 'zero', format: 'n', length: 'fixed', max: 2 },
            '65': { name: 'high', format: 'n', length: 'fixed', max: 2 },
          },
        },
        'dialect file acquirer.json',
      ),
    );
    expect(error.code).toBe('POS_ERR_ISO_BAD_DIALECT');
    expect(error.problems.map((p) => p.field)).toEqual([
      'colour',
      'name',
      'fields.0',
      'fields.46.format',
      'fields.47.max',
      'fields.48.size',
      'fields.48.charset',
      'fields.65',
    ]);
    expect(error.message).toContain('invalid dialect file acquirer.json: ');
    expect(error.message).toContain('fields.47.max: expected a whole number from 1 to 99, got 500');
    expect(error.message).toContain('fields.65: expected a field number from 2 to 64, got 65');
  });

  it('refuses to extend a dialect it does not know', () => {
    const error = caught(() => dialectFromJson({ name: 'x', extends: 'visa-base-i', fields: {} }, 'test'));
    expect(error.message).toBe(
      'invalid test: extends: expected cup-pos | iso8583-1987-ascii, got "visa-base-i"',
    );
  });

  it('accepts a complete dialect without extends', () => {
    const dialect = dialectFromJson(
      {
        name: 'tiny',
        encoding: 'ascii',
        bitmap: 'binary',
        secondaryBitmap: false,
        tpduBytes: 0,
        headerBytes: 2,
        fields: { '3': { name: 'processing code', format: 'n', length: 'fixed', max: 6 } },
      },
      'test',
    );
    expect(dialect.fields[3]?.codec).toBe(fieldCodecs.asciiDigits);
    expect(dialect.headerBytes).toBe(2);
  });

  it('refuses a file that is not JSON, an unreadable file and an unknown name', () => {
    expect(caught(() => loadDialectFile(writeTemp('broken.json', '{ "name": '))).code).toBe(
      'POS_ERR_ISO_BAD_DIALECT',
    );
    expect(caught(() => dialectFromText('[]', 'test')).message).toBe(
      'invalid test: dialect: expected an object, got an array of 0',
    );
    const missing = caught(() => resolveDialect('/nonexistent/dialect.json'));
    expect(missing.code).toBe('POS_ERR_ISO_DIALECT_UNREADABLE');
    expect(missing.message).toContain('cannot read dialect file /nonexistent/dialect.json');
    const unknown = caught(() => resolveDialect('visa'));
    expect(unknown.code).toBe('POS_ERR_ISO_UNKNOWN_DIALECT');
    expect(unknown.message).toBe(
      'unknown dialect "visa": expected cup-pos, iso8583-1987-ascii or a path to a dialect JSON file',
    );
  });

  it('refuses a dialect file larger than the limit without reading it', () => {
    const path = writeTemp('huge.json', ' '.repeat(1024 * 1024 + 1));
    expect(caught(() => loadDialectFile(path)).message).toContain('at most 1048576 allowed');
  });
});
