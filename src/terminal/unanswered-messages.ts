// What the cashier is told, in Chinese and English, about a refund or a void of a QR sale that got
// no answer yet. Neither is ever reversed (a refund is not reversible; a QR sale's void is a refund
// at the wallet, which nothing takes back: docs/qr.md, "Voids and refunds of QR sales"), so the
// text never says "reversed": the request stands at the host and is sent again until answered.
import type { TransactionRecord } from './journal.js';
import { walletName, type CashierText } from './wallet-names.js';

/** The cashier's text for a refund or a void (of a QR sale) still without an answer. */
export function unansweredCashierText(record: TransactionRecord): CashierText {
  const what = record.kind === 'void' ? { zh: '撤销', en: 'void' } : { zh: '退货', en: 'refund' };
  const qr = record.qr ?? null;
  const wallet = walletName(qr?.wallet ?? null);
  const refundAt =
    qr === null
      ? { zh: '', en: '' }
      : {
          zh: `${wallet.zh}退款可能仍在处理中，`,
          en: ` The ${wallet.en} refund may still be under way.`,
        };
  return {
    zh: `${what.zh}（流水号 ${record.stan}）尚未收到应答，不会冲正：${refundAt.zh}终端将以相同流水号重发，直至主机应答。请勿再次撤销或退货，也不要以其他方式退款。`,
    en: `No answer yet to the ${what.en} (STAN ${record.stan}); it is never reversed.${refundAt.en} The terminal sends it again, same STAN, until the host answers: do not void or refund it again, nor refund it another way.`,
  };
}
