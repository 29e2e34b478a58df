// The terminal SDK's scan-code (QR) sale (issue 20): the customer's payment code sent in field 59,
// the answer awaited for the wallet's pay window, a lost answer settled by asking the host before
// anything is reversed, and no fresh code sent while the last one is unresolved. First on a manual
// clock over a transport straight into a real IsoHost with the scripted wallet, whose network
// faults each test chooses; then over real TCP to a real host whose engine pays through the
// simulated wallet's UnionPay QR provider. The wallet's ledger is the proof of every charge.
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../clock/clock.js';
import { keyFromHex, type IsoMessage } from '../iso8583/index.js';
import {
  HostTransport,
  makeIsoHarness,
  tmkHex,
  type IsoHarness,
} from '../iso-host/test-support/iso-harness.js';
import {
  qrMerchantId,
  qrTerminalId,
  qrTmkHex,
  startQrTcpHost,
  type QrTcpHost,
} from '../iso-host/test-support/qr-tcp-host.js';
import { merchantId, terminalId } from '../payments/test-support/engine-harness.js';
import { ScriptedWallet } from '../payments/test-support/scripted-wallet.js';
import { MemoryJournal } from './memory-journal.js';
import type { SaleOutcome } from './outcomes.js';
import type { Printer, Receipt } from './receipt.js';
import { scanCashierText } from './scan-messages.js';
import { AnswerLosingTransport } from './simulated-faults.js';
import { TcpTransport } from './tcp-transport.js';
import { TerminalClient } from './terminal-client.js';
import { unansweredCashierText } from './unanswered-messages.js';

/** A fresh WeChat Pay code (18 digits starting 13) for each number. */
const wechatCode = (n: number): string =>
  `13${String(5_550_000_000_000_000 + n * 104_729).padStart(16, '0')}`;

class TestPrinter implements Printer {
  readonly printed: Receipt[] = [];
  print(receipt: Receipt): Promise<void> {
    this.printed.push(receipt);
    return Promise.resolve();
  }
}

function expectKind<K extends SaleOutcome['kind']>(
  outcome: SaleOutcome,
  kind: K,
): Extract<SaleOutcome, { kind: K }> {
  expect(outcome.kind, JSON.stringify(outcome)).toBe(kind);
  return outcome as Extract<SaleOutcome, { kind: K }>;
}

async function scanTerminal(): Promise<{
  h: IsoHarness;
  wallet: ScriptedWallet;
  client: TerminalClient;
  transport: HostTransport;
  journal: MemoryJournal;
  printer: TestPrinter;
}> {
  let wallet: ScriptedWallet | undefined;
  const h = await makeIsoHarness({
    engineLogs: true,
    engineSettings: { reversalBaseDelayMs: 1000 },
    wallets: (clock) => ({ wechat: (wallet = new ScriptedWallet({ clock })) }),
  });
  if (wallet === undefined) throw new Error('the harness built no wallet');
  const transport = new HostTransport((frame) => h.handle(frame));
  const journal = new MemoryJournal();
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
  return { h, wallet, client, transport, journal, printer };
}

/** Runs the host's reversal queue until nothing is queued, moving the clock to each attempt. */
async function drainAll(h: IsoHarness): Promise<void> {
  for (let round = 0; round < 50; round += 1) {
    await h.drive(h.engine.drainReversals());
    const due = await h.store.read((r) => r.nextReversalDueAt());
    if (due === null) return;
    await h.clock.advanceTo(due);
  }
  throw new Error('the reversal queue did not empty');
}

