// The terminal SDK's safe protocol, on a manual clock, over a transport straight into a real
// IsoHost (engine, store, simulated issuer) whose network faults each test chooses.
import { describe, expect, it } from 'vitest';
import { keyFromHex } from '../iso8583/index.js';
import {
  HostTransport,
  makeIsoHarness,
  tmkHex,
  type IsoHarness,
} from '../iso-host/test-support/iso-harness.js';
import { merchantId, terminalId, testPan } from '../payments/test-support/engine-harness.js';
import { netChargeOfSale } from '../simulated-issuer/issuer-ledger.js';
import type { TransactionRecord } from './journal.js';
import { MemoryJournal } from './memory-journal.js';
import type { Printer, Receipt } from './receipt.js';
import { parseQueryAnswer } from './host-transaction.js';
import type { FinancialOutcome, SaleOutcome } from './outcomes.js';
import { TerminalClient } from './terminal-client.js';
import type { CardInput } from './terminal-messages.js';

const chip: CardInput = { pan: testPan, expiry: '2812', entryMode: 'chip' };

class TestPrinter implements Printer {
  failing = false;
  readonly printed: Receipt[] = [];
  print(receipt: Receipt): Promise<void> {
    if (this.failing) return Promise.reject(new Error('out of paper'));
    this.printed.push(receipt);
    return Promise.resolve();
  }
}

/** A journal whose next write of an approved record fails, as a power cut at that moment would. */
class CrashingJournal extends MemoryJournal {
  crashOnApproval = false;
  override putRecord(record: TransactionRecord): Promise<void> {
    if (this.crashOnApproval && record.state === 'approved') {
      this.crashOnApproval = false;
      return Promise.reject(new Error('power cut'));
    }
    return super.putRecord(record);
  }
}

async function terminal(
  h: IsoHarness,
  options: { journal?: MemoryJournal; printer?: Printer; transport?: HostTransport } = {},
) {
  const transport = options.transport ?? new HostTransport((frame) => h.handle(frame));
  const journal = options.journal ?? new MemoryJournal();
  const printer = options.printer ?? new TestPrinter();
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
  return { client, transport, journal, printer };
}

function expectKind<K extends SaleOutcome['kind']>(
  outcome: SaleOutcome,
  kind: K,
): Extract<SaleOutcome, { kind: K }> {
  expect(outcome.kind, JSON.stringify(outcome)).toBe(kind);
  return outcome as Extract<SaleOutcome, { kind: K }>;
}

function rrnOf(outcome: FinancialOutcome | SaleOutcome): string {
  return 'record' in outcome && outcome.record !== null ? (outcome.record.rrn ?? '') : '';
}

