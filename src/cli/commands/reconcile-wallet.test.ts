import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { readPaymentCode } from '../../payments/payment-code.js';
import {
  fingerprintKey,
  makeHarness,
  merchantId,
  terminalId,
  viewOf,
} from '../../payments/test-support/engine-harness.js';
import { ScriptedWallet } from '../../payments/test-support/scripted-wallet.js';
import { hostRowsFromStore, type HostRow } from '../../reconciliation/index.js';
import { fakeIo, tempDir } from '../../reconciliation/test-support/day-files.js';
import { wechatBillText } from '../../reconciliation/test-support/wallet-bills.js';
import { openSqliteStore } from '../../store/sqlite/open-sqlite-store.js';
import { main } from '../main.js';

const fixtures = resolve('test/fixtures/wallet-bills');
const alipayBill = join(fixtures, 'alipay-trade-bill-20261125.csv');
const wechatBill = join(fixtures, 'wechat-trade-bill-20261125.csv');
const hostJournal = join(fixtures, 'host-journal-20261125.csv');

/** kind, cause, action, rrn and related RRN of each row of exceptions.csv. */
function exceptionsIn(out: string): string[] {
  const [, ...rows] = readFileSync(join(out, 'exceptions.csv'), 'utf8').trim().split('\r\n');
  return rows.map((row) => {
    const cells = row.split(',');
    return `${cells[0]} ${cells[1]} ${cells[2]} ${cells[7]}${cells[8] === '' ? '' : ` <- ${cells[8]}`}`;
  });
}

const reportsIn = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);

async function run(
  args: string[],
): Promise<{ code: number; out: string; err: string; dir: string; outDir: string }> {
  const dir = tempDir();
  const outDir = join(dir, 'report');
  const io = fakeIo(dir);
  const code = await main(['reconcile', '--host-journal', hostJournal, '--out', outDir, ...args], io);
  return { code, out: io.out(), err: io.err(), dir, outDir };
}