describe('the terminal SDK scans a payment code', () => {
  it('sends it in field 59 and prints the wallet, the masked code and the trade number; the journal keeps no code', async () => {
    const { h, wallet, client, transport, journal, printer } = await scanTerminal();
    const code = wechatCode(1);
    const approved = expectKind(await client.scan({ amount: 1280, code, operatorId: '01' }), 'approved');
    const sent = transport.sent.find((m) => m.mti === '0200');
    expect(sent?.fields['59']).toBe(`ST00201PC018${code}`);
    expect(sent?.fields['2']).toBeUndefined();
    expect(sent?.fields['22']).toBeUndefined();
    expect(approved.record.qr).toEqual({
      wallet: 'wechat',
      codeMasked: `**************${code.slice(-4)}`,
      tradeNo: expect.stringMatching(/^T/) as unknown,
    });
    expect(approved.receipt.text).toContain('QR 扫码  WeChat Pay 微信支付');
    expect(approved.receipt.text).toContain(`Code     **************${code.slice(-4)}`);
    expect(approved.receipt.text).toContain(`Trade no ${approved.record.qr?.tradeNo ?? '?'}`);
    expect(printer.printed).toHaveLength(1);
    expect(scanCashierText(approved)).toEqual({ zh: '微信支付付款成功。', en: 'Paid with WeChat Pay.' });
    expect(JSON.stringify(await journal.load())).not.toContain(code);
    expect(h.logText()).not.toContain(code);
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('asks the host when the answer is lost, and keeps the sale the customer paid: no reversal, one charge', async () => {
    const { h, wallet, client, transport } = await scanTerminal();
    await client.signIn();
    transport.fault = (request) => (request.mti === '0200' ? 'lose-answer' : undefined);
    const approved = expectKind(await client.scan({ amount: 990, code: wechatCode(2) }), 'approved');
    expect(approved.record.message).toContain('the host says approved');
    expect(approved.record.qr?.wallet).toBe('wechat');
    expect(transport.summary().map((s) => s.slice(0, 4))).toEqual(['0800', '0200', '0820']);
    expect(client.pendingReversals()).toEqual([]);
    await drainAll(h);
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('reverses, without field 59, what the host cannot settle, and takes no new code until the host has the reversal', async () => {
    const { h, wallet, client, transport } = await scanTerminal();
    await client.signIn();
    // The 0200 reaches the host and is charged; then the network is down: no answer, no query, no 0400.
    let down = false;
    transport.fault = (request) => {
      if (request.mti === '0200' && !down) {
        down = true;
        return 'lose-answer';
      }
      return down ? 'not-sent' : undefined;
    };
    const first = expectKind(await client.scan({ amount: 1500, code: wechatCode(3) }), 'reversal-pending');
    expect(scanCashierText(first).zh).toContain('不要让顾客再次付款');
    // A fresh code while the first is unresolved: nothing is sent at all.
    const before = transport.sent.length;
    const blocked = expectKind(await client.scan({ amount: 1500, code: wechatCode(4) }), 'blocked');
    expect(blocked.unresolvedScan?.stan).toBe(first.record.stan);
    expect(scanCashierText(blocked).en).toContain('do not ask the customer for a new code');
    expect(transport.sent.length).toBe(before);
    // The network is back: the owed 0400 goes first (a 0400 was tried, so no query), then the new code.
    transport.fault = () => undefined;
    await h.clock.advanceTo(h.clock.now() + 3_000); // past the double-read window: a scan of its own
    const second = expectKind(await client.scan({ amount: 1500, code: wechatCode(4) }), 'approved');
    const after = transport.sent.slice(before);
    expect(after.map((m) => m.mti)).toEqual(['0400', '0200']);
    expect(after[0]?.fields['59']).toBeUndefined();
    expect(after[0]?.fields['39']).toBe('98');
    expect(second.record.state).toBe('approved');
    await drainAll(h);
    // The first code's charge was cancelled and refunded; the second stands: one charge in the end.
    expect(wallet.ledger()).toMatchObject({ charges: 2, refunds: 1, netCharges: 1 });
  });

  it('settles an unresolved scan from a crashed run by asking first: the customer who paid is not refunded', async () => {
    const { h, wallet, client, transport, journal } = await scanTerminal();
    await client.signIn();
    // The answer is lost and the terminal dies before it asks: the journal has the sale, sending,
    // and its reversal owed, never tried.
    transport.fault = (request) => (request.mti === '0200' ? 'lose-answer' : 'not-sent');
    expectKind(await client.scan({ amount: 700, code: wechatCode(5) }), 'reversal-pending');
    const contents = await journal.load();
    for (const reversal of contents.reversals) await journal.putReversal({ ...reversal, attempts: 0 });
    transport.fault = () => undefined;
    const reopened = await TerminalClient.open({
      merchantId,
      terminalId,
      transport,
      journal,
      clock: h.clock,
      answerTimeoutMs: 5_000,
    });
    const sent = transport.sent.length;
    const status = await reopened.sendReversals();
    expect(status).toMatchObject({ delivered: 0, pending: 0 });
    expect(transport.sent.slice(sent).map((m) => m.mti)).toEqual(['0820']);
    expect(reopened.records().at(-1)?.state).toBe('approved');
    await drainAll(h);
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('says the wallet declined, in both languages, and ignores the same code scanned twice at once', async () => {
    const { wallet, client, transport } = await scanTerminal();
    wallet.next({ pay: [{ do: 'refuse', refusal: 'insufficient_funds' }] });
    const declined = expectKind(await client.scan({ amount: 2000, code: wechatCode(6) }), 'declined');
    expect(declined.record.responseCode).toBe('51');
    expect(scanCashierText(declined)).toEqual({
      zh: '顾客钱包余额不足：请顾客换用其他方式付款。',
      en: "Insufficient funds in the customer's wallet: ask the customer to pay another way.",
    });
    const code = wechatCode(7);
    const [once, twice] = await Promise.all([
      client.scan({ amount: 300, code }),
      client.scan({ amount: 300, code }),
    ]);
    expectKind(once, 'approved');
    expectKind(twice, 'ignored-double-read');
    expect(transport.sent.filter((m) => m.mti === '0200')).toHaveLength(2);
    expect(wallet.ledger()).toMatchObject({ charges: 1, refunds: 0 });
  });
});

describe('the terminal SDK scanning over TCP to a real host', () => {
  let host: QrTcpHost | undefined;
  afterEach(async () => {
    await host?.stop();
    host = undefined;
  });

  async function tcpTerminal(
    qr: QrTcpHost,
    options: { scanAnswerTimeoutMs?: number; losing?: boolean; journal?: MemoryJournal } = {},
  ): Promise<TerminalClient> {
    const tcp = new TcpTransport({ host: '127.0.0.1', port: qr.port, clock: systemClock });
    const client = await TerminalClient.open({
      merchantId: qrMerchantId,
      terminalId: qrTerminalId,
      transport: options.losing === true ? new AnswerLosingTransport(tcp) : tcp,
      journal: options.journal ?? new MemoryJournal(),
      clock: systemClock,
      answerTimeoutMs: 5_000,
      scanQueryIntervalMs: 400,
      scanQueries: 10,
      ...(options.scanAnswerTimeoutMs === undefined
        ? {}
        : { scanAnswerTimeoutMs: options.scanAnswerTimeoutMs }),
    });
    await client.setMasterKey(keyFromHex(qrTmkHex, 'TMK'));
    expect((await client.signIn()).kind).toBe('signed-in');
    return client;
  }

  const charges = (qr: QrTcpHost) => qr.books.ledger().charges.length;
  const refunds = (qr: QrTcpHost) => qr.books.ledger().refunds.length;

  it('waits out a customer confirming on the phone past the idle timeout and frame deadline, and is approved once', async () => {
    host = await startQrTcpHost({
      faults: { userPayingRate: 1, confirmAfterMs: 1_500 },
      timing: { queryIntervalMs: 300, payWindowMs: 5_000 },
      idleTimeoutMs: 500,
      frameDeadlineMs: 500,
    });
    const client = await tcpTerminal(host);
    const code = host.code();
    const approved = expectKind(await client.scan({ amount: 1280, code }), 'approved');
    expect(approved.record.qr).toMatchObject({
      wallet: 'unionpay',
      codeMasked: `***************${code.slice(-4)}`,
    });
    expect(approved.receipt.text).toContain('UnionPay QR 银联二维码');
    expect(approved.record.qr?.tradeNo).toBe(host.books.ledger().charges[0]?.tradeNo);
    // Answered on its own connection after the customer confirmed: three idle timeouts later.
    expect(approved.record.message).not.toContain('the host says');
    const saleLine = host.logs.find((l) => l.fields['type'] === 'sale');
    expect(saleLine?.fields['ms']).toBeGreaterThanOrEqual(1_400);
    expect(saleLine?.fields['responseCode']).toBe('00');
    expect(host.logText()).not.toContain(code);
    await client.close();
    expect([charges(host), refunds(host)]).toEqual([1, 0]);
  });

  it('stops waiting before the wallet settles, learns "pending" and then "approved" by query: one charge, no reversal', async () => {
    host = await startQrTcpHost({
      faults: { userPayingRate: 1, confirmAfterMs: 2_000 },
      timing: { queryIntervalMs: 300, payWindowMs: 6_000 },
    });
    const client = await tcpTerminal(host, { scanAnswerTimeoutMs: 700 });
    const approved = expectKind(await client.scan({ amount: 4500, code: host.code() }), 'approved');
    expect(approved.record.message).toContain('the host says approved');
    const queried = host.logs
      .filter((l) => l.fields['type'] === 'transaction-query')
      .map((l) => l.fields['status']);
    expect(queried[0]).toBe('pending');
    expect(queried.at(-1)).toBe('approved');
    const payments = await host.engine.listPayments({ merchantId: qrMerchantId, limit: 10 });
    expect(payments.map((p) => p.status)).toEqual(['approved']);
    await client.close();
    expect([charges(host), refunds(host)]).toEqual([1, 0]);
  });

  it('settles a lost answer by query over TCP; a customer who never confirms is declined 98 and cancelled', async () => {
    host = await startQrTcpHost({ timing: { queryIntervalMs: 300, payWindowMs: 2_000 } });
    const journal = new MemoryJournal(); // one terminal, two runs: its STANs go on
    const losing = await tcpTerminal(host, { losing: true, journal });
    expectKind(await losing.scan({ amount: 800, code: host.code() }), 'approved');
    await losing.close();
    expect([charges(host), refunds(host)]).toEqual([1, 0]);
    // The host answers 98 when the customer never confirms: declined, and the host cancels it.
    host.books.draws.faults = { ...host.books.draws.faults, userPayingRate: 1, confirmAfterMs: null };
    const client = await tcpTerminal(host, { journal });
    const declined = expectKind(await client.scan({ amount: 900, code: host.code() }), 'declined');
    expect(declined.record.responseCode).toBe('98');
    await client.close();
    const qr = host;
    await expect
      .poll(() => refunds(qr) + qr.books.ledger().orders.filter((o) => o.state === 'closed').length, {
        timeout: 5_000,
      })
      .toBeGreaterThan(0);
    expect(charges(host) - refunds(host)).toBe(1);
  });
});

describe('the terminal SDK voids a scanned sale', () => {
  it('sends a void whose answer is lost again, same STAN, never a 0400: answered once, refunded once', async () => {
    const { h, wallet, client, transport, printer } = await scanTerminal();
    await client.signIn();
    const code = wechatCode(20);
    const sale = expectKind(await client.scan({ amount: 1280, code }), 'approved');
    const isVoid = (m: IsoMessage): boolean => m.mti === '0200' && m.fields['3'] === '200000';
    transport.fault = (request) => (isVoid(request) ? 'lose-answer' : undefined);
    const lost = await client.void({ stan: sale.record.stan });
    expect(lost.kind).toBe('unanswered');
    if (lost.kind !== 'unanswered') return;
    expect(lost.record).toMatchObject({ kind: 'void', state: 'sending', qr: { wallet: 'wechat' } });
    expect(lost.record.message).toContain('never reversed');
    expect(client.pendingReversals()).toEqual([]);
    expect(unansweredCashierText(lost.record)).toEqual({
      zh: expect.stringContaining('不会冲正：微信支付退款可能仍在处理中') as unknown,
      en: expect.stringContaining(
        'it is never reversed. The WeChat Pay refund may still be under way',
      ) as unknown,
    });
    transport.fault = () => undefined;
    expect(await client.sendReversals()).toMatchObject({ delivered: 0, pending: 0, refundsAnswered: 1 });
    const voids = transport.sent.filter(isVoid);
    expect(voids.map((m) => m.fields['11'])).toEqual([lost.record.stan, lost.record.stan]);
    expect(voids[1]).toEqual(voids[0]);
    expect(transport.sent.filter((m) => m.mti === '0400')).toEqual([]);
    const voided = client.findRecord(lost.record.stan);
    expect(voided).toMatchObject({ kind: 'void', state: 'approved', responseCode: '00' });
    expect(printer.printed.at(-1)?.text).toContain('VOID 撤销');
    expect(printer.printed.at(-1)?.text).toContain('WeChat Pay 微信支付');
    expect(client.batchTotals().cny).toMatchObject({ debitCount: 0 });
    await drainAll(h);
    expect(wallet.ledger().refundLines).toEqual([expect.objectContaining({ amount: 1280 }) as unknown]);
    expect((await h.engine.findByRrn(merchantId, sale.record.rrn ?? ''))?.status).toBe('voided');
  });

  it('keeps a void standing when the host refuses its 0400 with 22, and learns its answer by sending it again', async () => {
    const { h, wallet, client, transport } = await scanTerminal();
    await client.signIn();
    const sale = expectKind(await client.scan({ amount: 900, code: wechatCode(21) }), 'approved');
    // A terminal whose journal lacks the sale (a journal from another run) voids it by name: it
    // cannot know the sale is a QR sale, so it journals a reversal; the host refuses that 0400.
    const otherJournal = new MemoryJournal();
    await otherJournal.saveState({ ...client.state, lastStan: 50, keys: null });
    const other = await TerminalClient.open({
      merchantId,
      terminalId,
      transport,
      journal: otherJournal,
      clock: h.clock,
      answerTimeoutMs: 5_000,
    });
    await other.setMasterKey(keyFromHex(tmkHex, 'TMK'));
    await other.signIn();
    const original = {
      batchNo: sale.record.batchNo,
      stan: sale.record.stan,
      rrn: sale.record.rrn ?? '',
      authCode: sale.record.authCode,
      date: null,
      amount: 900,
    };
    transport.fault = (request) =>
      request.mti === '0200' &&
      request.fields['3'] === '200000' &&
      transport.sent.every((m) => m.mti !== '0400')
        ? 'lose-answer'
        : undefined;
    const outcome = await other.void({ original });
    expect(transport.sent.filter((m) => m.mti === '0400')).toHaveLength(1);
    expect(outcome.kind).toBe('approved');
    expect(outcome.kind === 'approved' ? outcome.record.message : '').not.toContain('reversed');
    expect(other.pendingReversals()).toEqual([]);
    await drainAll(h);
    expect(wallet.ledger().refundLines).toHaveLength(1);
    expect((await h.engine.findByRrn(merchantId, original.rrn))?.status).toBe('voided');
  });
});
