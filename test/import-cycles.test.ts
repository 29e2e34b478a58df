// The import-cycle check of `npm run lint` (tools/import-cycles.ts): it finds loops of every length,
// type-only imports included, and src/ has none.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { folderGraph, importCycles, importGraph, sourceFiles } from '../tools/import-cycles.js';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'posguard-cycles-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('the import-cycle check', () => {
  it('finds a two-file loop made of a type-only import', () => {
    const dir = tree({
      'a.ts': "import type { B } from './b.js';\nexport type A = B;\n",
      'b.ts': "import { a } from './a.js';\nexport type B = typeof a;\n",
      'c.ts': "import type { A } from './a.js';\nexport type C = A;\n",
    });
    const cycles = importCycles(importGraph(sourceFiles(dir)));
    expect(cycles).toEqual([[join(dir, 'a.ts'), join(dir, 'b.ts')]]);
  });

  it('finds a three-file loop through a re-export and a dynamic import, in import order', () => {
    const dir = tree({
      'a.ts': "export { b } from './b.js';\n",
      'b.ts': "export const b = 1;\nexport const load = () => import('./c.js');\n",
      'c.ts': "import { b } from './a.js';\nexport const c = b;\n",
    });
    expect(importCycles(importGraph(sourceFiles(dir)))).toEqual([
      [join(dir, 'a.ts'), join(dir, 'b.ts'), join(dir, 'c.ts')],
    ]);
  });

  it('finds nothing in a tree whose imports all point one way', () => {
    const dir = tree({
      'a.ts': "import { b } from './b.js';\nimport { c } from './c.js';\nexport const a = b + c;\n",
      'b.ts': "import { c } from './c.js';\nexport const b = c;\n",
      'c.ts': "import { readFileSync } from 'node:fs';\nexport const c = readFileSync.length;\n",
    });
    expect(importCycles(importGraph(sourceFiles(dir)))).toEqual([]);
  });

  it('finds no import cycle in src/', () => {
    expect(importCycles(importGraph(sourceFiles(fileURLToPath(new URL('../src', import.meta.url)))))).toEqual(
      [],
    );
  });

  it('finds a loop between folders whose files do not loop, and leaves tests out of it', () => {
    const dir = tree({
      'store/sql.ts': "import type { Payment } from '../payments/payment.js';\nexport type Row = Payment;\n",
      'payments/payment.ts': 'export type Payment = { id: string };\n',
      'payments/engine.ts': "import type { Row } from '../store/sql.js';\nexport type E = Row;\n",
      'cli/run.ts': "import type { E } from '../payments/engine.js';\nexport type R = E;\n",
      'payments/engine.test.ts': "import type { R } from '../cli/run.js';\nexport type T = R;\n",
    });
    const graph = importGraph(sourceFiles(dir));
    expect(importCycles(graph)).toEqual([]);
    expect(importCycles(folderGraph(graph, dir))).toEqual([['payments', 'store']]);
  });

  it('finds no folder cycle in src/', () => {
    const src = fileURLToPath(new URL('../src', import.meta.url));
    expect(importCycles(folderGraph(importGraph(sourceFiles(src)), src))).toEqual([]);
  });
});
