// What one reconciliation run found: the row counts, the exceptions with their counts and amounts
// per kind, and the settled totals. The matcher's output and the reports' input, kept apart from
// reconcile.ts so that the reports depend on the result and not on the run that made it.
import type { ExceptionKind } from './exception-kinds.js';
import type { ExceptionList } from './exception-list.js';

export interface ReconciliationResult {
  readonly hostRows: number;
  readonly terminalRows: number;
  readonly settlementRows: number;
  readonly matched: number;
  readonly exceptionCounts: Readonly<Record<ExceptionKind, number>>;
  /** The money at stake per kind, in fen (kindInfo.amountMeaning says what each adds up). */
  readonly amounts: Readonly<Record<ExceptionKind, number>>;
  readonly settledAmountMinor: number;
  readonly feesMinor: number;
  readonly duplicateWindowS: number;
  readonly exceptions: ExceptionList;
}
