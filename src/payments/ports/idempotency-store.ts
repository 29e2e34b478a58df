// The idempotency port: one record per merchant-scoped key, holding the answer a repeated request
// gets again (see ../idempotency.ts for what the engine does with it).
import type { EngineAnswer } from '../payment.js';

export const requestOperations = ['sale', 'void', 'refund', 'reversal', 'tombstone'] as const;
export type RequestOperation = (typeof requestOperations)[number];

export const requestStates = ['in_flight', 'completed'] as const;
export type RequestState = (typeof requestStates)[number];

/** One idempotency record: the outcome of a request, kept under its merchant-scoped key. */
export interface RequestRecord {
  readonly merchantId: string;
  readonly idempotencyKey: string;
  readonly operation: RequestOperation;
  /** SHA-256 of the request's meaningful content; never contains card data in clear. */
  readonly requestHash: string;
  readonly paymentId: string | null;
  readonly state: RequestState;
  /**
   * The answer given, replayed for a repeated request; null until the request completes (and for
   * a tombstone). An adapter keeps it so that it comes back equal, field for field.
   */
  readonly answer: EngineAnswer | null;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface IdempotencyReader {
  getRequest(merchantId: string, idempotencyKey: string): Promise<RequestRecord | undefined>;
  /** Idempotency records ordered by key, for full scans (verify). */
  scanRequests(
    after: { merchantId: string; idempotencyKey: string },
    limit: number,
  ): Promise<RequestRecord[]>;
}

export interface IdempotencyWriter {
  /** Inserts the record unless the key is taken; returns the record already there, if any. */
  insertRequest(record: RequestRecord): Promise<RequestRecord | undefined>;
  completeRequest(merchantId: string, idempotencyKey: string, answer: EngineAnswer): Promise<void>;
  deleteExpiredRequests(now: number, limit: number): Promise<number>;
}
