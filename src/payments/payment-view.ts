// What clients see of a payment: the view of every payment answer, and of the payment a reversal
// answer names. The answer is also what an idempotency record keeps and gives again to a repeat.
import type {
  EngineAnswer,
  PaymentRecord,
  PaymentView,
  QrDetails,
  ReversalOutcome,
  ReversalReason,
} from './payment.js';
import { qrDeclineMessages, qrResponseCodes } from './qr-order.js';
import { interpretResponseCode } from './response-codes.js';

/** What a QR sale's answer says where a card's words (issuer, card) would mislead. */
function qrMessageFor(payment: PaymentRecord): string | undefined {
  switch (payment.status) {
    case 'duplicate_suspected':
      return `suspected duplicate of ${payment.duplicateOf ?? 'a recent sale'}: the same customer paid the same amount on this terminal moments ago; this charge is cancelled and refunded (rescan with confirmDuplicate to charge again)`;
    case 'pending':
      return 'sent to the wallet; the customer may still be confirming on the phone';
    case 'reversal_pending':
      return payment.responseCode === qrResponseCodes.amountMismatch
        ? 'the wallet charged another amount than the sale: the payment is being cancelled and refunded'
        : 'no final answer from the wallet in time: the payment is being cancelled (and refunded if it was paid); ask for a fresh code';
    case 'reversed':
      return 'cancelled at the wallet: the customer is not charged';
    case 'declined':
      return payment.responseCode === null ? undefined : qrDeclineMessages[payment.responseCode];
    default:
      return undefined;
  }
}

/** What a void or refund of a QR sale says: it is a refund at the wallet, under one refund number. */
function qrChildMessageFor(payment: PaymentRecord): string | undefined {
  const what = payment.kind === 'void' ? 'void' : 'refund';
  switch (payment.status) {
    case 'pending':
      return `the wallet has not confirmed the ${what} yet: the host keeps asking it under the same refund number (never another one) until it does; do not refund again, look the payment up later`;
    case 'approved':
      return payment.kind === 'void'
        ? 'voided: the wallet refunded the customer in full'
        : 'refunded by the wallet';
    case 'declined':
      return `the wallet refused the ${what}: nothing was refunded`;
    default:
      return undefined;
  }
}

/** What a shown code's (QR order's) answer says: the terminal shows it, the customer pays it. */
function shownMessageFor(payment: PaymentRecord & { readonly qr: QrDetails }): string | undefined {
  const paidLate = payment.qr.tradeNo !== null;
  switch (payment.status) {
    case 'pending':
      return payment.qr.qrContent === null
        ? 'the code is being created at the wallet'
        : 'show the code to the customer: it can be paid until it expires';
    case 'approved':
      return 'paid by the customer in the wallet';
    case 'duplicate_suspected':
      return `suspected duplicate of ${payment.duplicateOf ?? 'a recent sale'}: the same customer paid the same amount on this terminal moments ago; this payment is refunded (create a new order with confirmDuplicate to charge again)`;
    case 'reversal_pending':
      if (payment.responseCode === qrResponseCodes.amountMismatch)
        return 'the wallet reported another amount than the order: the payment is not accepted and is being refunded';
      return paidLate
        ? 'paid after the code was closed: the payment is being refunded'
        : 'closed: the code can no longer be paid here and is being closed at the wallet (a payment that still arrives is refunded)';
    case 'reversed':
      return paidLate
        ? 'closed; the payment that arrived after the close was refunded'
        : 'closed at the wallet: the customer is not charged';
    default:
      return undefined;
  }
}

function messageFor(payment: PaymentRecord): string {
  if (payment.kind !== 'sale' && payment.qr !== null) {
    const child = qrChildMessageFor(payment);
    if (child !== undefined) return child;
  }
  const shown = payment.qr?.flow === 'shown' ? shownMessageFor({ ...payment, qr: payment.qr }) : undefined;
  if (shown !== undefined) return shown;
  const qr = payment.qr === null ? undefined : qrMessageFor(payment);
  if (qr !== undefined) return qr;
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

/** A QR sale's own fields; a shown code's content only while it may still be paid. */
function qrView(payment: PaymentRecord, qr: QrDetails): NonNullable<PaymentView['qr']> {
  return {
    wallet: qr.wallet,
    codeMasked: qr.codeMasked,
    shown:
      qr.flow === 'shown' && qr.expiresAt !== null
        ? { qrContent: payment.status === 'pending' ? qr.qrContent : null, expiresAt: qr.expiresAt }
        : null,
  };
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
    createdAt: payment.createdAt,
    updatedAt: payment.updatedAt,
    qr: payment.qr === null ? null : qrView(payment, payment.qr),
  };
}

export function paymentAnswer(payment: PaymentRecord): EngineAnswer & { kind: 'payment' } {
  return { kind: 'payment', view: toPaymentView(payment) };
}

export function reversalAnswer(
  state: ReversalOutcome,
  reason: ReversalReason,
  payment: PaymentRecord | null,
): EngineAnswer & { kind: 'reversal' } {
  return {
    kind: 'reversal',
    view: { reversal: { state, reason }, payment: payment && toPaymentView(payment) },
  };
}
