// What the terminal counts about itself for its status reports (issue 14), from the faults it meets:
// double reads it ignored, receipts the printer failed (out of paper, or another fault), periods
// the host could not be reached and their length, and crashes after an approval (found on opening,
// as a reversal with reason 96). The tally lives in memory and is written with the terminal's state
// on the next journal write (TerminalCore.save), so counting never waits for the journal: a double
// read is answered at once. A crash between a count and the next write loses that count, not a sale.
import {
  telemetryCounters,
  type TelemetryCounter,
  type TelemetryReportJson,
} from '../../diagnostics/telemetry.js';
import {
  recordKey,
  type ReversalRecord,
  type TerminalTelemetry,
  type TransactionRecord,
} from '../journal.js';

export type TelemetryCounts = Readonly<Record<TelemetryCounter, number>>;

export const noCounts: TelemetryCounts = Object.fromEntries(telemetryCounters.map((c) => [c, 0])) as Record<
  TelemetryCounter,
  number
>;

const fresh: TerminalTelemetry = {
  counts: noCounts,
  offlineSince: null,
  reportsMade: 0,
  pending: null,
  crashesCounted: [],
};

export function addCounts(a: TelemetryCounts, b: Partial<TelemetryCounts>): TelemetryCounts {
  return Object.fromEntries(telemetryCounters.map((c) => [c, a[c] + (b[c] ?? 0)])) as Record<
    TelemetryCounter,
    number
  >;
}

/** The counts a report in its JSON form carries (to give them back when the host refuses it). */
export function countsOfReport(report: TelemetryReportJson): TelemetryCounts {
  return {
    readerErrors: report.cardReader.errors,
    doubleReadsSuppressed: report.cardReader.doubleReadsSuppressed,
    paperOut: report.printer.paperOut,
    printerHeadErrors: report.printer.headErrors,
    reboots: report.reboots,
    crashes: report.crashes,
    offlinePeriods: report.offline.periods,
    offlineSeconds: report.offline.seconds,
  };
}

export class TelemetryTally {
  #value: TerminalTelemetry;

  constructor(initial: TerminalTelemetry | undefined) {
    this.#value = initial ?? fresh;
  }

  /** As the journal keeps it. Always a new object when it changes: journals may hold the old one. */
  get value(): TerminalTelemetry {
    return this.#value;
  }

  count(counter: TelemetryCounter, by = 1): void {
    this.#value = { ...this.#value, counts: addCounts(this.#value.counts, { [counter]: by }) };
  }

  /** The host could not be reached: an offline period starts, unless one is under way. */
  unreachable(now: number): void {
    if (this.#value.offlineSince !== null) return;
    this.#value = { ...this.#value, offlineSince: now };
  }

  /**
   * A connection was made: the offline period under way (if any) ends, and is counted with its
   * seconds, both at once: a period counted when it started would leave its seconds to the next
   * report alone, which no report may carry (seconds without a period).
   */
  reachable(now: number): void {
    const since = this.#value.offlineSince;
    if (since === null) return;
    this.count('offlinePeriods');
    this.count('offlineSeconds', Math.max(0, Math.floor((now - since) / 1000)));
    this.#value = { ...this.#value, offlineSince: null };
  }

  /**
   * Counts a crash for each reversal with reason 96 (written after an approval, before it was
   * completed) whose transaction is still unfinished, once: it stays in the journal until the host
   * takes it, and the terminal may be opened several times before then.
   */
  crashesFound(reversals: readonly ReversalRecord[], records: ReadonlyMap<string, TransactionRecord>): void {
    const crashed = reversals
      .filter((r) => r.reason === 'terminal-failed' && records.get(recordKey(r))?.state === 'sending')
      .map((r) => recordKey(r));
    const fresh = crashed.filter((key) => !this.#value.crashesCounted.includes(key));
    if (fresh.length > 0) this.count('crashes', fresh.length);
    this.#value = { ...this.#value, crashesCounted: crashed };
  }

  /** Takes the counts into a new report, numbered; they start again from zero. */
  take(): { counts: TelemetryCounts; number: number } {
    const number = this.#value.reportsMade + 1;
    const counts = this.#value.counts;
    this.#value = { ...this.#value, counts: noCounts, reportsMade: number };
    return { counts, number };
  }

  setPending(report: TelemetryReportJson | null): void {
    this.#value = { ...this.#value, pending: report };
  }

  /** A report the host refused: its counts go back into the tally, for the next report. */
  giveBack(report: TelemetryReportJson): void {
    this.#value = {
      ...this.#value,
      counts: addCounts(this.#value.counts, countsOfReport(report)),
      pending: null,
    };
  }
}
