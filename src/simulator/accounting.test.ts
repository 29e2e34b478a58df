import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../simulated-issuer/issuer-ledger.js';
import { chargesByIntent, tally, type Attempt, type IntentTrace } from './accounting.js';
import type { Intent } from './intents.js';

const intent = (id: number, amount = 1000, repeatOf: number | null = null): Intent => ({
  id,
  terminal: 0,
  atMs: 0,
  card: id,
  amount,
  repeatOf,
  method: 'card',
  wallet: null,
});

function entry(rrn: string, over: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    rrn,
    kind: 'sale',
    cardId: 'c',
    originalRrn: null,
    amount: 1000,
    state: 'posted',
    postings: 1,
    authCode: '000001',
    responseCode: '00',
    merchantId: 'M',
    terminalId: 'T',
    at: Number(rrn),
    ...over,
  };
}

const trace = (over: Partial<IntentTrace> = {}): IntentTrace => ({
  believesPaid: true,
  merchantShowsPaid: true,
  blockedByGuard: false,
  ...over,
});

describe('simulation accounting', () => {
  const attempts: Record<string, Attempt> = {
    '1': { intent: 0, cause: null, ordinal: 0 },
    '2': { intent: 0, cause: 'network', ordinal: 1 },
    '3': { intent: 1, cause: null, ordinal: 0 },
    '4': { intent: 2, cause: null, ordinal: 0 },
  };
  const attemptOf = (rrn: string): Attempt | undefined => attempts[rrn];

  it('counts every charge beyond the one purchase, blamed on the fault that made it', () => {
    const ledger = [entry('1'), entry('2'), entry('3', { postings: 2 }), entry('4', { state: 'reversed' })];
    const charges = chargesByIntent(ledger, attemptOf);
    const { counts: result } = tally({
      intents: [intent(0), intent(1), intent(2)],
      traces: new Map([
        [0, trace()],
        [1, trace()],
        [2, trace({ believesPaid: false, merchantShowsPaid: false })],
      ]),
      before: charges,
      after: charges,
      operatorPrompts: { card: 0, qr: 0 },
      reversals: { card: 0, qr: 0 },
    });
    expect(result.duplicateCharges).toBe(2);
    expect(result.byCause).toEqual({ software: 0, hardware: 0, operator: 0, network: 1, third_party: 1 });
    expect(result.lostSales).toBe(0);
  });

  it('lets a refund cancel the double posting it was made for', () => {
    const before = chargesByIntent([entry('3', { postings: 2 })], attemptOf);
    const after = chargesByIntent(
      [entry('3', { postings: 2 }), entry('9', { kind: 'refund', originalRrn: '3', amount: 1000 })],
      attemptOf,
    );
    const { counts: result } = tally({
      intents: [intent(1)],
      traces: new Map([[1, trace()]]),
      before,
      after,
      operatorPrompts: { card: 0, qr: 0 },
      reversals: { card: 0, qr: 0 },
    });
    expect(result.duplicateChargesBeforeReconciliation).toBe(1);
    expect(result.duplicateCharges).toBe(0);
  });

  it('counts a customer who left believing they paid but was not charged, and one charged while the record says failed', () => {
    const charges = chargesByIntent([entry('3')], attemptOf);
    const { counts: result } = tally({
      intents: [intent(0), intent(1)],
      traces: new Map([
        [0, trace()],
        [1, trace({ believesPaid: false, merchantShowsPaid: false })],
      ]),
      before: charges,
      after: charges,
      operatorPrompts: { card: 0, qr: 0 },
      reversals: { card: 0, qr: 0 },
    });
    expect(result.lostSales).toBe(2);
  });

  it('counts a genuine repeat purchase the guard stopped and that never went through as a false block', () => {
    const { counts: result } = tally({
      intents: [intent(5, 1000, 4)],
      traces: new Map([[5, trace({ believesPaid: false, merchantShowsPaid: false, blockedByGuard: true })]]),
      before: new Map(),
      after: new Map(),
      operatorPrompts: { card: 1, qr: 0 },
      reversals: { card: 0, qr: 0 },
    });
    expect(result.falseBlocks).toBe(1);
  });

  it('carries each duplicate charge with its merchant, terminal, amount and time, and when reconciliation refunded it', () => {
    const ledger = [
      entry('1', { amount: 1200 }),
      entry('2', { amount: 1200, terminalId: 'T9' }),
      entry('3', { amount: 4500, postings: 2 }),
    ];
    const refund = entry('50', { kind: 'refund', originalRrn: '3', amount: 4500 });
    const { counts, duplicates } = tally({
      intents: [intent(0, 1200), intent(1, 4500)],
      traces: new Map([
        [0, trace()],
        [1, trace()],
      ]),
      before: chargesByIntent(ledger, attemptOf),
      after: chargesByIntent([...ledger, refund], attemptOf),
      operatorPrompts: { card: 0, qr: 0 },
      reversals: { card: 0, qr: 0 },
    });
    expect([counts.duplicateChargesBeforeReconciliation, counts.duplicateCharges]).toEqual([2, 1]);
    expect(duplicates).toEqual([
      // Intent 0's network retry still stands; intent 1's second posting was refunded at 50.
      { method: 'card', merchantId: 'M', terminalId: 'T9', amountFen: 1200, atMs: 2, refundedAtMs: null },
      { method: 'card', merchantId: 'M', terminalId: 'T', amountFen: 4500, atMs: 3, refundedAtMs: 50 },
    ]);
  });
});
