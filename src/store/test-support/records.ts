// Records the store's contract suites build: a payment, an idempotency record and a stored answer,
// each with the defaults of a plain approved-or-pending card sale, overridden per test.
import type { NewPayment } from '../../payments/ports/payment-store.js';
import type { RequestRecord } from '../../payments/ports/idempotency-store.js';
import type { EngineAnswer } from '../../payments/payment.js';

/** A card sale of merchant M1 on terminal T1, pending; `id` names it and its idempotency key. */
export function newPayment(overrides: Partial<NewPayment> & { id: string; createdAt: number }): NewPayment {
  return {
    kind: 'sale',
    merchantId: 'M1',
    terminalId: 'T1',
    idempotencyKey: `key-${overrides.id}`,
    status: 'pending',
    amount: 1000,
    currency: 'CNY',
    cardMasked: '621234******1232',
    cardFingerprint: 'f'.repeat(64),
    entryMode: 'chip',
    operatorId: null,
    reference: null,
    rrn: null,
    originalId: null,
    duplicateOf: null,
    duplicateConfirmed: false,
    flaggedForReview: false,
    channel: 'http',
    stan: null,
    batchNo: null,
    responseCode: null,
    qr: null,
    ...overrides,
  };
}

/** A reversal answer naming its payment: every field of both views comes back equal. */
export function storedReversalAnswer(t0: number): EngineAnswer {
  return {
    kind: 'reversal',
    view: {
      reversal: { state: 'queued', reason: 'timeout' },
      payment: {
        id: 'pay_1',
        kind: 'sale',
        status: 'reversal_pending',
        responseCode: '98',
        message: 'no answer from the issuer in time',
        rrn: '000000000001',
        authCode: null,
        amount: 1234,
        currency: 'CNY',
        cardMasked: '622202******1234',
        terminalId: 'T1',
        duplicateOf: null,
        duplicateConfirmed: false,
        flaggedForReview: true,
        originalId: null,
        operatorId: '01',
        reference: null,
        stan: '000001',
        batchNo: '000001',
        createdAt: t0,
        updatedAt: t0 + 7,
        qr: null,
      },
    },
  };
}

/** An in-flight idempotency record of merchant M1's sale under `key`. */
export function newRequest(key: string, t0: number, overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    merchantId: 'M1',
    idempotencyKey: key,
    operation: 'sale',
    requestHash: 'h',
    paymentId: null,
    state: 'in_flight',
    answer: null,
    createdAt: t0,
    expiresAt: t0 + 1000,
    ...overrides,
  };
}
