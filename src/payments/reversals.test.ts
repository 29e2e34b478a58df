import { describe, expect, it } from 'vitest';
import { netChargeOfSale } from '../simulated-issuer/issuer-ledger.js';
import { noFaults } from '../simulated-issuer/simulated-issuer.js';
import { VirtualClock, settle } from '../clock/virtual-clock.js';
import { PaymentEngine } from './engine.js';
import { reversalBackoffMs } from './reversal-queue.js';
import { defaultEngineSettings } from './engine-context.js';
import { merchantId, makeHarness, viewOf } from './test-support/engine-harness.js';
import type { ReversalView } from './payment.js';
import type { EngineResult } from './idempotency.js';

function reversalOf(result: EngineResult): ReversalView {
  if (result.kind !== 'answered') throw new Error(`expected an answer, got ${result.kind}`);
  if (result.answer.kind !== 'reversal') throw new Error(`expected a reversal, got a ${result.answer.kind}`);
  return result.answer.view;
}

describe('reversals', () => {
  it('reverses an approved sale the terminal never saw answered, so the card is not charged', async () => {
    const h = await makeHarness();
    const sale = viewOf(await h.drive(h.engine.authorizeSale(h.sale())));
    const answer = reversalOf(
      await h.drive(
        h.engine.reverse({
          merchantId,
          idempotencyKey: 'r1',
          target: { paymentId: sale.id },
          reason: 'timeout',
        }),
      ),
    );
    expect(answer.reversal.state).toBe('queued');
    expect(answer.payment?.status).toBe('reversal_pending');
    await h.drive(h.engine.drainReversals());
    expect((await h.engine.getPayment(merchantId, sale.id)).status).toBe('reversed');
    expect(netChargeOfSale(h.ledger, sale.rrn ?? '')).toBe(0);
  });

  it('reverses by the original idempotency key when the terminal never learnt the payment id', async () => {
    const h = await makeHarness();
    const sale = viewOf(await h.drive(h.engine.authorizeSale(h.sale({ idempotencyKey: 'orig' }))));
    const answer = reversalOf(
      await h.drive(
        h.engine.reverse({
          merchantId,
          idempotencyKey: 'r1',
          target: { originalKey: 'orig' },
          reason: 'timeout',
        }),
      ),
    );
    expect(answer.payment?.id).toBe(sale.id);
    await h.drive(h.engine.drainReversals());
    expect((await h.engine.getPayment(merchantId, sale.id)).status).toBe('reversed');
  });

  it('leaves a tombstone for an original that has not arrived, and refuses that original later without sending it', async () => {
    const h = await makeHarness();
    const answer = reversalOf(
      await h.drive(
        h.engine.reverse({
          merchantId,
          idempotencyKey: 'r1',
          target: { originalKey: 'late' },
          reason: 'timeout',
        }),
      ),
    );
    expect(answer).toEqual({ reversal: { state: 'tombstoned', reason: 'timeout' }, payment: null });
    const late = await h.drive(h.engine.authorizeSale(h.sale({ idempotencyKey: 'late' })));
    expect(late).toEqual({ kind: 'tombstoned' });
    expect(h.issuer.calls.authorize).toBe(0);
  });

  it('reverses an original whose reversal arrives while it is still in flight, after the original call ends', async () => {
    const h = await makeHarness({
      faults: { ...noFaults, latencyMs: { min: 2000, max: 2000 } },
      settings: { upstreamTimeoutMs: 5000 },
    });
    const original = h.engine.authorizeSale(h.sale({ idempotencyKey: 'orig' }));
    const reversal = (async () => {
      await h.clock.sleep(500);
      return h.engine.reverse({
        merchantId,
        idempotencyKey: 'r1',
        target: { originalKey: 'orig' },
        reason: 'timeout',
      });
    })();
    const [sale, rev] = await h.drive(Promise.all([original, reversal]));
    // The approval came back after the reversal was taken: the host keeps the reversal.
    expect(viewOf(sale).status).toBe('reversal_pending');
    expect(reversalOf(rev).reversal.state).toBe('queued');
    const id = viewOf(sale).id;
    const queued = await h.store.read((r) => r.getReversal(id));
    expect(queued?.nextAttemptAt).toBe((await h.engine.getPayment(merchantId, id)).createdAt + 5000);
    await h.clock.advance(5000);
    await h.drive(h.engine.drainReversals());
    expect((await h.engine.getPayment(merchantId, id)).status).toBe('reversed');
    expect(netChargeOfSale(h.ledger, viewOf(sale).rrn ?? '')).toBe(0);
  });

  it('treats a repeated reversal as a replay and a reversal of a declined sale as not needed', async () => {
    const h = await makeHarness({ faults: { ...noFaults, declineRate: 1 } });
    const sale = viewOf(await h.drive(h.engine.authorizeSale(h.sale())));
    const command = {
      merchantId,
      idempotencyKey: 'r1',
      target: { paymentId: sale.id },
      reason: 'timeout' as const,
    };
    expect(reversalOf(await h.drive(h.engine.reverse(command))).reversal.state).toBe('not_needed');
    expect(await h.drive(h.engine.reverse(command))).toMatchObject({ kind: 'answered', replayed: true });
    expect(h.issuer.calls.reverse).toBe(0);
  });

  it('retries an unacknowledged reversal with growing delays, then marks it reversal_failed; a manual retry finishes it', async () => {
    const h = await makeHarness({
      faults: { ...noFaults, lostAnswerRate: 1 },
      settings: { upstreamTimeoutMs: 1000, reversalMaxAttempts: 3, reversalBaseDelayMs: 1000 },
    });
    const sale = viewOf(await h.drive(h.engine.authorizeSale(h.sale())));
    h.issuer.setFaults({ ...noFaults, outageRate: 1 });
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      expect(await h.drive(h.engine.drainReversals())).toBe(1);
      expect(await h.drive(h.engine.drainReversals())).toBe(0); // not due yet
      await h.clock.advance(reversalBackoffMs(h.engine.context.settings, attempt));
    }
    expect((await h.engine.getPayment(merchantId, sale.id)).status).toBe('reversal_failed');
    expect(await h.store.read((r) => r.getReversal(sale.id))).toMatchObject({ state: 'failed', attempts: 3 });
    h.issuer.setFaults(noFaults);
    const retry = reversalOf(
      await h.drive(
        h.engine.reverse({
          merchantId,
          idempotencyKey: 'manual',
          target: { paymentId: sale.id },
          reason: 'other',
        }),
      ),
    );
    expect(retry.reversal.state).toBe('queued');
    await h.drive(h.engine.drainReversals());
    expect((await h.engine.getPayment(merchantId, sale.id)).status).toBe('reversed');
    expect(netChargeOfSale(h.ledger, sale.rrn ?? '')).toBe(0);
  });

  it('backs off exponentially up to the cap', () => {
    const settings = { ...defaultEngineSettings, reversalBaseDelayMs: 1000, reversalMaxDelayMs: 8000 };
    expect([1, 2, 3, 4, 5, 40].map((n) => reversalBackoffMs(settings, n))).toEqual([
      1000, 2000, 4000, 8000, 8000, 8000,
    ]);
  });

  it('refuses to reverse a voided sale', async () => {
    const h = await makeHarness();
    const sale = viewOf(await h.drive(h.engine.authorizeSale(h.sale())));
    await h.drive(
      h.engine.voidSale({
        merchantId,
        saleId: sale.id,
        idempotencyKey: 'v',
        operatorId: null,
        channel: 'http',
        terminalId: null,
        stan: null,
        batchNo: null,
      }),
    );
    await expect(
      h.drive(
        h.engine.reverse({
          merchantId,
          idempotencyKey: 'r',
          target: { paymentId: sale.id },
          reason: 'other',
        }),
      ),
    ).rejects.toMatchObject({ code: 'POS_ERR_PAYMENT_ILLEGAL_TRANSITION' });
  });
});

