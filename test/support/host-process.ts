// Starts `posguard serve` as a real child process (the compiled CLI, as a user would run it) and
// gives tests its URL, its output, and ways to stop it gracefully or kill it outright.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const cliPath = resolve('bin/posguard.js');
export const demoApiKey = 'pgk_demo_posguard_not_for_production';

export interface HostProcess {
  readonly url: string;
  /** The ISO 8583 port of `--iso-port` (the one picked for 0), or null when the channel is off. */
  readonly isoPort: number | null;
  /** The demo's simulated wallet (QR payments), or null when not a demo or a wallets file was given. */
  readonly demoWalletUrl: string | null;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no cleanup of any kind, as in a power cut of the process. */
  kill(): Promise<void>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'posguard-e2e-'));
}

export async function startHostProcess(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<HostProcess> {
  // Tests run side by side: a demo's simulated wallet takes a free port, not the fixed 8090.
  const walletPort =
    args.includes('--demo') && !args.includes('--demo-wallet-port') ? ['--demo-wallet-port', '0'] : [];
  const child = spawn(
    process.execPath,
    [cliPath, 'serve', '--json', '--http-port', '0', ...walletPort, ...args],
    {
      // The end-to-end tests count what they did themselves: no demo day unless a test asks for it.
      env: { ...process.env, POSGUARD_DEMO_DAY: 'off', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const [url, isoPort, demoWalletUrl] = await new Promise<[string, number | null, string | null]>(
    (resolveUrl, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the host did not start within 15 s:\n${output}`)),
        15_000,
      );
      const onData = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        const ready =
          /"event":"ready","httpUrl":"([^"]+)","isoPort":(\d+|null),"demoWalletUrl":(?:"([^"]+)"|null)/.exec(
            output,
          );
        if (ready?.[1] !== undefined) {
          clearTimeout(timer);
          resolveUrl([
            ready[1],
            ready[2] === 'null' || ready[2] === undefined ? null : Number(ready[2]),
            ready[3] ?? null,
          ]);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      void exited.then(([code]) => {
        clearTimeout(timer);
        reject(new Error(`the host exited with ${code} before it was ready:\n${output}`));
      });
    },
  );
  return {
    url,
    isoPort,
    demoWalletUrl,
    child,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      const [code] = await exited;
      return code;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

export async function call(
  host: { url: string },
  method: 'GET' | 'POST',
  path: string,
  options: { key?: string; body?: unknown } = {},
): Promise<Answer> {
  const response = await fetch(`${host.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${demoApiKey}`,
      ...(options.key !== undefined ? { 'idempotency-key': options.key } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface IssuerProcess {
  readonly url: string;
  readonly ledgerPath: string;
  stop(): Promise<void>;
  /** How many times each RRN was sent to the issuer, per operation. */
  calls(): Promise<Record<string, { authorize: number; reverse: number }>>;
}

export async function startIssuerProcess(dir: string, args: readonly string[] = []): Promise<IssuerProcess> {
  const ledgerPath = join(dir, 'issuer-ledger.db');
  const child = spawn(
    process.execPath,
    [cliPath, 'issuer', '--json', '--port', '0', '--ledger', ledgerPath, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const ready = /"event":"ready","url":"([^"]+)"/.exec(output);
      if (ready?.[1] !== undefined) resolveUrl(ready[1]);
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    void exited.then(() => reject(new Error(`the issuer exited before it was ready:\n${output}`)));
  });
  return {
    url,
    ledgerPath,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
    async calls() {
      return (await (await fetch(`${url}/calls`)).json()) as Record<
        string,
        { authorize: number; reverse: number }
      >;
    },
  };
}
