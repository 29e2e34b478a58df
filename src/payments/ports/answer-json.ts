// The engine's answer as JSON, one encoding for two readers: the HTTP API sends it (a payment with
// ISO 8601 times, 201 for a payment made, 202 for a void or refund still pending; for a reversal 202 while it is still to be done, queued or
// a tombstone waiting for its original, and 200 once nothing is left to do), and the store keeps
// exactly that body and status with the idempotency key, the format every earlier version wrote.
// So a replay's body is the first one's, byte for byte, and a row written by an older host reads
// the same.
import { isoTime } from '../../clock/clock.js';
import type { EngineAnswer, PaymentView, ReversalView } from '../payment.js';

/**
 * The JSON of a payment (the `paymentView` schema); its key order is part of a replay's bytes. A
 * QR sale adds `method`, `wallet` and `paymentCodeMasked` at the end (where the HTTP door's schema
 * serializer writes optional fields, so a GET is the same bytes); a card payment has none of them,
 * so its answer is the very bytes earlier versions wrote and stored. A code the terminal shows (a
 * QR order) adds `qrFlow`, `qrContent` and `expiresAt` after those, and has no payment code (null).
 */
export function paymentJson(view: PaymentView) {
  return {
    id: view.id,
    kind: view.kind,
    status: view.status,
    responseCode: view.responseCode,
    message: view.message,
    rrn: view.rrn,
    authCode: view.authCode,
    amount: view.amount,
    currency: view.currency,
    cardMasked: view.cardMasked,
    terminalId: view.terminalId,
    duplicateOf: view.duplicateOf,
    duplicateConfirmed: view.duplicateConfirmed,
    flaggedForReview: view.flaggedForReview,
    originalId: view.originalId,
    operatorId: view.operatorId,
    reference: view.reference,
    stan: view.stan,
    batchNo: view.batchNo,
    createdAt: isoTime(view.createdAt),
    updatedAt: isoTime(view.updatedAt),
    ...(view.qr === null
      ? {}
      : { method: 'qr' as const, wallet: view.qr.wallet, paymentCodeMasked: view.qr.codeMasked }),
    ...(view.qr === null || view.qr.shown === null
      ? {}
      : {
          qrFlow: 'shown' as const,
          qrContent: view.qr.shown.qrContent,
          expiresAt: isoTime(view.qr.shown.expiresAt),
        }),
  };
}

function reversalJson(view: ReversalView) {
  return {
    reversal: { state: view.reversal.state, reason: view.reversal.reason },
    payment: view.payment && paymentJson(view.payment),
  };
}

/**
 * The status and body of an engine answer. A void or refund still `pending` (a QR refund the wallet
 * has not confirmed yet; such an answer is never stored, its key stays in flight) is 202.
 */
export function answerJson(answer: EngineAnswer): { status: number; body: string } {
  if (answer.kind === 'payment') {
    const view = answer.view;
    const accepted = view.kind !== 'sale' && view.status === 'pending';
    return { status: accepted ? 202 : 201, body: JSON.stringify(paymentJson(view)) };
  }
  const state = answer.view.reversal.state;
  return {
    status: state === 'queued' || state === 'tombstoned' ? 202 : 200,
    body: JSON.stringify(reversalJson(answer.view)),
  };
}
