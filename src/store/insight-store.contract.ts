// The insight port's contract (issue 15), checked on every adapter: the day's payments counted by
// hour, kind and status with their amounts; duplicates counted by source and resolution; open
// statuses counted; a payment's journal rows and the duplicate records naming it; a merchant's
// terminals; and the payment list's amount and card-last-four filters. Always one merchant's only.
import { describe, expect, it } from 'vitest';
import { chainOf } from '../payments/ports/journal-store.js';
import type { NewPayment } from '../payments/ports/payment-store.js';
import type { Store } from '../payments/ports/store.js';
import type { PaymentStatus } from '../payments/payment.js';

const t0 = Date.UTC(2026, 10, 24, 16, 0, 0); // 2026-11-25 00:00 in China
const hourMs = 3_600_000;

function payment(
  id: string,
  merchantId: string,
  at: number,
  overrides: Partial<NewPayment> = {},
): NewPayment {
  return {
    id,
    kind: 'sale',
    merchantId,
    terminalId: 'T1',
    idempotencyKey: `key-${id}`,
    status: 'approved',
    amount: 1000,
    currency: 'CNY',
    cardMasked: '621234******1232',
    cardFingerprint: 'fp',
    entryMode: 'chip',
    operatorId: '01',
    reference: null,
    rrn: null,
    responseCode: '00',
    originalId: null,
    duplicateOf: null,
    duplicateConfirmed: false,
    flaggedForReview: false,
    channel: 'http',
    stan: null,
    batchNo: null,
    qr: null,
    createdAt: at,
    ...overrides,
  };
}

async function seed(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    for (const id of ['M1', 'M2']) {
      await tx.insertMerchant({
        id,
        name: id,
        apiKeyHash: `h-${id}`,
        duplicatePolicy: 'confirm',
        duplicateWindowS: 120,
        createdAt: t0,
      });
      await tx.insertTerminal({ merchantId: id, terminalId: 'T1', tmkEncrypted: null, createdAt: t0 });
    }
    await tx.insertTerminal({ merchantId: 'M1', terminalId: 'T0', tmkEncrypted: null, createdAt: t0 });
    const rows: Array<[string, string, number, PaymentStatus, number, string]> = [
      ['p1', 'M1', t0 + 9 * hourMs, 'approved', 1000, '621234******1232'],
      ['p2', 'M1', t0 + 9 * hourMs + 60_000, 'approved', 2500, '621234******9876'],
      ['p3', 'M1', t0 + 10 * hourMs, 'declined', 700, '621234******1232'],
      ['p4', 'M1', t0 + 10 * hourMs + 1, 'reversal_failed', 300, '621234******1232'],
      ['p5', 'M1', t0 - 1, 'approved', 9999, '621234******1232'],
      ['q1', 'M2', t0 + 9 * hourMs, 'approved', 4000, '621234******1232'],
    ];
    for (const [id, merchantId, at, status, amount, cardMasked] of rows) {
      await tx.insertPayment(payment(id, merchantId, at, { status, amount, cardMasked }));
    }
    for (const [paymentId, toStatus, at] of [
      ['p1', 'pending', t0 + 9 * hourMs],
      ['p1', 'approved', t0 + 9 * hourMs + 5],
      ['q1', 'pending', t0],
    ] as const) {
      await tx.appendJournal({
        chain: chainOf('M1', 'T1'),
        at,
        paymentId,
        event: 'payment.status',
        fromStatus: null,
        toStatus,
        data: '{}',
      });
    }
    await tx.insertDuplicate({
      id: 'd1',
      merchantId: 'M1',
      terminalId: 'T1',
      paymentId: 'p2',
      duplicateOf: 'p1',
      source: 'authorization',
      resolution: 'awaiting_confirmation',
      amount: 1000,
      operatorId: '01',
      confirmedPaymentId: null,
      kind: null,
      cause: null,
      rrn: null,
      relatedRrn: null,
      detail: null,
      detectedAt: t0 + 9 * hourMs,
      resolvedAt: null,
    });
  });
}

