// The simulated wallet's books on a virtual clock: codes of each wallet's shape, single use and
// valid 60 s; orders idempotent by number; customers confirming or never; the wallet closing what
// waited too long; cancels, closes and refunds; the same seed giving the same run.
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock/virtual-clock.js';
import { isPosError } from '../pos-error.js';
import { codeShapes, walletOfCode } from './payment-codes.js';
import { SimulatedWallet } from './simulated-wallet.js';
import { checkFaults, noWalletFaults, type SimulatedWalletFaults } from './wallet-faults.js';

function books(
  faults: Partial<SimulatedWalletFaults> = {},
  seed = 7,
): { wallet: SimulatedWallet; clock: VirtualClock } {
  const clock = new VirtualClock();
  const wallet = new SimulatedWallet({ clock, seed, faults: { ...noWalletFaults, ...faults } });
  wallet.addPayer('alice', 10_000);
  return { wallet, clock };
}

const pay = (wallet: SimulatedWallet, orderNo: string, code: string, amount = 1_000) =>
  wallet.pay({ wallet: 'alipay', orderNo, code, amount, subject: 's' });

describe('payment codes', () => {
  it("issues codes of each wallet's documented shape, and tells the wallet back from a code", () => {
    const { wallet } = books();
    for (let i = 0; i < 50; i += 1) {
      const wechat = wallet.issueCode('alice', 'wechat').code;
      const alipay = wallet.issueCode('alice', 'alipay').code;
      const unionpay = wallet.issueCode('alice', 'unionpay').code;
      expect(wechat).toMatch(/^1[0-5]\d{16}$/);
      expect(alipay).toMatch(/^(2[5-9]|30)\d{14,22}$/);
      expect(unionpay).toMatch(/^62\d{17}$/);
      expect([walletOfCode(wechat), walletOfCode(alipay), walletOfCode(unionpay)]).toEqual([
        'wechat',
        'alipay',
        'unionpay',
      ]);
    }
    expect(codeShapes.alipay.lengths).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24]);
    for (const code of [
      '09' + '1'.repeat(16),
      '1'.repeat(17),
      '31' + '1'.repeat(16),
      '62' + '1'.repeat(16),
      '12345678901234567a',
    ]) {
      expect(walletOfCode(code)).toBeUndefined();
    }
  });

  it('a code pays once, within 60 s, for its own wallet only', async () => {
    const { wallet, clock } = books();
    const { code } = wallet.issueCode('alice', 'alipay');
    expect(pay(wallet, 'O1', code).kind).toBe('paid');
    expect(pay(wallet, 'O2', code)).toEqual({ kind: 'refused', refusal: 'code_used' });
    const late = wallet.issueCode('alice', 'alipay').code;
    await clock.advance(60_000);
    expect(pay(wallet, 'O3', late)).toEqual({ kind: 'refused', refusal: 'code_expired' });
    const wechat = wallet.issueCode('alice', 'wechat').code;
    expect(pay(wallet, 'O4', wechat)).toEqual({ kind: 'refused', refusal: 'code_invalid' });
    expect(wallet.ledger().charges).toHaveLength(1);
    expect(() => wallet.issueCode('nobody', 'alipay')).toThrow('no payer');
  });
});

