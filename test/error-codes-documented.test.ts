// Keeps the error catalogue (src/error-catalogue.ts), the source and docs/errors.md in step: every
// POS_ERR_ code the source names is in the catalogue, the docs list exactly the catalogue's codes,
// and the HTTP status and ISO answer code the docs give a code are the catalogue's.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCatalogue, isErrorCode, type ErrorEntry } from '../src/error-catalogue.js';
import { httpStatusOfCode } from '../src/http/errors.js';
import { answerCodeOfError, answerCodes } from '../src/iso-host/answer-codes.js';
import { PosError } from '../src/pos-error.js';

const codePattern = /POS_ERR_[A-Z0-9_]+/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

function codesIn(text: string): Set<string> {
  return new Set([...text.matchAll(codePattern)].map((m) => m[0]).filter((c) => !c.endsWith('_')));
}

/** Each documented code with the cells of its table row, keyed by the table's header names. */
function documentedRows(docs: string): Map<string, Record<string, string>> {
  const rows = new Map<string, Record<string, string>>();
  let header: string[] = [];
  for (const line of docs.split('\n')) {
    if (!line.startsWith('|')) {
      header = [];
      continue;
    }
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    if (header.length === 0) {
      header = cells;
      continue;
    }
    const code = /^`(POS_ERR_[A-Z0-9_]+)`$/.exec(cells[0] ?? '')?.[1];
    if (code === undefined) continue;
    rows.set(code, Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
  }
  return rows;
}

const catalogue: Readonly<Record<string, ErrorEntry>> = errorCatalogue;
const catalogued = Object.keys(catalogue).sort();

describe('docs/errors.md and the error catalogue', () => {
  const docs = readFileSync('docs/errors.md', 'utf8');
  const inSource = new Set(sourceFiles('src').flatMap((f) => [...codesIn(readFileSync(f, 'utf8'))]));
  const rows = documentedRows(docs);

  it('catalogues every error code the source names', () => {
    expect([...inSource].filter((c) => !isErrorCode(c)).sort()).toEqual([]);
  });

  it('catalogues no code the source no longer raises', () => {
    const raisedSomewhere = new Set(
      sourceFiles('src')
        .filter((f) => !f.endsWith('error-catalogue.ts'))
        .flatMap((f) => [...codesIn(readFileSync(f, 'utf8'))]),
    );
    expect(catalogued.filter((c) => !raisedSomewhere.has(c))).toEqual([]);
  });

  it('documents exactly the catalogued codes, each in one table row', () => {
    expect([...rows.keys()].sort()).toEqual(catalogued);
    expect([...codesIn(docs)].filter((c) => !isErrorCode(c))).toEqual([]);
  });

  it('gives each code the HTTP status of the catalogue, and no status where it has none', () => {
    const documented = Object.fromEntries(
      [...rows].flatMap(([code, row]) => (row['HTTP'] ? [[code, Number(row['HTTP'])]] : [])),
    );
    expect(documented).toEqual(httpStatusOfCode);
    expect(Object.keys(httpStatusOfCode).length).toBeGreaterThan(20);
  });

  it('gives each code the ISO answer code of the catalogue, and no code where it has none', () => {
    const documented = Object.fromEntries(
      [...rows].flatMap(([code, row]) => (row['ISO'] ? [[code, row['ISO']]] : [])),
    );
    const expected = Object.fromEntries(
      Object.entries(catalogue).flatMap(([code, entry]) =>
        entry.iso === undefined ? [] : [[code, entry.iso]],
      ),
    );
    expect(documented).toEqual(expected);
  });

  it('uses only answer codes the ISO door knows, and refuses with them', () => {
    const known = new Set<string>(Object.values(answerCodes));
    for (const [code, entry] of Object.entries(catalogue)) {
      if (!isErrorCode(code)) throw new Error(`not a code: ${code}`);
      const answer = answerCodeOfError(new PosError(code, 'test'));
      if (entry.iso === undefined) {
        expect(answer).toEqual({ code: answerCodes.systemFault, expected: false });
      } else {
        expect(known.has(entry.iso)).toBe(true);
        expect(answer).toEqual({ code: entry.iso, expected: true });
      }
    }
  });

  it('gives every code a one-line summary', () => {
    for (const entry of Object.values(catalogue)) {
      expect(entry.summary).toMatch(/^\S.{5,200}[.]$/);
    }
  });

  it('tells a catalogued code from anything else', () => {
    expect(isErrorCode('POS_ERR_PAYMENT_NOT_FOUND')).toBe(true);
    expect(isErrorCode('POS_ERR_PAYMENT_NOT_FOUN')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});
