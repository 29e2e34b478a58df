// Voids and refunds of QR sales through the real engine against the scripted wallet, one test per
// fault of the wallet's refund: every test ends by asserting, on the wallet's ledger, one refund
// per refund number (never a second number for one refund), and refunds within the sale.
import { describe, expect, it } from 'vitest';
import { settle, VirtualClock } from '../clock/virtual-clock.js';
import { verifyStore } from '../audit/verify-store.js';
import type { ChildCommand } from './child-operation.js';
import { PaymentEngine } from './engine.js';
import type { EngineSettings } from './engine-context.js';
import type { PaymentView } from './payment.js';
import { readPaymentCode } from './payment-code.js';
import { childRefundNoFor, orderNoFor } from './qr-order.js';
import { processingRecheckMs } from './qr-refund.js';
import type { QrSaleCommand } from './qr-sale.js';
import { defaultRefundWindowMs } from './wallet-refund.js';
import {
  fingerprintKey,
  makeHarness,
  merchantId,
  terminalId,
  viewOf,
} from './test-support/engine-harness.js';
import { ScriptedWallet } from './test-support/scripted-wallet.js';

const wechatCode = (n: number): string => `13${String(n).padStart(16, '0')}`;

async function refundHarness(options: { settings?: Partial<EngineSettings> } = {}) {
  let wallet: ScriptedWallet | undefined;
  const errors: string[] = [];
  const h = await makeHarness({
    settings: { reversalBaseDelayMs: 1000, reversalMaxAttempts: 4, ...options.settings },
    wallets: (clock) => ({ wechat: (wallet = new ScriptedWallet({ clock })) }),
    log: { info: () => undefined, warn: () => undefined, error: (_f, message) => errors.push(message) },
  });
  if (wallet === undefined) throw new Error('the harness built no wallet');
  let codeSeq = 0;
  const sell = async (amount = 1000, key = `sale-${(codeSeq += 1)}`): Promise<PaymentView> => {
    const command: QrSaleCommand = {
      merchantId,
      terminalId,
      idempotencyKey: key,
      amount,
      currency: 'CNY',
      code: readPaymentCode({ code: wechatCode((codeSeq += 1)), fingerprintKey }),
      operatorId: '01',
      confirmDuplicate: false,
      reference: null,
      channel: 'http',
      stan: null,
      batchNo: null,
    };
    const view = viewOf(await h.drive(h.engine.authorizeQrSale(command)));
    expect(view.status).toBe('approved');
    return view;
  };
  const child = (saleId: string, key: string, extra: Partial<ChildCommand> = {}): ChildCommand => ({
    merchantId,
    saleId,
    idempotencyKey: key,
    operatorId: '01',
    channel: 'http',
    terminalId: null,
    stan: null,
    batchNo: null,
    ...extra,
  });
  const refund = async (saleId: string, key: string, amount: number) =>
    h.drive(h.engine.refundSale({ ...child(saleId, key), amount }));
  /** Runs the reversal queue until nothing is queued, moving the clock to each attempt. */
  const drainAll = async (rounds = 60): Promise<void> => {
    for (let round = 0; round < rounds; round += 1) {
      await h.drive(h.engine.drainReversals());
      const due = await h.store.read((r) => r.nextReversalDueAt());
      if (due === null) return;
      await h.clock.advanceTo(Math.max(due, h.clock.now()));
    }
    throw new Error('the reversal queue did not empty');
  };
  const events = async (paymentId: string): Promise<string[]> => {
    const rows = [];
    for (let chain = 0; chain < 16; chain += 1)
      rows.push(...(await h.store.read((r) => r.readJournal(chain, 0, 1000))));
    return rows.filter((row) => row.paymentId === paymentId).map((row) => row.event);
  };
  const status = async (id: string) => (await h.engine.getPayment(merchantId, id)).status;
  return { h, wallet, sell, child, refund, drainAll, events, status, errors };
}

