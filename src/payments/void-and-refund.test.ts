import { describe, expect, it } from 'vitest';
import { netChargeOfSale } from '../simulated-issuer/issuer-ledger.js';
import { merchantId, makeHarness, viewOf, type Harness } from './test-support/engine-harness.js';

async function approvedSale(h: Harness, amount = 1000): Promise<string> {
  const view = viewOf(await h.drive(h.engine.authorizeSale(h.sale({ amount }))));
  expect(view.status).toBe('approved');
  return view.id;
}

function child(saleId: string, key: string) {
  return {
    merchantId,
    saleId,
    idempotencyKey: key,
    operatorId: '01',
    channel: 'http' as const,
    terminalId: null,
    stan: null,
    batchNo: null,
  };
}

describe('voids and refunds', () => {
  it('voids an approved sale: the void is approved, the sale becomes voided and the card is not charged', async () => {
    const h = await makeHarness();
    const saleId = await approvedSale(h);
    const voided = viewOf(await h.drive(h.engine.voidSale(child(saleId, 'v1'))));
    expect(voided).toMatchObject({ kind: 'void', status: 'approved', originalId: saleId, amount: 1000 });
    const sale = await h.engine.getPayment(merchantId, saleId);
    expect(sale.status).toBe('voided');
    expect(netChargeOfSale(h.ledger, sale.rrn ?? '')).toBe(0);
  });

  it('refunds in parts up to the captured amount and refuses a refund beyond it', async () => {
    const h = await makeHarness();
    const saleId = await approvedSale(h, 1000);
    viewOf(await h.drive(h.engine.refundSale({ ...child(saleId, 'r1'), amount: 400 })));
    expect((await h.engine.getPayment(merchantId, saleId)).status).toBe('partially_refunded');
    await expect(h.drive(h.engine.refundSale({ ...child(saleId, 'r2'), amount: 601 }))).rejects.toMatchObject(
      {
        code: 'POS_ERR_PAYMENT_REFUND_EXCEEDS_CAPTURED',
        message: expect.stringContaining('expected at most 600 fen') as unknown,
      },
    );
    viewOf(await h.drive(h.engine.refundSale({ ...child(saleId, 'r3'), amount: 600 })));
    const sale = await h.engine.getPayment(merchantId, saleId);
    expect(sale.status).toBe('refunded');
    expect(netChargeOfSale(h.ledger, sale.rrn ?? '')).toBe(0);
    await expect(h.drive(h.engine.refundSale({ ...child(saleId, 'r4'), amount: 1 }))).rejects.toMatchObject({
      code: 'POS_ERR_PAYMENT_ILLEGAL_TRANSITION',
    });
  });

  it('refuses to void a sale that is declined, already voided or partly refunded, storing nothing', async () => {
    const h = await makeHarness();
    const refundedSale = await approvedSale(h, 1000);
    await h.drive(h.engine.refundSale({ ...child(refundedSale, 'r1'), amount: 100 }));
    await expect(h.drive(h.engine.voidSale(child(refundedSale, 'v1')))).rejects.toMatchObject({
      code: 'POS_ERR_PAYMENT_ILLEGAL_TRANSITION',
    });
    const voidedSale = await approvedSale(h, 2000);
    await h.drive(h.engine.voidSale(child(voidedSale, 'v2')));
    await expect(h.drive(h.engine.voidSale(child(voidedSale, 'v3')))).rejects.toMatchObject({
      code: 'POS_ERR_PAYMENT_ILLEGAL_TRANSITION',
    });
    await expect(
      h.drive(h.engine.refundSale({ ...child(voidedSale, 'r5'), amount: 1 })),
    ).rejects.toMatchObject({
      code: 'POS_ERR_PAYMENT_ILLEGAL_TRANSITION',
    });
    // A refused request leaves its key free: nothing was stored under it.
    expect(await h.store.read((r) => r.getRequest(merchantId, 'v3'))).toBeUndefined();
  });

  it('refuses a void of a payment of another merchant as not found', async () => {
    const h = await makeHarness();
    await expect(h.drive(h.engine.voidSale(child('pay_nope', 'v1')))).rejects.toMatchObject({
      code: 'POS_ERR_PAYMENT_NOT_FOUND',
    });
  });

  it('replays a repeated void and refund instead of doing them twice', async () => {
    const h = await makeHarness();
    const saleId = await approvedSale(h, 1000);
    const first = await h.drive(h.engine.refundSale({ ...child(saleId, 'r1'), amount: 300 }));
    const again = await h.drive(h.engine.refundSale({ ...child(saleId, 'r1'), amount: 300 }));
    expect(again).toMatchObject({ kind: 'answered', replayed: true });
    expect(viewOf(again).id).toBe(viewOf(first).id);
    expect(h.issuer.calls.authorize).toBe(2);
    expect(await h.drive(h.engine.refundSale({ ...child(saleId, 'r1'), amount: 301 }))).toMatchObject({
      kind: 'key_reused',
    });
  });

  it('reverses a void whose answer never came, leaving the sale approved and charged', async () => {
    const h = await makeHarness({ settings: { upstreamTimeoutMs: 1000 } });
    const saleId = await approvedSale(h, 1000);
    h.issuer.setFaults({ ...noLatency, lostAnswerRate: 1 });
    const voidView = viewOf(await h.drive(h.engine.voidSale(child(saleId, 'v1'))));
    expect(voidView.status).toBe('reversal_pending');
    h.issuer.setFaults(noLatency);
    await h.drive(h.engine.drainReversals());
    expect((await h.engine.getPayment(merchantId, voidView.id)).status).toBe('reversed');
    const sale = await h.engine.getPayment(merchantId, saleId);
    expect(sale.status).toBe('approved');
    expect(netChargeOfSale(h.ledger, sale.rrn ?? '')).toBe(1000);
  });

  it('restores the sale when an approved void is reversed by the terminal', async () => {
    const h = await makeHarness();
    const saleId = await approvedSale(h, 1000);
    const voidView = viewOf(await h.drive(h.engine.voidSale(child(saleId, 'v1'))));
    await h.drive(
      h.engine.reverse({
        merchantId,
        idempotencyKey: 'rv1',
        target: { paymentId: voidView.id },
        reason: 'mac_error',
      }),
    );
    await h.drive(h.engine.drainReversals());
    expect((await h.engine.getPayment(merchantId, saleId)).status).toBe('approved');
  });
});

const noLatency = {
  latencyMs: { min: 0, max: 0 },
  declineRate: 0,
  lostAnswerRate: 0,
  doublePostRate: 0,
  outageRate: 0,
  outages: [],
};
