import { describe, expect, it } from 'vitest';
import { luhnValid } from './cards/card.js';
import { demoPan, demoSaleTimes, seedDemoDay } from './demo-day.js';
import { defaultEngineSettings } from './payments/engine-context.js';
import {
  fingerprintKey,
  makeHarness,
  merchantId,
  terminalId,
} from './payments/test-support/engine-harness.js';
import { SeededRandom } from './random/random.js';

describe("the demo's day of traffic", () => {
  it('uses valid card numbers of the simulated BIN', () => {
    for (let n = 0; n < 40; n += 1) {
      expect(demoPan(n)).toMatch(/^621234\d{10}$/);
      expect(luhnValid(demoPan(n))).toBe(true);
    }
  });

  it('spreads the sales from 08:00 China time until just before now, in order', () => {
    const now = Date.UTC(2026, 10, 25, 10, 0, 0); // 18:00 in China
    const times = demoSaleTimes(now, 50, new SeededRandom(1));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(Date.UTC(2026, 10, 25, 0, 0, 0));
    expect(Math.max(...times)).toBeLessThan(now);
  });

  it('fills a fresh store through the engine once, and leaves a store with payments alone', async () => {
    const h = await makeHarness();
    const deps = {
      store: h.store,
      upstream: h.issuer,
      fingerprintKey,
      settings: defaultEngineSettings,
      merchantId,
      terminalId,
      now: h.clock.now(),
    };
    expect(await seedDemoDay(deps)).toBeGreaterThan(100);
    const statuses = await h.store.read((r) =>
      r.countPaymentsInStatuses(merchantId, [
        'approved',
        'declined',
        'duplicate_suspected',
        'voided',
        'partially_refunded',
      ]),
    );
    expect(statuses.map((s) => s.status).sort()).toEqual([
      'approved',
      'declined',
      'duplicate_suspected',
      'partially_refunded',
      'voided',
    ]);
    const terminals = await h.store.read((r) => r.listTerminals(merchantId, 10));
    expect(terminals.map((t) => t.terminalId)).toEqual(['DEMO0002', 'DEMO0003', terminalId]);
    expect(await seedDemoDay(deps)).toBe(0);
  });
});
