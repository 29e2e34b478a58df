// `npm run lint` runs this after the import-cycle check: it fails when a function of src/ runs over
// 70 lines without saying why. Most long functions read better cut along their seams (one helper per
// phase, per route group, per report section); the few that stay whole (a hot scanning loop, a flat
// table of definitions) carry a `// Long because:` comment in the three lines above them, so the
// exception is deliberate and its reason sits where the next reader needs it (issue 12). Tests,
// their support and store contract suites are left out: a long `describe` is a list, not a function.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { sourceFiles } from './import-cycles.js';

/** The longest a function may run, in lines from its first to its last, without a reason given. */
export const maxLines = 70;

/** The comment that marks a long function as deliberate; it must sit within three lines above it. */
export const reasonMarker = '// Long because:';

export interface LongFunction {
  readonly file: string;
  /** 1-based line where the function (or the statement declaring it) starts. */
  readonly line: number;
  readonly lines: number;
  readonly name: string;
  readonly justified: boolean;
}

/** Files whose functions are checked: shipped source, not tests, their support or contract suites. */
export function checkedFile(file: string): boolean {
  return (
    file.endsWith('.ts') &&
    !file.endsWith('.test.ts') &&
    !file.endsWith('.contract.ts') &&
    !file.endsWith('.d.ts') &&
    !/[\\/]test-support[\\/]/.test(file)
  );
}

/**
 * Where a function is said to start: the statement or member that declares it, so a reason comment
 * above `export const f = (...) => {` or above a JSDoc'd method counts (JSDoc itself is skipped).
 */
function anchorOf(node: ts.Node): ts.Node {
  const parent = node.parent;
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
    if (ts.isVariableDeclaration(parent) && ts.isVariableDeclarationList(parent.parent)) {
      const statement = parent.parent.parent;
      return ts.isVariableStatement(statement) ? statement : parent;
    }
    if (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent;
  }
  return node;
}

function nameOf(node: ts.FunctionLikeDeclaration): string {
  if (node.name !== undefined && !ts.isComputedPropertyName(node.name)) return node.name.getText();
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
    return parent.name.getText();
  return '(anonymous)';
}

/** Every function of one file's text, with its length and whether a reason is given above it. */
export function functionsOf(file: string, text: string): LongFunction[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lines = text.split(/\r?\n/);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const fn = node;
      const anchor = anchorOf(fn);
      const first = source.getLineAndCharacterOfPosition(anchor.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(fn.getEnd()).line;
      const above = lines.slice(Math.max(0, first - 3), first);
      found.push({
        file,
        line: first + 1,
        lines: last - first + 1,
        name: nameOf(fn),
        justified: above.some((line) => line.trim().startsWith(reasonMarker)),
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The functions over `maxLines` in the checked files under `dir`, longest first. */
export function longFunctions(dir: string): LongFunction[] {
  return sourceFiles(dir)
    .filter(checkedFile)
    .flatMap((file) => functionsOf(file, readFileSync(file, 'utf8')))
    .filter((fn) => fn.lines > maxLines)
    .sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file) || a.line - b.line);
}

/**
 * Checks `dir`: writes each long function lacking a reason (and, verbose, each justified one) to
 * `write`, and answers the exit code, 1 when any lacks a reason.
 */
export function checkLongFunctions(
  dir: string,
  options: { root: string; verbose?: boolean; write?: (line: string) => void },
): number {
  const write = options.write ?? ((line: string) => console.error(line));
  const long = longFunctions(dir);
  const unjustified = long.filter((fn) => !fn.justified);
  const where = (fn: LongFunction): string =>
    `${fn.lines} ${relative(options.root, fn.file)}:${fn.line} ${fn.name}`;
  if (options.verbose === true)
    for (const fn of long.filter((f) => f.justified)) write(`justified: ${where(fn)}`);
  for (const fn of unjustified) write(`long function: ${where(fn)}`);
  if (unjustified.length === 0) return 0;
  write(
    `${unjustified.length} function(s) over ${maxLines} lines without a reason: split them along their seams, or put \`${reasonMarker} ...\` in the 3 lines above.`,
  );
  return 1;
}

function main(): void {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const args = process.argv.slice(2);
  const verbose = args.includes('--verbose');
  const dir = args.find((arg) => !arg.startsWith('--')) ?? join(root, 'src');
  process.exitCode = checkLongFunctions(resolve(dir), { root, verbose });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
