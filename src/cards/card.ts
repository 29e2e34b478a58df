// Card numbers: validation (length and Luhn), masking and fingerprints. The clear PAN lives only
// inside a `Secret` for the duration of one request; what is stored is the masked PAN (first 6,
// last 4) and a keyed fingerprint, HMAC-SHA-256 of the PAN under the host's fingerprint key, so
// the same card can be recognised without the number being recoverable.
import { createHmac } from 'node:crypto';
import type { FieldProblem } from '../pos-error.js';
import { Secret } from './secret.js';

export const minPanLength = 12;
export const maxPanLength = 19;

export interface Card {
  readonly pan: Secret<string>;
  /** Expiry as YYMM. */
  readonly expiry: string;
  readonly masked: string;
  readonly fingerprint: string;
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Masks a PAN as first 6 + stars + last 4, the form payment receipts show. */
export function maskPan(pan: string): string {
  if (pan.length < 10) return '*'.repeat(pan.length);
  return `${pan.slice(0, 6)}${'*'.repeat(pan.length - 10)}${pan.slice(-4)}`;
}

export function cardFingerprint(pan: string, key: Secret<Buffer>): string {
  return createHmac('sha256', key.reveal()).update(pan, 'utf8').digest('hex');
}

/** Describes a PAN-like input for an error message without echoing the number. */
export function describePanInput(value: unknown): string {
  if (typeof value !== 'string') return typeof value === 'number' ? 'a number' : typeof value;
  if (/^\d+$/.test(value)) return `${value.length} digits (${maskPan(value)})`;
  return `a ${value.length}-character string that is not all digits`;
}

/** Checks a PAN; returns the problems (empty when valid). Never echoes the number itself. */
export function panProblems(field: string, value: unknown): FieldProblem[] {
  const expected = `${minPanLength} to ${maxPanLength} digits passing the Luhn check`;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) {
    return [{ field, expected, actual: describePanInput(value) }];
  }
  if (value.length < minPanLength || value.length > maxPanLength) {
    return [{ field, expected, actual: describePanInput(value) }];
  }
  if (!luhnValid(value)) {
    return [{ field, expected, actual: `${describePanInput(value)}, failing the Luhn check` }];
  }
  return [];
}

export function expiryProblems(field: string, value: unknown): FieldProblem[] {
  if (typeof value === 'string' && /^\d{2}(0[1-9]|1[0-2])$/.test(value)) return [];
  return [
    {
      field,
      expected: 'the card expiry as YYMM',
      actual: typeof value === 'string' ? JSON.stringify(value.slice(0, 8)) : typeof value,
    },
  ];
}

/** Builds a Card from an already validated PAN. */
export function makeCard(input: { pan: string; expiry: string; fingerprintKey: Secret<Buffer> }): Card {
  return {
    pan: new Secret(input.pan, 'card number'),
    expiry: input.expiry,
    masked: maskPan(input.pan),
    fingerprint: cardFingerprint(input.pan, input.fingerprintKey),
  };
}

/** China Standard Time, UTC+8 all year: the date CUP terminals print and acquirers settle by. */
const chinaOffsetMs = 8 * 3600 * 1000;

/**
 * Whether a card had expired at a transaction's moment. A card is good through the last day of its
 * expiry month (ISO/IEC 7813: YYMM, years 2000 to 2099), judged by the transaction's date in China
 * Standard Time, so a sale at 23:59 on the last day of the month still goes through.
 */
export function cardExpired(input: { expiry: string; atMs: number }): boolean {
  const year = 2000 + Number(input.expiry.slice(0, 2));
  const month = Number(input.expiry.slice(2, 4));
  const local = new Date(input.atMs + chinaOffsetMs);
  const nowMonths = local.getUTCFullYear() * 12 + local.getUTCMonth() + 1;
  return nowMonths > year * 12 + month;
}
