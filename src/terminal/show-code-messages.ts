// What the cashier is told about a code the terminal shows (a QR order), in Chinese and English:
// the next step for each outcome and for each answer code the host refuses an order with
// (docs/iso8583.md, "Codes the terminal shows"). Field 63 is ASCII, so the SDK keeps both
// languages itself.
import type { ShowCodeOutcome } from './outcomes.js';
import { walletName, type CashierText } from './wallet-names.js';

const earlierPaid: CashierText = {
  zh: '上一个收款码顾客已付款，该笔交易已完成，请勿让顾客再次付款。',
  en: 'The customer has paid the previous code: that sale is complete. Do not ask the customer to pay again.',
};

/** Why no code was made, by the answer code of the host's refusal. */
const byCode: Readonly<Record<string, CashierText>> = {
  '05': {
    zh: '钱包拒绝生成收款码：请顾客换用其他方式付款。',
    en: 'The wallet refused to make a code: ask the customer to pay another way.',
  },
  '22': {
    zh: '本机上一笔扫码付款或收款码尚未完成：请稍后重试，不要让顾客再次付款。',
    en: 'The last QR payment or code on this terminal is not finished yet: try again in a moment, and do not ask the customer to pay again.',
  },
  '30': {
    zh: '请求格式有误，未生成收款码：请联系技术支持。',
    en: 'The request was not in the expected form: no code was made. Call support.',
  },
  '58': {
    zh: '本机不支持该钱包收款：请顾客换用其他方式付款。',
    en: 'This wallet is not accepted here: ask the customer to pay another way.',
  },
  '94': earlierPaid,
  '98': {
    zh: '钱包未及时生成收款码：本次没有可展示的收款码，请重试。',
    en: 'The wallet did not make the code in time: there is no code to show; try again.',
  },
};

const notPaid: Readonly<Record<Extract<ShowCodeOutcome, { kind: 'not-paid' }>['state'], CashierText>> = {
  closed: {
    zh: '收款码已关闭：顾客未付款（如之后仍有付款将自动退回）。',
    en: 'The code was closed: the customer has not paid (a payment that still arrives is refunded).',
  },
  expired: {
    zh: '收款码已过期，顾客未付款。如需收款，请重新生成收款码。',
    en: 'The code expired unpaid. To take the payment, show a new code.',
  },
  declined: {
    zh: '钱包未生成收款码：顾客未被扣款，请重试或换用其他方式付款。',
    en: 'The wallet made no code: the customer is not charged; try again or pay another way.',
  },
  held: {
    zh: '疑似重复付款：同一顾客刚刚支付过相同金额，本笔款项将退回。如顾客确需再次购买，请重新生成收款码并确认重复。',
    en: 'Suspected duplicate: the same customer just paid this amount; this payment is refunded. If the customer really buys again, show a new code and confirm the duplicate.',
  },
};

/** What the cashier reads after showing a code, in both languages. */
export function showCodeCashierText(outcome: ShowCodeOutcome): CashierText {
  switch (outcome.kind) {
    case 'approved': {
      const wallet = walletName(outcome.record.qr?.wallet ?? null);
      return { zh: `${wallet.zh}收款成功。`, en: `Paid with ${wallet.en}.` };
    }
    case 'declined': {
      const code = outcome.record.responseCode ?? '';
      return (
        byCode[code] ?? {
          zh: `未能生成收款码（应答码 ${code}）：顾客未被扣款。`,
          en: `No code was made (answer code ${code}): the customer is not charged.`,
        }
      );
    }
    case 'not-paid':
      return notPaid[outcome.state];
    case 'earlier-paid':
      return earlierPaid;
    case 'unresolved':
      return {
        zh: '无法确认收款码的结果：下一笔交易前会先向主机查询并关闭它。在此之前不要让顾客再次付款。',
        en: 'The outcome of the code could not be confirmed: it is asked about and closed before the next command. Until then do not ask the customer to pay again.',
      };
    case 'blocked':
      if (outcome.unresolvedShown !== undefined) {
        return {
          zh: `上一个收款码（流水号 ${outcome.unresolvedShown.stan}）结果未知，尚未确认关闭：未生成新的收款码，不要让顾客再次付款。`,
          en: `The code shown earlier (STAN ${outcome.unresolvedShown.stan}) is not resolved nor confirmed closed: no new code was made; do not ask the customer to pay again.`,
        };
      }
      return { zh: `未发送：${outcome.detail}`, en: `Not sent: ${outcome.detail}` };
    case 'not-sent':
      return {
        zh: '无法连接主机，未生成收款码：顾客未被扣款。',
        en: 'The host could not be reached: no code was made, the customer is not charged.',
      };
  }
}
