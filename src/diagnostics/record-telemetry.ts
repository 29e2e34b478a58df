// Keeping a terminal's status report (issue 14): the one use case both doors call, through the
// engine. The report is read and checked first (parseTelemetryReport: nothing is stored from a bad
// one); then, in one transaction under the terminal's row lock, so that two copies of one report
// or two reports racing for the day's last place are decided one after the other:
//  - a terminal the merchant does not have is refused as for a payment;
//  - a report id the terminal used before is accepted again when the report says the same, and
//    refused (409 / 94) when it says something else;
//  - past the day's cap of reports per terminal it is refused (429 / 65): the terminal keeps its
//    counts and adds them to its next report, so nothing is lost, and storage stays bounded.
import type { Clock } from '../clock/clock.js';
import type { TelemetryStore } from './ports/telemetry-store.js';
import { PosError } from '../pos-error.js';
import type { StoredTelemetryReport } from './telemetry-hours.js';
import {
  defaultTelemetrySettings,
  parseTelemetryReport,
  sameReport,
  type TelemetrySettings,
} from './telemetry.js';

export interface RecordTelemetryCommand {
  readonly merchantId: string;
  readonly terminalId: string;
  /** The report in its JSON form, as received: checked here. */
  readonly report: unknown;
  readonly channel: 'http' | 'iso';
}

export interface TelemetryReceipt {
  readonly stored: StoredTelemetryReport;
  /** The report was held already (a repeat): nothing new was stored. */
  readonly replayed: boolean;
}

export interface TelemetryDeps {
  readonly store: TelemetryStore;
  readonly clock: Pick<Clock, 'now'>;
  readonly telemetrySettings?: TelemetrySettings;
}

const dayMs = 86_400_000;
/** China Standard Time: the day the cap counts is the terminals' own calendar day. */
const chinaOffsetMs = 8 * 3_600_000;

/** The China Standard Time day holding `now`, as [start, end) in epoch milliseconds. */
export function chinaDayOf(now: number): { start: number; end: number } {
  const start = Math.floor((now + chinaOffsetMs) / dayMs) * dayMs - chinaOffsetMs;
  return { start, end: start + dayMs };
}

export async function recordTelemetry(
  deps: TelemetryDeps,
  command: RecordTelemetryCommand,
): Promise<TelemetryReceipt> {
  const settings = deps.telemetrySettings ?? defaultTelemetrySettings;
  const now = deps.clock.now();
  const report = parseTelemetryReport(command.report, now, settings);
  const { merchantId, terminalId } = command;
  const fresh: StoredTelemetryReport = {
    merchantId,
    terminalId,
    report,
    receivedAt: now,
    channel: command.channel,
  };
  return deps.store.transaction(async (tx) => {
    const terminal = await tx.lockTerminal(merchantId, terminalId);
    if (terminal === undefined) {
      throw new PosError(
        'POS_ERR_PAYMENT_UNKNOWN_TERMINAL',
        `terminalId: expected a terminal registered to merchant ${merchantId}, got ${JSON.stringify(terminalId)}`,
        { details: { merchantId, terminalId } },
      );
    }
    const held = await tx.getTelemetryReport({ merchantId, terminalId, reportId: report.reportId });
    if (held !== undefined) {
      if (sameReport(held.report, report)) return { stored: held, replayed: true };
      throw new PosError(
        'POS_ERR_TELEMETRY_REPORT_CONFLICT',
        `reportId: terminal ${terminalId} already sent another report as ${JSON.stringify(report.reportId)}; send the counts again under a new report id`,
        { details: { terminalId, reportId: report.reportId } },
      );
    }
    const day = chinaDayOf(now);
    const today = await tx.countTelemetryReceived(merchantId, terminalId, day.start, day.end);
    if (today >= settings.maxReportsPerDay) {
      const retryAfterS = Math.ceil((day.end - now) / 1000);
      throw new PosError(
        'POS_ERR_TELEMETRY_DAILY_LIMIT',
        `terminal ${terminalId} sent ${today} status reports today, the most the host keeps per day: keep the counts and add them to a report after midnight (China Standard Time), in ${retryAfterS} s`,
        { details: { terminalId, retryAfterS } },
      );
    }
    await tx.insertTelemetryReport(fresh);
    return { stored: fresh, replayed: false };
  });
}
