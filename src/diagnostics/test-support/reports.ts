// Status reports for tests (issue 14): a good report in its JSON form, at a time the test's clock
// accepts, and the same report as the store keeps it.
import { chinaIsoTime, type TelemetryReport, type TelemetryReportJson } from '../telemetry.js';
import type { StoredTelemetryReport } from '../telemetry-hours.js';

/** The virtual clock's start (2026-11-25 14:00 China Standard Time). */
export const t0 = Date.UTC(2026, 10, 25, 6, 0, 0);

export function reportJson(
  overrides: Readonly<Record<string, unknown>> = {},
  at = t0,
): Record<string, unknown> {
  const good: TelemetryReportJson = {
    reportId: 'T0001-0001',
    at: chinaIsoTime(at),
    softwareVersion: '3.2.1',
    firmwareVersion: 'FW-1.0.7',
    cardReader: { errors: 1, doubleReadsSuppressed: 2 },
    printer: { paperOut: 1, headErrors: 0 },
    reboots: 0,
    crashes: 1,
    network: { type: '4g', carrier: 'China Mobile', signalDbm: -85 },
    offline: { periods: 2, seconds: 42 },
    batteryPercent: 76,
  };
  return { ...good, ...overrides };
}

export function report(overrides: Partial<TelemetryReport> = {}): TelemetryReport {
  return {
    reportId: 'T0001-0001',
    at: t0,
    softwareVersion: '3.2.1',
    firmwareVersion: 'FW-1.0.7',
    readerErrors: 1,
    doubleReadsSuppressed: 2,
    paperOut: 1,
    printerHeadErrors: 0,
    reboots: 0,
    crashes: 1,
    networkType: '4g',
    carrier: 'China Mobile',
    signalDbm: -85,
    offlinePeriods: 2,
    offlineSeconds: 42,
    batteryPercent: 76,
    ...overrides,
  };
}

export function stored(
  overrides: Partial<TelemetryReport> = {},
  where: { merchantId?: string; terminalId?: string; receivedAt?: number } = {},
): StoredTelemetryReport {
  const r = report(overrides);
  return {
    merchantId: where.merchantId ?? 'M0001',
    terminalId: where.terminalId ?? 'T0001',
    report: r,
    receivedAt: where.receivedAt ?? r.at,
    channel: 'http',
  };
}
