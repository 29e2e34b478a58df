// The store port's contract: what every adapter must do, checked against a real database. Each
// adapter's test file calls `describeStoreContract` with a function that opens a fresh, empty store.
import { describe, expect, it } from 'vitest';
import { journalRowBreach, genesisHash, type JournalHead } from '../payments/ports/journal-store.js';
import type { NewPayment } from '../payments/ports/payment-store.js';
import type { RequestRecord } from '../payments/ports/idempotency-store.js';
import type { Store } from '../payments/ports/store.js';
import { newPayment, newRequest, storedReversalAnswer } from './test-support/records.js';

const t0 = Date.UTC(2026, 10, 25, 6, 0, 0);

const payment = (overrides: Partial<NewPayment> & { id: string }): NewPayment =>
  newPayment({ createdAt: t0, ...overrides });
const request = (key: string, overrides: Partial<RequestRecord> = {}): RequestRecord =>
  newRequest(key, t0, overrides);
/** A reversal answer naming its payment: every field of both views comes back equal. */
const storedAnswer = storedReversalAnswer(t0);

async function seedMerchant(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.insertMerchant({
      id: 'M1',
      name: 'Shop',
      apiKeyHash: 'hash-1',
      duplicatePolicy: 'confirm',
      duplicateWindowS: 120,
      createdAt: t0,
    });
    await tx.insertTerminal({ merchantId: 'M1', terminalId: 'T1', tmkEncrypted: null, createdAt: t0 });
  });
}

