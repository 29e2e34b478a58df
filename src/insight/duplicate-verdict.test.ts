import { describe, expect, it } from 'vitest';
import type { DuplicateRecord } from '../payments/ports/duplicate-store.js';
import type { ReversalRecord } from '../payments/ports/reversal-store.js';
import type { PaymentRecord } from '../payments/payment.js';
import { chinaTime, duplicateVerdict, type PaymentFacts } from './duplicate-verdict.js';

const t0 = Date.UTC(2026, 10, 25, 6, 0, 0);

function payment(id: string, overrides: Partial<PaymentRecord> = {}): PaymentRecord {
  return {
    id,
    kind: 'sale',
    merchantId: 'M1',
    terminalId: 'T1',
    idempotencyKey: `key-${id}`,
    status: 'approved',
    amount: 1280,
    currency: 'CNY',
    cardMasked: '621234******1232',
    cardFingerprint: 'fp1',
    entryMode: 'chip',
    operatorId: '01',
    reference: null,
    rrn: `00000000000${id.length}`,
    authCode: '123456',
    responseCode: '00',
    originalId: null,
    duplicateOf: null,
    duplicateConfirmed: false,
    flaggedForReview: false,
    channel: 'http',
    stan: null,
    batchNo: null,
    reversalReason: null,
    qr: null,
    createdAt: t0,
    updatedAt: t0,
    ...overrides,
  };
}

const facts = (p: PaymentRecord, extra: Partial<PaymentFacts> = {}): PaymentFacts => ({
  payment: p,
  children: [],
  reversal: undefined,
  ...extra,
});

function duplicate(overrides: Partial<DuplicateRecord>): DuplicateRecord {
  return {
    id: 'dup1',
    merchantId: 'M1',
    terminalId: 'T1',
    paymentId: 'b',
    duplicateOf: 'a',
    source: 'authorization',
    resolution: 'awaiting_confirmation',
    amount: 1280,
    operatorId: '01',
    confirmedPaymentId: null,
    kind: null,
    cause: null,
    rrn: null,
    relatedRrn: null,
    detail: null,
    detectedAt: t0,
    resolvedAt: null,
    ...overrides,
  };
}

const later = { createdAt: t0 + 20_000, updatedAt: t0 + 20_000 };

