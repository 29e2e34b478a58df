import { describe, expect, it } from 'vitest';
import { assertTransition, canTransition } from './life-cycle.js';
import { paymentKinds, paymentStatuses, type PaymentKind, type PaymentStatus } from './payment.js';

const allowed: Record<PaymentKind, Array<[PaymentStatus, PaymentStatus]>> = {
  sale: [
    ['pending', 'approved'],
    ['pending', 'declined'],
    ['pending', 'reversal_pending'],
    ['pending', 'duplicate_suspected'],
    ['approved', 'reversal_pending'],
    ['approved', 'voided'],
    ['approved', 'refunded'],
    ['approved', 'partially_refunded'],
    ['partially_refunded', 'partially_refunded'],
    ['partially_refunded', 'refunded'],
    ['voided', 'approved'],
    ['duplicate_suspected', 'reversal_failed'],
    ['reversal_pending', 'reversed'],
    ['reversal_pending', 'reversal_failed'],
    ['reversal_failed', 'reversed'],
    ['reversal_failed', 'reversal_pending'],
  ],
  void: [
    ['pending', 'approved'],
    ['pending', 'declined'],
    ['pending', 'reversal_pending'],
    ['approved', 'reversal_pending'],
    ['reversal_pending', 'reversed'],
    ['reversal_pending', 'reversal_failed'],
    ['reversal_failed', 'reversed'],
    ['reversal_failed', 'reversal_pending'],
  ],
  refund: [
    ['pending', 'approved'],
    ['pending', 'declined'],
    ['pending', 'reversal_pending'],
    ['reversal_pending', 'reversed'],
    ['reversal_pending', 'reversal_failed'],
    ['reversal_failed', 'reversed'],
    ['reversal_failed', 'reversal_pending'],
  ],
};

describe('the payment life cycle', () => {
  for (const kind of paymentKinds) {
    it(`allows exactly the documented moves of a ${kind} and refuses every other one`, () => {
      const expected = new Set(allowed[kind].map(([from, to]) => `${from}->${to}`));
      for (const from of paymentStatuses) {
        for (const to of paymentStatuses) {
          const legal = expected.has(`${from}->${to}`);
          expect(canTransition(kind, from, to), `${kind} ${from}->${to}`).toBe(legal);
          const attempt = (): void => assertTransition({ id: 'pay_1', kind, status: from }, to);
          if (legal) expect(attempt).not.toThrow();
          else
            expect(attempt).toThrow(expect.objectContaining({ code: 'POS_ERR_PAYMENT_ILLEGAL_TRANSITION' }));
        }
      }
    });
  }

  it('names the payment, both states and what is possible when it refuses a move', () => {
    expect(() => assertTransition({ id: 'pay_9', kind: 'sale', status: 'declined' }, 'approved')).toThrow(
      'sale pay_9 is declined and cannot become approved (declined is final)',
    );
    expect(() => assertTransition({ id: 'pay_9', kind: 'sale', status: 'pending' }, 'voided')).toThrow(
      /it can become approved, declined, reversal_pending, duplicate_suspected/,
    );
  });
});
