// Tests that disturb their services (restarting PostgreSQL under load) run on their own, after the
// main suite, one file at a time, on a PostgreSQL server started for them alone.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/disruptive/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['test/support/global-postgres-own.ts'],
  },
});
