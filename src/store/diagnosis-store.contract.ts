// The diagnosis port's contract (issue 14), checked on every adapter: a merchant's payments,
// duplicates and journal events of a period come back in pages, in order, bounded by the period and
// the merchant, with what the diagnosis needs joined in (a payment's reversal and original, a
// duplicate's payment method); and operations keys are kept by hash and revoked once.
import { describe, expect, it } from 'vitest';
import { diagnosisEvents } from '../diagnostics/ports/diagnosis-source.js';
import { chainOf } from '../payments/ports/journal-store.js';
import type { Store } from '../payments/ports/store.js';
import { diagnosisEventsSql } from './sql/diagnosis-events.js';
import { newPayment } from './test-support/records.js';

const t0 = Date.UTC(2026, 2, 10, 2, 0, 0);
const minute = 60_000;

async function seed(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    for (const id of ['M1', 'M2']) {
      await tx.insertMerchant({
        id,
        name: `Shop ${id}`,
        apiKeyHash: `hash-${id}`,
        duplicatePolicy: id === 'M1' ? 'confirm' : 'off',
        duplicateWindowS: id === 'M1' ? 120 : 0,
        createdAt: t0,
      });
    }
    // Five sales of M1 a minute apart, one before the period, one of M2 inside it.
    for (let i = 0; i < 5; i += 1) {
      await tx.insertPayment(
        newPayment({ id: `S${i}`, createdAt: t0 + i * minute, rrn: `00000000000${i}`, operatorId: '01' }),
      );
    }
    await tx.insertPayment(newPayment({ id: 'OLD', createdAt: t0 - 10 * minute }));
    await tx.insertPayment(newPayment({ id: 'OTHER', merchantId: 'M2', createdAt: t0 + minute }));
    await tx.insertPayment(
      newPayment({
        id: 'V1',
        kind: 'void',
        originalId: 'S1',
        createdAt: t0 + 4 * minute + 1,
        rrn: '000000000009',
      }),
    );
    await tx.enqueueReversal({
      paymentId: 'S2',
      rrn: '000000000002',
      reason: 'timeout',
      nextAttemptAt: t0,
      now: t0,
    });
    await tx.appendJournal({
      chain: chainOf('M1', 'T1'),
      at: t0 + 2 * minute,
      paymentId: 'S2',
      event: 'request.repeated',
      fromStatus: null,
      toStatus: null,
      data: JSON.stringify({ operation: 'sale', sameRequest: true }),
    });
    // Events of other kinds are not the diagnosis's.
    await tx.appendJournal({
      chain: chainOf('M1', 'T1'),
      at: t0 + 2 * minute,
      paymentId: 'S2',
      event: 'upstream.approved',
      fromStatus: 'pending',
      toStatus: 'approved',
      data: '{}',
    });
    await tx.appendJournal({
      chain: chainOf('M2', 'T1'),
      at: t0 + 3 * minute,
      paymentId: 'OTHER',
      event: 'upstream.late_answer',
      fromStatus: 'reversal_pending',
      toStatus: 'reversal_pending',
      data: '{"outcome":"approved"}',
    });
    await tx.insertDuplicate({
      id: 'rec_1',
      merchantId: 'M1',
      terminalId: 'T1',
      paymentId: 'S3',
      duplicateOf: 'S2',
      source: 'reconciliation',
      resolution: 'found_after_the_fact',
      amount: 1000,
      operatorId: null,
      confirmedPaymentId: null,
      kind: 'duplicate_settlement',
      cause: 'third_party',
      rrn: '000000000003',
      relatedRrn: null,
      detail: null,
      detectedAt: t0 + 5 * minute,
      resolvedAt: null,
    });
  });
}

