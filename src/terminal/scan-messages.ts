// What the cashier is told about a scan-code (QR) sale, in Chinese and English: the wallet's name,
// and the next step for each outcome and answer code (docs/iso8583.md, "Scan-code (QR) sales and
// field 59"). The host's field 63 is ASCII, so the SDK keeps both languages itself, by answer code.
import type { FinancialOutcome } from './outcomes.js';
import { walletName, type CashierText } from './wallet-names.js';

export type { CashierText } from './wallet-names.js';

/** The cashier's next step after a scan-code sale answered with `code` (not approved). */
const byCode: Readonly<Record<string, CashierText>> = {
  '14': {
    zh: '付款码无效或已使用：请顾客刷新付款码后重新扫描。',
    en: 'The payment code is invalid or already used: ask the customer to refresh it and scan again.',
  },
  '15': {
    zh: '无法识别付款码所属的钱包：请顾客出示支付宝、微信支付或银联付款码。',
    en: 'The code belongs to no wallet this host knows: ask for an Alipay, WeChat Pay or UnionPay payment code.',
  },
  '51': {
    zh: '顾客钱包余额不足：请顾客换用其他方式付款。',
    en: "Insufficient funds in the customer's wallet: ask the customer to pay another way.",
  },
  '54': {
    zh: '付款码已过期：请顾客刷新付款码后重新扫描。',
    en: 'The payment code has expired: ask the customer to refresh it and scan again.',
  },
  '05': {
    zh: '钱包拒绝了这笔付款：请顾客换用其他方式付款。',
    en: 'The wallet refused this payment: ask the customer to pay another way.',
  },
  '13': {
    zh: '钱包扣款金额与订单不符：该笔款项正在退回，请重新收款。',
    en: 'The wallet charged another amount: it is being refunded; take the payment again.',
  },
  '58': {
    zh: '本机不支持该钱包付款：请顾客换用其他方式付款。',
    en: 'This wallet is not accepted here: ask the customer to pay another way.',
  },
  '22': {
    zh: '上一笔扫码付款尚未完成：请等待结果，不要让顾客再次付款。',
    en: 'The last QR payment on this terminal is not finished yet: wait for its result and do not ask the customer to pay again.',
  },
  '94': {
    zh: '疑似重复付款：同一顾客刚刚支付过相同金额，本笔已撤销并退款。如顾客确需再次购买，请扫描新的付款码并确认重复。',
    en: 'Suspected duplicate: the same customer just paid this amount; this charge is cancelled and refunded. If the customer really buys again, scan a fresh code and confirm the duplicate.',
  },
  '98': {
    zh: '钱包未在时限内确认：本笔付款已撤销（如已扣款将退回）。请顾客重新出示付款码。',
    en: 'The wallet did not confirm in time: this payment is cancelled (refunded if it was charged). Ask the customer for a fresh code.',
  },
};

/** What the cashier reads after a scan-code sale, in both languages. */
export function scanCashierText(outcome: FinancialOutcome): CashierText {
  switch (outcome.kind) {
    case 'approved': {
      const wallet = walletName(outcome.record.qr?.wallet ?? null);
      return { zh: `${wallet.zh}付款成功。`, en: `Paid with ${wallet.en}.` };
    }
    case 'declined': {
      const code = outcome.record.responseCode ?? '';
      return (
        byCode[code] ?? {
          zh: `付款未成功（应答码 ${code}），顾客未被扣款。`,
          en: `Not paid (answer code ${code}): the customer is not charged.`,
        }
      );
    }
    case 'reversed':
      return {
        zh: '未收到有效应答，已冲正：顾客未被扣款（如已扣款将退回）。请顾客重新出示付款码。',
        en: 'No valid answer: reversed, the customer is not charged (refunded if charged). Ask for a fresh code.',
      };
    case 'reversal-pending':
      return {
        zh: '未收到有效应答，冲正尚未被主机确认：下一笔交易前会先发送冲正。在此之前不要让顾客再次付款。',
        en: 'No valid answer, and the host has not acknowledged the reversal yet: it goes first on the next command. Until then do not ask the customer to pay again.',
      };
    case 'blocked':
      if (outcome.unresolvedShown !== undefined) {
        return {
          zh: `上一个收款码（流水号 ${outcome.unresolvedShown.stan}）结果未知，尚未确认关闭：未发送新的付款，不要让顾客再次付款。`,
          en: `The code shown earlier (STAN ${outcome.unresolvedShown.stan}) is not resolved nor confirmed closed: nothing new was sent; do not ask the customer to pay again.`,
        };
      }
      return outcome.unresolvedScan === undefined
        ? { zh: `未发送：${outcome.detail}`, en: `Not sent: ${outcome.detail}` }
        : {
            zh: `上一笔扫码付款（流水号 ${outcome.unresolvedScan.stan}）结果未知，冲正尚未被确认：未发送新的付款，不要让顾客出示新的付款码。`,
            en: `The last QR payment (STAN ${outcome.unresolvedScan.stan}) is not resolved and its reversal is not acknowledged yet: nothing new was sent; do not ask the customer for a new code.`,
          };
    case 'not-sent':
      return {
        zh: '无法连接主机，未发送：顾客未被扣款。',
        en: 'The host could not be reached, nothing was sent: the customer is not charged.',
      };
    case 'unanswered':
      return { zh: '未收到应答。', en: 'No answer.' };
  }
}
