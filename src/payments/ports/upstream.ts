// The upstream port: where the host sends authorisations and reversals (an issuer, a card scheme
// or an upstream gateway). The host gives every original its own RRN and uses it for every call
// about it, so an upstream that is idempotent by RRN never charges twice for one operation.
// An adapter answers `unavailable` only when it is certain nothing was processed (the connection
// was refused); anything uncertain is thrown or left unanswered, and the host reverses it.
import type { Secret } from '../../cards/secret.js';
import type { Currency } from '../../money/money.js';
import type { EntryMode, PaymentKind, ReversalReason } from '../payment.js';

export interface AuthorizationRequest {
  readonly kind: PaymentKind;
  readonly rrn: string;
  /** For voids and refunds: the RRN of the sale they act on. */
  readonly originalRrn: string | null;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly amount: number;
  readonly currency: Currency;
  /** The clear card number, present for sales only (it is never stored, so voids and refunds lack it). */
  readonly pan: Secret<string> | null;
  readonly cardFingerprint: string | null;
  /** The card's expiry (YYMM) for sales, so the issuer can decline an expired card (54). */
  readonly expiry?: string;
  readonly entryMode: EntryMode | null;
  /** The terminal's batch and trace number (ISO 8583 60.2 and F11), when it sent them. */
  readonly batchNo: string | null;
  readonly stan: string | null;
}

export type AuthorizationAnswer =
  | { readonly outcome: 'approved'; readonly authCode: string; readonly responseCode: string }
  | { readonly outcome: 'declined'; readonly responseCode: string }
  | { readonly outcome: 'unavailable'; readonly reason: string };

export interface ReversalRequest {
  readonly kind: PaymentKind;
  readonly rrn: string;
  readonly originalRrn: string | null;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly reason: ReversalReason;
}

export type ReversalAnswer =
  { readonly outcome: 'acknowledged' } | { readonly outcome: 'unavailable'; readonly reason: string };

export interface Upstream {
  /** May never settle (a lost answer): the host bounds every call with its own timeout. */
  authorize(request: AuthorizationRequest, signal: AbortSignal): Promise<AuthorizationAnswer>;
  reverse(request: ReversalRequest, signal: AbortSignal): Promise<ReversalAnswer>;
}
