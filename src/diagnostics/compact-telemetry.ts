// Keeping telemetry compact (issue 14), and reading it back whatever its age. Raw reports older than
// their retention (7 days, to the hour) are folded into their terminal's hour and deleted, a batch
// per transaction, so a report is in exactly one of the two tables at any moment; hours older than
// their own retention are deleted. The host runs `compactTelemetry` periodically (the engine's
// maintenance loop, hourly); tests call it with a clock of their own.
//
// `readTelemetryHours` is what the diagnosis reads: per terminal and hour, the stored hours and the
// raw reports of the period folded the same way, so a period that spans the compaction boundary
// reads as one series.
import type { Clock } from '../clock/clock.js';
import type { TelemetryQuery, TelemetryReader } from './ports/telemetry-store.js';
import { PosError } from '../pos-error.js';
import type { TelemetryDeps } from './record-telemetry.js';
import {
  foldTelemetryHours,
  hourOf,
  type StoredTelemetryReport,
  type TelemetryHour,
} from './telemetry-hours.js';
import { defaultTelemetrySettings } from './telemetry.js';

export interface CompactionResult {
  /** Raw reports folded into hours (and deleted). */
  readonly reports: number;
  /** Hour rows written to (one per terminal and hour per batch). */
  readonly hours: number;
  /** Hours deleted for being older than their retention. */
  readonly hoursDropped: number;
}

/** Folds raw reports older than their retention into hours, and drops hours older than theirs. */
export async function compactTelemetry(
  deps: TelemetryDeps & { clock: Pick<Clock, 'now'> },
): Promise<CompactionResult> {
  const settings = deps.telemetrySettings ?? defaultTelemetrySettings;
  const now = deps.clock.now();
  // Whole hours only: an hour is folded once all of it is past the retention.
  const cutoff = hourOf(now - settings.rawRetentionMs);
  let reports = 0;
  let hours = 0;
  for (;;) {
    const batch = await deps.store.transaction(async (tx) => {
      const claimed = await tx.claimTelemetryReportsBefore(cutoff, settings.compactionBatch);
      const folded = foldTelemetryHours(claimed);
      for (const hour of folded) await tx.addTelemetryHour(hour);
      await tx.deleteTelemetryReports(
        claimed.map((r) => ({
          merchantId: r.merchantId,
          terminalId: r.terminalId,
          reportId: r.report.reportId,
        })),
      );
      return { reports: claimed.length, hours: folded.length };
    });
    reports += batch.reports;
    hours += batch.hours;
    if (batch.reports < settings.compactionBatch) break;
  }
  const hoursDropped = await deps.store.transaction((tx) =>
    tx.deleteTelemetryHoursBefore(hourOf(now - settings.hourRetentionMs)),
  );
  return { reports, hours, hoursDropped };
}

/** The most hours one read folds: a year of hourly rows for a thousand terminals is 8.8 million. */
export const maxHoursRead = 10_000_000;
const pageSize = 5_000;

/**
 * Every hour of the period per terminal (of the fleet, a merchant, or one terminal), raw reports
 * folded with the stored hours, ordered by merchant, terminal and hour. Refuses
 * (POS_ERR_TELEMETRY_TOO_MANY_HOURS) a period holding more than `maxHoursRead` rows.
 */
export async function readTelemetryHours(
  reader: Pick<TelemetryReader, 'listTelemetryHours' | 'listTelemetryReports'>,
  query: Omit<TelemetryQuery, 'limit'>,
): Promise<TelemetryHour[]> {
  // Hours are whole: a period that starts inside an hour starts with that hour.
  const scope = { ...query, fromMs: hourOf(query.fromMs) };
  const stored: TelemetryHour[] = [];
  for (let after: TelemetryHour | undefined; ;) {
    const page = await reader.listTelemetryHours({ ...scope, limit: pageSize, ...(after ? { after } : {}) });
    stored.push(...page);
    tooMany(stored.length);
    after = page.at(-1);
    if (page.length < pageSize) break;
  }
  const raw: StoredTelemetryReport[] = [];
  for (let last: StoredTelemetryReport | undefined; ;) {
    const page = await reader.listTelemetryReports({
      ...scope,
      limit: pageSize,
      ...(last
        ? {
            after: {
              merchantId: last.merchantId,
              terminalId: last.terminalId,
              at: last.report.at,
              reportId: last.report.reportId,
            },
          }
        : {}),
    });
    raw.push(...page);
    tooMany(stored.length + raw.length);
    last = page.at(-1);
    if (page.length < pageSize) break;
  }
  return foldTelemetryHours(raw, stored);
}

function tooMany(rows: number): void {
  if (rows <= maxHoursRead) return;
  throw new PosError(
    'POS_ERR_TELEMETRY_TOO_MANY_HOURS',
    `the period holds more than ${maxHoursRead} terminal hours of telemetry, the most read at once: ask for a shorter period, or one merchant or terminal`,
    { details: { maxHoursRead } },
  );
}
