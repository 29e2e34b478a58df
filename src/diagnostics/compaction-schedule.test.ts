// The host compacts telemetry by itself (issue 14): the engine's maintenance loop folds raw reports
// past their retention when it starts and then every hour, on the engine's clock.
import { describe, expect, it } from 'vitest';
import { settle } from '../clock/virtual-clock.js';
import { makeHarness } from '../payments/test-support/engine-harness.js';
import { stored, t0 } from './test-support/reports.js';

const dayMs = 86_400_000;
const hourMs = 3_600_000;

describe("the engine's maintenance loop", () => {
  it('folds raw telemetry past its retention at start and again an hour later', async () => {
    const h = await makeHarness();
    const old = stored({ reportId: 'old', at: t0 - 8 * dayMs }, { merchantId: 'M0001', terminalId: 'T0001' });
    // Past the retention only once the clock has moved on by an hour and a bit.
    const soon = stored(
      { reportId: 'soon', at: t0 - 7 * dayMs + 10 * 60_000 },
      { merchantId: 'M0001', terminalId: 'T0001' },
    );
    await h.store.transaction(async (tx) => {
      await tx.insertTelemetryReport(old);
      await tx.insertTelemetryReport(soon);
    });
    const raw = () =>
      h.store.read(async (r) =>
        (await r.listTelemetryReports({ fromMs: 0, toMs: t0, limit: 10 })).map((x) => x.report.reportId),
      );
    const background = h.engine.startBackgroundWork();
    try {
      await settle(10);
      expect(await raw()).toEqual(['soon']);
      await h.clock.advance(hourMs + 20 * 60_000);
      await settle(10);
      expect(await raw()).toEqual([]);
      const hours = await h.engine.telemetryHours({ merchantId: 'M0001', fromMs: 0, toMs: t0 });
      expect(hours.map((x) => x.reports)).toEqual([1, 1]);
    } finally {
      await background.stop();
    }
  });
});
