// POST /v1/payments/{id}/refunds and /void of a QR sale (issue 20): the answer is a payment like a
// card refund's, with the sale's method, wallet and masked code; a replay is the same bytes; an
// outcome the wallet has not settled is 202 pending, its key in flight until the host settles it;
// and every refusal has its code. Every answer is checked against the OpenAPI document.
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { childRefundNoFor } from '../../payments/qr-order.js';
import { merchantId, terminalId } from '../../payments/test-support/engine-harness.js';
import { ScriptedWallet } from '../../payments/test-support/scripted-wallet.js';
import { makeHttpHarness, type HttpHarness } from '../test-support/http-harness.js';

let codeSeq = 0;
const wechatCode = (): string => `13${String((codeSeq += 1)).padStart(16, '0')}`;

async function refundHttpHarness(): Promise<{ h: HttpHarness; wallet: ScriptedWallet }> {
  let wallet: ScriptedWallet | undefined;
  const h = await makeHttpHarness({
    settings: { reversalBaseDelayMs: 1_000 },
    wallets: (clock) => ({ wechat: (wallet = new ScriptedWallet({ clock })) }),
  });
  if (wallet === undefined) throw new Error('the harness built no wallet');
  return { h, wallet };
}

function post(h: HttpHarness, url: string, key: string, payload: object): Promise<LightMyRequestResponse> {
  return h.drive(h.call({ method: 'POST', url, headers: { 'idempotency-key': key }, payload }));
}

async function qrSale(h: HttpHarness, amount = 1000): Promise<string> {
  const sold = await post(h, '/v1/payments', `sale-${(codeSeq += 1)}`, {
    terminalId,
    amount,
    currency: 'CNY',
    paymentCode: wechatCode(),
  });
  expect(sold.json()).toMatchObject({ status: 'approved' });
  return sold.json<{ id: string }>().id;
}

const refund = (h: HttpHarness, saleId: string, key: string, payload: object) =>
  post(h, `/v1/payments/${saleId}/refunds`, key, payload);

describe('refunds and voids of a QR sale over HTTP', () => {
  it('refunds part of a QR sale: 201, the view of a refund with the wallet and masked code; a replay is the same bytes', async () => {
    const { h, wallet } = await refundHttpHarness();
    const saleId = await qrSale(h);
    const first = await refund(h, saleId, 'refund-1', { amount: 400, currency: 'CNY', operatorId: '02' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      kind: 'refund',
      status: 'approved',
      responseCode: '00',
      amount: 400,
      currency: 'CNY',
      originalId: saleId,
      operatorId: '02',
      cardMasked: null,
      method: 'qr',
      wallet: 'wechat',
      paymentCodeMasked: expect.stringMatching(/^\*{14}\d{4}$/) as unknown,
    });
    const again = await refund(h, saleId, 'refund-1', { amount: 400, currency: 'CNY', operatorId: '02' });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    const sale = await h.drive(h.call({ method: 'GET', url: `/v1/payments/${saleId}` }));
    expect(sale.json()).toMatchObject({ status: 'partially_refunded' });
    expect(wallet.calls.refund).toEqual([childRefundNoFor(merchantId, 'refund-1')]);
  });

  it('voids a QR sale: the wallet refunds it in full', async () => {
    const { h, wallet } = await refundHttpHarness();
    const saleId = await qrSale(h, 1280);
    const voided = await post(h, `/v1/payments/${saleId}/void`, 'void-1', {});
    expect(voided.statusCode).toBe(201);
    expect(voided.json()).toMatchObject({ kind: 'void', status: 'approved', amount: 1280, method: 'qr' });
    expect(wallet.ledger().refundLines).toEqual([expect.objectContaining({ amount: 1280 })]);
    expect(wallet.calls.cancel).toEqual([]);
  });

  it('answers 202 pending while the wallet has not settled the refund, 409 to a retry, then the final answer', async () => {
    const { h, wallet } = await refundHttpHarness();
    const saleId = await qrSale(h);
    wallet.next({
      refund: [{ do: 'unknown', then: 'refund' }],
      refundQuery: [{ do: 'unknown' }, { do: 'unknown' }, { do: 'unknown' }],
    });
    const first = await refund(h, saleId, 'refund-1', { amount: 300 });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ kind: 'refund', status: 'pending', method: 'qr' });
    const retry = await refund(h, saleId, 'refund-1', { amount: 300 });
    expect(retry.statusCode).toBe(409);
    expect(retry.json()).toMatchObject({ code: 'POS_ERR_IDEMPOTENCY_IN_FLIGHT' });
    for (let round = 0; round < 5; round += 1) {
      const due = await h.store.read((r) => r.nextReversalDueAt());
      if (due === null) break;
      await h.clock.advanceTo(Math.max(due, h.clock.now()));
      await h.drive(h.engine.drainReversals());
    }
    const settled = await refund(h, saleId, 'refund-1', { amount: 300 });
    expect(settled.statusCode).toBe(201);
    expect(settled.json()).toMatchObject({ id: first.json<{ id: string }>().id, status: 'approved' });
    expect(wallet.ledger().refundLines).toHaveLength(1);
  });

  it('refuses, with a code each, a refund beyond what is left, of an unpaid sale, in another currency, and a reversal of it', async () => {
    const { h, wallet } = await refundHttpHarness();
    const saleId = await qrSale(h, 1000);
    const beyond = await refund(h, saleId, 'refund-1', { amount: 1001 });
    expect([beyond.statusCode, beyond.json<{ code: string }>().code]).toEqual([
      422,
      'POS_ERR_PAYMENT_REFUND_EXCEEDS_CAPTURED',
    ]);
    const usd = await refund(h, saleId, 'refund-2', { amount: 100, currency: 'USD' });
    expect([usd.statusCode, usd.json()]).toMatchObject([
      422,
      {
        code: 'POS_ERR_PAYMENT_CURRENCY_MISMATCH',
        message: expect.stringContaining('expected CNY') as unknown,
      },
    ]);
    wallet.next({ pay: [{ do: 'refuse', refusal: 'insufficient_funds' }] });
    const unpaid = await post(h, '/v1/payments', 'sale-unpaid', {
      terminalId,
      amount: 500,
      currency: 'CNY',
      paymentCode: wechatCode(),
    });
    expect(unpaid.json()).toMatchObject({ status: 'declined' });
    const ofUnpaid = await refund(h, unpaid.json<{ id: string }>().id, 'refund-3', { amount: 100 });
    expect([ofUnpaid.statusCode, ofUnpaid.json<{ code: string }>().code]).toEqual([
      409,
      'POS_ERR_PAYMENT_ILLEGAL_TRANSITION',
    ]);
    const made = await refund(h, saleId, 'refund-4', { amount: 100 });
    const reversal = await post(h, `/v1/payments/${made.json<{ id: string }>().id}/reversal`, 'rev-1', {
      reason: 'timeout',
    });
    expect([reversal.statusCode, reversal.json<{ code: string }>().code]).toEqual([
      409,
      'POS_ERR_QR_REFUND_IRREVERSIBLE',
    ]);
    expect(wallet.calls.refund).toEqual([childRefundNoFor(merchantId, 'refund-4')]);
  });
});
