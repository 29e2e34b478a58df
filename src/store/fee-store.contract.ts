// The fees port's contract (issue 17): plan versions append-only, the BIN table replaced whole,
// and a merchant's operations read as the fee core's records, checked on every adapter.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dailyStatement, parseBinTable, binTableEntries, readFeePlanFile } from '../fees/index.js';
import type { FeePlanVersionRecord } from '../payments/ports/fee-store.js';
import type { NewPayment } from '../payments/ports/payment-store.js';
import { newPayment } from './test-support/records.js';
import type { Store } from '../payments/ports/store.js';

const plan = readFeePlanFile(readFileSync('test/fixtures/fees/plan-m1.json', 'utf8'));
/** 2026-03-10 10:00 in Beijing. */
const t0 = Date.UTC(2026, 2, 10, 2, 0, 0);
const hourMs = 3_600_000;

/** An approved sale of M1 on T1 with a debit BIN, at t0 unless told otherwise. */
function payment(overrides: Partial<NewPayment> & { id: string }): NewPayment {
  return newPayment({
    status: 'approved',
    amount: 10000,
    cardMasked: '622588******1234',
    responseCode: '00',
    createdAt: t0,
    ...overrides,
  });
}

async function seedMerchants(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    for (const id of ['M1', 'M2']) {
      await tx.insertMerchant({
        id,
        name: `Shop ${id}`,
        apiKeyHash: `hash-${id}`,
        duplicatePolicy: 'confirm',
        duplicateWindowS: 120,
        createdAt: t0,
      });
    }
  });
}

function versionRecord(version: number): FeePlanVersionRecord {
  const versions = plan.versions.slice(0, version);
  return {
    merchantId: 'M1',
    version,
    effectiveFrom: versions[version - 1]?.effectiveFrom ?? '',
    plan: { ...plan, versions },
    changedBy: `ops:v${version}`,
    changedAt: t0 + version,
  };
}

