// Telemetry rows and records (issue 14): the columns of telemetry_reports and telemetry_hours in
// one place, read with rows.ts's column readers (which check what the database gives) and written
// in the order the statements of sql-telemetry.ts name them.
import type { StoredTelemetryReport, TelemetryHour } from '../../diagnostics/telemetry-hours.js';
import { networkTypes } from '../../diagnostics/telemetry.js';
import { integer, integerOrNull, oneOf, text, textOrNull, type Row } from './rows.js';
import type { SqlValue } from './sql-driver.js';

const networkType = oneOf(networkTypes);
const channel = oneOf(['http', 'iso'] as const);

export const reportColumns = [
  'merchant_id',
  'terminal_id',
  'report_id',
  'at',
  'received_at',
  'channel',
  'software_version',
  'firmware_version',
  'reader_errors',
  'double_reads_suppressed',
  'paper_out',
  'printer_head_errors',
  'reboots',
  'crashes',
  'network_type',
  'carrier',
  'signal_dbm',
  'offline_periods',
  'offline_seconds',
  'battery_percent',
] as const;

export function reportValues(stored: StoredTelemetryReport): SqlValue[] {
  const r = stored.report;
  return [
    stored.merchantId,
    stored.terminalId,
    r.reportId,
    r.at,
    stored.receivedAt,
    stored.channel,
    r.softwareVersion,
    r.firmwareVersion,
    r.readerErrors,
    r.doubleReadsSuppressed,
    r.paperOut,
    r.printerHeadErrors,
    r.reboots,
    r.crashes,
    r.networkType,
    r.carrier,
    r.signalDbm,
    r.offlinePeriods,
    r.offlineSeconds,
    r.batteryPercent,
  ];
}

export function toTelemetryReport(row: Row): StoredTelemetryReport {
  return {
    merchantId: text(row, 'merchant_id'),
    terminalId: text(row, 'terminal_id'),
    receivedAt: integer(row, 'received_at'),
    channel: channel(row, 'channel'),
    report: {
      reportId: text(row, 'report_id'),
      at: integer(row, 'at'),
      softwareVersion: text(row, 'software_version'),
      firmwareVersion: text(row, 'firmware_version'),
      readerErrors: integer(row, 'reader_errors'),
      doubleReadsSuppressed: integer(row, 'double_reads_suppressed'),
      paperOut: integer(row, 'paper_out'),
      printerHeadErrors: integer(row, 'printer_head_errors'),
      reboots: integer(row, 'reboots'),
      crashes: integer(row, 'crashes'),
      networkType: networkType(row, 'network_type'),
      carrier: textOrNull(row, 'carrier'),
      signalDbm: integerOrNull(row, 'signal_dbm'),
      offlinePeriods: integer(row, 'offline_periods'),
      offlineSeconds: integer(row, 'offline_seconds'),
      batteryPercent: integerOrNull(row, 'battery_percent'),
    },
  };
}

/** Counters, summed by the upsert. */
export const hourSums = [
  'reports',
  'reader_errors',
  'double_reads_suppressed',
  'paper_out',
  'printer_head_errors',
  'reboots',
  'crashes',
  'offline_periods',
  'offline_seconds',
  'signal_reports',
  'signal_dbm_sum',
] as const;

/** The last report's values: the upsert keeps the newer fold's. */
export const hourLatest = ['software_version', 'firmware_version', 'network_type', 'carrier'] as const;

export const hourColumns = [
  'merchant_id',
  'terminal_id',
  'hour_start',
  'first_at',
  'last_at',
  ...hourSums,
  ...hourLatest,
  'signal_dbm_min',
  'signal_dbm_max',
  'battery_min',
  'battery_max',
] as const;

export function hourValues(h: TelemetryHour): SqlValue[] {
  return [
    h.merchantId,
    h.terminalId,
    h.hourStart,
    h.firstAt,
    h.lastAt,
    h.reports,
    h.readerErrors,
    h.doubleReadsSuppressed,
    h.paperOut,
    h.printerHeadErrors,
    h.reboots,
    h.crashes,
    h.offlinePeriods,
    h.offlineSeconds,
    h.signalReports,
    h.signalDbmSum,
    h.softwareVersion,
    h.firmwareVersion,
    h.networkType,
    h.carrier,
    h.signalDbmMin,
    h.signalDbmMax,
    h.batteryMin,
    h.batteryMax,
  ];
}

export function toTelemetryHour(row: Row): TelemetryHour {
  return {
    merchantId: text(row, 'merchant_id'),
    terminalId: text(row, 'terminal_id'),
    hourStart: integer(row, 'hour_start'),
    reports: integer(row, 'reports'),
    firstAt: integer(row, 'first_at'),
    lastAt: integer(row, 'last_at'),
    softwareVersion: text(row, 'software_version'),
    firmwareVersion: text(row, 'firmware_version'),
    networkType: networkType(row, 'network_type'),
    carrier: textOrNull(row, 'carrier'),
    readerErrors: integer(row, 'reader_errors'),
    doubleReadsSuppressed: integer(row, 'double_reads_suppressed'),
    paperOut: integer(row, 'paper_out'),
    printerHeadErrors: integer(row, 'printer_head_errors'),
    reboots: integer(row, 'reboots'),
    crashes: integer(row, 'crashes'),
    offlinePeriods: integer(row, 'offline_periods'),
    offlineSeconds: integer(row, 'offline_seconds'),
    signalReports: integer(row, 'signal_reports'),
    signalDbmSum: integer(row, 'signal_dbm_sum'),
    signalDbmMin: integerOrNull(row, 'signal_dbm_min'),
    signalDbmMax: integerOrNull(row, 'signal_dbm_max'),
    batteryMin: integerOrNull(row, 'battery_min'),
    batteryMax: integerOrNull(row, 'battery_max'),
  };
}
