import { describe, expect, it } from 'vitest';
import { PosError } from '../../pos-error.js';
import { hostJournalColumns, readHostJournal } from './host-journal-reader.js';
import { hostWallet, walletCode } from '../tables/tables.js';
import { readSettlementFile } from './settlement-file-reader.js';
import { readTerminalJournal } from './terminal-journal-reader.js';
import { textSource } from '../test-support/sources.js';
import { hostSale, settled, shown, t0 } from '../test-support/rows.js';
import { TextDictionary } from '../tables/text-dictionary.js';
import {
  hostJournalHeader,
  hostJournalLine,
  settlementFileHeader,
  settlementFileLine,
  terminalJournalHeader,
  terminalJournalLine,
} from './v1-lines.js';

const sale = hostSale({ rrn: '100000000001', stan: '000001', amountMinor: 1280 });
const hostText = (...lines: string[]): string => [hostJournalHeader, ...lines].join('\n');

async function readHost(text: string) {
  const dictionary = new TextDictionary();
  const table = await readHostJournal({ file: 'host.csv', source: textSource(text, 5), dictionary });
  return { table, dictionary };
}

async function hostError(text: string): Promise<PosError> {
  const failure = await readHost(text).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (failure instanceof PosError) return failure;
  throw new Error(`expected a PosError, got ${String(failure)}`);
}

