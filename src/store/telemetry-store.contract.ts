// The telemetry port's contract (issue 14), checked on every adapter: reports kept once per
// merchant + terminal + report id and read back field for field; the use case's idempotency (a
// repeat accepted again, another report under the same id refused) and its daily cap; the hour
// upsert doing what `mergeTelemetryHours` does; and the compaction, on a clock of the test's own,
// folding each report once (also when two run at once) without changing what the diagnosis reads.
import { describe, expect, it } from 'vitest';
import { compactTelemetry, readTelemetryHours } from '../diagnostics/compact-telemetry.js';
import { chinaDayOf, recordTelemetry } from '../diagnostics/record-telemetry.js';
import {
  foldTelemetryHours,
  hourOf,
  hourOfReport,
  mergeTelemetryHours,
  type StoredTelemetryReport,
} from '../diagnostics/telemetry-hours.js';
import { defaultTelemetrySettings, type TelemetrySettings } from '../diagnostics/telemetry.js';
import { reportJson, stored, t0 } from '../diagnostics/test-support/reports.js';
import type { Store } from '../payments/ports/store.js';

const hourMs = 3_600_000;
const dayMs = 86_400_000;

async function seed(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    for (const id of ['M1', 'M2']) {
      await tx.insertMerchant({
        id,
        name: `Shop ${id}`,
        apiKeyHash: `hash-${id}`,
        duplicatePolicy: 'off',
        duplicateWindowS: 0,
        createdAt: t0,
      });
    }
    for (const [merchantId, terminalId] of [
      ['M1', 'T1'],
      ['M1', 'T2'],
      ['M2', 'T9'],
    ] as const) {
      await tx.insertTerminal({ merchantId, terminalId, tmkEncrypted: null, createdAt: t0 });
    }
  });
}

class TestClock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
}

const keyOf = (r: StoredTelemetryReport) => ({
  merchantId: r.merchantId,
  terminalId: r.terminalId,
  reportId: r.report.reportId,
});

