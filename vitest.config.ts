// Test runner settings: tests sit next to the code they test; the slower end-to-end suites that
// start real processes live under test/. The PostgreSQL tests run on a server the run starts itself
// (or on the one POSGUARD_TEST_DATABASE_URL names): test/support/global-postgres.ts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'dashboard/src/**/*.test.ts'],
    exclude: ['test/disruptive/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/support/global-postgres.ts'],
  },
});
