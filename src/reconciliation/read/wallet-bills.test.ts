import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PosError } from '../../pos-error.js';
import { TextDictionary } from '../tables/text-dictionary.js';
import { settlementTxnTypes } from '../tables/rows.js';
import { walletCode, type SettlementTable } from '../tables/tables.js';
import { tempDir } from '../test-support/day-files.js';
import {
  alipayBillBytes,
  alipayBillText,
  wechatBillText,
  type AlipayBillOptions,
  type BillLine,
  type WechatBillOptions,
} from '../test-support/wallet-bills.js';
import { readWithProfile, type WalletBillExpectations } from './profile-reader.js';
import { builtInProfile } from './wallet-profiles.js';

const t0 = Date.parse('2026-11-25T10:00:00+08:00');
const sale = (n: number, fields: Partial<BillLine> = {}): BillLine => ({
  type: 'sale',
  orderNo: `PG${String(n).padStart(30, '0')}`,
  tradeNo: `2026112522001${String(n).padStart(15, '0')}`,
  terminalId: '10000001',
  orderAmount: 1280 + n,
  timeMs: t0 + n * 60_000,
  fee: 8,
  ...fields,
});
const lines: BillLine[] = [
  sale(1),
  sale(2),
  { ...sale(2), type: 'refund', refundAmount: 500, timeMs: t0 + 3_600_000 },
];

async function read(
  wallet: 'alipay' | 'wechat',
  bytes: Buffer | string,
  expect: WalletBillExpectations = {},
): Promise<{ table: SettlementTable; dictionary: TextDictionary }> {
  const file = join(tempDir(), `${wallet}.csv`);
  writeFileSync(file, bytes);
  const dictionary = new TextDictionary();
  const table = await readWithProfile({ file, dictionary, profile: builtInProfile(wallet)!, expect });
  return { table, dictionary };
}

async function failure(
  wallet: 'alipay' | 'wechat',
  bytes: Buffer | string,
  expect: WalletBillExpectations = {},
): Promise<PosError> {
  const error = await read(wallet, bytes, expect).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof PosError) return error;
  throw new Error(`expected a PosError, got ${String(error)}`);
}

/** Each line as `type order trade amount fee terminal time`, read back from the table. */
function linesOf({ table, dictionary }: { table: SettlementTable; dictionary: TextDictionary }): string[] {
  const c = table.c;
  return Array.from({ length: table.length }, (_, i) =>
    [
      settlementTxnTypes[c.txnType[i]!],
      dictionary.text(table.qr.c.orderNo[i]!).slice(-2),
      dictionary.text(table.qr.c.tradeNo[i]!).slice(-2),
      c.amount[i],
      c.fee[i],
      dictionary.text(c.terminal[i]!),
      (c.time[i]! - t0) / 60_000,
    ].join(' '),
  );
}

const alipay = (options: AlipayBillOptions = {}, bill: readonly BillLine[] = lines): Buffer =>
  alipayBillBytes(bill, options);
const wechat = (options: WechatBillOptions = {}, bill: readonly BillLine[] = lines): string =>
  wechatBillText(bill, options);

