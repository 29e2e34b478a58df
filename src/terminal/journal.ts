// The terminal's journal port: what a terminal must keep durably to follow the safe protocol. It
// holds the terminal's state (batch, last STAN, session keys), one record per transaction, and the
// pending reversal records. Every write is durable when its promise resolves, and the client
// writes before it sends (docs/iso8583.md, "The terminal SDK"). `file-journal.ts` keeps it in a
// folder for the virtual POS; `memory-journal.ts` keeps it in memory for tests and the simulator.
// Journals never hold card numbers in clear, tracks or PIN blocks: records carry the masked PAN
// and reversal records are copies of the request without card data.
import type { TelemetryCounter, TelemetryReportJson } from '../diagnostics/telemetry.js';
import type { IsoMessage, ReversalReason, SignInKeyMode } from '../iso8583/index.js';
import type { EntryMode } from '../payments/payment.js';

export type TransactionKind = 'sale' | 'void' | 'refund';

/**
 * Where a transaction stands, as far as the terminal knows:
 *  - `sending`: written before the request left; no valid answer yet (outcome unknown);
 *  - `approved`: an approved answer with a good MAC, completed;
 *  - `declined`: a valid answer that is not an approval (nothing was charged);
 *  - `reversed`: no valid answer, and the host acknowledged the reversal (nothing is charged);
 *  - `not-sent`: the connection could not be opened, so the host never saw it.
 */
export type RecordState = 'sending' | 'approved' | 'declined' | 'reversed' | 'not-sent';

/** The transaction a void or refund acts on. */
export interface OriginalRef {
  readonly batchNo: string;
  readonly stan: string;
  readonly rrn: string;
  readonly authCode: string | null;
  /** MMDD of the original, for field 61 of a refund. */
  readonly date: string | null;
  readonly amount: number;
}

/**
 * What a scan-code (QR) sale's record keeps of the code: never the code itself (a bearer token),
 * only its mask, and the wallet and its trade number once the host's answer (field 59) says them.
 * A void or refund of a QR sale carries its sale's wallet, mask and trade number (never `flow`):
 * the receipt names the wallet, and the client knows it may never be reversed (isSentUntilAnswered).
 * A code the terminal showed (a QR order, `flow` = `shown`) has no code of the customer's: its
 * record keeps the order number and expiry instead (never the content shown, which is asked for
 * again if needed).
 */
export interface ScanDetails {
  /** alipay, wechat or unionpay; null until the host's answer names it. */
  readonly wallet: string | null;
  /** Stars and the last four digits; empty for a code the terminal showed. */
  readonly codeMasked: string;
  /** The wallet's own trade number, once it charged. */
  readonly tradeNo: string | null;
  /** `shown` for a code the terminal showed; absent for a code it scanned. */
  readonly flow?: 'shown';
  /** A shown code's merchant order number at the wallet, once the host's answer says it. */
  readonly orderNo?: string | null;
  /** When a shown code's order expires (epoch ms), once the host's answer says it. */
  readonly expiresAt?: number | null;
}

/** Whether a record is a code the terminal showed (a QR order). */
export function isShownCode(record: TransactionRecord | undefined): record is TransactionRecord {
  return record?.qr?.flow === 'shown';
}

/**
 * Whether a record is sent again, same STAN, until the host answers, and never reversed: a refund
 * (0220, not reversible) and a void of a QR sale (docs/qr.md, "Voids and refunds of QR sales": the
 * wallet has no way to take a refund back, and the host refuses its 0400 with 22).
 */
export function isSentUntilAnswered(record: TransactionRecord): boolean {
  return (
    record.kind === 'refund' || (record.kind === 'void' && record.qr !== undefined && record.qr !== null)
  );
}

export interface TransactionRecord {
  readonly batchNo: string;
  readonly stan: string;
  readonly kind: TransactionKind;
  readonly state: RecordState;
  /** Fen. */
  readonly amount: number;
  readonly cardMasked: string | null;
  readonly entryMode: EntryMode | null;
  readonly operatorId: string | null;
  readonly original: OriginalRef | null;
  readonly responseCode: string | null;
  /** What the answer said, for the operator (field 63 text, or the response code's meaning). */
  readonly message: string | null;
  readonly rrn: string | null;
  readonly authCode: string | null;
  /** Sent in a batch upload and accepted (00 or 94). */
  readonly uploaded: boolean;
  /** A receipt was printed. */
  readonly printed: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Set on a scan-code (QR) sale, paid with the customer's payment code; absent or null otherwise. */
  readonly qr?: ScanDetails | null;
}