describe('the terminal SDK: sign-in and numbers', () => {
  it('signs in with its master key, checking every key, adopts the host batch, and owns the STANs', async () => {
    const h = await makeIsoHarness();
    const { client, transport } = await terminal(h);
    expect(await client.signIn()).toEqual({ kind: 'signed-in', batchNo: '000001', mode: '003' });
    expect(client.state.keys?.macKeyHex).toMatch(/^[0-9A-F]{16}$/);
    await client.sale({ amount: 100, card: chip });
    await client.echo();
    expect(transport.sent.map((m) => m.fields['11'])).toEqual(['000001', '000002', '000003']);
    expect(client.state.lastStan).toBe(3);
  });

  it('refuses keys whose check values do not match its master key, and keeps none', async () => {
    const h = await makeIsoHarness();
    const { client } = await terminal(h);
    await client.setMasterKey(keyFromHex('1111111111111111', 'wrong TMK'));
    await expect(client.signIn()).rejects.toMatchObject({ code: 'POS_ERR_ISO_KEY_CHECK_FAILED' });
    expect(client.state.keys).toBeNull();
  });

  it('keeps its master key when a sign-in under another one fails the check, and takes one that passes', async () => {
    const h = await makeIsoHarness();
    const { client } = await terminal(h);
    const wrong = keyFromHex('1111111111111111', 'wrong TMK');
    await expect(client.signIn({ tmk: wrong })).rejects.toMatchObject({
      code: 'POS_ERR_ISO_KEY_CHECK_FAILED',
    });
    expect(client.state.tmkHex).toBe(tmkHex);
    expect((await client.signIn()).kind).toBe('signed-in');
    const bare = await TerminalClient.open({
      merchantId,
      terminalId,
      transport: new HostTransport((frame) => h.handle(frame)),
      journal: new MemoryJournal(),
      clock: h.clock,
      printer: new TestPrinter(),
      answerTimeoutMs: 5_000,
    });
    expect((await bare.signIn({ tmk: keyFromHex(tmkHex, 'TMK') })).kind).toBe('signed-in');
    expect(bare.state.tmkHex).toBe(tmkHex);
  });

  it('refuses to sign in without a master key, and refuses a journal of another terminal', async () => {
    const h = await makeIsoHarness();
    const journal = new MemoryJournal();
    const transport = new HostTransport((frame) => h.handle(frame));
    const bare = await TerminalClient.open({ merchantId, terminalId, transport, journal, clock: h.clock });
    await expect(bare.signIn()).rejects.toMatchObject({ code: 'POS_ERR_TERMINAL_NO_MASTER_KEY' });
    await expect(bare.sale({ amount: 1, card: chip })).rejects.toMatchObject({
      code: 'POS_ERR_TERMINAL_NOT_SIGNED_IN',
    });
    expect(transport.sent).toEqual([]);
    await journal.saveState({ ...bare.state, terminalId: 'T0009' });
    await expect(
      TerminalClient.open({ merchantId, terminalId, transport, journal, clock: h.clock }),
    ).rejects.toMatchObject({
      code: 'POS_ERR_TERMINAL_WRONG_JOURNAL',
    });
  });

  it('reads the host answer to a transaction query, and refuses one in another form', () => {
    expect(
      parseQueryAnswer('QRY;k=refund;s=approved;rc=00;a=300;cur=CNY;rrn=000000000007;b=000001;t=000004'),
    ).toMatchObject({
      kind: 'refund',
      status: 'approved',
      amount: 300,
      rrn: '000000000007',
      authCode: null,
      stan: '000004',
    });
    expect(() => parseQueryAnswer('CUP')).toThrow(
      expect.objectContaining({ code: 'POS_ERR_TERMINAL_BAD_QUERY_ANSWER' }),
    );
  });
});

