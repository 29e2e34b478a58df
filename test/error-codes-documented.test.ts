// Keeps docs/errors.md in step with the code: every POS_ERR_ code the source can raise is listed
// there, every listed code still exists in the source, and the HTTP status the docs give a code is
// the one the API answers with.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { httpStatusOfCode } from '../src/http/errors.js';

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

describe('docs/errors.md', () => {
  const docs = readFileSync('docs/errors.md', 'utf8');
  const inSource = new Set(sourceFiles('src').flatMap((f) => [...codesIn(readFileSync(f, 'utf8'))]));
  const inDocs = codesIn(docs);

  it('lists every error code the source can raise', () => {
    expect([...inSource].filter((c) => !inDocs.has(c)).sort()).toEqual([]);
  });

  it('lists no code the source no longer has', () => {
    expect([...inDocs].filter((c) => !inSource.has(c)).sort()).toEqual([]);
  });

  it('gives each HTTP error code the status the API answers with', () => {
    const documented = new Map<string, number>();
    for (const match of docs.matchAll(/^\|\s*`(POS_ERR_[A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|/gm)) {
      documented.set(match[1] ?? '', Number(match[2]));
    }
    expect(Object.fromEntries(documented)).toEqual(httpStatusOfCode);
  });
});
