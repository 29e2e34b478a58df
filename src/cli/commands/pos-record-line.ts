// One line about a transaction of the virtual POS's journal, as `posguard pos` prints it: kind,
// STAN, batch, amount, state, answer code, RRN and, for a QR sale, the wallet, the code (masked,
// or the order number of a code the terminal showed) and the wallet's trade number.
import { formatMajorUnits } from '../../money/money.js';
import { walletName, type TransactionRecord } from '../../terminal/index.js';

export function recordLine(record: TransactionRecord): string {
  return `${record.kind} STAN ${record.stan} batch ${record.batchNo}: CNY ${formatMajorUnits(record.amount, 'CNY')}, ${record.state}${
    record.responseCode === null ? '' : ` (${record.responseCode})`
  }${record.rrn === null ? '' : `, RRN ${record.rrn}`}${scanLine(record)}`;
}

/** A QR sale's wallet, masked code (or order number) and trade number; nothing for a card. */
function scanLine(record: TransactionRecord): string {
  if (record.qr === undefined || record.qr === null) return '';
  const wallet = walletName(record.qr.wallet);
  const code =
    record.qr.flow === 'shown'
      ? record.qr.orderNo === null || record.qr.orderNo === undefined
        ? ' shown code'
        : ` order ${record.qr.orderNo}`
      : ` ${record.qr.codeMasked}`;
  return `, ${wallet.en} ${wallet.zh}${code}${record.qr.tradeNo === null ? '' : `, trade no ${record.qr.tradeNo}`}`;
}