describe('a refund of a QR sale', () => {
  it('refunds in parts at the wallet, each under the number derived from its key, up to the sale', async () => {
    const { h, wallet, sell, refund, status, events } = await refundHarness();
    const sale = await sell(1000, 'sale-a');
    const first = viewOf(await refund(sale.id, 'refund-1', 400));
    expect(first).toMatchObject({
      kind: 'refund',
      status: 'approved',
      responseCode: '00',
      amount: 400,
      originalId: sale.id,
      qr: { wallet: 'wechat', codeMasked: sale.qr?.codeMasked },
      message: 'refunded by the wallet',
    });
    expect(first.rrn).toMatch(/^\d{12}$/);
    expect(first.rrn).not.toBe(sale.rrn);
    expect(await status(sale.id)).toBe('partially_refunded');
    await expect(refund(sale.id, 'refund-2', 601)).rejects.toMatchObject({
      code: 'POS_ERR_PAYMENT_REFUND_EXCEEDS_CAPTURED',
      message: expect.stringContaining('expected at most 600 fen') as unknown,
    });
    viewOf(await refund(sale.id, 'refund-3', 600));
    expect(await status(sale.id)).toBe('refunded');
    const refundNos = [childRefundNoFor(merchantId, 'refund-1'), childRefundNoFor(merchantId, 'refund-3')];
    expect(refundNos[0]).toMatch(/^RQ[0-9a-f]{30}$/);
    expect(wallet.calls.refund).toEqual(refundNos);
    expect(wallet.calls.cancel).toEqual([]);
    expect(h.issuer.calls.authorize).toBe(0);
    const orderNo = orderNoFor(merchantId, 'sale-a');
    expect(wallet.ledger().refundLines).toEqual([
      { orderNo, refundNo: refundNos[0], amount: 400 },
      { orderNo, refundNo: refundNos[1], amount: 600 },
    ]);
    expect(await events(first.id)).toEqual(['payment.created', 'wallet.refund_asked', 'wallet.refunded']);
    expect(await events(sale.id)).toContain('payment.refunded');
  });

  it('voids a QR sale as a full refund at the wallet, never its cancel', async () => {
    const { h, wallet, sell, child, status } = await refundHarness();
    const sale = await sell(1280);
    const voided = viewOf(await h.drive(h.engine.voidSale(child(sale.id, 'void-1'))));
    expect(voided).toMatchObject({
      kind: 'void',
      status: 'approved',
      amount: 1280,
      qr: { wallet: 'wechat' },
    });
    expect(voided.message).toContain('refunded the customer in full');
    expect(await status(sale.id)).toBe('voided');
    expect(wallet.calls.cancel).toEqual([]);
    expect(wallet.ledger().refundLines).toEqual([
      expect.objectContaining({ refundNo: childRefundNoFor(merchantId, 'void-1'), amount: 1280 }),
    ]);
    await expect(h.drive(h.engine.voidSale(child(sale.id, 'void-2')))).rejects.toMatchObject({
      code: 'POS_ERR_PAYMENT_ILLEGAL_TRANSITION',
    });
  });

  it('answers a retry under the same key with the stored answer and never asks the wallet again', async () => {
    const { wallet, sell, refund } = await refundHarness();
    const sale = await sell();
    const first = viewOf(await refund(sale.id, 'refund-1', 300));
    const again = await refund(sale.id, 'refund-1', 300);
    expect(again).toMatchObject({ kind: 'answered', replayed: true });
    expect(viewOf(again)).toEqual(first);
    expect(wallet.calls.refund).toHaveLength(1);
    expect(wallet.ledger().refundLines).toHaveLength(1);
  });

  it('confirms by a refund query a refund whose answer was lost, and refunds once', async () => {
    const { h, wallet, sell, refund } = await refundHarness();
    const sale = await sell();
    wallet.next({ refund: [{ do: 'lose_answer', then: 'refund' }] });
    const started = h.clock.now();
    const view = viewOf(await refund(sale.id, 'refund-1', 500));
    expect(view.status).toBe('approved');
    expect(h.clock.now() - started).toBeLessThan(defaultRefundWindowMs);
    expect(wallet.calls.refund).toEqual([childRefundNoFor(merchantId, 'refund-1')]);
    expect(wallet.calls.refundQuery).toEqual([childRefundNoFor(merchantId, 'refund-1')]);
    expect(wallet.ledger().refundLines).toHaveLength(1);
  });

  it('sends again under the same number a refund the wallet never got, and refunds once', async () => {
    const { wallet, sell, refund, events } = await refundHarness();
    const sale = await sell();
    wallet.next({ refund: [{ do: 'unknown', then: 'nothing' }] });
    const view = viewOf(await refund(sale.id, 'refund-1', 500));
    expect(view.status).toBe('approved');
    const number = childRefundNoFor(merchantId, 'refund-1');
    expect(wallet.calls.refund).toEqual([number, number]);
    expect(wallet.ledger().refundLines).toEqual([expect.objectContaining({ refundNo: number, amount: 500 })]);
    expect(await events(view.id)).toEqual([
      'payment.created',
      'wallet.refund_asked',
      'wallet.refund_asked',
      'wallet.refunded',
    ]);
  });

  it('follows an asynchronous refund (accepted, then processing) by its query until the money is back', async () => {
    const { wallet, sell, refund } = await refundHarness();
    const sale = await sell();
    wallet.next({ refund: [{ do: 'accept', settle: 'now' }] });
    expect(viewOf(await refund(sale.id, 'refund-1', 500)).status).toBe('approved');
    expect(wallet.calls.refundQuery).toHaveLength(1);
  });

  it('declines a refund the wallet refuses: nothing refunded, the sale unchanged, a new key may try again', async () => {
    const { wallet, sell, refund, status } = await refundHarness();
    const sale = await sell(1000);
    wallet.next({ refund: [{ do: 'refuse' }] });
    const refused = viewOf(await refund(sale.id, 'refund-1', 1000));
    expect(refused).toMatchObject({ status: 'declined', responseCode: '05' });
    expect(refused.message).toContain('nothing was refunded');
    expect(await status(sale.id)).toBe('approved');
    expect(viewOf(await refund(sale.id, 'refund-2', 1000)).status).toBe('approved');
    expect(await status(sale.id)).toBe('refunded');
    expect(wallet.ledger().refundLines).toHaveLength(1);
  });
});

