// The README's "Terminal telemetry" block is a script: this runs it as it is against a fresh demo
// host with its ISO 8583 channel (the built CLI for `npx posguard`), so its commands keep working
// and say what the README promises: a report kept over HTTP, its repeat replayed, another under
// its id refused, a bad one refused naming its fields, and the virtual POS's status report kept
// with the double read and the printer fault it met.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, startHostProcess, tempDataDir } from './support/host-process.js';

function telemetryScript(): string {
  const readme = readFileSync('README.md', 'utf8');
  const block = /<!-- telemetry:start -->\s*```sh\n([\s\S]*?)```\s*<!-- telemetry:end -->/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no telemetry block');
  return block;
}

describe('the README section "Terminal telemetry"', () => {
  it('sends reports over HTTP and from the virtual POS over ISO 8583, with the answers it shows', async () => {
    const dir = tempDataDir();
    const host = await startHostProcess(['--demo', '--db', join(dir, 'posguard.db'), '--iso-port', '0']);
    try {
      const script = telemetryScript()
        .replace('URL=http://127.0.0.1:8080', `URL=${host.url}`)
        .replace('127.0.0.1:5000', `127.0.0.1:${host.isoPort}`)
        .replaceAll('npx posguard', `node ${cliPath}`);
      const run = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', script], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const expected = [
        'HTTP/1.1 201',
        '"reportId":"demo-',
        'HTTP/1.1 201',
        'idempotent-replayed: true',
        '"code":"POS_ERR_TELEMETRY_REPORT_CONFLICT"',
        '"field":"colour"',
        '"field":"batteryPercent"',
        'Signed in: batch 000001',
        'The same card was read again within 2 s',
        'The receipt did not print',
        'STATUS REPORT ACCEPTED DEMO0001-1-',
        'double reads ignored 1, reader errors 0, printer out of paper 1 / head faults 0',
        'reboots 1',
      ];
      let from = 0;
      for (const fragment of expected) {
        const at = run.stdout.indexOf(fragment, from);
        expect(at, `${fragment} after position ${from} in:\n${run.stdout}`).toBeGreaterThanOrEqual(0);
        from = at;
      }
      // The bad report is refused for its two problems only.
      expect(run.stdout.match(/"field":/g)).toHaveLength(2);
    } finally {
      expect(await host.stop()).toBe(0);
    }
  });
});
