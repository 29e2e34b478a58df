// What clients see of a payment: the JSON body of every payment answer, and the body of reversal
// answers. The view is also what an idempotency record stores and replays, byte for byte.
import { isoTime } from '../clock/clock.js';
import type { Currency } from '../money/money.js';
import type { PaymentKind, PaymentRecord, PaymentStatus, ReversalReason } from './payment.js';
import { interpretResponseCode } from '../iso8583/response-codes.js';

export interface PaymentView {
  readonly id: string;
  readonly kind: PaymentKind;
  readonly status: PaymentStatus;
  readonly responseCode: string | null;
  readonly message: string;
  readonly rrn: string | null;
  readonly authCode: string | null;
  readonly amount: number;
  readonly currency: Currency;
  readonly cardMasked: string | null;
  readonly terminalId: string;
  readonly duplicateOf: string | null;
  readonly duplicateConfirmed: boolean;
  readonly flaggedForReview: boolean;
  readonly originalId: string | null;
  readonly operatorId: string | null;
  readonly reference: string | null;
  readonly stan: string | null;
  readonly batchNo: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type ReversalState = 'queued' | 'done' | 'not_needed' | 'tombstoned';

export interface ReversalView {
  readonly reversal: { readonly state: ReversalState; readonly reason: ReversalReason };
  readonly payment: PaymentView | null;
}

/** An answer as stored under an idempotency key: a status class and the exact body. */
export interface StoredAnswer {
  readonly status: number;
  readonly body: string;
}

function messageFor(payment: PaymentRecord): string {
  switch (payment.status) {
    case 'duplicate_suspected':
      return `suspected duplicate of ${payment.duplicateOf ?? 'a recent sale'}: not sent to the issuer`;
    case 'pending':
      return 'sent to the issuer; no answer yet';
    case 'reversed':
      return 'reversed: the cardholder is not charged';
    case 'reversal_failed':
      return 'the reversal was not acknowledged after every retry: needs manual action';
    case 'voided':
      return 'voided';
    case 'refunded':
      return 'refunded in full';
    case 'partially_refunded':
      return 'partially refunded';
    default:
      // Response codes are CUP field 39 values over HTTP too; the answer's message explains them.
      return payment.responseCode === null
        ? 'no answer yet'
        : interpretResponseCode({ code: payment.responseCode, mti: '0210' }).message;
  }
}

export function toPaymentView(payment: PaymentRecord): PaymentView {
  return {
    id: payment.id,
    kind: payment.kind,
    status: payment.status,
    responseCode: payment.responseCode,
    message: messageFor(payment),
    rrn: payment.rrn,
    authCode: payment.authCode,
    amount: payment.amount,
    currency: payment.currency,
    cardMasked: payment.cardMasked,
    terminalId: payment.terminalId,
    duplicateOf: payment.duplicateOf,
    duplicateConfirmed: payment.duplicateConfirmed,
    flaggedForReview: payment.flaggedForReview,
    originalId: payment.originalId,
    operatorId: payment.operatorId,
    reference: payment.reference,
    stan: payment.stan,
    batchNo: payment.batchNo,
    createdAt: isoTime(payment.createdAt),
    updatedAt: isoTime(payment.updatedAt),
  };
}

export function paymentAnswer(payment: PaymentRecord): StoredAnswer {
  return { status: 201, body: JSON.stringify(toPaymentView(payment)) };
}
