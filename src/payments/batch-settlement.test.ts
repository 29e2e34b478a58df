import { describe, expect, it } from 'vitest';
import type { BatchTotals } from './ports/batch-store.js';
import { merchantId, makeHarness, terminalId, viewOf, type Harness } from './test-support/engine-harness.js';

const batch = { merchantId, terminalId, batchNo: '000001' };
const none: BatchTotals = { debitTotal: 0, debitCount: 0, creditTotal: 0, creditCount: 0 };

async function isoSale(h: Harness, stan: string, amount: number) {
  return viewOf(
    await h.drive(
      h.engine.authorizeSale(
        h.sale({ idempotencyKey: `k${stan}`, amount, channel: 'iso', stan, batchNo: batch.batchNo }),
      ),
    ),
  );
}

function settle(h: Harness, local: BatchTotals, batchNo = batch.batchNo) {
  return h.engine.settleBatch({
    batch: { ...batch, batchNo },
    terminalTotals: { local, foreign: none },
    terminalTotalsText: 'as sent',
    now: h.clock.now(),
  });
}

describe('settling a terminal batch', () => {
  it("closes a batch whose totals equal the host's and moves the terminal to the next batch", async () => {
    const h = await makeHarness();
    await isoSale(h, '000001', 1280);
    const totals = { ...none, debitTotal: 1280, debitCount: 1 };
    expect(await settle(h, totals)).toMatchObject({
      kind: 'settled',
      balanced: { local: true, foreign: true },
      basis: 'host payments',
      closedBefore: false,
    });
    const terminal = await h.store.read((r) => r.getTerminal(merchantId, terminalId));
    expect(terminal?.batchNo).toBe('000002');
    // Settled again (a retransmission): answered, and nothing changes.
    expect(await settle(h, totals)).toMatchObject({ kind: 'settled', closedBefore: true });
    expect(await settle(h, totals, '000007')).toEqual({ kind: 'batch_mismatch', batchNo: '000007' });
  });

  it('settles on the uploaded records after an unbalanced settlement, and says they need reconciling', async () => {
    const h = await makeHarness();
    await isoSale(h, '000001', 1280);
    await isoSale(h, '000002', 500);
    const terminalSays = { ...none, debitTotal: 1280, debitCount: 1 };
    expect(await settle(h, terminalSays)).toMatchObject({ balanced: { local: false }, toReconcile: false });
    const record = {
      ...batch,
      stan: '000001',
      kind: 'sale' as const,
      messageTypeCode: '22',
      amount: 1280,
      currency: 'CNY' as const,
      rrn: null,
      authCode: null,
      receivedAt: h.clock.now(),
    };
    const upload = { record, currentBatchNo: batch.batchNo };
    expect(await h.engine.recordBatchUpload(upload)).toEqual({ kind: 'stored' });
    expect(await h.engine.recordBatchUpload(upload)).toEqual({ kind: 'already_held' });
    const finish = { batch, currentBatchNo: batch.batchNo, announced: 1, now: h.clock.now() };
    expect(await h.engine.finishBatchUpload(finish)).toEqual({ kind: 'finished', held: 1 });
    expect(await h.engine.finishBatchUpload(finish)).toEqual({ kind: 'already_held', held: 1 });
    expect(await settle(h, terminalSays)).toMatchObject({
      balanced: { local: true },
      basis: 'uploaded records',
      hostTotals: { debitTotal: 1780, debitCount: 2 },
      toReconcile: true,
    });
  });
});
