// QR sales (customer-presented codes) through the real engine against the scripted wallet: every
// test ends by asserting, on the wallet's ledger, exactly one charge, or none with every attempt
// cancelled.
import { describe, expect, it } from 'vitest';
import { settle, VirtualClock } from '../clock/virtual-clock.js';
import { readPaymentCode } from './payment-code.js';
import { verifyStore } from '../audit/verify-store.js';
import { PaymentEngine } from './engine.js';
import { maxPayWindowMs } from './pending-horizon.js';
import type { EngineSettings } from './engine-context.js';
import type { EngineResult } from './idempotency.js';
import type { DuplicatePolicy, PaymentView } from './payment.js';
import type { WalletRefusal } from './ports/wallet.js';
import { orderNoFor } from './qr-order.js';
import type { QrSaleCommand } from './qr-sale.js';
import {
  fingerprintKey,
  makeHarness,
  merchantId,
  terminalId,
  viewOf,
} from './test-support/engine-harness.js';
import { ScriptedWallet, scriptedTiming } from './test-support/scripted-wallet.js';

/** A fresh WeChat Pay code (18 digits starting 13) for each number. */
const wechatCode = (n: number): string => `13${String(n).padStart(16, '0')}`;

async function qrHarness(
  options: { policy?: DuplicatePolicy; windowS?: number; settings?: Partial<EngineSettings> } = {},
) {
  let wallet: ScriptedWallet | undefined;
  const h = await makeHarness({
    ...options,
    settings: { reversalBaseDelayMs: 1000, ...options.settings },
    wallets: (clock) => ({ wechat: (wallet = new ScriptedWallet({ clock })) }),
  });
  if (wallet === undefined) throw new Error('the harness built no wallet');
  let keySeq = 0;
  let codeSeq = 0;
  const qrSale = (overrides: Partial<QrSaleCommand> & { rawCode?: string } = {}): QrSaleCommand => {
    const { rawCode, ...rest } = overrides;
    return {
      merchantId,
      terminalId,
      idempotencyKey: `qr-${(keySeq += 1)}`,
      amount: 1280,
      currency: 'CNY',
      code: readPaymentCode({ code: rawCode ?? wechatCode((codeSeq += 1)), fingerprintKey }),
      operatorId: '01',
      confirmDuplicate: false,
      reference: null,
      channel: 'http',
      stan: null,
      batchNo: null,
      ...rest,
    };
  };
  const sell = async (command: QrSaleCommand): Promise<PaymentView> =>
    viewOf(await h.drive(h.engine.authorizeQrSale(command)));
  /** Runs the reversal queue until nothing is queued, moving the clock to each attempt. */
  const drainAll = async (): Promise<void> => {
    for (let round = 0; round < 50; round += 1) {
      await h.drive(h.engine.drainReversals());
      const due = await h.store.read((r) => r.nextReversalDueAt());
      if (due === null) return;
      await h.clock.advanceTo(due);
    }
    throw new Error('the reversal queue did not empty');
  };
  const events = async (paymentId: string): Promise<string[]> => {
    const rows = [];
    for (let chain = 0; chain < 16; chain += 1)
      rows.push(...(await h.store.read((r) => r.readJournal(chain, 0, 1000))));
    return rows.filter((row) => row.paymentId === paymentId).map((row) => row.event);
  };
  return { h, wallet, qrSale, sell, drainAll, events };
}

