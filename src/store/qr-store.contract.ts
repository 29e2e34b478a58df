// The payments port's contract for QR sales (issue 20): what every adapter keeps of one (wallet,
// masked and fingerprinted code, order and trade numbers, payer; for a code the terminal shows,
// its content and expiry), the queries the QR guards, recovery and the expiry sweep run, checked
// against a real database. Each adapter's test file calls
// `describeQrStoreContract` with a function that opens a fresh, empty store.
import { describe, expect, it } from 'vitest';
import type { NewPayment } from '../payments/ports/payment-store.js';
import type { Store } from '../payments/ports/store.js';
import type { QrDetails } from '../payments/payment.js';
import { newPayment } from './test-support/records.js';

const t0 = Date.UTC(2026, 10, 25, 6, 0, 0);

const qrDetails = (orderNo: string, overrides: Partial<QrDetails> = {}): QrDetails => ({
  wallet: 'wechat',
  flow: 'scanned',
  codeMasked: '**************6789',
  codeFingerprint: 'c'.repeat(64),
  orderNo,
  tradeNo: null,
  payerFingerprint: null,
  qrContent: null,
  expiresAt: null,
  ...overrides,
});

/** A QR sale of M1 on T1, pending, with no card fields. */
const qrSale = (overrides: Partial<NewPayment> & { id: string }): NewPayment =>
  newPayment({
    createdAt: t0,
    cardMasked: null,
    cardFingerprint: null,
    entryMode: null,
    qr: qrDetails(`PG${overrides.id}`),
    ...overrides,
  });