/**
 * A transaction as journaled before its request leaves: `sending`, nothing answered yet. Every
 * money request (sale, void, refund, scanned or shown code) starts from it.
 */
export function sendingRecord(
  what: Pick<
    TransactionRecord,
    'batchNo' | 'stan' | 'kind' | 'amount' | 'cardMasked' | 'entryMode' | 'operatorId' | 'original'
  > & { readonly qr?: ScanDetails | undefined },
  now: number,
): TransactionRecord {
  // Field by field, not `{ qr, ...fields } = what`: a rest copy takes V8's slow path, on every sale.
  const record: TransactionRecord = {
    batchNo: what.batchNo,
    stan: what.stan,
    kind: what.kind,
    amount: what.amount,
    cardMasked: what.cardMasked,
    entryMode: what.entryMode,
    operatorId: what.operatorId,
    original: what.original,
    state: 'sending',
    responseCode: null,
    message: null,
    rrn: null,
    authCode: null,
    uploaded: false,
    printed: false,
    createdAt: now,
    updatedAt: now,
  };
  return what.qr === undefined ? record : { ...record, qr: what.qr };
}

/** A reversal the terminal owes the host: the 0400 to send (without card data, unsigned). */
export interface ReversalRecord {
  readonly batchNo: string;
  readonly stan: string;
  readonly reason: ReversalReason;
  readonly message: IsoMessage;
  readonly attempts: number;
  readonly createdAt: number;
}

/** Session keys as the terminal keeps them (hex): a software terminal's stand-in for secure memory. */
export interface StoredKeys {
  readonly mode: SignInKeyMode;
  readonly pinKeyHex: string;
  readonly macKeyHex: string;
  readonly issuedAt: number;
}

/**
 * What the terminal met since its last accepted status report (issue 14), and the report it sent
 * without an answer yet: that one goes again, same id and content, before a new one is made.
 */
export interface TerminalTelemetry {
  readonly counts: Readonly<Record<TelemetryCounter, number>>;
  /** Since when the host could not be reached (an offline period under way), or null. */
  readonly offlineSince: number | null;
  /** Reports made so far: the next one's number. */
  readonly reportsMade: number;
  readonly pending: TelemetryReportJson | null;
  /** Reversals with reason 96 already counted as a crash (they stay until the host takes them). */
  readonly crashesCounted: readonly string[];
}

export interface TerminalState {
  readonly merchantId: string;
  readonly terminalId: string;
  /** 60.2, six digits: adopted at sign-in, moved on by a balanced settlement. */
  readonly batchNo: string;
  /** The last STAN used (0 before the first); the next is one more, wrapping after 999999. */
  readonly lastStan: number;
  /** The terminal master key (hex), loaded once, as a key-injection device would. */
  readonly tmkHex: string | null;
  readonly keys: StoredKeys | null;
  /** The host asked for a new sign-in (processing requirement 3). */
  readonly needsSignIn: boolean;
  /** Absent in journals written before issue 14: nothing counted yet. */
  readonly telemetry?: TerminalTelemetry;
}

export interface JournalContents {
  readonly state: TerminalState | null;
  readonly records: readonly TransactionRecord[];
  readonly reversals: readonly ReversalRecord[];
}

/** The most transaction records a journal holds; a terminal settles long before (CUP batches hold 999). */
export const maxJournalRecords = 10_000;

export interface Journal {
  /** Everything the journal holds. */
  load(): Promise<JournalContents>;
  saveState(state: TerminalState): Promise<void>;
  /** Creates or replaces the record of (batchNo, stan). */
  putRecord(record: TransactionRecord): Promise<void>;
  /** Creates or replaces the reversal record of (batchNo, stan). */
  putReversal(reversal: ReversalRecord): Promise<void>;
  deleteReversal(ref: { batchNo: string; stan: string }): Promise<void>;
  /** Forgets the records of every batch not in `keep` (after a balanced settlement). */
  pruneRecords(keep: readonly string[]): Promise<void>;
}

export function recordKey(ref: { batchNo: string; stan: string }): string {
  return `${ref.batchNo}-${ref.stan}`;
}
