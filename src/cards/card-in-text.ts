// Card numbers where none belongs: free text a client sends (a reference, an operator id, an
// idempotency key) is stored, logged and echoed, so a card number in it would sit in clear in the
// database, its WAL and the logs. This finds one, the way PCI DSS data-discovery tools do: a run of
// 13 to 19 digits, printed together or in groups split by single spaces or dashes, that starts as
// a payment card does and passes the Luhn check, once leading zeros are set aside (so a
// zero-padded card number is still found). Payment cards start with 2 to 6 (ISO/IEC 7812 major
// industry identifiers: Mastercard 2 and 5, Amex, JCB and Diners 3, Visa 4, UnionPay and Discover
// 6) or 81 (UnionPay's newer range); epoch timestamps (1...), common in keys and references, do not.
// The whole run is judged, not windows inside it, so the rule is predictable: a 20-digit order
// number passes, and so do 9 in 10 numbers of card length with a card's first digit.
// It also says whether a text is text: no control characters (NUL, ESC of an ANSI sequence, DEL,
// C1), no bidirectional overrides, no lone UTF-16 surrogates (they cannot be written as UTF-8).
import { luhnValid } from './card.js';
import { paymentCodeShapeOf } from './payment-code-shapes.js';

const minCardDigits = 13;
const maxCardDigits = 19;

/** Runs of digits, allowing one space or dash between digits, as card numbers are printed. */
const cardPrefix = /^(?:[2-6]|81)/;

const digitRun = /\d(?:[ -]?\d)*/g;

/** True when the text holds what could be a card number (see the file header). */
export function holdsCardNumber(text: string): boolean {
  for (const match of text.matchAll(digitRun)) {
    const digits = match[0].replace(/[ -]/g, '').replace(/^0+/, '');
    if (
      digits.length >= minCardDigits &&
      digits.length <= maxCardDigits &&
      cardPrefix.test(digits) &&
      luhnValid(digits)
    ) {
      return true;
    }
  }
  return false;
}

/**
 * Characters that are not text to store or log: C0 and C1 controls (NUL, ESC, DEL...), the
 * bidirectional overrides that make a log line read other than it is, and lone surrogates.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const notText = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const loneSurrogate = /\p{Cs}/u;

/** What is wrong with a text as text, or undefined when it is plain text. Never echoes it. */
export function textProblem(text: string): string | undefined {
  if (loneSurrogate.test(text))
    return 'a lone UTF-16 surrogate (not a character; it cannot be stored as UTF-8)';
  const bad = notText.exec(text);
  if (bad !== null) {
    const code = bad[0].codePointAt(0) ?? 0;
    const name = code === 0 ? 'NUL' : code === 0x1b ? 'ESC (an ANSI escape sequence)' : 'a control character';
    return `${name} (U+${code.toString(16).toUpperCase().padStart(4, '0')}) at character ${bad.index + 1}`;
  }
  return undefined;
}

/**
 * Describes what is wrong with a free-text value a client sent, or undefined when it may be
 * stored: used by both doors (the HTTP schemas and the engine) so they refuse the same texts.
 */
export function freeTextProblem(text: string): string | undefined {
  const problem = textProblem(text);
  if (problem !== undefined) return problem;
  if (holdsCardNumber(text))
    return `a ${text.length}-character text holding what looks like a card number (not shown)`;
  if (holdsPaymentCode(text))
    return `a ${text.length}-character text holding what looks like a wallet payment code (not shown)`;
  return undefined;
}

/**
 * True when the text holds a run of digits with a wallet payment code's shape (a bearer token like
 * a card number): printed together, as a scanner reads it, and judged whole like card numbers.
 */
export function holdsPaymentCode(text: string): boolean {
  for (const match of text.matchAll(/\d+/g)) {
    if (paymentCodeShapeOf(match[0]) !== undefined) return true;
  }
  return false;
}

/** As many digits as the shortest card number that may be printed (ISO/IEC 7812 allows 12). */
const minRedactedDigits = 12;

/**
 * Replaces every run of 12 or more digits (card numbers as printed, with spaces or dashes between
 * groups) with a marker, for texts that are logged or echoed whatever they hold, such as a URL.
 * Broader than `holdsCardNumber` on purpose: it needs no Luhn check, since nothing is refused.
 */
export function redactCardNumbers(text: string): string {
  return text.replace(digitRun, (run) =>
    run.replace(/[ -]/g, '').length >= minRedactedDigits ? '[redacted digits]' : run,
  );
}

/**
 * A URL as it may be logged or echoed: percent-decoded first (so `%34%39...` hides no digits), with
 * card-like numbers redacted; the URL as sent when it held none.
 */
export function redactUrl(url: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.replace(/\+/g, ' '));
  } catch {
    decoded = url.replace(/%3[0-9]/gi, (escape) => String.fromCharCode(Number.parseInt(escape.slice(1), 16)));
  }
  const redacted = redactCardNumbers(decoded);
  return redacted === decoded ? url : redacted;
}
