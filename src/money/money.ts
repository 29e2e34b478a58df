// Money in integer minor units (fen for CNY) with an ISO 4217 currency. There are no floats
// anywhere money is held: decimal text (yuan with two places) is parsed digit by digit, and any
// rounding is asked for by name.
import { PosError } from '../pos-error.js';

/** ISO 4217 currencies posguard knows: alphabetic code, numeric code and minor-unit exponent. */
export const currencies = {
  CNY: { numeric: '156', exponent: 2 },
  HKD: { numeric: '344', exponent: 2 },
  USD: { numeric: '840', exponent: 2 },
  EUR: { numeric: '978', exponent: 2 },
  JPY: { numeric: '392', exponent: 0 },
} as const;

export type Currency = keyof typeof currencies;

/** The largest amount posguard accepts: ISO 8583 field 4 holds 12 digits. */
export const maxAmountMinor = 999_999_999_999;

export interface Money {
  readonly amountMinor: number;
  readonly currency: Currency;
}

export type RoundingMode = 'reject' | 'half-up' | 'half-even' | 'down';

export function isCurrency(value: string): value is Currency {
  return Object.hasOwn(currencies, value);
}

export function currencyFromNumeric(numeric: string): Currency | undefined {
  for (const [code, info] of Object.entries(currencies)) {
    if (info.numeric === numeric) return code as Currency;
  }
  return undefined;
}

export function isValidAmountMinor(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= maxAmountMinor;
}

/** Makes a Money, refusing anything that is not a whole, non-negative number of minor units. */
export function money(amountMinor: number, currency: Currency): Money {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0 || amountMinor > maxAmountMinor) {
    throw new PosError(
      'POS_ERR_MONEY_INVALID_AMOUNT',
      `invalid amount: expected a whole number of minor units from 0 to ${maxAmountMinor}, got ${amountMinor}`,
    );
  }
  return { amountMinor, currency };
}

/**
 * Parses a decimal amount in major units ("12.80" yuan) into minor units (1280 fen). Digits past
 * the currency's exponent are rounded by `rounding`; 'reject' (the default) refuses them.
 */
export function parseMajorUnits(text: string, currency: Currency, rounding: RoundingMode = 'reject'): number {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (match === null) {
    throw new PosError(
      'POS_ERR_MONEY_INVALID_AMOUNT',
      `invalid amount: expected a decimal number like 12.80, got ${JSON.stringify(text)}`,
    );
  }
  const [, sign, whole = '0', fraction = ''] = match;
  const exponent = currencies[currency].exponent;
  const kept = fraction.slice(0, exponent).padEnd(exponent, '0');
  const dropped = fraction.slice(exponent);
  let minor = BigInt(whole) * 10n ** BigInt(exponent) + BigInt(kept === '' ? '0' : kept);
  if (/[1-9]/.test(dropped)) {
    minor += roundingIncrement(rounding, dropped, minor, text);
  }
  if (sign === '-') minor = -minor;
  const result = Number(minor);
  if (!Number.isSafeInteger(result) || Math.abs(result) > maxAmountMinor) {
    throw new PosError(
      'POS_ERR_MONEY_INVALID_AMOUNT',
      `invalid amount: ${JSON.stringify(text)} is too large`,
    );
  }
  return result;
}

function roundingIncrement(rounding: RoundingMode, dropped: string, kept: bigint, text: string): bigint {
  switch (rounding) {
    case 'reject':
      throw new PosError(
        'POS_ERR_MONEY_INVALID_AMOUNT',
        `invalid amount: ${JSON.stringify(text)} has more decimal places than the currency allows`,
      );
    case 'down':
      return 0n;
    case 'half-up':
      return dropped[0] !== undefined && dropped[0] >= '5' ? 1n : 0n;
    case 'half-even': {
      const first = dropped[0] ?? '0';
      if (first > '5') return 1n;
      if (first < '5') return 0n;
      if (/[1-9]/.test(dropped.slice(1))) return 1n;
      return kept % 2n === 1n ? 1n : 0n;
    }
  }
}

/** Formats minor units as a major-unit decimal string: 1280 CNY gives "12.80". */
export function formatMajorUnits(amountMinor: number, currency: Currency): string {
  const exponent = currencies[currency].exponent;
  const negative = amountMinor < 0;
  const digits = String(Math.abs(amountMinor)).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}