describe('the terminal SDK: the safe protocol', () => {
  it('writes the transaction and its reversal record to the journal before the sale leaves', async () => {
    const h = await makeIsoHarness();
    const { client, transport, journal } = await terminal(h);
    await client.signIn();
    const atSend: string[] = [];
    transport.onSend = async (request) => {
      if (request.mti !== '0200') return;
      const contents = await journal.load();
      const stan = request.fields['11'];
      atSend.push(
        `${contents.records.find((r) => r.stan === stan)?.state} ${contents.reversals.find((r) => r.stan === stan)?.reason}`,
        `state stan ${contents.state?.lastStan}`,
      );
      // The reversal record carries no card data.
      expect(JSON.stringify(contents.reversals)).not.toContain(testPan);
    };
    const outcome = await client.sale({ amount: 1280, card: chip });
    expectKind(outcome, 'approved');
    expect(atSend).toEqual(['sending no-answer', 'state stan 2']);
    expect((await journal.load()).reversals).toEqual([]);
  });

  it('reverses at once with reason 98 when the answer does not come, so the card is not charged', async () => {
    const h = await makeIsoHarness();
    const { client, transport } = await terminal(h);
    await client.signIn();
    transport.fault = (request) => (request.mti === '0200' ? 'lose-answer' : undefined);
    const outcome = expectKind(await client.sale({ amount: 1280, card: chip }), 'reversed');
    expect(outcome.reason).toBe('no-answer');
    expect(transport.summary()).toEqual(['0800 000001', '0200 000002', '0400 000002 98']);
    const [payment] = await h.engine.listPayments({ merchantId, limit: 5 });
    expect(payment?.status).toBe('reversal_pending');
    await h.drive(h.engine.drainReversals());
    expect(netChargeOfSale(h.ledger, payment?.rrn ?? '')).toBe(0);
    expect(client.records()[0]?.state).toBe('reversed');
  });

  it('sends an owed 0400 before any other financial message, and again until the host answers', async () => {
    const h = await makeIsoHarness();
    const { client, transport } = await terminal(h);
    await client.signIn();
    // The network is down after the sale leaves: answers and the reversals are lost.
    transport.fault = (request) =>
      request.mti === '0200' ? 'lose-answer' : request.mti === '0400' ? 'lose-request' : undefined;
    const first = expectKind(await client.sale({ amount: 1280, card: chip }), 'reversal-pending');
    expect(first.reason).toBe('no-answer');
    expect(client.pendingReversals()).toHaveLength(1);
    // The next sale is not sent while the reversal is still owed.
    await h.clock.advance(5_000);
    const blocked = expectKind(await client.sale({ amount: 990, card: chip }), 'blocked');
    expect(blocked.pendingReversals).toBe(1);
    expect(transport.summary().slice(1)).toEqual([
      '0200 000002',
      '0400 000002 98',
      '0400 000002 98',
      '0400 000002 98',
      '0400 000002 98',
      '0400 000002 98',
      '0400 000002 98',
    ]);
    // The network is back: the 0400 goes first, then the new sale.
    transport.fault = () => undefined;
    await h.clock.advance(5_000);
    expectKind(await client.sale({ amount: 990, card: chip }), 'approved');
    expect(transport.summary().slice(-2)).toEqual(['0400 000002 98', '0200 000003']);
    expect(client.pendingReversals()).toEqual([]);
    const sales = await h.engine.listPayments({ merchantId, limit: 5 });
    expect(sales.map((p) => `${p.amount} ${p.status}`).sort()).toEqual([
      '1280 reversal_pending',
      '990 approved',
    ]);
  });

  it('reverses an approval whose MAC does not match with reason A0', async () => {
    const h = await makeIsoHarness();
    const { client, transport } = await terminal(h);
    await client.signIn();
    transport.fault = (request) => (request.mti === '0200' ? 'damage-mac' : undefined);
    const outcome = expectKind(await client.sale({ amount: 1280, card: chip }), 'reversed');
    expect(outcome.reason).toBe('mac-failed');
    const reversal = transport.sent.find((m) => m.mti === '0400');
    expect(reversal?.fields['39']).toBe('A0');
    expect(reversal?.fields['38']).toMatch(/^\d{6}$/);
    await h.drive(h.engine.drainReversals());
    const [payment] = await h.engine.listPayments({ merchantId, limit: 5 });
    expect(payment?.status).toBe('reversed');
  });

  it('after a crash between the approval and its completion, reverses with reason 96 before anything else', async () => {
    const h = await makeIsoHarness();
    const journal = new CrashingJournal();
    const { client } = await terminal(h, { journal });
    await client.signIn();
    journal.crashOnApproval = true;
    await expect(client.sale({ amount: 1280, card: chip })).rejects.toThrow('power cut');
    // Power back: a new client on the same journal.
    const transport = new HostTransport((frame) => h.handle(frame));
    const restarted = await TerminalClient.open({
      merchantId,
      terminalId,
      transport,
      journal,
      clock: h.clock,
    });
    expect(restarted.pendingReversals().map((r) => r.reason)).toEqual(['terminal-failed']);
    await h.clock.advance(3_000);
    expectKind(await restarted.sale({ amount: 500, card: chip }), 'approved');
    expect(transport.summary()).toEqual(['0400 000002 96', '0200 000003']);
    await h.drive(h.engine.drainReversals());
    const statuses = (await h.engine.listPayments({ merchantId, limit: 5 })).map(
      (p) => `${p.amount} ${p.status}`,
    );
    expect(statuses.sort()).toEqual(['1280 reversed', '500 approved']);
  });

  it('drops the reversal record when the request certainly never left (connection refused)', async () => {
    const h = await makeIsoHarness();
    const { client, transport } = await terminal(h);
    await client.signIn();
    transport.fault = (request) => (request.mti === '0200' ? 'not-sent' : undefined);
    const outcome = expectKind(await client.sale({ amount: 1280, card: chip }), 'not-sent');
    expect(outcome.record.state).toBe('not-sent');
    expect(client.pendingReversals()).toEqual([]);
  });

  it('signs in again by itself when the host asks (processing requirement 3), then goes on', async () => {
    const h = await makeIsoHarness({ settings: { keyMaxAgeMs: 60_000 } });
    const { client, transport } = await terminal(h);
    await client.signIn();
    await h.clock.advance(61_000);
    const refused = expectKind(await client.sale({ amount: 1280, card: chip }), 'declined');
    expect(refused.signInRequired).toBe(true);
    expect(refused.record.responseCode).toBe('A0');
    await h.clock.advance(3_000);
    expectKind(await client.sale({ amount: 1280, card: chip }), 'approved');
    expect(transport.summary().map((s) => s.slice(0, 4))).toEqual(['0800', '0200', '0800', '0200']);
  });
});