describe('orders', () => {
  it('a second pay under one number with another code never charges twice', () => {
    const { wallet } = books();
    const first = pay(wallet, 'O1', wallet.issueCode('alice', 'alipay').code);
    const second = pay(wallet, 'O1', wallet.issueCode('alice', 'alipay').code);
    expect(first.kind).toBe('paid');
    expect(second).toMatchObject({ kind: 'exists', order: { state: 'paid', amount: 1_000 } });
    expect(wallet.ledger().payers).toEqual([
      { payerId: 'alice', balance: 9_000, charged: 1_000, charges: 1 },
    ]);
  });

  it('a refused attempt may be retried under the same number with a good code', () => {
    const { wallet } = books();
    expect(pay(wallet, 'O1', '281111111111111111')).toEqual({ kind: 'refused', refusal: 'code_invalid' });
    expect(pay(wallet, 'O1', wallet.issueCode('alice', 'alipay').code).kind).toBe('paid');
    expect(wallet.ledger().orders.find((o) => o.orderNo === 'O1')).toMatchObject({
      state: 'paid',
      charges: 1,
    });
  });

  it('a customer confirming later is charged then, and one short of money fails', async () => {
    const { wallet, clock } = books({ userPayingRate: 1, confirmAfterMs: 5_000 });
    expect(pay(wallet, 'O1', wallet.issueCode('alice', 'alipay').code).kind).toBe('user_paying');
    expect(pay(wallet, 'O2', wallet.issueCode('alice', 'alipay').code, 20_000).kind).toBe('user_paying');
    await clock.advance(4_999);
    expect(wallet.query('alipay', 'O1')?.state).toBe('user_paying');
    await clock.advance(1);
    expect(wallet.query('alipay', 'O1')?.state).toBe('paid');
    expect(wallet.query('alipay', 'O2')).toMatchObject({ state: 'failed', failure: 'insufficient_funds' });
    expect(wallet.ledger().charges.map((c) => c.orderNo)).toEqual(['O1']);
  });

  it('the wallet closes a pay never confirmed (WeChat at 45 s), and a cancel made then refunds nothing', async () => {
    const { wallet, clock } = books({ userPayingRate: 1, confirmAfterMs: null });
    wallet.pay({
      wallet: 'wechat',
      orderNo: 'W1',
      code: wallet.issueCode('alice', 'wechat').code,
      amount: 100,
      subject: 's',
    });
    await clock.advance(44_999);
    expect(wallet.query('wechat', 'W1')?.state).toBe('user_paying');
    await clock.advance(1);
    expect(wallet.query('wechat', 'W1')?.state).toBe('closed');
    expect(wallet.cancel('wechat', 'W1')).toMatchObject({ kind: 'cancelled', refunded: false });
    expect(wallet.ledger().refunds).toEqual([]);
  });

  it('cancel answers retry the set number of times per order, then refunds a paid order in full once', () => {
    const { wallet } = books({ cancelRetries: 2 });
    pay(wallet, 'O1', wallet.issueCode('alice', 'alipay').code);
    expect([wallet.cancel('alipay', 'O1').kind, wallet.cancel('alipay', 'O1').kind]).toEqual([
      'retry',
      'retry',
    ]);
    expect(wallet.cancel('alipay', 'O1')).toMatchObject({ kind: 'cancelled', refunded: true });
    expect(wallet.cancel('alipay', 'O1')).toMatchObject({ kind: 'cancelled', refunded: true });
    expect(wallet.ledger().refunds.map((r) => r.amount)).toEqual([1_000]);
    expect(wallet.balance('alice')).toBe(10_000);
  });

  it('refunds: once per number, never past the amount, never on an unpaid order', () => {
    const { wallet } = books();
    pay(wallet, 'O1', wallet.issueCode('alice', 'alipay').code);
    expect(wallet.refund('alipay', 'O1', 'R1', 600)).toMatchObject({ kind: 'refunded', repeated: false });
    expect(wallet.refund('alipay', 'O1', 'R1', 600)).toMatchObject({ kind: 'refunded', repeated: true });
    expect(wallet.refund('alipay', 'O1', 'R1', 500)).toEqual({ kind: 'refused', why: 'conflict' });
    expect(wallet.refund('alipay', 'O1', 'R2', 401)).toEqual({ kind: 'refused', why: 'exceeds' });
    expect(wallet.refund('alipay', 'NOPE', 'R1', 1)).toEqual({ kind: 'refused', why: 'not_found' });
    wallet.precreate({
      wallet: 'alipay',
      orderNo: 'S1',
      amount: 5,
      subject: 's',
      expiresAtMs: Number.MAX_SAFE_INTEGER,
      notifyUrl: null,
    });
    expect(wallet.refund('alipay', 'S1', 'R1', 5)).toEqual({ kind: 'refused', why: 'not_paid' });
    expect(wallet.balance('alice')).toBe(9_600);
  });

  it('a refund left processing counts against the order at once and reaches the payer when it settles', async () => {
    const { wallet, clock } = books();
    pay(wallet, 'O1', wallet.issueCode('alice', 'alipay').code);
    expect(wallet.refund('alipay', 'O1', 'R1', 700, 30_000)).toMatchObject({
      kind: 'processing',
      repeated: false,
    });
    expect(wallet.refund('alipay', 'O1', 'R1', 700)).toMatchObject({ kind: 'processing', repeated: true });
    expect(wallet.refund('alipay', 'O1', 'R2', 301)).toEqual({ kind: 'refused', why: 'exceeds' });
    expect(wallet.refundState('alipay', 'R1')).toMatchObject({ state: 'processing', amount: 700 });
    expect(wallet.refundState('alipay', 'R9').state).toBe('not_found');
    expect([wallet.balance('alice'), wallet.ledger().refunds]).toEqual([9_000, []]);
    await clock.advance(30_000);
    expect(wallet.refundState('alipay', 'R1').state).toBe('refunded');
    expect(wallet.ledger().refunds.map((r) => [r.refundNo, r.amount])).toEqual([['R1', 700]]);
    expect(wallet.balance('alice')).toBe(9_700);
  });

  it('a shown code: the same again gives the same code; paid once by scan; expires; closes', async () => {
    const { wallet, clock } = books();
    const request = {
      wallet: 'wechat' as const,
      orderNo: 'S1',
      amount: 300,
      subject: 's',
      expiresAtMs: clock.now() + 60_000,
      notifyUrl: null,
    };
    const shown = wallet.precreate(request);
    expect(wallet.precreate(request)).toEqual(shown);
    expect(wallet.precreate({ ...request, amount: 301 })).toEqual({ kind: 'refused', why: 'conflict' });
    if (shown.kind !== 'created') throw new Error('not created');
    expect(wallet.scan(shown.qrContent, 'alice').outcome).toBe('paid');
    expect(wallet.scan(shown.qrContent, 'alice').outcome).toBe('paid');
    expect(wallet.ledger().charges).toHaveLength(1);
    expect(wallet.close('wechat', 'S1')).toBe('already_paid');
    const other = wallet.precreate({ ...request, orderNo: 'S2' });
    await clock.advance(60_000);
    if (other.kind !== 'created') throw new Error('not created');
    expect(wallet.scan(other.qrContent, 'alice').outcome).toBe('closed');
    expect(() => wallet.scan('https://example.com/x', 'alice')).toThrow('no shown code');
  });
});

