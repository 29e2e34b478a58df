import { describe, expect, it } from 'vitest';
import { PosError } from '../../pos-error.js';
import type { HostRow } from '../tables/rows.js';
import { billed, briefly, exceptionsOf, hostSale, qrSale, settled, shown, t0 } from '../test-support/rows.js';

const s = 1000;
const sale = (n: number, fields: Partial<HostRow> = {}, payer?: string): HostRow =>
  qrSale({ rrn: `20000000000${n}`, stan: `00000${n}`, ...fields }, 'alipay', payer);

/** The host's own refund of a QR sale: its own RRN and STAN, the sale's order (posguard export). */
const refundOf = (of: HostRow, n: number, amountMinor: number): HostRow => ({
  ...of,
  rrn: `2000000000${n}`,
  stan: `0000${n}`,
  txnType: 'refund',
  status: 'approved',
  amountMinor,
  originalRrn: of.rrn,
  qr:
    of.qr === undefined || of.qr === null
      ? null
      : { wallet: of.qr.wallet, orderNo: of.qr.orderNo, tradeNo: of.qr.tradeNo, payerFingerprint: '' },
});

describe("reconciling QR sales against a wallet's bill", () => {
  it('finds nothing when the bill pays every approved sale and refunds every cancelled one', async () => {
    const paid = sale(1);
    const reversed = sale(2, { status: 'reversed' });
    const declined = sale(3, { status: 'declined' });
    const neverPaid = sale(4, { status: 'reversed' });
    const exceptions = await exceptionsOf({
      wallet: 'alipay',
      host: [paid, reversed, declined, neverPaid],
      settlement: [
        billed(paid),
        billed(reversed),
        billed(reversed, { txnType: 'refund' }),
        // A declined sale the wallet charged and gave back (cancelled by the host) nets to nothing.
        billed(declined),
        billed(declined, { txnType: 'refund' }),
      ],
      terminal: [shown(paid), shown(reversed), shown(declined), shown(neverPaid)],
    });
    expect(briefly(exceptions)).toEqual([]);
  });

  it('reports a sale the bill does not pay (missing at the wallet) and a payment the host does not hold', async () => {
    const approved = sale(1);
    const stranger = sale(2);
    const exceptions = await exceptionsOf({
      wallet: 'alipay',
      host: [approved],
      settlement: [billed(stranger)],
    });
    expect(briefly(exceptions)).toEqual([
      'missing_in_settlement third_party query_acquirer 200000000001',
      'unknown_in_settlement third_party investigate ',
    ]);
    expect(exceptions[0]!.detail).toBe(
      `The host approved this Alipay sale of CNY 12.80 (order ${approved.qr!.orderNo}, host, row 1) but the Alipay bill has no payment for it.`,
    );
    expect(exceptions[1]!.detail).toMatch(
      new RegExp(
        `settlement, row 1 shows CNY 12.80 paid through Alipay for order ${stranger.qr!.orderNo} \\(trade ${stranger.qr!.tradeNo}\\), which the host does not hold`,
      ),
    );
  });

  it('reports a refund made at the wallet that the host does not know', async () => {
    const approved = sale(1);
    const exceptions = await exceptionsOf({
      wallet: 'alipay',
      host: [approved],
      settlement: [billed(approved), billed(approved, { txnType: 'refund', amountMinor: 300 })],
    });
    expect(briefly(exceptions)).toEqual(['unknown_in_settlement third_party investigate ']);
    expect(exceptions[0]!.settledAmountMinor).toBe(300);
    expect(exceptions[0]!.detail).toMatch(
      /refunds CNY 3.00 of order .* which the host holds as approved .*: a refund made at Alipay that the host does not know/,
    );
  });

  it('reports a cancelled sale the wallet charged and did not give back, in full or in part', async () => {
    const reversed = sale(1, { status: 'reversed', amountMinor: 5000 });
    const partly = sale(2, { status: 'reversed', amountMinor: 5000 });
    const declined = sale(3, { status: 'declined' });
    const exceptions = await exceptionsOf({
      wallet: 'alipay',
      host: [reversed, partly, declined],
      settlement: [
        billed(reversed),
        billed(partly),
        billed(partly, { txnType: 'refund', amountMinor: 2000 }),
        billed(declined),
      ],
    });
    expect(briefly(exceptions)).toEqual([
      'reversed_but_settled network refund 200000000001',
      'reversed_but_settled network refund 200000000002',
      'reversed_but_settled third_party refund 200000000003',
    ]);
    expect(exceptions[1]!.detail).toMatch(
      /shows it paid CNY 50.00 and only CNY 20.00 refunded: the customer is owed CNY 30.00/,
    );
    expect(exceptions.map((e) => e.settledAmountMinor)).toEqual([5000, 5000, 1280]);
  });

  it('reports an amount the wallet charged that differs, and an order the wallet charged twice', async () => {
    const differs = sale(1);
    const twice = sale(2);
    const exceptions = await exceptionsOf({
      wallet: 'alipay',
      host: [differs, twice],
      settlement: [billed(differs, { amountMinor: 1281 }), billed(twice), billed(twice)],
    });
    expect(briefly(exceptions)).toEqual([
      'duplicate_settlement third_party refund 200000000002',
      'amount_mismatch software investigate 200000000001',
    ]);
    expect(exceptions[1]!.detail).toMatch(
      /shows CNY 12.81 for order .* but the host holds CNY 12.80 \(over by CNY 0.01\)/,
    );
    expect(exceptions[0]!.detail).toMatch(
      /row 3 pays order .* again as settlement, row 2: Alipay charged one order twice/,
    );
  });

  it('reports the naive rescan: one payer charged twice on one terminal for one amount within the window', async () => {
    const first = sale(1, {}, 'payer-x');
    const rescan = sale(2, { txnTimeMs: t0 + 40 * s }, 'payer-x');
    const confirmed = sale(3, { txnTimeMs: t0 + 60 * s, duplicateConfirmed: true }, 'payer-x');
    const otherPayer = sale(4, { txnTimeMs: t0 + 20 * s }, 'payer-y');
    const late = sale(5, { txnTimeMs: t0 + 400 * s }, 'payer-x');
    const host = [first, rescan, confirmed, otherPayer, late];
    const exceptions = await exceptionsOf({ wallet: 'alipay', host, settlement: host.map((h) => billed(h)) });
    expect(briefly(exceptions)).toEqual([
      'duplicate_sale_suspect operator review 200000000002 <- 200000000001',
    ]);
    expect(exceptions[0]!.detail).toMatch(
      /Same Alipay payer, amount and terminal as RRN 200000000001 \(order .*\), 40 s earlier: likely a second payment code scanned for one sale/,
    );
  });

  it('never groups a card and a payer that share a fingerprint text', async () => {
    const card = hostSale({ rrn: '100000000001', stan: '000101', cardFingerprint: 'same' });
    const qr = sale(1, { txnTimeMs: t0 + 5 * s }, 'same');
    const cards = await exceptionsOf({ host: [card, qr], settlement: [settled(card)] });
    expect(briefly(cards)).toEqual([]);
  });

  it('matches by order number only when the trade numbers agree', async () => {
    const paid = sale(1);
    const exceptions = await exceptionsOf({
      wallet: 'alipay',
      host: [paid],
      settlement: [
        billed(paid, { qr: { orderNo: paid.qr!.orderNo, tradeNo: '2026112522001999999999999999' } }),
      ],
    });
    expect(briefly(exceptions)).toEqual([
      'missing_in_settlement third_party query_acquirer 200000000001',
      'unknown_in_settlement third_party investigate ',
    ]);
    expect(exceptions[1]!.detail).toMatch(
      /was paid as trade 2026112522001000200000000001: another trade under the host's order number/,
    );
    // A bill line without a trade number (or a sale whose trade the host never learnt) matches.
    const unknownTrade = await exceptionsOf({
      wallet: 'alipay',
      host: [{ ...paid, qr: { ...paid.qr!, tradeNo: '' } }],
      settlement: [billed(paid)],
    });
    expect(briefly(unknownTrade)).toEqual([]);
  });

  it('keeps each run to its own settlement source: cards, or one wallet', async () => {
    const card = hostSale({ rrn: '100000000001', stan: '000101' });
    const alipay = sale(1);
    const wechat = qrSale({ rrn: '300000000001', stan: '000301' }, 'wechat');
    const host = [card, alipay, wechat];
    // The acquirer's file: QR sales are never in it, so none is missing from it.
    expect(briefly(await exceptionsOf({ host, settlement: [settled(card)] }))).toEqual([]);
    // Alipay's bill: cards and WeChat sales take no part; a line naming a WeChat order is not Alipay's.
    const alipayRun = await exceptionsOf({
      wallet: 'alipay',
      host,
      settlement: [billed(alipay), billed(wechat)],
    });
    expect(briefly(alipayRun)).toEqual(['unknown_in_settlement third_party investigate ']);
    expect(alipayRun[0]!.detail).toMatch(
      /which the host holds as a QR sale through WeChat Pay .*, not Alipay/,
    );
    expect(briefly(await exceptionsOf({ wallet: 'wechat', host, settlement: [billed(wechat)] }))).toEqual([]);
  });

  it('compares the terminal journal with QR sales by their RRN like any sale', async () => {
    const lost = sale(1);
    const shownTwice = sale(2);
    const exceptions = await exceptionsOf({
      wallet: 'alipay',
      host: [lost, shownTwice],
      settlement: [billed(lost), billed(shownTwice)],
      terminal: [shown(lost, { result: 'unknown', rrn: '' }), shown(shownTwice), shown(shownTwice)],
    });
    expect(briefly(exceptions)).toEqual([
      'terminal_display_duplicate software none 200000000002',
      'host_only_approved network review 200000000001',
    ]);
  });

  it("matches the host's own refunds and voids of a QR sale with the bill's refund lines, each once", async () => {
    const partly = sale(1, { status: 'partially_refunded', amountMinor: 5000 });
    const partRefund = refundOf(partly, 11, 2000);
    const whole = sale(2, { status: 'refunded', amountMinor: 3000 });
    const wholeRefunds = [refundOf(whole, 21, 1000), refundOf(whole, 22, 2000)];
    const voided = sale(3, { status: 'voided' });
    const theVoid = { ...refundOf(voided, 31, voided.amountMinor), txnType: 'void' as const };
    const exceptions = await exceptionsOf({
      wallet: 'alipay',
      host: [partly, partRefund, whole, ...wholeRefunds, voided, theVoid],
      settlement: [
        billed(partly),
        billed(partly, { txnType: 'refund', amountMinor: 2000 }),
        billed(whole),
        billed(whole, { txnType: 'refund', amountMinor: 2000 }),
        billed(whole, { txnType: 'refund', amountMinor: 1000 }),
        billed(voided),
        billed(voided, { txnType: 'refund' }),
      ],
    });
    expect(briefly(exceptions)).toEqual([]);
    // The same host refunds in a card run take no part in it.
    expect(briefly(await exceptionsOf({ host: [partly, partRefund], settlement: [] }))).toEqual([]);
  });

  it("reports a host QR refund the bill does not show, one of another amount, and a bill refund beyond the host's", async () => {
    const a = sale(1, { status: 'partially_refunded', amountMinor: 5000 });
    const missing = refundOf(a, 11, 1000);
    const b = sale(2, { status: 'partially_refunded', amountMinor: 5000 });
    const differs = refundOf(b, 21, 1000);
    const exceptions = await exceptionsOf({
      wallet: 'alipay',
      host: [a, missing, b, differs],
      settlement: [
        billed(a),
        billed(b),
        billed(b, { txnType: 'refund', amountMinor: 1500 }),
        billed(b, { txnType: 'refund', amountMinor: 700 }),
      ],
    });
    expect(briefly(exceptions)).toEqual([
      'missing_in_settlement third_party query_acquirer 200000000011 <- 200000000001',
      'unknown_in_settlement third_party investigate ',
      'amount_mismatch software investigate 200000000021 <- 200000000002',
    ]);
    expect(exceptions[1]!.detail).toMatch(/refunds CNY 7.00 of order .* that the host does not know/);
  });

  it('refuses a host journal holding one order number twice', async () => {
    const a = sale(1);
    const b = { ...sale(2), qr: a.qr ?? null };
    const failure = await exceptionsOf({ wallet: 'alipay', host: [a, b], settlement: [] }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(PosError);
    expect((failure as PosError).code).toBe('POS_ERR_RECON_DUPLICATE_HOST_KEY');
    expect((failure as PosError).message).toMatch(/order number PG0+200000000001 is also on line 1/);
  });

  it("refuses a wallet line in an acquirer's rows and an acquirer line in a wallet's", async () => {
    const card = hostSale({ rrn: '100000000001', stan: '000101' });
    const paid = sale(1);
    await expect(exceptionsOf({ host: [paid], settlement: [billed(paid)] })).rejects.toMatchObject({
      code: 'POS_ERR_RECON_BAD_VALUE',
    });
    await expect(
      exceptionsOf({ wallet: 'alipay', host: [card], settlement: [settled(card)] }),
    ).rejects.toMatchObject({ code: 'POS_ERR_RECON_BAD_VALUE' });
  });
});
