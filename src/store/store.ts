// The store port: everything the engine keeps durably, behind one async interface that the
// SQLite and PostgreSQL adapters both implement and one contract suite (`store.contract.ts`)
// checks. Work happens inside `transaction` (atomic, isolated, durable on commit) or `read`.
// Transaction callbacks may run more than once (a PostgreSQL serialization retry), so they must
// only touch the store: never the upstream, never the network.
import type { Currency } from '../money/money.js';
import type {
  DuplicatePolicy,
  MerchantRecord,
  PaymentKind,
  PaymentRecord,
  PaymentStatus,
  ReversalReason,
  TerminalRecord,
} from '../payments/payment.js';

export type RequestOperation = 'sale' | 'void' | 'refund' | 'reversal' | 'tombstone';

/** One idempotency record: the outcome of a request, kept under its merchant-scoped key. */
export interface RequestRecord {
  readonly merchantId: string;
  readonly idempotencyKey: string;
  readonly operation: RequestOperation;
  /** SHA-256 of the request's meaningful content; never contains card data in clear. */
  readonly requestHash: string;
  readonly paymentId: string | null;
  readonly state: 'in_flight' | 'completed';
  /** The answer given, replayed as is for a repeated request. */
  readonly responseStatus: number | null;
  readonly responseBody: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** A payment as first stored: everything but what only later answers fill in. */
export type NewPayment = Omit<PaymentRecord, 'authCode' | 'reversalReason' | 'updatedAt'>;

export interface PaymentPatch {
  readonly status: PaymentStatus;
  readonly authCode?: string | null;
  readonly responseCode?: string | null;
  readonly reversalReason?: ReversalReason | null;
}

export interface PaymentQuery {
  readonly merchantId: string;
  readonly terminalId?: string;
  readonly kind?: PaymentKind;
  readonly status?: PaymentStatus;
  readonly fromMs?: number;
  readonly toMs?: number;
  /** Keyset cursor: payments strictly older than this (createdAt, id) pair. */
  readonly before?: { readonly createdAt: number; readonly id: string };
  readonly limit: number;
}

export interface RecentSalesQuery {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly cardFingerprint: string;
  readonly amount: number;
  readonly sinceMs: number;
  readonly statuses: readonly PaymentStatus[];
}

export type DuplicateSource = 'authorization' | 'reconciliation';
export type DuplicateResolution =
  'awaiting_confirmation' | 'confirmed' | 'blocked' | 'flagged' | 'found_after_the_fact';

export interface DuplicateRecord {
  readonly id: string;
  readonly merchantId: string;
  readonly terminalId: string;
  /** The suspected attempt (or, after the fact, the later sale). */
  readonly paymentId: string | null;
  /** The earlier payment it looks like. */
  readonly duplicateOf: string | null;
  readonly source: DuplicateSource;
  readonly resolution: DuplicateResolution;
  readonly amount: number;
  readonly operatorId: string | null;
  readonly confirmedPaymentId: string | null;
  /** For reconciliation findings: the exception kind, cause and RRNs. */
  readonly kind: string | null;
  readonly cause: string | null;
  readonly rrn: string | null;
  readonly relatedRrn: string | null;
  readonly detail: string | null;
  readonly detectedAt: number;
  readonly resolvedAt: number | null;
}

export interface DuplicateQuery {
  readonly merchantId: string;
  readonly source?: DuplicateSource;
  readonly limit: number;
}

export type ReversalState = 'queued' | 'done' | 'failed';

export interface ReversalRecord {
  readonly paymentId: string;
  readonly rrn: string;
  readonly reason: ReversalReason;
  readonly state: ReversalState;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly leaseOwner: string | null;
  readonly leaseUntil: number | null;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface JournalEvent {
  /** Which hash chain the event joins (see journal.ts: the terminal's chain). */
  readonly chain: number;
  readonly at: number;
  readonly paymentId: string | null;
  /** What happened, e.g. `payment.created`, `payment.status`, `merchant.created`. */
  readonly event: string;
  readonly fromStatus: PaymentStatus | null;
  readonly toStatus: PaymentStatus | null;
  /** Extra facts as JSON; never card data. */
  readonly data: string;
}

export interface JournalRow extends JournalEvent {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export interface NewMerchant {
  readonly id: string;
  readonly name: string;
  readonly apiKeyHash: string;
  readonly duplicatePolicy: DuplicatePolicy;
  readonly duplicateWindowS: number;
  readonly createdAt: number;
}

export interface TerminalPatch {
  readonly tmkEncrypted?: string | null;
  readonly pinKeyEncrypted?: string | null;
  readonly macKeyEncrypted?: string | null;
  readonly keyMode?: string | null;
  readonly keysIssuedAt?: number | null;
  readonly pendingPinKeyEncrypted?: string | null;
  readonly pendingMacKeyEncrypted?: string | null;
  readonly pendingKeyMode?: string | null;
  readonly pendingKeysIssuedAt?: number | null;
  readonly batchNo?: string;
  readonly signedIn?: boolean;
}

/** One terminal batch (ISO 8583 60.2): what settlement and batch upload are about. */
export interface BatchRef {
  readonly merchantId: string;
  readonly terminalId: string;
  /** 60.2 as six digits, as payments store it. */
  readonly batchNo: string;
}

/** Debit (sales) and credit (refunds) totals of a batch, in minor units, with their counts. */
export interface BatchTotals {
  readonly debitTotal: number;
  readonly debitCount: number;
  readonly creditTotal: number;
  readonly creditCount: number;
}

export interface BatchTotalsQuery extends BatchRef {
  /** Sales in these statuses count as debits. */
  readonly saleStatuses: readonly PaymentStatus[];
  /** Refunds in these statuses count as credits. */
  readonly refundStatuses: readonly PaymentStatus[];
}

/** What a batch-upload record (0320) says the terminal did; kind from its 60.1. */
export type BatchUploadKind = 'sale' | 'refund' | 'void' | 'other';

/** One record a terminal uploaded (ISO 8583 0320), identified by its batch and STAN. */
export interface BatchUploadRecord extends BatchRef {
  readonly stan: string;
  readonly kind: BatchUploadKind;
  readonly messageTypeCode: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly rrn: string | null;
  readonly authCode: string | null;
  readonly receivedAt: number;
}

/**
 * Where a batch's settlement stands: `unbalanced` after a 0500 whose totals differed from the
 * host's, `uploaded` once the terminal has finished uploading the batch (0320 with 60.3 = 202 or
 * 207), `balanced` once a 0500 agreed (the batch is closed).
 */
export type BatchSettlementState = 'unbalanced' | 'uploaded' | 'balanced';

export interface BatchSettlementRecord extends BatchRef {
  readonly state: BatchSettlementState;
  /** Field 48 of the terminal's last 0500, as sent (62 digits), or null before any 0500. */
  readonly terminalTotals: string | null;
  /** The host's own totals of the batch when it was last settled or uploaded. */
  readonly hostTotals: BatchTotals;
  /** The record count of the closing 0320, once the upload is finished. */
  readonly uploadedCount: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Reads: available inside and outside write transactions. */
export interface StoreReader {
  getMerchant(id: string): Promise<MerchantRecord | undefined>;
  findMerchantByApiKeyHash(apiKeyHash: string): Promise<MerchantRecord | undefined>;
  getTerminal(merchantId: string, terminalId: string): Promise<TerminalRecord | undefined>;
  getRequest(merchantId: string, idempotencyKey: string): Promise<RequestRecord | undefined>;
  getPayment(id: string): Promise<PaymentRecord | undefined>;
  getPaymentByRrn(rrn: string): Promise<PaymentRecord | undefined>;
  listPayments(query: PaymentQuery): Promise<PaymentRecord[]>;
  lastPaymentForTerminal(merchantId: string, terminalId: string): Promise<PaymentRecord | undefined>;
  findRecentSales(query: RecentSalesQuery): Promise<PaymentRecord[]>;
  /** Voids and refunds acting on a sale, in the given statuses. */
  listChildren(originalId: string, statuses: readonly PaymentStatus[]): Promise<PaymentRecord[]>;
  /** Payments still `pending` that were created before `createdBefore`, oldest first. */
  findPendingCreatedBefore(createdBefore: number, limit: number): Promise<PaymentRecord[]>;
  listDuplicates(query: DuplicateQuery): Promise<DuplicateRecord[]>;
  getReversal(paymentId: string): Promise<ReversalRecord | undefined>;
  countReversals(state: ReversalState): Promise<number>;
  /** When the earliest queued reversal is next due, or null when none is queued. */
  nextReversalDueAt(): Promise<number | null>;
  countPaymentsByStatus(): Promise<Array<{ status: PaymentStatus; count: number }>>;
  /** Rows of one journal chain with seq > afterSeq, in order. */
  readJournal(chain: number, afterSeq: number, limit: number): Promise<JournalRow[]>;
  /** Payments ordered by id, after `afterId`, for full scans (verify, export). */
  scanPayments(afterId: string, limit: number): Promise<PaymentRecord[]>;
  /** Totals of the payments of one terminal batch, in the given statuses. */
  batchTotals(query: BatchTotalsQuery): Promise<BatchTotals>;
  /** Totals of the records a terminal uploaded for one batch, and how many there are. */
  batchUploadTotals(batch: BatchRef): Promise<BatchTotals & { readonly records: number }>;
  getBatchSettlement(batch: BatchRef): Promise<BatchSettlementRecord | undefined>;
  /** Idempotency records ordered by key, for full scans (verify). */
  scanRequests(
    after: { merchantId: string; idempotencyKey: string },
    limit: number,
  ): Promise<RequestRecord[]>;
}

export interface StoreTx extends StoreReader {
  insertMerchant(merchant: NewMerchant): Promise<boolean>;
  insertTerminal(terminal: {
    merchantId: string;
    terminalId: string;
    tmkEncrypted: string | null;
    createdAt: number;
  }): Promise<boolean>;
  updateTerminal(merchantId: string, terminalId: string, patch: TerminalPatch): Promise<void>;
  /** Reads a terminal and holds it until commit: serialises sales on one terminal across hosts. */
  lockTerminal(merchantId: string, terminalId: string): Promise<TerminalRecord | undefined>;
  /** Reads a payment and holds it until commit. */
  lockPayment(id: string): Promise<PaymentRecord | undefined>;
  /** Inserts the record unless the key is taken; returns the record already there, if any. */
  insertRequest(record: RequestRecord): Promise<RequestRecord | undefined>;
  completeRequest(
    merchantId: string,
    idempotencyKey: string,
    response: { status: number; body: string },
  ): Promise<void>;
  deleteExpiredRequests(now: number, limit: number): Promise<number>;
  insertPayment(payment: NewPayment): Promise<void>;
  /** Compare-and-set: applies `patch` only if the payment is still in `expected`; says if it did. */
  updatePaymentStatus(
    id: string,
    expected: PaymentStatus,
    patch: PaymentPatch,
    now: number,
  ): Promise<boolean>;
  /** The next retrieval reference number, unique across every host on this store. */
  nextRrn(): Promise<string>;
  /** Inserts a duplicate record unless one with its id exists; says if it did. */
  insertDuplicate(record: DuplicateRecord): Promise<boolean>;
  resolveDuplicate(
    id: string,
    patch: {
      resolution: DuplicateResolution;
      operatorId: string | null;
      confirmedPaymentId: string | null;
      resolvedAt: number;
    },
  ): Promise<void>;
  findAwaitingDuplicate(merchantId: string, duplicateOf: string): Promise<DuplicateRecord | undefined>;
  enqueueReversal(record: {
    paymentId: string;
    rrn: string;
    reason: ReversalReason;
    nextAttemptAt: number;
    now: number;
  }): Promise<boolean>;
  /** Puts a failed reversal back in the queue with its attempts counted from zero. */
  requeueReversal(paymentId: string, now: number): Promise<boolean>;
  /** Leases up to `limit` due reversals to `owner` until `leaseUntil`, skipping those leased by others. */
  claimReversals(input: {
    now: number;
    owner: string;
    leaseUntil: number;
    limit: number;
  }): Promise<ReversalRecord[]>;
  updateReversal(
    paymentId: string,
    owner: string,
    patch: {
      state: ReversalState;
      attempts: number;
      nextAttemptAt: number;
      lastError: string | null;
      now: number;
    },
  ): Promise<boolean>;
  /** Stores an uploaded batch record unless one with its batch and STAN is held; says if it stored it. */
  insertBatchUpload(record: BatchUploadRecord): Promise<boolean>;
  /** Creates or replaces the settlement record of a batch. */
  putBatchSettlement(record: BatchSettlementRecord): Promise<void>;
  /** Appends to the hash-chained journal in this transaction. */
  appendJournal(event: JournalEvent): Promise<JournalRow>;
  /** Stores a host setting unless it is set already; returns the value the store holds. */
  claimSetting(name: string, value: string, now: number): Promise<string>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /**
   * Reads outside a write transaction. Each statement sees committed data; a read of several
   * statements is not promised one snapshot across them (SQLite gives one, PostgreSQL does not).
   */
  read<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
