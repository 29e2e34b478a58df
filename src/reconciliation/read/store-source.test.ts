// QR sales as the store's host journal gives them to reconciliation: the wallet facts the engine
// recorded (order number, trade number, payer fingerprint) reach the rows, and a wallet's bill of
// the same sales finds them.
import { describe, expect, it } from 'vitest';
import { readPaymentCode } from '../../payments/payment-code.js';
import { orderNoFor } from '../../payments/qr-order.js';
import {
  fingerprintKey,
  makeHarness,
  merchantId,
  terminalId,
  viewOf,
} from '../../payments/test-support/engine-harness.js';
import { ScriptedWallet } from '../../payments/test-support/scripted-wallet.js';
import type { HostRow, SettlementRow } from '../tables/rows.js';
import { briefly, exceptionsOf } from '../test-support/rows.js';
import { hostRowsFromStore } from './store-source.js';

async function dayOfQrSales() {
  let wallet: ScriptedWallet | undefined;
  const h = await makeHarness({
    settings: { reversalBaseDelayMs: 1000 },
    wallets: (clock) => ({ wechat: (wallet = new ScriptedWallet({ clock })) }),
  });
  const sell = async (key: string, code: string) =>
    viewOf(
      await h.drive(
        h.engine.authorizeQrSale({
          merchantId,
          terminalId,
          idempotencyKey: key,
          amount: 1280,
          currency: 'CNY',
          code: readPaymentCode({ code, fingerprintKey }),
          operatorId: '01',
          confirmDuplicate: false,
          reference: null,
          channel: 'http',
          stan: null,
          batchNo: null,
        }),
      ),
    );
  const first = await sell('qr-1', '130000000000000001');
  // The naive rescan: a fresh code from the same payer; the guard holds it and cancels the charge.
  const held = await sell('qr-2', '130000000000000002');
  for (let round = 0; round < 20; round += 1) {
    await h.drive(h.engine.drainReversals());
    const due = await h.store.read((r) => r.nextReversalDueAt());
    if (due === null) break;
    await h.clock.advanceTo(due);
  }
  const rows: HostRow[] = [];
  for await (const row of hostRowsFromStore(h.store)) rows.push(row);
  // The store gives payments by id; the sales in the order they were made read better.
  rows.sort((a, b) => a.rrn.localeCompare(b.rrn));
  return { first, held, rows, ledger: wallet!.ledger() };
}

