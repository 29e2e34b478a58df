// `posguard pos` in process: its help, the flags it refuses and what it says when it cannot reach
// the host. Its runs against a real host are in test/iso-terminal.e2e.test.ts.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../test-support/run-cli.js';

const where = ['--merchant', 'DEMOSHOP0000001', '--terminal', 'DEMO0001'];

/** A port nobody listens on: one that was free a moment ago. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('posguard pos', () => {
  it('explains each subcommand with an example', async () => {
    const help = await runCli(['pos', '--help']);
    expect(help.code).toBe(0);
    for (const sub of [
      'signin',
      'sale',
      'void',
      'refund',
      'reversal-status',
      'reprint',
      'settle',
      'status',
    ]) {
      expect(help.stdout).toContain(`posguard pos ${sub} --host 127.0.0.1:5000`);
    }
    expect(help.stdout).toContain('--confirm-duplicate');
    expect((await runCli(['pos'])).code).toBe(2);
  });

  it('refuses bad flags naming the flag and what came, and sends nothing', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pg-pos-'));
    const cases: Array<[string[], string]> = [
      [['pos', 'dance', ...where], 'expected a subcommand'],
      [
        ['pos', 'sale', '--host', 'nowhere', ...where, '--amount', '1', '--card', '6212345678901232'],
        '--host expected HOST:PORT',
      ],
      [
        ['pos', 'sale', '--terminal', 'DEMO0001', '--amount', '1'],
        'POS_ERR_CLI_MISSING_FLAG: pos: --merchant is required',
      ],
      [
        ['pos', 'sale', ...where, '--amount', '12.801', '--card', '6212345678901232'],
        'POS_ERR_CLI_BAD_FLAG: pos: invalid amount: "12.801" has more decimal places',
      ],
      [
        ['pos', 'sale', ...where, '--amount', '1', '--card', '6212345678901233'],
        '16 digits (621234******1233), failing the Luhn check',
      ],
      [
        ['pos', 'sale', ...where, '--amount', '1', '--card', '6212345678901232', '--entry', 'telepathy'],
        '--entry expected one of',
      ],
      [['pos', 'void', ...where], 'POS_ERR_CLI_MISSING_FLAG: pos: --stan is required'],
      [['pos', 'signin', ...where, '--tmk', 'XYZ'], '--tmk: expected 16 or 32 hex characters'],
      [['pos', 'sale', ...where, '--simulate', 'meteor'], '--simulate expected one of lost-answer'],
      [['pos', 'status', ...where, '--network', 'satellite'], '--network expected one of wifi, ethernet'],
      [['pos', 'status', ...where, '--signal=-5'], '--signal expected a whole number from -140 to -10'],
      [['pos', 'status', ...where, '--battery', '101'], '--battery expected a whole number from 0 to 100'],
      [['pos', 'status', ...where, '--reboots', 'two'], '--reboots expected a whole number'],
    ];
    for (const [args, expected] of cases) {
      const run = await runCli(args, { cwd });
      // 2, bad usage: never the 1 that says a sale was declined, reversed or is pending.
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toContain(expected);
      expect(run.stderr).not.toContain('6212345678901233');
    }
  });

  it('says the sign-in got no answer when the host cannot be reached, and asks for a sign-in first', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pg-pos-'));
    const host = ['--host', `127.0.0.1:${await closedPort()}`];
    const signin = await runCli(
      ['pos', 'signin', ...host, ...where, '--tmk', '0123456789ABCDEFFEDCBA9876543210'],
      { cwd },
    );
    expect(signin.code).toBe(1);
    expect(signin.stdout).toContain('SIGN-IN GOT NO ANSWER: cannot connect to 127.0.0.1');
    const fresh = mkdtempSync(join(tmpdir(), 'pg-pos-'));
    const sale = await runCli(
      ['pos', 'sale', ...host, ...where, '--amount', '1.00', '--card', '6212345678901232'],
      { cwd: fresh },
    );
    expect(sale.code).toBe(1);
    expect(sale.stderr).toContain('POS_ERR_TERMINAL_NOT_SIGNED_IN');
    const reversals = await runCli(['pos', 'reversal-status', ...host, ...where], { cwd: fresh });
    expect(reversals.stdout).toContain('No reversal owed.');
  });
});
