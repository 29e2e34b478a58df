// The reversal-queue port: durable reversals, leased to one host at a time and retried until the
// upstream acknowledges them (see ../reversal-queue.ts for the worker).
import type { ReversalReason } from '../payment.js';

/** Where a queued reversal stands (not a payment's status; see the glossary). */
export const reversalStates = ['queued', 'done', 'failed'] as const;
export type ReversalState = (typeof reversalStates)[number];

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

export interface NewReversal {
  readonly paymentId: string;
  readonly rrn: string;
  readonly reason: ReversalReason;
  readonly nextAttemptAt: number;
  readonly now: number;
}

export interface ReversalClaim {
  readonly now: number;
  readonly owner: string;
  readonly leaseUntil: number;
  readonly limit: number;
}

export interface ReversalPatch {
  readonly state: ReversalState;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly now: number;
}

export interface ReversalReader {
  getReversal(paymentId: string): Promise<ReversalRecord | undefined>;
  countReversals(state: ReversalState): Promise<number>;
  /** When the earliest queued reversal is next due, or null when none is queued. */
  nextReversalDueAt(): Promise<number | null>;
}

export interface ReversalWriter {
  enqueueReversal(record: NewReversal): Promise<boolean>;
  /** Puts a failed reversal back in the queue with its attempts counted from zero. */
  requeueReversal(paymentId: string, now: number): Promise<boolean>;
  /** Leases up to `limit` due reversals to `owner` until `leaseUntil`, skipping those leased by others. */
  claimReversals(input: ReversalClaim): Promise<ReversalRecord[]>;
  updateReversal(paymentId: string, owner: string, patch: ReversalPatch): Promise<boolean>;
  /** Brings a queued reversal due later forward to `at` (a refund owed now); says if it did. */
  hastenReversal(paymentId: string, at: number, now: number): Promise<boolean>;
}
