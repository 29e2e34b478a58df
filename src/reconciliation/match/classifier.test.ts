import { describe, expect, it } from 'vitest';
import { PosError } from '../../pos-error.js';
import type { HostRow } from '../tables/rows.js';
import { briefly, exceptionsOf, hostSale, settled, shown, t0 } from '../test-support/rows.js';

const s = 1000;

describe('matching and classifying one day', () => {
  it('finds nothing on a day where the three views agree, voids and refunds included', async () => {
    const sold = hostSale({ rrn: '100000000001', stan: '000001' });
    const voidedSale = hostSale({ rrn: '100000000002', stan: '000002', status: 'voided' });
    const theVoid = hostSale({
      rrn: '100000000003',
      stan: '000003',
      txnType: 'void',
      originalRrn: voidedSale.rrn,
    });
    const refundedSale = hostSale({
      rrn: '100000000004',
      stan: '000004',
      status: 'refunded',
      amountMinor: 5000,
    });
    const theRefund = hostSale({
      rrn: '100000000005',
      stan: '000005',
      txnType: 'refund',
      amountMinor: 5000,
      originalRrn: refundedSale.rrn,
    });
    const declined = hostSale({ rrn: '100000000006', stan: '000006', status: 'declined' });
    const exceptions = await exceptionsOf({
      host: [sold, voidedSale, theVoid, refundedSale, theRefund, declined],
      settlement: [settled(sold), settled(refundedSale), settled(theRefund)],
      terminal: [
        shown(sold),
        shown(voidedSale),
        shown(theVoid),
        shown(refundedSale),
        shown(theRefund),
        shown(declined),
      ],
    });
    expect(exceptions).toEqual([]);
  });

  it('reports one duplicate_settlement per extra settlement line of the same sale', async () => {
    const sale = hostSale({ rrn: '100000000001', stan: '000001' });
    const exceptions = await exceptionsOf({
      host: [sale],
      settlement: [settled(sale), settled(sale), settled(sale)],
    });
    expect(briefly(exceptions)).toEqual([
      'duplicate_settlement third_party refund 100000000001',
      'duplicate_settlement third_party refund 100000000001',
    ]);
    expect(exceptions[0]).toMatchObject({ hostAmountMinor: 1280, settledAmountMinor: 1280 });
    expect(exceptions[0]!.detail).toMatch(
      /settlement, row 2 settles the same sale again as settlement, row 1/,
    );
  });

  it('reports a settled sale the host reversed as network, and one voided or declined as third_party', async () => {
    const reversed = hostSale({ rrn: '100000000001', stan: '000001', status: 'reversed' });
    const voided = hostSale({ rrn: '100000000002', stan: '000002', status: 'voided' });
    const declined = hostSale({ rrn: '100000000003', stan: '000003', status: 'declined' });
    const exceptions = await exceptionsOf({
      host: [reversed, voided, declined],
      settlement: [settled(reversed), settled(voided), settled(declined)],
    });
    expect(briefly(exceptions)).toEqual([
      'reversed_but_settled network refund 100000000001',
      'reversed_but_settled third_party refund 100000000002',
      'reversed_but_settled third_party refund 100000000003',
    ]);
    expect(exceptions[1]!.detail).toMatch(/host has this sale voided/);
  });

  it('reports approved sales and refunds no line settles, but not reversed, voided or fully refunded sales', async () => {
    const approved = hostSale({ rrn: '100000000001', stan: '000001' });
    const partly = hostSale({ rrn: '100000000002', stan: '000002', status: 'partially_refunded' });
    const fully = hostSale({ rrn: '100000000003', stan: '000003', status: 'refunded' });
    const reversed = hostSale({ rrn: '100000000004', stan: '000004', status: 'reversed' });
    const voided = hostSale({ rrn: '100000000005', stan: '000005', status: 'voided' });
    const refund = hostSale({
      rrn: '100000000006',
      stan: '000006',
      txnType: 'refund',
      amountMinor: 300,
      originalRrn: partly.rrn,
    });
    const declinedRefund = hostSale({
      rrn: '100000000007',
      stan: '000007',
      txnType: 'refund',
      status: 'declined',
      originalRrn: partly.rrn,
    });
    const exceptions = await exceptionsOf({
      host: [approved, partly, fully, reversed, voided, refund, declinedRefund],
      settlement: [],
    });
    expect(briefly(exceptions)).toEqual([
      'missing_in_settlement third_party query_acquirer 100000000001',
      'missing_in_settlement third_party query_acquirer 100000000002',
      'missing_in_settlement third_party query_acquirer 100000000006 <- 100000000002',
    ]);
    expect(exceptions[2]).toMatchObject({ hostAmountMinor: 300, settledAmountMinor: null });
  });

  it('reports settlement lines that match no host row, or only a host row of another type', async () => {
    const sale = hostSale({ rrn: '100000000001', stan: '000001', status: 'voided' });
    const theVoid = hostSale({ rrn: '100000000002', stan: '000002', txnType: 'void', originalRrn: sale.rrn });
    const declinedRefund = hostSale({
      rrn: '100000000003',
      stan: '000003',
      txnType: 'refund',
      status: 'declined',
      originalRrn: sale.rrn,
    });
    const stranger = settled(hostSale({ rrn: '999999999999', stan: '000999' }));
    const exceptions = await exceptionsOf({
      host: [sale, theVoid, declinedRefund],
      settlement: [stranger, settled(theVoid, { txnType: 'sale' }), settled(declinedRefund)],
    });
    expect(briefly(exceptions)).toEqual([
      'unknown_in_settlement third_party investigate 999999999999',
      'unknown_in_settlement third_party investigate 100000000002',
      'unknown_in_settlement third_party investigate 100000000003',
    ]);
    expect(exceptions[0]).toMatchObject({ hostAmountMinor: null, settledAmountMinor: 1280 });
    expect(exceptions[1]!.detail).toMatch(/host holds that key as a void/);
    expect(exceptions[2]!.detail).toMatch(/matches no host approved refund .*declined/);
  });

  it('reports a settled amount or currency that differs from the host amount', async () => {
    const sale = hostSale({ rrn: '100000000001', stan: '000001' });
    const other = hostSale({ rrn: '100000000002', stan: '000002' });
    const exceptions = await exceptionsOf({
      host: [sale, other],
      settlement: [settled(sale, { amountMinor: 1208 }), settled(other, { currency: 'USD' })],
    });
    expect(briefly(exceptions)).toEqual([
      'amount_mismatch software investigate 100000000001',
      'amount_mismatch software investigate 100000000002',
    ]);
    expect(exceptions[0]).toMatchObject({ hostAmountMinor: 1280, settledAmountMinor: 1208 });
    expect(exceptions[0]!.detail).toMatch(/CNY 12.08 but the host holds CNY 12.80 \(under by CNY 0.72\)/);
    expect(exceptions[1]!.detail).toMatch(/settles in USD but the host holds CNY/);
  });

  it('matches a settlement line without RRN by merchant, terminal, batch and STAN', async () => {
    const sale = hostSale({ rrn: '100000000001', stan: '000001' });
    const other = hostSale({ rrn: '100000000002', stan: '000002' });
    const exceptions = await exceptionsOf({
      host: [sale, other],
      settlement: [settled(sale, { rrn: '' }), settled(other, { rrn: '', stan: '000003' })],
    });
    // The first finds its sale; the second names a STAN the host does not hold.
    expect(briefly(exceptions)).toEqual([
      'missing_in_settlement third_party query_acquirer 100000000002',
      'unknown_in_settlement third_party investigate ',
    ]);
    expect(exceptions[1]).toMatchObject({ stan: '000003' });
  });

  describe('duplicate_sale_suspect', () => {
    const day = (sales: HostRow[], windowS?: number) =>
      exceptionsOf({
        host: sales,
        settlement: sales.map((x) => settled(x)),
        duplicateWindowS: windowS ?? 120,
      });
    const same = { cardFingerprint: 'card-a', amountMinor: 8800 };

    it('blames hardware when both cards were read less than 15 s apart', async () => {
      const first = hostSale({ rrn: '100000000001', stan: '000001', ...same, entryMode: 'chip' });
      const again = hostSale({
        rrn: '100000000002',
        stan: '000002',
        ...same,
        entryMode: 'contactless',
        txnTimeMs: t0 + 14 * s,
      });
      const exceptions = await day([first, again]);
      expect(briefly(exceptions)).toEqual([
        'duplicate_sale_suspect hardware review 100000000002 <- 100000000001',
      ]);
      expect(exceptions[0]!.detail).toMatch(/14 s earlier/);
    });

    it('blames the operator when 15 s or more apart or when a card was keyed in', async () => {
      const first = hostSale({ rrn: '100000000001', stan: '000001', ...same });
      const at15s = hostSale({ rrn: '100000000002', stan: '000002', ...same, txnTimeMs: t0 + 15 * s });
      const keyed = hostSale({
        rrn: '100000000003',
        stan: '000003',
        ...same,
        entryMode: 'manual',
        txnTimeMs: t0 + 20 * s,
      });
      expect(briefly(await day([first, at15s, keyed]))).toEqual([
        'duplicate_sale_suspect operator review 100000000002 <- 100000000001',
        'duplicate_sale_suspect operator review 100000000003 <- 100000000002',
      ]);
    });

    it('names the nearest earlier sale, whatever the journal order', async () => {
      const a = hostSale({ rrn: '100000000001', stan: '000001', ...same, txnTimeMs: t0 });
      const b = hostSale({ rrn: '100000000002', stan: '000002', ...same, txnTimeMs: t0 + 60 * s });
      const c = hostSale({ rrn: '100000000003', stan: '000003', ...same, txnTimeMs: t0 + 100 * s });
      expect(briefly(await day([c, a, b]))).toEqual([
        'duplicate_sale_suspect operator review 100000000002 <- 100000000001',
        'duplicate_sale_suspect operator review 100000000003 <- 100000000002',
      ]);
    });

    it('reports a repeat exactly the window later, not one a second outside it', async () => {
      const first = hostSale({ rrn: '100000000001', stan: '000001', ...same });
      const atWindow = hostSale({ rrn: '100000000002', stan: '000002', ...same, txnTimeMs: t0 + 120 * s });
      const outside = hostSale({ rrn: '100000000003', stan: '000003', ...same, txnTimeMs: t0 + 241 * s });
      expect(briefly(await day([first, atWindow, outside]))).toEqual([
        'duplicate_sale_suspect operator review 100000000002 <- 100000000001',
      ]);
      expect(await day([first, outside], 240)).toEqual([]);
    });

    it('leaves alone a repeat the operator confirmed', async () => {
      const first = hostSale({ rrn: '100000000001', stan: '000001', ...same });
      const confirmed = hostSale({
        rrn: '100000000002',
        stan: '000002',
        ...same,
        txnTimeMs: t0 + 5 * s,
        duplicateConfirmed: true,
      });
      expect(await day([first, confirmed])).toEqual([]);
    });

    it('leaves alone the same card and amount on another terminal, and another amount on the same one', async () => {
      const first = hostSale({ rrn: '100000000001', stan: '000001', ...same });
      const otherTerminal = hostSale({
        rrn: '100000000002',
        stan: '000001',
        ...same,
        terminalId: '10000002',
        txnTimeMs: t0 + 5 * s,
      });
      const otherAmount = hostSale({
        rrn: '100000000003',
        stan: '000003',
        ...same,
        amountMinor: 8801,
        txnTimeMs: t0 + 6 * s,
      });
      const otherCard = hostSale({
        rrn: '100000000004',
        stan: '000004',
        ...same,
        cardFingerprint: 'card-b',
        txnTimeMs: t0 + 7 * s,
      });
      expect(await day([first, otherTerminal, otherAmount, otherCard])).toEqual([]);
    });

    it('needs both sales approved and settled', async () => {
      const first = hostSale({ rrn: '100000000001', stan: '000001', ...same });
      const again = hostSale({ rrn: '100000000002', stan: '000002', ...same, txnTimeMs: t0 + 5 * s });
      const reversed = hostSale({ rrn: '100000000003', stan: '000003', ...same, status: 'reversed' });
      const exceptions = await exceptionsOf({ host: [first, again], settlement: [settled(again)] });
      expect(briefly(exceptions)).toEqual(['missing_in_settlement third_party query_acquirer 100000000001']);
      expect(await day([reversed, again])).toEqual([
        expect.objectContaining({ kind: 'reversed_but_settled', rrn: '100000000003' }),
      ]);
    });
  });

  describe('the terminal journal', () => {
    it('reports a transaction the terminal lists twice as a display duplicate with no action', async () => {
      const sale = hostSale({ rrn: '100000000001', stan: '000001' });
      const exceptions = await exceptionsOf({
        host: [sale],
        settlement: [settled(sale)],
        terminal: [shown(sale), shown(sale)],
      });
      expect(briefly(exceptions)).toEqual(['terminal_display_duplicate software none 100000000001']);
      expect(exceptions[0]!.detail).toMatch(/terminal, row 2 lists the same sale again as terminal, row 1/);
    });

    it('reports an approval shown on the terminal that the host declined or never saw', async () => {
      const declined = hostSale({ rrn: '100000000001', stan: '000001', status: 'declined' });
      const unknownToHost = shown(hostSale({ rrn: '100000000009', stan: '000009' }));
      const exceptions = await exceptionsOf({
        host: [declined],
        settlement: [],
        terminal: [shown(declined, { result: 'approved' }), unknownToHost],
      });
      expect(briefly(exceptions).sort()).toEqual([
        'terminal_only software investigate 100000000001',
        'terminal_only software investigate 100000000009',
      ]);
    });

    it('reports a host approval the terminal shows declined, reversed or unknown', async () => {
      const sales = ['declined', 'reversed', 'unknown'].map((_, i) =>
        hostSale({ rrn: `10000000000${i + 1}`, stan: `00000${i + 1}` }),
      );
      const exceptions = await exceptionsOf({
        host: sales,
        settlement: sales.map((x) => settled(x)),
        terminal: [
          shown(sales[0]!, { result: 'declined', rrn: '' }),
          shown(sales[1]!, { result: 'reversed' }),
          shown(sales[2]!, { result: 'unknown', rrn: '' }),
        ],
      });
      expect(briefly(exceptions)).toEqual([
        'host_only_approved network review 100000000001',
        'host_only_approved network review 100000000002',
        'host_only_approved network review 100000000003',
      ]);
      expect(exceptions[2]!.detail).toMatch(/terminal, row 3 shows it unknown/);
    });

    it('takes a terminal that showed unknown and then the approval as having shown the approval', async () => {
      const sale = hostSale({ rrn: '100000000001', stan: '000001' });
      const exceptions = await exceptionsOf({
        host: [sale],
        settlement: [settled(sale)],
        terminal: [shown(sale, { result: 'unknown', rrn: '' }), shown(sale)],
      });
      expect(briefly(exceptions)).toEqual(['terminal_display_duplicate software none 100000000001']);
    });

    it('is quiet when terminal and host agree on a decline or a reversal', async () => {
      const declined = hostSale({ rrn: '100000000001', stan: '000001', status: 'declined' });
      const reversed = hostSale({ rrn: '100000000002', stan: '000002', status: 'reversed' });
      const exceptions = await exceptionsOf({
        host: [declined, reversed],
        settlement: [],
        terminal: [
          shown(declined),
          shown(reversed),
          shown(hostSale({ rrn: '', stan: '000003' }), { result: 'declined' }),
        ],
      });
      expect(exceptions).toEqual([]);
    });
  });

  it('refuses a host journal holding one RRN or one merchant + terminal + batch + STAN twice, naming both lines', async () => {
    const sale = hostSale({ rrn: '100000000001', stan: '000001' });
    const twin = hostSale({ rrn: '100000000001', stan: '000002' });
    const failure = exceptionsOf({ host: [sale, twin], settlement: [] });
    await expect(failure).rejects.toThrow(PosError);
    await expect(failure).rejects.toThrow(/host line 2: RRN 100000000001 is also on line 1/);
    const sameKey = exceptionsOf({ host: [sale, { ...sale, rrn: '100000000002' }], settlement: [] });
    await expect(sameKey).rejects.toThrow(
      /host line 2: merchant \+ terminal \+ batch \+ STAN 898310048160001 \+ 10000001 \+ 000001 \+ 000001 is also on line 1/,
    );
  });
});
