import { describe, expect, it } from 'vitest';
import { FleetTally } from './fleet-tally.js';
import type { DiagnosisDuplicate, DiagnosisEvent, DiagnosisPayment } from './ports/diagnosis-source.js';
import { foldTelemetryHours } from './telemetry-hours.js';
import { stored } from './test-support/reports.js';

const t0 = Date.UTC(2026, 10, 25, 6, 0, 0);

function payment(overrides: Partial<DiagnosisPayment> & { id: string }): DiagnosisPayment {
  return {
    kind: 'sale',
    merchantId: 'M1',
    terminalId: 'T1',
    operatorId: '01',
    status: 'approved',
    amount: 1_000,
    method: 'card',
    wallet: null,
    responseCode: '00',
    reversalReason: null,
    fingerprint: `fp-${overrides.id}`,
    rrn: `rrn-${overrides.id}`,
    duplicateOf: null,
    duplicateConfirmed: false,
    originalId: null,
    originalCreatedAt: null,
    reversalState: null,
    reversalAttempts: null,
    reversalQueuedAt: null,
    createdAt: t0,
    updatedAt: t0 + 200,
    ...overrides,
  };
}

function event(overrides: Partial<DiagnosisEvent> & { paymentId: string }): DiagnosisEvent {
  return {
    chain: 1,
    seq: 1,
    at: t0,
    event: 'request.repeated',
    merchantId: 'M1',
    terminalId: 'T1',
    operatorId: '01',
    method: 'card',
    wallet: null,
    amount: 1_000,
    paymentCreatedAt: t0 - 15_000,
    data: '{"operation":"sale","sameRequest":true}',
    ...overrides,
  };
}

function duplicate(overrides: Partial<DiagnosisDuplicate> & { id: string }): DiagnosisDuplicate {
  return {
    merchantId: 'M1',
    terminalId: 'T1',
    paymentId: 'P9',
    source: 'reconciliation',
    resolution: 'found_after_the_fact',
    operatorId: null,
    kind: 'duplicate_settlement',
    cause: 'third_party',
    detectedAt: t0,
    paymentMethod: 'qr',
    paymentWallet: 'alipay',
    ...overrides,
  };
}

const merchant = { id: 'M1', duplicatePolicy: 'confirm', duplicateWindowS: 120 };
const get = (tally: FleetTally, key: string) => tally.subjects.get(key.replace('|', '\u0000'));

