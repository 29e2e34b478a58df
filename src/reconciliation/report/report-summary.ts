// What a report says about a run as numbers (summary.json and `--json`), which files a report is
// made of, and which inputs it came from: shared by the report writer and the HTML page.
import { exceptionKinds, type ExceptionKind } from '../match/exception-kinds.js';
import type { ReconciliationResult } from '../match/reconciliation-result.js';

export const reportFiles = {
  exceptions: 'exceptions.csv',
  summary: 'summary.json',
  html: 'report.html',
} as const;

/** A run's counts: rows read, matched, and exceptions and their amounts, every kind a key (zero when none). */
export interface ReconciliationCounts {
  readonly hostRows: number;
  readonly terminalRows: number;
  readonly settlementRows: number;
  readonly matched: number;
  readonly exceptions: Record<ExceptionKind, number>;
  readonly amounts: Record<ExceptionKind, number>;
}

/** The summary `--json` prints and summary.json holds. */
export interface ReconciliationSummary extends ReconciliationCounts {
  readonly outDir: string;
}

export interface ReportInputs {
  readonly host: string;
  readonly settlement: string;
  readonly terminal: string | null;
  readonly profile: string | null;
}

export function summaryOf(result: ReconciliationResult, outDir: string): ReconciliationSummary {
  return { ...countsOf(result), outDir };
}

export function countsOf(result: ReconciliationResult): ReconciliationCounts {
  const pick = (values: Readonly<Record<ExceptionKind, number>>): Record<ExceptionKind, number> =>
    Object.fromEntries(exceptionKinds.map((k) => [k, values[k]])) as Record<ExceptionKind, number>;
  return {
    hostRows: result.hostRows,
    terminalRows: result.terminalRows,
    settlementRows: result.settlementRows,
    matched: result.matched,
    exceptions: pick(result.exceptionCounts),
    amounts: pick(result.amounts),
  };
}
