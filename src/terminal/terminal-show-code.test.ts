// The terminal SDK shows a code (a QR order, issue 20 points 4 and 6): the 0200 with field 59 ST 02
// journaled before it leaves, the order followed by transaction queries with growing waits until
// paid or expired, closed when the cashier cancels, a lost answer settled by asking the host, and
// never a second order while one is open or unresolved. On a manual clock over a transport
// straight into a real IsoHost whose engine makes orders at the scripted wallet; the wallet's
// ledger is the proof of every charge.
import { describe, expect, it } from 'vitest';
import { quiesce, type VirtualClock } from '../clock/virtual-clock.js';
import { keyFromHex, type IsoMessage } from '../iso8583/index.js';
import {
  HostTransport,
  makeIsoHarness,
  tmkHex,
  type IsoHarness,
} from '../iso-host/test-support/iso-harness.js';
import { merchantId, terminalId } from '../payments/test-support/engine-harness.js';
import { ScriptedShownWallet } from '../payments/test-support/scripted-shown-wallet.js';
import { MemoryJournal } from './memory-journal.js';
import type { ShowCodeOutcome, ShowCodeProgress } from './outcomes.js';
import type { Printer, Receipt } from './receipt.js';
import { scanCashierText } from './scan-messages.js';
import { showCodeCashierText } from './show-code-messages.js';
import { TerminalClient } from './terminal-client.js';

/**
 * Runs the terminal to its outcome on the manual clock: everything that can run without time
 * moving runs first (the host's SQLite store yields once per transaction, and a host answer takes
 * a few dozen turns), then time jumps to the next sleeper, the terminal's waits among them.
 */