describe('the fold of a period', () => {
  it("counts a terminal's telemetry and puts its sales and retransmissions on its network too", () => {
    const tally = new FleetTally(10);
    tally.beginMerchant(merchant, undefined);
    for (const hour of foldTelemetryHours([stored({}, { merchantId: 'M1', terminalId: 'T1' })])) {
      tally.addTelemetryHour(hour);
    }
    tally.addPayment(payment({ id: 'P1' }));
    tally.addEvent(event({ paymentId: 'P1' }));
    // A repeat with other content is a key reused, not a retransmission.
    tally.addEvent(event({ paymentId: 'P1', seq: 2, data: '{"operation":"sale","sameRequest":false}' }));
    const terminal = get(tally, 'terminal|M1/T1');
    expect(terminal?.counts.get('double_reads')?.events).toBe(2);
    expect(terminal?.counts.get('crash_recoveries')?.events).toBe(1);
    expect(terminal?.counts.get('retransmissions')).toEqual({ events: 1, ids: ['P1'] });
    const network = get(tally, 'network|4g:China Mobile');
    expect(network?.exposure.sales).toBe(1);
    expect(network?.exposure.report_hours).toBe(1);
    expect(network?.counts.get('offline_periods')?.events).toBe(2);
    expect(network?.counts.get('retransmissions')?.events).toBe(1);
  });

  it('puts late answers, double postings and reversal retries on the provider of each payment', () => {
    const tally = new FleetTally(10);
    tally.beginMerchant(merchant, undefined);
    tally.addPayment(payment({ id: 'P1', reversalState: 'done', reversalAttempts: 3, status: 'reversed' }));
    tally.addPayment(payment({ id: 'P2', method: 'qr', wallet: 'alipay', responseCode: '91' }));
    tally.addEvent(event({ paymentId: 'P1', event: 'upstream.late_answer', data: '{}' }));
    tally.addDuplicate(duplicate({ id: 'rec_1' }));
    // A duplicate reconciliation put on the terminal's screen is not the provider's double posting.
    tally.addDuplicate(duplicate({ id: 'rec_2', kind: 'terminal_display_duplicate', cause: 'software' }));
    const issuer = get(tally, 'provider|issuer');
    expect(issuer?.exposure.reversals).toBe(1);
    expect(issuer?.counts.get('reversal_retries')?.events).toBe(1);
    expect(issuer?.counts.get('late_answers')?.ids).toEqual(['P1']);
    const alipay = get(tally, 'provider|alipay');
    expect(alipay?.counts.get('unavailable')?.events).toBe(1);
    expect(alipay?.counts.get('double_postings')).toEqual({ events: 1, ids: ['P9'] });
  });

  it('blames the provider for a timeout or a late answer only once it had 5 s: a terminal reversing sooner is not its fault', () => {
    const tally = new FleetTally(10);
    tally.beginMerchant(merchant, undefined);
    const timedOut = { responseCode: '98', status: 'reversed', reversalReason: 'timeout' } as const;
    // The host gave up after its 10 s; the terminal asked for a reversal 60 ms after the sale.
    tally.addPayment(payment({ id: 'HOST', ...timedOut, reversalQueuedAt: t0 + 10_000 }));
    tally.addPayment(payment({ id: 'TERM', ...timedOut, reversalQueuedAt: t0 + 60 }));
    tally.addEvent(
      event({ paymentId: 'LATE', event: 'upstream.late_answer', at: t0 + 15_000, paymentCreatedAt: t0 }),
    );
    tally.addEvent(
      event({ paymentId: 'SOON', event: 'upstream.late_answer', at: t0 + 150, paymentCreatedAt: t0 }),
    );
    const issuer = get(tally, 'provider|issuer');
    expect(issuer?.counts.get('timeouts')).toEqual({ events: 1, ids: ['HOST'] });
    expect(issuer?.counts.get('late_answers')).toEqual({ events: 1, ids: ['LATE'] });
  });

  it("finds a sale keyed twice within the merchant's window, not a confirmed one nor one after it", () => {
    const tally = new FleetTally(10);
    tally.beginMerchant(merchant, undefined);
    tally.addPayment(payment({ id: 'A', fingerprint: 'card', createdAt: t0 }));
    tally.addPayment(
      payment({ id: 'B', fingerprint: 'card', createdAt: t0 + 5_000, status: 'duplicate_suspected' }),
    );
    tally.addPayment(
      payment({ id: 'C', fingerprint: 'card', createdAt: t0 + 9_000, duplicateConfirmed: true }),
    );
    tally.addPayment(payment({ id: 'D', fingerprint: 'card', createdAt: t0 + 500_000 }));
    tally.addDuplicate(
      duplicate({ id: 'dup_1', source: 'authorization', resolution: 'confirmed', operatorId: '01' }),
    );
    const operator = get(tally, 'operator|M1/01');
    expect(operator?.counts.get('keyed_twice')).toEqual({ events: 1, ids: ['B'] });
    expect(operator?.keyedTwice).toEqual({ held: 1, through: 0, confirmed: 1, abandoned: 0 });
    expect(operator?.exposure.sales).toBe(4);
  });

  it('takes back a held suspect the operator confirmed as a genuine second purchase, not one left held', () => {
    const tally = new FleetTally(10);
    tally.beginMerchant(merchant, undefined);
    const held = { fingerprint: 'card', status: 'duplicate_suspected' } as const;
    tally.addPayment(payment({ id: 'A', fingerprint: 'card', createdAt: t0 }));
    tally.addPayment(payment({ id: 'B', ...held, createdAt: t0 + 5_000 }));
    tally.addPayment(
      payment({ id: 'C', fingerprint: 'card', createdAt: t0 + 9_000, duplicateConfirmed: true }),
    );
    tally.addPayment(payment({ id: 'D', fingerprint: 'other', createdAt: t0 + 20_000 }));
    tally.addPayment(payment({ id: 'E', ...held, fingerprint: 'other', createdAt: t0 + 30_000 }));
    const suspect = { source: 'authorization', operatorId: '01' } as const;
    tally.addDuplicate(duplicate({ id: 'dup_B', ...suspect, paymentId: 'B', resolution: 'confirmed' }));
    tally.addDuplicate(
      duplicate({ id: 'dup_E', ...suspect, paymentId: 'E', resolution: 'awaiting_confirmation' }),
    );
    const operator = get(tally, 'operator|M1/01');
    expect(operator?.counts.get('keyed_twice')).toEqual({ events: 1, ids: ['E'] });
    expect(operator?.keyedTwice).toEqual({ held: 1, through: 0, confirmed: 1, abandoned: 1 });
  });

  it('counts a sale sent again once, however many times it was repeated', () => {
    const tally = new FleetTally(10);
    tally.beginMerchant(merchant, undefined);
    for (let i = 0; i < 11; i += 1) tally.addEvent(event({ paymentId: 'QR1', seq: i }));
    tally.addEvent(event({ paymentId: 'S2', seq: 20 }));
    expect(get(tally, 'terminal|M1/T1')?.counts.get('retransmissions')).toEqual({
      events: 2,
      ids: ['QR1', 'S2'],
    });
  });

  it('does not count a sale run again after the first was declined or reversed: that is a retry', () => {
    const tally = new FleetTally(10);
    tally.beginMerchant(merchant, undefined);
    tally.addPayment(payment({ id: 'A', fingerprint: 'card', createdAt: t0, status: 'reversed' }));
    tally.addPayment(payment({ id: 'B', fingerprint: 'card', createdAt: t0 + 20_000, status: 'declined' }));
    tally.addPayment(payment({ id: 'C', fingerprint: 'card', createdAt: t0 + 40_000 }));
    tally.addPayment(payment({ id: 'D', fingerprint: 'card', createdAt: t0 + 50_000 }));
    const operator = get(tally, 'operator|M1/01');
    // C follows a decline (a retry); D follows C, which went through: keyed twice.
    expect(operator?.counts.get('keyed_twice')).toEqual({ events: 1, ids: ['D'] });
    expect(operator?.keyedTwice.through).toBe(1);
  });

  it('counts a void within ten minutes of its sale against the operator who voided', () => {
    const tally = new FleetTally(10);
    tally.beginMerchant(merchant, undefined);
    tally.addPayment(payment({ id: 'V1', kind: 'void', operatorId: '02', originalCreatedAt: t0 - 60_000 }));
    tally.addPayment(
      payment({ id: 'V2', kind: 'void', operatorId: '02', originalCreatedAt: t0 - 3_600_000 }),
    );
    expect(get(tally, 'operator|M1/02')?.counts.get('voids_soon')).toEqual({ events: 1, ids: ['V1'] });
  });

  it('keeps at most the evidence it was given room for', () => {
    const tally = new FleetTally(2);
    tally.beginMerchant(merchant, undefined);
    for (let i = 0; i < 5; i += 1) tally.addPayment(payment({ id: `P${i}`, responseCode: '98' }));
    expect(get(tally, 'provider|issuer')?.counts.get('timeouts')).toEqual({ events: 5, ids: ['P0', 'P1'] });
  });
});