describe('faults', () => {
  it('the same seed gives the same codes and the same fault draws', () => {
    const run = (seed: number): string[] => {
      const { wallet } = books({ codeUsedRate: 0.5 }, seed);
      return Array.from({ length: 20 }, (_, i) => {
        const code = wallet.issueCode('alice', 'alipay').code;
        return `${code}:${pay(wallet, `O${i}`, code, 1).kind}`;
      });
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
    expect(new Set(run(3).map((line) => line.split(':')[1]))).toEqual(new Set(['paid', 'refused']));
  });

  it('refuses faults out of range with a coded error naming the field', () => {
    const bad: Array<Partial<SimulatedWalletFaults>> = [
      { lostAnswerRate: 1.5 },
      { latencyMs: { min: 5, max: 1 } },
      { cancelRetries: -1 },
      { confirmAfterMs: 1.5 },
      { faultMethods: ['pay', 'fly' as 'pay'] },
      { refundProcessingRate: -0.1 },
      { refundProcessingMs: 1.5 },
    ];
    for (const faults of bad) {
      let caught: unknown;
      try {
        checkFaults({ ...noWalletFaults, ...faults });
      } catch (error) {
        caught = error;
      }
      expect(isPosError(caught) && caught.code).toBe('POS_ERR_SIMULATED_WALLET_BAD_REQUEST');
      expect((caught as Error).message).toContain(Object.keys(faults)[0]);
    }
  });
});
