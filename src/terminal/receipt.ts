// Receipts, and the printer port. A receipt is made from the journal record alone, so a reprint
// after a printer fault shows exactly what the first print would have, and never needs the sale
// to run again. Card numbers and payment codes appear masked, as the journal keeps them.
import { formatMajorUnits } from '../money/money.js';
import type { TransactionRecord } from './journal.js';
import { walletName } from './wallet-names.js';

export interface Receipt {
  readonly text: string;
  readonly reprint: boolean;
}

/** Prints a receipt; throws when the printer fails (out of paper, jammed), and the client then keeps the transaction for a reprint. */
export interface Printer {
  print(receipt: Receipt): Promise<void>;
}

export const noPrinter: Printer = { print: () => Promise.resolve() };

/**
 * What a printer throws to say which fault stopped it, for the terminal's status reports (issue
 * 14): out of paper, or a fault of the head or mechanism. Any other error counts as the latter.
 */
export class PrinterFault extends Error {
  override readonly name = 'PrinterFault';
  constructor(
    readonly fault: 'paper-out' | 'head-error',
    message: string,
  ) {
    super(message);
  }
}

const titles: Readonly<Record<TransactionRecord['kind'], string>> = {
  sale: 'SALE 消费',
  void: 'VOID 撤销',
  refund: 'REFUND 退货',
};

const outcomes: Readonly<Record<TransactionRecord['state'], string>> = {
  approved: 'APPROVED',
  declined: 'DECLINED',
  reversed: 'REVERSED - NOT CHARGED',
  sending: 'OUTCOME UNKNOWN - DO NOT RUN AGAIN',
  'not-sent': 'NOT SENT - NOT CHARGED',
};

function localTime(epochMs: number): string {
  return new Date(epochMs + 8 * 3600 * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * A QR sale's wallet, the code (masked, for a code the terminal scanned; the order number, for one
 * it showed) and the wallet's trade number (nothing for a card). The wallet names no payer to the
 * host beyond an id it keeps only as a fingerprint, so no payer is printed.
 */
function scanLines(record: TransactionRecord): string[] {
  if (record.qr === undefined || record.qr === null) return [];
  const wallet = walletName(record.qr.wallet);
  if (record.qr.flow === 'shown') {
    return [
      `QR 收款码  ${wallet.en} ${wallet.zh}`,
      ...(record.qr.orderNo === null || record.qr.orderNo === undefined
        ? []
        : [`Order    ${record.qr.orderNo}`]),
      ...(record.qr.tradeNo === null ? [] : [`Trade no ${record.qr.tradeNo}`]),
    ];
  }
  return [
    `QR 扫码  ${wallet.en} ${wallet.zh}`,
    `Code     ${record.qr.codeMasked}`,
    ...(record.qr.tradeNo === null ? [] : [`Trade no ${record.qr.tradeNo}`]),
  ];
}

export function receiptOf(
  record: TransactionRecord,
  options: { merchantId: string; terminalId: string; reprint: boolean },
): Receipt {
  const lines = [
    `posguard virtual POS - ${titles[record.kind]}`,
    `Merchant ${options.merchantId}`,
    `Terminal ${options.terminalId}${record.operatorId === null ? '' : `  Operator ${record.operatorId}`}`,
    ...(record.cardMasked === null
      ? []
      : [`Card     ${record.cardMasked}${record.entryMode === null ? '' : ` (${record.entryMode})`}`]),
    ...scanLines(record),
    `Batch ${record.batchNo}  STAN ${record.stan}`,
    ...(record.original === null
      ? []
      : [`Original RRN ${record.original.rrn}  STAN ${record.original.stan}`]),
    `RRN ${record.rrn ?? '-'}  Auth ${record.authCode ?? '-'}`,
    `Amount   CNY ${formatMajorUnits(record.amount, 'CNY')}`,
    `${outcomes[record.state]}${record.responseCode === null ? '' : ` (${record.responseCode})`}`,
    ...(record.message === null || record.state === 'approved' ? [] : [record.message]),
    `${localTime(record.createdAt)} (UTC+8)`,
    ...(options.reprint ? ['*** REPRINT 重打印 ***'] : []),
  ];
  return { text: `${lines.join('\n')}\n`, reprint: options.reprint };
}
