// The assertion policy, applied (assert.ts): a broken invariant met by a catch-all of the HTTP
// door, the ISO 8583 door or the engine's background loops stops the process instead of becoming
// a 500, a 96 or a log line. A store double breaks an invariant on demand; the stop is replaced by
// a recorder so the test watches it instead of dying by it. A child process shows the real stop.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { assert, haltOnInvariant, InvariantError, replaceInvariantStop, rethrowInvariant } from './assert.js';
import { makeHttpHarness } from './http/test-support/http-harness.js';
import { encodeFrame } from './iso8583/index.js';
import { identity, makeIsoHarness } from './iso-host/test-support/iso-harness.js';
import type { Store } from './payments/ports/store.js';
import { PosError } from './pos-error.js';
import { echoRequest } from './terminal/terminal-messages.js';

const stops: InvariantError[] = [];
const previousStop = replaceInvariantStop((error) => stops.push(error));
afterAll(() => replaceInvariantStop(previousStop));
beforeEach(() => {
  stops.length = 0;
});

/** Makes every read and write of `store` break an invariant, as a defect would; counts them. */
function breakStore(store: Store): { calls: number } {
  const counted = { calls: 0 };
  const broken = (): Promise<never> =>
    Promise.resolve().then(() => {
      counted.calls += 1;
      assert(stops.length < 0, 'test double: the store read a row that cannot exist');
      throw new Error('unreachable');
    });
  store.read = broken;
  store.transaction = broken;
  return counted;
}

async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe('the assertion policy', () => {
  it('leaves operating errors and other failures to the catch-all', () => {
    expect(haltOnInvariant(new PosError('POS_ERR_STORE_UNAVAILABLE', 'disk full'))).toBe(false);
    expect(haltOnInvariant(new Error('ECONNRESET'))).toBe(false);
    expect(() => rethrowInvariant(new Error('ECONNRESET'))).not.toThrow();
    expect(stops).toEqual([]);
  });

  it('stops once for a broken invariant, however many catch-alls it passes, and throws it on', () => {
    const broken = new InvariantError('invariant broken: test');
    expect(() => rethrowInvariant(broken)).toThrow(broken);
    expect(haltOnInvariant(broken)).toBe(true);
    expect(stops).toEqual([broken]);
  });

  it('ends a real process on a broken invariant a catch-all met, with the stack on stderr', () => {
    const script = [
      "import { assert, haltOnInvariant } from './src/assert.ts';",
      "try { assert(false, 'the process must stop'); } catch (error) { haltOnInvariant(error); }",
      "setTimeout(() => console.log('still serving'), 200);",
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).not.toContain('still serving');
    expect(run.stderr).toContain('InvariantError: invariant broken: the process must stop');
  });
});

describe('the doors and loops stop the process on a broken invariant', () => {
  it('HTTP: the request gets a 500 and the process stops, instead of a 500 swallowed', async () => {
    const h = await makeHttpHarness();
    breakStore(h.store);
    const response = await h.call({ method: 'GET', url: '/v1/payments/pay_0000000000000000' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ code: 'POS_ERR_HTTP_INTERNAL' });
    expect(stops).toHaveLength(1);
    expect(stops[0]?.message).toContain('the store read a row that cannot exist');
    expect(h.logLines.some((line) => line.includes('"level":60') && line.includes('the process stops'))).toBe(
      true,
    );
    await h.app.close();
  });

  it('ISO 8583: the connection is closed with no answer (not a 96) and the process stops', async () => {
    const h = await makeIsoHarness();
    breakStore(h.store);
    const frame = encodeFrame(echoRequest({ identity, stan: 1, batchNo: '000001' }));
    const reply = await h.handle(frame);
    expect(reply.kind).toBe('close');
    expect(stops).toHaveLength(1);
    expect(h.logs.some((l) => l.level === 'error' && l.message.includes('the process stops'))).toBe(true);
  });

  it('the engine background loops: no retry on a broken state, and the process stops', async () => {
    const h = await makeIsoHarness();
    const store = breakStore(h.store);
    const work = h.engine.startBackgroundWork();
    for (let turn = 0; turn < 50 && stops.length === 0; turn += 1) await turns(1);
    expect(stops.length).toBeGreaterThanOrEqual(1);
    await turns(10);
    const callsAtStop = store.calls;
    // Without the policy each loop logs "failed; retrying" and tries again after its interval.
    await h.clock.advanceTo(h.clock.now() + 10 * 60_000);
    await turns(10);
    expect(store.calls).toBe(callsAtStop);
    await work.stop();
  });
});