describe('the duplicate verdict', () => {
  it('calls the same payment typed twice a retransmission answered from the stored answer: charged once', () => {
    const a = payment('a');
    const verdict = duplicateVerdict({ first: facts(a), second: facts(a), duplicates: [] });
    expect(verdict).toMatchObject({ charged: 'once', cause: 'retransmission' });
    expect(verdict.explanation.zh).toContain('保存的应答');
    expect(verdict.explanation.en).toContain('stored answer');
  });

  it('says a sale held by the duplicate guard never reached the issuer: charged once', () => {
    const held = payment('b', {
      ...later,
      status: 'duplicate_suspected',
      rrn: null,
      duplicateOf: 'a',
      responseCode: '94',
    });
    const verdict = duplicateVerdict({
      first: facts(payment('a')),
      second: facts(held),
      duplicates: [duplicate({})],
    });
    expect(verdict).toMatchObject({ charged: 'once', cause: 'held_by_guard' });
    expect(verdict.evidence.map((line) => line.en).join('\n')).toContain(
      'awaiting_confirmation, operator 01',
    );
  });

  it("tells a repeat blocked by the merchant's policy from one held for confirmation", () => {
    const blocked = payment('b', { ...later, status: 'duplicate_suspected', duplicateOf: 'a' });
    const verdict = duplicateVerdict({
      first: facts(blocked),
      second: facts(payment('a')),
      duplicates: [duplicate({ resolution: 'blocked' })],
    });
    expect(verdict).toMatchObject({ charged: 'once', cause: 'blocked_by_policy' });
  });

  it('names the operator who confirmed a genuine second purchase: charged twice', () => {
    const second = payment('b', { ...later, duplicateOf: 'a', duplicateConfirmed: true, operatorId: '07' });
    const verdict = duplicateVerdict({ first: facts(second), second: facts(payment('a')), duplicates: [] });
    expect(verdict).toMatchObject({ charged: 'twice', cause: 'confirmed_second_purchase' });
    expect(verdict.explanation.en).toContain('operator 07');
    expect(verdict.explanation.zh).toContain('操作员 07');
  });

  it('reports a double charge reconciliation found: twice until refunded, once after', () => {
    const found = duplicate({
      source: 'reconciliation',
      resolution: 'found_after_the_fact',
      cause: 'issuer_double_post',
    });
    const b = payment('b', later);
    expect(
      duplicateVerdict({ first: facts(payment('a')), second: facts(b), duplicates: [found] }),
    ).toMatchObject({
      charged: 'twice',
      cause: 'reconciliation_found',
    });
    const refund = payment('r', { kind: 'refund', originalId: 'b', createdAt: t0 + 3_600_000 });
    const refunded = duplicateVerdict({
      first: facts(payment('a')),
      second: facts({ ...b, status: 'refunded' }, { children: [refund] }),
      duplicates: [found],
    });
    expect(refunded).toMatchObject({ charged: 'once', cause: 'reconciliation_refunded' });
    expect(refunded.evidence.map((l) => l.en).join('\n')).toContain('Refund r of b');
  });

  it('explains a reversed, a voided, a refunded and a declined sale as not charged', () => {
    const reversal: ReversalRecord = {
      paymentId: 'b',
      rrn: '000000000002',
      reason: 'timeout',
      state: 'done',
      attempts: 1,
      nextAttemptAt: t0,
      leaseOwner: null,
      leaseUntil: null,
      lastError: null,
      createdAt: t0,
      updatedAt: t0,
    };
    const cases = [
      ['reversed', 'reversed'],
      ['voided', 'voided'],
      ['refunded', 'refunded'],
      ['declined', 'declined'],
    ] as const;
    for (const [status, cause] of cases) {
      const b = payment('b', { ...later, status });
      const verdict = duplicateVerdict({
        first: facts(payment('a')),
        second: facts(b, { reversal }),
        duplicates: [],
      });
      expect(verdict, status).toMatchObject({ charged: 'once', cause });
    }
  });

  it('says the outcome is not settled while a sale is still pending or being reversed', () => {
    const b = payment('b', { ...later, status: 'reversal_pending' });
    expect(duplicateVerdict({ first: facts(payment('a')), second: facts(b), duplicates: [] })).toMatchObject({
      charged: 'unknown',
      cause: 'outcome_pending',
    });
  });

  it('tells a flagged repeat, two different sales and a repeat outside the window apart: each charged twice', () => {
    const flagged = payment('b', { ...later, duplicateOf: 'a', flaggedForReview: true });
    expect(
      duplicateVerdict({ first: facts(payment('a')), second: facts(flagged), duplicates: [] }).cause,
    ).toBe('flagged_for_review');
    const other = payment('b', { ...later, amount: 999, cardFingerprint: 'fp2' });
    const different = duplicateVerdict({ first: facts(payment('a')), second: facts(other), duplicates: [] });
    expect(different).toMatchObject({ charged: 'twice', cause: 'different_sales' });
    expect(different.explanation.en).toContain('different cards, different amounts');
    const apart = payment('b', { createdAt: t0 + 600_000, updatedAt: t0 + 600_000 });
    const outside = duplicateVerdict({ first: facts(payment('a')), second: facts(apart), duplicates: [] });
    expect(outside).toMatchObject({ charged: 'twice', cause: 'repeat_outside_guard' });
    expect(outside.explanation.en).toContain('600 s apart');
  });

  it('writes times in China time and cards as their last four only', () => {
    expect(chinaTime(t0)).toBe('2026-11-25 14:00:00');
    const verdict = duplicateVerdict({
      first: facts(payment('a')),
      second: facts(payment('b', later)),
      duplicates: [],
    });
    const text = JSON.stringify(verdict);
    expect(text).toContain('••••1232');
    expect(text).not.toContain('621234');
  });
});
