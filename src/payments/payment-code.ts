// Wallet payment codes (付款码), the codes a customer shows and the cashier scans: which wallet a
// code belongs to, masking and keyed fingerprints. A payment code is a bearer token worth about a
// minute of the customer's money, so it is treated like a card number: it lives only inside a
// `Secret` for one request and goes only to its wallet; what is kept is the last four digits and an
// HMAC-SHA-256 under the host's fingerprint key. Errors say which rule a code broke (not digits,
// no wallet's prefix, the wrong length for its wallet) and never echo it.
//
// The wallet is known from the first two digits and the length, as each wallet documents it
// (cards/payment-code-shapes.ts).
import { createHmac } from 'node:crypto';
import type { Wallet } from './ports/wallet.js';
import { PosError } from '../pos-error.js';
import { Secret } from '../cards/secret.js';
import { paymentCodeShapes, type PaymentCodeShape } from '../cards/payment-code-shapes.js';

/** Each wallet's code shape (cards/payment-code-shapes.ts), checked against the wallet port's names. */
type WalletCodeRule = PaymentCodeShape & { readonly wallet: Wallet };

export const walletCodeRules: readonly WalletCodeRule[] = paymentCodeShapes;

/** A scanned payment code, recognised: the code itself only inside a Secret. */
export interface PaymentCode {
  readonly code: Secret<string>;
  readonly wallet: Wallet;
  /** Stars and the last four digits, as a receipt shows it. */
  readonly masked: string;
  readonly fingerprint: string;
}

/** What the cashier is told, in both languages the host speaks. */
export interface CashierText {
  readonly zh: string;
  readonly en: string;
}

const rescan: CashierText = {
  zh: '付款码无法识别，请顾客刷新付款码后重新扫描。',
  en: 'The payment code could not be read: ask the customer to refresh the code and scan it again.',
};

export function maskPaymentCode(code: string): string {
  return code.length <= 4 ? '*'.repeat(code.length) : `${'*'.repeat(code.length - 4)}${code.slice(-4)}`;
}

export function paymentCodeFingerprint(code: string, key: Secret<Buffer>): string {
  // A domain of its own, so a code's fingerprint can never match a card's or a payer's.
  return createHmac('sha256', key.reveal()).update(`payment-code\u0000${code}`, 'utf8').digest('hex');
}

/**
 * The keyed fingerprint of a payer as a wallet names them (Alipay's buyer_user_id, WeChat's
 * openid): the duplicate guard recognises the same customer without the id being kept.
 */
export function payerFingerprint(wallet: Wallet, payerId: string, key: Secret<Buffer>): string {
  return createHmac('sha256', key.reveal())
    .update(`payer\u0000${wallet}\u0000${payerId}`, 'utf8')
    .digest('hex');
}

function describeRule(rule: WalletCodeRule): string {
  const length =
    rule.minLength === rule.maxLength
      ? `${rule.minLength} digits`
      : `${rule.minLength} to ${rule.maxLength} digits`;
  const [low, high] = rule.prefixes;
  const prefix = low === high ? `starting ${low}` : `starting ${low} to ${high}`;
  return `${length} ${prefix} for ${rule.name}`;
}

const everyRule = walletCodeRules.map(describeRule).join(', or ');

/** Describes code-like input without echoing it: its length, and at most its first two digits. */
function describeCodeInput(value: string): string {
  if (!/^\d+$/.test(value)) return `a ${value.length}-character string that is not all digits`;
  return value.length < 2 ? `${value.length} digit` : `${value.length} digits starting ${value.slice(0, 2)}`;
}

function refuse(
  code: 'POS_ERR_QR_CODE_NOT_DIGITS' | 'POS_ERR_QR_CODE_UNKNOWN_WALLET' | 'POS_ERR_QR_CODE_WRONG_LENGTH',
  field: string,
  expected: string,
  actual: string,
): PosError {
  return new PosError(code, `invalid payment code: ${field}: expected ${expected}, got ${actual}`, {
    problems: [{ field, expected, actual }],
    details: { cashierMessage: rescan },
  });
}

/** The wallet's rule for a code's prefix, if any wallet has that prefix. */
function ruleOf(digits: string): WalletCodeRule | undefined {
  const prefix = Number(digits.slice(0, 2));
  return digits.length < 2
    ? undefined
    : walletCodeRules.find((rule) => prefix >= rule.prefixes[0] && prefix <= rule.prefixes[1]);
}

/**
 * Reads a scanned code: throws POS_ERR_QR_CODE_NOT_DIGITS, _UNKNOWN_WALLET or _WRONG_LENGTH (each
 * listing the problem for `field`, never the code) or returns the code recognised.
 */
export function readPaymentCode(input: {
  readonly code: string;
  readonly fingerprintKey: Secret<Buffer>;
  readonly field?: string;
}): PaymentCode {
  const field = input.field ?? 'paymentCode';
  const value = input.code;
  if (!/^\d+$/.test(value)) {
    throw refuse('POS_ERR_QR_CODE_NOT_DIGITS', field, `digits only: ${everyRule}`, describeCodeInput(value));
  }
  const rule = ruleOf(value);
  if (rule === undefined) {
    throw refuse(
      'POS_ERR_QR_CODE_UNKNOWN_WALLET',
      field,
      `a code of a wallet posguard takes: ${everyRule}`,
      describeCodeInput(value),
    );
  }
  if (value.length < rule.minLength || value.length > rule.maxLength) {
    throw refuse('POS_ERR_QR_CODE_WRONG_LENGTH', field, describeRule(rule), describeCodeInput(value));
  }
  return {
    code: new Secret(value, 'payment code'),
    wallet: rule.wallet,
    masked: maskPaymentCode(value),
    fingerprint: paymentCodeFingerprint(value, input.fingerprintKey),
  };
}
