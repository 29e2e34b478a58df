// A synthetic day of QR sales for one wallet: the host journal (with card sales and the other
// wallet's QR sales mixed in, which a run on this wallet's bill must leave alone) and the wallet's
// bill lines, with every exception kind a bill can show and near misses that must not be reported,
// and the list of exceptions a correct reconciliation finds. Deterministic from its seed. Written
// out by `writeWalletDay` in the wallet's own layout (wallet-bills.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Wallet } from '../../payments/ports/wallet.js';
import type { HostRow, HostStatus } from '../tables/rows.js';
import { hostJournalHeader, hostJournalLine } from '../read/v1-lines.js';
import type { ExpectedException } from './day-generator.js';
import { alipayBillBytes, wechatBillText, type BillLine } from './wallet-bills.js';

export interface WalletDay {
  readonly host: HostRow[];
  readonly bill: BillLine[];
  readonly expected: ExpectedException[];
}

const dayStartMs = Date.parse('2026-11-25T00:00:00+08:00');
/** The duplicate window the day is made for: reconcile it with the default, 120 s. */
const windowMs = 120_000;
const scenarios = [
  'paid',
  'paid',
  'paid',
  'declined',
  'reversed_refunded',
  'reversed_unpaid',
  'card',
  'other_wallet',
  'duplicate_settlement',
  'reversed_but_settled',
  'missing',
  'unknown_sale',
  'unknown_refund',
  'amount_mismatch',
  'rescan',
  'near_confirmed_rescan',
  'near_other_payer',
  'near_outside_window',
  'trade_differs',
] as const;

