// The long-function check of `npm run lint` (tools/long-functions.ts): a function of src/ over 70
// lines fails it unless a `// Long because:` comment sits in the three lines above it; tests, their
// support and contract suites are not checked.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { checkLongFunctions, functionsOf, longFunctions } from '../tools/long-functions.js';

const tool = fileURLToPath(new URL('../tools/long-functions.ts', import.meta.url));

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'posguard-long-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** A function declaration of exactly `lines` lines, from its `function` line to its `}`. */
function fn(name: string, lines: number): string {
  const body = Array.from({ length: lines - 4 }, (_, i) => `  total += ${i};`);
  return [`export function ${name}(): number {`, '  let total = 0;', ...body, '  return total;', '}'].join(
    '\n',
  );
}

/** Runs the script itself on `dir`, as `npm run lint` does on src/. */
function runTool(dir: string): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', tool, dir], { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

describe('the long-function check', () => {
  it('fails on a 71-line function with no reason, naming it, and passes once a reason is given', () => {
    const offending = tree({ 'a/offending.ts': `// A file.\n${fn('tooLong', 71)}\n${fn('fine', 70)}\n` });
    const lines: string[] = [];
    expect(checkLongFunctions(offending, { root: offending, write: (line) => lines.push(line) })).toBe(1);
    expect(lines[0]).toBe('long function: 71 a/offending.ts:2 tooLong');
    expect(lines).toHaveLength(2);

    const justified = tree({
      'a/justified.ts': `// A file.\n/** Docs. */\n// Long because: a flat table.\n${fn('tooLong', 71)}\n`,
    });
    expect(checkLongFunctions(justified, { root: justified, write: () => undefined })).toBe(0);
    expect(longFunctions(justified)).toEqual([
      { file: join(justified, 'a/justified.ts'), line: 4, lines: 71, name: 'tooLong', justified: true },
    ]);
  });

  it('runs as a script: exit 1 on the offending tree, 0 on the justified one', () => {
    const offending = tree({ 'x.ts': `${fn('tooLong', 80)}\n` });
    const failed = runTool(offending);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('x.ts:1 tooLong');

    const justified = tree({ 'x.ts': `// Long because: one state machine.\n${fn('tooLong', 80)}\n` });
    expect(runTool(justified)).toEqual({ status: 0, stderr: '' });
  });

  it('only counts a reason within the three lines above, and measures methods and arrow functions', () => {
    const far = `// Long because: too far up.\n\n\n\n${fn('tooLong', 75)}\n`;
    expect(longFunctions(tree({ 'far.ts': far })).map((f) => f.justified)).toEqual([false]);

    const body = Array.from({ length: 72 }, (_, i) => `    n += ${i};`).join('\n');
    const text = [
      'export class Shop {',
      `  #count(): number {\n    let n = 0;\n${body}\n    return n;\n  }`,
      '}',
      '// Long because: one list of steps.',
      `export const run = async (): Promise<number> => {\n  let n = 0;\n${body.replaceAll('    ', '  ')}\n  return n;\n};`,
    ].join('\n');
    const found = functionsOf('shop.ts', text).filter((f) => f.lines > 70);
    expect(found.map((f) => [f.name, f.lines, f.justified])).toEqual([
      ['#count', 76, false],
      ['run', 76, true],
    ]);
  });

  it('leaves tests, their support and contract suites out', () => {
    const dir = tree({
      'a/thing.test.ts': fn('longTest', 90),
      'a/test-support/harness.ts': fn('longHarness', 90),
      'store/store.contract.ts': fn('longContract', 90),
      'a/thing.ts': fn('short', 10),
    });
    expect(longFunctions(dir)).toEqual([]);
  });
});
