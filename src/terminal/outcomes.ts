// What the terminal SDK's operations come to. Expected outcomes (declined, reversed, blocked, not
// sent...) are values the caller switches on; only faults throw.
import type { TelemetryReportJson } from '../diagnostics/telemetry.js';
import type { ReversalReason, SettlementTotals, SignInKeyMode } from '../iso8583/index.js';
import type { TransactionRecord } from './journal.js';
import type { Receipt } from './receipt.js';

/** The outcome of a sale, void or refund. Expected outcomes are values; only faults throw. */
export type FinancialOutcome =
  /** Approved, MAC checked, journaled; `printed` is false when the printer failed (reprint it). */
  | {
      readonly kind: 'approved';
      readonly record: TransactionRecord;
      readonly receipt: Receipt;
      readonly printed: boolean;
    }
  /** A valid answer that is not an approval: nothing was charged. */
  | { readonly kind: 'declined'; readonly record: TransactionRecord; readonly signInRequired: boolean }
  /** No valid answer; the host acknowledged the reversal: nothing is charged. */
  | { readonly kind: 'reversed'; readonly record: TransactionRecord; readonly reason: ReversalReason }
  /** No valid answer, and the reversal is not acknowledged yet: it goes first on every later call. */
  | { readonly kind: 'reversal-pending'; readonly record: TransactionRecord; readonly reason: ReversalReason }
  /**
   * A refund, or a void of a QR sale, without an answer: never reversed (nothing takes a wallet's
   * refund back), sent again with the same STAN on every later call until answered.
   */
  | { readonly kind: 'unanswered'; readonly record: TransactionRecord }
  /**
   * Nothing was sent: a reversal is still owed and could not be delivered, or no session.
   * `unresolvedScan` is the scan-code sale whose outcome is still unknown, when one is owed.
   */
  | {
      readonly kind: 'blocked';
      readonly detail: string;
      readonly pendingReversals: number;
      readonly unresolvedScan?: TransactionRecord;
      /** The code shown earlier (a QR order) whose outcome is still unknown, when that blocks. */
      readonly unresolvedShown?: TransactionRecord;
    }
  /** The connection could not be opened: the host never saw it, nothing is charged. */
  | { readonly kind: 'not-sent'; readonly record: TransactionRecord; readonly detail: string };

/** The outcome of showing a code (a QR order, merchant-presented): `TerminalClient.showCode`. */
export type ShowCodeOutcome =
  /** The customer paid: the sale is approved, MAC checked, journaled (and printed unless `printed` is false). */
  | {
      readonly kind: 'approved';
      readonly record: TransactionRecord;
      readonly receipt: Receipt;
      readonly printed: boolean;
    }
  /** The host or the wallet made no code (the answer code says why): nothing to pay. */
  | { readonly kind: 'declined'; readonly record: TransactionRecord; readonly signInRequired: boolean }
  /**
   * The order ended unpaid: closed (the cashier cancelled, or a new order replaced it), expired,
   * declined by the wallet, or held as a suspected duplicate (that payment is refunded).
   */
  | {
      readonly kind: 'not-paid';
      readonly record: TransactionRecord;
      readonly state: 'closed' | 'expired' | 'declined' | 'held';
    }
  /** The customer had paid the terminal's previous code: that sale was completed, no new code made. */
  | { readonly kind: 'earlier-paid'; readonly record: TransactionRecord }
  /**
   * The host could not be asked what became of the order: it is asked (and closed) before anything
   * else on the next call, and until then no new code is shown.
   */
  | { readonly kind: 'unresolved'; readonly record: TransactionRecord; readonly detail: string }
  | Extract<FinancialOutcome, { kind: 'blocked' | 'not-sent' }>;

/** What `showCode` reports while the customer pays: the code to show, then each look at the order. */
export type ShowCodeProgress =
  | {
      readonly kind: 'code';
      readonly stan: string;
      readonly wallet: string;
      readonly orderNo: string;
      /** What to show as a QR code. */
      readonly qrContent: string;
      /** Epoch ms; null when the host did not say. */
      readonly expiresAt: number | null;
    }
  | { readonly kind: 'waiting'; readonly polls: number; readonly remainingMs: number }
  | { readonly kind: 'closing'; readonly why: 'cancelled' | 'expired' };

export type SaleOutcome =
  | FinancialOutcome
  /** The same card read again within the window: no second sale was started. */
  | { readonly kind: 'ignored-double-read'; readonly stan: string | null };

export type SignInOutcome =
  | { readonly kind: 'signed-in'; readonly batchNo: string; readonly mode: SignInKeyMode }
  | { readonly kind: 'refused'; readonly code: string; readonly message: string }
  | { readonly kind: 'no-answer'; readonly detail: string };

export type SettleOutcome =
  | {
      readonly kind: 'balanced';
      readonly batchNo: string;
      readonly totals: SettlementTotals;
      readonly uploaded: number;
    }
  | {
      readonly kind: 'unbalanced';
      readonly batchNo: string;
      readonly totals: SettlementTotals;
      readonly uploaded: number;
    }
  | { readonly kind: 'refused'; readonly code: string; readonly message: string }
  | { readonly kind: 'no-answer'; readonly detail: string }
  | { readonly kind: 'blocked'; readonly detail: string; readonly pendingReversals: number };

export type ReprintOutcome =
  | {
      readonly kind: 'reprinted';
      readonly source: 'journal' | 'host';
      readonly record: TransactionRecord;
      readonly receipt: Receipt;
      readonly printed: boolean;
    }
  /** The outcome is not known yet (a reversal is owed, or the host could not be asked). */
  | { readonly kind: 'outcome-unknown'; readonly record: TransactionRecord | null; readonly detail: string }
  /** Neither the journal nor the host has the transaction. */
  | { readonly kind: 'not-found'; readonly detail: string };

export interface ReversalsOutcome {
  readonly delivered: number;
  readonly pending: number;
  readonly refundsAnswered: number;
}

/** The outcome of a status report (issue 14). */
export type StatusOutcome =
  /** The host kept it (or had it already: `resent`, the report that had no answer before). */
  | { readonly kind: 'accepted'; readonly report: TelemetryReportJson; readonly resent: boolean }
  /**
   * The host refused it (30 a bad report, 94 another report under its id, 65 the day's cap): its
   * counts go into the next report. For A0 or a sign-in request the report is kept and sent again.
   */
  | {
      readonly kind: 'refused';
      readonly report: TelemetryReportJson;
      readonly code: string;
      readonly message: string;
    }
  /** No answer, or one that could not be trusted: the same report goes again on the next call. */
  | { readonly kind: 'no-answer'; readonly report: TelemetryReportJson; readonly detail: string }
  /** Nothing was sent: no session (the reason says why). */
  | { readonly kind: 'not-sent'; readonly detail: string };