export function describeFeeStoreContract(name: string, openFresh: () => Promise<Store>): void {
  describe(`the ${name} store's fees`, () => {
    it('appends plan versions, refuses a second version of the same number and keeps every one', async () => {
      const store = await openFresh();
      await seedMerchants(store);
      expect(await store.read((r) => r.getFeePlan('M1'))).toBeUndefined();
      expect(await store.transaction((tx) => tx.appendFeePlanVersion(versionRecord(1)))).toBe(true);
      expect(await store.transaction((tx) => tx.appendFeePlanVersion(versionRecord(2)))).toBe(true);
      const again = { ...versionRecord(2), changedBy: 'ops:late' };
      expect(await store.transaction((tx) => tx.appendFeePlanVersion(again))).toBe(false);
      const current = await store.read((r) => r.getFeePlan('M1'));
      expect(current).toEqual(versionRecord(2));
      const history = await store.read((r) => r.listFeePlanVersions('M1'));
      expect(history.map((v) => [v.version, v.effectiveFrom, v.changedBy, v.plan.versions.length])).toEqual([
        [1, '2026-03-01', 'ops:v1', 1],
        [2, '2026-03-20', 'ops:v2', 2],
      ]);
      expect(await store.read((r) => r.listFeePlanVersions('M2'))).toEqual([]);
      await store.close();
    });

    it('replaces the whole BIN table on each load, in one transaction', async () => {
      const store = await openFresh();
      const table = parseBinTable(readFileSync('test/fixtures/fees/bins.csv', 'utf8'));
      await store.transaction((tx) => tx.replaceBins([{ bin: '999999', cardKind: 'debit' }]));
      await store.transaction((tx) => tx.replaceBins(binTableEntries(table)));
      const stored = await store.read((r) => r.listBins());
      expect(stored.map((e) => `${e.bin}:${e.cardKind}`).sort()).toEqual([
        '4:foreign',
        '621700:debit',
        '622588:credit',
        '6225:debit',
      ]);
      await expect(
        store.transaction(async (tx) => {
          await tx.replaceBins([]);
          throw new Error('load failed half way');
        }),
      ).rejects.toThrow('load failed half way');
      expect(await store.read((r) => r.listBins())).toHaveLength(4);
      await store.close();
    });

    it("reads a merchant's period as fee records: originals, voids, refunds, reversals and duplicates refunded", async () => {
      const store = await openFresh();
      await seedMerchants(store);
      const dayStart = Date.UTC(2026, 2, 9, 16, 0, 0); // 2026-03-10 00:00 in Beijing
      await store.transaction(async (tx) => {
        // Before the period: a sale refunded in it, and a duplicate sale refunded in it.
        await tx.insertPayment(
          payment({ id: 'S0', status: 'partially_refunded', createdAt: dayStart - 5 * hourMs }),
        );
        await tx.insertPayment(payment({ id: 'S7', status: 'refunded', createdAt: dayStart - 4 * hourMs }));
        await tx.insertPayment(payment({ id: 'S1', cardMasked: null }));
        await tx.insertPayment(payment({ id: 'S2', status: 'voided', amount: 5000, createdAt: t0 + 1 }));
        await tx.insertPayment(
          payment({ id: 'V2', kind: 'void', amount: 1, originalId: 'S2', createdAt: t0 + 2 }),
        );
        await tx.insertPayment(payment({ id: 'S3', status: 'reversed', createdAt: t0 + 3 }));
        await tx.insertPayment(
          payment({ id: 'S4', status: 'reversed', responseCode: '98', createdAt: t0 + 4 }),
        );
        await tx.insertPayment(
          payment({ id: 'S5', status: 'declined', responseCode: '51', createdAt: t0 + 5 }),
        );
        await tx.insertPayment(payment({ id: 'S6', merchantId: 'M2', createdAt: t0 + 6 }));
        await tx.insertPayment(
          payment({ id: 'R0', kind: 'refund', amount: 2500, originalId: 'S0', createdAt: t0 + 7 }),
        );
        await tx.insertPayment(
          payment({ id: 'R7', kind: 'refund', amount: 10000, originalId: 'S7', createdAt: t0 + 8 }),
        );
        await tx.insertPayment(payment({ id: 'S8', terminalId: 'T2', createdAt: t0 + 9 }));
        await tx.insertPayment(payment({ id: 'S9', createdAt: dayStart + 24 * hourMs }));
        await tx.insertDuplicate({
          id: 'rec_1',
          merchantId: 'M1',
          terminalId: 'T1',
          paymentId: 'S7',
          duplicateOf: 'S0',
          source: 'reconciliation',
          resolution: 'found_after_the_fact',
          amount: 10000,
          operatorId: null,
          confirmedPaymentId: null,
          kind: 'duplicate_sale_suspect',
          cause: null,
          rrn: null,
          relatedRrn: null,
          detail: null,
          detectedAt: t0,
          resolvedAt: null,
        });
      });
      const query = { merchantId: 'M1', fromMs: dayStart, toMs: dayStart + 24 * hourMs, limit: 100 };
      const records = await store.read((r) => r.listFeeTransactions(query));
      const brief = records.map((t) => [
        t.id,
        t.kind,
        t.amountFen,
        t.originalId ?? '',
        t.bin ?? '',
        t.duplicateRefunded ?? false,
      ]);
      expect(brief).toEqual([
        ['S0', 'sale', 10000, '', '622588', false],
        ['S7', 'sale', 10000, '', '622588', false],
        ['S1', 'sale', 10000, '', '', false],
        ['S2', 'sale', 5000, '', '622588', false],
        ['V2', 'void', 5000, 'S2', '622588', false],
        ['S3', 'sale', 10000, '', '622588', false],
        ['S3:reversal', 'reversal', 10000, 'S3', '622588', false],
        ['R0', 'refund', 2500, 'S0', '622588', false],
        ['R7', 'refund', 10000, 'S7', '622588', true],
        ['S8', 'sale', 10000, '', '622588', false],
      ]);
      const t2 = await store.read((r) => r.listFeeTransactions({ ...query, terminalId: 'T2' }));
      expect(t2.map((t) => t.id)).toEqual(['S8']);
      // What the store gives, the core prices without complaint: the day's statement adds up.
      const statement = dailyStatement({
        plan,
        transactions: records,
        day: '2026-03-10',
        nowMs: t0 + 30 * 24 * hourMs,
      });
      expect(statement.totals.salesCount).toBe(4);
      expect(statement.totals.duplicateRefundsCount).toBe(1);
      expect(statement.totals.voidsCount).toBe(1);
      expect(statement.totals.reversalsCount).toBe(1);
      await expect(store.read((r) => r.listFeeTransactions({ ...query, limit: 5 }))).rejects.toMatchObject({
        code: 'POS_ERR_FEES_TOO_MANY_TRANSACTIONS',
      });
      await store.close();
    });
  });
}