export function describeInsightStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`the insight reads on ${name}`, () => {
    it("counts one merchant's day by hour, kind and status, with amounts, and its duplicates by resolution", async () => {
      const store = await open();
      await seed(store);
      const query = { merchantId: 'M1', fromMs: t0, toMs: t0 + 24 * hourMs };
      const tallies = await store.read((r) => r.tallyPayments(query));
      const sorted = [...tallies].sort((a, b) => a.hour - b.hour || a.status.localeCompare(b.status));
      expect(sorted).toEqual([
        { hour: 9, kind: 'sale', status: 'approved', count: 2, amount: 3500 },
        { hour: 10, kind: 'sale', status: 'declined', count: 1, amount: 700 },
        { hour: 10, kind: 'sale', status: 'reversal_failed', count: 1, amount: 300 },
      ]);
      expect(await store.read((r) => r.tallyDuplicates(query))).toEqual([
        { source: 'authorization', resolution: 'awaiting_confirmation', count: 1 },
      ]);
      expect(
        await store.read((r) => r.countPaymentsInStatuses('M1', ['reversal_failed', 'reversal_pending'])),
      ).toEqual([{ status: 'reversal_failed', count: 1 }]);
      await store.close();
    });

    it("reads a payment's journal, the duplicates naming it and the merchant's terminals", async () => {
      const store = await open();
      await seed(store);
      const journal = await store.read((r) => r.readPaymentJournal(['p1'], 10));
      expect(journal.map((j) => j.toStatus)).toEqual(['pending', 'approved']);
      const duplicates = await store.read((r) => r.listDuplicatesOfPayments('M1', ['p1']));
      expect(duplicates.map((d) => d.id)).toEqual(['d1']);
      expect(await store.read((r) => r.listDuplicatesOfPayments('M2', ['p1']))).toEqual([]);
      const terminals = await store.read((r) => r.listTerminals('M1', 10));
      expect(terminals.map((t) => t.terminalId)).toEqual(['T0', 'T1']);
      await store.close();
    });

    it("keeps a merchant's dashboard users once per name, and only for that merchant", async () => {
      const store = await open();
      await seed(store);
      const user = {
        merchantId: 'M1',
        username: 'owner',
        passwordHash: 'scrypt$x',
        createdAt: t0,
        idempotencyKey: 'k1',
        disabledAt: null,
      };
      expect(await store.transaction((tx) => tx.insertDashboardUser(user))).toBe(true);
      expect(
        await store.transaction((tx) =>
          tx.insertDashboardUser({ ...user, passwordHash: 'other', idempotencyKey: 'k2' }),
        ),
      ).toBe(false);
      expect(await store.read((r) => r.getDashboardUser('M1', 'owner'))).toEqual(user);
      expect(await store.read((r) => r.getDashboardUser('M2', 'owner'))).toBeUndefined();
      expect(await store.read((r) => r.findDashboardUserByKey('M1', 'k1'))).toEqual(user);
      expect(await store.read((r) => r.findDashboardUserByKey('M2', 'k1'))).toBeUndefined();
      const clerk = { ...user, username: 'clerk', idempotencyKey: null };
      expect(await store.transaction((tx) => tx.insertDashboardUser(clerk))).toBe(true);
      expect((await store.read((r) => r.listDashboardUsers('M1', 10))).map((u) => u.username)).toEqual([
        'clerk',
        'owner',
      ]);
      expect(await store.read((r) => r.listDashboardUsers('M2', 10))).toEqual([]);
      expect(await store.transaction((tx) => tx.disableDashboardUser('M1', 'clerk', t0 + 5))).toBe(true);
      expect(await store.transaction((tx) => tx.disableDashboardUser('M1', 'clerk', t0 + 9))).toBe(false);
      expect(await store.transaction((tx) => tx.disableDashboardUser('M2', 'owner', t0 + 9))).toBe(false);
      expect((await store.read((r) => r.getDashboardUser('M1', 'clerk')))?.disabledAt).toBe(t0 + 5);
      await store.close();
    });

    it('filters the payment list by amount bounds and the card last four', async () => {
      const store = await open();
      await seed(store);
      const ids = async (filters: { amountMin?: number; amountMax?: number; cardLast4?: string }) =>
        (await store.read((r) => r.listPayments({ merchantId: 'M1', limit: 10, ...filters })))
          .map((p) => p.id)
          .sort();
      expect(await ids({ amountMin: 1000, amountMax: 2500 })).toEqual(['p1', 'p2']);
      expect(await ids({ cardLast4: '9876' })).toEqual(['p2']);
      expect(await ids({ cardLast4: '1232', amountMax: 700 })).toEqual(['p3', 'p4']);
      await store.close();
    });
  });
}
