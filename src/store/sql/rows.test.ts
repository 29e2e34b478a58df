import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../assert.js';
import { sumOf, toBatchSettlement, toPayment, toReversal, type Row } from './rows.js';

const paymentRow: Row = {
  id: 'pay_1',
  kind: 'sale',
  merchant_id: 'M1',
  terminal_id: 'T1',
  idempotency_key: 'k1',
  status: 'approved',
  amount: '1250', // PostgreSQL gives BIGINT as text
  currency: 'CNY',
  card_masked: '622202******1234',
  card_fingerprint: 'fp',
  entry_mode: null,
  operator_id: null,
  reference: null,
  rrn: '000000000001',
  auth_code: '123456',
  response_code: '00',
  original_id: null,
  duplicate_of: null,
  duplicate_confirmed: 0,
  flagged_for_review: 1,
  channel: 'iso',
  stan: '000001',
  batch_no: '000001',
  reversal_reason: null,
  created_at: 1,
  updated_at: 2,
  method: 'card',
  wallet: null,
  payment_code_masked: null,
  payment_code_fingerprint: null,
  order_no: null,
  wallet_trade_no: null,
  payer_fingerprint: null,
};

const qrRow: Row = {
  ...paymentRow,
  card_masked: null,
  card_fingerprint: null,
  method: 'qr',
  wallet: 'alipay',
  payment_code_masked: '************3456',
  payment_code_fingerprint: 'cf',
  order_no: 'PG0123',
  wallet_trade_no: null,
  payer_fingerprint: null,
};

describe('row mapping', () => {
  it('maps a payment row field by field, numbers from text and flags from 0 and 1', () => {
    expect(toPayment(paymentRow)).toMatchObject({
      id: 'pay_1',
      merchantId: 'M1',
      amount: 1250,
      entryMode: null,
      duplicateConfirmed: false,
      flaggedForReview: true,
      channel: 'iso',
      createdAt: 1,
      updatedAt: 2,
      qr: null,
    });
  });

  it('maps a QR sale row with its wallet, masked code and order number, and stops on a half QR row', () => {
    expect(toPayment(qrRow).qr).toEqual({
      wallet: 'alipay',
      flow: 'scanned',
      codeMasked: '************3456',
      codeFingerprint: 'cf',
      orderNo: 'PG0123',
      tradeNo: null,
      payerFingerprint: null,
      qrContent: null,
      expiresAt: null,
    });
    // A code the terminal shows: no payment code, its content and expiry.
    const shownRow = {
      ...qrRow,
      payment_code_masked: null,
      payment_code_fingerprint: null,
      qr_flow: 'shown',
      qr_content: 'https://qr.alipay.com/x',
      qr_expires_at: '120000',
    };
    expect(toPayment(shownRow).qr).toMatchObject({
      flow: 'shown',
      codeMasked: null,
      qrContent: 'https://qr.alipay.com/x',
      expiresAt: 120_000,
    });
    expect(() => toPayment({ ...shownRow, qr_expires_at: null })).toThrow(/column qr_expires_at/);
    expect(() => toPayment({ ...shownRow, qr_flow: 'thrown' })).toThrow(/column qr_flow holds one of/);
    expect(() => toPayment({ ...qrRow, order_no: null })).toThrow(/column order_no holds a string/);
    expect(() => toPayment({ ...qrRow, wallet: 'paypal' })).toThrow(/column wallet holds one of/);
    expect(() => toPayment({ ...paymentRow, method: 'cash' })).toThrow(/column method holds one of card, qr/);
  });

  it('stops on a value outside its closed set, naming the column', () => {
    expect(() => toPayment({ ...paymentRow, status: 'paid' })).toThrow(InvariantError);
    expect(() => toPayment({ ...paymentRow, currency: 'XXX' })).toThrow(/column currency holds one of/);
    expect(() => toPayment({ ...paymentRow, entry_mode: 'telepathy' })).toThrow(/column entry_mode/);
    expect(() =>
      toReversal({
        payment_id: 'pay_1',
        rrn: '000000000001',
        reason: 'timeout',
        state: 'lost',
        attempts: 0,
        next_attempt_at: 1,
        lease_owner: null,
        lease_until: null,
        last_error: null,
        created_at: 1,
        updated_at: 1,
      }),
    ).toThrow(/column state holds one of queued, done, failed/);
  });

  it('stops on a column of the wrong type or an unsafe integer', () => {
    expect(() => toPayment({ ...paymentRow, id: 7 })).toThrow(/column id holds a string/);
    expect(() => toPayment({ ...paymentRow, amount: '12.5' })).toThrow(/column amount holds a safe integer/);
    expect(() => toPayment({ ...paymentRow, amount: 2 ** 60 })).toThrow(InvariantError);
  });

  it('reads the host totals of a batch settlement from their four columns', () => {
    const settlement = toBatchSettlement({
      merchant_id: 'M1',
      terminal_id: 'T1',
      batch_no: '000001',
      state: 'balanced',
      terminal_totals: null,
      host_debit_total: '300',
      host_debit_count: 2,
      host_credit_total: 0,
      host_credit_count: 0,
      uploaded_count: null,
      created_at: 1,
      updated_at: 1,
    });
    expect(settlement.hostTotals).toEqual({ debitTotal: 300, debitCount: 2, creditTotal: 0, creditCount: 0 });
  });

  it('counts a SUM over no rows, or no row at all, as zero', () => {
    expect(sumOf({ total: null }, 'total')).toBe(0);
    expect(sumOf(undefined, 'total')).toBe(0);
    expect(sumOf({ total: '42' }, 'total')).toBe(42);
  });
});