async function drive<T>(clock: VirtualClock, promise: Promise<T>): Promise<T> {
  let settled: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  promise.then(
    (value) => (settled = { ok: true, value }),
    (error: unknown) => (settled = { ok: false, error }),
  );
  for (let steps = 0; steps < 20_000 && settled === undefined; steps += 1) {
    for (let turn = 0; turn < 100 && settled === undefined; turn += 1) await quiesce();
    if (settled !== undefined) break;
    const next = clock.nextDeadline();
    if (next === undefined) throw new Error('the terminal waits on nothing the clock can wake');
    await clock.advanceTo(next);
  }
  const outcome = settled as { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  if (outcome === undefined) throw new Error('the terminal did not finish within 20,000 clock steps');
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

class TestPrinter implements Printer {
  readonly printed: Receipt[] = [];
  print(receipt: Receipt): Promise<void> {
    this.printed.push(receipt);
    return Promise.resolve();
  }
}

function expectKind<K extends ShowCodeOutcome['kind']>(
  outcome: ShowCodeOutcome,
  kind: K,
): Extract<ShowCodeOutcome, { kind: K }> {
  expect(outcome.kind, JSON.stringify(outcome)).toBe(kind);
  return outcome as Extract<ShowCodeOutcome, { kind: K }>;
}

interface Terminal {
  h: IsoHarness;
  wallet: ScriptedShownWallet;
  client: TerminalClient;
  transport: HostTransport;
  journal: MemoryJournal;
  printer: TestPrinter;
  /** Runs a terminal operation to its end on the manual clock. */
  run<T>(promise: Promise<T>): Promise<T>;
  /** Shows a code for `amount`, driving the manual clock; `progress` sees every report. */
  show(
    amount: number,
    options?: { progress?: (p: ShowCodeProgress) => void; signal?: AbortSignal },
  ): Promise<ShowCodeOutcome>;
  /** The customer scans the order's code and pays; its notification is lost unless `notify`. */
  pay(orderNo: string, notify?: boolean): Promise<void>;
  /** The decoded requests sent from `from` on, as `MTI` or `0820 QRY`/`0820 QRC`. */
  sentSince(from: number): string[];
}

async function terminal(journal = new MemoryJournal()): Promise<Terminal> {
  let wallet: ScriptedShownWallet | undefined;
  const h = await makeIsoHarness({
    engineLogs: true,
    engineSettings: { reversalBaseDelayMs: 1000 },
    wallets: (clock) => ({ alipay: (wallet = new ScriptedShownWallet({ clock, wallet: 'alipay' })) }),
  });
  if (wallet === undefined) throw new Error('the harness built no wallet');
  const w = wallet;
  const transport = new HostTransport((frame) => h.host.handle(frame, { id: 'test', remote: 'test' }));
  const printer = new TestPrinter();
  const client = await TerminalClient.open({
    merchantId,
    terminalId,
    transport,
    journal,
    clock: h.clock,
    printer,
    answerTimeoutMs: 5_000,
  });
  await client.setMasterKey(keyFromHex(tmkHex, 'TMK'));
  const label = (m: IsoMessage): string =>
    m.mti === '0820' ? `0820 ${m.fields['63']?.slice(0, 3) ?? ''}` : m.mti;
  return {
    h,
    wallet: w,
    client,
    transport,
    journal,
    printer,
    run: (promise) => drive(h.clock, promise),
    show: (amount, options = {}) =>
      drive(
        h.clock,
        client.showCode({
          amount,
          wallet: 'alipay',
          operatorId: '01',
          ...(options.progress === undefined ? {} : { onProgress: options.progress }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        }),
      ),
    async pay(orderNo, notify = false) {
      const raw = w.customerPays(orderNo, { nowMs: h.clock.now() });
      if (raw === 'refused') throw new Error('the wallet refused the payment');
      if (notify) await h.engine.takeWalletNotification('alipay', raw);
    },
    sentSince: (from) => transport.sent.slice(from).map(label),
  };
}

describe('the terminal SDK shows a code', () => {
  it('asks for an order in field 59, shows its code, and prints the sale once the customer paid', async () => {
    const t = await terminal();
    const codes: string[] = [];
    let paid: Promise<void> | undefined;
    const approved = expectKind(
      await t.show(1280, {
        progress: (p) => {
          if (p.kind !== 'code') return;
          codes.push(p.qrContent);
          paid = t.pay(p.orderNo, true);
        },
      }),
      'approved',
    );
    await paid;
    const sent = t.transport.sent.find((m) => m.mti === '0200');
    expect(sent?.fields['59']).toBe('ST00202WL006alipay');
    expect(sent?.fields['2']).toBeUndefined();
    expect(sent?.fields['22']).toBeUndefined();
    expect(codes).toEqual([`https://scripted.invalid/qr/${approved.record.qr?.orderNo ?? '?'}`]);
    expect(approved.record).toMatchObject({
      state: 'approved',
      responseCode: '00',
      rrn: expect.stringMatching(/^\d{12}$/) as unknown,
    });
    expect(approved.record.qr).toMatchObject({
      wallet: 'alipay',
      flow: 'shown',
      tradeNo: expect.stringMatching(/^TR/) as unknown,
    });
    expect(approved.receipt.text).toContain('QR 收款码  Alipay 支付宝');
    expect(approved.receipt.text).toContain(`Order    ${approved.record.qr?.orderNo ?? '?'}`);
    expect(approved.receipt.text).toContain(`Trade no ${approved.record.qr?.tradeNo ?? '?'}`);
    expect(t.printer.printed).toHaveLength(1);
    expect(showCodeCashierText(approved)).toEqual({ zh: '支付宝收款成功。', en: 'Paid with Alipay.' });
    // The journal keeps the order, not the content shown.
    expect(JSON.stringify(await t.journal.load())).not.toContain('scripted.invalid');
    // The sale stands in the batch on both sides.
    expect(t.client.batchTotals().cny).toMatchObject({ debitCount: 1, debitTotalMinor: 1280 });
    expect((await t.run(t.client.settle())).kind).toBe('balanced');
    expect(t.wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('looks again after 1 s, then 1.5 times longer, at most 5 s apart, until the order expires unpaid', async () => {
    const t = await terminal();
    const queriedAt: number[] = [];
    t.transport.onSend = (m) => {
      if (m.mti === '0820' && m.fields['63']?.startsWith('QRY') === true) queriedAt.push(t.h.clock.now());
    };
    let shownAt = 0;
    const expired = expectKind(
      await t.show(900, {
        progress: (p) => {
          if (p.kind === 'code') shownAt = t.h.clock.now();
        },
      }),
      'not-paid',
    );
    expect(expired.state).toBe('expired');
    const gaps = queriedAt.map((at, i) => at - (i === 0 ? shownAt : (queriedAt[i - 1] ?? 0)));
    expect(gaps.slice(0, 6)).toEqual([1000, 1500, 2250, 3375, 5000, 5000]);
    expect(Math.max(...gaps)).toBe(5000);
    // The host closed it at its expiry: the first look past two minutes said so, no QRC needed.
    expect(queriedAt.at(-1)).toBeGreaterThanOrEqual(shownAt + 120_000);
    expect(queriedAt.at(-1)).toBeLessThan(shownAt + 125_000);
    expect(t.sentSince(0)).not.toContain('0820 QRC');
    expect(expired.record).toMatchObject({
      state: 'declined',
      responseCode: null,
      message: 'expired unpaid',
    });
    expect(showCodeCashierText(expired).en).toBe(
      'The code expired unpaid. To take the payment, show a new code.',
    );
    expect(t.printer.printed).toEqual([]);
    expect(t.wallet.shownLedger()).toMatchObject({ charges: 0 });
  });

  it('closes the order when the cashier cancels, and keeps the sale when the customer was first', async () => {
    const t = await terminal();
    const cancel = new AbortController();
    const closed = expectKind(
      await t.show(1500, {
        progress: (p) => {
          if (p.kind === 'waiting' && p.polls === 1) cancel.abort();
        },
        signal: cancel.signal,
      }),
      'not-paid',
    );
    expect(closed.state).toBe('closed');
    expect(t.sentSince(0).filter((s) => s === '0820 QRC')).toHaveLength(1);
    // Closed at the host at once; the reversal queue closes it at the wallet.
    const [order] = await t.h.engine.listPayments({ merchantId, limit: 10 });
    expect(order).toMatchObject({
      id: expect.any(String) as unknown,
      status: 'reversal_pending',
      reversalReason: 'other',
    });
    expect(showCodeCashierText(closed).zh).toContain('收款码已关闭');
    // The customer pays in the moment the cashier cancels: the close finds it paid.
    const late = new AbortController();
    let paid: Promise<void> | undefined;
    const approved = expectKind(
      await t.show(1600, {
        progress: (p) => {
          if (p.kind === 'code') {
            paid = t.pay(p.orderNo);
            late.abort();
          }
        },
        signal: late.signal,
      }),
      'approved',
    );
    await paid;
    expect(approved.record.qr?.tradeNo).toMatch(/^TR/);
    expect(t.wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('asks the host when the answer to the 0200 is lost, and shows the order it has: one order, one charge', async () => {
    const t = await terminal();
    await t.client.signIn();
    t.transport.fault = (m) => (m.mti === '0200' ? 'lose-answer' : undefined);
    const from = t.transport.sent.length;
    const approved = expectKind(
      await t.show(700, {
        progress: (p) => {
          if (p.kind === 'code') void t.pay(p.orderNo);
        },
      }),
      'approved',
    );
    expect(t.sentSince(from).slice(0, 2)).toEqual(['0200', '0820 QRY']);
    expect(t.sentSince(from)).not.toContain('0400');
    expect(approved.record.rrn).toMatch(/^\d{12}$/);
    expect(t.wallet.shownCalls.precreate).toHaveLength(1);
    expect(t.wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('sends the 0200 again, same STAN, when the host never had it', async () => {
    const t = await terminal();
    await t.client.signIn();
    let lost = false;
    t.transport.fault = (m) => {
      if (m.mti !== '0200' || lost) return undefined;
      lost = true;
      return 'lose-request';
    };
    const from = t.transport.sent.length;
    const approved = expectKind(
      await t.show(800, {
        progress: (p) => {
          if (p.kind === 'code') void t.pay(p.orderNo);
        },
      }),
      'approved',
    );
    expect(t.sentSince(from).slice(0, 3)).toEqual(['0200', '0820 QRY', '0200']);
    const creates = t.transport.sent.filter((m) => m.mti === '0200');
    expect(creates.map((m) => m.fields['11'])).toEqual([approved.record.stan, approved.record.stan]);
    expect(t.wallet.shownCalls.precreate).toHaveLength(1);
  });

  it('makes no second order while one is unresolved, then settles it first; a paid one is never asked again', async () => {
    const journal = new MemoryJournal();
    const t = await terminal(journal);
    await t.client.signIn();
    // The order is made and the customer pays it; but the host is unreachable from then on: the
    // terminal can neither learn it was paid nor close it.
    let paid: Promise<void> | undefined;
    t.transport.fault = (m) => (m.mti === '0820' ? 'not-sent' : undefined);
    const unresolved = expectKind(
      await t.show(1280, {
        progress: (p) => {
          if (p.kind === 'code') paid = t.pay(p.orderNo, true);
        },
      }),
      'unresolved',
    );
    await paid;
    expect(unresolved.record.state).toBe('sending');
    expect(showCodeCashierText(unresolved).zh).toContain('不要让顾客再次付款');
    // A new code while the host is still unreachable: nothing new goes out.
    t.transport.fault = () => 'not-sent';
    const blocked = expectKind(await t.show(1280), 'blocked');
    expect(blocked.unresolvedShown?.stan).toBe(unresolved.record.stan);
    expect(showCodeCashierText(blocked).en).toContain('no new code was made');
    expect(t.transport.sent.filter((m) => m.mti === '0200')).toHaveLength(1);
    // Nor is a customer's payment code taken meanwhile: they might pay twice.
    const scan = await t.run(t.client.scan({ amount: 1280, code: '134567890123456789' }));
    expect(scan).toMatchObject({ kind: 'blocked', unresolvedShown: { stan: unresolved.record.stan } });
    if (scan.kind === 'blocked') expect(scanCashierText(scan).zh).toContain('上一个收款码');
    // The terminal restarts on its journal and the host is back: the open order is asked about
    // first; it was paid, so that sale is printed and no new code is made.
    t.transport.fault = () => undefined;
    const reopened = await TerminalClient.open({
      merchantId,
      terminalId,
      transport: t.transport,
      journal,
      clock: t.h.clock,
      printer: t.printer,
    });
    const earlier = expectKind(
      await t.run(reopened.showCode({ amount: 1280, wallet: 'alipay' })),
      'earlier-paid',
    );
    expect(earlier.record).toMatchObject({ stan: unresolved.record.stan, state: 'approved' });
    expect(showCodeCashierText(earlier).en).toContain('Do not ask the customer to pay again');
    expect(t.printer.printed).toHaveLength(1);
    expect(t.transport.sent.filter((m) => m.mti === '0200')).toHaveLength(1);
    // The next code is made as usual.
    const next = expectKind(await t.run(reopened.showCode({ amount: 500, wallet: 'alipay' })), 'not-paid');
    expect(next.state).toBe('expired');
    expect(t.wallet.shownLedger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('closes an order a crash left open before anything else, and then makes the new one', async () => {
    const journal = new MemoryJournal();
    const t = await terminal(journal);
    await t.client.signIn();
    // The terminal dies while it shows the code: its journal keeps the order open.
    await expect(
      t.show(300, {
        progress: (p) => {
          if (p.kind === 'code') throw new Error('power cut');
        },
      }),
    ).rejects.toThrow('power cut');
    const [open] = (await journal.load()).records.filter((r) => r.state === 'sending');
    expect(open?.qr).toMatchObject({ flow: 'shown', orderNo: expect.stringMatching(/^PG/) as unknown });
    const reopened = await TerminalClient.open({
      merchantId,
      terminalId,
      transport: t.transport,
      journal,
      clock: t.h.clock,
    });
    const from = t.transport.sent.length;
    const declined = expectKind(
      await t.run(reopened.showCode({ amount: 300, wallet: 'wechat' })),
      'declined',
    );
    // Asked about (still open), closed, and only then the new 0200 went: refused 58 here.
    expect(t.sentSince(from)).toEqual(['0820 QRY', '0820 QRC', '0200']);
    expect(reopened.findRecord(open?.stan ?? '')).toMatchObject({
      state: 'declined',
      message: 'closed: not paid',
    });
    const orders = await t.h.engine.listPayments({ merchantId, limit: 10 });
    expect(orders.map((o) => o.status)).toEqual(['reversal_pending']);
    expect(declined.record.responseCode).toBe('58');
    expect(showCodeCashierText(declined)).toEqual({
      zh: '本机不支持该钱包收款：请顾客换用其他方式付款。',
      en: 'This wallet is not accepted here: ask the customer to pay another way.',
    });
  });
});
