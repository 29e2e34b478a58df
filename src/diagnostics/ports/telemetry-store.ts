// The telemetry port (issue 14): terminals' status reports as they came (raw, one row per report,
// named by merchant + terminal + report id, which is what makes a repeat known), and the hourly
// totals raw reports are folded into once they are older than their retention. The diagnostics
// core (src/diagnostics/) decides what is folded when; this port only keeps and reads rows.
// The store port (payments/ports/store.ts) includes these readers and writers, so the one Store
// the composition root opens serves both cores; `TelemetryStore` is the slice of it the
// diagnostics use cases name, so this core depends on no other (no folder loop with payments/).
import type { StoredTelemetryReport, TelemetryHour } from '../telemetry-hours.js';

export interface TelemetryReportKey {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly reportId: string;
}

/**
 * Reports or hours of a period: of the whole fleet, one merchant, or one of its terminals. Rows
 * come ordered by merchant, terminal and time; `after` is the last row of the previous page.
 */
export interface TelemetryQuery {
  readonly merchantId?: string;
  /** Only with `merchantId`. */
  readonly terminalId?: string;
  /** Report times (hour starts for hours) at or after this... */
  readonly fromMs: number;
  /** ...and before this. */
  readonly toMs: number;
  readonly limit: number;
}

export interface TelemetryReportPage extends TelemetryQuery {
  readonly after?: TelemetryReportKey & { readonly at: number };
}

export interface TelemetryHourPage extends TelemetryQuery {
  readonly after?: { readonly merchantId: string; readonly terminalId: string; readonly hourStart: number };
}

export interface TelemetryReader {
  getTelemetryReport(key: TelemetryReportKey): Promise<StoredTelemetryReport | undefined>;
  /** How many of the terminal's reports arrived in [fromMs, toMs). */
  countTelemetryReceived(
    merchantId: string,
    terminalId: string,
    fromMs: number,
    toMs: number,
  ): Promise<number>;
  listTelemetryReports(page: TelemetryReportPage): Promise<StoredTelemetryReport[]>;
  listTelemetryHours(page: TelemetryHourPage): Promise<TelemetryHour[]>;
}

export interface TelemetryWriter {
  /** Keeps a report unless one with its key is held; says whether it did. */
  insertTelemetryReport(record: StoredTelemetryReport): Promise<boolean>;
  /**
   * Up to `limit` raw reports made before `beforeMs`, oldest terminal hours first, locked for this
   * transaction; reports another transaction holds are skipped (two hosts compacting at once fold
   * each report once).
   */
  claimTelemetryReportsBefore(beforeMs: number, limit: number): Promise<StoredTelemetryReport[]>;
  deleteTelemetryReports(keys: readonly TelemetryReportKey[]): Promise<number>;
  /** Adds a fold to the terminal's stored hour (as `mergeTelemetryHours`), or stores it as the hour. */
  addTelemetryHour(hour: TelemetryHour): Promise<void>;
  /** Deletes hours that started before `beforeMs`; returns how many. */
  deleteTelemetryHoursBefore(beforeMs: number): Promise<number>;
}

/** One write transaction as the telemetry use cases see it. */
export interface TelemetryTx extends TelemetryReader, TelemetryWriter {
  /**
   * Locks the terminal's row for the transaction; undefined when the merchant has no such terminal
   * (the directory port's `lockTerminal`: reports of one terminal are decided one at a time).
   */
  lockTerminal(merchantId: string, terminalId: string): Promise<object | undefined>;
}

/** The slice of the store (payments/ports/store.ts) the telemetry use cases work with. */
export interface TelemetryStore {
  transaction<T>(fn: (tx: TelemetryTx) => Promise<T>): Promise<T>;
  read<T>(fn: (reader: TelemetryReader) => Promise<T>): Promise<T>;
}
