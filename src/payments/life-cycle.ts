// The payment life cycle as an explicit state machine, per kind of payment. Every status change in
// posguard goes through `assertTransition`; a move that is not in this table is refused with
// POS_ERR_PAYMENT_ILLEGAL_TRANSITION and changes nothing.
//
//   sale:   pending -> approved | declined | reversal_pending
//                      | duplicate_suspected (a QR sale held once the wallet named its payer)
//           approved -> reversal_pending (the terminal never saw the answer) | voided | refunded
//                       | partially_refunded
//           duplicate_suspected -> reversal_failed (a held QR sale whose cancel failed for good)
//           partially_refunded -> partially_refunded | refunded
//           voided -> approved (the void itself was reversed)
//           reversal_pending -> reversed | reversal_failed
//           reversal_failed -> reversed | reversal_pending (a manual retry)
//   void:   pending -> approved | declined | reversal_pending;  approved -> reversal_pending
//           reversal_pending -> reversed | reversal_failed;  reversal_failed as for a sale
//   refund: pending -> approved | declined | reversal_pending
//           reversal_pending -> reversed | reversal_failed;  reversal_failed as for a sale
// `declined` and `reversed` are final, and so is `duplicate_suspected` once nothing is left to
// cancel: a card sale held is never sent, and a QR sale held is cancelled by the reversal queue.
import { PosError } from '../pos-error.js';
import type { PaymentKind, PaymentStatus } from './payment.js';

type Moves = Partial<Record<PaymentStatus, readonly PaymentStatus[]>>;

const reversal: Moves = {
  reversal_pending: ['reversed', 'reversal_failed'],
  reversal_failed: ['reversed', 'reversal_pending'],
};

const moves: Record<PaymentKind, Moves> = {
  sale: {
    pending: ['approved', 'declined', 'reversal_pending', 'duplicate_suspected'],
    approved: ['reversal_pending', 'voided', 'refunded', 'partially_refunded'],
    partially_refunded: ['partially_refunded', 'refunded'],
    voided: ['approved'],
    duplicate_suspected: ['reversal_failed'],
    ...reversal,
  },
  void: {
    pending: ['approved', 'declined', 'reversal_pending'],
    approved: ['reversal_pending'],
    ...reversal,
  },
  refund: {
    pending: ['approved', 'declined', 'reversal_pending'],
    ...reversal,
  },
};

export function canTransition(kind: PaymentKind, from: PaymentStatus, to: PaymentStatus): boolean {
  return moves[kind][from]?.includes(to) ?? false;
}

export function assertTransition(
  payment: { id: string; kind: PaymentKind; status: PaymentStatus },
  to: PaymentStatus,
): void {
  if (!canTransition(payment.kind, payment.status, to)) {
    const allowed = moves[payment.kind][payment.status] ?? [];
    throw new PosError(
      'POS_ERR_PAYMENT_ILLEGAL_TRANSITION',
      `${payment.kind} ${payment.id} is ${payment.status} and cannot become ${to}` +
        (allowed.length === 0 ? ` (${payment.status} is final)` : ` (it can become ${allowed.join(', ')})`),
      { details: { paymentId: payment.id, kind: payment.kind, from: payment.status, to } },
    );
  }
}

/** Statuses in which the cardholder may have been charged for a sale, as far as the host knows. */
export const possiblyChargedStatuses: readonly PaymentStatus[] = ['pending', 'approved'];

/** Statuses of a void or refund that still count against the sale (in flight or done). */
export const activeChildStatuses: readonly PaymentStatus[] = [
  'pending',
  'approved',
  'reversal_pending',
  'reversal_failed',
];
