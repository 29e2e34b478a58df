// Amounts as the wallets write them: Alipay in yuan with two decimals ("12.80"), WeChat Pay in
// whole fen ("1280"). Inside posguard every amount is fen. Parsing is strict: a wallet's amount
// that is not of this form is not a number we guess at, and the answer carrying it is not trusted.
import { formatMajorUnits, maxAmountMinor } from '../../money/money.js';

const yuanPattern = /^(0|[1-9]\d{0,9})(?:\.(\d{1,2}))?$/;
const fenPattern = /^(0|[1-9]\d{0,11})$/;

/** 1280 fen as "12.80". */
export function yuanText(fen: number): string {
  return formatMajorUnits(fen, 'CNY');
}

/** "12.80" (or "12.8", "12") as 1280 fen; undefined for anything else. */
export function parseYuan(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = yuanPattern.exec(text);
  if (match === null) return undefined;
  const fen = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return fen <= maxAmountMinor ? fen : undefined;
}

/** "1280" as 1280 fen; undefined for anything but whole, non-negative fen. */
export function parseFen(text: string | undefined): number | undefined {
  if (text === undefined || !fenPattern.test(text)) return undefined;
  const fen = Number(text);
  return fen <= maxAmountMinor ? fen : undefined;
}
