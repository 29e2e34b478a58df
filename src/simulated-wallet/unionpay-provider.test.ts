// The simulated UnionPay QR provider through the wallet port, in-process, with the fault plan the
// wire formats share: a charge, an idempotent repeat, user paying, a lost answer, system errors, a
// cancel to retry, a shown code, and the refusal of notifications (the host polls UnionPay).
import { describe, expect, it } from 'vitest';
import { Secret } from '../cards/secret.js';
import { systemClock } from '../clock/clock.js';
import type { WalletPayRequest } from '../payments/ports/wallet.js';
import { isPosError } from '../pos-error.js';
import { buyerId } from './payment-codes.js';
import { SimulatedWallet } from './simulated-wallet.js';
import { SimulatedUnionPayProvider } from './unionpay-provider.js';
import { noWalletFaults, type SimulatedWalletFaults } from './wallet-faults.js';

function setUp(faults: Partial<SimulatedWalletFaults> = {}): {
  books: SimulatedWallet;
  provider: SimulatedUnionPayProvider;
} {
  const books = new SimulatedWallet({
    clock: systemClock,
    seed: 62,
    faults: { ...noWalletFaults, ...faults },
  });
  books.addPayer('carol', 100_000);
  return { books, provider: new SimulatedUnionPayProvider(books) };
}

function request(books: SimulatedWallet, orderNo: string, amount = 2_500): WalletPayRequest {
  return {
    orderNo,
    merchantId: 'M1',
    terminalId: 'T1',
    amount,
    currency: 'CNY',
    code: new Secret(books.issueCode('carol', 'unionpay').code),
    subject: 's',
  };
}

const wait = (): AbortSignal => AbortSignal.timeout(5_000);

describe('simulated UnionPay QR provider', () => {
  it('pays, answers a repeat under the same number with the same charge, queries and refunds', async () => {
    const { books, provider } = setUp();
    const paid = await provider.pay(request(books, 'U1'), wait());
    expect(paid).toMatchObject({ outcome: 'paid', amount: 2_500, payerId: buyerId('unionpay', 'carol') });
    expect(await provider.pay(request(books, 'U1', 9_999), wait())).toEqual(paid);
    expect(await provider.query('U1', wait())).toMatchObject({ state: 'paid' });
    expect(
      await provider.refund(
        { orderNo: 'U1', refundNo: 'R1', amount: 500, orderAmount: 2_500, reason: 'r' },
        wait(),
      ),
    ).toEqual({
      outcome: 'refunded',
    });
    expect(await provider.query('U1', wait())).toEqual({ state: 'refunded', refundedAmount: 500 });
    expect(await provider.query('NONE', wait())).toEqual({ state: 'not_found' });
    expect(books.ledger().charges).toHaveLength(1);
  });

  it('a lost answer is unknown after the caller gives up, and the charge is there', async () => {
    const { books, provider } = setUp({ lostAnswerRate: 1, faultMethods: ['pay'] });
    expect(await provider.pay(request(books, 'U2'), AbortSignal.timeout(100))).toMatchObject({
      outcome: 'unknown',
    });
    expect(await provider.query('U2', wait())).toMatchObject({ state: 'paid' });
  });

  it('a system error is unknown; user paying polls; cancel retries then closes', async () => {
    const errs = setUp({ systemErrorRate: 1, systemErrorAppliedShare: 0, faultMethods: ['pay'] });
    expect(await errs.provider.pay(request(errs.books, 'U3'), wait())).toEqual({
      outcome: 'unknown',
      reason: 'system error',
    });
    expect(await errs.provider.query('U3', wait())).toEqual({ state: 'not_found' });
    const paying = setUp({ userPayingRate: 1, confirmAfterMs: null, cancelRetries: 1 });
    expect(await paying.provider.pay(request(paying.books, 'U4'), wait())).toEqual({
      outcome: 'user_paying',
    });
    expect(await paying.provider.query('U4', wait())).toEqual({ state: 'user_paying' });
    expect(await paying.provider.cancel('U4', wait())).toMatchObject({ outcome: 'retry' });
    expect(await paying.provider.cancel('U4', wait())).toEqual({ outcome: 'cancelled', refunded: false });
    expect(paying.books.ledger().charges).toEqual([]);
  });

  it('shows a code and closes it unpaid; takes no notifications', async () => {
    const { provider } = setUp();
    const shown = await provider.precreate(
      {
        orderNo: 'U5',
        merchantId: 'M1',
        terminalId: 'T1',
        amount: 100,
        currency: 'CNY',
        subject: 's',
        expiresAtMs: Date.now() + 60_000,
      },
      wait(),
    );
    expect(shown).toMatchObject({
      outcome: 'created',
      qrContent: expect.stringMatching(/^https:\/\/qr\.95516\.com\//) as unknown,
    });
    expect(await provider.query('U5', wait())).toEqual({ state: 'not_paid' });
    expect(await provider.close('U5', wait())).toEqual({ outcome: 'closed' });
    let caught: unknown;
    try {
      provider.readNotification();
    } catch (error) {
      caught = error;
    }
    expect(isPosError(caught) && caught.code).toBe('POS_ERR_WALLET_NOTIFICATION_INVALID');
  });
});