describe('a refund of a QR sale whose outcome stays unknown', () => {
  it('stays pending with its key in flight, and the worker settles it later under the same number', async () => {
    const { h, wallet, sell, refund, drainAll, status, events } = await refundHarness();
    const sale = await sell(1000);
    wallet.next({
      refund: [{ do: 'unknown', then: 'refund' }],
      refundQuery: [{ do: 'unknown' }, { do: 'unknown' }, { do: 'lose_answer' }],
    });
    const first = await refund(sale.id, 'refund-1', 250);
    const view = viewOf(first);
    expect(view).toMatchObject({ kind: 'refund', status: 'pending', responseCode: null });
    expect(view.message).toContain('never another one');
    expect(await status(sale.id)).toBe('approved');
    // The key stays in flight until the wallet settles it: a retry is told to come back.
    expect(await refund(sale.id, 'refund-1', 250)).toEqual({ kind: 'in_flight' });
    // Counted against the sale meanwhile.
    await expect(refund(sale.id, 'refund-2', 751)).rejects.toMatchObject({
      code: 'POS_ERR_PAYMENT_REFUND_EXCEEDS_CAPTURED',
    });
    expect(await h.engine.recoverOrphans()).toBe(0);
    await drainAll();
    expect(await status(view.id)).toBe('approved');
    expect(await status(sale.id)).toBe('partially_refunded');
    expect(viewOf(await refund(sale.id, 'refund-1', 250))).toMatchObject({ status: 'approved', id: view.id });
    const number = childRefundNoFor(merchantId, 'refund-1');
    expect(new Set([...wallet.calls.refund, ...wallet.calls.refundQuery])).toEqual(new Set([number]));
    expect(wallet.ledger().refundLines).toEqual([expect.objectContaining({ refundNo: number, amount: 250 })]);
    expect(await events(view.id)).toEqual(
      expect.arrayContaining(['wallet.refund_unsettled', 'wallet.refund_checked', 'wallet.refunded']),
    );
    expect(await verifyStore(h.store, { now: h.clock.now(), pendingCutoffMs: 12_000 })).toMatchObject({
      ok: true,
    });
  });

  it('follows a refund the wallet keeps processing without spending attempts, until it lands', async () => {
    const { h, wallet, sell, refund, status } = await refundHarness();
    const sale = await sell(1000);
    wallet.next({ refund: [{ do: 'accept', settle: 'later' }] });
    const view = viewOf(await refund(sale.id, 'refund-1', 1000));
    expect(view.status).toBe('pending');
    // More checks than the queue's attempts (4 here), none of them counted.
    for (let check = 0; check < 6; check += 1) {
      const due = await h.store.read((r) => r.nextReversalDueAt());
      await h.clock.advanceTo(Math.max(due ?? 0, h.clock.now()));
      await h.drive(h.engine.drainReversals());
    }
    expect(await h.store.read((r) => r.getReversal(view.id))).toMatchObject({ state: 'queued', attempts: 0 });
    expect(await status(view.id)).toBe('pending');
    wallet.refundSettles(childRefundNoFor(merchantId, 'refund-1'));
    await h.clock.advance(processingRecheckMs);
    await h.drive(h.engine.drainReversals());
    expect(await status(view.id)).toBe('approved');
    expect(await status(sale.id)).toBe('refunded');
    expect(wallet.calls.refund).toHaveLength(1);
  });

  it('declines a processing refund the wallet then closes (REFUNDCLOSE): nothing was given back', async () => {
    const { wallet, sell, refund, drainAll, status } = await refundHarness();
    const sale = await sell(1000);
    wallet.next({
      refund: [{ do: 'accept', settle: 'later' }],
      refundQuery: [{ do: 'tell' }, { do: 'tell' }, { do: 'tell' }, { do: 'close_refund' }],
    });
    const view = viewOf(await refund(sale.id, 'refund-1', 1000));
    expect(view.status).toBe('pending');
    await drainAll();
    expect(await status(view.id)).toBe('declined');
    expect(await status(sale.id)).toBe('approved');
    expect(wallet.ledger().refundLines).toEqual([]);
  });

  it('leaves a refund unsettled after every attempt pending for manual action; a reversal request asks again', async () => {
    const { h, wallet, sell, refund, drainAll, status, errors } = await refundHarness();
    const sale = await sell(1000);
    const unknowns = Array.from({ length: 12 }, () => ({ do: 'unknown' as const }));
    wallet.next({
      refund: [
        { do: 'unknown', then: 'nothing' },
        { do: 'unknown', then: 'nothing' },
      ],
      refundQuery: unknowns,
    });
    const view = viewOf(await refund(sale.id, 'refund-1', 1000));
    await drainAll();
    expect(await status(view.id)).toBe('pending');
    expect(await h.store.read((r) => r.getReversal(view.id))).toMatchObject({ state: 'failed', attempts: 4 });
    expect(errors).toContain('a QR refund is still unsettled after every retry: check it at the wallet');
    expect(
      await verifyStore(h.store, { now: h.clock.now() + 3_600_000, pendingCutoffMs: 12_000 }),
    ).toMatchObject({
      ok: true,
    });
    wallet.script.refundQuery.length = 0;
    const retried = await h.drive(
      h.engine.reverse({
        merchantId,
        idempotencyKey: 'retry-1',
        target: { paymentId: view.id },
        reason: 'other',
      }),
    );
    expect(retried).toMatchObject({ kind: 'answered', answer: { view: { reversal: { state: 'queued' } } } });
    await drainAll();
    expect(await status(view.id)).toBe('approved');
    const number = childRefundNoFor(merchantId, 'refund-1');
    expect(new Set(wallet.calls.refund)).toEqual(new Set([number]));
    expect(wallet.ledger().refundLines).toHaveLength(1);
  });

  it('holds the follow-up in the queue from the moment it is stored: a host that stops mid-call loses nothing', async () => {
    const { h, wallet, sell, drainAll, status, child } = await refundHarness({
      settings: { recoveryGraceMs: 2_000 },
    });
    const sale = await sell(1000);
    wallet.next({ refund: [{ do: 'lose_answer', then: 'refund' }] });
    // The "crashed" host: its clock never moves again, so its call never ends.
    const crashed = new PaymentEngine({ ...h.engine.context, clock: new VirtualClock(h.clock.now()) });
    void crashed.refundSale({ ...child(sale.id, 'refund-1'), amount: 600 }).catch(() => undefined);
    await settle();
    const [pending] = await h.engine.listPayments({ merchantId, kind: 'refund', limit: 1 });
    expect(pending?.status).toBe('pending');
    expect(await h.store.read((r) => r.getReversal(pending?.id ?? ''))).toMatchObject({
      state: 'queued',
      nextAttemptAt: (pending?.createdAt ?? 0) + defaultRefundWindowMs + 2_000,
    });
    await h.clock.advance(3_600_000);
    expect(await h.engine.recoverOrphans()).toBe(0);
    await drainAll();
    expect(await status(pending?.id ?? '')).toBe('approved');
    expect(await status(sale.id)).toBe('partially_refunded');
    expect(wallet.ledger().refundLines).toHaveLength(1);
  });
});

