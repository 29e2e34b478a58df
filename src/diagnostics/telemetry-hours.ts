// A terminal's reports folded per hour (issue 14): what the store keeps once raw reports are older
// than their retention, and the one shape the diagnosis reads for any period, old or recent.
// Counters are summed; the signal keeps its minimum, maximum and sum (with how many reports gave
// one, for the mean); the battery its minimum and maximum; versions, network type and carrier are
// the hour's last report's (the latest is what "software behind the fleet" compares). Folding is
// associative and commutative, so the store can add a batch of reports to an hour it already holds
// (`mergeTelemetryHours` is what its upsert does) and hours folded in any order agree.
import {
  telemetryCounters,
  type NetworkType,
  type TelemetryCounter,
  type TelemetryReport,
} from './telemetry.js';

export const hourMs = 3_600_000;

/** The start of the hour (UTC, which is China's hour too: its offset is whole hours) holding `at`. */
export function hourOf(at: number): number {
  return Math.floor(at / hourMs) * hourMs;
}

/** A report as the store keeps it: which terminal sent it, when it arrived and through which door. */
export interface StoredTelemetryReport {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly report: TelemetryReport;
  readonly receivedAt: number;
  readonly channel: 'http' | 'iso';
}

export interface TelemetryHour extends Readonly<Record<TelemetryCounter, number>> {
  readonly merchantId: string;
  readonly terminalId: string;
  /** The hour's start (epoch milliseconds, a multiple of one hour). */
  readonly hourStart: number;
  /** Reports folded into it. */
  readonly reports: number;
  /** The first and last report time in the hour. */
  readonly firstAt: number;
  readonly lastAt: number;
  /** Of the hour's last report. */
  readonly softwareVersion: string;
  readonly firmwareVersion: string;
  readonly networkType: NetworkType;
  readonly carrier: string | null;
  /** Reports that gave a signal strength, their sum (for the mean), minimum and maximum. */
  readonly signalReports: number;
  readonly signalDbmSum: number;
  readonly signalDbmMin: number | null;
  readonly signalDbmMax: number | null;
  readonly batteryMin: number | null;
  readonly batteryMax: number | null;
}

const minOf = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.min(a, b);
const maxOf = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.max(a, b);

/** One report as an hour of its own. */
export function hourOfReport(stored: StoredTelemetryReport): TelemetryHour {
  const { report } = stored;
  const counts = Object.fromEntries(telemetryCounters.map((c) => [c, report[c]])) as Record<
    TelemetryCounter,
    number
  >;
  return {
    merchantId: stored.merchantId,
    terminalId: stored.terminalId,
    hourStart: hourOf(report.at),
    reports: 1,
    firstAt: report.at,
    lastAt: report.at,
    softwareVersion: report.softwareVersion,
    firmwareVersion: report.firmwareVersion,
    networkType: report.networkType,
    carrier: report.carrier,
    ...counts,
    signalReports: report.signalDbm === null ? 0 : 1,
    signalDbmSum: report.signalDbm ?? 0,
    signalDbmMin: report.signalDbm,
    signalDbmMax: report.signalDbm,
    batteryMin: report.batteryPercent,
    batteryMax: report.batteryPercent,
  };
}

/**
 * Two folds of one terminal's hour as one. The later report's versions and network win; at the
 * same time, `b`'s do (the store's upsert gives the incoming batch, `b`, the same precedence).
 */
export function mergeTelemetryHours(a: TelemetryHour, b: TelemetryHour): TelemetryHour {
  const latest = b.lastAt >= a.lastAt ? b : a;
  const counts = Object.fromEntries(telemetryCounters.map((c) => [c, a[c] + b[c]])) as Record<
    TelemetryCounter,
    number
  >;
  return {
    merchantId: a.merchantId,
    terminalId: a.terminalId,
    hourStart: a.hourStart,
    reports: a.reports + b.reports,
    firstAt: Math.min(a.firstAt, b.firstAt),
    lastAt: latest.lastAt,
    softwareVersion: latest.softwareVersion,
    firmwareVersion: latest.firmwareVersion,
    networkType: latest.networkType,
    carrier: latest.carrier,
    ...counts,
    signalReports: a.signalReports + b.signalReports,
    signalDbmSum: a.signalDbmSum + b.signalDbmSum,
    signalDbmMin: minOf(a.signalDbmMin, b.signalDbmMin),
    signalDbmMax: maxOf(a.signalDbmMax, b.signalDbmMax),
    batteryMin: minOf(a.batteryMin, b.batteryMin),
    batteryMax: maxOf(a.batteryMax, b.batteryMax),
  };
}

const hourKey = (h: { merchantId: string; terminalId: string; hourStart: number }): string =>
  `${h.merchantId}\u0000${h.terminalId}\u0000${h.hourStart}`;

/**
 * Reports and hours folded per terminal and hour, ordered by merchant, terminal and hour. Each
 * report counts once: the caller gives raw reports and stored hours, which never overlap (a report
 * leaves the raw table in the transaction that adds it to its hour).
 */
export function foldTelemetryHours(
  reports: readonly StoredTelemetryReport[],
  hours: readonly TelemetryHour[] = [],
): TelemetryHour[] {
  const folded = new Map<string, TelemetryHour>();
  const add = (hour: TelemetryHour): void => {
    const key = hourKey(hour);
    const held = folded.get(key);
    folded.set(key, held === undefined ? hour : mergeTelemetryHours(held, hour));
  };
  hours.forEach(add);
  // Oldest first, so that "the last report's" versions are the latest even within one call.
  [...reports].sort((a, b) => a.report.at - b.report.at).forEach((r) => add(hourOfReport(r)));
  return [...folded.values()].sort(
    (a, b) =>
      compareText(a.merchantId, b.merchantId) ||
      compareText(a.terminalId, b.terminalId) ||
      a.hourStart - b.hourStart,
  );
}

/** Code-unit order, as the databases compare these ASCII ids. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
