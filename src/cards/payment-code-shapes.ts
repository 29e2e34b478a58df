// The shapes of the wallets' payment codes (付款码), as each wallet documents them: the first two
// digits and the length. They live beside card numbers because a payment code is handled like one
// (a bearer token worth a minute of the customer's money): the engine reads codes by these shapes
// (payments/payment-code.ts), and free text holding one is refused, as a card number is
// (card-in-text.ts).
//   WeChat Pay: 18 digits starting 10 to 15 ("18位纯数字，以10、11、12、13、14、15开头");
//   Alipay: 16 to 24 digits starting 25 to 30 ("25~30开头的长度为16~24位的数字");
//   UnionPay QR: 19 digits starting 62 (银联二维码 C2B 付款码).

export interface PaymentCodeShape {
  /** The wallet's id in posguard (`Wallet` in payments/ports/wallet.ts). */
  readonly wallet: 'wechat' | 'alipay' | 'unionpay';
  readonly name: string;
  /** The two-digit prefixes, inclusive. */
  readonly prefixes: readonly [number, number];
  readonly minLength: number;
  readonly maxLength: number;
}

export const paymentCodeShapes: readonly PaymentCodeShape[] = [
  { wallet: 'wechat', name: 'WeChat Pay', prefixes: [10, 15], minLength: 18, maxLength: 18 },
  { wallet: 'alipay', name: 'Alipay', prefixes: [25, 30], minLength: 16, maxLength: 24 },
  { wallet: 'unionpay', name: 'UnionPay QR', prefixes: [62, 62], minLength: 19, maxLength: 19 },
];

/** The shape a string of digits has, or undefined when it is no wallet's payment code. */
export function paymentCodeShapeOf(digits: string): PaymentCodeShape | undefined {
  const prefix = Number(digits.slice(0, 2));
  return paymentCodeShapes.find(
    (shape) =>
      prefix >= shape.prefixes[0] &&
      prefix <= shape.prefixes[1] &&
      digits.length >= shape.minLength &&
      digits.length <= shape.maxLength,
  );
}
