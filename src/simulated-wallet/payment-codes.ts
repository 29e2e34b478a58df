// The simulated wallet's payment codes (付款码) and identities. Codes have each wallet's documented
// shape: WeChat Pay 18 digits starting 10 to 15, Alipay 16 to 24 digits starting 25 to 30 (18 are
// issued here, the length Alipay's app shows), UnionPay QR 19 digits starting 62. A code is valid
// 60 s from issue and for one payment. Buyer ids are stable per payer: Alipay's 2088 + 12 digits,
// WeChat's 28-character openid, derived from the payer's name so a payer keeps one across runs.
import { createHash } from 'node:crypto';
import type { Wallet } from '../payments/ports/wallet.js';
import type { Random } from '../random/random.js';
import { chinaCompactTime } from '../wallets/wire/china-time.js';

export const codeLifetimeMs = 60_000;

/** The shape each wallet's codes have: first two digits and total length. */
export const codeShapes: Readonly<
  Record<Wallet, { readonly prefixes: readonly string[]; readonly lengths: readonly number[] }>
> = {
  wechat: { prefixes: ['10', '11', '12', '13', '14', '15'], lengths: [18] },
  alipay: { prefixes: ['25', '26', '27', '28', '29', '30'], lengths: [16, 17, 18, 19, 20, 21, 22, 23, 24] },
  unionpay: { prefixes: ['62'], lengths: [19] },
};

/** The wallet a code belongs to by its shape, or undefined. */
export function walletOfCode(code: string): Wallet | undefined {
  if (!/^\d+$/.test(code)) return undefined;
  for (const [wallet, shape] of Object.entries(codeShapes) as Array<[Wallet, (typeof codeShapes)[Wallet]]>) {
    if (shape.prefixes.includes(code.slice(0, 2)) && shape.lengths.includes(code.length)) return wallet;
  }
  return undefined;
}

function digits(random: Random, count: number): string {
  let out = '';
  for (let i = 0; i < count; i += 1) out += String(random.int(10));
  return out;
}

/** A fresh code of the wallet's shape (18 digits for Alipay and WeChat, 19 for UnionPay). */
export function newCode(wallet: Wallet, random: Random): string {
  const shape = codeShapes[wallet];
  const prefix = shape.prefixes[random.int(shape.prefixes.length)] ?? shape.prefixes[0] ?? '';
  const length = wallet === 'alipay' ? 18 : (shape.lengths[0] ?? 18);
  return prefix + digits(random, length - prefix.length);
}

function hashDigits(text: string, count: number): string {
  const hex = createHash('sha256').update(text, 'utf8').digest('hex');
  let out = '';
  for (const c of hex) {
    out += String(parseInt(c, 16) % 10);
    if (out.length === count) break;
  }
  return out;
}

/** The payer's id in a wallet: Alipay's buyer_user_id, WeChat's openid, UnionPay's user id. */
export function buyerId(wallet: Wallet, payerId: string): string {
  switch (wallet) {
    case 'alipay':
      return `2088${hashDigits(`alipay:${payerId}`, 12)}`;
    case 'wechat':
      return `o${createHash('sha256').update(`wechat:${payerId}`, 'utf8').digest('base64url').slice(0, 27)}`;
    case 'unionpay':
      return `up${hashDigits(`unionpay:${payerId}`, 18)}`;
  }
}

/** A wallet trade number of the wallet's shape: 28 digits for Alipay and WeChat. */
export function newTradeNo(wallet: Wallet, random: Random, nowMs: number): string {
  const day = chinaCompactTime(nowMs).slice(0, 8);
  switch (wallet) {
    case 'alipay':
      return `${day}22${digits(random, 18)}`;
    case 'wechat':
      return `4200${digits(random, 4)}${day}${digits(random, 12)}`;
    case 'unionpay':
      return `UP${day}${digits(random, 14)}`;
  }
}

/** What a shown code encodes: a URL of the wallet's own form, with a random token. */
export function qrContent(wallet: Wallet, token: string): string {
  switch (wallet) {
    case 'alipay':
      return `https://qr.alipay.com/bax0${token}`;
    case 'wechat':
      return `weixin://wxpay/bizpayurl?pr=${token}`;
    case 'unionpay':
      return `https://qr.95516.com/00010000/${token}`;
  }
}

/** The token inside a shown code's content, whichever wallet's form it has. */
export function tokenOfQrContent(content: string): string | undefined {
  const match =
    /^(?:https:\/\/qr\.alipay\.com\/bax0|weixin:\/\/wxpay\/bizpayurl\?pr=|https:\/\/qr\.95516\.com\/00010000\/)([A-Za-z0-9]{8,40})$/.exec(
      content,
    );
  return match?.[1];
}