describe("the wallets' bills, read through their built-in profiles", () => {
  it("read Alipay's GBK trade bill: comment lines skipped, tabs trimmed, refunds by their size", async () => {
    const read1 = await read('alipay', alipay(), { merchant: '2088000000000001' });
    expect(read1.table.wallet).toBe(walletCode('alipay'));
    expect(read1.table.qr.length).toBe(3);
    expect(linesOf(read1)).toEqual([
      'sale 01 01 1281 8 10000001 1',
      'sale 02 02 1282 8 10000001 2',
      'refund 02 02 500 8 10000001 60',
    ]);
    expect(read1.table.c.line[0]).toBe(6);
  });

  it("read WeChat Pay's bill: backticks dropped, refunds from 申请退款金额, revokes whole, the totals left out", async () => {
    const revoked: BillLine = { ...sale(3), type: 'revoked', timeMs: t0 + 7_200_000 };
    const read1 = await read('wechat', wechat({}, [...lines, sale(3), revoked]), {
      merchant: '1900000109',
      app: 'wx2421b1c4370ec43b',
    });
    expect(read1.table.wallet).toBe(walletCode('wechat'));
    expect(linesOf(read1)).toEqual([
      'sale 01 01 1281 8 10000001 1',
      'sale 02 02 1282 8 10000001 2',
      'refund 02 02 500 8 10000001 60',
      'sale 03 03 1283 8 10000001 3',
      'refund 03 03 1283 8 10000001 120',
    ]);
    expect(read1.dictionary.text(read1.table.c.merchant[0]!)).toBe('1900000109');
    expect(read1.dictionary.text(read1.table.c.currency[0]!)).toBe('CNY');
  });

  it('refuse a bill in another encoding than its wallet writes, naming the line', async () => {
    // Alipay's layout saved as UTF-8: decoded as GBK it would be wrong text without one bad byte.
    const utf8 = await failure('alipay', Buffer.from(alipayBillText(lines), 'utf8'));
    expect(utf8.code).toBe('POS_ERR_RECON_BAD_ENCODING');
    expect(utf8.details).toMatchObject({ line: 1 });
    expect(utf8.message).toMatch(/reads as UTF-8, but its profile says gbk/);
    // WeChat's layout saved as GBK: bytes that are not UTF-8, named by line and column.
    const gbk = await failure(
      'wechat',
      Buffer.concat([Buffer.from(wechat().split('\r\n')[0]! + '\r\n'), alipay()]),
    );
    expect(gbk.code).toBe('POS_ERR_RECON_BAD_ENCODING');
    expect(gbk.details).toMatchObject({ line: 2 });
  });

  it('refuse a bill cut short: no end of its table, no footer count, no totals row', async () => {
    const noEnd = await failure('alipay', alipay({ omit: ['end', 'sale_count', 'refund_count'] }));
    expect(noEnd.code).toBe('POS_ERR_RECON_TRUNCATED');
    expect(noEnd.message).toMatch(
      /ends at line \d+ before the end of its table \(expected a comment line containing "业务明细列表结束"\)/,
    );
    const noCount = await failure('alipay', alipay({ omit: ['refund_count'] }));
    expect(noCount.code).toBe('POS_ERR_RECON_TRUNCATED');
    expect(noCount.message).toMatch(/without its footer line matching \^#退款合计/);
    const noTotals = await failure('wechat', wechat({ omit: ['totals'] }));
    expect(noTotals.code).toBe('POS_ERR_RECON_TRUNCATED');
    expect(noTotals.details).toMatchObject({ line: 4 });
    const noRow = await failure('wechat', wechat({ omit: ['totals_row'] }));
    expect(noRow.code).toBe('POS_ERR_RECON_TRUNCATED');
    expect(noRow.message).toMatch(/without the totals row/);
    // A line cut in the middle has fewer fields than the header.
    const text = wechat();
    const cut = await failure('wechat', text.slice(0, text.indexOf('\r\n', text.indexOf('\r\n') + 2) - 40));
    expect(cut.code).toBe('POS_ERR_RECON_FIELD_COUNT');
  });

  it("refuse a footer whose counts disagree with the table, and lines after the bill's end", async () => {
    const counts = await failure('alipay', alipay({ counts: { sales: 3, refunds: 1 } }));
    expect(counts.code).toBe('POS_ERR_RECON_TOTALS_MISMATCH');
    expect(counts.message).toMatch(/line 10: the footer states 3 lines of 交易 but the table holds 2/);
    const after = await failure('wechat', `${wechat()}\`1,\`2,\`3,\`4,\`5,\`6,\`7\r\n`);
    expect(after.code).toBe('POS_ERR_RECON_BAD_VALUE');
    expect(after.message).toMatch(/line 7: a line after the bill's totals/);
  });

  it('refuse the bill of another merchant or app, naming where the bill says whose it is', async () => {
    const alipayOther = await failure('alipay', alipay({ account: '20889999999999990156' }), {
      merchant: '2088000000000001',
    });
    expect(alipayOther.code).toBe('POS_ERR_RECON_WRONG_ACCOUNT');
    expect(alipayOther.details).toEqual({ file: expect.any(String) as string, line: 2, column: '(comment)' });
    const unnamed = await failure('alipay', alipay({ omit: ['account'] }), { merchant: '2088000000000001' });
    expect(unnamed.code).toBe('POS_ERR_RECON_WRONG_ACCOUNT');
    expect(unnamed.message).toMatch(/does not say whose it is/);
    const mch = await failure('wechat', wechat({ mchId: '1900000999' }), { merchant: '1900000109' });
    expect(mch.code).toBe('POS_ERR_RECON_WRONG_ACCOUNT');
    expect(mch.details).toMatchObject({ line: 2, column: '商户号' });
    const app = await failure('wechat', wechat({ override: { 1: { 公众账号ID: 'wxother' } } }), {
      merchant: '1900000109',
      app: 'wx2421b1c4370ec43b',
    });
    expect(app.details).toMatchObject({ line: 3, column: '公众账号ID' });
    expect(app.message).toMatch(/the bill is of app "wxother", not "wx2421b1c4370ec43b" \(--wallet-app\)/);
  });

  it('refuse malformed amounts, a sale written as a refund and a refund written as a sale', async () => {
    const cases: [Buffer | string, 'alipay' | 'wechat', string][] = [
      [alipay({ override: { 0: { '订单金额（元）': '12.801' } } }), 'alipay', 'at most two decimals'],
      [alipay({ override: { 0: { '订单金额（元）': '-12.80' } } }), 'alipay', 'not negative on a sale line'],
      [
        alipay({ override: { 2: { '订单金额（元）': '5.00' } } }),
        'alipay',
        'negative or zero on a refund line',
      ],
      [wechat({ override: { 1: { 订单金额: '十二' } } }), 'wechat', 'an amount in yuan like 12.80'],
      [wechat({ override: { 0: { 订单金额: '-1.00' } } }), 'wechat', 'not negative'],
    ];
    for (const [bytes, wallet, expected] of cases) {
      const error = await failure(wallet, bytes);
      expect(error.code).toBe('POS_ERR_RECON_BAD_AMOUNT');
      expect(error.message).toContain(expected);
      expect((error.details as { column: string }).column).toMatch(/订单金额/);
    }
  });

  it('refuse a line without an order number and a type the profile does not know', async () => {
    const noOrder = await failure('wechat', wechat({ override: { 0: { 商户订单号: '' } } }));
    expect(noOrder.code).toBe('POS_ERR_RECON_BAD_VALUE');
    expect(noOrder.details).toMatchObject({ line: 2, column: '商户订单号' });
    const type = await failure('alipay', alipay({ override: { 1: { 业务类型: '冻结\t' } } }));
    expect(type.code).toBe('POS_ERR_RECON_BAD_VALUE');
    expect(type.message).toMatch(
      /line 7, column "业务类型": expected a type code the profile maps \(交易, 退款\)/,
    );
  });
});