export function describeStoreContract(name: string, openFresh: () => Promise<Store>): void {
  describe(`the ${name} store`, () => {
    it('keeps merchants and terminals, refusing a second insert of the same id', async () => {
      const store = await openFresh();
      await seedMerchant(store);
      const again = await store.transaction((tx) =>
        tx.insertMerchant({
          id: 'M1',
          name: 'x',
          apiKeyHash: 'other',
          duplicatePolicy: 'off',
          duplicateWindowS: 0,
          createdAt: t0,
        }),
      );
      expect(again).toBe(false);
      await store.read(async (r) => {
        expect(await r.findMerchantByApiKeyHash('hash-1')).toMatchObject({
          id: 'M1',
          duplicatePolicy: 'confirm',
          duplicateWindowS: 120,
        });
        expect(await r.getTerminal('M1', 'T1')).toMatchObject({ batchNo: '000001', signedIn: false });
      });
      await store.transaction((tx) =>
        tx.updateTerminal('M1', 'T1', { batchNo: '000002', signedIn: true, keyMode: '003' }),
      );
      expect(await store.read((r) => r.getTerminal('M1', 'T1'))).toMatchObject({
        batchNo: '000002',
        signedIn: true,
        keyMode: '003',
        pendingMacKeyEncrypted: null,
      });
      // Keys a sign-in offered (issue 13): kept apart from the working keys until adopted.
      await store.transaction((tx) =>
        tx.updateTerminal('M1', 'T1', {
          pendingPinKeyEncrypted: 'sealed-pin',
          pendingMacKeyEncrypted: 'sealed-mac',
          pendingKeyMode: '001',
          pendingKeysIssuedAt: 1_700_000_000_000,
        }),
      );
      expect(await store.read((r) => r.getTerminal('M1', 'T1'))).toMatchObject({
        keyMode: '003',
        pendingPinKeyEncrypted: 'sealed-pin',
        pendingMacKeyEncrypted: 'sealed-mac',
        pendingKeyMode: '001',
        pendingKeysIssuedAt: 1_700_000_000_000,
      });
      await store.transaction((tx) =>
        tx.updateTerminal('M1', 'T1', { pendingMacKeyEncrypted: null, pendingKeysIssuedAt: null }),
      );
      expect(await store.read((r) => r.getTerminal('M1', 'T1'))).toMatchObject({
        pendingPinKeyEncrypted: 'sealed-pin',
        pendingMacKeyEncrypted: null,
        pendingKeysIssuedAt: null,
      });
      await store.close();
    });

    it('rolls a transaction back entirely when its callback throws', async () => {
      const store = await openFresh();
      await expect(
        store.transaction(async (tx) => {
          await tx.insertPayment(payment({ id: 'p1' }));
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await store.read((r) => r.getPayment('p1'))).toBeUndefined();
      await store.close();
    });

    it('lets exactly one of two concurrent requests take an idempotency key', async () => {
      const store = await openFresh();
      const results = await Promise.all(
        [1, 2, 3, 4].map((n) =>
          store.transaction((tx) => tx.insertRequest(request('same', { requestHash: `h${n}` }))),
        ),
      );
      const winners = results.filter((r) => r === undefined);
      expect(winners).toHaveLength(1);
      const stored = await store.read((r) => r.getRequest('M1', 'same'));
      for (const loser of results.filter((r) => r !== undefined)) expect(loser).toEqual(stored);
      await store.close();
    });

    it('completes a request and expires only completed records past their time', async () => {
      const store = await openFresh();
      await store.transaction(async (tx) => {
        await tx.insertRequest(request('done'));
        await tx.insertRequest(request('open'));
        await tx.completeRequest('M1', 'done', storedAnswer);
      });
      expect(await store.read((r) => r.getRequest('M1', 'done'))).toMatchObject({
        state: 'completed',
        answer: storedAnswer,
      });
      expect(await store.transaction((tx) => tx.deleteExpiredRequests(t0 + 999, 10))).toBe(0);
      expect(await store.transaction((tx) => tx.deleteExpiredRequests(t0 + 1001, 10))).toBe(1);
      expect(await store.read((r) => r.getRequest('M1', 'done'))).toBeUndefined();
      expect(await store.read((r) => r.getRequest('M1', 'open'))).toBeDefined();
      await store.close();
    });

    it('moves a payment only from the status it is in (compare and set)', async () => {
      const store = await openFresh();
      await store.transaction((tx) => tx.insertPayment(payment({ id: 'p1', rrn: '000000000001' })));
      const moves = await Promise.all([
        store.transaction((tx) =>
          tx.updatePaymentStatus(
            'p1',
            'pending',
            { status: 'approved', authCode: '123456', responseCode: '00' },
            t0 + 5,
          ),
        ),
        store.transaction((tx) =>
          tx.updatePaymentStatus('p1', 'pending', { status: 'reversal_pending' }, t0 + 6),
        ),
      ]);
      expect(moves.filter(Boolean)).toHaveLength(1);
      const p = await store.read((r) => r.getPaymentByRrn('000000000001'));
      expect(p?.status === 'approved' ? p.authCode : p?.status).toBe(
        p?.status === 'approved' ? '123456' : 'reversal_pending',
      );
      await store.close();
    });

    it('refuses a second payment with the same RRN or the same merchant key', async () => {
      const store = await openFresh();
      await store.transaction((tx) => tx.insertPayment(payment({ id: 'p1', rrn: '000000000001' })));
      await expect(
        store.transaction((tx) => tx.insertPayment(payment({ id: 'p2', rrn: '000000000001' }))),
      ).rejects.toThrow();
      await expect(
        store.transaction((tx) => tx.insertPayment(payment({ id: 'p3', idempotencyKey: 'key-p1' }))),
      ).rejects.toThrow();
      expect(await store.read((r) => r.getPayment('p3'))).toBeUndefined();
      await store.close();
    });

    it('hands out unique, increasing 12-digit RRNs under concurrency', async () => {
      const store = await openFresh();
      const rrns = await Promise.all(
        Array.from({ length: 20 }, () => store.transaction((tx) => tx.nextRrn())),
      );
      expect(new Set(rrns).size).toBe(20);
      for (const rrn of rrns) expect(rrn).toMatch(/^\d{12}$/);
      expect([...rrns].sort()).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1).padStart(12, '0')));
      await store.close();
    });

    it('keeps the first value of a host setting, whoever claims it after, also at once', async () => {
      const store = await openFresh();
      const claims = await Promise.all(
        ['a', 'b', 'c'].map((value) => store.transaction((tx) => tx.claimSetting('secret_check', value, t0))),
      );
      expect(new Set(claims).size).toBe(1);
      const first = claims[0] as string;
      expect(await store.transaction((tx) => tx.claimSetting('secret_check', 'z', t0))).toBe(first);
      expect(await store.transaction((tx) => tx.claimSetting('other', 'z', t0))).toBe('z');
      await store.close();
    });

    it('lists payments newest first with filters and a keyset cursor', async () => {
      const store = await openFresh();
      await store.transaction(async (tx) => {
        for (let i = 0; i < 5; i += 1) {
          await tx.insertPayment(
            payment({ id: `p${i}`, createdAt: t0 + i * 1000, terminalId: i % 2 === 0 ? 'T1' : 'T2' }),
          );
        }
      });
      await store.read(async (r) => {
        expect((await r.listPayments({ merchantId: 'M1', limit: 2 })).map((p) => p.id)).toEqual(['p4', 'p3']);
        expect(
          (
            await r.listPayments({ merchantId: 'M1', limit: 10, before: { createdAt: t0 + 3000, id: 'p3' } })
          ).map((p) => p.id),
        ).toEqual(['p2', 'p1', 'p0']);
        expect(
          (await r.listPayments({ merchantId: 'M1', limit: 10, terminalId: 'T2' })).map((p) => p.id),
        ).toEqual(['p3', 'p1']);
        expect(
          (await r.listPayments({ merchantId: 'M1', limit: 10, fromMs: t0 + 1000, toMs: t0 + 3000 })).map(
            (p) => p.id,
          ),
        ).toEqual(['p2', 'p1']);
        expect(await r.listPayments({ merchantId: 'M2', limit: 10 })).toEqual([]);
        expect(await r.listPayments({ merchantId: 'M1', limit: 10, kind: 'refund' })).toEqual([]);
        expect(
          await r.listPayments({ merchantId: 'M1', limit: 10, kind: 'sale', status: 'pending' }),
        ).toHaveLength(5);
        expect((await r.lastPaymentForTerminal('M1', 'T1'))?.id).toBe('p4');
        expect((await r.findPendingCreatedBefore(t0 + 2000, 10)).map((p) => p.id)).toEqual(['p0', 'p1']);
        expect((await r.scanPayments('p2', 10)).map((p) => p.id)).toEqual(['p3', 'p4']);
      });
      await store.close();
    });

    it('finds recent sales of the same card, amount and terminal within a window, by status', async () => {
      const store = await openFresh();
      await store.transaction(async (tx) => {
        await tx.insertPayment(payment({ id: 'old', createdAt: t0 - 1 }));
        await tx.insertPayment(payment({ id: 'edge', createdAt: t0 }));
        await tx.insertPayment(payment({ id: 'new', createdAt: t0 + 10, status: 'approved' }));
        await tx.insertPayment(payment({ id: 'declined', createdAt: t0 + 20, status: 'declined' }));
        await tx.insertPayment(payment({ id: 'other-amount', createdAt: t0 + 30, amount: 1001 }));
        await tx.insertPayment(payment({ id: 'void', kind: 'void', createdAt: t0 + 40 }));
      });
      const found = await store.read((r) =>
        r.findRecentSales({
          merchantId: 'M1',
          terminalId: 'T1',
          cardFingerprint: 'f'.repeat(64),
          amount: 1000,
          sinceMs: t0,
          statuses: ['pending', 'approved'],
        }),
      );
      expect(found.map((p) => p.id)).toEqual(['new', 'edge']);
      await store.close();
    });

    it('lists the voids and refunds of a sale by status', async () => {
      const store = await openFresh();
      await store.transaction(async (tx) => {
        await tx.insertPayment(payment({ id: 's' }));
        await tx.insertPayment(
          payment({ id: 'r1', kind: 'refund', originalId: 's', status: 'approved', amount: 100 }),
        );
        await tx.insertPayment(
          payment({ id: 'r2', kind: 'refund', originalId: 's', status: 'declined', amount: 100 }),
        );
      });
      expect(
        (await store.read((r) => r.listChildren('s', ['approved', 'pending']))).map((p) => p.id),
      ).toEqual(['r1']);
      await store.close();
    });

    it('leases a due reversal to one owner until the lease expires, and lets only the owner finish it', async () => {
      const store = await openFresh();
      expect(
        await store.transaction((tx) =>
          tx.enqueueReversal({ paymentId: 'p1', rrn: '1', reason: 'timeout', nextAttemptAt: t0, now: t0 }),
        ),
      ).toBe(true);
      expect(
        await store.transaction((tx) =>
          tx.enqueueReversal({ paymentId: 'p1', rrn: '1', reason: 'timeout', nextAttemptAt: t0, now: t0 }),
        ),
      ).toBe(false);
      const [a, b] = await Promise.all([
        store.transaction((tx) => tx.claimReversals({ now: t0, owner: 'A', leaseUntil: t0 + 100, limit: 5 })),
        store.transaction((tx) => tx.claimReversals({ now: t0, owner: 'B', leaseUntil: t0 + 100, limit: 5 })),
      ]);
      expect(a.length + b.length).toBe(1);
      const owner = a.length === 1 ? 'A' : 'B';
      const other = owner === 'A' ? 'B' : 'A';
      expect(
        await store.transaction((tx) =>
          tx.claimReversals({ now: t0 + 99, owner: other, leaseUntil: t0 + 200, limit: 5 }),
        ),
      ).toEqual([]);
      const taken = await store.transaction((tx) =>
        tx.claimReversals({ now: t0 + 100, owner: other, leaseUntil: t0 + 200, limit: 5 }),
      );
      expect(taken.map((r) => r.leaseOwner)).toEqual([other]);
      const patch = {
        state: 'done' as const,
        attempts: 1,
        nextAttemptAt: t0,
        lastError: null,
        now: t0 + 101,
      };
      expect(await store.transaction((tx) => tx.updateReversal('p1', owner, patch))).toBe(false);
      expect(await store.transaction((tx) => tx.updateReversal('p1', other, patch))).toBe(true);
      expect(await store.read((r) => r.countReversals('done'))).toBe(1);
      await store.close();
    });

    it('puts a failed reversal back in the queue', async () => {
      const store = await openFresh();
      await store.transaction(async (tx) => {
        await tx.enqueueReversal({
          paymentId: 'p1',
          rrn: '1',
          reason: 'timeout',
          nextAttemptAt: t0,
          now: t0,
        });
        await tx.claimReversals({ now: t0, owner: 'A', leaseUntil: t0 + 100, limit: 1 });
        await tx.updateReversal('p1', 'A', {
          state: 'failed',
          attempts: 16,
          nextAttemptAt: t0,
          lastError: 'down',
          now: t0,
        });
      });
      expect(await store.transaction((tx) => tx.requeueReversal('p1', t0 + 5))).toBe(true);
      expect(await store.read((r) => r.getReversal('p1'))).toMatchObject({
        state: 'queued',
        attempts: 0,
        nextAttemptAt: t0 + 5,
      });
      await store.close();
    });

    it('chains each journal chain, also when many transactions append to them at once', async () => {
      const store = await openFresh();
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          store.transaction((tx) =>
            tx.appendJournal({
              chain: i % 3,
              at: t0 + i,
              paymentId: `p${i}`,
              event: 'test',
              fromStatus: null,
              toStatus: 'pending',
              data: '{}',
            }),
          ),
        ),
      );
      for (const chain of [0, 1, 2]) {
        const rows = await store.read((r) => r.readJournal(chain, 0, 100));
        expect(rows).toHaveLength(10);
        let head: JournalHead = { seq: 0, hash: genesisHash };
        for (const row of rows) {
          expect(row.chain).toBe(chain);
          expect(journalRowBreach(head, row)).toBeUndefined();
          head = row;
        }
      }
      expect(await store.read((r) => r.readJournal(3, 0, 100))).toEqual([]);
      await store.close();
    });

    it('keeps duplicate records and finds the one awaiting confirmation', async () => {
      const store = await openFresh();
      const base = {
        merchantId: 'M1',
        terminalId: 'T1',
        duplicateOf: 'p1',
        amount: 100,
        operatorId: null,
        confirmedPaymentId: null,
        kind: null,
        cause: null,
        rrn: null,
        relatedRrn: null,
        detail: null,
        resolvedAt: null,
      };
      await store.transaction(async (tx) => {
        await tx.insertDuplicate({
          ...base,
          id: 'd1',
          paymentId: 'p2',
          source: 'authorization',
          resolution: 'awaiting_confirmation',
          detectedAt: t0,
        });
        await tx.insertDuplicate({
          ...base,
          id: 'd2',
          paymentId: null,
          source: 'reconciliation',
          resolution: 'found_after_the_fact',
          detectedAt: t0 + 1,
          kind: 'duplicate_settlement',
        });
      });
      const awaiting = await store.transaction((tx) => tx.findAwaitingDuplicate('M1', 'p1'));
      expect(awaiting?.id).toBe('d1');
      await store.transaction((tx) =>
        tx.resolveDuplicate('d1', {
          resolution: 'confirmed',
          operatorId: '07',
          confirmedPaymentId: 'p3',
          resolvedAt: t0 + 2,
        }),
      );
      expect(
        (await store.read((r) => r.listDuplicates({ merchantId: 'M1', limit: 10 }))).map((d) => [
          d.id,
          d.resolution,
        ]),
      ).toEqual([
        ['d2', 'found_after_the_fact'],
        ['d1', 'confirmed'],
      ]);
      expect(
        (
          await store.read((r) => r.listDuplicates({ merchantId: 'M1', source: 'reconciliation', limit: 10 }))
        ).map((d) => d.id),
      ).toEqual(['d2']);
      await store.close();
    });

    it('totals a terminal batch by kind and status, leaving other batches and terminals out', async () => {
      const store = await openFresh();
      const iso = { channel: 'iso' as const, batchNo: '000007' };
      await store.transaction(async (tx) => {
        await tx.insertPayment(payment({ id: 's1', ...iso, status: 'approved', amount: 1000 }));
        await tx.insertPayment(payment({ id: 's2', ...iso, status: 'partially_refunded', amount: 500 }));
        await tx.insertPayment(payment({ id: 's3', ...iso, status: 'voided', amount: 700 }));
        await tx.insertPayment(payment({ id: 's4', ...iso, batchNo: '000008', status: 'approved' }));
        await tx.insertPayment(payment({ id: 's5', ...iso, terminalId: 'T2', status: 'approved' }));
        await tx.insertPayment(payment({ id: 's6', status: 'approved' }));
        await tx.insertPayment(
          payment({ id: 'r1', ...iso, kind: 'refund', originalId: 's2', status: 'approved', amount: 200 }),
        );
        await tx.insertPayment(
          payment({ id: 'r2', ...iso, kind: 'refund', originalId: 's2', status: 'declined', amount: 50 }),
        );
        await tx.insertPayment(
          payment({ id: 'v1', ...iso, kind: 'void', originalId: 's3', status: 'approved' }),
        );
      });
      const query = {
        merchantId: 'M1',
        terminalId: 'T1',
        batchNo: '000007',
        saleStatuses: ['approved', 'partially_refunded', 'refunded'] as const,
        refundStatuses: ['approved'] as const,
      };
      expect(await store.read((r) => r.batchTotals(query))).toEqual({
        debitTotal: 1500,
        debitCount: 2,
        creditTotal: 200,
        creditCount: 1,
      });
      expect(await store.read((r) => r.batchTotals({ ...query, batchNo: '000009' }))).toEqual({
        debitTotal: 0,
        debitCount: 0,
        creditTotal: 0,
        creditCount: 0,
      });
      expect(await store.read((r) => r.batchTotals({ ...query, saleStatuses: [] }))).toMatchObject({
        debitCount: 0,
        creditCount: 1,
      });
      await store.close();
    });

    it('holds each uploaded batch record once and totals the uploads of a batch', async () => {
      const store = await openFresh();
      const batch = { merchantId: 'M1', terminalId: 'T1', batchNo: '000003' };
      const record = {
        ...batch,
        stan: '000011',
        kind: 'sale' as const,
        messageTypeCode: '22',
        amount: 1280,
        currency: 'CNY' as const,
        rrn: '000000000001',
        authCode: '123456',
        receivedAt: t0,
      };
      expect(await store.transaction((tx) => tx.insertBatchUpload(record))).toBe(true);
      expect(await store.transaction((tx) => tx.insertBatchUpload({ ...record, amount: 1 }))).toBe(false);
      await store.transaction(async (tx) => {
        await tx.insertBatchUpload({
          ...record,
          stan: '000012',
          kind: 'refund',
          messageTypeCode: '25',
          amount: 300,
        });
        await tx.insertBatchUpload({ ...record, stan: '000013', amount: 20 });
        await tx.insertBatchUpload({ ...record, batchNo: '000004', stan: '000014' });
      });
      expect(await store.read((r) => r.batchUploadTotals(batch))).toEqual({
        records: 3,
        debitTotal: 1300,
        debitCount: 2,
        creditTotal: 300,
        creditCount: 1,
      });
      expect(await store.read((r) => r.batchUploadTotals({ ...batch, batchNo: '999999' }))).toEqual({
        records: 0,
        debitTotal: 0,
        debitCount: 0,
        creditTotal: 0,
        creditCount: 0,
      });
      await store.close();
    });

    it('creates and then replaces the settlement record of a batch', async () => {
      const store = await openFresh();
      const batch = { merchantId: 'M1', terminalId: 'T1', batchNo: '000003' };
      const hostTotals = { debitTotal: 1280, debitCount: 1, creditTotal: 0, creditCount: 0 };
      expect(await store.read((r) => r.getBatchSettlement(batch))).toBeUndefined();
      await store.transaction((tx) =>
        tx.putBatchSettlement({
          ...batch,
          state: 'unbalanced',
          terminalTotals: '0'.repeat(62),
          hostTotals,
          uploadedCount: null,
          createdAt: t0,
          updatedAt: t0,
        }),
      );
      await store.transaction((tx) =>
        tx.putBatchSettlement({
          ...batch,
          state: 'uploaded',
          terminalTotals: '1'.repeat(62),
          hostTotals: { ...hostTotals, creditCount: 2 },
          uploadedCount: 4,
          createdAt: t0 + 9,
          updatedAt: t0 + 10,
        }),
      );
      expect(await store.read((r) => r.getBatchSettlement(batch))).toEqual({
        ...batch,
        state: 'uploaded',
        terminalTotals: '1'.repeat(62),
        hostTotals: { ...hostTotals, creditCount: 2 },
        uploadedCount: 4,
        createdAt: t0,
        updatedAt: t0 + 10,
      });
      await store.close();
    });

    it('scans idempotency records in key order', async () => {
      const store = await openFresh();
      await store.transaction(async (tx) => {
        for (const key of ['c', 'a', 'b']) await tx.insertRequest(request(key));
      });
      const page = await store.read((r) => r.scanRequests({ merchantId: 'M1', idempotencyKey: 'a' }, 10));
      expect(page.map((r) => r.idempotencyKey)).toEqual(['b', 'c']);
      await store.close();
    });
  });
}