describe('the terminal SDK: double reads, printer faults and reprints', () => {
  it('treats the same card read twice within 2 seconds as one read', async () => {
    const h = await makeIsoHarness();
    const { client, transport } = await terminal(h);
    await client.signIn();
    const first = expectKind(await client.sale({ amount: 1280, card: chip }), 'approved');
    await h.clock.advance(1_999);
    const bounce = expectKind(await client.sale({ amount: 1280, card: chip }), 'ignored-double-read');
    expect(bounce.stan).toBe(first.record.stan);
    expect(transport.sent.filter((m) => m.mti === '0200')).toHaveLength(1);
    // Past the window it is a new read: the host's duplicate guard holds it until the operator confirms.
    await h.clock.advance(2);
    const held = expectKind(await client.sale({ amount: 1280, card: chip }), 'declined');
    expect(held.record.responseCode).toBe('94');
    expect(held.record.message).toContain('SUSPECTED DUPLICATE');
    // The cashier confirms within the window: a deliberate read, not a bounce, so it goes out; a
    // bounce of that confirmed read is one read again.
    await h.clock.advance(500);
    const confirmed = expectKind(
      await client.sale({ amount: 1280, card: chip, confirmDuplicate: true }),
      'approved',
    );
    await h.clock.advance(300);
    const again = expectKind(await client.sale({ amount: 1280, card: chip }), 'ignored-double-read');
    expect(again.stan).toBe(confirmed.record.stan);
    expect(transport.sent.filter((m) => m.mti === '0200')).toHaveLength(3);
  });

  it('after a printer fault reprints from the journal and never runs the sale again', async () => {
    const h = await makeIsoHarness();
    const printer = new TestPrinter();
    const { client, transport } = await terminal(h, { printer });
    await client.signIn();
    printer.failing = true;
    const sale = expectKind(await client.sale({ amount: 1280, card: chip }), 'approved');
    expect(sale.printed).toBe(false);
    printer.failing = false;
    const before = transport.sent.length;
    const reprint = await client.reprint();
    expect(reprint).toMatchObject({ kind: 'reprinted', source: 'journal', printed: true });
    expect(transport.sent.length).toBe(before);
    expect(printer.printed[0]?.text).toContain('REPRINT');
    expect(printer.printed[0]?.text).toContain(sale.record.rrn ?? 'no rrn');
    expect(printer.printed[0]?.text).toContain('621234******1232');
    expect(printer.printed[0]?.text).not.toContain(testPan);
    expect(await h.engine.listPayments({ merchantId, limit: 5 })).toHaveLength(1);
  });

  it('asks the host (transaction query) when the journal lacks the outcome, and prints its answer', async () => {
    const h = await makeIsoHarness();
    const { client } = await terminal(h);
    await client.signIn();
    const sale = expectKind(await client.sale({ amount: 1280, card: chip }), 'approved');
    // The terminal's journal is lost (a replaced device): a new one, same terminal.
    const printer = new TestPrinter();
    const fresh = await terminal(h, { printer });
    await fresh.client.signIn();
    const reprint = await fresh.client.reprint();
    expect(reprint).toMatchObject({ kind: 'reprinted', source: 'host', printed: true });
    expect(fresh.transport.summary().map((s) => s.slice(0, 4))).toEqual(['0800', '0820']);
    expect(fresh.transport.sent[1]?.fields['63']).toBe('QRY');
    expect(printer.printed[0]?.text).toContain(sale.record.rrn ?? 'no rrn');
    expect(printer.printed[0]?.text).toContain('APPROVED');
    expect(fresh.client.records()).toEqual([]);
    expect(await h.engine.listPayments({ merchantId, limit: 5 })).toHaveLength(1);
  });
});

