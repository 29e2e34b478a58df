// The dashboard's bundle budget (issue 15): the JavaScript the first page loads (the entry script
// and what it imports statically) is under 400 kB gzipped, measured from the built files, and so is
// everything the dashboard ever loads (the chart's ECharts chunk included). `npm test` builds first.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const built = 'dist/dashboard';
const budgetBytes = 400 * 1000;

const gzipped = (file: string): number => gzipSync(readFileSync(join(built, file)), { level: 9 }).length;

/** The entry script and the modules it imports statically, transitively (what the first page runs). */
function firstPageScripts(): string[] {
  const html = readFileSync(join(built, 'index.html'), 'utf8');
  const entries = [...html.matchAll(/<script[^>]+src="\/dashboard\/([^"]+\.js)"/g)].map((m) => m[1] ?? '');
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(join(built, file), 'utf8');
    // Static imports only: `import ... from "./x.js"` and `import "./x.js"`, not `import("./x.js")`.
    for (const m of code.matchAll(
      /(?:^|[;\n}])\s*import\s*(?:[^'"();]*?\sfrom\s*)?["']\.\/([^"']+\.js)["']/g,
    )) {
      visit(`assets/${m[1] ?? ''}`);
    }
  };
  for (const entry of entries) visit(entry);
  return [...seen];
}

describe('the dashboard bundle', () => {
  it('is built, with no inline script in its page', () => {
    expect(existsSync(join(built, 'index.html')), 'run `npm run build` first').toBe(true);
    const html = readFileSync(join(built, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('loads under 400 kB of JavaScript gzipped for the first page, and for everything together', () => {
    const first = firstPageScripts();
    expect(first.length).toBeGreaterThan(0);
    const firstBytes = first.reduce((sum, file) => sum + gzipped(file), 0);
    const all = readdirSync(join(built, 'assets')).filter((f) => f.endsWith('.js'));
    const allBytes = all.reduce((sum, file) => sum + gzipped(`assets/${file}`), 0);
    console.log(
      `dashboard JS gzipped: first page ${firstBytes} bytes (${first.join(', ')}); all ${allBytes} bytes`,
    );
    expect(firstBytes).toBeLessThan(budgetBytes);
    expect(allBytes).toBeLessThan(budgetBytes);
    // ECharts is not on the sign-in page: the chart loads it.
    expect(all.length).toBeGreaterThan(first.length);
  });
});
