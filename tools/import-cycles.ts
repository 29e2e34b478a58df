// `npm run lint` runs this after ESLint: it fails when two or more files of src/ import each other
// in a loop, directly or through others, and when two or more top-level folders of src/ do (through
// their shipped files: a folder cycle is a layering knot even when no file loops). Every import counts, type-only ones and dynamic `import()`
// included: a type-only loop still ties two files' meaning together, and it is the kind of loop
// ESLint's import plugins let through (docs/decisions.md, "Import cycles"). TypeScript's own
// pre-processor lists each file's imports without a full parse: the check itself takes a fraction of
// a second, loading TypeScript most of the few seconds the script runs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Files to read at most: far above src/ today, so a runaway walk stops with a clear message. */
const maxFiles = 10_000;

/** Every .ts file under `dir`, sorted, so the report is the same on every machine. */
export function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (at: string): void => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) found.push(path);
      if (found.length > maxFiles) throw new Error(`more than ${maxFiles} .ts files under ${dir}`);
    }
  };
  walk(dir);
  return found;
}

/** Where a relative import lands among `known` files: `./x.js` is `./x.ts` in the source tree. */
function resolveImport(from: string, specifier: string, known: ReadonlySet<string>): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  const candidates = specifier.endsWith('.js')
    ? [base.slice(0, -3) + '.ts', base]
    : [base, `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((candidate) => known.has(candidate));
}

/** Each file's imports of other files in the set (import, export ... from, import(), type-only too). */
export function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((imported) => resolveImport(file, imported.fileName, known))
      .filter((target): target is string => target !== undefined);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/**
 * The strongly connected components of more than one file, or of one file that imports itself
 * (Tarjan's algorithm, iterative so a deep import chain cannot overflow the stack). Each cycle is
 * given as its files in the order one import leads to the next.
 */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: { file: string; edge: number }[] = [{ file: root, edge: 0 }];
    index.set(root, next);
    low.set(root, next);
    next += 1;
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const targets = graph.get(frame.file) ?? [];
      if (frame.edge < targets.length) {
        const target = targets[frame.edge]!;
        frame.edge += 1;
        if (!index.has(target)) {
          index.set(target, next);
          low.set(target, next);
          next += 1;
          stack.push(target);
          onStack.add(target);
          work.push({ file: target, edge: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.file, Math.min(low.get(frame.file)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low.set(parent.file, Math.min(low.get(parent.file)!, low.get(frame.file)!));
      if (low.get(frame.file) !== index.get(frame.file)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.file);
      const selfImport = (graph.get(frame.file) ?? []).includes(frame.file);
      if (component.length > 1 || selfImport) cycles.push(orderCycle(component, graph));
    }
  }
  return cycles;
}

/** The component's files in import order, starting from its first file by name. */
function orderCycle(component: readonly string[], graph: ReadonlyMap<string, readonly string[]>): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  const path = [start];
  const seen = new Set(path);
  for (let at = start; path.length < component.length;) {
    const step = (graph.get(at) ?? []).find((target) => members.has(target) && !seen.has(target));
    if (step === undefined) break; // the rest of the component hangs off another member
    path.push(step);
    seen.add(step);
    at = step;
  }
  return path;
}

/**
 * The same graph one level up: each top-level folder of `srcDir` (a file directly in it stands for
 * itself) and the folders its shipped files import. Tests and their support are left out: they wire
 * real adapters to the core, as the composition root does, and ship in no build.
 */
export function folderGraph(
  graph: ReadonlyMap<string, readonly string[]>,
  srcDir: string,
): Map<string, string[]> {
  const shipped = (file: string): boolean =>
    !file.endsWith('.test.ts') && !file.endsWith('.contract.ts') && !file.includes('/test-support/');
  const folderOf = (file: string): string => relative(srcDir, file).split(/[\\/]/)[0] ?? file;
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    if (!shipped(file)) continue;
    const from = folderOf(file);
    const edges = folders.get(from) ?? new Set<string>();
    for (const target of targets)
      if (shipped(target) && folderOf(target) !== from) edges.add(folderOf(target));
    folders.set(from, edges);
  }
  return new Map([...folders].map(([folder, edges]) => [folder, [...edges].sort()]));
}

function main(): void {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const srcDir = join(root, 'src');
  const graph = importGraph(sourceFiles(srcDir));
  const cycles = importCycles(graph);
  for (const cycle of cycles) {
    const names = cycle.map((file) => relative(root, file));
    console.error(`import cycle: ${[...names, names[0]].join(' -> ')}`);
  }
  const folderCycles = importCycles(folderGraph(graph, srcDir));
  for (const cycle of folderCycles) {
    console.error(`folder cycle: ${[...cycle, cycle[0]].map((f) => `src/${f}`).join(' -> ')}`);
  }
  if (cycles.length > 0) {
    console.error(`${cycles.length} import cycle(s) in src/: move what both files need into a third file.`);
    process.exitCode = 1;
  }
  if (folderCycles.length > 0) {
    console.error(
      `${folderCycles.length} folder cycle(s) in src/: a folder's code depends on one that depends on it; move the shared part inward (docs/architecture.md).`,
    );
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