describe('the v1 readers', () => {
  it('find columns by name in any order, ignore extra columns and read every field', async () => {
    const columns = hostJournalHeader.split(',');
    const reordered = ['note', ...[...columns].reverse()];
    const values = hostJournalLine({ ...sale, entryMode: 'contactless', duplicateConfirmed: true }).split(
      ',',
    );
    const line = ['"free, text"', ...[...values].reverse()].join(',');
    const { table, dictionary } = await readHost(`${reordered.join(',')}\r\n${line}\r\n`);
    expect(table.length).toBe(1);
    const c = table.c;
    expect(dictionary.text(c.rrn[0]!)).toBe('100000000001');
    expect(dictionary.text(c.stan[0]!)).toBe('000001');
    expect(dictionary.text(c.merchant[0]!)).toBe(sale.merchantId);
    expect(dictionary.text(c.currency[0]!)).toBe('CNY');
    expect(c.time[0]).toBe(t0);
    expect(c.amount[0]).toBe(1280);
    expect(c.entryMode[0]).toBe(3);
    expect(c.flags[0]).toBe(3);
    expect(c.line[0]).toBe(2);
  });

  it('read the terminal journal and the settlement file, empty cells as unknown', async () => {
    const dictionary = new TextDictionary();
    const terminal = await readTerminalJournal({
      file: 'terminal.csv',
      source: textSource(
        [terminalJournalHeader, terminalJournalLine(shown(sale, { amountMinor: null, rrn: '' }))].join('\n'),
      ),
      dictionary,
    });
    expect(terminal.c.amount[0]).toBe(-1);
    expect(terminal.c.rrn[0]).toBe(0);
    const settlement = await readSettlementFile({
      file: 'settlement.csv',
      source: textSource(
        [settlementFileHeader, settlementFileLine(settled(sale, { feeMinor: null }))].join('\n'),
      ),
      dictionary,
    });
    expect(settlement.c.fee[0]).toBe(-1);
    expect(settlement.c.amount[0]).toBe(1280);
    expect(dictionary.text(settlement.c.rrn[0]!)).toBe('100000000001');
  });

  it('name every missing column at once', async () => {
    const error = await hostError('merchant_id,terminal_id,rrn\n1,2,3\n');
    expect(error.code).toBe('POS_ERR_RECON_MISSING_COLUMN');
    expect(error.details).toEqual({ file: 'host.csv', line: 1, column: 'batch_no' });
    expect(error.message).toMatch(/lacks the columns batch_no, stan, auth_code, txn_time/);
  });

  it('refuse an amount that is not whole fen, naming file, line and column', async () => {
    for (const bad of ['12.5', 'abc', '-1', '']) {
      const line = hostJournalLine(sale).replace(',1280,', `,${bad},`);
      const error = await hostError(hostText(hostJournalLine(sale), line));
      expect(error.code).toBe('POS_ERR_RECON_BAD_AMOUNT');
      expect(error.details).toEqual({ file: 'host.csv', line: 3, column: 'amount' });
      expect(error.message).toContain(`host.csv line 3, column "amount": expected a whole number of fen`);
    }
  });

  it('refuse a time without offset and a status outside the list', async () => {
    const noOffset = hostJournalLine(sale).replace('+08:00', '');
    const timeError = await hostError(hostText(noOffset));
    expect(timeError.code).toBe('POS_ERR_RECON_BAD_TIME');
    expect(timeError.details).toEqual({ file: 'host.csv', line: 2, column: 'txn_time' });
    const statusError = await hostError(hostText(hostJournalLine(sale).replace(',approved,', ',ok,')));
    expect(statusError.code).toBe('POS_ERR_RECON_BAD_VALUE');
    expect(statusError.message).toMatch(
      /column "status": expected one of approved, declined, reversed, voided, refunded, partially_refunded, got "ok"/,
    );
    const voidError = await hostError(
      hostText(hostJournalLine({ ...sale, txnType: 'void', status: 'voided' })),
    );
    expect(voidError.message).toMatch(/expected approved or declined for a void/);
  });

  it('name the column by its header in quoting and encoding errors too', async () => {
    const quoted = await hostError(hostText(hostJournalLine(sale).replace(',1280,', ',12"80,')));
    expect(quoted.code).toBe('POS_ERR_RECON_BAD_QUOTING');
    expect(quoted.details).toEqual({ file: 'host.csv', line: 2, column: 'amount' });
    const [before, after] = hostText(hostJournalLine(sale)).split('100000000001') as [string, string];
    const badBytes = Buffer.concat([Buffer.from(before), Buffer.from([0xc3, 0x28]), Buffer.from(after)]);
    const encoding = await readHostJournal({
      file: 'host.csv',
      source: textSource(badBytes, 5),
      dictionary: new TextDictionary(),
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(encoding).toMatchObject({
      code: 'POS_ERR_RECON_BAD_ENCODING',
      details: { file: 'host.csv', line: 2, column: 'rrn' },
    });
  });

  it('refuse an empty file and a record wider than the header', async () => {
    const empty = await hostError('');
    expect(empty.code).toBe('POS_ERR_RECON_EMPTY_FILE');
    expect(empty.details).toEqual({ file: 'host.csv', line: 1, column: null });
    const wide = await hostError(hostText(`${hostJournalLine(sale)},extra`));
    expect(wide.code).toBe('POS_ERR_RECON_FIELD_COUNT');
    expect(wide.message).toMatch(/host.csv line 2: expected 22 fields as in the header, got 23/);
  });

  it("read a QR sale's columns: wallet, order and trade numbers, and the payer where a card would be", async () => {
    const qrSale = {
      ...sale,
      cardMasked: '',
      cardFingerprint: '',
      entryMode: null,
      qr: {
        wallet: 'wechat' as const,
        orderNo: 'PG0123456789abcdef',
        tradeNo: '4200000001202611250000000001',
        payerFingerprint: 'payer-a',
      },
    };
    const card = hostSale({ rrn: '100000000002', stan: '000002' });
    const { table, dictionary } = await readHost(hostText(hostJournalLine(qrSale), hostJournalLine(card)));
    expect(hostWallet(table.c.flags[0]!)).toBe(walletCode('wechat'));
    expect(hostWallet(table.c.flags[1]!)).toBe(0);
    expect(table.c.flags[0]! & 2).toBe(2);
    expect(table.qr.length).toBe(1);
    expect(table.qr.c.row[0]).toBe(0);
    expect(dictionary.text(table.qr.c.orderNo[0]!)).toBe('PG0123456789abcdef');
    expect(dictionary.text(table.qr.c.tradeNo[0]!)).toBe('4200000001202611250000000001');
    // The same payer on another line hashes alike; a card's fingerprint of the same text does too,
    // which is why the duplicate rule also compares the wallet.
    const again = await readHost(
      hostText(hostJournalLine({ ...qrSale, rrn: '9', stan: '9', qr: { ...qrSale.qr, orderNo: 'PG2' } })),
    );
    expect(again.table.c.fingerprintHigh[0]).toBe(table.c.fingerprintHigh[0]);
  });

  it('read a journal written before QR payments as all cards, and refuse half of the QR columns', async () => {
    const old = [hostJournalColumns.join(','), hostJournalLine(sale).split(',').slice(0, 17).join(',')];
    const { table } = await readHost(old.join('\n'));
    expect(table.length).toBe(1);
    expect(hostWallet(table.c.flags[0]!)).toBe(0);
    expect(table.qr.length).toBe(0);
    const half = await hostError(
      [`${hostJournalColumns.join(',')},method,wallet`, `${old[1]},qr,alipay`].join('\n'),
    );
    expect(half.code).toBe('POS_ERR_RECON_MISSING_COLUMN');
    expect(half.message).toMatch(
      /has the column method but lacks order_no, wallet_trade_no, payer_fingerprint/,
    );
  });

  it('refuse a QR sale without its order number, an unknown wallet, and a card with a wallet', async () => {
    const qr = { wallet: 'alipay' as const, orderNo: 'PG1', tradeNo: '', payerFingerprint: '' };
    const noOrder = await hostError(hostText(hostJournalLine({ ...sale, qr: { ...qr, orderNo: '' } })));
    expect(noOrder.code).toBe('POS_ERR_RECON_BAD_VALUE');
    expect(noOrder.details).toEqual({ file: 'host.csv', line: 2, column: 'order_no' });
    const paypal = await hostError(
      hostText(hostJournalLine({ ...sale, qr }).replace(',alipay,', ',paypal,')),
    );
    expect(paypal.message).toMatch(/column "wallet": expected one of alipay, wechat, unionpay, got "paypal"/);
    const cardWithWallet = await hostError(
      hostText(hostJournalLine(sale).replace(',card,,', ',card,alipay,')),
    );
    expect(cardWithWallet.message).toMatch(/column "wallet": expected no wallet on a card payment/);
    const method = await hostError(hostText(hostJournalLine(sale).replace(',card,', ',cash,')));
    expect(method.message).toMatch(/column "method": expected one of card, qr, got "cash"/);
  });

  it('refuse a file that cannot be opened', async () => {
    const failure = readHostJournal({ file: '/nonexistent/host.csv', dictionary: new TextDictionary() });
    await expect(failure).rejects.toMatchObject({ code: 'POS_ERR_RECON_FILE_UNREADABLE' });
  });
});