describe('what a void or refund of a QR sale refuses', () => {
  it('refuses a refund of a QR sale that was never paid, storing nothing', async () => {
    const { h, wallet, refund } = await refundHarness();
    wallet.next({ pay: [{ do: 'refuse', refusal: 'insufficient_funds' }] });
    const declined = viewOf(
      await h.drive(
        h.engine.authorizeQrSale({
          merchantId,
          terminalId,
          idempotencyKey: 'unpaid',
          amount: 1000,
          currency: 'CNY',
          code: readPaymentCode({ code: wechatCode(99), fingerprintKey }),
          operatorId: null,
          confirmDuplicate: false,
          reference: null,
          channel: 'http',
          stan: null,
          batchNo: null,
        }),
      ),
    );
    await expect(refund(declined.id, 'refund-1', 100)).rejects.toMatchObject({
      code: 'POS_ERR_PAYMENT_ILLEGAL_TRANSITION',
      message: expect.stringContaining('declined') as unknown,
    });
    expect(await h.engine.listPayments({ merchantId, kind: 'refund', limit: 5 })).toEqual([]);
    expect(wallet.calls.refund).toEqual([]);
  });

  it('refuses a refund in another currency than the sale, even under a key already used', async () => {
    const { h, wallet, sell, child } = await refundHarness();
    const sale = await sell(1000);
    const inUsd = { ...child(sale.id, 'refund-1', { currency: 'USD' }), amount: 100 };
    await expect(h.drive(h.engine.refundSale(inUsd))).rejects.toMatchObject({
      code: 'POS_ERR_PAYMENT_CURRENCY_MISMATCH',
      message: 'currency: expected CNY, the currency of sale ' + sale.id + ', got USD',
    });
    viewOf(
      await h.drive(h.engine.refundSale({ ...child(sale.id, 'refund-1', { currency: 'CNY' }), amount: 100 })),
    );
    await expect(h.drive(h.engine.refundSale(inUsd))).rejects.toMatchObject({
      code: 'POS_ERR_PAYMENT_CURRENCY_MISMATCH',
    });
    expect(wallet.calls.refund).toHaveLength(1);
  });

  it('refuses a void or refund of a QR sale whose wallet this host has no provider for', async () => {
    const { h, sell, child } = await refundHarness();
    const sale = await sell(1000);
    const withoutWallets = new PaymentEngine({ ...h.engine.context, wallets: {} });
    await expect(h.drive(withoutWallets.voidSale(child(sale.id, 'void-1')))).rejects.toMatchObject({
      code: 'POS_ERR_QR_WALLET_UNAVAILABLE',
    });
    expect(await h.engine.listPayments({ merchantId, kind: 'void', limit: 5 })).toEqual([]);
  });

  it('refuses to reverse an approved void or refund of a QR sale: a wallet cannot take a refund back', async () => {
    const { h, wallet, sell, child, refund, status } = await refundHarness();
    const sale = await sell(1000);
    const voided = viewOf(await h.drive(h.engine.voidSale(child(sale.id, 'void-1'))));
    const reverse = (paymentId: string, key: string) =>
      h.drive(
        h.engine.reverse({ merchantId, idempotencyKey: key, target: { paymentId }, reason: 'timeout' }),
      );
    await expect(reverse(voided.id, 'rev-1')).rejects.toMatchObject({
      code: 'POS_ERR_QR_REFUND_IRREVERSIBLE',
      message: expect.stringContaining('cannot take a refund back') as unknown,
    });
    expect(await status(sale.id)).toBe('voided');
    const other = await sell(2000);
    wallet.next({ refund: [{ do: 'refuse' }] });
    const refused = viewOf(await refund(other.id, 'refund-1', 100));
    expect(await reverse(refused.id, 'rev-2')).toMatchObject({
      answer: { view: { reversal: { state: 'not_needed' } } },
    });
    expect(wallet.calls.cancel).toEqual([]);
  });
});