export function describeQrStoreContract(name: string, openFresh: () => Promise<Store>): void {
  describe(`the ${name} store with QR sales`, () => {
    it('keeps what a QR sale is known by, and reads a card payment as a card payment', async () => {
      const store = await openFresh();
      await store.transaction(async (tx) => {
        await tx.insertPayment(qrSale({ id: 'q1', rrn: '000000000001' }));
        await tx.insertPayment(newPayment({ id: 'c1', createdAt: t0, rrn: '000000000002' }));
      });
      const [qr, card] = await store.read((r) => Promise.all([r.getPayment('q1'), r.getPayment('c1')]));
      expect(qr).toMatchObject({ cardMasked: null, entryMode: null, qr: qrDetails('PGq1') });
      expect(card?.qr).toBeNull();
      expect(card?.cardMasked).toBe('621234******1232');
      await store.close();
    });

    it('refuses a second sale under the same order number, keeping the first', async () => {
      const store = await openFresh();
      await store.transaction((tx) => tx.insertPayment(qrSale({ id: 'q1' })));
      await expect(
        store.transaction((tx) => tx.insertPayment(qrSale({ id: 'q2', qr: qrDetails('PGq1') }))),
      ).rejects.toThrow();
      expect(await store.read((r) => r.getPayment('q2'))).toBeUndefined();
      await store.close();
    });

    it("keeps a void or refund of a QR sale under its sale's order number, found by none of the sale's queries", async () => {
      const store = await openFresh();
      const sale = qrSale({ id: 'q1', status: 'approved', qr: qrDetails('PGq1', { tradeNo: '4200001' }) });
      const childQr = qrDetails('PGq1', { tradeNo: '4200001', codeFingerprint: null });
      await store.transaction(async (tx) => {
        await tx.insertPayment(sale);
        await tx.insertPayment(
          qrSale({ id: 'r1', kind: 'refund', originalId: 'q1', amount: 300, createdAt: t0 + 5, qr: childQr }),
        );
        await tx.insertPayment(
          qrSale({ id: 'r2', kind: 'refund', originalId: 'q1', amount: 200, createdAt: t0 + 6, qr: childQr }),
        );
      });
      expect(await store.read((r) => r.getPayment('r1'))).toMatchObject({
        kind: 'refund',
        status: 'pending',
        qr: { orderNo: 'PGq1', tradeNo: '4200001', codeFingerprint: null, codeMasked: '**************6789' },
      });
      expect((await store.read((r) => r.getPaymentByOrderNo('PGq1')))?.id).toBe('q1');
      // A pending refund is no unresolved QR sale of its terminal, and no orphan for recovery.
      expect(await store.read((r) => r.findPendingQrSale('M1', 'T1'))).toBeUndefined();
      const orphans = await store.read((r) =>
        r.findOrphanedPending({
          cardCreatedBefore: t0 + 3_600_000,
          qrCreatedBefore: t0 + 3_600_000,
          limit: 10,
        }),
      );
      expect(orphans).toEqual([]);
      // A second sale under the order number is still refused.
      await expect(
        store.transaction((tx) => tx.insertPayment(qrSale({ id: 'q2', qr: qrDetails('PGq1') }))),
      ).rejects.toThrow();
      await store.close();
    });

    it("records the wallet's trade number, the payer and the duplicate decision with a status move", async () => {
      const store = await openFresh();
      await store.transaction((tx) => tx.insertPayment(qrSale({ id: 'q1' })));
      const moved = await store.transaction((tx) =>
        tx.updatePaymentStatus(
          'q1',
          'pending',
          {
            status: 'approved',
            responseCode: '00',
            walletPaid: { tradeNo: '4200001', payerFingerprint: 'p'.repeat(64) },
            duplicate: { duplicateOf: 'q0', duplicateConfirmed: true, flaggedForReview: true },
          },
          t0 + 9,
        ),
      );
      expect(moved).toBe(true);
      expect(await store.read((r) => r.getPayment('q1'))).toMatchObject({
        status: 'approved',
        duplicateOf: 'q0',
        duplicateConfirmed: true,
        flaggedForReview: true,
        updatedAt: t0 + 9,
        qr: { orderNo: 'PGq1', tradeNo: '4200001', payerFingerprint: 'p'.repeat(64) },
      });
      await store.close();
    });

    it("finds a terminal's QR sale still pending, and nothing else", async () => {
      const store = await openFresh();
      await store.transaction(async (tx) => {
        await tx.insertPayment(newPayment({ id: 'c1', createdAt: t0 })); // a card sale, pending
        await tx.insertPayment(qrSale({ id: 'q1', status: 'approved' }));
        await tx.insertPayment(qrSale({ id: 'q2', terminalId: 'T2' }));
        await tx.insertPayment(qrSale({ id: 'q3', merchantId: 'M2' }));
      });
      expect(await store.read((r) => r.findPendingQrSale('M1', 'T1'))).toBeUndefined();
      await store.transaction((tx) => tx.insertPayment(qrSale({ id: 'q4', createdAt: t0 + 5 })));
      expect((await store.read((r) => r.findPendingQrSale('M1', 'T1')))?.id).toBe('q4');
      expect((await store.read((r) => r.findPendingQrSale('M1', 'T2')))?.id).toBe('q2');
      await store.close();
    });

    it('finds earlier sales of the same payer, amount and terminal within a window, by status', async () => {
      const store = await openFresh();
      const payer = (fp: string) => ({ payerFingerprint: fp, tradeNo: 't' });
      await store.transaction(async (tx) => {
        await tx.insertPayment(qrSale({ id: 'q1', status: 'approved', qr: qrDetails('o1', payer('A')) }));
        await tx.insertPayment(
          qrSale({ id: 'q2', status: 'approved', createdAt: t0 + 10, qr: qrDetails('o2', payer('A')) }),
        );
        await tx.insertPayment(qrSale({ id: 'q3', status: 'approved', qr: qrDetails('o3', payer('B')) }));
        await tx.insertPayment(
          qrSale({ id: 'q4', status: 'approved', amount: 5, qr: qrDetails('o4', payer('A')) }),
        );
        await tx.insertPayment(
          qrSale({ id: 'q5', status: 'approved', terminalId: 'T2', qr: qrDetails('o5', payer('A')) }),
        );
        await tx.insertPayment(qrSale({ id: 'q6', status: 'declined', qr: qrDetails('o6', payer('A')) }));
      });
      const query = {
        merchantId: 'M1',
        terminalId: 'T1',
        payerFingerprint: 'A',
        amount: 1000,
        sinceMs: t0,
        statuses: ['approved' as const],
      };
      expect((await store.read((r) => r.findRecentPayerSales(query))).map((p) => p.id)).toEqual(['q2', 'q1']);
      expect(
        (await store.read((r) => r.findRecentPayerSales({ ...query, sinceMs: t0 + 1 }))).map((p) => p.id),
      ).toEqual(['q2']);
      await store.close();
    });

    it('hands a QR sale to fee pricing on the QR channel, with no card BIN', async () => {
      const store = await openFresh();
      await store.transaction(async (tx) => {
        await tx.insertPayment(qrSale({ id: 'q1', status: 'approved', responseCode: '00' }));
        await tx.insertPayment(
          newPayment({ id: 'c1', createdAt: t0, status: 'approved', responseCode: '00' }),
        );
      });
      const priced = await store.read((r) =>
        r.listFeeTransactions({ merchantId: 'M1', fromMs: t0, toMs: t0 + 1, limit: 10 }),
      );
      expect(priced.map((t) => [t.id, t.channel, t.bin])).toEqual([
        ['c1', 'card', '621234'],
        ['q1', 'qr', undefined],
      ]);
      await store.close();
    });

    it('finds pending payments past their horizon: a card after its cutoff, a QR sale after its own', async () => {
      const store = await openFresh();
      await store.transaction(async (tx) => {
        await tx.insertPayment(newPayment({ id: 'c1', createdAt: t0 }));
        await tx.insertPayment(newPayment({ id: 'c2', createdAt: t0 + 20_000 }));
        await tx.insertPayment(qrSale({ id: 'q1', createdAt: t0 + 1 }));
        await tx.insertPayment(qrSale({ id: 'q2', createdAt: t0 + 5_000 }));
        await tx.insertPayment(qrSale({ id: 'q3', createdAt: t0 + 2, status: 'approved' }));
      });
      const find = (cardCreatedBefore: number, qrCreatedBefore: number, limit = 10) =>
        store.read((r) => r.findOrphanedPending({ cardCreatedBefore, qrCreatedBefore, limit }));
      // Cards past t0 + 30 s, QR sales only past t0 + 2 s: the younger QR sale is still polled.
      expect((await find(t0 + 30_000, t0 + 2)).map((p) => p.id)).toEqual(['c1', 'q1', 'c2']);
      expect((await find(t0 + 1, t0 + 10_000)).map((p) => p.id)).toEqual(['c1', 'q1', 'q2']);
      expect((await find(t0 + 30_000, t0 + 30_000, 2)).map((p) => p.id)).toEqual(['c1', 'q1']);
      expect(await find(t0, t0 + 1)).toEqual([]);
      await store.close();
    });

    /** A code the terminal shows (a QR order), pending, expiring at `expiresAt`. */
    const shownOrder = (id: string, expiresAt: number, overrides: Partial<NewPayment> = {}) =>
      qrSale({
        id,
        qr: qrDetails(`PG${id}`, { flow: 'shown', codeMasked: null, codeFingerprint: null, expiresAt }),
        ...overrides,
      });

    it('keeps a shown code: its flow, content (set while pending) and expiry, found by its order number', async () => {
      const store = await openFresh();
      await store.transaction((tx) => tx.insertPayment(shownOrder('s1', t0 + 120_000)));
      expect(await store.transaction((tx) => tx.setShownCode('s1', 'https://qr.alipay.com/a', t0 + 1))).toBe(
        true,
      );
      expect(await store.read((r) => r.getPaymentByOrderNo('PGs1'))).toMatchObject({
        id: 's1',
        updatedAt: t0 + 1,
        qr: {
          flow: 'shown',
          codeMasked: null,
          qrContent: 'https://qr.alipay.com/a',
          expiresAt: t0 + 120_000,
        },
      });
      expect(await store.read((r) => r.getPaymentByOrderNo('PGnone'))).toBeUndefined();
      await store.transaction((tx) =>
        tx.updatePaymentStatus('s1', 'pending', { status: 'approved' }, t0 + 2),
      );
      expect(await store.transaction((tx) => tx.setShownCode('s1', 'https://qr.alipay.com/b', t0 + 3))).toBe(
        false,
      );
      expect((await store.read((r) => r.getPayment('s1')))?.qr?.qrContent).toBe('https://qr.alipay.com/a');
      await store.close();
    });

    it('finds open shown codes past their expiry, soonest first, and never as orphans', async () => {
      const store = await openFresh();
      await store.transaction(async (tx) => {
        await tx.insertPayment(shownOrder('s1', t0 + 200));
        await tx.insertPayment(shownOrder('s2', t0 + 100));
        await tx.insertPayment(shownOrder('s3', t0 + 50, { status: 'approved' }));
        await tx.insertPayment(shownOrder('s4', t0 + 900));
        await tx.insertPayment(qrSale({ id: 'q1' }));
      });
      const expired = (now: number, limit = 10) =>
        store.read((r) => r.findExpiredShownOrders(now, limit)).then((found) => found.map((p) => p.id));
      expect(await expired(t0 + 200)).toEqual(['s2', 's1']);
      expect(await expired(t0 + 200, 1)).toEqual(['s2']);
      expect(await expired(t0 + 99)).toEqual([]);
      const orphans = await store.read((r) =>
        r.findOrphanedPending({ cardCreatedBefore: t0 + 10_000, qrCreatedBefore: t0 + 10_000, limit: 10 }),
      );
      expect(orphans.map((p) => p.id)).toEqual(['q1']);
      await store.close();
    });

    it("keeps a wallet's trade for a QR sale without moving it, only when none is kept", async () => {
      const store = await openFresh();
      await store.transaction((tx) =>
        tx.insertPayment(shownOrder('s1', t0 + 100, { status: 'reversal_pending' })),
      );
      const note = (tradeNo: string) =>
        store.transaction((tx) =>
          tx.noteWalletTrade('s1', { tradeNo, payerFingerprint: 'f'.repeat(64) }, t0 + 5),
        );
      expect(await note('T1')).toBe(true);
      expect(await note('T2')).toBe(false);
      expect(await store.read((r) => r.getPayment('s1'))).toMatchObject({
        status: 'reversal_pending',
        qr: { tradeNo: 'T1', payerFingerprint: 'f'.repeat(64) },
      });
      await store.close();
    });

    it('brings a queued reversal due later forward, and leaves one due sooner alone', async () => {
      const store = await openFresh();
      await store.transaction(async (tx) => {
        await tx.insertPayment(shownOrder('s1', t0 + 100, { status: 'reversal_pending' }));
        await tx.enqueueReversal({
          paymentId: 's1',
          rrn: '',
          reason: 'timeout',
          nextAttemptAt: t0 + 60_000,
          now: t0,
        });
      });
      expect(await store.transaction((tx) => tx.hastenReversal('s1', t0 + 10, t0 + 10))).toBe(true);
      expect(await store.read((r) => r.nextReversalDueAt())).toBe(t0 + 10);
      expect(await store.transaction((tx) => tx.hastenReversal('s1', t0 + 20, t0 + 20))).toBe(false);
      expect(await store.read((r) => r.nextReversalDueAt())).toBe(t0 + 10);
      await store.close();
    });
  });
}
