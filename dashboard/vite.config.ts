// Builds the dashboard (issue 15) into dist/dashboard, served by the HTTP door at /dashboard
// (src/http/dashboard-assets.ts). Hashed file names let the assets be cached for good; the page
// itself is never cached. No inline script and no eval, so the strict Content-Security-Policy holds.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/dashboard/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The CSP allows no inline script: the module preload polyfill would be one more file, and every
    // browser the dashboard supports preloads modules itself.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
    // ECharts alone is about 500 kB before gzip; it is its own chunk, loaded by the overview's chart.
    chunkSizeWarningLimit: 600,
  },
});