/** mulberry32, as the card day generator: the same seed gives the same day. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Long because: one scenario per case of one switch, each writing its host rows, bill lines and
// expected exceptions side by side, which is what makes the day readable as a specification.
export function generateWalletDay(options: { wallet: Wallet; events: number; seed: number }): WalletDay {
  const next = random(options.seed);
  const int = (low: number, high: number): number => low + Math.floor(next() * (high - low + 1));
  const other: Wallet = options.wallet === 'alipay' ? 'wechat' : 'alipay';
  const host: HostRow[] = [];
  const bill: BillLine[] = [];
  const expected: ExpectedException[] = [];
  let seq = 0;
  let payers = 0;

  const sale = (fields: {
    timeMs: number;
    status?: HostStatus;
    wallet?: Wallet | null;
    payer?: string;
    amount?: number;
    terminal?: number;
    confirmed?: boolean;
  }): HostRow => {
    seq += 1;
    const rrn = String(500000000000 + seq);
    const wallet = fields.wallet === undefined ? options.wallet : fields.wallet;
    const terminal = fields.terminal ?? int(0, 3);
    const row: HostRow = {
      merchantId: '898310048160001',
      terminalId: String(10000001 + terminal),
      batchNo: '000001',
      stan: String(seq).padStart(6, '0'),
      rrn,
      authCode: '',
      txnTimeMs: fields.timeMs,
      txnType: 'sale',
      status: fields.status ?? 'approved',
      amountMinor: fields.amount ?? int(100, 90_000),
      currency: 'CNY',
      cardMasked: wallet === null ? '622202******1234' : '',
      cardFingerprint: wallet === null ? `card-${seq}` : '',
      entryMode: wallet === null ? 'chip' : null,
      operatorId: 'op1',
      duplicateConfirmed: fields.confirmed ?? false,
      originalRrn: '',
      qr:
        wallet === null
          ? null
          : {
              wallet,
              orderNo: `PG${options.seed.toString(16)}x${String(seq).padStart(20, '0')}`,
              tradeNo: `${wallet === 'alipay' ? '2026112522001' : '4200000001'}${String(seq).padStart(15, '0')}`,
              payerFingerprint: fields.payer ?? `payer-${(payers += 1)}`,
            },
    };
    host.push(row);
    return row;
  };
  const line = (row: HostRow, fields: Partial<BillLine> = {}): BillLine => {
    const made: BillLine = {
      type: 'sale',
      orderNo: row.qr!.orderNo,
      tradeNo: row.qr!.tradeNo,
      terminalId: row.terminalId,
      orderAmount: row.amountMinor,
      timeMs: row.txnTimeMs! + 2_000,
      fee: Math.round(row.amountMinor * 0.006),
      ...fields,
    };
    bill.push(made);
    return made;
  };
  const refundOf = (row: HostRow, amount = row.amountMinor): BillLine =>
    line(row, { type: 'refund', refundAmount: amount, timeMs: row.txnTimeMs! + 60_000 });
  const expect = (
    kind: ExpectedException['kind'],
    cause: ExpectedException['cause'],
    rrn: string,
    related = '',
  ): void => {
    expected.push({ kind, cause, rrn, relatedRrn: related });
  };

  for (let event = 0; event < options.events; event += 1) {
    const timeMs =
      dayStartMs +
      3_600_000 +
      Math.floor((event * 20 * 3_600_000) / Math.max(1, options.events)) +
      int(0, 999);
    const scenario = scenarios[int(0, scenarios.length - 1)]!;
    switch (scenario) {
      case 'paid':
        line(sale({ timeMs }));
        break;
      case 'declined':
        sale({ timeMs, status: 'declined' });
        break;
      case 'reversed_refunded': {
        const row = sale({ timeMs, status: 'reversed' });
        line(row);
        refundOf(row);
        break;
      }
      case 'reversed_unpaid':
        sale({ timeMs, status: 'reversed' });
        break;
      case 'card':
        sale({ timeMs, wallet: null });
        break;
      case 'other_wallet':
        sale({ timeMs, wallet: other });
        break;
      case 'duplicate_settlement': {
        const row = sale({ timeMs });
        line(row);
        line(row);
        expect('duplicate_settlement', 'third_party', row.rrn);
        break;
      }
      case 'reversed_but_settled': {
        const row = sale({
          timeMs,
          status: next() < 0.5 ? 'reversed' : 'declined',
          amount: int(200, 90_000),
        });
        line(row);
        if (next() < 0.5) refundOf(row, int(1, row.amountMinor - 1));
        expect('reversed_but_settled', row.status === 'reversed' ? 'network' : 'third_party', row.rrn);
        break;
      }
      case 'missing':
        expect('missing_in_settlement', 'third_party', sale({ timeMs }).rrn);
        break;
      case 'unknown_sale': {
        const row = sale({ timeMs });
        host.pop();
        line(row);
        expect('unknown_in_settlement', 'third_party', '');
        break;
      }
      case 'unknown_refund': {
        const row = sale({ timeMs });
        line(row);
        refundOf(row, int(1, row.amountMinor));
        expect('unknown_in_settlement', 'third_party', '');
        break;
      }
      case 'amount_mismatch': {
        const row = sale({ timeMs });
        line(row, { orderAmount: row.amountMinor + int(1, 50) });
        expect('amount_mismatch', 'software', row.rrn);
        break;
      }
      case 'rescan':
      case 'near_confirmed_rescan':
      case 'near_other_payer':
      case 'near_outside_window': {
        // The naive terminal's habit: a timeout, then a fresh code for the same sale.
        const payer = `payer-${(payers += 1)}`;
        const amount = int(100, 90_000);
        const terminal = int(0, 3);
        const first = sale({ timeMs, payer, amount, terminal });
        line(first);
        const again = sale({
          timeMs:
            timeMs +
            (scenario === 'near_outside_window' ? windowMs + int(1_000, 60_000) : int(5_000, windowMs)),
          payer: scenario === 'near_other_payer' ? `payer-${(payers += 1)}` : payer,
          amount,
          terminal,
          confirmed: scenario === 'near_confirmed_rescan',
        });
        line(again);
        if (scenario === 'rescan') expect('duplicate_sale_suspect', 'operator', again.rrn, first.rrn);
        break;
      }
      case 'trade_differs': {
        const row = sale({ timeMs });
        line(row, { tradeNo: `${row.qr!.tradeNo.slice(0, -1)}9` });
        expect('missing_in_settlement', 'third_party', row.rrn);
        expect('unknown_in_settlement', 'third_party', '');
        break;
      }
    }
  }
  return { host, bill, expected };
}

/** Writes the day as a v1 host journal and the wallet's bill in its own layout and encoding. */
export function writeWalletDay(dir: string, wallet: Wallet, day: WalletDay): { host: string; bill: string } {
  const paths = { host: join(dir, 'host-journal.csv'), bill: join(dir, `${wallet}-bill.csv`) };
  writeFileSync(
    paths.host,
    `${[hostJournalHeader, ...day.host.map((r) => hostJournalLine(r))].join('\n')}\n`,
  );
  writeFileSync(paths.bill, wallet === 'alipay' ? alipayBillBytes(day.bill) : wechatBillText(day.bill));
  return paths;
}
