// The simulator's wallet: each fault of the schedule on the simulated wallet's books, on virtual
// time, with the books proving what was charged and refunded.
import { describe, expect, it } from 'vitest';
import { Secret } from '../cards/secret.js';
import { VirtualClock } from '../clock/virtual-clock.js';
import { faultRates } from './faults.js';
import { Schedule } from './schedule.js';
import { SimContext } from './sim-context.js';
import { SimWallets } from './sim-wallets.js';
import type { Intent } from './intents.js';

const intent: Intent = {
  id: 3,
  terminal: 0,
  atMs: 0,
  card: 42,
  amount: 1280,
  repeatOf: null,
  method: 'qr',
  wallet: 'wechat',
};

/** A day with only the named wallet faults on, every one of them striking every occasion. */
function walletDay(overrides: string[]) {
  const clock = new VirtualClock();
  const sim = new SimContext(clock, new Schedule(5), faultRates('none', overrides));
  const key = 'T0000000:000001:000001';
  sim.registerAttempt(key, intent.id, null);
  sim.registerOrder('ORDER1', key);
  const wallets = new SimWallets(sim, {
    lateByMs: 15_000,
    attemptOf: (orderNo) => sim.attemptOfOrder(orderNo),
  });
  const wechat = wallets.providers.wechat;
  const pay = (signal = new AbortController().signal) =>
    wechat.pay(
      {
        orderNo: 'ORDER1',
        merchantId: 'M',
        terminalId: 'T0000000',
        amount: intent.amount,
        currency: 'CNY',
        code: new Secret(wallets.codeFor(intent), 'payment code'),
        subject: 'shop',
      },
      signal,
    );
  return { clock, sim, wallets, wechat, pay, key };
}

describe("the simulator's wallet", () => {
  it('charges the customer once and answers paid when no fault is on', async () => {
    const { clock, wallets, pay } = walletDay([]);
    const answer = pay();
    await clock.advance(1_000);
    await expect(answer).resolves.toMatchObject({ outcome: 'paid', amount: 1280 });
    expect(wallets.books.charges.map((c) => [c.orderNo, c.amount])).toEqual([['ORDER1', 1280]]);
  });

  it('answers "user paying" and the customer confirms on the phone 5 to 40 s later', async () => {
    const { clock, sim, wallets, wechat, pay, key } = walletDay(['wallet_user_paying=1']);
    const answer = pay();
    await clock.advance(1_000);
    await expect(answer).resolves.toEqual({ outcome: 'user_paying' });
    expect(wallets.books.charges).toHaveLength(0);
    await clock.advance(40_000);
    const query = wechat.query('ORDER1', new AbortController().signal);
    await clock.advance(1_000);
    await expect(query).resolves.toMatchObject({ state: 'paid', amount: 1280 });
    expect(wallets.books.charges).toHaveLength(1);
    expect(sim.faultsOf.get(key)).toEqual(['third_party']);
  });

  it('charges on a pay whose answer is lost, and answers unknown once the caller stops waiting', async () => {
    const { clock, wallets, pay } = walletDay(['wallet_answer_lost=1']);
    const caller = new AbortController();
    const answer = pay(caller.signal);
    await clock.advance(60_000);
    expect(wallets.books.charges).toHaveLength(1);
    caller.abort();
    await expect(answer).resolves.toMatchObject({ outcome: 'unknown' });
  });

  it("charges on a late pay and answers after the host's timeout", async () => {
    const { clock, wallets, pay } = walletDay(['wallet_late=1']);
    let answered = false;
    const answer = pay().then((a) => {
      answered = true;
      return a;
    });
    await clock.advance(14_000);
    expect([answered, wallets.books.charges.length]).toEqual([false, 1]);
    await clock.advance(2_000);
    await expect(answer).resolves.toMatchObject({ outcome: 'paid' });
  });

  it('refuses a fresh code as already used and charges nothing', async () => {
    const { clock, wallets, pay } = walletDay(['wallet_code_used=1']);
    const answer = pay();
    await clock.advance(1_000);
    await expect(answer).resolves.toMatchObject({ outcome: 'refused', refusal: 'code_used' });
    expect(wallets.books.charges).toHaveLength(0);
  });

  it('answers a cancel "retry" one to three times, then cancels and refunds the charge', async () => {
    const { clock, wallets, wechat, pay } = walletDay(['wallet_cancel_retry=1']);
    const paid = pay();
    await clock.advance(1_000);
    await expect(paid).resolves.toMatchObject({ outcome: 'paid' });
    const answers: string[] = [];
    for (let call = 0; call < 5 && answers.at(-1) !== 'cancelled'; call += 1) {
      const cancel = wechat.cancel('ORDER1', new AbortController().signal);
      await clock.advance(1_000);
      answers.push((await cancel).outcome);
    }
    expect(answers.length).toBeGreaterThanOrEqual(2);
    expect(answers.length).toBeLessThanOrEqual(4);
    expect(answers.slice(0, -1).every((a) => a === 'retry')).toBe(true);
    expect(answers.at(-1)).toBe('cancelled');
    expect(wallets.books.refunds.map((r) => [r.orderNo, r.amount])).toEqual([['ORDER1', 1280]]);
  });

  it('gives each customer a fresh code of their wallet at each scan', () => {
    const { wallets } = walletDay([]);
    const first = wallets.codeFor(intent);
    const second = wallets.codeFor(intent);
    expect(first).not.toBe(second);
    expect(first).toMatch(/^1[0-5]\d{16}$/);
    expect(wallets.codeFor({ ...intent, wallet: 'alipay' })).toMatch(/^(2[5-9]|30)\d{16}$/);
  });
});
