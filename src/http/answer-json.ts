// How the HTTP API writes the engine's answers: a payment as a JSON object with ISO 8601 times,
// 201 for a payment made (sale, void, refund), and for a reversal 202 while it is still to be done
// (queued, or a tombstone waiting for its original) and 200 once nothing is left to do. A replay
// encodes the stored answer again the same way, so its body is the first one's, byte for byte.
import { isoTime } from '../clock/clock.js';
import type { EngineAnswer, PaymentView, ReversalView } from '../payments/payment.js';

/** The JSON of a payment (the `paymentView` schema); its key order is part of a replay's bytes. */
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
  };
}

function reversalJson(view: ReversalView) {
  return {
    reversal: { state: view.reversal.state, reason: view.reversal.reason },
    payment: view.payment && paymentJson(view.payment),
  };
}

/** The status and body of an engine answer. */
export function answerJson(answer: EngineAnswer): { status: number; body: string } {
  if (answer.kind === 'payment') return { status: 201, body: JSON.stringify(paymentJson(answer.view)) };
  const state = answer.view.reversal.state;
  return {
    status: state === 'queued' || state === 'tombstoned' ? 202 : 200,
    body: JSON.stringify(reversalJson(answer.view)),
  };
}
