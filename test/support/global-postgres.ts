// Vitest global setup: the PostgreSQL server the tests use, once per test run. Without
// POSGUARD_TEST_DATABASE_URL the tests start a real server of their own (test/support/postgres-server.ts)
// and stop it at the end; with it, they use that server (each test in a schema of its own).
import type { TestProject } from 'vitest/node';
import { startTestPostgres, stopTestPostgres, type TestPostgres } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The server the PostgreSQL tests use; `server` is set when the tests started it. */
    postgres: { readonly url: string; readonly server: TestPostgres | undefined };
  }
}

/** The main suite: the given server, or one of its own. */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env['POSGUARD_TEST_DATABASE_URL'];
  if (given !== undefined && given !== '') {
    console.log(`PostgreSQL tests: using the server at ${hostOf(given)} (POSGUARD_TEST_DATABASE_URL)`);
    project.provide('postgres', { url: given, server: undefined });
    return undefined;
  }
  return startOwnServer(project);
}

/** The restart test stops and starts its server, so it always runs on one the tests started. */
export async function startOwnServer(project: TestProject): Promise<() => Promise<void>> {
  const startedMs = Date.now();
  const server = await startTestPostgres();
  console.log(
    `PostgreSQL tests: ${server.version}, started by the tests at 127.0.0.1:${server.port} ` +
      `in ${server.baseDir} (${Date.now() - startedMs} ms)`,
  );
  project.provide('postgres', { url: server.url, server });
  return () => stopTestPostgres(server);
}

function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'an unreadable URL';
  }
}