describe('a QR sale through the engine', () => {
  it('approves a code the wallet charges at once, under the order number derived from the key', async () => {
    const { h, wallet, qrSale, sell } = await qrHarness();
    const command = qrSale({ rawCode: '134567890123456789' });
    const view = await sell(command);
    expect(view).toMatchObject({
      status: 'approved',
      responseCode: '00',
      cardMasked: null,
      qr: { wallet: 'wechat', codeMasked: '**************6789' },
    });
    const orderNo = orderNoFor(merchantId, command.idempotencyKey);
    expect(orderNo).toMatch(/^[A-Za-z0-9]{1,32}$/);
    expect(wallet.calls.pay).toEqual([orderNo]);
    const stored = await h.engine.getPayment(merchantId, view.id);
    expect(stored.qr).toMatchObject({ orderNo, tradeNo: `T${orderNo}` });
    expect(stored.qr?.payerFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  const refusals: Array<[WalletRefusal, string]> = [
    ['code_expired', '54'],
    ['code_used', '14'],
    ['code_invalid', '14'],
    ['insufficient_funds', '51'],
    ['payer_refused', '05'],
    ['risk_refused', '05'],
    ['order_closed', '05'],
    ['other', '05'],
  ];
  for (const [refusal, responseCode] of refusals) {
    it(`declines a sale the wallet refuses (${refusal}) with ${responseCode} and charges nothing`, async () => {
      const { wallet, qrSale, sell } = await qrHarness();
      wallet.next({ pay: [{ do: 'refuse', refusal }] });
      expect(await sell(qrSale())).toMatchObject({ status: 'declined', responseCode });
      expect(wallet.calls.cancel).toEqual([]);
      expect(wallet.ledger()).toMatchObject({ charges: 0, refunds: 0 });
    });
  }

  it('polls a customer who confirms on the phone and approves once the wallet says paid', async () => {
    const { h, wallet, qrSale, sell, events } = await qrHarness();
    wallet.next({ pay: [{ do: 'ask_payer' }], query: [{ do: 'tell' }, { do: 'payer_confirms' }] });
    const started = h.clock.now();
    const view = await sell(qrSale());
    expect(view).toMatchObject({ status: 'approved', responseCode: '00' });
    expect(wallet.calls.query).toHaveLength(2);
    expect(h.clock.now() - started).toBe(2 * scriptedTiming.queryIntervalMs);
    expect(await events(view.id)).toEqual(['payment.created', 'wallet.pay_unsettled', 'wallet.paid']);
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('cancels a sale whose customer never confirms once the pay window ends', async () => {
    const { h, wallet, qrSale, sell, drainAll, events } = await qrHarness();
    wallet.next({ pay: [{ do: 'ask_payer' }] });
    const started = h.clock.now();
    const command = qrSale();
    const view = await sell(command);
    expect(view).toMatchObject({ status: 'reversal_pending', responseCode: '98' });
    expect(h.clock.now() - started).toBe(scriptedTiming.payWindowMs);
    // Queried at 5, 10, 15, 20 and 25 s; the window ends at 30 s.
    expect(wallet.calls.query).toHaveLength(5);
    await drainAll();
    expect((await h.engine.getPayment(merchantId, view.id)).status).toBe('reversed');
    expect(await events(view.id)).toEqual([
      'payment.created',
      'wallet.pay_unsettled',
      'reversal.queued',
      'wallet.cancel_asked',
      'wallet.cancelled',
    ]);
    // The customer confirms too late: the order is closed, nothing is charged.
    wallet.payerConfirms(orderNoFor(merchantId, command.idempotencyKey));
    expect(wallet.ledger()).toMatchObject({ charges: 0, refunds: 0 });
    expect(wallet.ledger().orders.map((o) => o.state)).toEqual(['closed']);
  });

  it('queries an unknown pay answer and approves when the order turns out paid', async () => {
    const { wallet, qrSale, sell } = await qrHarness();
    wallet.next({ pay: [{ do: 'unknown', then: 'charge' }] });
    expect(await sell(qrSale())).toMatchObject({ status: 'approved' });
    expect(wallet.calls.query).toHaveLength(1);
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('cancels, and so refunds, a charge the wallet never confirmed within the window', async () => {
    const { h, wallet, qrSale, sell, drainAll, events } = await qrHarness();
    wallet.next({
      pay: [{ do: 'unknown', then: 'charge' }],
      query: Array.from({ length: 5 }, () => ({ do: 'unknown' as const })),
    });
    const view = await sell(qrSale());
    expect(view).toMatchObject({ status: 'reversal_pending', responseCode: '98' });
    await drainAll();
    expect((await h.engine.getPayment(merchantId, view.id)).status).toBe('reversed');
    expect(await events(view.id)).toContain('wallet.cancelled');
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 1, netCharges: 0 });
  });

  it("retries a cancel the wallet answers 'retry', waiting at least its retry delay, until it is done", async () => {
    const { h, wallet, qrSale, sell } = await qrHarness();
    wallet.next({ pay: [{ do: 'ask_payer' }], cancel: [{ do: 'retry' }, { do: 'retry' }] });
    const view = await sell(qrSale());
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      expect(await h.drive(h.engine.drainReversals())).toBe(1);
      const queued = await h.store.read((r) => r.getReversal(view.id));
      // The queue's backoff is 1 s, then 2 s; the wallet's own delay of 2 s wins where longer.
      expect(queued).toMatchObject({ state: 'queued', attempts: attempt });
      expect((queued?.nextAttemptAt ?? 0) - h.clock.now()).toBe(Math.max(2000, 1000 * 2 ** (attempt - 1)));
      await h.clock.advanceTo(queued?.nextAttemptAt ?? 0);
    }
    expect(await h.drive(h.engine.drainReversals())).toBe(1);
    expect((await h.engine.getPayment(merchantId, view.id)).status).toBe('reversed');
    expect(wallet.calls.cancel).toHaveLength(3);
    expect(wallet.ledger()).toMatchObject({ charges: 0, refunds: 0 });
  });

  it('bounds a pay call whose answer is lost, then queries the order it charged', async () => {
    const { h, wallet, qrSale, sell } = await qrHarness({ settings: { upstreamTimeoutMs: 10_000 } });
    wallet.next({ pay: [{ do: 'lose_answer', then: 'charge' }] });
    const started = h.clock.now();
    expect(await sell(qrSale())).toMatchObject({ status: 'approved' });
    expect(h.clock.now() - started).toBe(10_000);
    expect(wallet.calls.query).toHaveLength(1);
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('does not approve a charge of another amount: it is cancelled and refunded', async () => {
    const { h, wallet, qrSale, sell, drainAll, events } = await qrHarness();
    wallet.next({ pay: [{ do: 'charge', amount: 1 }] });
    const view = await sell(qrSale());
    expect(view).toMatchObject({ status: 'reversal_pending', responseCode: '13' });
    expect(view.message).toContain('another amount');
    await drainAll();
    expect(await events(view.id)).toContain('wallet.amount_mismatch');
    expect((await h.engine.getPayment(merchantId, view.id)).status).toBe('reversed');
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 1, netCharges: 0 });
  });

  it('declines a code the wallet says was already used, leaving the first sale the only charge', async () => {
    const { wallet, qrSale, sell } = await qrHarness();
    const code = wechatCode(77);
    expect(await sell(qrSale({ rawCode: code }))).toMatchObject({ status: 'approved' });
    expect(await sell(qrSale({ rawCode: code, amount: 500 }))).toMatchObject({
      status: 'declined',
      responseCode: '14',
      message: 'the payment code is invalid or already used: ask the customer for a fresh code',
    });
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('answers a retransmission under the same key in flight mid-poll, and with the same answer after', async () => {
    const { h, wallet, qrSale } = await qrHarness();
    wallet.next({
      pay: [{ do: 'ask_payer' }],
      query: [{ do: 'tell' }, { do: 'tell' }, { do: 'payer_confirms' }],
    });
    const command = qrSale();
    const first = h.engine.authorizeQrSale(command);
    const repeat = (async (): Promise<EngineResult> => {
      await h.clock.sleep(6_000);
      return h.engine.authorizeQrSale(command);
    })();
    const [answer, midPoll] = await h.drive(Promise.all([first, repeat]));
    expect(midPoll).toEqual({ kind: 'in_flight' });
    const after = await h.drive(h.engine.authorizeQrSale(command));
    expect(after).toEqual({
      kind: 'answered',
      answer: (answer as { answer: unknown }).answer,
      replayed: true,
    });
    expect(viewOf(answer).status).toBe('approved');
    expect(wallet.calls.pay).toHaveLength(1);
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('refuses a second code on the terminal while the first is unresolved, then takes it', async () => {
    const { h, wallet, qrSale } = await qrHarness();
    wallet.next({ pay: [{ do: 'ask_payer' }], query: [{ do: 'tell' }, { do: 'payer_confirms' }] });
    const first = h.engine.authorizeQrSale(qrSale());
    const second = qrSale({ amount: 300 }); // another purchase, not a duplicate
    const refused = (async () => {
      await h.clock.sleep(3_000);
      return h.engine.authorizeQrSale(second).catch((error: unknown) => error);
    })();
    const [firstResult, error] = await h.drive(Promise.all([first, refused]));
    expect(error).toMatchObject({
      code: 'POS_ERR_QR_SALE_UNRESOLVED',
      details: {
        paymentId: viewOf(firstResult).id,
        cashierMessage: {
          zh: expect.stringContaining('上一笔') as unknown,
          en: expect.any(String) as unknown,
        },
      },
    });
    expect(String((error as Error).message)).not.toContain(wechatCode(2));
    expect(viewOf(firstResult).status).toBe('approved');
    // The key of the refused attempt was left free: the same request now goes through.
    expect(viewOf(await h.drive(h.engine.authorizeQrSale(second))).status).toBe('approved');
    expect(wallet.calls.pay).toHaveLength(2);
    expect(wallet.ledger()).toMatchObject({ charges: 2, refunds: 0 });
  });

  it('takes a card sale on the terminal while its QR sale is polled: the guard is for codes only', async () => {
    const { h, wallet, qrSale } = await qrHarness();
    wallet.next({ pay: [{ do: 'ask_payer' }], query: [{ do: 'payer_confirms' }] });
    const [qr, card] = await h.drive(
      Promise.all([h.engine.authorizeQrSale(qrSale()), h.engine.authorizeSale(h.sale())]),
    );
    expect([viewOf(qr).status, viewOf(card).status]).toEqual(['approved', 'approved']);
    expect(wallet.ledger()).toMatchObject({ charges: 1 });
  });
});

describe('the duplicate guard for QR sales', () => {
  it('holds the same payer, amount and terminal within the window: cancelled and refunded unless confirmed', async () => {
    const { h, wallet, qrSale, sell, drainAll } = await qrHarness({ policy: 'confirm', windowS: 120 });
    const first = await sell(qrSale());
    await h.clock.advance(60_000);
    const held = await sell(qrSale());
    expect(held).toMatchObject({ status: 'duplicate_suspected', responseCode: '94', duplicateOf: first.id });
    await drainAll();
    expect((await h.engine.getPayment(merchantId, held.id)).status).toBe('duplicate_suspected');
    expect(wallet.ledger()).toMatchObject({ charges: 2, refunds: 1, netCharges: 1 });
    const [awaiting] = await h.engine.listDuplicates({ merchantId, limit: 10 });
    expect(awaiting).toMatchObject({ paymentId: held.id, resolution: 'awaiting_confirmation' });

    const confirmed = await sell(qrSale({ confirmDuplicate: true }));
    expect(confirmed).toMatchObject({ status: 'approved', duplicateOf: first.id, duplicateConfirmed: true });
    expect(wallet.ledger()).toMatchObject({ charges: 3, refunds: 1, netCharges: 2 });
  });

  it('approves another payer, another amount, or the same payer after the window', async () => {
    const { h, wallet, qrSale, sell } = await qrHarness({ policy: 'confirm', windowS: 120 });
    await sell(qrSale());
    wallet.payerOf(wechatCode(2), 'payer-2');
    expect(await sell(qrSale())).toMatchObject({ status: 'approved', duplicateOf: null });
    expect(await sell(qrSale({ amount: 99 }))).toMatchObject({ status: 'approved', duplicateOf: null });
    await h.clock.advance(121_000);
    expect(await sell(qrSale())).toMatchObject({ status: 'approved', duplicateOf: null });
    expect(wallet.ledger()).toMatchObject({ charges: 4, refunds: 0 });
  });

  it("follows the merchant's policy: block cancels even a confirmed one, flag approves and flags, off approves", async () => {
    for (const [policy, expected] of [
      ['block', { status: 'duplicate_suspected', net: 1 }],
      ['flag', { status: 'approved', flagged: true, net: 2 }],
      ['off', { status: 'approved', flagged: false, net: 2 }],
    ] as const) {
      const { wallet, qrSale, sell, drainAll } = await qrHarness({ policy });
      await sell(qrSale());
      const second = await sell(qrSale({ confirmDuplicate: policy === 'block' }));
      await drainAll();
      expect([policy, second.status]).toEqual([policy, expected.status]);
      if ('flagged' in expected) expect(second.flaggedForReview).toBe(expected.flagged);
      expect([policy, wallet.ledger().netCharges]).toEqual([policy, expected.net]);
    }
  });

  it('marks a held sale reversal_failed when its cancel is never acknowledged, and a manual reversal finishes it', async () => {
    const { h, wallet, qrSale, sell, drainAll } = await qrHarness({
      settings: { reversalMaxAttempts: 2 },
    });
    await sell(qrSale());
    wallet.next({ cancel: [{ do: 'unknown' }, { do: 'lose_answer' }] });
    const held = await sell(qrSale());
    await drainAll();
    expect((await h.engine.getPayment(merchantId, held.id)).status).toBe('reversal_failed');
    expect(wallet.ledger().netCharges).toBe(2);
    await h.drive(
      h.engine.reverse({
        merchantId,
        idempotencyKey: 'manual',
        target: { paymentId: held.id },
        reason: 'other',
      }),
    );
    await drainAll();
    expect((await h.engine.getPayment(merchantId, held.id)).status).toBe('reversed');
    expect(wallet.ledger()).toMatchObject({ charges: 2, refunds: 1, netCharges: 1 });
  });
});

describe('QR sales after a crash, and reversals while polled', () => {
  it('cancels a sale left pending by a host that stopped mid-poll only after the pay window, refunding it', async () => {
    const grace = 2_000;
    const { h, wallet, qrSale, drainAll } = await qrHarness({
      settings: { upstreamTimeoutMs: 10_000, recoveryGraceMs: grace },
    });
    wallet.next({ pay: [{ do: 'ask_payer' }] });
    // The "crashed" host: its clock never moves again, so it polls no more and never answers.
    const crashed = new PaymentEngine({ ...h.engine.context, clock: new VirtualClock(h.clock.now()) });
    const command = qrSale();
    void crashed.authorizeQrSale(command).catch(() => undefined);
    await settle();
    const [pending] = await h.engine.listPayments({ merchantId, limit: 1 });
    expect(pending?.status).toBe('pending');
    // The customer confirms on the phone; nobody is asking any more.
    wallet.payerConfirms(orderNoFor(merchantId, command.idempotencyKey));
    // A card sale would be an orphan after 10 + 2 s; a QR sale is still in its wallet's window.
    await h.clock.advance(scriptedTiming.payWindowMs + grace - 1);
    expect(await h.engine.recoverOrphans()).toBe(0);
    await h.clock.advance(2);
    expect(await h.engine.recoverOrphans()).toBe(1);
    await drainAll();
    expect((await h.engine.getPayment(merchantId, pending?.id ?? '')).status).toBe('reversed');
    const replay = viewOf(await h.drive(h.engine.authorizeQrSale(command)));
    expect(replay).toMatchObject({ status: 'reversal_pending', responseCode: '98' });
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 1, netCharges: 0 });
  });

  it('does not recover a sale a live host is still polling', async () => {
    const { h, wallet, qrSale } = await qrHarness({ settings: { upstreamTimeoutMs: 10_000 } });
    wallet.next({
      pay: [{ do: 'ask_payer' }],
      query: [{ do: 'tell' }, { do: 'tell' }, { do: 'tell' }, { do: 'payer_confirms' }],
    });
    const sale = h.engine.authorizeQrSale(qrSale());
    const recovery = (async () => {
      await h.clock.sleep(15_000);
      return h.engine.recoverOrphans();
    })();
    const [answer, recovered] = await h.drive(Promise.all([sale, recovery]));
    expect(recovered).toBe(0);
    expect(viewOf(answer).status).toBe('approved');
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it("queues a terminal's reversal of a sale being polled for the window's end, then cancels it", async () => {
    const { h, wallet, qrSale, drainAll } = await qrHarness();
    wallet.next({ pay: [{ do: 'ask_payer' }], query: [{ do: 'tell' }, { do: 'payer_confirms' }] });
    const command = qrSale();
    const sale = h.engine.authorizeQrSale(command);
    const reversal = (async () => {
      await h.clock.sleep(7_000);
      return h.engine.reverse({
        merchantId,
        idempotencyKey: 'rev-1',
        target: { originalKey: command.idempotencyKey },
        reason: 'timeout',
      });
    })();
    const [answer] = await h.drive(Promise.all([sale, reversal]));
    const view = viewOf(answer);
    expect(view.status).toBe('reversal_pending');
    expect(await h.store.read((r) => r.getReversal(view.id))).toMatchObject({
      nextAttemptAt: (await h.engine.getPayment(merchantId, view.id)).createdAt + scriptedTiming.payWindowMs,
    });
    expect(wallet.calls.query).toHaveLength(1); // it stopped asking once the reversal took over
    await drainAll();
    expect((await h.engine.getPayment(merchantId, view.id)).status).toBe('reversed');
    expect(wallet.ledger().netCharges).toBe(0);
  });
});

describe('the store after QR sales', () => {
  it('holds every invariant verify checks, and names a QR sale pending past the longest pay window', async () => {
    const { h, wallet, qrSale, sell, drainAll } = await qrHarness();
    await sell(qrSale());
    wallet.next({ pay: [{ do: 'charge', amount: 1 }] });
    await sell(qrSale({ amount: 99 }));
    await sell(qrSale()); // held: same payer and amount as the first
    wallet.next({ pay: [{ do: 'ask_payer' }] });
    await sell(qrSale({ amount: 7 }));
    await drainAll();
    const crashed = new PaymentEngine({ ...h.engine.context, clock: new VirtualClock(h.clock.now()) });
    wallet.next({ pay: [{ do: 'ask_payer' }] });
    void crashed.authorizeQrSale(qrSale({ amount: 3 })).catch(() => undefined);
    await settle();
    const verify = (now: number) => verifyStore(h.store, { now, pendingCutoffMs: 12_000 });
    // Past a card's cutoff but within a pay window: a sale being polled, not an orphan.
    expect(await verify(h.clock.now() + 60_000)).toMatchObject({ ok: true, breaches: [] });
    const late = await verify(h.clock.now() + 12_000 + maxPayWindowMs + 1);
    expect(late.breaches.map((b) => b.invariant)).toEqual(['no_orphan_pending']);
    expect(wallet.ledger()).toMatchObject({ charges: 3, refunds: 2 });
  });
});

describe('what a QR sale cannot do', () => {
  it('refuses a code of a wallet the host has no provider for, storing nothing', async () => {
    const { h, qrSale } = await qrHarness();
    await expect(
      h.drive(h.engine.authorizeQrSale(qrSale({ rawCode: '2812345678901234' }))),
    ).rejects.toMatchObject({
      code: 'POS_ERR_QR_WALLET_UNAVAILABLE',
      details: { wallet: 'alipay' },
    });
    expect(await h.engine.listPayments({ merchantId, limit: 10 })).toEqual([]);
  });
});