describe('the terminal SDK: refunds, voids and day end', () => {
  it('sends an unanswered refund again with the same STAN until answered, and refunds once', async () => {
    const h = await makeIsoHarness();
    const { client, transport } = await terminal(h);
    await client.signIn();
    const sale = expectKind(await client.sale({ amount: 1000, card: chip }), 'approved');
    transport.fault = (request) => (request.mti === '0220' ? 'lose-answer' : undefined);
    const refund = await client.refund({ stan: sale.record.stan, amount: 400 });
    expect(refund.kind).toBe('unanswered');
    transport.fault = () => undefined;
    expect(await client.sendReversals()).toMatchObject({ pending: 0, refundsAnswered: 1 });
    expect(transport.summary().filter((s) => s.startsWith('0220'))).toEqual(['0220 000003', '0220 000003']);
    expect(client.findRecord('000003')?.state).toBe('approved');
    expect(netChargeOfSale(h.ledger, rrnOf(sale))).toBe(600);
  });

  it('voids a sale of its journal and leaves it out of the batch totals', async () => {
    const h = await makeIsoHarness({ policy: 'off' });
    const { client } = await terminal(h);
    await client.signIn();
    const kept = expectKind(await client.sale({ amount: 1000, card: chip }), 'approved');
    const voided = expectKind(
      await client.sale({ amount: 700, card: { ...chip, pan: '4111111111111111' } }),
      'approved',
    );
    expect((await client.void({ stan: voided.record.stan })).kind).toBe('approved');
    expect(client.batchTotals().cny).toMatchObject({ debitTotalMinor: 1000, debitCount: 1 });
    expect(netChargeOfSale(h.ledger, rrnOf(voided))).toBe(0);
    expect(netChargeOfSale(h.ledger, rrnOf(kept))).toBe(1000);
    await expect(client.void({ stan: '000099' })).rejects.toMatchObject({
      code: 'POS_ERR_TERMINAL_UNKNOWN_TRANSACTION',
    });
  });

  it('reverses a void whose answer is lost, so the sale stands and stays charged once', async () => {
    const h = await makeIsoHarness();
    const { client, transport } = await terminal(h);
    await client.signIn();
    const sale = expectKind(await client.sale({ amount: 1000, card: chip }), 'approved');
    transport.fault = (request) =>
      request.mti === '0200' && request.fields['3'] === '200000' ? 'lose-answer' : undefined;
    const voided = await client.void({ stan: sale.record.stan });
    expect(voided.kind).toBe('reversed');
    const reversal = transport.sent.find((m) => m.mti === '0400');
    expect(reversal?.fields['61']).toBe(`000001${sale.record.stan}`);
    await h.drive(h.engine.drainReversals());
    expect((await h.engine.findByRrn(merchantId, rrnOf(sale)))?.status).toBe('approved');
    expect(netChargeOfSale(h.ledger, rrnOf(sale))).toBe(1000);
    expect(client.batchTotals().cny).toMatchObject({ debitTotalMinor: 1000, debitCount: 1 });
  });

  it('settles a balanced batch and starts the next one', async () => {
    const h = await makeIsoHarness();
    const { client } = await terminal(h);
    await client.signIn();
    expectKind(await client.sale({ amount: 1280, card: chip }), 'approved');
    const settled = await client.settle();
    expect(settled).toMatchObject({ kind: 'balanced', batchNo: '000001', uploaded: 0 });
    expect(client.state.batchNo).toBe('000002');
    expect((await h.store.read((r) => r.getTerminal(merchantId, terminalId)))?.batchNo).toBe('000002');
    await h.clock.advance(3_000);
    const next = expectKind(await client.sale({ amount: 1300, card: chip }), 'approved');
    expect(next.record.batchNo).toBe('000002');
  });

  it('uploads the batch when the host says unbalanced, then settles balanced', async () => {
    const h = await makeIsoHarness({ policy: 'off' });
    const journal = new MemoryJournal();
    const { client, transport } = await terminal(h, { journal });
    await client.signIn();
    expectKind(await client.sale({ amount: 1280, card: chip }), 'approved');
    // A sale the host approved but whose record this terminal lost (made from another journal, as
    // after a memory fault, with STANs of its own); this terminal then signs in again.
    const otherJournal = new MemoryJournal();
    await otherJournal.saveState({ ...client.state, lastStan: 50, keys: null });
    const other = await terminal(h, { journal: otherJournal });
    expectKind(await other.client.sale({ amount: 500, card: chip }), 'approved');
    const settled = await client.settle();
    expect(settled).toMatchObject({ kind: 'balanced', uploaded: 1 });
    const sent = transport.sent.map((m) => `${m.mti} ${m.fields['60']?.slice(8, 11) ?? ''}`);
    expect(sent.slice(-4)).toEqual(['0500 201', '0320 201', '0320 202', '0500 201']);
    expect(
      await h.store.read((r) => r.getBatchSettlement({ merchantId, terminalId, batchNo: '000001' })),
    ).toMatchObject({
      state: 'balanced',
      uploadedCount: 1,
    });
  });
});
