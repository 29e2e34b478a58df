// Each of a merchant's terminals as the dashboard shows it (issue 15): signed in or not, when it
// was last seen (its last payment or status report), and its telemetry over the last day (issue
// 14's status reports, raw and compacted alike): the latest versions, network and battery, and the
// day's fault counts.
import { readTelemetryHours } from '../diagnostics/compact-telemetry.js';
import type { TelemetryHour } from '../diagnostics/telemetry-hours.js';
import type { MerchantScope } from '../payments/ports/insight-store.js';
import type { StoreReader } from '../payments/ports/store.js';
import type { TerminalRecord } from '../payments/payment.js';

/** The most terminals one merchant's page lists. */
export const maxTerminals = 500;
/** How far back the telemetry summary looks. */
export const telemetryWindowHours = 24;

export interface TerminalTelemetry {
  readonly lastReportAt: number;
  readonly reports: number;
  readonly hours: number;
  readonly softwareVersion: string;
  readonly firmwareVersion: string;
  readonly networkType: string;
  readonly carrier: string | null;
  /** The mean signal of the latest hour that had one. */
  readonly signalDbm: number | null;
  readonly batteryMin: number | null;
  readonly readerErrors: number;
  readonly paperOut: number;
  readonly printerHeadErrors: number;
  readonly reboots: number;
  readonly crashes: number;
  readonly offlineSeconds: number;
}

export interface TerminalState {
  readonly terminal: TerminalRecord;
  readonly lastPaymentAt: number | null;
  readonly lastSeenAt: number | null;
  readonly telemetry: TerminalTelemetry | null;
}

/** Folds a terminal's hours (oldest first) into what the page shows; null without any. */
export function summarizeTelemetry(hours: readonly TelemetryHour[]): TerminalTelemetry | null {
  const latest = hours.at(-1);
  if (latest === undefined) return null;
  const sum = (pick: (h: TelemetryHour) => number): number => hours.reduce((n, h) => n + pick(h), 0);
  const withSignal = [...hours].reverse().find((h) => h.signalReports > 0);
  const batteries = hours.map((h) => h.batteryMin).filter((b) => b !== null);
  return {
    lastReportAt: latest.lastAt,
    reports: sum((h) => h.reports),
    hours: hours.length,
    softwareVersion: latest.softwareVersion,
    firmwareVersion: latest.firmwareVersion,
    networkType: latest.networkType,
    carrier: latest.carrier,
    signalDbm:
      withSignal === undefined ? null : Math.round(withSignal.signalDbmSum / withSignal.signalReports),
    batteryMin: batteries.length === 0 ? null : Math.min(...batteries),
    readerErrors: sum((h) => h.readerErrors),
    paperOut: sum((h) => h.paperOut),
    printerHeadErrors: sum((h) => h.printerHeadErrors),
    reboots: sum((h) => h.reboots),
    crashes: sum((h) => h.crashes),
    offlineSeconds: sum((h) => h.offlineSeconds),
  };
}

/** One merchant's terminals, or (merchantId null) every merchant's, for acquirer operations. */
export async function terminalStates(
  store: { read<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T> },
  merchantId: MerchantScope,
  now: number,
): Promise<TerminalState[]> {
  return store.read(async (reader) => {
    const terminals = await reader.listTerminals(merchantId, maxTerminals);
    const states: TerminalState[] = [];
    for (const terminal of terminals) {
      const last = await reader.lastPaymentForTerminal(terminal.merchantId, terminal.terminalId);
      const hours = await readTelemetryHours(reader, {
        merchantId: terminal.merchantId,
        terminalId: terminal.terminalId,
        fromMs: now - telemetryWindowHours * 3_600_000,
        toMs: now + 1,
      });
      const telemetry = summarizeTelemetry(hours);
      const seen = [last?.createdAt ?? null, telemetry?.lastReportAt ?? null].filter((t) => t !== null);
      states.push({
        terminal,
        lastPaymentAt: last?.createdAt ?? null,
        lastSeenAt: seen.length === 0 ? null : Math.max(...seen),
        telemetry,
      });
    }
    return states;
  });
}
