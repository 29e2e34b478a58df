// Keeps docs/errors.md in step with the code: every POS_ERR_ code the source can raise is listed
// there, and every listed code still exists in the source.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

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
  const inSource = new Set(sourceFiles('src').flatMap((f) => [...codesIn(readFileSync(f, 'utf8'))]));
  const inDocs = codesIn(readFileSync('docs/errors.md', 'utf8'));

  it('lists every error code the source can raise', () => {
    expect([...inSource].filter((c) => !inDocs.has(c)).sort()).toEqual([]);
  });

  it('lists no code the source no longer has', () => {
    expect([...inDocs].filter((c) => !inSource.has(c)).sort()).toEqual([]);
  });
});