describe('crash recovery', () => {
  it('reverses a sale left pending by a host that stopped mid-call, and completes its key with the 98 answer', async () => {
    const h = await makeHarness({
      faults: { ...noFaults, lostAnswerRate: 1 },
      settings: { upstreamTimeoutMs: 1000, recoveryGraceMs: 500 },
    });
    // The "crashed" host: its clock never moves again, so it never times out or answers, and its
    // sale stays pending in the shared store, as after a SIGKILL.
    h.issuer.setFaults({ ...noFaults, latencyMs: { min: 10_000_000, max: 10_000_000 } });
    const crashed = new PaymentEngine({ ...h.engine.context, clock: new VirtualClock(h.clock.now()) });
    void crashed.authorizeSale(h.sale({ idempotencyKey: 'crash' })).catch(() => undefined);
    await settle();
    const [pending] = await h.engine.listPayments({ merchantId, limit: 1 });
    expect(pending?.status).toBe('pending');
    expect(await h.engine.recoverOrphans()).toBe(0); // not old enough yet
    await h.clock.advance(1499);
    expect(await h.engine.recoverOrphans()).toBe(0);
    await h.clock.advance(2);
    expect(await h.engine.recoverOrphans()).toBe(1);
    expect((await h.engine.getPayment(merchantId, pending?.id ?? '')).status).toBe('reversal_pending');
    const replay = await h.drive(h.engine.authorizeSale(h.sale({ idempotencyKey: 'crash' })));
    expect(viewOf(replay)).toMatchObject({ status: 'reversal_pending', responseCode: '98' });
  });
});