export function describeDiagnosisStoreContract(name: string, openFresh: () => Promise<Store>): void {
  describe(`the ${name} store's diagnosis reads`, () => {
    it("reads a merchant's payments of a period in pages, in time order, with reversal and original", async () => {
      const store = await openFresh();
      await seed(store);
      const scope = { merchantId: 'M1', fromMs: t0, toMs: t0 + 60 * minute };
      const first = await store.read((r) => r.listDiagnosisPayments({ ...scope, limit: 4 }));
      expect(first.map((p) => p.id)).toEqual(['S0', 'S1', 'S2', 'S3']);
      const last = first.at(-1);
      const rest = await store.read((r) =>
        r.listDiagnosisPayments({
          ...scope,
          limit: 4,
          after: { createdAt: last?.createdAt ?? 0, id: last?.id ?? '' },
        }),
      );
      expect(rest.map((p) => p.id)).toEqual(['S4', 'V1']);
      const reversed = first.find((p) => p.id === 'S2');
      expect(reversed).toMatchObject({
        reversalState: 'queued',
        reversalAttempts: 0,
        reversalQueuedAt: t0,
        operatorId: '01',
        method: 'card',
      });
      expect(reversed?.fingerprint).toBe('f'.repeat(64));
      expect(rest.find((p) => p.id === 'V1')).toMatchObject({
        kind: 'void',
        originalId: 'S1',
        originalCreatedAt: t0 + minute,
      });
      await store.close();
    });

    it("reads the period's diagnosis events of the fleet or of one merchant, and no other event", async () => {
      const store = await openFresh();
      await seed(store);
      const period = { fromMs: t0, toMs: t0 + 60 * minute, limit: 10 };
      const fleet = await store.read((r) => r.listDiagnosisEvents(period));
      expect(fleet.map((e) => [e.event, e.paymentId, e.merchantId, e.paymentCreatedAt])).toEqual([
        ['request.repeated', 'S2', 'M1', t0 + 2 * minute],
        ['upstream.late_answer', 'OTHER', 'M2', t0 + minute],
      ]);
      const own = await store.read((r) => r.listDiagnosisEvents({ ...period, merchantId: 'M2' }));
      expect(own.map((e) => e.paymentId)).toEqual(['OTHER']);
      const first = fleet[0];
      const after = await store.read((r) =>
        r.listDiagnosisEvents({
          ...period,
          after: { at: first?.at ?? 0, chain: first?.chain ?? 0, seq: first?.seq ?? 0 },
        }),
      );
      expect(after.map((e) => e.paymentId)).toEqual(['OTHER']);
      await store.close();
    });

    it("reads a merchant's duplicates of a period with their payment's method", async () => {
      const store = await openFresh();
      await seed(store);
      const page = { merchantId: 'M1', fromMs: t0, toMs: t0 + 60 * minute, limit: 10 };
      const found = await store.read((r) => r.listDiagnosisDuplicates(page));
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        id: 'rec_1',
        paymentMethod: 'card',
        paymentWallet: null,
        kind: 'duplicate_settlement',
      });
      expect(await store.read((r) => r.listDiagnosisDuplicates({ ...page, toMs: t0 + 5 * minute }))).toEqual(
        [],
      );
      await store.close();
    });

    it('lists merchants in pages with their duplicate windows', async () => {
      const store = await openFresh();
      await seed(store);
      expect(await store.read((r) => r.listDiagnosisMerchants('', 1))).toEqual([
        { id: 'M1', duplicatePolicy: 'confirm', duplicateWindowS: 120 },
      ]);
      expect((await store.read((r) => r.listDiagnosisMerchants('M1', 10))).map((m) => m.id)).toEqual(['M2']);
      await store.close();
    });

    it("names in SQL exactly the port's diagnosis events", () => {
      expect(diagnosisEventsSql).toBe(`event IN (${diagnosisEvents.map((e) => `'${e}'`).join(', ')})`);
    });

    it('keeps operations keys by hash, lists them, and revokes one once', async () => {
      const store = await openFresh();
      const key = {
        id: 'ops_1',
        label: 'night shift',
        keyHash: 'h'.repeat(64),
        createdAt: t0,
        revokedAt: null,
      };
      expect(await store.transaction((tx) => tx.insertOperationsKey(key))).toBe(true);
      expect(await store.transaction((tx) => tx.insertOperationsKey({ ...key, id: 'ops_2' }))).toBe(false);
      expect(await store.read((r) => r.findOperationsKeyByHash(key.keyHash))).toEqual(key);
      expect(await store.transaction((tx) => tx.revokeOperationsKey('ops_1', t0 + 1))).toBe(true);
      expect(await store.transaction((tx) => tx.revokeOperationsKey('ops_1', t0 + 2))).toBe(false);
      expect(await store.read((r) => r.listOperationsKeys(10))).toEqual([{ ...key, revokedAt: t0 + 1 }]);
      await store.close();
    });
  });
}
