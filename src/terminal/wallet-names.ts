// The wallets' names as a receipt and the cashier read them, in Chinese and English.

export interface CashierText {
  readonly zh: string;
  readonly en: string;
}

const walletNames: Readonly<Record<string, CashierText>> = {
  alipay: { zh: '支付宝', en: 'Alipay' },
  wechat: { zh: '微信支付', en: 'WeChat Pay' },
  unionpay: { zh: '银联二维码', en: 'UnionPay QR' },
};

/** A wallet's name in both languages; the host's word for it when it is none of the three. */
export function walletName(wallet: string | null): CashierText {
  if (wallet === null) return { zh: '钱包', en: 'wallet' };
  return walletNames[wallet] ?? { zh: wallet, en: wallet };
}