describe('QR sales in the host journal from the store', () => {
  it('carry their wallet, order and trade numbers and payer; a held duplicate is exported reversed', async () => {
    const { first, held, rows, ledger } = await dayOfQrSales();
    expect(held.status).toBe('duplicate_suspected');
    // The wallet charged both and refunded the held one: what its bill will show.
    expect(ledger).toMatchObject({ charges: 2, refunds: 1, netCharges: 1 });
    expect(rows.map((r) => [r.rrn, r.status])).toEqual([
      [first.rrn, 'approved'],
      [held.rrn, 'reversed'],
    ]);
    const [sale, rescan] = rows as [HostRow, HostRow];
    expect(sale.qr).toMatchObject({ wallet: 'wechat', orderNo: orderNoFor(merchantId, 'qr-1') });
    expect(sale.qr!.tradeNo).not.toBe('');
    expect(sale.qr!.payerFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(rescan.qr!.payerFingerprint).toBe(sale.qr!.payerFingerprint);
    expect(sale.cardFingerprint).toBe('');
  });

  it("are found by the wallet's bill of the same day: in order when the held charge was refunded", async () => {
    const { rows } = await dayOfQrSales();
    const line = (row: HostRow, txnType: 'sale' | 'refund'): SettlementRow => ({
      settlementDate: '',
      merchantId: '1900000109',
      terminalId: row.terminalId,
      batchNo: '',
      stan: '',
      rrn: '',
      authCode: '',
      txnTimeMs: row.txnTimeMs,
      txnType,
      amountMinor: row.amountMinor,
      feeMinor: null,
      currency: 'CNY',
      cardMasked: '',
      qr: { orderNo: row.qr!.orderNo, tradeNo: row.qr!.tradeNo },
    });
    const [sale, rescan] = rows as [HostRow, HostRow];
    const refunded = [line(sale, 'sale'), line(rescan, 'sale'), line(rescan, 'refund')];
    expect(briefly(await exceptionsOf({ wallet: 'wechat', host: rows, settlement: refunded }))).toEqual([]);
    // Had the cancel not refunded the rescan, the customer would still be charged twice.
    const notRefunded = await exceptionsOf({
      wallet: 'wechat',
      host: rows,
      settlement: refunded.slice(0, 2),
    });
    expect(briefly(notRefunded)).toEqual([`reversed_but_settled network refund ${rescan.rrn}`]);
  });
});

describe("the host's own refunds of QR sales in the host journal from the store", () => {
  it("carry their sale's wallet, order and trade numbers, so the wallet bill's refund line finds them", async () => {
    const h = await makeHarness({ wallets: (clock) => ({ wechat: new ScriptedWallet({ clock }) }) });
    const sold = viewOf(
      await h.drive(
        h.engine.authorizeQrSale({
          merchantId,
          terminalId,
          idempotencyKey: 'qr-1',
          amount: 1280,
          currency: 'CNY',
          code: readPaymentCode({ code: '130000000000000001', fingerprintKey }),
          operatorId: '01',
          confirmDuplicate: false,
          reference: null,
          channel: 'http',
          stan: null,
          batchNo: null,
        }),
      ),
    );
    const refund = viewOf(
      await h.drive(
        h.engine.refundSale({
          merchantId,
          saleId: sold.id,
          idempotencyKey: 'refund-1',
          amount: 280,
          operatorId: '01',
          channel: 'http',
          terminalId: null,
          stan: null,
          batchNo: null,
        }),
      ),
    );
    const rows: HostRow[] = [];
    for await (const row of hostRowsFromStore(h.store)) rows.push(row);
    const sale = rows.find((r) => r.rrn === sold.rrn);
    const refundRow = rows.find((r) => r.rrn === refund.rrn);
    expect(sale).toMatchObject({ txnType: 'sale', status: 'partially_refunded' });
    expect(refundRow).toMatchObject({
      txnType: 'refund',
      status: 'approved',
      amountMinor: 280,
      originalRrn: sold.rrn,
      qr: {
        wallet: 'wechat',
        orderNo: orderNoFor(merchantId, 'qr-1'),
        tradeNo: sale?.qr?.tradeNo,
        payerFingerprint: '',
      },
    });
    const line = (txnType: 'sale' | 'refund', amountMinor: number): SettlementRow => ({
      settlementDate: '',
      merchantId: '1900000109',
      terminalId,
      batchNo: '',
      stan: '',
      rrn: '',
      authCode: '',
      txnTimeMs: sold.createdAt,
      txnType,
      amountMinor,
      feeMinor: null,
      currency: 'CNY',
      cardMasked: '',
      qr: { orderNo: sale?.qr?.orderNo ?? '', tradeNo: sale?.qr?.tradeNo ?? '' },
    });
    const bill = [line('sale', 1280), line('refund', 280)];
    expect(briefly(await exceptionsOf({ wallet: 'wechat', host: rows, settlement: bill }))).toEqual([]);
    expect(
      briefly(await exceptionsOf({ wallet: 'wechat', host: rows, settlement: bill.slice(0, 1) })),
    ).toEqual([`missing_in_settlement third_party query_acquirer ${refund.rrn} <- ${sold.rrn}`]);
    // An acquirer's run leaves a QR refund alone, as it does a QR sale.
    expect(briefly(await exceptionsOf({ host: rows, settlement: [] }))).toEqual([]);
  });
});