export function describeTelemetryStoreContract(name: string, openFresh: () => Promise<Store>): void {
  describe(`the ${name} store's telemetry`, () => {
    it('keeps a report once per merchant, terminal and report id, and reads it back field for field', async () => {
      const store = await openFresh();
      const first = stored(
        { signalDbm: null, batteryPercent: null, carrier: null, networkType: 'ethernet' },
        {
          merchantId: 'M1',
          terminalId: 'T1',
        },
      );
      expect(await store.transaction((tx) => tx.insertTelemetryReport(first))).toBe(true);
      expect(
        await store.transaction((tx) => tx.insertTelemetryReport({ ...first, receivedAt: t0 + 1 })),
      ).toBe(false);
      // The same report id of another terminal, or of another merchant, is another report.
      const other = stored({}, { merchantId: 'M1', terminalId: 'T2' });
      const otherMerchant = stored({}, { merchantId: 'M2', terminalId: 'T1' });
      for (const r of [other, otherMerchant]) {
        expect(await store.transaction((tx) => tx.insertTelemetryReport(r))).toBe(true);
      }
      await store.read(async (r) => {
        expect(await r.getTelemetryReport(keyOf(first))).toEqual(first);
        expect(await r.getTelemetryReport(keyOf(other))).toEqual(other);
        expect(await r.getTelemetryReport({ ...keyOf(first), reportId: 'nope' })).toBeUndefined();
        expect(await r.countTelemetryReceived('M1', 'T1', t0, t0 + 1)).toBe(1);
        expect(await r.countTelemetryReceived('M1', 'T1', t0 + 1, t0 + 2)).toBe(0);
      });
      await store.close();
    });

    it('lists reports and hours of a period by scope, in pages', async () => {
      const store = await openFresh();
      const reports = [
        stored({ reportId: 'a', at: t0 }, { merchantId: 'M1', terminalId: 'T1' }),
        stored({ reportId: 'b', at: t0 + 10 }, { merchantId: 'M1', terminalId: 'T1' }),
        stored({ reportId: 'c', at: t0 + 10 }, { merchantId: 'M1', terminalId: 'T2' }),
        stored({ reportId: 'd', at: t0 + 20 }, { merchantId: 'M2', terminalId: 'T9' }),
        stored({ reportId: 'e', at: t0 + hourMs }, { merchantId: 'M1', terminalId: 'T1' }),
      ];
      await store.transaction(async (tx) => {
        for (const r of reports) await tx.insertTelemetryReport(r);
        for (const r of reports) await tx.addTelemetryHour(hourOfReport(r));
      });
      const period = { fromMs: t0, toMs: t0 + hourMs };
      const ids = (rows: StoredTelemetryReport[]) => rows.map((r) => r.report.reportId);
      await store.read(async (r) => {
        expect(ids(await r.listTelemetryReports({ ...period, limit: 10 }))).toEqual(['a', 'b', 'c', 'd']);
        expect(ids(await r.listTelemetryReports({ ...period, merchantId: 'M1', limit: 10 }))).toEqual([
          'a',
          'b',
          'c',
        ]);
        expect(
          ids(await r.listTelemetryReports({ ...period, merchantId: 'M1', terminalId: 'T1', limit: 10 })),
        ).toEqual(['a', 'b']);
        const first = await r.listTelemetryReports({ ...period, limit: 2 });
        const last = first.at(-1);
        if (last === undefined) throw new Error('no page');
        const next = await r.listTelemetryReports({
          ...period,
          limit: 2,
          after: { ...keyOf(last), at: last.report.at },
        });
        expect([ids(first), ids(next)]).toEqual([
          ['a', 'b'],
          ['c', 'd'],
        ]);
        const hours = await r.listTelemetryHours({ ...period, limit: 10 });
        expect(hours.map((h) => [h.merchantId, h.terminalId, h.reports])).toEqual([
          ['M1', 'T1', 2],
          ['M1', 'T2', 1],
          ['M2', 'T9', 1],
        ]);
        const [firstHour] = hours;
        if (firstHour === undefined) throw new Error('no hours');
        const afterFirst = await r.listTelemetryHours({ ...period, limit: 10, after: firstHour });
        expect(afterFirst.map((h) => h.terminalId)).toEqual(['T2', 'T9']);
      });
      await store.close();
    });

    it('adds a fold to a stored hour as mergeTelemetryHours does, nulls standing for none given', async () => {
      const store = await openFresh();
      const base = { merchantId: 'M1', terminalId: 'T1' };
      const folds = [
        hourOfReport(stored({ reportId: 'a', at: t0 + 1000, signalDbm: null, batteryPercent: null }, base)),
        hourOfReport(
          stored(
            { reportId: 'b', at: t0 + 3000, signalDbm: -70, batteryPercent: 40, softwareVersion: '3.3.0' },
            base,
          ),
        ),
        // Earlier than the last one: its versions and network must not win.
        hourOfReport(
          stored(
            {
              reportId: 'c',
              at: t0 + 2000,
              signalDbm: -100,
              batteryPercent: 90,
              networkType: 'wifi',
              carrier: null,
            },
            base,
          ),
        ),
        hourOfReport(
          stored({ reportId: 'd', at: t0 + 500, signalDbm: null, batteryPercent: 10, paperOut: 7 }, base),
        ),
      ];
      for (const fold of folds) await store.transaction((tx) => tx.addTelemetryHour(fold));
      const expected = folds.reduce((a, b) => mergeTelemetryHours(a, b));
      const [held] = await store.read((r) =>
        r.listTelemetryHours({ fromMs: hourOf(t0), toMs: hourOf(t0) + hourMs, limit: 10 }),
      );
      expect(held).toEqual(expected);
      expect(held).toMatchObject({
        reports: 4,
        firstAt: t0 + 500,
        lastAt: t0 + 3000,
        softwareVersion: '3.3.0',
        networkType: '4g',
        signalReports: 2,
        signalDbmSum: -170,
        signalDbmMin: -100,
        signalDbmMax: -70,
        batteryMin: 10,
        batteryMax: 90,
        paperOut: 1 + 1 + 1 + 7,
      });
      await store.close();
    });

    it('accepts a repeated report again, refuses another one under its id, and nothing else is stored', async () => {
      const store = await openFresh();
      await seed(store);
      const clock = new TestClock(t0);
      const deps = { store, clock };
      const send = (report: unknown, terminalId = 'T1', merchantId = 'M1') =>
        recordTelemetry(deps, { merchantId, terminalId, report, channel: 'http' });
      const first = await send(reportJson());
      expect(first.replayed).toBe(false);
      clock.ms += 60_000;
      // The same content, keys in another order: accepted again, as first stored.
      const { reportId, ...rest } = reportJson();
      const again = await send({ ...rest, reportId });
      expect(again).toEqual({ stored: first.stored, replayed: true });
      await expect(send(reportJson({ reboots: 5 }))).rejects.toMatchObject({
        code: 'POS_ERR_TELEMETRY_REPORT_CONFLICT',
      });
      // Another merchant's terminal, or no terminal at all: refused as for a payment.
      for (const [terminalId, merchantId] of [
        ['T9', 'M1'],
        ['T1', 'M3'],
      ] as const) {
        await expect(send(reportJson({ reportId: 'x-1' }), terminalId, merchantId)).rejects.toMatchObject({
          code: 'POS_ERR_PAYMENT_UNKNOWN_TERMINAL',
        });
      }
      await expect(send(reportJson({ reportId: 'x-2', crashes: -1 }))).rejects.toMatchObject({
        code: 'POS_ERR_TELEMETRY_INVALID',
      });
      const all = await store.read((r) => r.listTelemetryReports({ fromMs: 0, toMs: t0 * 2, limit: 100 }));
      expect(all).toEqual([first.stored]);
      await store.close();
    });

    it('stores at most the daily cap of reports per terminal, and takes them again the next day', async () => {
      const store = await openFresh();
      await seed(store);
      const clock = new TestClock(t0);
      const telemetrySettings: TelemetrySettings = { ...defaultTelemetrySettings, maxReportsPerDay: 3 };
      const send = (n: number, terminalId = 'T1') =>
        recordTelemetry(
          { store, clock, telemetrySettings },
          {
            merchantId: 'M1',
            terminalId,
            report: reportJson({ reportId: `r-${n}` }, clock.ms),
            channel: 'iso',
          },
        );
      for (const n of [1, 2, 3]) await send(n);
      const day = chinaDayOf(t0);
      const refused = await send(4).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toMatchObject({
        code: 'POS_ERR_TELEMETRY_DAILY_LIMIT',
        details: { retryAfterS: Math.ceil((day.end - t0) / 1000) },
      });
      // A repeat of an accepted report is still accepted; another terminal has its own cap.
      expect((await send(3)).replayed).toBe(true);
      expect((await send(4, 'T2')).replayed).toBe(false);
      clock.ms = day.end;
      expect((await send(4)).replayed).toBe(false);
      expect(await store.read((r) => r.countTelemetryReceived('M1', 'T1', day.start, day.end))).toBe(3);
      await store.close();
    });

    it('folds reports older than 7 days into hours, a batch at a time, without changing what is read', async () => {
      const store = await openFresh();
      const reports: StoredTelemetryReport[] = [];
      // Ten days of reports, every 7 hours, from two terminals: some share an hour.
      for (let i = 0; i < 34; i += 1) {
        const at = t0 - 10 * dayMs + i * 7 * hourMs + (i % 3) * 60_000;
        for (const terminalId of ['T1', 'T2']) {
          reports.push(
            stored(
              {
                reportId: `r-${i}`,
                at,
                paperOut: i % 4,
                signalDbm: i % 5 === 0 ? null : -60 - i,
                softwareVersion: `3.${i}`,
              },
              { merchantId: 'M1', terminalId },
            ),
          );
        }
      }
      // Two reports in one old hour, to fold across batches into one row.
      reports.push(
        stored(
          { reportId: 'late', at: t0 - 9 * dayMs + 120_000, crashes: 3 },
          { merchantId: 'M1', terminalId: 'T1' },
        ),
      );
      await store.transaction(async (tx) => {
        for (const r of reports) await tx.insertTelemetryReport(r);
      });
      const period = { fromMs: t0 - 11 * dayMs, toMs: t0 + dayMs };
      const before = await store.read((r) => readTelemetryHours(r, period));
      expect(before).toEqual(foldTelemetryHours(reports));

      const clock = new TestClock(t0);
      const telemetrySettings = { ...defaultTelemetrySettings, compactionBatch: 4 };
      const result = await compactTelemetry({ store, clock, telemetrySettings });
      const cutoff = hourOf(t0 - 7 * dayMs);
      const old = reports.filter((r) => r.report.at < cutoff);
      expect(result.reports).toBe(old.length);
      expect(old.length).toBeGreaterThan(8);
      await store.read(async (r) => {
        const raw = await r.listTelemetryReports({ ...period, limit: 1000 });
        expect(raw.every((x) => x.report.at >= cutoff)).toBe(true);
        expect(raw).toHaveLength(reports.length - old.length);
        const hours = await r.listTelemetryHours({ ...period, limit: 1000 });
        expect(hours).toEqual(foldTelemetryHours(old));
        expect(await readTelemetryHours(r, period)).toEqual(before);
      });
      // Run again: nothing left to fold; a year and more later, the hours go too.
      expect(await compactTelemetry({ store, clock, telemetrySettings })).toEqual({
        reports: 0,
        hours: 0,
        hoursDropped: 0,
      });
      clock.ms = t0 + defaultTelemetrySettings.hourRetentionMs;
      const later = await compactTelemetry({ store, clock, telemetrySettings });
      expect(later.reports).toBe(reports.length - old.length);
      // Every hour is older than the retention now, the ones folded just now included.
      expect(later.hoursDropped).toBe(foldTelemetryHours(reports).length);
      await store.close();
    });

    it('folds each report once when two compactions run at the same moment', async () => {
      const store = await openFresh();
      const reports = Array.from({ length: 60 }, (_, i) =>
        stored(
          { reportId: `r-${i}`, at: t0 - 8 * dayMs + i * 60_000 },
          { merchantId: 'M1', terminalId: `T${i % 3}` },
        ),
      );
      await store.transaction(async (tx) => {
        for (const r of reports) await tx.insertTelemetryReport(r);
      });
      const clock = new TestClock(t0);
      const telemetrySettings = { ...defaultTelemetrySettings, compactionBatch: 7 };
      const results = await Promise.all([
        compactTelemetry({ store, clock, telemetrySettings }),
        compactTelemetry({ store, clock, telemetrySettings }),
      ]);
      expect(results[0].reports + results[1].reports).toBe(60);
      const hours = await store.read((r) => r.listTelemetryHours({ fromMs: 0, toMs: t0, limit: 100 }));
      expect(hours).toEqual(foldTelemetryHours(reports));
      await store.close();
    });
  });
}