describe("posguard reconcile with a wallet's bill", () => {
  it("reconciles Alipay's trade bill (GBK) against the host's Alipay QR sales", async () => {
    const { code, out, outDir } = await run([
      '--settlement',
      alipayBill,
      '--profile',
      'alipay',
      '--wallet-merchant',
      '2088102146225135',
      '--json',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ hostRows: 14, settlementRows: 10, matched: 8 });
    expect(exceptionsIn(outDir)).toEqual([
      'reversed_but_settled network refund 400000000202',
      'missing_in_settlement third_party query_acquirer 400000000203',
      'unknown_in_settlement third_party investigate ',
      'unknown_in_settlement third_party investigate ',
      'amount_mismatch software investigate 400000000104',
      'duplicate_sale_suspect operator review 400000000103 <- 400000000102',
    ]);
    const csv = readFileSync(join(outDir, 'exceptions.csv'), 'utf8');
    expect(csv).toContain('refunds CNY 5.00 of order PG6b9d1f3a5c7e9b1d3f5a7c9e1b3d5f');
    expect(csv).toContain('shows CNY 42.00 paid through Alipay for order PGe000000000000000000000000000f1');
  });

  it("reconciles WeChat Pay's bill against the host's WeChat Pay QR sales", async () => {
    const { code, outDir } = await run([
      '--settlement',
      wechatBill,
      '--profile',
      'wechat',
      '--wallet-merchant',
      '1900000109',
      '--wallet-app',
      'wx2421b1c4370ec43b',
      '--threads',
      '1',
    ]);
    expect(code).toBe(0);
    expect(exceptionsIn(outDir)).toEqual([
      'duplicate_settlement third_party refund 400000000401',
      'reversed_but_settled third_party refund 400000000303',
      'missing_in_settlement third_party query_acquirer 400000000402',
      'unknown_in_settlement third_party investigate ',
    ]);
  });

  it('refuses the bill of another merchant or app with the line that names it, writing nothing', async () => {
    const alipay = await run([
      '--settlement',
      alipayBill,
      '--profile',
      'alipay',
      '--wallet-merchant',
      '2088000000000001',
    ]);
    expect(alipay.code).toBe(1);
    expect(alipay.err).toMatch(
      /POS_ERR_RECON_WRONG_ACCOUNT: .*alipay-trade-bill-20261125.csv line 2, column "\(comment\)": the bill is of merchant "2088102146225135", not "2088000000000001"/,
    );
    expect(reportsIn(alipay.outDir)).toEqual([]);
    const app = await run([
      '--settlement',
      wechatBill,
      '--profile',
      'wechat',
      '--wallet-merchant',
      '1900000109',
      '--wallet-app',
      'wxffffffffffffffff',
    ]);
    expect(app.code).toBe(1);
    expect(app.err).toMatch(/POS_ERR_RECON_WRONG_ACCOUNT: .*line 2, column "公众账号ID"/);
    expect(reportsIn(app.outDir)).toEqual([]);
  });

  it('refuses a bill cut short, or saved in the other encoding, writing nothing', async () => {
    const dir = tempDir();
    const cut = join(dir, 'cut.csv');
    const bytes = readFileSync(wechatBill);
    writeFileSync(cut, bytes.subarray(0, bytes.lastIndexOf('总交易单数')));
    const truncated = await run([
      '--settlement',
      cut,
      '--profile',
      'wechat',
      '--wallet-merchant',
      '1900000109',
    ]);
    expect(truncated.code).toBe(1);
    expect(truncated.err).toMatch(
      /POS_ERR_RECON_TRUNCATED: .*cut.csv line 8: the file ends at line 8 before the end of its table/,
    );
    expect(reportsIn(truncated.outDir)).toEqual([]);
    const utf8 = join(dir, 'alipay-utf8.csv');
    writeFileSync(utf8, iconv.decode(readFileSync(alipayBill), 'gbk'), 'utf8');
    const encoding = await run([
      '--settlement',
      utf8,
      '--profile',
      'alipay',
      '--wallet-merchant',
      '2088102146225135',
    ]);
    expect(encoding.code).toBe(1);
    expect(encoding.err).toMatch(
      /POS_ERR_RECON_BAD_ENCODING: .*alipay-utf8.csv line 1: the file reads as UTF-8, but its profile says gbk/,
    );
  });

  it('asks for --wallet-merchant with a bill, and refuses wallet flags where they mean nothing', async () => {
    const missing = await run(['--settlement', alipayBill, '--profile', 'alipay']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(
      /POS_ERR_CLI_MISSING_FLAG: reconcile: --wallet-merchant ID is required with alipay's bill/,
    );
    const app = await run([
      '--settlement',
      alipayBill,
      '--profile',
      'alipay',
      '--wallet-merchant',
      '2088102146225135',
      '--wallet-app',
      'x',
    ]);
    expect(app.code).toBe(2);
    expect(app.err).toMatch(/--wallet-app: alipay's bill does not name the app/);
    const card = await run(['--settlement', alipayBill, '--wallet-merchant', '2088102146225135']);
    expect(card.code).toBe(2);
    expect(card.err).toMatch(
      /--wallet-merchant and --wallet-app go with a wallet's bill \(--profile alipay\|wechat\)/,
    );
    const help = await run(['--help']);
    expect(help.out).toMatch(/--profile alipay {11}Alipay's trade bill/);
    expect(help.out).toMatch(/--wallet-merchant ID {7}with a wallet's bill, required/);
  });

  it('reads the QR sales from the store (--db) and keeps the rescan it finds for GET /v1/duplicates', async () => {
    const dir = tempDir();
    const db = join(dir, 'posguard.db');
    // A merchant whose duplicate policy is off: the naive rescan is charged twice.
    const h = await makeHarness({
      policy: 'off',
      store: await openSqliteStore(db),
      wallets: (clock) => ({ wechat: new ScriptedWallet({ clock }) }),
    });
    const sell = async (key: string, code: string) =>
      viewOf(
        await h.drive(
          h.engine.authorizeQrSale({
            merchantId,
            terminalId,
            idempotencyKey: key,
            amount: 1280,
            currency: 'CNY',
            code: readPaymentCode({ code, fingerprintKey }),
            operatorId: '01',
            confirmDuplicate: false,
            reference: null,
            channel: 'http',
            stan: null,
            batchNo: null,
          }),
        ),
      );
    const first = await sell('qr-1', '130000000000000001');
    await h.clock.advanceTo(h.clock.now() + 30_000); // the cashier gives up and scans a fresh code
    const rescan = await sell('qr-2', '130000000000000002');
    expect([first.status, rescan.status]).toEqual(['approved', 'approved']);
    const rows: HostRow[] = [];
    for await (const row of hostRowsFromStore(h.store)) rows.push(row);
    await h.store.close();
    // The wallet's bill of that day: both charges.
    const bill = join(dir, 'wechat.csv');
    writeFileSync(
      bill,
      wechatBillText(
        rows.map((r) => ({
          type: 'sale' as const,
          orderNo: r.qr!.orderNo,
          tradeNo: r.qr!.tradeNo,
          terminalId: r.terminalId,
          orderAmount: r.amountMinor,
          timeMs: r.txnTimeMs!,
        })),
      ),
    );
    const args = [
      'reconcile',
      '--db',
      db,
      '--settlement',
      bill,
      '--profile',
      'wechat',
      '--wallet-merchant',
      '1900000109',
    ];
    const io = fakeIo(dir);
    expect(await main([...args, '--out', join(dir, 'report')], io)).toBe(0);
    expect(exceptionsIn(join(dir, 'report'))).toEqual([
      `duplicate_sale_suspect operator review ${rescan.rrn} <- ${first.rrn}`,
    ]);
    expect(io.out()).toMatch(/stored 1 duplicate finding\(s\) for GET \/v1\/duplicates \(0 already there\)/);
    const again = fakeIo(dir);
    expect(await main([...args, '--out', join(dir, 'report-2')], again)).toBe(0);
    expect(again.out()).toMatch(
      /stored 0 duplicate finding\(s\) for GET \/v1\/duplicates \(1 already there\)/,
    );
  });
});
